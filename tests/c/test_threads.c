/*
 * test_threads.c: one crm_t used from several threads at once, as the header promises.
 *
 * 1. Four threads capture 50 leads each on ONE handle at once (readers interleaved): no error, no
 *    lost write, no id given twice; the event log has exactly one event per lead.
 * 2. Four threads capture the same request (same external_ref) and record the same order at once:
 *    one lead and one order are stored, every thread gets the same ids.
 * 3. Transactions among plain callers: two threads each hold a transaction (crm_begin … crm_commit),
 *    one holds one and rolls it back, while two others capture. Committed work is all there under its
 *    actor, rolled-back work is absent, nothing else is lost.
 * 4. The last error is per thread: a failure on one thread never shows on another, a success never
 *    clears another thread's error, a thread that never failed sees NULL.
 * 5. A transaction left open by a thread that has ended is rolled back by crm_close().
 * 6. Every reader works inside the calling thread's transaction, crm_schema_version() and
 *    crm_integrity_check() included (run under a watchdog: they used to wait for the transaction,
 *    which waits for them, forever).
 */
#include "check.h"

#include <pthread.h>
#include <time.h>
#include <unistd.h>

#define STORE "threads.crm"
#define AT "2026-11-02T09:30:00Z"
#define THREADS 4
#define PER_THREAD 50

static crm_t *crm; /* the one handle every thread shares */

/* How many leads a query lists (one page of up to 1000). */
static int count_leads(const char *query) {
  char *out = NULL;
  CHECK_OK(crm_list_leads(crm, query, &out));
  int n = json_count(out, "\"received_at\":");
  free_str(&out);
  return n;
}

/* Captures one lead and returns its id; every status checked. */
static int64_t capture(const char *prefix, int thread, int i) {
  char json[256];
  snprintf(json, sizeof json,
           "{\"channel\": \"web\", \"name\": \"Buyer %d-%d\", \"phone\": \"+38067%03d%04d\", "
           "\"external_ref\": \"%s-%d-%d\"}",
           thread, i, thread, i, prefix, thread, i);
  char *out = NULL;
  CHECK_OK(crm_capture_lead(crm, json, AT, &out));
  CHECK_CONTAINS(out, "\"status\":\"new\"");
  CHECK_CONTAINS(out, "\"warnings\":[]");
  int64_t id = JSON_I64(out, "id");
  CHECK(id > 0);
  free_str(&out);
  return id;
}

/* ----------------------------------------------------------------------------------------------------- */
/* 1. Four writers at once.                                                                             */

typedef struct {
  int thread;
  int64_t ids[PER_THREAD];
} writer_t;

static void *writer(void *arg) {
  writer_t *w = arg;
  for (int i = 0; i < PER_THREAD; i++) {
    w->ids[i] = capture("W", w->thread, i);
    if (i % 10 == 9) {
      /* Readers interleaved with the writers: our own lead reads back as written. */
      char *out = NULL;
      CHECK_OK(crm_get_lead(crm, w->ids[i], &out));
      CHECK_I64(JSON_I64(out, "id"), w->ids[i]);
      free_str(&out);
      int64_t seq = 0;
      CHECK_OK(crm_last_seq(crm, &seq));
      CHECK(seq >= w->ids[i]);
    }
  }
  /* Nothing failed on this thread, so it has no last error. */
  char *message = crm_last_error_message();
  CHECK(message == NULL);
  return NULL;
}

static int compare_ids(const void *a, const void *b) {
  int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
  return (x > y) - (x < y);
}

static void test_writers(void) {
  int64_t seq_before = last_seq(crm);
  int leads_before = count_leads("{\"page\": {\"limit\": 1000}}");
  static writer_t writers[THREADS];
  pthread_t threads[THREADS];
  for (int t = 0; t < THREADS; t++) {
    writers[t].thread = t;
    CHECK(pthread_create(&threads[t], NULL, writer, &writers[t]) == 0);
  }
  for (int t = 0; t < THREADS; t++) CHECK(pthread_join(threads[t], NULL) == 0);

  /* No id given twice. */
  int64_t all[THREADS * PER_THREAD];
  for (int t = 0; t < THREADS; t++) memcpy(&all[t * PER_THREAD], writers[t].ids, sizeof writers[t].ids);
  qsort(all, THREADS * PER_THREAD, sizeof all[0], compare_ids);
  for (int i = 1; i < THREADS * PER_THREAD; i++) CHECK(all[i] != all[i - 1]);

  /* No write lost: every lead listed, one event each, each findable by its reference. */
  CHECK_I64(count_leads("{\"page\": {\"limit\": 1000}}"), leads_before + THREADS * PER_THREAD);
  /* A page is 100 rows unless said otherwise (NULL, {}, limit 0). */
  CHECK_I64(count_leads(NULL), 100);
  CHECK_I64(count_leads("{\"page\": {\"limit\": 0}}"), 100);
  CHECK_I64(last_seq(crm), seq_before + THREADS * PER_THREAD);
  char *out = NULL;
  CHECK_OK(crm_changes_since(crm, seq_before, 10000, &out));
  CHECK_I64(json_count(out, "\"kind\":\"captured\""), THREADS * PER_THREAD);
  free_str(&out);
  for (int t = 0; t < THREADS; t++) {
    for (int i = 0; i < PER_THREAD; i += 7) {
      char query[128];
      snprintf(query, sizeof query, "{\"external_ref\": \"W-%d-%d\"}", t, i);
      CHECK_OK(crm_list_leads(crm, query, &out));
      CHECK_I64(JSON_I64(out, "id"), writers[t].ids[i]);
      free_str(&out);
    }
  }
}

/* ----------------------------------------------------------------------------------------------------- */
/* 2. The same request from four threads at once.                                                      */

static pthread_barrier_t start_line;
static int64_t client_id;

typedef struct {
  int64_t lead, order;
} same_t;

static void *same_request(void *arg) {
  same_t *result = arg;
  char *out = NULL;
  char order[256];
  snprintf(order, sizeof order, "{\"client_id\": %" PRId64 ", \"total\": \"99.50\", \"external_ref\": \"SAME-ORDER\"}",
           client_id);
  pthread_barrier_wait(&start_line);
  CHECK_OK(crm_capture_lead(crm, "{\"channel\": \"email\", \"email\": \"same@example.com\", \"external_ref\": \"SAME\"}",
                            AT, &out));
  result->lead = JSON_I64(out, "id");
  free_str(&out);
  CHECK_OK(crm_record_order(crm, order, AT, &out));
  result->order = JSON_I64(out, "id");
  free_str(&out);
  return NULL;
}

static void test_same_request(void) {
  char *out = NULL;
  CHECK_OK(crm_add_client(crm, "{\"name\": \"Romashka LLC\"}", AT, &out));
  client_id = JSON_I64(out, "id");
  free_str(&out);
  int64_t seq_before = last_seq(crm);
  same_t results[THREADS];
  pthread_t threads[THREADS];
  CHECK(pthread_barrier_init(&start_line, NULL, THREADS) == 0);
  for (int t = 0; t < THREADS; t++) CHECK(pthread_create(&threads[t], NULL, same_request, &results[t]) == 0);
  for (int t = 0; t < THREADS; t++) CHECK(pthread_join(threads[t], NULL) == 0);
  CHECK(pthread_barrier_destroy(&start_line) == 0);
  for (int t = 1; t < THREADS; t++) {
    CHECK_I64(results[t].lead, results[0].lead);
    CHECK_I64(results[t].order, results[0].order);
  }
  CHECK_I64(count_leads("{\"external_ref\": \"SAME\"}"), 1);
  CHECK_I64(last_seq(crm), seq_before + 2); /* one capture, one order */
  CHECK_OK(crm_client_rollup(crm, client_id, &out));
  CHECK_CONTAINS(out, "\"revenue\":\"99.50\"");
  CHECK_I64(JSON_I64(out, "orders"), 1);
  free_str(&out);
}

/* ----------------------------------------------------------------------------------------------------- */
/* 3. Transactions held by some threads while others capture.                                           */

#define TX_LEADS 20
#define PLAIN_LEADS 30

typedef struct {
  int thread;
  const char *actor; /* the transaction's actor; NULL for a thread without a transaction */
  bool commit;
} tx_job_t;

static void *tx_worker(void *arg) {
  const tx_job_t *job = arg;
  pthread_barrier_wait(&start_line);
  if (job->actor == NULL) {
    for (int i = 0; i < PLAIN_LEADS; i++) capture("PLAIN", job->thread, i);
    return NULL;
  }
  CHECK_OK(crm_begin(crm, job->actor));
  int64_t first = 0;
  for (int i = 0; i < TX_LEADS; i++) {
    int64_t id = capture(job->commit ? "KEPT" : "UNDONE", job->thread, i);
    if (i == 0) first = id;
  }
  /* Inside its transaction the thread reads its own writes. */
  char query[128];
  snprintf(query, sizeof query, "{\"external_ref\": \"%s-%d-0\"}", job->commit ? "KEPT" : "UNDONE", job->thread);
  char *out = NULL;
  CHECK_OK(crm_list_leads(crm, query, &out));
  CHECK_I64(JSON_I64(out, "id"), first);
  free_str(&out);
  /* A second begin on this thread is refused; the transaction goes on. */
  CHECK_STATUS(crm_begin(crm, NULL), CRM_STATUS_MISUSE);
  if (job->commit) {
    CHECK_OK(crm_commit(crm));
  } else {
    CHECK_OK(crm_rollback(crm));
  }
  CHECK_STATUS(crm_commit(crm), CRM_STATUS_MISUSE);
  return NULL;
}

static void test_transactions_among_writers(void) {
  int64_t seq_before = last_seq(crm);
  tx_job_t jobs[] = {
      {0, "batch-a", true}, {1, "batch-b", true}, {2, "doomed", false}, {3, NULL, false}, {4, NULL, false},
  };
  enum { N = sizeof jobs / sizeof jobs[0] };
  pthread_t threads[N];
  CHECK(pthread_barrier_init(&start_line, NULL, N) == 0);
  for (int t = 0; t < N; t++) CHECK(pthread_create(&threads[t], NULL, tx_worker, &jobs[t]) == 0);
  for (int t = 0; t < N; t++) CHECK(pthread_join(threads[t], NULL) == 0);
  CHECK(pthread_barrier_destroy(&start_line) == 0);

  /* Committed: all of both transactions; rolled back: none; plain: all. */
  CHECK_I64(last_seq(crm), seq_before + 2 * TX_LEADS + 2 * PLAIN_LEADS);
  char *out = NULL;
  CHECK_OK(crm_changes_since(crm, seq_before, 10000, &out));
  CHECK_I64(json_count(out, "\"kind\":\"captured\""), 2 * TX_LEADS + 2 * PLAIN_LEADS);
  CHECK_I64(json_count(out, "\"actor\":\"batch-a\""), TX_LEADS);
  CHECK_I64(json_count(out, "\"actor\":\"batch-b\""), TX_LEADS);
  CHECK_I64(json_count(out, "\"actor\":\"system\""), 2 * PLAIN_LEADS);
  CHECK_I64(json_count(out, "\"external_ref\":\"KEPT-0-"), TX_LEADS);
  CHECK_I64(json_count(out, "\"external_ref\":\"KEPT-1-"), TX_LEADS);
  CHECK_I64(json_count(out, "\"external_ref\":\"PLAIN-3-"), PLAIN_LEADS);
  CHECK_I64(json_count(out, "\"external_ref\":\"PLAIN-4-"), PLAIN_LEADS);
  CHECK_LACKS(out, "UNDONE");
  CHECK_LACKS(out, "doomed");
  /* A transaction's events are contiguous in the log: nobody wrote in the middle of it. */
  for (int t = 0; t < 2; t++) {
    char first[64], last[64];
    snprintf(first, sizeof first, "\"external_ref\":\"KEPT-%d-0\"", t);
    snprintf(last, sizeof last, "\"external_ref\":\"KEPT-%d-%d\"", t, TX_LEADS - 1);
    const char *from = strstr(out, first);
    const char *to = strstr(out, last);
    CHECK(from != NULL && to != NULL && from < to);
    int between = 0;
    for (const char *at = strstr(from, "\"kind\":\"captured\""); at && at < to; at = strstr(at + 1, "\"kind\":\"captured\""))
      between++;
    CHECK_I64(between, TX_LEADS - 1);
    const char *intruder = strstr(from, "PLAIN-");
    CHECK(intruder == NULL || intruder > to);
  }
  free_str(&out);
  CHECK_I64(count_leads("{\"external_ref\": \"UNDONE-2-0\"}"), 0);
  CHECK_I64(count_leads("{\"external_ref\": \"KEPT-1-19\"}"), 1);
  CHECK_OK(crm_integrity_check(crm, &out));
  CHECK_STR(out, "[\"ok\"]");
  free_str(&out);
}

/* ----------------------------------------------------------------------------------------------------- */
/* 4. The last error is per thread.                                                                     */

static pthread_barrier_t step;

static void *fails_not_found(void *arg) {
  (void)arg;
  char *out = NULL;
  CHECK_STATUS(crm_get_lead(crm, 424242, &out), CRM_STATUS_NOT_FOUND);
  pthread_barrier_wait(&step); /* 1: we failed */
  pthread_barrier_wait(&step); /* 2: the other thread failed, and a third succeeded */
  char *message = crm_last_error_message();
  CHECK_STR(message, "lead 424242 not found");
  free_str(&message);
  char *json = crm_last_error_json();
  CHECK_CONTAINS(json, "\"kind\":\"not_found\"");
  free_str(&json);
  return NULL;
}

static void *fails_validation(void *arg) {
  (void)arg;
  char *out = NULL;
  pthread_barrier_wait(&step); /* 1 */
  CHECK_STATUS(crm_capture_lead(crm, "{\"channel\": \"web\"}", AT, &out), CRM_STATUS_VALIDATION);
  pthread_barrier_wait(&step); /* 2 */
  char *message = crm_last_error_message();
  CHECK_CONTAINS(message, "contact: give at least one way");
  free_str(&message);
  return NULL;
}

static void *never_fails(void *arg) {
  (void)arg;
  pthread_barrier_wait(&step); /* 1 */
  char *out = NULL;
  CHECK_OK(crm_lost_reasons(crm, &out));
  free_str(&out);
  pthread_barrier_wait(&step); /* 2 */
  char *message = crm_last_error_message();
  char *json = crm_last_error_json();
  CHECK(message == NULL);
  CHECK(json == NULL);
  return NULL;
}

static void test_last_error_per_thread(void) {
  /* The main thread's own error, set before the others run. */
  CHECK_STATUS(crm_history(crm, "nothing", 1, NULL), CRM_STATUS_NULL_ARGUMENT);
  pthread_t threads[3];
  CHECK(pthread_barrier_init(&step, NULL, 3) == 0);
  CHECK(pthread_create(&threads[0], NULL, fails_not_found, NULL) == 0);
  CHECK(pthread_create(&threads[1], NULL, fails_validation, NULL) == 0);
  CHECK(pthread_create(&threads[2], NULL, never_fails, NULL) == 0);
  for (int t = 0; t < 3; t++) CHECK(pthread_join(threads[t], NULL) == 0);
  CHECK(pthread_barrier_destroy(&step) == 0);
  char *message = crm_last_error_message();
  CHECK_STR(message, "events_json: is NULL");
  free_str(&message);
}

/* ----------------------------------------------------------------------------------------------------- */
/* 5. A transaction left open: crm_close() rolls it back.                                               */

static void *begins_and_leaves(void *arg) {
  crm_t *other = arg;
  char *out = NULL;
  CHECK_OK(crm_begin(other, "forgetful"));
  CHECK_OK(crm_capture_lead(other, "{\"channel\": \"web\", \"phone\": \"+380671234567\", \"external_ref\": \"LEFT-OPEN\"}",
                            AT, &out));
  free_str(&out);
  return NULL; /* no commit, no rollback */
}

static void test_close_rolls_back(void) {
  crm_t *other = NULL;
  remove_store("left-open.crm");
  CHECK_OK(crm_open("left-open.crm", &other));
  pthread_t thread;
  CHECK(pthread_create(&thread, NULL, begins_and_leaves, other) == 0);
  CHECK(pthread_join(thread, NULL) == 0);
  crm_close(other);
  CHECK_OK(crm_open("left-open.crm", &other));
  char *out = NULL;
  CHECK_OK(crm_list_leads(other, NULL, &out));
  CHECK_STR(out, "[]");
  free_str(&out);
  int64_t seq = -1;
  CHECK_OK(crm_last_seq(other, &seq));
  CHECK_I64(seq, 0);
  crm_close(other);
  remove_store("left-open.crm");
}

/* ----------------------------------------------------------------------------------------------------- */
/* 6. Readers inside the thread's own transaction, under a watchdog.                                    */

static pthread_mutex_t watchdog_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t watchdog_cond = PTHREAD_COND_INITIALIZER;
static int readers_done;

static void *reads_inside_transaction(void *arg) {
  crm_t *other = arg;
  char *out = NULL;
  int64_t value = -1;
  CHECK_OK(crm_begin(other, NULL));
  CHECK_OK(crm_capture_lead(other, "{\"channel\": \"web\", \"phone\": \"+380671234567\"}", AT, &out));
  free_str(&out);
  CHECK_OK(crm_last_seq(other, &value));
  CHECK_I64(value, 1);
  CHECK_OK(crm_list_leads(other, NULL, &out));
  free_str(&out);
  /* These two need the connection of their own: inside the transaction they are refused, not stuck. */
  CHECK_FAILS(crm_schema_version(other, &value), CRM_STATUS_MISUSE, "not available inside a transaction");
  CHECK_I64(value, 0);
  CHECK_FAILS(crm_integrity_check(other, &out), CRM_STATUS_MISUSE, "not available inside a transaction");
  CHECK(out == NULL);
  CHECK_OK(crm_commit(other));
  CHECK_OK(crm_schema_version(other, &value));
  CHECK(value >= 1);
  CHECK_OK(crm_integrity_check(other, &out));
  CHECK_STR(out, "[\"ok\"]");
  free_str(&out);
  pthread_mutex_lock(&watchdog_lock);
  readers_done = 1;
  pthread_cond_signal(&watchdog_cond);
  pthread_mutex_unlock(&watchdog_lock);
  return NULL;
}

/* Returns false when the readers did not finish within the watchdog's time (the handle is then stuck
 * and must not be touched again). */
static bool test_readers_inside_transaction(void) {
  crm_t *other = NULL;
  CHECK_OK(crm_open(":memory:", &other));
  pthread_t thread;
  CHECK(pthread_create(&thread, NULL, reads_inside_transaction, other) == 0);
  struct timespec deadline;
  CHECK(clock_gettime(CLOCK_REALTIME, &deadline) == 0);
  deadline.tv_sec += 10; /* the calls take milliseconds, even under valgrind */
  pthread_mutex_lock(&watchdog_lock);
  int waited = 0;
  while (!readers_done && waited == 0) waited = pthread_cond_timedwait(&watchdog_cond, &watchdog_lock, &deadline);
  bool done = readers_done;
  pthread_mutex_unlock(&watchdog_lock);
  /* Once, crm_schema_version() inside the thread's own transaction waited for that transaction forever. */
  EXPECT(done, "readers inside the thread's own transaction did not return within 10 s (deadlock)");
  if (!done) return false;
  CHECK(pthread_join(thread, NULL) == 0);
  crm_close(other);
  return true;
}

int main(void) {
  remove_store(STORE);
  CHECK_OK(crm_open(STORE, &crm));
  test_writers();
  test_same_request();
  test_transactions_among_writers();
  test_last_error_per_thread();
  crm_close(crm);

  /* Everything is in the file after close. */
  crm = NULL;
  CHECK_OK(crm_open(STORE, &crm));
  CHECK_I64(count_leads("{\"page\": {\"limit\": 1000}}"),
            THREADS * PER_THREAD + 1 + 2 * TX_LEADS + 2 * PLAIN_LEADS);
  crm_close(crm);
  remove_store(STORE);
  test_close_rolls_back();
  if (!test_readers_inside_transaction()) {
    /* A thread is stuck inside the library: leave without touching it. */
    fflush(stdout);
    fflush(stderr);
    _exit(check_exit_code());
  }

  int code = check_exit_code();
  if (code == 0) puts("test_threads: ok");
  return code;
}
