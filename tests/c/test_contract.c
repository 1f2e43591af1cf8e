/*
 * test_contract.c: the contract of include/crm.h's preamble, checked from C.
 *
 * - every status code reached on purpose and checked by number;
 * - NULL and invalid UTF-8 in every argument position of a representative set of functions, with the
 *   message naming the argument as the header names it;
 * - out-parameters emptied on entry and written only on success (preset to a sentinel, checked after);
 * - optional ("or NULL") arguments accept NULL;
 * - the per-thread last error: NULL on a fresh thread, a copy the caller owns, JSON with
 *   status/kind/field/message, left alone by a successful call;
 * - crm_string_free(NULL), crm_close(NULL), crm_version(), crm_abi_version();
 * - a failed command writes nothing (the event log's last seq does not move); strings passed in are
 *   not kept after the call;
 * - files: a missing directory, a file that is not a database, another application's SQLite file and
 *   a store from a newer crmkit are refused and left byte for byte as they were, nothing beside them;
 * - records are objects at every depth, pages are strict, a closed deal is a conflict (test_records_are_objects).
 */
#include "check.h"

#include <pthread.h>

#define T0 "2026-11-02T09:30:00Z"
#define T1 "2026-11-02T10:00:00Z"
#define T2 "2026-11-02T10:30:00Z"
#define T3 "2026-11-02T11:00:00Z"

#define BAD_UTF8 "\xff\xfe"

/* The numbers are frozen: hosts compiled against an older header rely on them. */
_Static_assert(CRM_STATUS_OK == 0, "frozen");
_Static_assert(CRM_STATUS_NULL_ARGUMENT == 1, "frozen");
_Static_assert(CRM_STATUS_INVALID_UTF8 == 2, "frozen");
_Static_assert(CRM_STATUS_INVALID_JSON == 3, "frozen");
_Static_assert(CRM_STATUS_VALIDATION == 4, "frozen");
_Static_assert(CRM_STATUS_NOT_FOUND == 5, "frozen");
_Static_assert(CRM_STATUS_INVALID_TRANSITION == 6, "frozen");
_Static_assert(CRM_STATUS_CONFLICT == 7, "frozen");
_Static_assert(CRM_STATUS_STORAGE == 8, "frozen");
_Static_assert(CRM_STATUS_SCHEMA_TOO_NEW == 9, "frozen");
_Static_assert(CRM_STATUS_PANIC == 10, "frozen");
_Static_assert(CRM_STATUS_MISUSE == 11, "frozen");

/* ----------------------------------------------------------------------------------------------------- */
/* The fixture: a store with a manager, a source, a client, a new lead and a won deal.                   */

typedef struct {
  crm_t *crm;
  int64_t manager, source, client, lead, won_deal;
} fixture_t;

static fixture_t fixture(void) {
  fixture_t f = {0};
  CHECK_OK(crm_open(":memory:", &f.crm));
  CHECK(f.crm != NULL);
  f.manager = add(f.crm, crm_add_manager, "{\"name\": \"Olena Koval\"}", T0);
  f.source = add(f.crm, crm_add_source, "{\"name\": \"Google Ads\", \"channel\": \"ads\"}", T0);
  f.client = add(f.crm, crm_add_client,
                 "{\"name\": \"Romashka LLC\", \"external_ref\": \"1C-000123\"}", T0);
  f.lead = add(f.crm, crm_capture_lead,
               "{\"channel\": \"web\", \"phone\": \"+380671234567\", \"external_ref\": \"WEB-1\"}", T0);
  char *out = NULL;
  CHECK_OK(crm_open_deal(f.crm, "{\"client_id\": 1, \"title\": \"Chairs\", \"amount\": \"100.00\"}", T0,
                         &out));
  f.won_deal = JSON_I64(out, "id");
  free_str(&out);
  CHECK_OK(crm_win_deal(f.crm, f.won_deal, T1, &out));
  CHECK_CONTAINS(out, "\"status\":\"won\"");
  free_str(&out);
  CHECK_OK(crm_record_order(f.crm, "{\"client_id\": 1, \"total\": \"10.00\", \"external_ref\": \"ORD-1\"}",
                            T1, &out));
  free_str(&out);
  return f;
}

/* ----------------------------------------------------------------------------------------------------- */

static void test_versions(void) {
  const char *version = crm_version();
  CHECK(version != NULL);
  CHECK(version[0] != '\0');
  CHECK(strchr(version, '.') != NULL);
  CHECK(crm_version() == version); /* static: the same string every time, never freed */
  CHECK_I64(crm_abi_version(), CRM_ABI_VERSION);
}

/* Before any failure the last error is NULL: checked on the main thread at the very start, and here on a
 * thread that has never failed (after the main thread has). */
static void *fresh_thread(void *arg) {
  (void)arg;
  char *message = crm_last_error_message();
  char *json = crm_last_error_json();
  CHECK(message == NULL);
  CHECK(json == NULL);
  /* This thread's own failure is its own... */
  CHECK_FAILS(crm_get_lead(NULL, 1, &message), CRM_STATUS_NULL_ARGUMENT, "crm");
  CHECK(message == NULL);
  message = crm_last_error_message();
  CHECK_STR(message, "crm: is NULL");
  free_str(&message);
  return NULL;
}

static void test_last_error(void) {
  /* Nothing has failed on the main thread yet (main calls this first). */
  char *message = crm_last_error_message();
  char *json = crm_last_error_json();
  CHECK(message == NULL);
  CHECK(json == NULL);

  crm_t *crm = NULL;
  char *out = NULL;
  CHECK_OK(crm_open(":memory:", &crm));
  CHECK_STATUS(crm_capture_lead(crm, "{\"channel\": \"web\"}", T0, &out), CRM_STATUS_VALIDATION);

  /* A copy the caller owns: two calls give two strings with the same text; freeing one leaves the
   * other intact. */
  char *first = crm_last_error_message();
  char *second = crm_last_error_message();
  CHECK(first != NULL && second != NULL);
  CHECK(first != second);
  CHECK_STR(first, second);
  CHECK_CONTAINS(first, "contact");
  first[0] = 'X'; /* ours to write to */
  free_str(&first);
  CHECK_CONTAINS(second, "give at least one way to reach the person");
  free_str(&second);

  json = crm_last_error_json();
  CHECK_CONTAINS(json, "\"status\":4");
  CHECK_CONTAINS(json, "\"kind\":\"validation\"");
  CHECK_CONTAINS(json, "\"field\":\"contact\"");
  CHECK_CONTAINS(json, "\"message\":\"contact: give at least one way to reach the person");
  free_str(&json);

  /* A successful call leaves it as it was. */
  CHECK_OK(crm_list_leads(crm, NULL, &out));
  CHECK_STR(out, "[]");
  free_str(&out);
  message = crm_last_error_message();
  CHECK_CONTAINS(message, "contact: give at least one way");
  free_str(&message);

  /* A failure that names no field has "field": null. */
  CHECK_STATUS(crm_get_lead(crm, 42, &out), CRM_STATUS_NOT_FOUND);
  json = crm_last_error_json();
  CHECK_CONTAINS(json, "\"status\":5");
  CHECK_CONTAINS(json, "\"kind\":\"not_found\"");
  CHECK_CONTAINS(json, "\"field\":null");
  CHECK_CONTAINS(json, "\"message\":\"lead 42 not found\"");
  free_str(&json);

  /* A fresh thread has no last error, even though this one has. */
  pthread_t thread;
  CHECK(pthread_create(&thread, NULL, fresh_thread, NULL) == 0);
  CHECK(pthread_join(thread, NULL) == 0);
  /* ...and its failure did not become ours. */
  message = crm_last_error_message();
  CHECK_STR(message, "lead 42 not found");
  free_str(&message);

  crm_close(crm);
}

static void test_null_safe_frees(void) {
  crm_string_free(NULL);
  crm_close(NULL);
}

static void test_panic(void) {
  CHECK_FAILS(crm_check_panic_boundary(), CRM_STATUS_PANIC, "deliberate panic");
  CHECK_I64(crm_check_panic_boundary(), 10);
  char *json = crm_last_error_json();
  CHECK_CONTAINS(json, "\"status\":10");
  CHECK_CONTAINS(json, "\"kind\":\"panic\"");
  free_str(&json);
  /* The library goes on working after a caught panic. */
  crm_t *crm = NULL;
  char *out = NULL;
  CHECK_OK(crm_open(":memory:", &crm));
  CHECK_OK(crm_lost_reasons(crm, &out));
  CHECK_CONTAINS(out, "\"code\":\"price\"");
  free_str(&out);
  crm_close(crm);
}

/* ----------------------------------------------------------------------------------------------------- */
/* CRM_STATUS_NULL_ARGUMENT and CRM_STATUS_INVALID_UTF8 in every argument position.                      */

static void test_open_arguments(void) {
  crm_t *crm = (crm_t *)SENTINEL;
  CHECK_FAILS(crm_open(NULL, &crm), CRM_STATUS_NULL_ARGUMENT, "path: is NULL");
  CHECK(crm == NULL);
  crm = (crm_t *)SENTINEL;
  CHECK_FAILS(crm_open(BAD_UTF8, &crm), CRM_STATUS_INVALID_UTF8, "path: is not valid UTF-8");
  CHECK(crm == NULL);
  CHECK_FAILS(crm_open("never-created.crm", NULL), CRM_STATUS_NULL_ARGUMENT, "out: is NULL");
  /* An empty path would be a temporary SQLite file that vanishes on close: refused. (The header's
   * @return for crm_open does not list this status; reported.) */
  crm = (crm_t *)SENTINEL;
  CHECK_FAILS(crm_open("", &crm), CRM_STATUS_VALIDATION, "path");
  CHECK(crm == NULL);
  FILE *file = fopen("never-created.crm", "rb");
  CHECK(file == NULL); /* nothing was created for a call that failed */
}

static void test_capture_arguments(const fixture_t *f) {
  const char *lead = "{\"channel\": \"web\", \"phone\": \"+380671234567\"}";
  char *out = NULL;
  FAILS_EMPTY(out, crm_capture_lead(NULL, lead, T0, &out), CRM_STATUS_NULL_ARGUMENT, "crm: is NULL");
  FAILS_EMPTY(out, crm_capture_lead(f->crm, NULL, T0, &out), CRM_STATUS_NULL_ARGUMENT,
              "new_lead_json: is NULL");
  FAILS_EMPTY(out, crm_capture_lead(f->crm, lead, NULL, &out), CRM_STATUS_NULL_ARGUMENT, "at: is NULL");
  CHECK_FAILS(crm_capture_lead(f->crm, lead, T0, NULL), CRM_STATUS_NULL_ARGUMENT,
              "capture_json: is NULL");
  /* Invalid UTF-8: a bare bad byte, bad bytes inside a JSON string, a truncated sequence, an encoded
   * surrogate (CESU-8), an overlong encoding. */
  FAILS_EMPTY(out, crm_capture_lead(f->crm, BAD_UTF8, T0, &out), CRM_STATUS_INVALID_UTF8,
              "new_lead_json: is not valid UTF-8");
  FAILS_EMPTY(out,
              crm_capture_lead(f->crm, "{\"channel\": \"web\", \"name\": \"Iv\xff\xfen\", \"phone\": \"1234567\"}",
                               T0, &out),
              CRM_STATUS_INVALID_UTF8, "new_lead_json: is not valid UTF-8");
  FAILS_EMPTY(out, crm_capture_lead(f->crm, "{\"channel\": \"web\", \"name\": \"\xc3\"}", T0, &out),
              CRM_STATUS_INVALID_UTF8, "new_lead_json");
  FAILS_EMPTY(out, crm_capture_lead(f->crm, "{\"channel\": \"web\", \"name\": \"\xed\xa0\x80\"}", T0, &out),
              CRM_STATUS_INVALID_UTF8, "new_lead_json");
  FAILS_EMPTY(out, crm_capture_lead(f->crm, "{\"channel\": \"web\", \"name\": \"\xc0\xaf\"}", T0, &out),
              CRM_STATUS_INVALID_UTF8, "new_lead_json");
  FAILS_EMPTY(out, crm_capture_lead(f->crm, lead, "2026-11-02T09:30:00Z" BAD_UTF8, &out),
              CRM_STATUS_INVALID_UTF8, "at: is not valid UTF-8");
  /* Valid UTF-8 beyond ASCII is fine. */
  CHECK_OK(crm_capture_lead(f->crm,
                            "{\"channel\": \"web\", \"name\": \"Іван Петренко\", \"phone\": \"+380671234568\"}",
                            T0, &out));
  CHECK_CONTAINS(out, "\"name\":\"Іван Петренко\"");
  free_str(&out);
}

static void test_lose_lead_arguments(const fixture_t *f) {
  char *out = NULL;
  FAILS_EMPTY(out, crm_lose_lead(NULL, f->lead, "price", NULL, T1, &out), CRM_STATUS_NULL_ARGUMENT,
              "crm: is NULL");
  FAILS_EMPTY(out, crm_lose_lead(f->crm, f->lead, NULL, "note", T1, &out), CRM_STATUS_NULL_ARGUMENT,
              "reason: is NULL");
  FAILS_EMPTY(out, crm_lose_lead(f->crm, f->lead, "price", NULL, NULL, &out), CRM_STATUS_NULL_ARGUMENT,
              "at: is NULL");
  CHECK_FAILS(crm_lose_lead(f->crm, f->lead, "price", NULL, T1, NULL), CRM_STATUS_NULL_ARGUMENT,
              "lead_json: is NULL");
  FAILS_EMPTY(out, crm_lose_lead(f->crm, f->lead, BAD_UTF8, NULL, T1, &out), CRM_STATUS_INVALID_UTF8,
              "reason: is not valid UTF-8");
  /* The optional note: NULL is fine, invalid UTF-8 is not. */
  FAILS_EMPTY(out, crm_lose_lead(f->crm, f->lead, "price", BAD_UTF8, T1, &out), CRM_STATUS_INVALID_UTF8,
              "note: is not valid UTF-8");
  FAILS_EMPTY(out, crm_lose_lead(f->crm, f->lead, "price", NULL, BAD_UTF8, &out), CRM_STATUS_INVALID_UTF8,
              "at: is not valid UTF-8");
  /* None of the failures touched the lead. */
  CHECK_OK(crm_get_lead(f->crm, f->lead, &out));
  CHECK_CONTAINS(out, "\"status\":\"new\"");
  free_str(&out);
}

static void test_history_arguments(const fixture_t *f) {
  char *out = NULL;
  FAILS_EMPTY(out, crm_history(NULL, "lead", f->lead, &out), CRM_STATUS_NULL_ARGUMENT, "crm: is NULL");
  FAILS_EMPTY(out, crm_history(f->crm, NULL, f->lead, &out), CRM_STATUS_NULL_ARGUMENT,
              "entity: is NULL");
  CHECK_FAILS(crm_history(f->crm, "lead", f->lead, NULL), CRM_STATUS_NULL_ARGUMENT,
              "events_json: is NULL");
  FAILS_EMPTY(out, crm_history(f->crm, BAD_UTF8, f->lead, &out), CRM_STATUS_INVALID_UTF8,
              "entity: is not valid UTF-8");
}

static void test_record_order_arguments(const fixture_t *f) {
  const char *order = "{\"client_id\": 1, \"total\": \"5.00\"}";
  char *out = NULL;
  FAILS_EMPTY(out, crm_record_order(NULL, order, T1, &out), CRM_STATUS_NULL_ARGUMENT, "crm: is NULL");
  FAILS_EMPTY(out, crm_record_order(f->crm, NULL, T1, &out), CRM_STATUS_NULL_ARGUMENT,
              "new_order_json: is NULL");
  FAILS_EMPTY(out, crm_record_order(f->crm, order, NULL, &out), CRM_STATUS_NULL_ARGUMENT, "at: is NULL");
  CHECK_FAILS(crm_record_order(f->crm, order, T1, NULL), CRM_STATUS_NULL_ARGUMENT, "order_json: is NULL");
  FAILS_EMPTY(out, crm_record_order(f->crm, "{\"client_id\": 1, \"total\": \"5.00\", \"external_ref\": \"\xff\"}",
                                    T1, &out),
              CRM_STATUS_INVALID_UTF8, "new_order_json: is not valid UTF-8");
  FAILS_EMPTY(out, crm_record_order(f->crm, order, BAD_UTF8, &out), CRM_STATUS_INVALID_UTF8,
              "at: is not valid UTF-8");

  FAILS_EMPTY(out, crm_record_orders(NULL, "[]", &out), CRM_STATUS_NULL_ARGUMENT, "crm: is NULL");
  FAILS_EMPTY(out, crm_record_orders(f->crm, NULL, &out), CRM_STATUS_NULL_ARGUMENT,
              "orders_json: is NULL");
  CHECK_FAILS(crm_record_orders(f->crm, "[]", NULL), CRM_STATUS_NULL_ARGUMENT, "results_json: is NULL");
  FAILS_EMPTY(out, crm_record_orders(f->crm, "[" BAD_UTF8 "]", &out), CRM_STATUS_INVALID_UTF8,
              "orders_json: is not valid UTF-8");
  CHECK_OK(crm_record_orders(f->crm, "[]", &out));
  CHECK_STR(out, "[]");
  free_str(&out);
}

static void test_actor_arguments(const fixture_t *f) {
  char *actor = NULL;
  CHECK_FAILS(crm_set_actor(NULL, "olena"), CRM_STATUS_NULL_ARGUMENT, "crm: is NULL");
  CHECK_FAILS(crm_set_actor(f->crm, NULL), CRM_STATUS_NULL_ARGUMENT, "actor: is NULL");
  CHECK_FAILS(crm_set_actor(f->crm, BAD_UTF8), CRM_STATUS_INVALID_UTF8, "actor: is not valid UTF-8");
  FAILS_EMPTY(actor, crm_actor(NULL, &actor), CRM_STATUS_NULL_ARGUMENT, "crm: is NULL");
  CHECK_FAILS(crm_actor(f->crm, NULL), CRM_STATUS_NULL_ARGUMENT, "actor: is NULL");
  /* The failures changed nothing; an empty name means the default. */
  CHECK_OK(crm_actor(f->crm, &actor));
  CHECK_STR(actor, "system");
  free_str(&actor);
  CHECK_OK(crm_set_actor(f->crm, "olena"));
  CHECK_OK(crm_actor(f->crm, &actor));
  CHECK_STR(actor, "olena");
  free_str(&actor);
  CHECK_OK(crm_set_actor(f->crm, ""));
  CHECK_OK(crm_actor(f->crm, &actor));
  CHECK_STR(actor, "system");
  free_str(&actor);
}

static void test_list_clients_arguments(const fixture_t *f) {
  char *out = NULL;
  FAILS_EMPTY(out, crm_list_clients(NULL, NULL, &out), CRM_STATUS_NULL_ARGUMENT, "crm: is NULL");
  CHECK_FAILS(crm_list_clients(f->crm, NULL, NULL), CRM_STATUS_NULL_ARGUMENT, "clients_json: is NULL");
  FAILS_EMPTY(out, crm_list_clients(f->crm, BAD_UTF8, &out), CRM_STATUS_INVALID_UTF8,
              "query_json: is not valid UTF-8");
  /* The query is optional: NULL means {}. */
  CHECK_OK(crm_list_clients(f->crm, NULL, &out));
  CHECK_CONTAINS(out, "\"name\":\"Romashka LLC\"");
  free_str(&out);
  CHECK_OK(crm_list_clients(f->crm, "{}", &out));
  CHECK_CONTAINS(out, "\"name\":\"Romashka LLC\"");
  free_str(&out);
}

/* More positions: other readers, scalar out-parameters, the rest of the optional arguments. */
static void test_more_arguments(const fixture_t *f) {
  char *out = NULL;
  /* Scalar out-parameters are emptied too: 0 and false. */
  int64_t seq = 42;
  CHECK_FAILS(crm_last_seq(NULL, &seq), CRM_STATUS_NULL_ARGUMENT, "crm: is NULL");
  CHECK_I64(seq, 0);
  CHECK_FAILS(crm_last_seq(f->crm, NULL), CRM_STATUS_NULL_ARGUMENT, "seq: is NULL");
  int64_t version = 42;
  CHECK_FAILS(crm_schema_version(NULL, &version), CRM_STATUS_NULL_ARGUMENT, "crm: is NULL");
  CHECK_I64(version, 0);
  CHECK_OK(crm_schema_version(f->crm, &version));
  CHECK(version >= 1);
  bool strict = true;
  CHECK_FAILS(crm_is_strict(NULL, &strict), CRM_STATUS_NULL_ARGUMENT, "crm: is NULL");
  CHECK(strict == false);
  CHECK_FAILS(crm_is_strict(f->crm, NULL), CRM_STATUS_NULL_ARGUMENT, "strict: is NULL");
  CHECK_FAILS(crm_set_strict(NULL, true), CRM_STATUS_NULL_ARGUMENT, "crm: is NULL");

  FAILS_EMPTY(out, crm_get_lead(NULL, f->lead, &out), CRM_STATUS_NULL_ARGUMENT, "crm: is NULL");
  CHECK_FAILS(crm_get_lead(f->crm, f->lead, NULL), CRM_STATUS_NULL_ARGUMENT, "lead_json: is NULL");
  FAILS_EMPTY(out, crm_list_leads(f->crm, BAD_UTF8, &out), CRM_STATUS_INVALID_UTF8, "query_json");
  FAILS_EMPTY(out, crm_changes_since(NULL, 0, 0, &out), CRM_STATUS_NULL_ARGUMENT, "crm: is NULL");
  FAILS_EMPTY(out, crm_integrity_check(NULL, &out), CRM_STATUS_NULL_ARGUMENT, "crm: is NULL");
  FAILS_EMPTY(out, crm_list_spend(f->crm, 0, NULL, "2026-12-31", &out), CRM_STATUS_NULL_ARGUMENT,
              "start: is NULL");
  FAILS_EMPTY(out, crm_list_spend(f->crm, 0, "2026-01-01", NULL, &out), CRM_STATUS_NULL_ARGUMENT,
              "end: is NULL");
  FAILS_EMPTY(out, crm_list_spend(f->crm, 0, "2026-01-01", BAD_UTF8, &out), CRM_STATUS_INVALID_UTF8,
              "end: is not valid UTF-8");
  FAILS_EMPTY(out, crm_add_lost_reason(f->crm, NULL, "Too far", T1, &out), CRM_STATUS_NULL_ARGUMENT,
              "code: is NULL");
  FAILS_EMPTY(out, crm_add_lost_reason(f->crm, "too_far", NULL, T1, &out), CRM_STATUS_NULL_ARGUMENT,
              "label: is NULL");
  FAILS_EMPTY(out, crm_add_lost_reason(f->crm, "too_far", BAD_UTF8, T1, &out), CRM_STATUS_INVALID_UTF8,
              "label: is not valid UTF-8");
  FAILS_EMPTY(out, crm_junk_lead(f->crm, f->lead, NULL, NULL, T1, &out), CRM_STATUS_NULL_ARGUMENT,
              "kind: is NULL");
  FAILS_EMPTY(out, crm_move_deal(f->crm, f->won_deal, NULL, T1, &out), CRM_STATUS_NULL_ARGUMENT,
              "stage: is NULL");
  FAILS_EMPTY(out, crm_set_order_status(f->crm, 1, NULL, T1, &out), CRM_STATUS_NULL_ARGUMENT,
              "status: is NULL");
  FAILS_EMPTY(out, crm_update_client(f->crm, f->client, NULL, T1, &out), CRM_STATUS_NULL_ARGUMENT,
              "patch_json: is NULL");
  FAILS_EMPTY(out, crm_convert_lead(f->crm, f->lead, BAD_UTF8, T1, &out), CRM_STATUS_INVALID_UTF8,
              "options_json: is not valid UTF-8");
  FAILS_EMPTY(out, crm_set_manager_active(f->crm, f->manager, false, NULL, &out), CRM_STATUS_NULL_ARGUMENT,
              "at: is NULL");
  CHECK_FAILS(crm_begin(NULL, NULL), CRM_STATUS_NULL_ARGUMENT, "crm: is NULL");
  CHECK_FAILS(crm_commit(NULL), CRM_STATUS_NULL_ARGUMENT, "crm: is NULL");
  CHECK_FAILS(crm_rollback(NULL), CRM_STATUS_NULL_ARGUMENT, "crm: is NULL");
  /* A begin refused for its actor opened nothing. */
  CHECK_FAILS(crm_begin(f->crm, BAD_UTF8), CRM_STATUS_INVALID_UTF8, "actor: is not valid UTF-8");
  CHECK_STATUS(crm_commit(f->crm), CRM_STATUS_MISUSE);

  /* Optional arguments documented "or NULL" / "NULL means {}" accept NULL. */
  CHECK_OK(crm_list_leads(f->crm, NULL, &out));
  CHECK_CONTAINS(out, "\"external_ref\":\"WEB-1\"");
  free_str(&out);
  CHECK_OK(crm_list_deals(f->crm, NULL, &out));
  CHECK_CONTAINS(out, "\"title\":\"Chairs\"");
  free_str(&out);
  CHECK_OK(crm_list_orders(f->crm, NULL, &out));
  CHECK_CONTAINS(out, "\"external_ref\":\"ORD-1\"");
  free_str(&out);
  CHECK_OK(crm_list_activities(f->crm, NULL, &out));
  CHECK_STR(out, "[]");
  free_str(&out);
  CHECK_OK(crm_list_rollups(f->crm, NULL, &out));
  CHECK_CONTAINS(out, "\"revenue\":\"10.00\"");
  free_str(&out);
  CHECK_OK(crm_begin(f->crm, NULL));
  CHECK_OK(crm_rollback(f->crm));
}

/* Strings passed in are only read during the call: freed (and scribbled over) right after, they are
 * not needed again. Valgrind would report a read of freed memory if the library kept a pointer. */
static char *heap_copy(const char *text) {
  size_t size = strlen(text) + 1;
  char *copy = malloc(size);
  CHECK(copy != NULL);
  memcpy(copy, text, size);
  return copy;
}

static void scrub_and_free(char *text) {
  memset(text, 'X', strlen(text));
  free(text);
}

static void test_inputs_not_kept(const fixture_t *f) {
  char *out = NULL;
  char *actor = heap_copy("ivan");
  CHECK_OK(crm_set_actor(f->crm, actor));
  scrub_and_free(actor);
  char *lead = heap_copy("{\"channel\": \"web\", \"name\": \"Kept\", \"phone\": \"+380679998877\"}");
  char *at = heap_copy(T1);
  CHECK_OK(crm_capture_lead(f->crm, lead, at, &out));
  int64_t id = JSON_I64(out, "id");
  free_str(&out);
  scrub_and_free(lead);
  scrub_and_free(at);
  CHECK_OK(crm_actor(f->crm, &out));
  CHECK_STR(out, "ivan");
  free_str(&out);
  CHECK_OK(crm_history(f->crm, "lead", id, &out));
  CHECK_CONTAINS(out, "\"actor\":\"ivan\"");
  CHECK_CONTAINS(out, "\"name\":\"Kept\"");
  CHECK_CONTAINS(out, "\"at\":\"" T1 "\"");
  free_str(&out);
  CHECK_OK(crm_set_actor(f->crm, ""));
}

/* ----------------------------------------------------------------------------------------------------- */
/* CRM_STATUS_INVALID_JSON: the path of the bad field in the message.                                    */

static void test_invalid_json(const fixture_t *f) {
  char *out = NULL;
  /* Malformed. */
  FAILS_EMPTY(out, crm_capture_lead(f->crm, "{\"channel\": \"web\",", T1, &out), CRM_STATUS_INVALID_JSON,
              "new_lead_json");
  FAILS_EMPTY(out, crm_capture_lead(f->crm, "", T1, &out), CRM_STATUS_INVALID_JSON, "new_lead_json");
  FAILS_EMPTY(out, crm_capture_lead(f->crm, "{\"channel\": \"web\", \"phone\": \"1234567\"} trailing", T1, &out),
              CRM_STATUS_INVALID_JSON, "new_lead_json: trailing characters");
  FAILS_EMPTY(out, crm_capture_lead(f->crm, "\"web\"", T1, &out), CRM_STATUS_INVALID_JSON, "new_lead_json");
  /* A wrong type. */
  FAILS_EMPTY(out, crm_capture_lead(f->crm, "{\"channel\": \"web\", \"phone\": 380671234567}", T1, &out),
              CRM_STATUS_INVALID_JSON, "new_lead_json.phone: invalid type");
  FAILS_EMPTY(out,
              crm_record_order(f->crm,
                               "{\"client_id\": 1, \"total\": \"20.00\", \"lines\": [{\"sku\": \"SKU-1\", "
                               "\"quantity\": \"two\", \"unit_price\": \"10.00\"}]}",
                               T1, &out),
              CRM_STATUS_INVALID_JSON, "new_order_json.lines[0].quantity: invalid type");
  char *json = crm_last_error_json();
  CHECK_CONTAINS(json, "\"kind\":\"invalid_json\"");
  CHECK_CONTAINS(json, "\"field\":\"lines[0].quantity\""); /* the path inside the argument */
  free_str(&json);
  FAILS_EMPTY(out,
              crm_set_pipeline(f->crm,
                               "[{\"code\": \"a\", \"label\": \"A\", \"probability\": 10},"
                               " {\"code\": \"b\", \"label\": \"B\", \"probability\": 300}]",
                               T1, &out),
              CRM_STATUS_INVALID_JSON, "stages_json[1].probability");
  /* A value outside an enumeration. */
  FAILS_EMPTY(out, crm_capture_lead(f->crm, "{\"channel\": \"fax\", \"phone\": \"+380671234567\"}", T1, &out),
              CRM_STATUS_INVALID_JSON, "new_lead_json.channel: unknown variant");
  /* Money as a float cannot be exact. */
  FAILS_EMPTY(out, crm_record_order(f->crm, "{\"client_id\": 1, \"total\": 12.5}", T1, &out),
              CRM_STATUS_INVALID_JSON, "new_order_json.total");
  FAILS_EMPTY(out, crm_record_order(f->crm, "{\"client_id\": 1, \"total\": \"1.999\"}", T1, &out),
              CRM_STATUS_INVALID_JSON, "new_order_json.total");
  FAILS_EMPTY(out, crm_record_order(f->crm, "{\"client_id\": 1, \"total\": \"12,50\"}", T1, &out),
              CRM_STATUS_INVALID_JSON, "new_order_json.total");
  /* An unknown field. */
  FAILS_EMPTY(out, crm_capture_lead(f->crm, "{\"channel\": \"web\", \"phone\": \"+380671234567\", \"fax\": \"1\"}",
                                    T1, &out),
              CRM_STATUS_INVALID_JSON, "new_lead_json.fax: unknown field");
  FAILS_EMPTY(out, crm_list_leads(f->crm, "{\"status\": \"new\", \"bogus\": 1}", &out), CRM_STATUS_INVALID_JSON,
              "query_json.bogus: unknown field");
  FAILS_EMPTY(out, crm_convert_lead(f->crm, f->lead, "{\"amount\": \"1.00\", \"bogus\": 1}", T1, &out),
              CRM_STATUS_INVALID_JSON, "options_json.bogus: unknown field");
  FAILS_EMPTY(out, crm_list_leads(f->crm, "{\"page\": {\"limit\": -1}}", &out), CRM_STATUS_INVALID_JSON,
              "query_json.page.limit");
  /* A missing required field. */
  FAILS_EMPTY(out, crm_capture_lead(f->crm, "{\"phone\": \"+380671234567\"}", T1, &out), CRM_STATUS_INVALID_JSON,
              "new_lead_json: missing field `channel`");
  FAILS_EMPTY(out, crm_log_activity(f->crm, "{\"lead_id\": 1, \"direction\": \"out\"}", T1, &out),
              CRM_STATUS_INVALID_JSON, "new_activity_json: missing field `kind`");
  FAILS_EMPTY(out, crm_record_orders(f->crm, "{\"at\": \"" T1 "\"}", &out), CRM_STATUS_INVALID_JSON,
              "orders_json");
}

/* ----------------------------------------------------------------------------------------------------- */
/* The statuses of the CRM's own rules.                                                                  */

static void test_validation(const fixture_t *f) {
  char *out = NULL;
  char *json = NULL;
  /* A lead nobody can be reached at. */
  FAILS_EMPTY(out, crm_capture_lead(f->crm, "{\"channel\": \"web\", \"name\": \"Ivan\"}", T1, &out),
              CRM_STATUS_VALIDATION, "contact: give at least one way to reach the person");
  json = crm_last_error_json();
  CHECK_CONTAINS(json, "\"field\":\"contact\"");
  free_str(&json);
  /* Times that are not RFC 3339 with an offset, or out of range. */
  const char *lead = "{\"channel\": \"web\", \"phone\": \"+380671234569\"}";
  const char *bad_times[] = {"yesterday", "", "2026-11-02 09:30:00", "2026-11-02T09:30:00",
                             "2026-13-02T09:30:00Z", "0000-06-01T00:00:00Z"};
  for (size_t i = 0; i < sizeof bad_times / sizeof bad_times[0]; i++) {
    FAILS_EMPTY(out, crm_capture_lead(f->crm, lead, bad_times[i], &out), CRM_STATUS_VALIDATION, "at: ");
    json = crm_last_error_json();
    CHECK_CONTAINS(json, "\"field\":\"at\"");
    free_str(&json);
  }
  /* A change dated before the record's last change. */
  FAILS_EMPTY(out, crm_start_lead(f->crm, f->lead, "2026-11-01T00:00:00Z", &out), CRM_STATUS_VALIDATION,
              "at: is earlier than the lead's last change");
  /* A negative amount; lines that do not add up. */
  FAILS_EMPTY(out, crm_record_order(f->crm, "{\"client_id\": 1, \"total\": \"-1.00\"}", T1, &out),
              CRM_STATUS_VALIDATION, "total: must not be negative");
  FAILS_EMPTY(out,
              crm_record_order(f->crm,
                               "{\"client_id\": 1, \"total\": \"10.00\", \"lines\": [{\"sku\": \"A\", "
                               "\"quantity\": 2, \"unit_price\": \"4.00\"}]}",
                               T1, &out),
              CRM_STATUS_VALIDATION, "total: must equal the sum of the lines");
  /* A lost reason is mandatory and from the catalogue. */
  FAILS_EMPTY(out, crm_lose_lead(f->crm, f->lead, "", NULL, T1, &out), CRM_STATUS_VALIDATION,
              "reason: must not be empty");
  FAILS_EMPTY(out, crm_lose_lead(f->crm, f->lead, "too_far", NULL, T1, &out), CRM_STATUS_VALIDATION,
              "reason: is not a code in the lost-reason catalogue");
  /* Codes passed as plain text. */
  FAILS_EMPTY(out, crm_junk_lead(f->crm, f->lead, "spammy", NULL, T1, &out), CRM_STATUS_VALIDATION,
              "kind: must be one of");
  FAILS_EMPTY(out, crm_history(f->crm, "leads", 1, &out), CRM_STATUS_VALIDATION, "entity: must be one of");
  FAILS_EMPTY(out, crm_list_spend(f->crm, 0, "2026-01-01", "2026-13-01", &out), CRM_STATUS_VALIDATION,
              "end: must be a date");
  /* Strict mode refuses a malformed phone that lenient mode keeps with a warning. */
  CHECK_OK(crm_capture_lead(f->crm, "{\"channel\": \"web\", \"phone\": \"12\"}", T1, &out));
  CHECK_CONTAINS(out, "\"phone_quality\":\"invalid\"");
  CHECK_CONTAINS(out, "\"warnings\":[{\"field\":\"phone\"");
  free_str(&out);
  CHECK_OK(crm_set_strict(f->crm, true));
  bool strict = false;
  CHECK_OK(crm_is_strict(f->crm, &strict));
  CHECK(strict);
  FAILS_EMPTY(out, crm_capture_lead(f->crm, "{\"channel\": \"web\", \"phone\": \"13\"}", T1, &out),
              CRM_STATUS_VALIDATION, "phone: ");
  json = crm_last_error_json();
  CHECK_CONTAINS(json, "\"field\":\"phone\"");
  free_str(&json);
  CHECK_OK(crm_set_strict(f->crm, false));
}

static void test_not_found(const fixture_t *f) {
  char *out = NULL;
  FAILS_EMPTY(out, crm_get_lead(f->crm, 999, &out), CRM_STATUS_NOT_FOUND, "lead 999 not found");
  FAILS_EMPTY(out, crm_get_client(f->crm, 999, &out), CRM_STATUS_NOT_FOUND, "client 999 not found");
  FAILS_EMPTY(out, crm_get_deal(f->crm, 999, &out), CRM_STATUS_NOT_FOUND, "deal 999 not found");
  FAILS_EMPTY(out, crm_get_order(f->crm, 999, &out), CRM_STATUS_NOT_FOUND, "order 999 not found");
  FAILS_EMPTY(out, crm_qualify_lead(f->crm, 999, T1, &out), CRM_STATUS_NOT_FOUND, "lead 999");
  FAILS_EMPTY(out, crm_win_deal(f->crm, 999, T1, &out), CRM_STATUS_NOT_FOUND, "deal 999");
  FAILS_EMPTY(out, crm_record_order(f->crm, "{\"client_id\": 999, \"total\": \"1.00\"}", T1, &out),
              CRM_STATUS_NOT_FOUND, "client 999");
  FAILS_EMPTY(out, crm_client_rollup(f->crm, 999, &out), CRM_STATUS_NOT_FOUND, "client 999");
  FAILS_EMPTY(out, crm_lead_transitions(f->crm, 999, &out), CRM_STATUS_NOT_FOUND, "lead 999");
  /* ...but the history of an id that never existed is empty, not an error. */
  CHECK_OK(crm_history(f->crm, "lead", 999, &out));
  CHECK_STR(out, "[]");
  free_str(&out);
  FAILS_EMPTY(out, crm_update_client(f->crm, 999, "{\"name\": \"X\"}", T1, &out), CRM_STATUS_NOT_FOUND,
              "client 999");
}

static void test_invalid_transition(const fixture_t *f) {
  char *out = NULL;
  /* Winning a deal twice; losing a won deal; changing a closed deal. */
  FAILS_EMPTY(out, crm_win_deal(f->crm, f->won_deal, T2, &out), CRM_STATUS_INVALID_TRANSITION,
              "deal cannot go from won to won");
  FAILS_EMPTY(out, crm_lose_deal(f->crm, f->won_deal, "price", NULL, T2, &out), CRM_STATUS_INVALID_TRANSITION,
              "deal cannot go from won");
  FAILS_EMPTY(out, crm_move_deal(f->crm, f->won_deal, "proposal", T2, &out), CRM_STATUS_INVALID_TRANSITION,
              "deal cannot go from won");
  /* A new lead is neither qualified nor convertible, and cannot be reopened. */
  FAILS_EMPTY(out, crm_qualify_lead(f->crm, f->lead, T2, &out), CRM_STATUS_INVALID_TRANSITION,
              "lead cannot go from new to qualified");
  FAILS_EMPTY(out, crm_convert_lead(f->crm, f->lead, NULL, T2, &out), CRM_STATUS_INVALID_TRANSITION,
              "lead cannot go from new to converted");
  FAILS_EMPTY(out, crm_reopen_lead(f->crm, f->lead, T2, &out), CRM_STATUS_INVALID_TRANSITION,
              "lead cannot go from new to in_progress");
}

static void test_conflict(const fixture_t *f) {
  char *out = NULL;
  /* The same source twice. */
  FAILS_EMPTY(out, crm_add_source(f->crm, "{\"name\": \"Google Ads\", \"channel\": \"ads\"}", T1, &out),
              CRM_STATUS_CONFLICT, "a source with this name and campaign exists already");
  /* An external reference reused with other content. */
  FAILS_EMPTY(out,
              crm_capture_lead(f->crm, "{\"channel\": \"web\", \"phone\": \"+380670000000\", \"external_ref\": \"WEB-1\"}",
                               T1, &out),
              CRM_STATUS_CONFLICT, "external_ref");
  FAILS_EMPTY(out, crm_record_order(f->crm, "{\"client_id\": 1, \"total\": \"11.00\", \"external_ref\": \"ORD-1\"}",
                                    T1, &out),
              CRM_STATUS_CONFLICT, "external_ref is already used by order");
  FAILS_EMPTY(out, crm_add_client(f->crm, "{\"name\": \"Other LLC\", \"external_ref\": \"1C-000123\"}", T1, &out),
              CRM_STATUS_CONFLICT, "external_ref is already used by client");
  char *json = crm_last_error_json();
  CHECK_CONTAINS(json, "\"status\":7");
  CHECK_CONTAINS(json, "\"kind\":\"conflict\"");
  free_str(&json);
}

static void test_misuse(const fixture_t *f) {
  char *out = NULL;
  CHECK_FAILS(crm_commit(f->crm), CRM_STATUS_MISUSE, "crm_commit: this thread has no transaction open");
  CHECK_FAILS(crm_rollback(f->crm), CRM_STATUS_MISUSE, "crm_rollback: this thread has no transaction open");
  CHECK_OK(crm_begin(f->crm, "tx"));
  CHECK_FAILS(crm_begin(f->crm, NULL), CRM_STATUS_MISUSE, "crm_begin: this thread already has a transaction");
  /* The first transaction is still open and still works after the refused begin. */
  CHECK_OK(crm_add_lost_reason(f->crm, "too_far", "Too far away", T1, &out));
  free_str(&out);
  CHECK_OK(crm_rollback(f->crm));
  CHECK_FAILS(crm_rollback(f->crm), CRM_STATUS_MISUSE, "no transaction open");
  CHECK_OK(crm_lost_reasons(f->crm, &out));
  CHECK_LACKS(out, "too_far");
  free_str(&out);
  char *json = crm_last_error_json();
  CHECK_CONTAINS(json, "\"status\":11");
  CHECK_CONTAINS(json, "\"kind\":\"misuse\"");
  free_str(&json);
}

/* ----------------------------------------------------------------------------------------------------- */
/* Records are objects and pages are strict: each of these was once accepted (found while writing     */
/* this suite). They run on a store of their own, since a regression may write what it should refuse.   */

static void test_records_are_objects(void) {
  fixture_t g = fixture();
  const fixture_t *f = &g;
  char *out = NULL;
  /* A typo in "page" must not silently return the first page. */
  CHECK_FAILS(crm_list_leads(f->crm, "{\"page\": {\"aftr\": 5}}", &out), CRM_STATUS_INVALID_JSON, "unknown field");
  CHECK_STATUS(crm_list_rollups(f->crm, "{\"afterr\": 1}", &out), CRM_STATUS_INVALID_JSON);

  /* serde reads a struct from an array of its fields in order; records are documented as objects. */
  CHECK_FAILS(crm_capture_lead(f->crm, "[\"web\", null, null, null, \"+380671234567\"]", T1, &out), CRM_STATUS_INVALID_JSON, "new_lead_json: must be an object");
  CHECK_STATUS(crm_record_order(f->crm, "[1, \"5.00\"]", T1, &out), CRM_STATUS_INVALID_JSON);

  /* The same one level down: an order line, a page, a batch item's order, a pipeline stage. */
  CHECK_FAILS(crm_record_order(f->crm,
                                "{\"client_id\": 1, \"total\": \"200.00\", \"lines\": [[\"SKU-1\", 2, \"100.00\"]]}",
                                T1, &out), CRM_STATUS_INVALID_JSON, "new_order_json.lines[0]: must be an object, not an array");
  CHECK_STATUS(crm_list_leads(f->crm, "{\"page\": [5, 2]}", &out), CRM_STATUS_INVALID_JSON);
  CHECK_OK(crm_record_orders(f->crm, "[{\"at\": \"" T1 "\", \"order\": [1, \"5.00\"]}]", &out));
  CHECK_CONTAINS(out, "{\"error\":");
  CHECK_CONTAINS(out, "\"status\":3");
  CHECK_CONTAINS(out, "orders_json[0].order: must be an object, not an array");
  free_str(&out);

  /* A closed deal does not change: the header says CRM_STATUS_CONFLICT. */
  CHECK_STATUS(crm_update_deal(f->crm, f->won_deal, "{\"title\": \"More chairs\"}", T2, &out),
               CRM_STATUS_CONFLICT);

  /* Last, since if accepted it replaces the pipeline. */
  CHECK_FAILS(crm_set_pipeline(f->crm, "[[\"a\", \"A\", 10]]", T2, &out), CRM_STATUS_INVALID_JSON, "stages_json[0]: must be an object, not an array");
  crm_close(g.crm);
}

/* ----------------------------------------------------------------------------------------------------- */
/* Files: CRM_STATUS_STORAGE and CRM_STATUS_SCHEMA_TOO_NEW, and the file left untouched.                 */

typedef struct {
  unsigned char *bytes;
  long size;
} file_bytes_t;

static file_bytes_t read_file(const char *path) {
  file_bytes_t content = {NULL, 0};
  FILE *file = fopen(path, "rb");
  CHECK(file != NULL);
  CHECK(fseek(file, 0, SEEK_END) == 0);
  content.size = ftell(file);
  CHECK(content.size > 0);
  CHECK(fseek(file, 0, SEEK_SET) == 0);
  content.bytes = malloc((size_t)content.size);
  CHECK(content.bytes != NULL);
  CHECK(fread(content.bytes, 1, (size_t)content.size, file) == (size_t)content.size);
  fclose(file);
  return content;
}

static bool exists(const char *path) {
  FILE *file = fopen(path, "rb");
  if (file) fclose(file);
  return file != NULL;
}

/* Writes a 4-byte big-endian number at `offset` of the file (a field of SQLite's header). */
static void poke_be32(const char *path, long offset, uint32_t value) {
  unsigned char be[4] = {(unsigned char)(value >> 24), (unsigned char)(value >> 16),
                         (unsigned char)(value >> 8), (unsigned char)value};
  FILE *file = fopen(path, "r+b");
  CHECK(file != NULL);
  CHECK(fseek(file, offset, SEEK_SET) == 0);
  CHECK(fwrite(be, 1, 4, file) == 4);
  CHECK(fclose(file) == 0);
}

/* A crmkit store on disk, closed, with one client in it. */
static void make_store(const char *path) {
  crm_t *crm = NULL;
  char *out = NULL;
  remove_store(path);
  CHECK_OK(crm_open(path, &crm));
  CHECK_OK(crm_add_client(crm, "{\"name\": \"Romashka LLC\"}", T0, &out));
  free_str(&out);
  crm_close(crm);
  /* crm_close writes the log back: the file alone is complete. */
  char wal[256];
  snprintf(wal, sizeof wal, "%s-wal", path);
  CHECK(exists(path));
  CHECK(!exists(wal));
}

/* Opening `path` must fail with `want` and leave the file byte for byte as it was. */
static void open_refused(const char *path, crm_status_t want, const char *needle) {
  file_bytes_t before = read_file(path);
  crm_t *crm = (crm_t *)SENTINEL;
  CHECK_FAILS(crm_open(path, &crm), want, needle);
  CHECK(crm == NULL);
  file_bytes_t after = read_file(path);
  CHECK_I64(after.size, before.size);
  CHECK(memcmp(before.bytes, after.bytes, (size_t)before.size) == 0);
  /* ...and nothing left beside it. */
  char companion[256];
  snprintf(companion, sizeof companion, "%s-wal", path);
  CHECK(!exists(companion));
  snprintf(companion, sizeof companion, "%s-shm", path);
  CHECK(!exists(companion));
  free(before.bytes);
  free(after.bytes);
}

static void test_storage(void) {
  crm_t *crm = (crm_t *)SENTINEL;
  /* A path in a directory that does not exist. */
  CHECK_FAILS(crm_open("no-such-directory/shop.crm", &crm), CRM_STATUS_STORAGE, "unable to open");
  CHECK(crm == NULL);
  char *json = crm_last_error_json();
  CHECK_CONTAINS(json, "\"status\":8");
  CHECK_CONTAINS(json, "\"kind\":\"storage\"");
  free_str(&json);

  /* A file that is not a database. */
  const char *text = "name;phone\nIvan;+380671234567\n"
                     "this is a CSV export, not a database, and must stay exactly as it is\n";
  FILE *file = fopen("contract-not-a-db.crm", "wb");
  CHECK(file != NULL);
  CHECK(fputs(text, file) >= 0);
  CHECK(fclose(file) == 0);
  open_refused("contract-not-a-db.crm", CRM_STATUS_STORAGE, "not a database");
  remove_store("contract-not-a-db.crm");

  /* A SQLite file of another application (another application id at offset 68 of the header). */
  make_store("contract-store.crm");
  poke_be32("contract-store.crm", 68, 0x12345678u);
  open_refused("contract-store.crm", CRM_STATUS_STORAGE, "not a crmkit store");
  remove_store("contract-store.crm");
}

static void test_schema_too_new(void) {
  make_store("contract-store.crm");
  /* user_version: 4 bytes big-endian at offset 60. */
  poke_be32("contract-store.crm", 60, 1000000u);
  open_refused("contract-store.crm", CRM_STATUS_SCHEMA_TOO_NEW, "1000000");
  char *json = crm_last_error_json();
  CHECK_CONTAINS(json, "\"status\":9");
  CHECK_CONTAINS(json, "\"kind\":\"schema_too_new\"");
  free_str(&json);
  /* Refused again on a second try (nothing was half-done by the first). */
  open_refused("contract-store.crm", CRM_STATUS_SCHEMA_TOO_NEW, "newer");
  /* Put back to this library's version, the same file opens and has its data. */
  crm_t *crm = NULL;
  char *out = NULL;
  CHECK_OK(crm_open(":memory:", &crm));
  int64_t version = 0;
  CHECK_OK(crm_schema_version(crm, &version));
  crm_close(crm);
  poke_be32("contract-store.crm", 60, (uint32_t)version);
  CHECK_OK(crm_open("contract-store.crm", &crm));
  CHECK_OK(crm_get_client(crm, 1, &out));
  CHECK_CONTAINS(out, "\"name\":\"Romashka LLC\"");
  free_str(&out);
  crm_close(crm);
  remove_store("contract-store.crm");
}

/* ----------------------------------------------------------------------------------------------------- */

int main(void) {
  test_last_error(); /* first: it checks that nothing has failed on this thread yet */
  test_versions();
  test_null_safe_frees();
  test_panic();
  test_open_arguments();

  fixture_t f = fixture();
  int64_t seq = last_seq(f.crm);
  CHECK(seq > 0);

  test_capture_arguments(&f); /* ends with one successful capture */
  seq = last_seq(f.crm);
  test_lose_lead_arguments(&f);
  test_history_arguments(&f);
  test_record_order_arguments(&f);
  test_list_clients_arguments(&f);
  test_inputs_not_kept(&f); /* one capture */
  seq = last_seq(f.crm);
  test_more_arguments(&f);
  test_invalid_json(&f);
  test_not_found(&f);
  test_invalid_transition(&f);
  test_conflict(&f);
  test_misuse(&f);
  /* None of the failed calls above wrote anything. */
  CHECK_I64(last_seq(f.crm), seq);
  test_validation(&f); /* ends with one capture kept in lenient mode */
  CHECK_I64(last_seq(f.crm), seq + 1);
  test_actor_arguments(&f);

  char *report = NULL;
  CHECK_OK(crm_integrity_check(f.crm, &report));
  CHECK_STR(report, "[\"ok\"]");
  free_str(&report);
  crm_close(f.crm);

  test_storage();
  test_schema_too_new();
  test_records_are_objects();

  int code = check_exit_code();
  if (code == 0) puts("test_contract: ok");
  return code;
}
