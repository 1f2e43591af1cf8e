/*
 * test_retention.c: retention through the C ABI (issue 9), each part on a store of its own so that what
 * crm_run_due() returns can be compared whole.
 *
 * 1. Promises: three promises to a client (one made in a logged call); crm_run_due() reminds the one
 *    coming due (a `promise` task for its maker) and, once its due time has passed, breaks it; a second
 *    run at the same time finds nothing. One is kept (again: nothing changes), one cancelled (a reason is
 *    required); a kept or broken promise cannot be cancelled or kept. The manager report's
 *    promises_kept. Bad input names its field: a missing `what` (malformed JSON), a due time before the promise, an
 *    empty reason; the settings' duration.
 * 2. Complaints: the deadlines of a priority (set per priority, escalations to a team lead); a missed
 *    first response is escalated into a task, the complaint is taken, waits for the client (the
 *    resolution clock stops: no breach while waiting), resumes (the deadline moves on by the pause),
 *    misses its resolution deadline (a second task), is resolved and closed; another is assigned,
 *    resolved, reopened and rejected; transitions that are not allowed; the complaint report.
 * 3. Tasks: added by hand (a bad kind or a missing title names the field), a manager's agenda in its four
 *    lists and their order, rescheduled (to undated), completed: the outcome becomes an activity on the
 *    client, of the kind the task's kind gives (or the one asked for); a task about nothing is done
 *    without one.
 * 4. Dormancy: clients buying in a steady rhythm are placed active by crm_run_due(); later the ladder
 *    moves them (cooling, dormant), crm_dormancy_counts() and crm_dormancy_report() say so, the segment
 *    `dormancy = 'dormant'` finds the dormant one, a new purchase brings it back; the settings.
 * 5. Retention rules: the five default rules; a rule with a task action fires once per client, not
 *    again in the same run or within its cool-down, again after it; a paused rule does not fire; a default
 *    rule fires on its clients; a mailing rule tags the client and makes its segment; the retention
 *    report (tasks, done, followed by an order); removing a rule. A daily limit per owner spreads a rule's
 *    work over the days.
 * 6. NULL, invalid UTF-8 and unknown JSON fields get a status and an empty out-parameter, never a crash.
 */
#include "check.h"

/* fmt() of check.h with eight buffers in turn, so that one call may take several formatted needles. */
static const char *ring_fmt(const char *format, ...) {
  static char buffers[8][4096];
  static int next;
  char *buffer = buffers[next];
  next = (next + 1) % 8;
  va_list args;
  va_start(args, format);
  int n = vsnprintf(buffer, sizeof buffers[0], format, args);
  va_end(args);
  CHECK(n > 0 && (size_t)n < sizeof buffers[0]);
  return buffer;
}
#define fmt ring_fmt

/* The value of `"key":` in json (an array, an object or a scalar), copied into a buffer of its own (the
 * next call overwrites it). The library writes compact JSON; strings with brackets inside would confuse
 * it, and none of the values read here has one. */
static const char *section(const char *json, const char *key) {
  static char buffer[16384];
  char pattern[128];
  snprintf(pattern, sizeof pattern, "\"%s\":", key);
  const char *at = json ? strstr(json, pattern) : NULL;
  if (at == NULL) CHECK_FAIL_("no \"%s\" in %s", key, json ? json : "(null)");
  at += strlen(pattern);
  size_t n = 0;
  int depth = 0;
  for (const char *p = at; *p; p++, n++) {
    if (*p == '[' || *p == '{') depth++;
    if (*p == ']' || *p == '}') {
      if (depth == 0) break;
      depth--;
      if (depth == 0) {
        n++;
        break;
      }
    }
    if (*p == ',' && depth == 0) break;
  }
  CHECK(n < sizeof buffer);
  memcpy(buffer, at, n);
  buffer[n] = '\0';
  return buffer;
}

/* Opens a store with two managers (ids 1 and 2). */
static crm_t *open_store(void) {
  crm_t *crm = NULL;
  CHECK_OK(crm_open(":memory:", &crm));
  CHECK_I64(add(crm, crm_add_manager, "{\"name\": \"Olena Koval\"}", "2026-05-01T08:00:00Z"), 1);
  CHECK_I64(add(crm, crm_add_manager, "{\"name\": \"Petro Shevchenko\"}", "2026-05-01T08:00:00Z"), 2);
  return crm;
}
#define OLENA 1
#define PETRO 2

/* A client of `owner` (0: none); gives its id. */
static int64_t client(crm_t *crm, const char *name, int64_t owner) {
  if (owner == 0) return add(crm, crm_add_client, fmt("{\"name\": \"%s\"}", name), "2026-05-01T09:00:00Z");
  return add(crm, crm_add_client, fmt("{\"name\": \"%s\", \"owner_id\": %" PRId64 "}", name, owner),
             "2026-05-01T09:00:00Z");
}

/* A completed order of `client` placed on `day` at noon. */
static void order(crm_t *crm, int64_t client, const char *day) {
  char at[32];
  snprintf(at, sizeof at, "%sT12:00:00Z", day);
  add(crm, crm_record_order, fmt("{\"client_id\": %" PRId64 ", \"total\": \"100.00\", \"lines\": []}", client), at);
}

/* Runs crm_run_due() at `now`; gives its JSON (free it). */
static char *run_due(crm_t *crm, const char *now) {
  char *out = NULL;
  CHECK_OK(crm_run_due(crm, now, &out));
  CHECK_CONTAINS(out, fmt("{\"at\":\"%s\",", now));
  return out;
}

/* The lists of a run that found nothing. */
#define NOTHING_DUE                                                                                        \
  "\"breached\":[],\"escalations\":[],\"tasks\":[],\"assigned\":[],\"complaints_breached\":[],"           \
  "\"promises_reminded\":[],\"promises_broken\":[],\"dormancy\":[],\"fired\":[]}"

/* Pauses every default retention rule (ids 1 to 5), so that a run does only what the part sets up. */
static void pause_default_rules(crm_t *crm) {
  static const char *names[] = {"reactivate dormant A-client", "thank after first purchase",
                                "call after resolved complaint", "birthday", "re-verify stale details"};
  for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
    char *out = NULL;
    CHECK_OK(crm_set_retention_rule_active(crm, names[i], false, "2026-05-01T08:00:00Z", &out));
    CHECK_CONTAINS(out, "\"active\":false");
    free_str(&out);
  }
}

/* ---------------------------------------------------------------------------------------------------- */
/* 1. Promises                                                                                          */

static void test_promises(void) {
  crm_t *crm = open_store();
  char *out = NULL;
  int64_t romashka = client(crm, "Romashka LLC", OLENA);
  int64_t call = add(crm, crm_log_activity,
                     fmt("{\"kind\": \"call\", \"direction\": \"out\", \"client_id\": %" PRId64
                         ", \"manager_id\": %d}",
                         romashka, OLENA),
                     "2026-11-02T09:00:00Z");

  CHECK_OK(crm_promise_settings(crm, &out));
  CHECK_STR(out, "{\"remind_before\":\"24h\"}");
  free_str(&out);

  /* Made in the call, by the client's owner (nobody named). */
  CHECK_OK(crm_promise(crm,
                       fmt("{\"client_id\": %" PRId64 ", \"what\": \"send the corrected invoice\", \"due_at\": "
                           "\"2026-11-04T12:00:00Z\", \"activity_id\": %" PRId64 "}",
                           romashka, call),
                       "2026-11-02T09:05:00Z", &out));
  int64_t invoice = JSON_I64(out, "id");
  CHECK_CONTAINS(out, fmt("{\"id\":%" PRId64 ",\"client_id\":%" PRId64 ",\"manager_id\":%d,\"what\":\"send the "
                          "corrected invoice\",\"made_at\":\"2026-11-02T09:05:00Z\",\"due_at\":\"2026-11-04T12:00:00Z\","
                          "\"activity_id\":%" PRId64 ",\"status\":\"open\",\"closed_at\":null,\"note\":null,"
                          "\"reminded_at\":null}",
                          invoice, romashka, OLENA, call));
  free_str(&out);
  int64_t samples = add(crm, crm_promise,
                        fmt("{\"client_id\": %" PRId64 ", \"what\": \"bring samples\", \"due_at\": "
                            "\"2026-11-05T12:00:00Z\"}",
                            romashka),
                        "2026-11-02T09:10:00Z");
  int64_t discount = add(crm, crm_promise,
                         fmt("{\"client_id\": %" PRId64 ", \"what\": \"ask for a discount\", \"due_at\": "
                             "\"2026-11-06T12:00:00Z\", \"manager_id\": %d}",
                             romashka, PETRO),
                         "2026-11-02T09:15:00Z");

  /* Bad input names its field; nothing is written. */
  int64_t seq = last_seq(crm);
  /* A missing required field is malformed JSON for the record (never a default), named. */
  FAILS_EMPTY(out, crm_promise(crm, fmt("{\"client_id\": %" PRId64 ", \"due_at\": \"2026-11-04T12:00:00Z\"}", romashka),
                               "2026-11-02T09:20:00Z", &out),
              CRM_STATUS_INVALID_JSON, "what");
  check_field("what");
  FAILS_EMPTY(out, crm_promise(crm, fmt("{\"client_id\": %" PRId64 ", \"what\": \"  \", \"due_at\": \"2026-11-04T12:00:00Z\"}",
                                        romashka),
                               "2026-11-02T09:20:00Z", &out),
              CRM_STATUS_VALIDATION, "what");
  check_field("what");
  FAILS_EMPTY(out, crm_promise(crm, fmt("{\"client_id\": %" PRId64 ", \"what\": \"call back\", \"due_at\": \"2026-11-01T12:00:00Z\"}",
                                        romashka),
                               "2026-11-02T09:20:00Z", &out),
              CRM_STATUS_VALIDATION, "due_at");
  check_field("due_at");
  FAILS_EMPTY(out, crm_promise(crm, fmt("{\"client_id\": %" PRId64 ", \"what\": \"x\", \"due_at\": \"2026-11-04T12:00:00Z\", "
                                        "\"urgent\": true}",
                                        romashka),
                               "2026-11-02T09:20:00Z", &out),
              CRM_STATUS_INVALID_JSON, "urgent");
  FAILS_EMPTY(out, crm_promise(crm, "{\"client_id\": 999, \"what\": \"x\", \"due_at\": \"2026-11-04T12:00:00Z\"}",
                               "2026-11-02T09:20:00Z", &out),
              CRM_STATUS_NOT_FOUND, "999");
  FAILS_EMPTY(out, crm_promise(crm, fmt("{\"client_id\": %" PRId64 ", \"what\": \"x\", \"due_at\": \"Friday\"}", romashka),
                               "2026-11-02T09:20:00Z", &out),
              CRM_STATUS_INVALID_JSON, "due_at");
  CHECK_I64(last_seq(crm), seq);

  /* A day and a half before: nothing is due yet (the reminder comes 24 hours ahead). */
  char *run = run_due(crm, "2026-11-03T09:00:00Z");
  CHECK_CONTAINS(run, NOTHING_DUE);
  free_str(&run);
  /* Less than 24 hours before: a reminder task for its maker, due when the promise is. */
  run = run_due(crm, "2026-11-03T13:00:00Z");
  CHECK_STR(section(run, "promises_reminded"), fmt("[%" PRId64 "]", invoice));
  CHECK_STR(section(run, "promises_broken"), "[]");
  CHECK(json_count(run, "\"kind\":\"promise\"") == 1);
  CHECK_CONTAINS(run, "\"title\":\"Promised: send the corrected invoice\"");
  CHECK_CONTAINS(run, fmt("\"manager_id\":%d,\"client_id\":%" PRId64 ",\"lead_id\":null,\"deal_id\":null,"
                          "\"due_at\":\"2026-11-04T12:00:00Z\",\"status\":\"open\",\"origin\":\"promise:%" PRId64 "\"",
                          OLENA, romashka, invoice));
  CHECK_CONTAINS(run, fmt("\"rule_id\":null,\"promise_id\":%" PRId64 ",\"complaint_id\":null,\"outcome\":null,"
                          "\"activity_id\":null}",
                          invoice));
  int64_t reminder = JSON_I64(section(run, "tasks"), "id");
  free_str(&run);
  /* The same time again: nothing twice. */
  run = run_due(crm, "2026-11-03T13:00:00Z");
  CHECK_CONTAINS(run, NOTHING_DUE);
  free_str(&run);
  CHECK_OK(crm_get_promise(crm, invoice, &out));
  CHECK_CONTAINS(out, "\"status\":\"open\"");
  CHECK_CONTAINS(out, "\"reminded_at\":\"2026-11-03T13:00:00Z\"}");
  free_str(&out);
  CHECK_OK(crm_agenda(crm, OLENA, "2026-11-03T13:00:00Z", &out));
  CHECK_CONTAINS(section(out, "upcoming"), fmt("[{\"id\":%" PRId64 ",\"kind\":\"promise\"", reminder));
  free_str(&out);

  /* Kept, with a note; keeping it again changes nothing. */
  CHECK_OK(crm_keep_promise(crm, samples, "samples handed over", "2026-11-03T14:00:00Z", &out));
  CHECK_CONTAINS(out, "\"status\":\"kept\",\"closed_at\":\"2026-11-03T14:00:00Z\",\"note\":\"samples handed over\"");
  free_str(&out);
  seq = last_seq(crm);
  CHECK_OK(crm_keep_promise(crm, samples, NULL, "2026-11-03T15:00:00Z", &out));
  CHECK_CONTAINS(out, "\"closed_at\":\"2026-11-03T14:00:00Z\",\"note\":\"samples handed over\"");
  free_str(&out);
  CHECK_I64(last_seq(crm), seq);
  FAILS_EMPTY(out, crm_cancel_promise(crm, samples, "changed our mind", "2026-11-03T15:00:00Z", &out),
              CRM_STATUS_INVALID_TRANSITION, "kept");

  /* Cancelled: a reason is required. */
  FAILS_EMPTY(out, crm_cancel_promise(crm, discount, "", "2026-11-03T15:00:00Z", &out), CRM_STATUS_VALIDATION,
              "reason");
  check_field("reason");
  FAILS_EMPTY(out, crm_cancel_promise(crm, discount, "   ", "2026-11-03T15:00:00Z", &out), CRM_STATUS_VALIDATION,
              "reason");
  check_field("reason");
  FAILS_EMPTY(out, crm_cancel_promise(crm, discount, NULL, "2026-11-03T15:00:00Z", &out), CRM_STATUS_NULL_ARGUMENT,
              "reason");
  CHECK_OK(crm_cancel_promise(crm, discount, "the client withdrew the request", "2026-11-03T15:00:00Z", &out));
  CHECK_CONTAINS(out, fmt("\"manager_id\":%d,", PETRO));
  CHECK_CONTAINS(out, "\"status\":\"cancelled\",\"closed_at\":\"2026-11-03T15:00:00Z\","
                      "\"note\":\"the client withdrew the request\"");
  free_str(&out);
  CHECK_OK(crm_cancel_promise(crm, discount, "again", "2026-11-03T16:00:00Z", &out));
  CHECK_CONTAINS(out, "\"note\":\"the client withdrew the request\"");
  free_str(&out);
  FAILS_EMPTY(out, crm_keep_promise(crm, discount, NULL, "2026-11-03T16:00:00Z", &out), CRM_STATUS_INVALID_TRANSITION,
              "cancelled");
  FAILS_EMPTY(out, crm_keep_promise(crm, 999, NULL, "2026-11-03T16:00:00Z", &out), CRM_STATUS_NOT_FOUND, "999");

  /* Past its due time and not kept: broken, once. */
  run = run_due(crm, "2026-11-04T13:00:00Z");
  CHECK_STR(section(run, "promises_broken"), fmt("[%" PRId64 "]", invoice));
  CHECK_STR(section(run, "promises_reminded"), "[]");
  CHECK_STR(section(run, "tasks"), "[]");
  free_str(&run);
  run = run_due(crm, "2026-11-04T13:00:00Z");
  CHECK_CONTAINS(run, NOTHING_DUE);
  free_str(&run);
  run = run_due(crm, "2026-11-10T13:00:00Z");
  CHECK_CONTAINS(run, NOTHING_DUE);
  free_str(&run);
  FAILS_EMPTY(out, crm_keep_promise(crm, invoice, "late", "2026-11-04T14:00:00Z", &out), CRM_STATUS_INVALID_TRANSITION,
              "broken");
  CHECK_OK(crm_get_promise(crm, invoice, &out));
  CHECK_CONTAINS(out, "\"status\":\"broken\",\"closed_at\":\"2026-11-04T13:00:00Z\"");
  free_str(&out);
  CHECK_OK(crm_history(crm, "promise", invoice, &out));
  CHECK(json_in_order(out, "\"kind\":\"made\"", "\"kind\":\"reminded\"", "\"kind\":\"broken\"", NULL));
  free_str(&out);

  /* Lists. */
  CHECK_OK(crm_list_promises(crm, NULL, &out));
  CHECK(json_in_order(out, fmt("{\"id\":%" PRId64 ",", invoice), fmt("{\"id\":%" PRId64 ",", samples),
                      fmt("{\"id\":%" PRId64 ",", discount), NULL));
  free_str(&out);
  CHECK_OK(crm_list_promises(crm, "{\"status\": \"open\"}", &out));
  CHECK_STR(out, "[]");
  free_str(&out);
  CHECK_OK(crm_list_promises(crm, fmt("{\"manager_id\": %d}", PETRO), &out));
  CHECK(json_count(out, "\"what\":") == 1);
  CHECK_CONTAINS(out, "\"what\":\"ask for a discount\"");
  free_str(&out);
  CHECK_OK(crm_list_promises(crm, fmt("{\"client_id\": %" PRId64 ", \"page\": {\"after\": %" PRId64 ", \"limit\": 1}}",
                                      romashka, invoice),
                             &out));
  CHECK(json_count(out, "\"what\":") == 1);
  CHECK_CONTAINS(out, "\"what\":\"bring samples\"");
  free_str(&out);
  FAILS_EMPTY(out, crm_list_promises(crm, "{\"status\": \"late\"}", &out), CRM_STATUS_INVALID_JSON, "status");
  FAILS_EMPTY(out, crm_list_promises(crm, "{\"state\": \"open\"}", &out), CRM_STATUS_INVALID_JSON, "state");
  FAILS_EMPTY(out, crm_get_promise(crm, 999, &out), CRM_STATUS_NOT_FOUND, "999");

  /* The manager report: Olena kept one of the two promises due in November, Petro's was cancelled. */
  CHECK_OK(crm_manager_report(crm, "{\"start\": \"2026-11-01\", \"end\": \"2026-11-30\"}", &out));
  CHECK(json_in_order(out, "\"manager_id\":1,", "\"promises_kept\":0.5,", "\"manager_id\":2,",
                      "\"promises_kept\":null,", NULL));
  free_str(&out);

  /* The settings: a duration in hours and minutes, stored in canonical form. */
  CHECK_OK(crm_set_promise_settings(crm, "{\"remind_before\": \"150m\"}", "2026-11-10T13:00:00Z", &out));
  CHECK_STR(out, "{\"remind_before\":\"2h30m\"}");
  free_str(&out);
  CHECK_OK(crm_promise_settings(crm, &out));
  CHECK_STR(out, "{\"remind_before\":\"2h30m\"}");
  free_str(&out);
  FAILS_EMPTY(out, crm_set_promise_settings(crm, "{\"remind_before\": \"2d\"}", "2026-11-10T13:00:00Z", &out),
              CRM_STATUS_VALIDATION, "remind_before");
  check_field("remind_before");
  FAILS_EMPTY(out, crm_set_promise_settings(crm, "{\"remind\": \"2h\"}", "2026-11-10T13:00:00Z", &out),
              CRM_STATUS_INVALID_JSON, "remind");
  /* With 2h30m, a promise due in three hours is reminded half an hour later. */
  int64_t later = add(crm, crm_promise,
                      fmt("{\"client_id\": %" PRId64 ", \"what\": \"confirm delivery\", \"due_at\": \"2026-11-10T16:00:00Z\"}",
                          romashka),
                      "2026-11-10T13:00:00Z");
  run = run_due(crm, "2026-11-10T13:20:00Z");
  CHECK_CONTAINS(run, NOTHING_DUE);
  free_str(&run);
  run = run_due(crm, "2026-11-10T13:30:00Z");
  CHECK_STR(section(run, "promises_reminded"), fmt("[%" PRId64 "]", later));
  free_str(&run);
  crm_close(crm);
}

/* ---------------------------------------------------------------------------------------------------- */
/* 2. Complaints                                                                                        */

static void test_complaints(void) {
  crm_t *crm = open_store();
  char *out = NULL;
  int64_t romashka = client(crm, "Romashka LLC", OLENA);

  CHECK_OK(crm_complaint_sla(crm, &out));
  CHECK_STR(out, "{\"low\":{\"first_response\":\"8h\",\"resolution\":\"40h\"},\"normal\":{\"first_response\":\"4h\","
                 "\"resolution\":\"24h\"},\"high\":{\"first_response\":\"2h\",\"resolution\":\"16h\"},\"critical\":"
                 "{\"first_response\":\"1h\",\"resolution\":\"8h\"},\"escalate_to\":null}");
  free_str(&out);
  /* Bad targets name their field; a priority given needs both. */
  FAILS_EMPTY(out, crm_set_complaint_sla(crm, "{\"high\": {\"first_response\": \"2h\", \"resolution\": \"1h\"}}",
                                         "2026-11-01T08:00:00Z", &out),
              CRM_STATUS_VALIDATION, "high.resolution");
  check_field("high.resolution");
  FAILS_EMPTY(out, crm_set_complaint_sla(crm, "{\"high\": {\"first_response\": \"1d\", \"resolution\": \"2d\"}}",
                                         "2026-11-01T08:00:00Z", &out),
              CRM_STATUS_VALIDATION, "high.first_response");
  check_field("high.first_response");
  FAILS_EMPTY(out, crm_set_complaint_sla(crm, "{\"high\": {\"first_response\": \"1h\"}}", "2026-11-01T08:00:00Z", &out),
              CRM_STATUS_INVALID_JSON, "resolution");
  FAILS_EMPTY(out, crm_set_complaint_sla(crm, "{\"urgent\": {}}", "2026-11-01T08:00:00Z", &out), CRM_STATUS_INVALID_JSON,
              "urgent");
  FAILS_EMPTY(out, crm_set_complaint_sla(crm, "{\"escalate_to\": 999}", "2026-11-01T08:00:00Z", &out),
              CRM_STATUS_NOT_FOUND, "999");
  /* High: answer within an hour, resolve within four; breaches go to Petro, the team lead. */
  CHECK_OK(crm_set_complaint_sla(crm,
                                 "{\"high\": {\"first_response\": \"1h\", \"resolution\": \"4h\"}, \"escalate_to\": 2}",
                                 "2026-11-01T08:00:00Z", &out));
  CHECK_CONTAINS(out, "\"normal\":{\"first_response\":\"4h\",\"resolution\":\"24h\"}");
  CHECK_CONTAINS(out, "\"high\":{\"first_response\":\"1h\",\"resolution\":\"4h\"}");
  CHECK_CONTAINS(out, "\"escalate_to\":2}");
  free_str(&out);

  /* Bad complaints. */
  FAILS_EMPTY(out, crm_open_complaint(crm, fmt("{\"client_id\": %" PRId64 "}", romashka), "2026-11-10T09:00:00Z", &out),
              CRM_STATUS_INVALID_JSON, "subject");
  check_field("subject");
  FAILS_EMPTY(out, crm_open_complaint(crm, fmt("{\"client_id\": %" PRId64 ", \"subject\": \" \"}", romashka),
                                      "2026-11-10T09:00:00Z", &out),
              CRM_STATUS_VALIDATION, "subject");
  check_field("subject");
  FAILS_EMPTY(out, crm_open_complaint(crm, fmt("{\"client_id\": %" PRId64 ", \"subject\": \"x\", \"priority\": \"urgent\"}",
                                               romashka),
                                      "2026-11-10T09:00:00Z", &out),
              CRM_STATUS_INVALID_JSON, "priority");
  check_field("priority");
  FAILS_EMPTY(out, crm_open_complaint(crm, "{\"client_id\": 999, \"subject\": \"x\"}", "2026-11-10T09:00:00Z", &out),
              CRM_STATUS_NOT_FOUND, "999");
  FAILS_EMPTY(out, crm_open_complaint(crm, fmt("{\"client_id\": %" PRId64 ", \"subject\": \"x\", \"order_id\": 999}", romashka),
                                      "2026-11-10T09:00:00Z", &out),
              CRM_STATUS_NOT_FOUND, "999");

  /* Opened at 09:00 (round the clock, no calendar): respond by 10:00, resolve by 13:00. */
  CHECK_OK(crm_open_complaint(crm,
                              fmt("{\"client_id\": %" PRId64 ", \"subject\": \"damaged parcel\", \"body\": \"the box was "
                                  "wet\", \"priority\": \"high\"}",
                                  romashka),
                              "2026-11-10T09:00:00Z", &out));
  int64_t parcel = JSON_I64(out, "id");
  CHECK_CONTAINS(out, fmt("{\"id\":%" PRId64 ",\"client_id\":%" PRId64 ",\"order_id\":null,\"subject\":\"damaged parcel\","
                          "\"body\":\"the box was wet\",\"priority\":\"high\",\"status\":\"open\",\"owner_id\":%d,"
                          "\"opened_at\":\"2026-11-10T09:00:00Z\",\"response_due\":\"2026-11-10T10:00:00Z\","
                          "\"responded_at\":null,\"response_breached_at\":null,\"resolution_due\":\"2026-11-10T13:00:00Z\","
                          "\"resolved_at\":null,\"resolution_breached_at\":null,\"paused_at\":null,\"paused_secs\":0,"
                          "\"resolve_secs\":null,\"resolution\":null,\"rejection\":null,\"closed_at\":null,"
                          "\"updated_at\":\"2026-11-10T09:00:00Z\"}",
                          parcel, romashka, OLENA));
  free_str(&out);

  /* 10:30, nobody answered: the first response is breached and escalated to Petro, once. */
  char *run = run_due(crm, "2026-11-10T10:30:00Z");
  CHECK_STR(section(run, "complaints_breached"),
            fmt("[{\"complaint_id\":%" PRId64 ",\"milestone\":\"first_response\",\"due\":\"2026-11-10T10:00:00Z\","
                "\"escalated_to\":%d}]",
                parcel, PETRO));
  const char *tasks = section(run, "tasks");
  CHECK(json_count(tasks, "\"kind\":\"complaint_escalation\"") == 1);
  CHECK_CONTAINS(tasks, fmt("\"manager_id\":%d,\"client_id\":%" PRId64 ",", PETRO, romashka));
  CHECK_CONTAINS(tasks, fmt("\"origin\":\"complaint:%" PRId64 ":first_response\"", parcel));
  CHECK_CONTAINS(tasks, fmt("\"complaint_id\":%" PRId64 ",", parcel));
  free_str(&run);
  run = run_due(crm, "2026-11-10T10:30:00Z");
  CHECK_CONTAINS(run, NOTHING_DUE);
  free_str(&run);

  /* Taken at 10:45 (late: the breach stays recorded). */
  CHECK_OK(crm_take_complaint(crm, parcel, "2026-11-10T10:45:00Z", &out));
  CHECK_CONTAINS(out, "\"status\":\"in_progress\"");
  CHECK_CONTAINS(out, "\"responded_at\":\"2026-11-10T10:45:00Z\",\"response_breached_at\":\"2026-11-10T10:00:00Z\"");
  free_str(&out);
  FAILS_EMPTY(out, crm_take_complaint(crm, parcel, "2026-11-10T10:50:00Z", &out), CRM_STATUS_INVALID_TRANSITION,
              "in_progress");
  FAILS_EMPTY(out, crm_resume_complaint(crm, parcel, "2026-11-10T10:50:00Z", &out), CRM_STATUS_INVALID_TRANSITION,
              "complaint");
  FAILS_EMPTY(out, crm_close_complaint(crm, parcel, "2026-11-10T10:50:00Z", &out), CRM_STATUS_INVALID_TRANSITION,
              "complaint");

  /* 11:00 to 15:00 waiting for photos from the client: the resolution deadline (13:00) does not pass. */
  CHECK_OK(crm_wait_for_client(crm, parcel, "2026-11-10T11:00:00Z", &out));
  CHECK_CONTAINS(out, "\"paused_at\":\"2026-11-10T11:00:00Z\",\"paused_secs\":0");
  free_str(&out);
  FAILS_EMPTY(out, crm_wait_for_client(crm, parcel, "2026-11-10T11:30:00Z", &out), CRM_STATUS_INVALID_TRANSITION,
              "waiting");
  run = run_due(crm, "2026-11-10T14:00:00Z");
  CHECK_CONTAINS(run, NOTHING_DUE);
  free_str(&run);
  CHECK_OK(crm_resume_complaint(crm, parcel, "2026-11-10T15:00:00Z", &out));
  CHECK_CONTAINS(out, "\"resolution_due\":\"2026-11-10T17:00:00Z\"");
  CHECK_CONTAINS(out, "\"paused_at\":null,\"paused_secs\":14400,");
  free_str(&out);

  /* 17:30, not resolved: the resolution is breached and escalated too. */
  run = run_due(crm, "2026-11-10T17:30:00Z");
  CHECK_STR(section(run, "complaints_breached"),
            fmt("[{\"complaint_id\":%" PRId64 ",\"milestone\":\"resolution\",\"due\":\"2026-11-10T17:00:00Z\","
                "\"escalated_to\":%d}]",
                parcel, PETRO));
  CHECK_CONTAINS(section(run, "tasks"), fmt("\"origin\":\"complaint:%" PRId64 ":resolution\"", parcel));
  free_str(&run);
  run = run_due(crm, "2026-11-10T17:30:00Z");
  CHECK_CONTAINS(run, NOTHING_DUE);
  free_str(&run);

  /* Resolved at 18:00: nine hours, four of them waiting. Then closed, for good. */
  FAILS_EMPTY(out, crm_resolve_complaint(crm, parcel, " ", "2026-11-10T18:00:00Z", &out), CRM_STATUS_VALIDATION,
              "resolution");
  check_field("resolution");
  CHECK_OK(crm_resolve_complaint(crm, parcel, "a new parcel was sent", "2026-11-10T18:00:00Z", &out));
  CHECK_CONTAINS(out, "\"status\":\"resolved\"");
  CHECK_CONTAINS(out, "\"resolved_at\":\"2026-11-10T18:00:00Z\",\"resolution_breached_at\":\"2026-11-10T17:00:00Z\"");
  CHECK_CONTAINS(out, "\"resolve_secs\":18000,\"resolution\":\"a new parcel was sent\"");
  free_str(&out);
  CHECK_OK(crm_close_complaint(crm, parcel, "2026-11-10T18:30:00Z", &out));
  CHECK_CONTAINS(out, "\"status\":\"closed\"");
  CHECK_CONTAINS(out, "\"closed_at\":\"2026-11-10T18:30:00Z\"");
  free_str(&out);
  FAILS_EMPTY(out, crm_reopen_complaint(crm, parcel, "2026-11-11T09:00:00Z", &out), CRM_STATUS_INVALID_TRANSITION,
              "closed");
  FAILS_EMPTY(out, crm_assign_complaint(crm, parcel, PETRO, "2026-11-11T09:00:00Z", &out), CRM_STATUS_INVALID_TRANSITION,
              "closed");
  CHECK_OK(crm_history(crm, "complaint", parcel, &out));
  CHECK(json_in_order(out, "\"kind\":\"opened\"", "\"kind\":\"sla_breached\"", "\"kind\":\"taken\"",
                      "\"kind\":\"waiting\"", "\"kind\":\"resumed\"", "\"kind\":\"sla_breached\"", "\"kind\":\"resolved\"",
                      "\"kind\":\"closed\"", NULL));
  free_str(&out);

  /* Another, normal, given to Olena, resolved at once, reopened, then rejected. */
  CHECK_OK(crm_open_complaint(crm,
                              fmt("{\"client_id\": %" PRId64 ", \"subject\": \"wrong colour\", \"owner_id\": %d}", romashka,
                                  PETRO),
                              "2026-11-11T09:00:00Z", &out));
  int64_t colour = JSON_I64(out, "id");
  CHECK_CONTAINS(out, "\"priority\":\"normal\"");
  CHECK_CONTAINS(out, fmt("\"owner_id\":%d,", PETRO));
  CHECK_CONTAINS(out, "\"response_due\":\"2026-11-11T13:00:00Z\"");
  CHECK_CONTAINS(out, "\"resolution_due\":\"2026-11-12T09:00:00Z\"");
  free_str(&out);
  CHECK_OK(crm_assign_complaint(crm, colour, OLENA, "2026-11-11T09:10:00Z", &out));
  CHECK_CONTAINS(out, fmt("\"owner_id\":%d,", OLENA));
  free_str(&out);
  FAILS_EMPTY(out, crm_assign_complaint(crm, colour, 999, "2026-11-11T09:10:00Z", &out), CRM_STATUS_NOT_FOUND, "999");
  CHECK_OK(crm_resolve_complaint(crm, colour, "exchanged", "2026-11-11T10:00:00Z", &out));
  CHECK_CONTAINS(out, "\"responded_at\":\"2026-11-11T10:00:00Z\"");
  free_str(&out);
  /* Reopened an hour later: the 23 hours left of its deadline count from now; the hour resolved is a pause. */
  CHECK_OK(crm_reopen_complaint(crm, colour, "2026-11-11T11:00:00Z", &out));
  CHECK_CONTAINS(out, "\"status\":\"in_progress\"");
  CHECK_CONTAINS(out, "\"resolution_due\":\"2026-11-12T10:00:00Z\",\"resolved_at\":null,");
  CHECK_CONTAINS(out, "\"paused_secs\":3600,\"resolve_secs\":null,\"resolution\":null,");
  free_str(&out);
  FAILS_EMPTY(out, crm_reject_complaint(crm, colour, "", "2026-11-11T12:00:00Z", &out), CRM_STATUS_VALIDATION, "reason");
  check_field("reason");
  CHECK_OK(crm_reject_complaint(crm, colour, "the colour was as ordered", "2026-11-11T12:00:00Z", &out));
  CHECK_CONTAINS(out, "\"status\":\"rejected\"");
  CHECK_CONTAINS(out, "\"rejection\":\"the colour was as ordered\",\"closed_at\":\"2026-11-11T12:00:00Z\"");
  free_str(&out);
  FAILS_EMPTY(out, crm_close_complaint(crm, colour, "2026-11-11T13:00:00Z", &out), CRM_STATUS_INVALID_TRANSITION,
              "rejected");

  /* Lists and the report. */
  CHECK_OK(crm_get_complaint(crm, colour, &out));
  CHECK_CONTAINS(out, "\"subject\":\"wrong colour\"");
  free_str(&out);
  FAILS_EMPTY(out, crm_get_complaint(crm, 999, &out), CRM_STATUS_NOT_FOUND, "999");
  CHECK_OK(crm_list_complaints(crm, NULL, &out));
  CHECK(json_in_order(out, "\"subject\":\"damaged parcel\"", "\"subject\":\"wrong colour\"", NULL));
  free_str(&out);
  CHECK_OK(crm_list_complaints(crm, "{\"status\": \"closed\"}", &out));
  CHECK(json_count(out, "\"subject\":") == 1);
  CHECK_CONTAINS(out, "\"subject\":\"damaged parcel\"");
  free_str(&out);
  FAILS_EMPTY(out, crm_list_complaints(crm, "{\"status\": \"done\"}", &out), CRM_STATUS_INVALID_JSON, "status");

  CHECK_OK(crm_complaint_report(crm, "{\"start\": \"2026-11-01\", \"end\": \"2026-11-30\"}", &out));
  CHECK_CONTAINS(out, "{\"start\":\"2026-11-01\",\"end\":\"2026-11-30\",\"total\":{\"opened\":2,");
  CHECK_CONTAINS(section(out, "total"), "\"rejected\":1,");
  CHECK_CONTAINS(section(out, "total"), "\"resolved\":1,\"resolved_within_sla\":0,\"resolved_within_sla_share\":0.0,");
  CHECK_CONTAINS(section(out, "total"), "\"median_resolve_secs\":18000,\"p90_resolve_secs\":18000}");
  CHECK(json_in_order(section(out, "by_priority"), "\"key\":\"low\"", "\"key\":\"normal\"", "\"key\":\"high\"",
                      "\"key\":\"critical\"", NULL));
  CHECK_CONTAINS(section(out, "by_owner"), fmt("[{\"key\":%d,", OLENA));
  free_str(&out);
  FAILS_EMPTY(out, crm_complaint_report(crm, "{\"start\": \"2026-11-30\", \"end\": \"2026-11-01\"}", &out),
              CRM_STATUS_VALIDATION, "end");
  check_field("end");
  FAILS_EMPTY(out, crm_complaint_report(crm, "{\"start\": \"2026-11-01\"}", &out), CRM_STATUS_INVALID_JSON, "end");
  FAILS_EMPTY(out, crm_complaint_report(crm, "{\"start\": \"2026-11-01\", \"end\": \"2026-11-30\", \"by\": \"owner\"}", &out),
              CRM_STATUS_INVALID_JSON, "by");

  /* The escalation task of the resolution, done: its outcome is a call on the client by Petro. */
  CHECK_OK(crm_list_tasks(crm, PETRO, true, &out));
  CHECK(json_count(out, "\"kind\":\"complaint_escalation\"") == 2);
  int64_t escalation = JSON_I64(out, "id");
  free_str(&out);
  CHECK_OK(crm_complete_task(crm, escalation, "{\"outcome\": \"apologised to the client\"}", "2026-11-11T13:00:00Z", &out));
  int64_t activity = JSON_I64(out, "activity_id");
  free_str(&out);
  CHECK_OK(crm_get_activity(crm, activity, &out));
  CHECK_CONTAINS(out, "\"kind\":\"call\",\"direction\":\"out\"");
  CHECK_CONTAINS(out, fmt("\"manager_id\":%d,", PETRO));
  CHECK_CONTAINS(out, "\"outcome\":\"apologised to the client\"");
  free_str(&out);
  crm_close(crm);
}

/* ---------------------------------------------------------------------------------------------------- */
/* 3. Tasks and the agenda                                                                              */

/* Adds a task for Olena about `client` due at `due` (NULL: undated); gives its id. */
static int64_t task(crm_t *crm, const char *kind, const char *title, int64_t client, const char *due) {
  char due_json[64] = "null";
  if (due) snprintf(due_json, sizeof due_json, "\"%s\"", due);
  return add(crm, crm_add_task,
             fmt("{\"kind\": \"%s\", \"title\": \"%s\", \"manager_id\": %d, \"client_id\": %" PRId64 ", \"due_at\": %s}",
                 kind, title, OLENA, client, due_json),
             "2026-11-20T09:00:00Z");
}

static void test_tasks(void) {
  crm_t *crm = open_store();
  char *out = NULL;
  int64_t romashka = client(crm, "Romashka LLC", OLENA);

  CHECK_OK(crm_add_task(crm,
                        fmt("{\"kind\": \"call_back\", \"title\": \"Call about the winter order\", \"manager_id\": %d, "
                            "\"client_id\": %" PRId64 ", \"due_at\": \"2026-11-27T10:00:00Z\"}",
                            OLENA, romashka),
                        "2026-11-20T09:00:00Z", &out));
  int64_t call = JSON_I64(out, "id");
  CHECK_CONTAINS(out, fmt("{\"id\":%" PRId64 ",\"kind\":\"call_back\",\"title\":\"Call about the winter order\","
                          "\"manager_id\":%d,\"client_id\":%" PRId64 ",\"lead_id\":null,\"deal_id\":null,"
                          "\"due_at\":\"2026-11-27T10:00:00Z\",\"status\":\"open\",\"origin\":null,"
                          "\"created_at\":\"2026-11-20T09:00:00Z\",\"closed_at\":null,\"rule_id\":null,"
                          "\"promise_id\":null,\"complaint_id\":null,\"outcome\":null,\"activity_id\":null}",
                          call, OLENA, romashka));
  free_str(&out);
  int64_t seq = last_seq(crm);
  FAILS_EMPTY(out, crm_add_task(crm, "{\"kind\": \"Call Back\", \"title\": \"x\"}", "2026-11-20T09:00:00Z", &out),
              CRM_STATUS_VALIDATION, "kind");
  check_field("kind");
  FAILS_EMPTY(out, crm_add_task(crm, "{\"kind\": \"call_back\"}", "2026-11-20T09:00:00Z", &out), CRM_STATUS_VALIDATION,
              "title");
  check_field("title");
  FAILS_EMPTY(out, crm_add_task(crm, "{\"kind\": \"call_back\", \"title\": \"x\", \"priority\": 1}", "2026-11-20T09:00:00Z",
                                &out),
              CRM_STATUS_INVALID_JSON, "priority");
  FAILS_EMPTY(out, crm_add_task(crm, "{\"kind\": \"call_back\", \"title\": \"x\", \"manager_id\": 999}",
                                "2026-11-20T09:00:00Z", &out),
              CRM_STATUS_NOT_FOUND, "999");
  FAILS_EMPTY(out, crm_add_task(crm, "{\"kind\": \"call_back\", \"title\": \"x\", \"due_at\": \"tomorrow\"}",
                                "2026-11-20T09:00:00Z", &out),
              CRM_STATUS_INVALID_JSON, "due_at");
  CHECK_I64(last_seq(crm), seq);

  /* Olena's agenda on Friday 27 November at 09:00 (UTC: no calendar). */
  int64_t overdue_1 = task(crm, "call", "Overdue since Thursday", romashka, "2026-11-26T12:00:00Z");
  int64_t overdue_2 = task(crm, "call", "Overdue since Wednesday", romashka, "2026-11-25T12:00:00Z");
  int64_t today_1 = task(crm, "send_offer", "Send the winter offer", romashka, "2026-11-27T09:30:00Z");
  int64_t upcoming = task(crm, "visit", "Visit the shop", romashka, "2026-11-30T10:00:00Z");
  int64_t far = task(crm, "visit", "Visit at Christmas", romashka, "2026-12-20T10:00:00Z");
  int64_t undated = task(crm, "follow_up", "Ask about the new branch", romashka, NULL);
  add(crm, crm_add_task, fmt("{\"kind\": \"call\", \"title\": \"Petro's\", \"manager_id\": %d, \"due_at\": "
                             "\"2026-11-26T12:00:00Z\"}",
                             PETRO),
      "2026-11-20T09:00:00Z");
  int64_t nothing = add(crm, crm_add_task, fmt("{\"kind\": \"admin\", \"title\": \"Tidy the price list\", \"manager_id\": %d}", OLENA),
                        "2026-11-20T09:00:00Z");

  CHECK_OK(crm_agenda(crm, OLENA, "2026-11-27T09:00:00Z", &out));
  CHECK_CONTAINS(out, fmt("{\"manager_id\":%d,\"now\":\"2026-11-27T09:00:00Z\",\"overdue\":[", OLENA));
  CHECK(json_in_order(section(out, "overdue"), fmt("{\"id\":%" PRId64 ",", overdue_2), NULL));
  CHECK(json_in_order(section(out, "overdue"), fmt("{\"id\":%" PRId64 ",", overdue_2),
                      fmt("{\"id\":%" PRId64 ",", overdue_1), NULL));
  CHECK(json_count(section(out, "overdue"), "{\"id\":") == 2);
  CHECK(json_in_order(section(out, "today"), fmt("{\"id\":%" PRId64 ",", today_1), fmt("{\"id\":%" PRId64 ",", call), NULL));
  CHECK(json_count(section(out, "today"), "{\"id\":") == 2);
  CHECK(json_count(section(out, "upcoming"), "{\"id\":") == 1);
  CHECK_CONTAINS(section(out, "upcoming"), fmt("[{\"id\":%" PRId64 ",", upcoming));
  CHECK(json_in_order(section(out, "undated"), fmt("{\"id\":%" PRId64 ",", undated), fmt("{\"id\":%" PRId64 ",", nothing),
                      NULL));
  CHECK(json_count(section(out, "undated"), "{\"id\":") == 2);
  CHECK_LACKS(out, "Petro's");
  CHECK_LACKS(out, "Visit at Christmas");
  free_str(&out);
  FAILS_EMPTY(out, crm_agenda(crm, 999, "2026-11-27T09:00:00Z", &out), CRM_STATUS_NOT_FOUND, "999");
  FAILS_EMPTY(out, crm_agenda(crm, OLENA, "Friday", &out), CRM_STATUS_VALIDATION, "now");
  check_field("now");

  /* Rescheduled: the far visit becomes undated; the same again writes nothing. */
  CHECK_OK(crm_reschedule_task(crm, far, NULL, "2026-11-27T09:05:00Z", &out));
  CHECK_CONTAINS(out, "\"due_at\":null,");
  free_str(&out);
  seq = last_seq(crm);
  CHECK_OK(crm_reschedule_task(crm, far, NULL, "2026-11-27T09:06:00Z", &out));
  free_str(&out);
  CHECK_I64(last_seq(crm), seq);
  CHECK_OK(crm_reschedule_task(crm, upcoming, "2026-11-28T10:00:00+02:00", "2026-11-27T09:07:00Z", &out));
  CHECK_CONTAINS(out, "\"due_at\":\"2026-11-28T08:00:00Z\",");
  free_str(&out);
  FAILS_EMPTY(out, crm_reschedule_task(crm, upcoming, "next week", "2026-11-27T09:08:00Z", &out), CRM_STATUS_VALIDATION,
              "due_at");
  check_field("due_at");
  CHECK_OK(crm_history(crm, "task", far, &out));
  CHECK(json_in_order(out, "\"kind\":\"created\"", "\"kind\":\"rescheduled\",\"data\":{\"from\":\"2026-12-20T10:00:00Z\","
                           "\"to\":null}",
                      NULL));
  free_str(&out);
  CHECK_OK(crm_agenda(crm, OLENA, "2026-11-27T09:10:00Z", &out));
  CHECK(json_in_order(section(out, "undated"), fmt("{\"id\":%" PRId64 ",", far), fmt("{\"id\":%" PRId64 ",", undated),
                      fmt("{\"id\":%" PRId64 ",", nothing), NULL)); /* by id */
  free_str(&out);

  /* Completed: the outcome becomes a call on the client, by Olena. */
  FAILS_EMPTY(out, crm_complete_task(crm, call, "{\"outcome\": \"\"}", "2026-11-27T10:05:00Z", &out),
              CRM_STATUS_VALIDATION, "outcome");
  check_field("outcome");
  FAILS_EMPTY(out, crm_complete_task(crm, call, "{\"outcome\": \"x\", \"mood\": \"good\"}", "2026-11-27T10:05:00Z", &out),
              CRM_STATUS_INVALID_JSON, "mood");
  FAILS_EMPTY(out, crm_complete_task(crm, call, "{\"outcome\": \"x\", \"activity_kind\": \"fax\"}", "2026-11-27T10:05:00Z",
                                     &out),
              CRM_STATUS_INVALID_JSON, "activity_kind");
  CHECK_OK(crm_complete_task(crm, call, "{\"outcome\": \"reached, will order next week\", \"note\": \"wants 20 boxes\"}",
                             "2026-11-27T10:05:00Z", &out));
  CHECK_CONTAINS(out, "\"status\":\"done\"");
  CHECK_CONTAINS(out, "\"closed_at\":\"2026-11-27T10:05:00Z\"");
  CHECK_CONTAINS(out, "\"outcome\":\"reached, will order next week\",\"activity_id\":");
  int64_t activity = JSON_I64(out, "activity_id");
  free_str(&out);
  CHECK(activity > 0);
  CHECK_OK(crm_get_activity(crm, activity, &out));
  CHECK_CONTAINS(out, "\"kind\":\"call\",\"direction\":\"out\"");
  CHECK_CONTAINS(out, fmt("\"client_id\":%" PRId64 ",", romashka));
  CHECK_CONTAINS(out, fmt("\"manager_id\":%d,", OLENA));
  CHECK_CONTAINS(out, "\"at\":\"2026-11-27T10:05:00Z\"");
  CHECK_CONTAINS(out, "\"subject\":\"Call about the winter order\",\"body\":\"wants 20 boxes\","
                      "\"outcome\":\"reached, will order next week\"");
  free_str(&out);
  FAILS_EMPTY(out, crm_complete_task(crm, call, "{\"outcome\": \"again\"}", "2026-11-27T10:06:00Z", &out),
              CRM_STATUS_INVALID_TRANSITION, "done");
  FAILS_EMPTY(out, crm_reschedule_task(crm, call, NULL, "2026-11-27T10:06:00Z", &out), CRM_STATUS_INVALID_TRANSITION,
              "done");
  CHECK_OK(crm_history(crm, "task", call, &out));
  CHECK(json_in_order(out, "\"kind\":\"created\"", "\"kind\":\"completed\",\"data\":{", NULL));
  free_str(&out);

  /* An offer by default is a document; the kind asked for wins; a task about nothing records nothing. */
  CHECK_OK(crm_complete_task(crm, today_1, "{\"outcome\": \"sent\"}", "2026-11-27T10:10:00Z", &out));
  activity = JSON_I64(out, "activity_id");
  free_str(&out);
  CHECK_OK(crm_get_activity(crm, activity, &out));
  CHECK_CONTAINS(out, "\"kind\":\"document\"");
  free_str(&out);
  CHECK_OK(crm_complete_task(crm, undated, "{\"outcome\": \"two new shops\", \"activity_kind\": \"email\", \"direction\": \"in\"}",
                             "2026-11-27T10:15:00Z", &out));
  activity = JSON_I64(out, "activity_id");
  free_str(&out);
  CHECK_OK(crm_get_activity(crm, activity, &out));
  CHECK_CONTAINS(out, "\"kind\":\"email\",\"direction\":\"in\"");
  free_str(&out);
  CHECK_OK(crm_complete_task(crm, nothing, "{\"outcome\": \"done\"}", "2026-11-27T10:20:00Z", &out));
  CHECK_CONTAINS(out, "\"outcome\":\"done\",\"activity_id\":null}");
  free_str(&out);

  CHECK_OK(crm_agenda(crm, OLENA, "2026-11-27T10:30:00Z", &out));
  CHECK_STR(section(out, "today"), "[]");
  CHECK(json_count(out, "{\"id\":") == 4); /* two overdue, one upcoming, the far visit undated */
  free_str(&out);
  crm_close(crm);
}

/* ---------------------------------------------------------------------------------------------------- */
/* 4. Dormancy                                                                                          */

static void test_dormancy(void) {
  crm_t *crm = open_store();
  char *out = NULL;
  pause_default_rules(crm);
  int64_t monthly = client(crm, "Monthly Ltd", OLENA);   /* every 30 days */
  int64_t fortnight = client(crm, "Fortnight Ltd", OLENA); /* every 14 days */
  int64_t once = client(crm, "Once Ltd", PETRO);          /* one purchase: the flat rule */
  client(crm, "Never Ltd", PETRO);                          /* no purchase: never placed */
  const char *monthly_days[] = {"2026-06-01", "2026-07-01", "2026-07-31", "2026-08-30", "2026-09-29"};
  for (size_t i = 0; i < 5; i++) order(crm, monthly, monthly_days[i]);
  const char *fortnight_days[] = {"2026-06-01", "2026-06-15", "2026-06-29", "2026-07-13", "2026-07-27",
                                  "2026-08-10", "2026-08-24", "2026-09-07", "2026-09-21"};
  for (size_t i = 0; i < 9; i++) order(crm, fortnight, fortnight_days[i]);
  order(crm, once, "2026-09-29");

  CHECK_OK(crm_dormancy_settings(crm, &out));
  CHECK_STR(out, "{\"min_gap_days\":7,\"cooling_after\":1.5,\"dormant_after\":3.0,\"lost_after\":6.0,"
                 "\"single_cooling_days\":60,\"single_dormant_days\":120,\"single_lost_days\":365}");
  free_str(&out);
  CHECK_OK(crm_dormancy_counts(crm, &out));
  CHECK_STR(out, "{\"active\":0,\"cooling\":0,\"dormant\":0,\"lost\":0}");
  free_str(&out);

  /* The first run places everyone who bought: active. */
  char *run = run_due(crm, "2026-09-30T12:00:00Z");
  CHECK_STR(section(run, "dormancy"),
            fmt("[{\"client_id\":%" PRId64 ",\"from\":null,\"to\":\"active\"},{\"client_id\":%" PRId64 ",\"from\":null,"
                "\"to\":\"active\"},{\"client_id\":%" PRId64 ",\"from\":null,\"to\":\"active\"}]",
                monthly, fortnight, once));
  CHECK_STR(section(run, "fired"), "[]");
  free_str(&run);
  run = run_due(crm, "2026-09-30T12:00:00Z");
  CHECK_CONTAINS(run, NOTHING_DUE);
  free_str(&run);
  CHECK_OK(crm_dormancy_counts(crm, &out));
  CHECK_STR(out, "{\"active\":3,\"cooling\":0,\"dormant\":0,\"lost\":0}");
  free_str(&out);

  /* A 30-day rhythm: cooling 45 days after the last purchase (1.5 gaps). */
  CHECK_OK(crm_client_rhythm(crm, monthly, "2026-09-30T12:00:00Z", &out));
  CHECK_CONTAINS(out, fmt("{\"client_id\":%" PRId64 ",\"as_of\":\"2026-09-30T12:00:00Z\",\"purchase_days\":[\"2026-06-01\","
                          "\"2026-07-01\",\"2026-07-31\",\"2026-08-30\",\"2026-09-29\"],\"last_purchase\":\"2026-09-29\","
                          "\"expected_gap_days\":30.0,\"days_since_last\":1,\"state\":\"active\",\"stored_state\":\"active\",",
                          monthly));
  CHECK_CONTAINS(out, "\"next_state\":\"cooling\",\"next_at\":\"2026-11-13T00:00:00Z\"}");
  free_str(&out);
  CHECK_OK(crm_client_rhythm(crm, once, "2026-09-30T12:00:00Z", &out));
  CHECK_CONTAINS(out, "\"expected_gap_days\":null,");
  CHECK_CONTAINS(out, "\"next_state\":\"cooling\",\"next_at\":\"2026-11-28T00:00:00Z\"}");
  free_str(&out);
  FAILS_EMPTY(out, crm_client_rhythm(crm, 999, "2026-09-30T12:00:00Z", &out), CRM_STATUS_NOT_FOUND, "999");
  FAILS_EMPTY(out, crm_client_rhythm(crm, monthly, "30.09.2026", &out), CRM_STATUS_VALIDATION, "as_of");

  /* Seven weeks later: the monthly buyer is cooling, the fortnightly one dormant, the single buyer still
   * active (the flat rule: cooling after 60 days). */
  run = run_due(crm, "2026-11-20T12:00:00Z");
  CHECK_STR(section(run, "dormancy"),
            fmt("[{\"client_id\":%" PRId64 ",\"from\":\"active\",\"to\":\"cooling\"},{\"client_id\":%" PRId64 ",\"from\":"
                "\"active\",\"to\":\"dormant\"}]",
                monthly, fortnight));
  free_str(&run);
  run = run_due(crm, "2026-11-20T12:00:00Z");
  CHECK_CONTAINS(run, NOTHING_DUE);
  free_str(&run);
  CHECK_OK(crm_dormancy_counts(crm, &out));
  CHECK_STR(out, "{\"active\":1,\"cooling\":1,\"dormant\":1,\"lost\":0}");
  free_str(&out);
  CHECK_OK(crm_segment(crm, "dormancy = 'dormant'", "2026-11-20T12:00:00Z", &out));
  CHECK_STR(out, fmt("[%" PRId64 "]", fortnight));
  free_str(&out);
  CHECK_OK(crm_segment(crm, "dormancy in ('cooling', 'dormant')", "2026-11-20T12:00:00Z", &out));
  CHECK_STR(out, fmt("[%" PRId64 ",%" PRId64 "]", monthly, fortnight));
  free_str(&out);
  int64_t count = -1;
  CHECK_OK(crm_segment_count(crm, "dormancy is null", "2026-11-20T12:00:00Z", &count));
  CHECK_I64(count, 1); /* Never Ltd */
  FAILS_EMPTY(out, crm_segment(crm, "dormancy = 'sleeping'", "2026-11-20T12:00:00Z", &out), CRM_STATUS_VALIDATION,
              "sleeping");
  check_field("expression");
  CHECK_OK(crm_client_rhythm(crm, fortnight, "2026-11-20T12:00:00Z", &out));
  CHECK_CONTAINS(out, "\"expected_gap_days\":14.0,\"days_since_last\":60,\"state\":\"dormant\",\"stored_state\":\"dormant\",");
  CHECK_CONTAINS(out, "\"next_state\":\"lost\",\"next_at\":\"2026-12-14T00:00:00Z\"}");
  free_str(&out);

  CHECK_OK(crm_dormancy_report(crm, "{\"as_of\": \"2026-11-20T12:00:00Z\"}", &out));
  CHECK_CONTAINS(out, "{\"as_of\":\"2026-11-20T12:00:00Z\",\"counts\":{\"active\":1,\"cooling\":1,\"dormant\":1,\"lost\":0},"
                      "\"rows\":[");
  CHECK(json_in_order(out,
                      fmt("{\"client_id\":%" PRId64 ",\"state\":\"cooling\",\"expected_gap_days\":30.0,\"last_purchase\":"
                          "\"2026-09-29\",\"days_since_last\":52,\"p_alive\":null}",
                          monthly),
                      NULL));
  CHECK(json_in_order(out, fmt("{\"client_id\":%" PRId64 ",\"state\":\"dormant\"", fortnight),
                      fmt("{\"client_id\":%" PRId64 ",\"state\":\"active\",\"expected_gap_days\":null,", once), NULL));
  free_str(&out);
  /* Read later, the report moves clients down by the rule (the single buyer is cooling by 28 November). */
  CHECK_OK(crm_dormancy_report(crm, "{\"as_of\": \"2026-12-01T00:00:00Z\", \"with_p_alive\": true}", &out));
  CHECK_CONTAINS(out, "\"counts\":{\"active\":0,\"cooling\":2,\"dormant\":1,\"lost\":0}");
  free_str(&out);
  FAILS_EMPTY(out, crm_dormancy_report(crm, "{\"as_of\": \"2026-11-20T12:00:00Z\", \"state\": \"dormant\"}", &out),
              CRM_STATUS_INVALID_JSON, "state");
  FAILS_EMPTY(out, crm_dormancy_report(crm, "{}", &out), CRM_STATUS_INVALID_JSON, "as_of");

  /* A purchase brings the dormant client back. */
  order(crm, fortnight, "2026-11-21");
  run = run_due(crm, "2026-11-21T13:00:00Z");
  CHECK_STR(section(run, "dormancy"),
            fmt("[{\"client_id\":%" PRId64 ",\"from\":\"dormant\",\"to\":\"active\"}]", fortnight));
  free_str(&run);
  CHECK_OK(crm_history(crm, "client", fortnight, &out));
  CHECK(json_in_order(out, "\"kind\":\"dormancy\",\"data\":{", "\"to\":\"active\"", "\"kind\":\"dormancy\"",
                      "\"to\":\"dormant\"", "\"kind\":\"dormancy\"", "\"from\":\"dormant\"", NULL));
  free_str(&out);

  /* The settings. */
  FAILS_EMPTY(out, crm_set_dormancy_settings(crm, "{\"cooling_after\": 3.0}", "2026-11-21T13:00:00Z", &out),
              CRM_STATUS_VALIDATION, "dormant_after");
  check_field("dormant_after");
  FAILS_EMPTY(out, crm_set_dormancy_settings(crm, "{\"min_gap_days\": 0}", "2026-11-21T13:00:00Z", &out),
              CRM_STATUS_VALIDATION, "min_gap_days");
  FAILS_EMPTY(out, crm_set_dormancy_settings(crm, "{\"cooling\": 2}", "2026-11-21T13:00:00Z", &out),
              CRM_STATUS_INVALID_JSON, "cooling");
  FAILS_EMPTY(out, crm_set_dormancy_settings(crm, "{\"min_gap_days\": -1}", "2026-11-21T13:00:00Z", &out),
              CRM_STATUS_INVALID_JSON, "min_gap_days");
  CHECK_OK(crm_set_dormancy_settings(crm, "{\"cooling_after\": 2, \"single_cooling_days\": 90}", "2026-11-21T13:00:00Z",
                                     &out));
  CHECK_STR(out, "{\"min_gap_days\":7,\"cooling_after\":2.0,\"dormant_after\":3.0,\"lost_after\":6.0,"
                 "\"single_cooling_days\":90,\"single_dormant_days\":120,\"single_lost_days\":365}");
  free_str(&out);
  int64_t seq = last_seq(crm);
  CHECK_OK(crm_set_dormancy_settings(crm, "{\"cooling_after\": 2.0, \"single_cooling_days\": 90}", "2026-11-21T13:00:00Z",
                                     &out));
  free_str(&out);
  CHECK_I64(last_seq(crm), seq);
  /* Recomputed by the next run: without a newer purchase, nobody climbs back up. */
  run = run_due(crm, "2026-11-21T14:00:00Z");
  CHECK_CONTAINS(run, NOTHING_DUE);
  free_str(&run);
  CHECK_OK(crm_client_rhythm(crm, monthly, "2026-11-21T14:00:00Z", &out));
  CHECK_CONTAINS(out, "\"state\":\"active\",\"stored_state\":\"cooling\",");
  free_str(&out);
  crm_close(crm);
}

/* ---------------------------------------------------------------------------------------------------- */
/* 5. Retention rules                                                                                   */

static void test_rules(void) {
  crm_t *crm = open_store();
  char *out = NULL;

  /* Every store starts with five rules, each making a task for the client's owner. */
  CHECK_OK(crm_retention_rules(crm, &out));
  CHECK(json_count(out, "\"name\":") == 5);
  CHECK(json_in_order(out, "{\"id\":1,\"name\":\"reactivate dormant A-client\",\"condition\":\"dormancy = 'dormant' and abc = 'A'\"",
                      "{\"id\":2,\"name\":\"thank after first purchase\"", "{\"id\":3,\"name\":\"call after resolved complaint\"",
                      "{\"id\":4,\"name\":\"birthday\"", "{\"id\":5,\"name\":\"re-verify stale details\"", NULL));
  CHECK(json_count(out, "\"action\":{\"kind\":\"task\",") == 5);
  CHECK(json_count(out, "\"active\":true") == 5);
  free_str(&out);
  CHECK_OK(crm_get_retention_rule(crm, "birthday", &out));
  CHECK_CONTAINS(out, "\"condition\":\"days_to_birthday = 0\"");
  CHECK_CONTAINS(out, "\"task_kind\":\"congratulate\"");
  free_str(&out);
  FAILS_EMPTY(out, crm_get_retention_rule(crm, "christmas", &out), CRM_STATUS_NOT_FOUND, "christmas");
  /* The first one reads ABC classes, which are not what this part is about. */
  CHECK_OK(crm_set_retention_rule_active(crm, "reactivate dormant A-client", false, "2026-05-01T08:00:00Z", &out));
  CHECK_CONTAINS(out, "\"active\":false");
  free_str(&out);
  int64_t seq = last_seq(crm);
  CHECK_OK(crm_set_retention_rule_active(crm, "reactivate dormant A-client", false, "2026-05-01T08:00:00Z", &out));
  free_str(&out);
  CHECK_I64(last_seq(crm), seq);

  /* Bad rules name their field. */
#define RULE(condition, action, cooldown) \
  "{\"name\": \"win back\", \"condition\": \"" condition "\", \"action\": " action ", \"cooldown_days\": " cooldown "}"
#define TASK_ACTION(title, due_in) \
  "{\"kind\": \"task\", \"task_kind\": \"reactivate\", \"title\": \"" title "\", \"due_in\": \"" due_in "\"}"
  const char *at = "2026-05-01T08:00:00Z";
  FAILS_EMPTY(out, crm_add_retention_rule(crm, RULE("regoin = 'Kyiv'", TASK_ACTION("Call {client}", "2d"), "30"), at, &out),
              CRM_STATUS_VALIDATION, "regoin");
  check_field("condition");
  FAILS_EMPTY(out, crm_add_retention_rule(crm, RULE("dormancy = 'dormant'", TASK_ACTION("Call {client}", "2d"), "0"), at, &out),
              CRM_STATUS_VALIDATION, "cooldown_days");
  check_field("cooldown_days");
  FAILS_EMPTY(out, crm_add_retention_rule(crm, RULE("dormancy = 'dormant'", TASK_ACTION("Call {nobody}", "2d"), "30"), at, &out),
              CRM_STATUS_VALIDATION, "action.title");
  check_field("action.title");
  FAILS_EMPTY(out, crm_add_retention_rule(crm, RULE("dormancy = 'dormant'", TASK_ACTION("Call {client}", "soon"), "30"), at,
                                          &out),
              CRM_STATUS_VALIDATION, "action.due_in");
  check_field("action.due_in");
  FAILS_EMPTY(out, crm_add_retention_rule(crm, RULE("dormancy = 'dormant'", "{\"kind\": \"sms\", \"text\": \"hi\"}", "30"), at,
                                          &out),
              CRM_STATUS_INVALID_JSON, "new_rule_json.action");
  FAILS_EMPTY(out, crm_add_retention_rule(crm,
                                          RULE("dormancy = 'dormant'",
                                               "{\"kind\": \"task\", \"task_kind\": \"reactivate\", \"title\": \"x\", "
                                               "\"due_in\": \"2d\", \"to\": 999}",
                                               "30"),
                                          at, &out),
              CRM_STATUS_VALIDATION, "action.to");
  check_field("action.to");
  FAILS_EMPTY(out, crm_add_retention_rule(crm, "{\"name\": \"x\", \"condition\": \"orders > 1\", \"action\": {\"kind\": "
                                               "\"tag\", \"tag\": \"x\"}}",
                                          at, &out),
              CRM_STATUS_INVALID_JSON, "cooldown_days");
  FAILS_EMPTY(out, crm_add_retention_rule(crm, "{\"name\": \"x\", \"condition\": \"orders > 1\", \"action\": {\"kind\": "
                                               "\"tag\", \"tag\": \"x\"}, \"cooldown_days\": 1, \"every\": 2}",
                                          at, &out),
              CRM_STATUS_INVALID_JSON, "every");
  FAILS_EMPTY(out, crm_add_retention_rule(crm, "{\"name\": \"x\", \"condition\": \"orders > 1\", \"action\": {\"kind\": "
                                               "\"tag\", \"tag\": \"x\"}, \"cooldown_days\": 1, \"daily_limit\": 0}",
                                          at, &out),
              CRM_STATUS_VALIDATION, "daily_limit");
  check_field("daily_limit");
  CHECK_I64(last_seq(crm), seq);

  /* Win back dormant clients: a task for the owner, due in two days, not again within 30 days. */
  CHECK_OK(crm_add_retention_rule(crm,
                                  "{\"name\": \"win back\", \"condition\": \"dormancy = 'dormant'\", \"action\": {\"kind\": "
                                  "\"task\", \"task_kind\": \"reactivate\", \"title\": \"Win back {client}: silent for "
                                  "{days_since_last_order} days\", \"due_in\": \"2d\"}, \"cooldown_days\": 30}",
                                  at, &out));
  int64_t rule = JSON_I64(out, "id");
  CHECK_I64(rule, 6);
  CHECK_CONTAINS(out, "\"name\":\"win back\",\"condition\":\"dormancy = 'dormant'\",\"action\":{\"kind\":\"task\","
                      "\"task_kind\":\"reactivate\",\"title\":\"Win back {client}: silent for {days_since_last_order} "
                      "days\",\"due_in\":\"2d\",\"to\":\"owner\"},\"cooldown_days\":30,\"daily_limit\":null,\"active\":true,");
  free_str(&out);
  seq = last_seq(crm);
  CHECK_OK(crm_add_retention_rule(crm,
                                  "{\"name\": \"win back\", \"condition\": \"dormancy = 'dormant'\", \"action\": {\"kind\": "
                                  "\"task\", \"task_kind\": \"reactivate\", \"title\": \"Win back {client}: silent for "
                                  "{days_since_last_order} days\", \"due_in\": \"2d\", \"to\": \"owner\"}, \"cooldown_days\": 30}",
                                  at, &out));
  CHECK_I64(JSON_I64(out, "id"), rule);
  free_str(&out);
  CHECK_I64(last_seq(crm), seq); /* the same rule again writes nothing */

  int64_t romashka = client(crm, "Romashka LLC", OLENA);
  int64_t lileya = client(crm, "Lileya LLC", PETRO);
  int64_t steady = client(crm, "Steady LLC", OLENA);
  int64_t newcomer = client(crm, "Newcomer LLC", PETRO);
  const char *days[] = {"2026-06-01", "2026-07-01", "2026-07-31"};
  for (size_t i = 0; i < 3; i++) {
    order(crm, romashka, days[i]);
    order(crm, lileya, days[i]);
    order(crm, steady, days[i]);
  }
  order(crm, steady, "2026-11-10");
  order(crm, newcomer, "2026-11-19");

  /* The run places the clients (Romashka and Lileya dormant), then the rules act: the default "thank after
   * first purchase" on the newcomer, "win back" on the two dormant clients. */
  char *run = run_due(crm, "2026-11-20T09:00:00Z");
  const char *fired = section(run, "fired");
  CHECK(json_in_order(fired, fmt("{\"rule_id\":2,\"rule\":\"thank after first purchase\",\"client_id\":%" PRId64 ",\"task_id\":",
                                 newcomer),
                      fmt("{\"rule_id\":%" PRId64 ",\"rule\":\"win back\",\"client_id\":%" PRId64 ",\"task_id\":", rule, romashka),
                      fmt("{\"rule_id\":%" PRId64 ",\"rule\":\"win back\",\"client_id\":%" PRId64 ",\"task_id\":", rule, lileya),
                      NULL));
  CHECK(json_count(fired, "\"rule_id\":") == 3);
  const char *tasks = section(run, "tasks");
  CHECK(json_count(tasks, "\"kind\":\"reactivate\"") == 2);
  CHECK(json_count(tasks, "\"kind\":\"thank_you\"") == 1);
  CHECK_CONTAINS(tasks, "\"title\":\"Win back Romashka LLC: silent for 112 days\"");
  CHECK_CONTAINS(tasks, fmt("\"manager_id\":%d,\"client_id\":%" PRId64 ",\"lead_id\":null,\"deal_id\":null,"
                            "\"due_at\":\"2026-11-22T09:00:00Z\",\"status\":\"open\",\"origin\":\"rule:%" PRId64 ":client:%" PRId64
                            ":2026-11-20\"",
                            OLENA, romashka, rule, romashka));
  CHECK_CONTAINS(tasks, fmt("\"manager_id\":%d,\"client_id\":%" PRId64 ",", PETRO, lileya));
  CHECK_CONTAINS(tasks, fmt("\"rule_id\":%" PRId64 ",\"promise_id\":null", rule));
  CHECK_CONTAINS(tasks, "\"title\":\"Thank Newcomer LLC for the first purchase; offer ");
  free_str(&run);
  /* Not twice in the same run, nor within the cool-down. */
  run = run_due(crm, "2026-11-20T09:00:00Z");
  CHECK_CONTAINS(run, NOTHING_DUE);
  free_str(&run);
  run = run_due(crm, "2026-11-25T09:00:00Z");
  CHECK_STR(section(run, "fired"), "[]");
  CHECK_STR(section(run, "tasks"), "[]");
  free_str(&run);

  /* Romashka's task is done; Lileya orders again within the window. */
  CHECK_OK(crm_list_tasks(crm, OLENA, true, &out));
  int64_t romashka_task = JSON_I64(out, "id");
  CHECK_CONTAINS(out, "\"kind\":\"reactivate\"");
  free_str(&out);
  CHECK_OK(crm_complete_task(crm, romashka_task, "{\"outcome\": \"no answer\"}", "2026-11-21T10:00:00Z", &out));
  free_str(&out);
  order(crm, lileya, "2026-11-26");

  /* A mailing rule, added on the day of the next run: it makes its saved segment. */
  CHECK_OK(crm_add_retention_rule(crm,
                                  "{\"name\": \"win-back mailing\", \"condition\": \"dormancy = 'dormant'\", \"action\": "
                                  "{\"kind\": \"mailing\", \"segment\": \"win-back mailing\"}, \"cooldown_days\": 365}",
                                  "2026-12-21T08:00:00Z", &out));
  int64_t mailing = JSON_I64(out, "id");
  free_str(&out);
  CHECK_OK(crm_get_segment(crm, "win-back mailing", &out));
  CHECK_CONTAINS(out, "\"expression\":\"has tag 'win-back mailing'\"");
  free_str(&out);

  /* After the cool-down: Romashka again (still dormant), not Lileya (active since her order). */
  run = run_due(crm, "2026-12-21T09:00:00Z");
  CHECK_STR(section(run, "dormancy"), fmt("[{\"client_id\":%" PRId64 ",\"from\":\"dormant\",\"to\":\"active\"}]", lileya));
  int64_t again = JSON_I64(section(run, "tasks"), "id");
  CHECK_STR(section(run, "fired"),
            fmt("[{\"rule_id\":%" PRId64 ",\"rule\":\"win back\",\"client_id\":%" PRId64 ",\"task_id\":%" PRId64
                "},{\"rule_id\":%" PRId64 ",\"rule\":\"win-back mailing\",\"client_id\":%" PRId64 ",\"task_id\":null}]",
                rule, romashka, again, mailing, romashka));
  free_str(&run);
  CHECK_OK(crm_segment(crm, "win-back mailing", "2026-12-21T09:00:00Z", &out));
  CHECK_STR(out, fmt("[%" PRId64 "]", romashka));
  free_str(&out);
  CHECK_OK(crm_history(crm, "client", romashka, &out));
  CHECK_CONTAINS(out, "\"kind\":\"retention_rule_fired\",\"data\":{");
  free_str(&out);

  /* Paused, the rule does nothing; resumed, it acts again once its cool-down is over. */
  CHECK_OK(crm_set_retention_rule_active(crm, "win back", false, "2027-01-21T08:00:00Z", &out));
  CHECK_CONTAINS(out, "\"active\":false");
  free_str(&out);
  run = run_due(crm, "2027-01-22T09:00:00Z");
  CHECK_STR(section(run, "fired"), "[]");
  free_str(&run);
  CHECK_OK(crm_set_retention_rule_active(crm, "win back", true, "2027-01-22T09:30:00Z", &out));
  CHECK_CONTAINS(out, "\"active\":true");
  free_str(&out);
  run = run_due(crm, "2027-01-22T10:00:00Z");
  again = JSON_I64(section(run, "tasks"), "id");
  CHECK_STR(section(run, "fired"),
            fmt("[{\"rule_id\":%" PRId64 ",\"rule\":\"win back\",\"client_id\":%" PRId64 ",\"task_id\":%" PRId64 "}]", rule,
                romashka, again));
  free_str(&run);
  CHECK_OK(crm_history(crm, "retention_rule", rule, &out));
  CHECK(json_in_order(out, "\"kind\":\"created\"", "\"kind\":\"active_changed\",\"data\":{\"active\":false}",
                      "\"kind\":\"active_changed\",\"data\":{\"active\":true}", NULL));
  free_str(&out);

  /* The retention report: four "win back" tasks in the period... of November and December, three; one done, one
   * followed by an order (Lileya's, six days after her task). */
  CHECK_OK(crm_retention_report(crm, "{\"start\": \"2026-11-01\", \"end\": \"2026-12-31\"}", &out));
  CHECK_CONTAINS(out, "{\"start\":\"2026-11-01\",\"end\":\"2026-12-31\",\"window_days\":30,\"rules\":[");
  CHECK_CONTAINS(section(out, "rules"),
                 fmt("{\"rule_id\":%" PRId64 ",\"rule\":\"win back\",\"tasks\":3,\"done\":1,\"ordered\":1,\"rate\":0.333", rule));
  CHECK_CONTAINS(section(out, "rules"), "{\"rule_id\":2,\"rule\":\"thank after first purchase\",\"tasks\":1,\"done\":0,");
  CHECK(json_in_order(section(out, "managers"), fmt("{\"manager_id\":%d,\"tasks\":2,\"done\":1,\"ordered\":0,", OLENA),
                      fmt("{\"manager_id\":%d,\"tasks\":2,\"done\":0,", PETRO), NULL));
  CHECK_CONTAINS(out, "\"total\":{\"tasks\":4,\"done\":1,");
  CHECK_CONTAINS(out, "\"complaints_within_sla\":{\"clients\":0,\"ordered\":0,\"rate\":null},"
                      "\"complaints_breached\":{\"clients\":0,\"ordered\":0,\"rate\":null}}");
  free_str(&out);
  FAILS_EMPTY(out, crm_retention_report(crm, "{\"start\": \"2026-11-01\", \"end\": \"2026-10-31\"}", &out),
              CRM_STATUS_VALIDATION, "end");
  check_field("end");
  FAILS_EMPTY(out, crm_retention_report(crm, "{\"start\": \"2026-11-01\", \"end\": \"2026-11-30\", \"window_days\": 0}", &out),
              CRM_STATUS_VALIDATION, "window_days");
  check_field("window_days");
  FAILS_EMPTY(out, crm_retention_report(crm, "{\"start\": \"2026-11-01\", \"end\": \"2026-11-30\", \"window\": 7}", &out),
              CRM_STATUS_INVALID_JSON, "window");

  /* Removed: no longer in force, its tasks stay in the report under its name. */
  CHECK_OK(crm_remove_retention_rule(crm, "win back", "2027-01-23T09:00:00Z", &out));
  CHECK_CONTAINS(out, fmt("{\"id\":%" PRId64 ",\"name\":\"win back\",", rule));
  free_str(&out);
  FAILS_EMPTY(out, crm_remove_retention_rule(crm, "win back", "2027-01-23T09:00:00Z", &out), CRM_STATUS_NOT_FOUND,
              "win back");
  FAILS_EMPTY(out, crm_get_retention_rule(crm, "win back", &out), CRM_STATUS_NOT_FOUND, "win back");
  FAILS_EMPTY(out, crm_set_retention_rule_active(crm, "win back", true, "2027-01-23T09:00:00Z", &out), CRM_STATUS_NOT_FOUND,
              "win back");
  CHECK_OK(crm_retention_rules(crm, &out));
  CHECK_LACKS(out, "\"name\":\"win back\"");
  CHECK_CONTAINS(out, "\"name\":\"win-back mailing\"");
  free_str(&out);
  CHECK_OK(crm_retention_report(crm, "{\"start\": \"2026-11-01\", \"end\": \"2027-01-31\"}", &out));
  CHECK_CONTAINS(out, fmt("{\"rule_id\":%" PRId64 ",\"rule\":\"win back\",\"tasks\":4,", rule));
  free_str(&out);
  run = run_due(crm, "2027-03-01T09:00:00Z");
  CHECK_LACKS(section(run, "fired"), "\"rule\":\"win back\"");
  free_str(&run);
  crm_close(crm);
}

/* A daily limit per owner spreads a rule's work over the days: three dormant clients of Olena, two a day. */
static void test_daily_limit(void) {
  crm_t *crm = open_store();
  char *out = NULL;
  pause_default_rules(crm);
  int64_t clients[3];
  for (int i = 0; i < 3; i++) {
    clients[i] = client(crm, fmt("Client %d", i), OLENA);
    order(crm, clients[i], "2026-05-02");
  }
  CHECK_OK(crm_add_retention_rule(crm,
                                  "{\"name\": \"tag dormant\", \"condition\": \"dormancy = 'dormant'\", \"action\": "
                                  "{\"kind\": \"tag\", \"tag\": \"win-back\"}, \"cooldown_days\": 30, \"daily_limit\": 2}",
                                  "2026-05-02T13:00:00Z", &out));
  CHECK_CONTAINS(out, "\"cooldown_days\":30,\"daily_limit\":2,\"active\":true,");
  int64_t rule = JSON_I64(out, "id");
  free_str(&out);
  /* 120 days after the only purchase (the flat rule): dormant, all three; two are tagged today. */
  char *run = run_due(crm, "2026-09-01T09:00:00Z");
  CHECK_STR(section(run, "fired"),
            fmt("[{\"rule_id\":%" PRId64 ",\"rule\":\"tag dormant\",\"client_id\":%" PRId64 ",\"task_id\":null},"
                "{\"rule_id\":%" PRId64 ",\"rule\":\"tag dormant\",\"client_id\":%" PRId64 ",\"task_id\":null}]",
                rule, clients[0], rule, clients[1]));
  free_str(&run);
  run = run_due(crm, "2026-09-01T18:00:00Z");
  CHECK_STR(section(run, "fired"), "[]");
  free_str(&run);
  run = run_due(crm, "2026-09-02T09:00:00Z");
  CHECK_STR(section(run, "fired"),
            fmt("[{\"rule_id\":%" PRId64 ",\"rule\":\"tag dormant\",\"client_id\":%" PRId64 ",\"task_id\":null}]", rule,
                clients[2]));
  free_str(&run);
  int64_t count = -1;
  CHECK_OK(crm_segment_count(crm, "has tag 'win-back'", "2026-09-02T09:00:00Z", &count));
  CHECK_I64(count, 3);
  crm_close(crm);
}

/* ---------------------------------------------------------------------------------------------------- */
/* 6. NULL, invalid UTF-8, unknown fields                                                               */

static void test_bad_arguments(void) {
  crm_t *crm = open_store();
  crm_t *none = NULL;
  char *out = NULL;
  const char *at = "2026-11-01T09:00:00Z";
  const char *bad = "\xff\xfe";
  int64_t romashka = client(crm, "Romashka LLC", OLENA);
  int64_t promise = add(crm, crm_promise,
                        fmt("{\"client_id\": %" PRId64 ", \"what\": \"call back\", \"due_at\": \"2026-11-02T09:00:00Z\"}", romashka),
                        at);
  int64_t complaint = add(crm, crm_open_complaint, fmt("{\"client_id\": %" PRId64 ", \"subject\": \"late\"}", romashka), at);
  int64_t task = add(crm, crm_add_task, "{\"kind\": \"call\", \"title\": \"x\"}", at);

  /* Promises. */
  FAILS_EMPTY(out, crm_promise(none, "{}", at, &out), CRM_STATUS_NULL_ARGUMENT, "crm");
  FAILS_EMPTY(out, crm_promise(crm, NULL, at, &out), CRM_STATUS_NULL_ARGUMENT, "new_promise_json");
  FAILS_EMPTY(out, crm_promise(crm, bad, at, &out), CRM_STATUS_INVALID_UTF8, "new_promise_json");
  FAILS_EMPTY(out, crm_promise(crm, "[]", at, &out), CRM_STATUS_INVALID_JSON, "must be an object");
  FAILS_EMPTY(out, crm_promise(crm, "{\"client_id\": 1, \"what\": \"x\", \"due_at\": \"2026-11-02T09:00:00Z\"}", NULL, &out),
              CRM_STATUS_NULL_ARGUMENT, "at");
  FAILS_EMPTY(out, crm_promise(crm, "{\"client_id\": 1, \"what\": \"x\", \"due_at\": \"2026-11-02T09:00:00Z\"}", bad, &out),
              CRM_STATUS_INVALID_UTF8, "at");
  CHECK_FAILS(crm_promise(crm, "{}", at, NULL), CRM_STATUS_NULL_ARGUMENT, "promise_json");
  FAILS_EMPTY(out, crm_keep_promise(crm, promise, bad, at, &out), CRM_STATUS_INVALID_UTF8, "note");
  FAILS_EMPTY(out, crm_keep_promise(none, promise, NULL, at, &out), CRM_STATUS_NULL_ARGUMENT, "crm");
  FAILS_EMPTY(out, crm_cancel_promise(crm, promise, bad, at, &out), CRM_STATUS_INVALID_UTF8, "reason");
  FAILS_EMPTY(out, crm_cancel_promise(crm, promise, "x", NULL, &out), CRM_STATUS_NULL_ARGUMENT, "at");
  FAILS_EMPTY(out, crm_get_promise(none, promise, &out), CRM_STATUS_NULL_ARGUMENT, "crm");
  CHECK_FAILS(crm_get_promise(crm, promise, NULL), CRM_STATUS_NULL_ARGUMENT, "promise_json");
  FAILS_EMPTY(out, crm_list_promises(crm, bad, &out), CRM_STATUS_INVALID_UTF8, "query_json");
  CHECK_FAILS(crm_list_promises(crm, NULL, NULL), CRM_STATUS_NULL_ARGUMENT, "promises_json");
  FAILS_EMPTY(out, crm_set_promise_settings(crm, NULL, at, &out), CRM_STATUS_NULL_ARGUMENT, "settings_json");
  FAILS_EMPTY(out, crm_set_promise_settings(crm, "{\"remind_before\": \"1h\", \"x\": 1}", at, &out),
              CRM_STATUS_INVALID_JSON, "x");
  CHECK_FAILS(crm_promise_settings(crm, NULL), CRM_STATUS_NULL_ARGUMENT, "settings_json");
  FAILS_EMPTY(out, crm_promise_settings(none, &out), CRM_STATUS_NULL_ARGUMENT, "crm");

  /* Complaints. */
  FAILS_EMPTY(out, crm_open_complaint(crm, NULL, at, &out), CRM_STATUS_NULL_ARGUMENT, "new_complaint_json");
  FAILS_EMPTY(out, crm_open_complaint(crm, bad, at, &out), CRM_STATUS_INVALID_UTF8, "new_complaint_json");
  FAILS_EMPTY(out, crm_open_complaint(crm, fmt("{\"client_id\": %" PRId64 ", \"subject\": \"x\", \"severity\": 1}", romashka),
                                      at, &out),
              CRM_STATUS_INVALID_JSON, "severity");
  FAILS_EMPTY(out, crm_take_complaint(none, complaint, at, &out), CRM_STATUS_NULL_ARGUMENT, "crm");
  FAILS_EMPTY(out, crm_take_complaint(crm, complaint, NULL, &out), CRM_STATUS_NULL_ARGUMENT, "at");
  CHECK_FAILS(crm_take_complaint(crm, complaint, at, NULL), CRM_STATUS_NULL_ARGUMENT, "complaint_json");
  FAILS_EMPTY(out, crm_wait_for_client(crm, complaint, bad, &out), CRM_STATUS_INVALID_UTF8, "at");
  FAILS_EMPTY(out, crm_resume_complaint(crm, 999, at, &out), CRM_STATUS_NOT_FOUND, "999");
  FAILS_EMPTY(out, crm_resolve_complaint(crm, complaint, NULL, at, &out), CRM_STATUS_NULL_ARGUMENT, "resolution");
  FAILS_EMPTY(out, crm_resolve_complaint(crm, complaint, bad, at, &out), CRM_STATUS_INVALID_UTF8, "resolution");
  FAILS_EMPTY(out, crm_reject_complaint(crm, complaint, NULL, at, &out), CRM_STATUS_NULL_ARGUMENT, "reason");
  FAILS_EMPTY(out, crm_reject_complaint(crm, complaint, bad, at, &out), CRM_STATUS_INVALID_UTF8, "reason");
  FAILS_EMPTY(out, crm_close_complaint(crm, complaint, "yesterday", &out), CRM_STATUS_VALIDATION, "at");
  FAILS_EMPTY(out, crm_reopen_complaint(none, complaint, at, &out), CRM_STATUS_NULL_ARGUMENT, "crm");
  FAILS_EMPTY(out, crm_assign_complaint(crm, complaint, OLENA, NULL, &out), CRM_STATUS_NULL_ARGUMENT, "at");
  FAILS_EMPTY(out, crm_set_complaint_sla(crm, NULL, at, &out), CRM_STATUS_NULL_ARGUMENT, "sla_json");
  FAILS_EMPTY(out, crm_set_complaint_sla(crm, "{\"low\": {\"first_response\": \"8h\", \"resolution\": \"40h\", \"x\": 1}}",
                                         at, &out),
              CRM_STATUS_INVALID_JSON, "low.x");
  CHECK_FAILS(crm_complaint_sla(crm, NULL), CRM_STATUS_NULL_ARGUMENT, "sla_json");
  FAILS_EMPTY(out, crm_get_complaint(none, complaint, &out), CRM_STATUS_NULL_ARGUMENT, "crm");
  FAILS_EMPTY(out, crm_list_complaints(crm, "{\"owner\": 1}", &out), CRM_STATUS_INVALID_JSON, "owner");
  FAILS_EMPTY(out, crm_complaint_report(crm, NULL, &out), CRM_STATUS_NULL_ARGUMENT, "query_json");
  FAILS_EMPTY(out, crm_complaint_report(crm, bad, &out), CRM_STATUS_INVALID_UTF8, "query_json");

  /* Tasks. */
  FAILS_EMPTY(out, crm_add_task(crm, NULL, at, &out), CRM_STATUS_NULL_ARGUMENT, "new_task_json");
  FAILS_EMPTY(out, crm_add_task(crm, bad, at, &out), CRM_STATUS_INVALID_UTF8, "new_task_json");
  CHECK_FAILS(crm_add_task(crm, "{\"kind\": \"call\", \"title\": \"x\"}", at, NULL), CRM_STATUS_NULL_ARGUMENT, "task_json");
  FAILS_EMPTY(out, crm_complete_task(crm, task, NULL, at, &out), CRM_STATUS_NULL_ARGUMENT, "done_json");
  FAILS_EMPTY(out, crm_complete_task(crm, task, bad, at, &out), CRM_STATUS_INVALID_UTF8, "done_json");
  FAILS_EMPTY(out, crm_complete_task(crm, 999, "{\"outcome\": \"x\"}", at, &out), CRM_STATUS_NOT_FOUND, "999");
  FAILS_EMPTY(out, crm_reschedule_task(crm, task, bad, at, &out), CRM_STATUS_INVALID_UTF8, "due_at");
  FAILS_EMPTY(out, crm_reschedule_task(crm, task, NULL, NULL, &out), CRM_STATUS_NULL_ARGUMENT, "at");
  FAILS_EMPTY(out, crm_reschedule_task(none, task, NULL, at, &out), CRM_STATUS_NULL_ARGUMENT, "crm");
  FAILS_EMPTY(out, crm_agenda(crm, OLENA, NULL, &out), CRM_STATUS_NULL_ARGUMENT, "now");
  FAILS_EMPTY(out, crm_agenda(crm, OLENA, bad, &out), CRM_STATUS_INVALID_UTF8, "now");
  CHECK_FAILS(crm_agenda(crm, OLENA, at, NULL), CRM_STATUS_NULL_ARGUMENT, "agenda_json");

  /* Dormancy. */
  FAILS_EMPTY(out, crm_set_dormancy_settings(crm, NULL, at, &out), CRM_STATUS_NULL_ARGUMENT, "settings_json");
  FAILS_EMPTY(out, crm_set_dormancy_settings(crm, "[7]", at, &out), CRM_STATUS_INVALID_JSON, "settings_json");
  CHECK_FAILS(crm_dormancy_settings(crm, NULL), CRM_STATUS_NULL_ARGUMENT, "settings_json");
  FAILS_EMPTY(out, crm_client_rhythm(crm, romashka, NULL, &out), CRM_STATUS_NULL_ARGUMENT, "as_of");
  FAILS_EMPTY(out, crm_client_rhythm(crm, romashka, bad, &out), CRM_STATUS_INVALID_UTF8, "as_of");
  FAILS_EMPTY(out, crm_dormancy_report(crm, NULL, &out), CRM_STATUS_NULL_ARGUMENT, "query_json");
  FAILS_EMPTY(out, crm_dormancy_report(crm, "{\"as_of\": \"2026-11-01\"}", &out), CRM_STATUS_INVALID_JSON, "as_of");
  CHECK_FAILS(crm_dormancy_counts(crm, NULL), CRM_STATUS_NULL_ARGUMENT, "counts_json");
  FAILS_EMPTY(out, crm_dormancy_counts(none, &out), CRM_STATUS_NULL_ARGUMENT, "crm");

  /* Rules. */
  FAILS_EMPTY(out, crm_add_retention_rule(crm, NULL, at, &out), CRM_STATUS_NULL_ARGUMENT, "new_rule_json");
  FAILS_EMPTY(out, crm_add_retention_rule(crm, bad, at, &out), CRM_STATUS_INVALID_UTF8, "new_rule_json");
  FAILS_EMPTY(out, crm_add_retention_rule(crm,
                                          "{\"name\": \"x\", \"condition\": \"orders > 1\", \"action\": {\"kind\": \"tag\", "
                                          "\"tag\": \"x\", \"colour\": \"red\"}, \"cooldown_days\": 1}",
                                          at, &out),
              CRM_STATUS_INVALID_JSON, "colour");
  FAILS_EMPTY(out, crm_set_retention_rule_active(crm, NULL, true, at, &out), CRM_STATUS_NULL_ARGUMENT, "name");
  FAILS_EMPTY(out, crm_set_retention_rule_active(crm, bad, true, at, &out), CRM_STATUS_INVALID_UTF8, "name");
  FAILS_EMPTY(out, crm_remove_retention_rule(crm, NULL, at, &out), CRM_STATUS_NULL_ARGUMENT, "name");
  FAILS_EMPTY(out, crm_remove_retention_rule(crm, "birthday", NULL, &out), CRM_STATUS_NULL_ARGUMENT, "at");
  CHECK_FAILS(crm_retention_rules(crm, NULL), CRM_STATUS_NULL_ARGUMENT, "rules_json");
  FAILS_EMPTY(out, crm_retention_rules(none, &out), CRM_STATUS_NULL_ARGUMENT, "crm");
  FAILS_EMPTY(out, crm_get_retention_rule(crm, NULL, &out), CRM_STATUS_NULL_ARGUMENT, "name");
  FAILS_EMPTY(out, crm_get_retention_rule(crm, bad, &out), CRM_STATUS_INVALID_UTF8, "name");
  FAILS_EMPTY(out, crm_retention_report(crm, NULL, &out), CRM_STATUS_NULL_ARGUMENT, "query_json");
  FAILS_EMPTY(out, crm_retention_report(crm, "{\"start\": \"2026-11-01\", \"end\": \"x\"}", &out), CRM_STATUS_INVALID_JSON,
              "end");

  /* Nothing of it was written: the rules are the defaults, the promise and the complaint untouched. */
  CHECK_OK(crm_retention_rules(crm, &out));
  CHECK(json_count(out, "\"active\":true") == 5);
  free_str(&out);
  CHECK_OK(crm_get_promise(crm, promise, &out));
  CHECK_CONTAINS(out, "\"status\":\"open\"");
  free_str(&out);
  CHECK_OK(crm_get_complaint(crm, complaint, &out));
  CHECK_CONTAINS(out, "\"status\":\"open\"");
  free_str(&out);

  /* In a transaction rolled back, nothing stays either. */
  CHECK_OK(crm_begin(crm, NULL));
  CHECK_OK(crm_take_complaint(crm, complaint, "2026-11-01T10:00:00Z", &out));
  free_str(&out);
  CHECK_OK(crm_remove_retention_rule(crm, "birthday", "2026-11-01T10:00:00Z", &out));
  free_str(&out);
  CHECK_OK(crm_rollback(crm));
  CHECK_OK(crm_get_complaint(crm, complaint, &out));
  CHECK_CONTAINS(out, "\"status\":\"open\"");
  free_str(&out);
  CHECK_OK(crm_get_retention_rule(crm, "birthday", &out));
  free_str(&out);
  crm_close(crm);
}

int main(void) {
  test_promises();
  test_complaints();
  test_tasks();
  test_dormancy();
  test_rules();
  test_daily_limit();
  test_bad_arguments();
  puts("test_retention: ok");
  return check_exit_code();
}
