/*
 * test_telephony.c: the telephony port through the C ABI (issue 10).
 *
 * 1. Set-up: extensions (moved by setting again, removed), lines (source, call-back deadline, default).
 * 2. An answered call from a known client becomes one activity by the manager of the extension; every
 *    event again changes nothing (the event log does not grow).
 * 3. A missed call Friday 17:30 from an unknown number becomes a lead with the line's source, due back
 *    Monday 09:30 (1h of working time); a second miss from the number makes no second lead. A missed call
 *    from a client is a call_back task for its owner; an outbound call is its call-back (task done).
 * 4. The call report by line and hour; crm_get_call() and crm_list_calls().
 * 5. Bad input names its field; NULL and unknown JSON fields get a status and an empty out-parameter.
 */
#include "check.h"

#define KYIV "{\"timezone\": \"Europe/Kyiv\", \"working_hours\": {\"mon-fri\": [[\"09:00\", \"18:00\"]]}}"
#define T_SETUP "2026-11-02T06:00:00Z"
#define LINE "+380441112233"

typedef struct {
  crm_t *crm;
  int64_t olena, petro, source, client;
} store_t;

static store_t open_store(void) {
  store_t s = {0};
  char *out = NULL;
  CHECK_OK(crm_open(":memory:", &s.crm));
  CHECK_OK(crm_set_calendar(s.crm, 0, KYIV, T_SETUP, &out));
  free_str(&out);
  s.olena = add(s.crm, crm_add_manager, "{\"name\": \"Olena\"}", T_SETUP);
  s.petro = add(s.crm, crm_add_manager, "{\"name\": \"Petro\"}", T_SETUP);
  s.source = add(s.crm, crm_add_source, "{\"name\": \"Google Ads\", \"channel\": \"ads\"}", T_SETUP);
  s.client = add(s.crm, crm_add_client,
                 fmt("{\"kind\": \"company\", \"name\": \"Romashka\", \"phone\": \"067 123 45 67\", "
                     "\"owner_id\": %" PRId64 "}",
                     s.petro),
                 T_SETUP);
  CHECK_OK(crm_set_phone_extension(s.crm, s.olena, "101", T_SETUP, &out));
  free_str(&out);
  CHECK_OK(crm_set_phone_extension(s.crm, s.petro, "102", T_SETUP, &out));
  free_str(&out);
  CHECK_OK(crm_set_phone_line(
      s.crm, fmt("{\"line\": \"" LINE "\", \"source_id\": %" PRId64 ", \"callback_within\": \"1h\"}", s.source),
      T_SETUP, &out));
  CHECK_CONTAINS(out, "\"callback_within\":\"1h\"");
  free_str(&out);
  return s;
}

/* Records one event; returns the call JSON (to free). */
static char *event(crm_t *crm, const char *call_id, const char *kind, const char *at, const char *caller,
                   const char *extra) {
  char *out = NULL;
  CHECK_OK(crm_record_call(crm,
                           fmt("{\"call_id\": \"%s\", \"event\": \"%s\", \"at\": \"%s\", \"caller\": \"%s\", "
                               "\"line\": \"" LINE "\"%s}",
                               call_id, kind, at, caller, extra ? extra : ""),
                           &out));
  return out;
}

static void test_setup(void) {
  store_t s = open_store();
  char *out = NULL;
  CHECK_OK(crm_list_phone_extensions(s.crm, &out));
  CHECK(json_in_order(out, "\"extension\":\"101\"", "\"extension\":\"102\"", NULL));
  free_str(&out);
  CHECK_OK(crm_set_phone_extension(s.crm, s.petro, "101", T_SETUP, &out));
  CHECK_I64(JSON_I64(out, "manager_id"), s.petro);
  free_str(&out);
  CHECK_OK(crm_remove_phone_extension(s.crm, "102", T_SETUP, &out));
  free_str(&out);
  FAILS_EMPTY(out, crm_remove_phone_extension(s.crm, "102", T_SETUP, &out), CRM_STATUS_NOT_FOUND, "102");
  CHECK_OK(crm_list_phone_extensions(s.crm, &out));
  CHECK_I64(json_count(out, "\"extension\""), 1);
  free_str(&out);
  CHECK_OK(crm_set_phone_line(s.crm, "{\"line\": \"trunk-2\"}", T_SETUP, &out));
  CHECK_CONTAINS(out, "\"callback_within\":\"1h\"");
  free_str(&out);
  CHECK_OK(crm_list_phone_lines(s.crm, &out));
  CHECK(json_in_order(out, "\"line\":\"" LINE "\"", "\"line\":\"trunk-2\"", NULL));
  free_str(&out);
  crm_close(s.crm);
}

static void test_answered(void) {
  store_t s = open_store();
  const char *caller = "+380671234567";
  char *out = event(s.crm, "a1", "started", "2026-11-02T08:00:00Z", caller, NULL);
  CHECK_CONTAINS(out, "\"status\":\"ringing\"");
  free_str(&out);
  out = event(s.crm, "a1", "answered", "2026-11-02T08:00:15Z", caller, ", \"extension\": \"101\"");
  CHECK_CONTAINS(out, "\"status\":\"answered\"");
  free_str(&out);
  out = event(s.crm, "a1", "finished", "2026-11-02T08:05:00Z", caller,
              ", \"duration_seconds\": 285, \"recording\": \"rec/a1.mp3\"");
  CHECK_CONTAINS(out, "\"status\":\"completed\"");
  CHECK_I64(JSON_I64(out, "client_id"), s.client);
  CHECK_I64(JSON_I64(out, "manager_id"), s.olena);
  int64_t activity = JSON_I64(out, "activity_id");
  char *first = out;
  out = NULL;
  CHECK_OK(crm_get_activity(s.crm, activity, &out));
  CHECK_CONTAINS(out, "\"kind\":\"call\"");
  CHECK_CONTAINS(out, "\"direction\":\"in\"");
  CHECK_CONTAINS(out, "\"duration_seconds\":285");
  CHECK_CONTAINS(out, "\"document_ref\":\"rec/a1.mp3\"");
  CHECK_I64(JSON_I64(out, "manager_id"), s.olena);
  free_str(&out);
  /* Every event again: the same call, nothing written. */
  int64_t seq = last_seq(s.crm);
  const char *kinds[] = {"started", "answered", "finished"};
  for (int i = 0; i < 3; i++) {
    out = event(s.crm, "a1", kinds[i], "2026-11-02T08:00:00Z", caller, NULL);
    CHECK_STR(out, first);
    free_str(&out);
  }
  CHECK_I64(last_seq(s.crm), seq);
  free_str(&first);
  crm_close(s.crm);
}

static void test_missed(void) {
  store_t s = open_store();
  /* Friday 27 November 17:30 Kyiv (15:30 UTC); 1h of working time → Monday 09:30 Kyiv (07:30 UTC). */
  char *out = event(s.crm, "m1", "missed", "2026-11-27T15:30:00Z", "050 765 43 21", NULL);
  CHECK_CONTAINS(out, "\"status\":\"missed\"");
  CHECK_CONTAINS(out, "\"callback_due\":\"2026-11-30T07:30:00Z\"");
  int64_t lead = JSON_I64(out, "lead_id");
  int64_t first = JSON_I64(out, "id");
  free_str(&out);
  CHECK_OK(crm_get_lead(s.crm, lead, &out));
  CHECK_CONTAINS(out, "\"channel\":\"phone\"");
  CHECK_I64(JSON_I64(out, "source_id"), s.source);
  CHECK_CONTAINS(out, "\"first_response_due\":\"2026-11-30T07:30:00Z\"");
  free_str(&out);
  out = event(s.crm, "m2", "finished", "2026-11-27T15:45:00Z", "+380507654321", NULL);
  CHECK_I64(JSON_I64(out, "lead_id"), lead);
  CHECK_I64(JSON_I64(out, "linked_to"), first);
  free_str(&out);
  CHECK_OK(crm_list_leads(s.crm, NULL, &out));
  CHECK_I64(json_count(out, "\"status\":\"new\""), 1);
  free_str(&out);

  /* A known client: a call_back task for Petro, due an hour later in working time. */
  out = event(s.crm, "m3", "missed", "2026-11-02T09:00:00Z", "0671234567", NULL);
  CHECK_I64(JSON_I64(out, "client_id"), s.client);
  int64_t task = JSON_I64(out, "task_id");
  int64_t missed = JSON_I64(out, "id");
  free_str(&out);
  CHECK_OK(crm_get_task(s.crm, task, &out));
  CHECK_CONTAINS(out, "\"kind\":\"call_back\"");
  CHECK_CONTAINS(out, "\"due_at\":\"2026-11-02T10:00:00Z\"");
  CHECK_I64(JSON_I64(out, "manager_id"), s.petro);
  free_str(&out);
  /* Petro calls back at 09:40 UTC. */
  out = NULL;
  CHECK_OK(crm_record_call(s.crm,
                           "{\"call_id\": \"o1\", \"event\": \"started\", \"at\": \"2026-11-02T09:40:00Z\", "
                           "\"direction\": \"out\", \"caller\": \"0671234567\", \"extension\": \"102\"}",
                           &out));
  free_str(&out);
  CHECK_OK(crm_get_call(s.crm, missed, &out));
  CHECK_CONTAINS(out, "\"called_back_at\":\"2026-11-02T09:40:00Z\"");
  free_str(&out);
  CHECK_OK(crm_get_task(s.crm, task, &out));
  CHECK_CONTAINS(out, "\"status\":\"done\"");
  free_str(&out);

  /* The report of Monday 2 November: line, hour 11 Kyiv, one call missed and called back in time. */
  CHECK_OK(crm_call_report(s.crm, "{\"start\": \"2026-11-02T00:00:00Z\", \"end\": \"2026-11-03T00:00:00Z\"}",
                           &out));
  CHECK(json_in_order(out, "\"line\":\"" LINE "\"", "\"hour\":11", "\"calls\":1", "\"missed\":1",
                      "\"called_back_in_time\":1", "\"not_called_back\":0", NULL));
  CHECK_I64(json_count(out, "\"hour\""), 1);
  free_str(&out);
  /* The week's end: two missed, not called back. */
  CHECK_OK(crm_call_report(s.crm,
                           "{\"start\": \"2026-11-27T00:00:00Z\", \"end\": \"2026-11-28T00:00:00Z\", "
                           "\"line\": \"" LINE "\"}",
                           &out));
  CHECK(json_in_order(out, "\"hour\":17", "\"calls\":2", "\"missed\":2", "\"not_called_back\":2",
                      "\"answer_rate\":0.0", NULL));
  free_str(&out);
  CHECK_OK(crm_list_calls(s.crm, "{\"status\": \"missed\"}", &out));
  CHECK_I64(json_count(out, "\"call_id\""), 3);
  free_str(&out);
  CHECK_OK(crm_list_calls(s.crm, fmt("{\"client_id\": %" PRId64 "}", s.client), &out));
  CHECK_I64(json_count(out, "\"call_id\""), 2);
  free_str(&out);
  crm_close(s.crm);
}

static void test_bad_arguments(void) {
  store_t s = open_store();
  char *out = NULL;
  FAILS_EMPTY(out,
              crm_record_call(s.crm,
                              "{\"call_id\": \" \", \"event\": \"started\", \"at\": \"2026-11-02T08:00:00Z\", "
                              "\"caller\": \"0671234567\"}",
                              &out),
              CRM_STATUS_VALIDATION, "call_id");
  check_field("call_id");
  FAILS_EMPTY(out,
              crm_record_call(s.crm,
                              "{\"call_id\": \"b1\", \"event\": \"started\", \"at\": \"2026-11-02T08:00:00Z\", "
                              "\"caller\": \"12ab\"}",
                              &out),
              CRM_STATUS_VALIDATION, "caller");
  check_field("caller");
  FAILS_EMPTY(out,
              crm_record_call(s.crm,
                              "{\"call_id\": \"b1\", \"event\": \"ringing\", \"at\": \"2026-11-02T08:00:00Z\", "
                              "\"caller\": \"0671234567\"}",
                              &out),
              CRM_STATUS_INVALID_JSON, "event");
  FAILS_EMPTY(out,
              crm_record_call(s.crm,
                              "{\"call_id\": \"b1\", \"event\": \"started\", \"at\": \"2026-11-02T08:00:00Z\", "
                              "\"caller\": \"0671234567\", \"colour\": 1}",
                              &out),
              CRM_STATUS_INVALID_JSON, "colour");
  FAILS_EMPTY(out, crm_record_call(s.crm, NULL, &out), CRM_STATUS_NULL_ARGUMENT, "event_json");
  CHECK_STATUS(crm_record_call(s.crm, "{}", NULL), CRM_STATUS_NULL_ARGUMENT);
  FAILS_EMPTY(out, crm_set_phone_line(s.crm, "{\"line\": \"x\", \"callback_within\": \"soon\"}", T_SETUP, &out),
              CRM_STATUS_VALIDATION, "callback_within");
  check_field("callback_within");
  FAILS_EMPTY(out, crm_set_phone_extension(s.crm, 99, "103", T_SETUP, &out), CRM_STATUS_NOT_FOUND, "manager");
  FAILS_EMPTY(out,
              crm_call_report(s.crm, "{\"start\": \"2026-11-03T00:00:00Z\", \"end\": \"2026-11-02T00:00:00Z\"}",
                              &out),
              CRM_STATUS_VALIDATION, "end");
  FAILS_EMPTY(out, crm_get_call(s.crm, 42, &out), CRM_STATUS_NOT_FOUND, "call");
  crm_close(s.crm);
}

int main(void) {
  test_setup();
  test_answered();
  test_missed();
  test_bad_arguments();
  puts("test_telephony: ok");
  return check_exit_code();
}
