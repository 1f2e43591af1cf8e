/*
 * test_distribution.c: distribution of requests through the C ABI, as a host (a sales office in Kyiv)
 * uses it.
 *
 * a Kyiv calendar (Mon–Fri 09:00–18:00): two working hours after Friday 17:30 is Monday 10:30, a
 * manager's own calendar wins and can be removed, a bad time zone and a bad amount name their field →
 * without any routing rule a capture decides nothing (no assignment, not queued) → three managers and
 * a round-robin catch-all rule: three captures go to three different managers, each with its rule and
 * reason and its id in the log; a bad strategy names its field → an absence: the absent manager is passed
 * over with reason "absent" → a rule whose team has nobody: the lead is queued with its reason, and
 * crm_assign_queued() gives it to the manager added for it → a response SLA of 2h with a task
 * escalation: a capture's deadline, its status pending / at risk / breached, crm_run_due() marks it
 * breached and makes the task, a second run does nothing; the task is closed once (again with the same
 * status changes nothing, with the other is an invalid transition) → reassignments → the ownership lock:
 * a recently contacted client cannot be taken without a reason, can with one; making the owner the
 * owner again records nothing (its id is null) → a hand-over moves the open leads and deactivates →
 * manager updates, removing rules and policies → NULL and bad arguments → in a rolled-back transaction:
 * a rule that matches nothing queues the lead with that reason.
 */
#include "check.h"

#define T_SETUP "2026-11-20T08:00:00Z"
#define T_CAPTURE "2026-11-27T08:00:00Z"  /* Friday 10:00 in Kyiv */
#define T_SLA "2026-11-27T15:30:00Z"      /* Friday 17:30 in Kyiv */
#define T_MONDAY "2026-11-30T08:30:00Z"   /* Monday 10:30 in Kyiv: two working hours after T_SLA */
#define T_CONTACT "2026-11-30T10:00:00Z"
#define T_LOCK "2026-12-01T09:00:00Z"
#define T_HAND_OVER "2026-12-02T09:00:00Z"
#define T_LATER "2026-12-03T09:00:00Z"

#define KYIV "{\"timezone\": \"Europe/Kyiv\", \"working_hours\": {\"mon-fri\": [[\"09:00\", \"18:00\"]]}}"

typedef struct {
  crm_t *crm;
  int64_t olena, petro, iryna; /* managers, in id order */
  int64_t leads[3];            /* the three round-robin captures */
  int64_t owner_of[3];         /* their managers */
  int64_t client;              /* Romashka, Olena's */
  int64_t sla_lead;
} store_t;

/* The `assignment` object of a capture. */
static const char *assignment_of(const char *capture) {
  const char *at = strstr(capture, "\"assignment\":");
  CHECK(at != NULL);
  return at;
}

/* Captures a lead that must succeed; gives the capture's JSON (free it). */
static char *capture(crm_t *crm, const char *json, const char *at) {
  char *out = NULL;
  CHECK_OK(crm_capture_lead(crm, json, at, &out));
  return out;
}

/* The assignment's manager, or 0 when it is null (queued). */
static int64_t assigned_to(const char *capture) {
  int64_t id = 0;
  if (!json_i64(assignment_of(capture), "manager_id", &id)) return 0;
  return id;
}

/* ----------------------------------------------------------------------------------------------------- */

static void test_calendar(store_t *s) {
  char *out = NULL;
  CHECK_OK(crm_calendar(s->crm, 0, &out));
  CHECK_STR(out, "null");
  free_str(&out);

  CHECK_OK(crm_set_calendar(s->crm, 0, KYIV, T_SETUP, &out));
  CHECK_CONTAINS(out, "\"timezone\":\"Europe/Kyiv\"");
  CHECK_CONTAINS(out, "\"mon-fri\":[[\"09:00\",\"18:00\"]]");
  free_str(&out);
  CHECK_OK(crm_calendar(s->crm, 0, &out));
  CHECK_CONTAINS(out, "\"timezone\":\"Europe/Kyiv\"");
  free_str(&out);
  CHECK_OK(crm_calendar(s->crm, s->olena, &out));
  CHECK_STR(out, "null"); /* the store's applies to her */
  free_str(&out);

  /* Friday 17:30 in Kyiv plus two working hours is Monday 10:30. */
  CHECK_OK(crm_working_deadline(s->crm, 0, T_SLA, "2h", &out));
  CHECK_STR(out, T_MONDAY);
  free_str(&out);
  /* An offset is accepted. */
  CHECK_OK(crm_working_deadline(s->crm, s->olena, "2026-11-27T17:30:00+02:00", "1h30m", &out));
  CHECK_STR(out, "2026-11-30T08:00:00Z");
  free_str(&out);
  int64_t seconds = -1;
  CHECK_OK(crm_working_time(s->crm, 0, T_SLA, T_MONDAY, &seconds));
  CHECK_I64(seconds, 7200);
  CHECK_OK(crm_working_time(s->crm, 0, T_MONDAY, T_SLA, &seconds));
  CHECK_I64(seconds, 0);

  /* Olena's own calendar wins for her: round the clock. */
  CHECK_OK(crm_set_calendar(s->crm, s->olena,
                            "{\"timezone\": \"UTC\", \"working_hours\": {\"mon-sun\": [[\"00:00\", \"24:00\"]]}}",
                            T_SETUP, &out));
  CHECK_CONTAINS(out, "\"timezone\":\"UTC\"");
  free_str(&out);
  CHECK_OK(crm_working_deadline(s->crm, s->olena, T_SLA, "2h", &out));
  CHECK_STR(out, "2026-11-27T17:30:00Z");
  free_str(&out);
  CHECK_OK(crm_working_deadline(s->crm, s->petro, T_SLA, "2h", &out));
  CHECK_STR(out, T_MONDAY);
  free_str(&out);
  /* NULL removes it. */
  CHECK_OK(crm_set_calendar(s->crm, s->olena, NULL, T_SETUP, &out));
  CHECK_STR(out, "null");
  free_str(&out);
  CHECK_OK(crm_calendar(s->crm, s->olena, &out));
  CHECK_STR(out, "null");
  free_str(&out);
  CHECK_OK(crm_working_deadline(s->crm, s->olena, T_SLA, "2h", &out));
  CHECK_STR(out, T_MONDAY);
  free_str(&out);

  /* Bad input names its field. */
  FAILS_EMPTY(out, crm_set_calendar(s->crm, 0, "{\"timezone\": \"Europe/Kyyiv\", \"working_hours\": {\"mon\": [[\"09:00\", \"18:00\"]]}}",
                                    T_SETUP, &out),
              CRM_STATUS_VALIDATION, "timezone");
  check_field("timezone");
  FAILS_EMPTY(out, crm_set_calendar(s->crm, 0, "{\"timezone\": \"UTC\", \"hours\": {}}", T_SETUP, &out),
              CRM_STATUS_INVALID_JSON, "spec_json");
  FAILS_EMPTY(out, crm_working_deadline(s->crm, 0, T_SLA, "2d", &out), CRM_STATUS_VALIDATION, "amount");
  check_field("amount");
  FAILS_EMPTY(out, crm_working_deadline(s->crm, 0, "Friday", "2h", &out), CRM_STATUS_VALIDATION, "from");
  FAILS_EMPTY(out, crm_calendar(s->crm, 999, &out), CRM_STATUS_NOT_FOUND, "999");
  FAILS_EMPTY(out, crm_set_calendar(s->crm, 999, KYIV, T_SETUP, &out), CRM_STATUS_NOT_FOUND, "999");
  /* The store's calendar is still Kyiv's. */
  CHECK_OK(crm_calendar(s->crm, 0, &out));
  CHECK_CONTAINS(out, "Europe/Kyiv");
  free_str(&out);
}

static void test_round_robin(store_t *s) {
  char *out = NULL;
  FAILS_EMPTY(out, crm_add_routing_rule(s->crm, "{\"name\": \"everyone\", \"strategy\": \"random\"}", T_SETUP, &out),
              CRM_STATUS_INVALID_JSON, "strategy");
  check_field("strategy");
  FAILS_EMPTY(out, crm_add_routing_rule(s->crm, "{\"name\": \"everyone\"}", T_SETUP, &out), CRM_STATUS_INVALID_JSON,
              "strategy");
  FAILS_EMPTY(out, crm_add_routing_rule(s->crm, "{\"name\": \"x\", \"strategy\": \"weighted\", \"when\": \"regoin = 'Kyiv'\"}",
                                        T_SETUP, &out),
              CRM_STATUS_VALIDATION, "regoin");
  FAILS_EMPTY(out, crm_add_routing_rule(s->crm, "{\"name\": \"x\", \"strategy\": \"weighted\", \"managers\": [999]}",
                                        T_SETUP, &out),
              CRM_STATUS_VALIDATION, "managers[0]");

  /* No routing rule yet: routing is off, a request nobody owns is left for the host (not queued). */
  char *c = capture(s->crm, "{\"channel\": \"web\", \"phone\": \"+380671999999\"}", T_CAPTURE);
  int64_t unrouted = JSON_I64(c, "id");
  CHECK_CONTAINS(c, "\"owner_id\":null");
  CHECK_CONTAINS(c, "\"queued_reason\":null");
  CHECK_CONTAINS(c, "\"assignment\":null}");
  free_str(&c);
  CHECK_OK(crm_queue(s->crm, &out));
  CHECK_STR(out, "[]");
  free_str(&out);
  CHECK_OK(crm_lead_assignments(s->crm, unrouted, &out));
  CHECK_STR(out, "[]");
  free_str(&out);

  CHECK_OK(crm_add_routing_rule(s->crm, "{\"name\": \"everyone\", \"strategy\": \"round_robin\"}", T_SETUP, &out));
  CHECK_CONTAINS(out, "\"name\":\"everyone\",\"priority\":0,\"when\":null");
  CHECK_CONTAINS(out, "\"strategy\":\"round_robin\"");
  free_str(&out);

  int64_t assignment_ids[3];
  for (int i = 0; i < 3; i++) {
    c = capture(s->crm, fmt("{\"channel\": \"web\", \"phone\": \"+38067100000%d\"}", i), T_CAPTURE);
    s->leads[i] = JSON_I64(c, "id");
    const char *a = assignment_of(c);
    CHECK_CONTAINS(a, "\"assignment\":{\"id\":");
    assignment_ids[i] = JSON_I64(a, "id"); /* its entry in the assignment log */
    CHECK(assignment_ids[i] > 0 && (i == 0 || assignment_ids[i] > assignment_ids[i - 1]));
    CHECK_CONTAINS(a, fmt("\"lead_id\":%" PRId64 ",", s->leads[i]));
    CHECK_CONTAINS(a, "\"via\":\"rule\"");
    CHECK_CONTAINS(a, "\"rule\":\"everyone\",\"strategy\":\"round_robin\",\"reason\":\"");
    CHECK_LACKS(a, "\"reason\":\"\"");
    s->owner_of[i] = assigned_to(c);
    CHECK(s->owner_of[i] != 0);
    CHECK_CONTAINS(c, fmt("\"owner_id\":%" PRId64 ",", s->owner_of[i])); /* the lead's */
    free_str(&c);
  }
  /* Three managers, three requests: one each. */
  CHECK(s->owner_of[0] != s->owner_of[1] && s->owner_of[1] != s->owner_of[2] && s->owner_of[0] != s->owner_of[2]);

  CHECK_OK(crm_lead_assignments(s->crm, s->leads[0], &out));
  CHECK(json_count(out, "\"via\":") == 1);
  CHECK_CONTAINS(out, fmt("[{\"id\":%" PRId64 ",\"lead_id\":%" PRId64 ",", assignment_ids[0], s->leads[0]));
  CHECK_CONTAINS(out, "\"via\":\"rule\"");
  free_str(&out);
  CHECK_OK(crm_routing_rules(s->crm, &out));
  CHECK(json_count(out, "\"name\":") == 1);
  free_str(&out);
  FAILS_EMPTY(out, crm_lead_assignments(s->crm, 999, &out), CRM_STATUS_NOT_FOUND, "999");
}

static void test_absence(store_t *s) {
  char *out = NULL;
  CHECK_OK(crm_add_absence(s->crm,
                           fmt("{\"manager_id\": %" PRId64 ", \"start\": \"2026-11-27\", \"end\": \"2026-11-27\", "
                               "\"reason\": \"sick\"}",
                               s->petro),
                           T_SETUP, &out));
  int64_t absence = JSON_I64(out, "id");
  CHECK_CONTAINS(out, "\"start\":\"2026-11-27\",\"end\":\"2026-11-27\",\"reason\":\"sick\"");
  free_str(&out);
  FAILS_EMPTY(out, crm_add_absence(s->crm,
                                   fmt("{\"manager_id\": %" PRId64 ", \"start\": \"2026-11-27\", \"end\": \"2026-11-26\"}",
                                       s->petro),
                                   T_SETUP, &out),
              CRM_STATUS_VALIDATION, "end");
  check_field("end");
  FAILS_EMPTY(out, crm_add_absence(s->crm, "{\"manager_id\": 999, \"start\": \"2026-11-27\", \"end\": \"2026-11-27\"}",
                                   T_SETUP, &out),
              CRM_STATUS_NOT_FOUND, "999");

  /* Two more requests that day: Petro gets neither, and is passed over as absent. */
  bool seen_absent = false;
  for (int i = 0; i < 2; i++) {
    char *c = capture(s->crm, fmt("{\"channel\": \"web\", \"phone\": \"+38067200000%d\"}", i), T_CAPTURE);
    CHECK(assigned_to(c) != 0 && assigned_to(c) != s->petro);
    if (strstr(assignment_of(c), fmt("{\"manager_id\":%" PRId64 ",\"reason\":\"absent\",\"detail\":\"", s->petro)))
      seen_absent = true;
    free_str(&c);
  }
  CHECK(seen_absent);

  CHECK_OK(crm_list_absences(s->crm, s->petro, &out));
  CHECK(json_count(out, "\"manager_id\":") == 1);
  free_str(&out);
  CHECK_OK(crm_list_absences(s->crm, s->olena, &out));
  CHECK_STR(out, "[]");
  free_str(&out);
  CHECK_OK(crm_list_absences(s->crm, 0, &out));
  CHECK(json_count(out, "\"manager_id\":") == 1);
  free_str(&out);
  CHECK_OK(crm_remove_absence(s->crm, absence, T_SETUP, &out));
  CHECK_CONTAINS(out, "\"reason\":\"sick\"");
  free_str(&out);
  FAILS_EMPTY(out, crm_remove_absence(s->crm, absence, T_SETUP, &out), CRM_STATUS_NOT_FOUND, "absence");
  CHECK_OK(crm_list_absences(s->crm, 0, &out));
  CHECK_STR(out, "[]");
  free_str(&out);
}

static void test_queue(store_t *s) {
  char *out = NULL;
  /* Wholesale goes to the wholesale team, which has nobody yet. */
  CHECK_OK(crm_add_routing_rule(s->crm,
                                "{\"name\": \"wholesale\", \"priority\": -1, \"when\": \"interest = 'wholesale'\", "
                                "\"team\": \"wholesale\", \"strategy\": \"least_loaded\"}",
                                T_SETUP, &out));
  free_str(&out);
  CHECK_OK(crm_routing_rules(s->crm, &out));
  CHECK(json_in_order(out, "\"name\":\"wholesale\"", "\"name\":\"everyone\"", NULL)); /* by priority */
  free_str(&out);

  char *c = capture(s->crm, "{\"channel\": \"phone\", \"phone\": \"+380673000000\", \"interest\": \"wholesale\"}",
                    T_CAPTURE);
  int64_t lead = JSON_I64(c, "id");
  const char *a = assignment_of(c);
  CHECK_CONTAINS(a, "\"manager_id\":null");
  CHECK_CONTAINS(a, "\"via\":\"queued\",\"rule_id\":");
  CHECK_CONTAINS(a, "\"rule\":\"wholesale\"");
  CHECK_CONTAINS(c, "\"owner_id\":null");
  CHECK_LACKS(c, "\"queued_reason\":null");
  CHECK_CONTAINS(c, "\"queued_reason\":\"");
  free_str(&c);

  CHECK_OK(crm_queue(s->crm, &out));
  CHECK_CONTAINS(out, fmt("[{\"id\":%" PRId64 ",", lead));
  CHECK(json_count(out, "\"queued_reason\":\"") == 1);
  free_str(&out);
  /* Still nobody: nothing moves. */
  CHECK_OK(crm_assign_queued(s->crm, T_CAPTURE, &out));
  CHECK_STR(out, "[]");
  free_str(&out);

  /* A wholesale manager joins: the queued lead goes to him. */
  int64_t taras = add(s->crm, crm_add_manager, "{\"name\": \"Taras Bondar\", \"team\": \"wholesale\", \"daily_cap\": 5}",
                      T_CAPTURE);
  CHECK_OK(crm_get_manager(s->crm, taras, &out));
  CHECK_CONTAINS(out, "\"daily_cap\":5");
  free_str(&out);
  CHECK_OK(crm_assign_queued(s->crm, T_CAPTURE, &out));
  CHECK(json_count(out, "\"via\":\"queue\"") == 1);
  CHECK_CONTAINS(out, "[{\"id\":");
  CHECK_CONTAINS(out, fmt(",\"lead_id\":%" PRId64 ",", lead));
  CHECK_CONTAINS(out, fmt("\"manager_id\":%" PRId64 ",", taras));
  free_str(&out);
  CHECK_OK(crm_queue(s->crm, &out));
  CHECK_STR(out, "[]");
  free_str(&out);
  CHECK_OK(crm_get_lead(s->crm, lead, &out));
  CHECK_CONTAINS(out, fmt("\"owner_id\":%" PRId64 ",", taras));
  CHECK_CONTAINS(out, "\"queued_reason\":null");
  free_str(&out);
  CHECK_OK(crm_lead_assignments(s->crm, lead, &out));
  CHECK(json_in_order(out, "\"via\":\"queued\"", "\"via\":\"queue\"", NULL));
  free_str(&out);

  CHECK_OK(crm_remove_routing_rule(s->crm, "wholesale", T_CAPTURE, &out));
  CHECK_CONTAINS(out, "\"name\":\"wholesale\"");
  CHECK_CONTAINS(out, "\"when\":\"interest = 'wholesale'\"");
  free_str(&out);
  FAILS_EMPTY(out, crm_remove_routing_rule(s->crm, "wholesale", T_CAPTURE, &out), CRM_STATUS_NOT_FOUND, "wholesale");
  /* Taras leaves the rotation: the catch-all takes everyone, so make him inactive. */
  CHECK_OK(crm_set_manager_active(s->crm, taras, false, T_CAPTURE, &out));
  free_str(&out);
}

static void test_sla(store_t *s) {
  char *out = NULL;
  FAILS_EMPTY(out, crm_set_response_sla(s->crm, "{\"name\": \"web\", \"first_response\": \"2d\"}", T_SETUP, &out),
              CRM_STATUS_VALIDATION, "first_response");
  check_field("first_response");
  FAILS_EMPTY(out, crm_set_response_sla(s->crm, "{\"name\": \"web\", \"first_response\": \"2h\", \"escalation\": \"task\"}",
                                        T_SETUP, &out),
              CRM_STATUS_VALIDATION, "escalate_to");
  check_field("escalate_to");
  FAILS_EMPTY(out, crm_set_response_sla(s->crm, "{\"name\": \"web\", \"first_response\": \"2h\", \"escalation\": \"shout\"}",
                                        T_SETUP, &out),
              CRM_STATUS_INVALID_JSON, "escalation");
  FAILS_EMPTY(out, crm_set_response_sla(s->crm, "{\"name\": \"web\", \"first_response\": \"2h\", \"at_risk_bp\": 20000}",
                                        T_SETUP, &out),
              CRM_STATUS_VALIDATION, "at_risk_bp");

  CHECK_OK(crm_set_response_sla(s->crm,
                                fmt("{\"name\": \"web 2h\", \"when\": \"channel = 'web'\", \"first_response\": \"2h\", "
                                    "\"escalation\": \"task\", \"escalate_to\": %" PRId64 "}",
                                    s->olena),
                                T_SETUP, &out));
  CHECK_CONTAINS(out, "\"first_response\":\"2h\",\"first_response_secs\":7200,\"at_risk_bp\":8000,"
                      "\"escalation\":\"task\"");
  free_str(&out);
  CHECK_OK(crm_response_slas(s->crm, &out));
  CHECK(json_count(out, "\"name\":\"web 2h\"") == 1);
  free_str(&out);

  /* A web request at Friday 17:30 in Kyiv: due Monday 10:30. */
  char *c = capture(s->crm, "{\"channel\": \"web\", \"email\": \"buyer@example.com\"}", T_SLA);
  s->sla_lead = JSON_I64(c, "id");
  CHECK_CONTAINS(c, "\"first_response_due\":\"" T_MONDAY "\"");
  CHECK_CONTAINS(c, "\"sla_policy\":\"web 2h\"");
  free_str(&c);
  /* A phone request has no policy. */
  c = capture(s->crm, "{\"channel\": \"phone\", \"phone\": \"+380674000000\"}", T_SLA);
  int64_t phone_lead = JSON_I64(c, "id");
  CHECK_CONTAINS(c, "\"first_response_due\":null");
  free_str(&c);
  CHECK_OK(crm_lead_sla_status(s->crm, phone_lead, T_SLA, &out));
  CHECK_CONTAINS(out, "\"state\":\"none\"");
  free_str(&out);

  /* Saturday: only Friday's last half hour counts; the weekend is no working time. */
  CHECK_OK(crm_lead_sla_status(s->crm, s->sla_lead, "2026-11-28T12:00:00Z", &out));
  CHECK_CONTAINS(out, fmt("{\"lead_id\":%" PRId64 ",\"state\":\"pending\",\"policy\":\"web 2h\",\"due\":\"" T_MONDAY "\"",
                          s->sla_lead));
  CHECK_CONTAINS(out, "\"used_secs\":1800,\"left_secs\":5400,\"used_share\":0.25}");
  free_str(&out);
  /* Monday 10:00 in Kyiv: 90 of 120 minutes used (75 %), pending still; 10:10 is 83 %: at risk. */
  CHECK_OK(crm_lead_sla_status(s->crm, s->sla_lead, "2026-11-30T08:00:00Z", &out));
  CHECK_CONTAINS(out, "\"state\":\"pending\"");
  CHECK_CONTAINS(out, "\"used_secs\":5400,\"left_secs\":1800");
  free_str(&out);
  CHECK_OK(crm_lead_sla_status(s->crm, s->sla_lead, "2026-11-30T08:10:00Z", &out));
  CHECK_CONTAINS(out, "\"state\":\"at_risk\"");
  CHECK_CONTAINS(out, "\"used_secs\":6000,\"left_secs\":1200");
  free_str(&out);
  CHECK_OK(crm_lead_sla_status(s->crm, s->sla_lead, "2026-11-30T09:00:00Z", &out));
  CHECK_CONTAINS(out, "\"state\":\"breached\"");
  CHECK_CONTAINS(out, "\"left_secs\":-1800");
  free_str(&out);
  FAILS_EMPTY(out, crm_lead_sla_status(s->crm, 999, T_SLA, &out), CRM_STATUS_NOT_FOUND, "999");
  FAILS_EMPTY(out, crm_lead_sla_status(s->crm, s->sla_lead, "soon", &out), CRM_STATUS_VALIDATION, "now");

  /* Before the deadline nothing is due. */
  CHECK_OK(crm_run_due(s->crm, "2026-11-30T08:00:00Z", &out));
  CHECK_STR(out, "{\"at\":\"2026-11-30T08:00:00Z\",\"breached\":[],\"escalations\":[],\"tasks\":[],\"assigned\":[],"
                 "\"complaints_breached\":[],\"promises_reminded\":[],\"promises_broken\":[],\"dormancy\":[],\"fired\":[]}");
  free_str(&out);
  /* After it: breached, and a task for Olena. */
  CHECK_OK(crm_run_due(s->crm, "2026-11-30T09:00:00Z", &out));
  CHECK_CONTAINS(out, fmt("\"breached\":[%" PRId64 "]", s->sla_lead));
  CHECK_CONTAINS(out, "\"escalations\":[]");
  CHECK_CONTAINS(out, "\"tasks\":[{\"id\":");
  int64_t task = JSON_I64(strstr(out, "\"tasks\":"), "id");
  CHECK_CONTAINS(out, "\"kind\":\"sla_escalation\"");
  CHECK_CONTAINS(out, fmt("\"manager_id\":%" PRId64 ",", s->olena));
  CHECK_CONTAINS(out, fmt("\"origin\":\"sla:lead:%" PRId64 "\"", s->sla_lead));
  free_str(&out);
  /* Again at the same time: nothing twice. */
  CHECK_OK(crm_run_due(s->crm, "2026-11-30T09:00:00Z", &out));
  CHECK_STR(out, "{\"at\":\"2026-11-30T09:00:00Z\",\"breached\":[],\"escalations\":[],\"tasks\":[],\"assigned\":[],"
                 "\"complaints_breached\":[],\"promises_reminded\":[],\"promises_broken\":[],\"dormancy\":[],\"fired\":[]}");
  free_str(&out);
  CHECK_OK(crm_get_lead(s->crm, s->sla_lead, &out));
  CHECK_CONTAINS(out, "\"sla_breached_at\":\"" T_MONDAY "\"");
  free_str(&out);

  CHECK_OK(crm_list_tasks(s->crm, s->olena, true, &out));
  CHECK(json_count(out, "\"kind\":\"sla_escalation\"") == 1);
  CHECK_CONTAINS(out, fmt("\"lead_id\":%" PRId64 ",", s->sla_lead));
  CHECK_CONTAINS(out, "\"status\":\"open\"");
  free_str(&out);
  CHECK_OK(crm_list_tasks(s->crm, 0, false, &out));
  CHECK(json_count(out, "\"kind\":") == 1);
  free_str(&out);
  CHECK_OK(crm_list_tasks(s->crm, s->petro, false, &out));
  CHECK_STR(out, "[]");
  free_str(&out);
  FAILS_EMPTY(out, crm_list_tasks(s->crm, 999, false, &out), CRM_STATUS_NOT_FOUND, "999");

  /* One task, open. */
  CHECK_OK(crm_get_task(s->crm, task, &out));
  CHECK_CONTAINS(out, fmt("{\"id\":%" PRId64 ",\"kind\":\"sla_escalation\"", task));
  CHECK_CONTAINS(out, "\"status\":\"open\"");
  CHECK_CONTAINS(out, "\"closed_at\":null,\"rule_id\":null,\"promise_id\":null,\"complaint_id\":null,"
                      "\"outcome\":null,\"activity_id\":null}");
  free_str(&out);
  FAILS_EMPTY(out, crm_get_task(s->crm, 999, &out), CRM_STATUS_NOT_FOUND, "999");
  /* Closing: `open` and an unknown status name the field; nothing is written. */
  int64_t seq = last_seq(s->crm);
  FAILS_EMPTY(out, crm_close_task(s->crm, task, "open", T_CONTACT, &out), CRM_STATUS_VALIDATION, "status");
  check_field("status");
  FAILS_EMPTY(out, crm_close_task(s->crm, task, "finished", T_CONTACT, &out), CRM_STATUS_VALIDATION, "status");
  check_field("status");
  FAILS_EMPTY(out, crm_close_task(s->crm, 999, "done", T_CONTACT, &out), CRM_STATUS_NOT_FOUND, "999");
  CHECK_I64(last_seq(s->crm), seq);
  /* Done: closed now, one `closed` event. */
  CHECK_OK(crm_close_task(s->crm, task, "done", T_CONTACT, &out));
  CHECK_CONTAINS(out, "\"status\":\"done\"");
  CHECK_CONTAINS(out, "\"closed_at\":\"" T_CONTACT "\",\"rule_id\":null,");
  free_str(&out);
  CHECK_I64(last_seq(s->crm), seq + 1);
  CHECK_OK(crm_history(s->crm, "task", task, &out));
  CHECK(json_in_order(out, "\"kind\":\"created\"", "\"kind\":\"closed\",\"data\":{\"status\":\"done\"}", NULL));
  free_str(&out);
  /* Done again: nothing changes (the first closing time stays); cancelled now: an invalid transition. */
  CHECK_OK(crm_close_task(s->crm, task, "done", T_LOCK, &out));
  CHECK_CONTAINS(out, "\"closed_at\":\"" T_CONTACT "\",\"rule_id\":null,");
  free_str(&out);
  CHECK_I64(last_seq(s->crm), seq + 1);
  FAILS_EMPTY(out, crm_close_task(s->crm, task, "cancelled", T_LOCK, &out), CRM_STATUS_INVALID_TRANSITION, "task");
  CHECK_OK(crm_get_task(s->crm, task, &out));
  CHECK_CONTAINS(out, "\"status\":\"done\"");
  free_str(&out);
  CHECK_OK(crm_list_tasks(s->crm, s->olena, true, &out));
  CHECK_STR(out, "[]");
  free_str(&out);
  CHECK_OK(crm_list_tasks(s->crm, s->olena, false, &out));
  CHECK(json_count(out, "\"status\":\"done\"") == 1);
  free_str(&out);

  CHECK_OK(crm_remove_response_sla(s->crm, "web 2h", T_CONTACT, &out));
  CHECK_CONTAINS(out, "\"name\":\"web 2h\"");
  free_str(&out);
  FAILS_EMPTY(out, crm_remove_response_sla(s->crm, "web 2h", T_CONTACT, &out), CRM_STATUS_NOT_FOUND, "web 2h");
  CHECK_OK(crm_response_slas(s->crm, &out));
  CHECK_STR(out, "[]");
  free_str(&out);
}

static void test_reassign(store_t *s) {
  char *out = NULL;
  int64_t lead = s->leads[0], from = s->owner_of[0];
  int64_t to = s->owner_of[1];
  CHECK_OK(crm_reassign_lead(s->crm, lead, to, NULL, T_CONTACT, &out));
  CHECK_CONTAINS(out, fmt("\"manager_id\":%" PRId64 ",\"previous_id\":%" PRId64 ",\"via\":\"reassign\"", to, from));
  free_str(&out);
  /* By the rules: anyone but the current owner. */
  CHECK_OK(crm_reassign_lead(s->crm, lead, 0, "second opinion", T_CONTACT, &out));
  CHECK_CONTAINS(out, "\"via\":\"reassign\"");
  CHECK_CONTAINS(out, "\"reason\":\"second opinion; ");
  CHECK(JSON_I64(out, "manager_id") != to);
  CHECK_CONTAINS(out, fmt("{\"manager_id\":%" PRId64 ",\"reason\":\"excluded\"", to));
  free_str(&out);
  CHECK_OK(crm_lead_assignments(s->crm, lead, &out));
  CHECK(json_count(out, "\"via\":") == 3);
  free_str(&out);
  FAILS_EMPTY(out, crm_reassign_lead(s->crm, 999, 0, NULL, T_CONTACT, &out), CRM_STATUS_NOT_FOUND, "999");
  FAILS_EMPTY(out, crm_reassign_lead(s->crm, lead, 999, NULL, T_CONTACT, &out), CRM_STATUS_NOT_FOUND, "999");
}

static void test_ownership(store_t *s) {
  char *out = NULL;
  CHECK_OK(crm_ownership_settings(s->crm, &out));
  CHECK_STR(out, "{\"lock_days\":30}");
  free_str(&out);
  FAILS_EMPTY(out, crm_set_ownership_settings(s->crm, "{\"lock_days\": 5000}", T_CONTACT, &out),
              CRM_STATUS_VALIDATION, "lock_days");
  check_field("lock_days");
  FAILS_EMPTY(out, crm_set_ownership_settings(s->crm, "{\"lock_days\": -1}", T_CONTACT, &out),
              CRM_STATUS_INVALID_JSON, "lock_days");
  CHECK_OK(crm_set_ownership_settings(s->crm, "{\"lock_days\": 14}", T_CONTACT, &out));
  CHECK_STR(out, "{\"lock_days\":14}");
  free_str(&out);

  /* Olena called Romashka yesterday: the client is locked to her. */
  CHECK_OK(crm_log_activity(s->crm,
                            fmt("{\"kind\": \"call\", \"direction\": \"out\", \"client_id\": %" PRId64
                                ", \"manager_id\": %" PRId64 "}",
                                s->client, s->olena),
                            T_CONTACT, &out));
  free_str(&out);
  FAILS_EMPTY(out, crm_assign_client(s->crm, s->client, s->petro, NULL, T_LOCK, &out), CRM_STATUS_CONFLICT,
              "locked");
  CHECK_OK(crm_assign_client(s->crm, s->client, s->petro, "Olena moved to wholesale", T_LOCK, &out));
  CHECK(JSON_I64(out, "id") > 0); /* recorded in the assignment log */
  CHECK_CONTAINS(out, fmt("\"client_id\":%" PRId64 ",", s->client));
  CHECK_CONTAINS(out, fmt("\"manager_id\":%" PRId64 ",\"previous_id\":%" PRId64 ",", s->petro, s->olena));
  CHECK_CONTAINS(out, "\"reason\":\"forced over the ownership lock: Olena moved to wholesale\"");
  free_str(&out);
  CHECK_OK(crm_get_client(s->crm, s->client, &out));
  CHECK_CONTAINS(out, fmt("\"owner_id\":%" PRId64 ",", s->petro));
  free_str(&out);
  /* Petro again: he is the owner already, so nothing is recorded and the id is null. */
  int64_t seq = last_seq(s->crm);
  CHECK_OK(crm_assign_client(s->crm, s->client, s->petro, NULL, T_LOCK, &out));
  CHECK_CONTAINS(out, fmt("{\"id\":null,\"lead_id\":null,\"client_id\":%" PRId64 ",", s->client));
  free_str(&out);
  CHECK_I64(last_seq(s->crm), seq);
  CHECK_OK(crm_client_assignments(s->crm, s->client, &out));
  CHECK(json_count(out, "\"via\":\"reassign\"") == 1);
  CHECK_LACKS(out, "\"id\":null");
  free_str(&out);
  FAILS_EMPTY(out, crm_assign_client(s->crm, 999, s->petro, NULL, T_LOCK, &out), CRM_STATUS_NOT_FOUND, "999");
  FAILS_EMPTY(out, crm_client_assignments(s->crm, 999, &out), CRM_STATUS_NOT_FOUND, "999");
}

static void test_hand_over(store_t *s) {
  char *out = NULL;
  /* Iryna leaves: her open leads go to the others, and she is marked inactive. */
  int64_t iryna_lead = 0;
  for (int i = 0; i < 3; i++)
    if (s->owner_of[i] == s->iryna) iryna_lead = s->leads[i];
  CHECK(iryna_lead != 0);
  FAILS_EMPTY(out, crm_hand_over(s->crm, s->iryna, "{\"everything\": true}", T_HAND_OVER, &out),
              CRM_STATUS_INVALID_JSON, "options_json");
  FAILS_EMPTY(out, crm_hand_over(s->crm, 999, NULL, T_HAND_OVER, &out), CRM_STATUS_NOT_FOUND, "999");

  CHECK_OK(crm_hand_over(s->crm, s->iryna, "{\"clients\": true, \"deactivate\": true}", T_HAND_OVER, &out));
  CHECK_CONTAINS(out, fmt("{\"manager_id\":%" PRId64 ",\"assignments\":[", s->iryna));
  CHECK(json_count(out, "\"via\":\"hand_over\"") >= 1);
  CHECK_CONTAINS(out, fmt("\"lead_id\":%" PRId64 ",", iryna_lead));
  CHECK_CONTAINS(out, fmt("\"previous_id\":%" PRId64 ",", s->iryna));
  CHECK_CONTAINS(out, "\"deals_moved\":[]}");
  free_str(&out);
  CHECK_OK(crm_get_lead(s->crm, iryna_lead, &out));
  CHECK_LACKS(out, fmt("\"owner_id\":%" PRId64 ",", s->iryna));
  CHECK_LACKS(out, "\"owner_id\":null");
  free_str(&out);
  CHECK_OK(crm_get_manager(s->crm, s->iryna, &out));
  CHECK_CONTAINS(out, "\"active\":false");
  free_str(&out);
  /* Nothing left: a second hand-over moves nothing. */
  CHECK_OK(crm_hand_over(s->crm, s->iryna, NULL, T_LATER, &out));
  CHECK_CONTAINS(out, "\"assignments\":[],\"deals_moved\":[]}");
  free_str(&out);
}

static void test_update_manager(store_t *s) {
  char *out = NULL;
  CHECK_OK(crm_update_manager(s->crm, s->olena,
                              "{\"team\": \"sales\", \"capacity\": 40, \"daily_cap\": 10, \"skills\": [\"wholesale\"]}",
                              T_LATER, &out));
  CHECK_CONTAINS(out, "\"team\":\"sales\"");
  CHECK_CONTAINS(out, "\"capacity\":40,\"daily_cap\":10");
  CHECK_CONTAINS(out, "\"skills\":[\"wholesale\"]");
  free_str(&out);
  /* null removes a limit; a field left out stays. */
  CHECK_OK(crm_update_manager(s->crm, s->olena, "{\"daily_cap\": null}", T_LATER, &out));
  CHECK_CONTAINS(out, "\"capacity\":40,\"daily_cap\":null");
  CHECK_CONTAINS(out, "\"team\":\"sales\"");
  free_str(&out);
  FAILS_EMPTY(out, crm_update_manager(s->crm, s->olena, "{\"name\": \"  \"}", T_LATER, &out), CRM_STATUS_VALIDATION,
              "name");
  check_field("name");
  FAILS_EMPTY(out, crm_update_manager(s->crm, s->olena, "{\"email\": \"not an e-mail\"}", T_LATER, &out),
              CRM_STATUS_VALIDATION, "email");
  FAILS_EMPTY(out, crm_update_manager(s->crm, s->olena, "{\"daily_kap\": 3}", T_LATER, &out), CRM_STATUS_INVALID_JSON,
              "patch_json.daily_kap");
  FAILS_EMPTY(out, crm_update_manager(s->crm, 999, "{}", T_LATER, &out), CRM_STATUS_NOT_FOUND, "999");
  int64_t seq = last_seq(s->crm);
  CHECK_OK(crm_update_manager(s->crm, s->olena, "{}", T_LATER, &out)); /* nothing changes, nothing written */
  free_str(&out);
  CHECK_I64(last_seq(s->crm), seq);
}

static void test_null_arguments(store_t *s) {
  char *out = NULL;
  int64_t n = -1;
  crm_t *none = NULL;
  FAILS_EMPTY(out, crm_set_calendar(none, 0, KYIV, T_LATER, &out), CRM_STATUS_NULL_ARGUMENT, "crm");
  CHECK_FAILS(crm_set_calendar(s->crm, 0, KYIV, T_LATER, NULL), CRM_STATUS_NULL_ARGUMENT, "calendar_json");
  FAILS_EMPTY(out, crm_set_calendar(s->crm, 0, KYIV, NULL, &out), CRM_STATUS_NULL_ARGUMENT, "at");
  FAILS_EMPTY(out, crm_calendar(none, 0, &out), CRM_STATUS_NULL_ARGUMENT, "crm");
  FAILS_EMPTY(out, crm_working_deadline(s->crm, 0, NULL, "2h", &out), CRM_STATUS_NULL_ARGUMENT, "from");
  FAILS_EMPTY(out, crm_working_deadline(s->crm, 0, T_SLA, NULL, &out), CRM_STATUS_NULL_ARGUMENT, "amount");
  CHECK_FAILS(crm_working_deadline(s->crm, 0, T_SLA, "2h", NULL), CRM_STATUS_NULL_ARGUMENT, "deadline");
  CHECK_FAILS(crm_working_time(s->crm, 0, T_SLA, T_MONDAY, NULL), CRM_STATUS_NULL_ARGUMENT, "seconds");
  n = -1;
  CHECK_FAILS(crm_working_time(s->crm, 0, T_SLA, NULL, &n), CRM_STATUS_NULL_ARGUMENT, "to");
  CHECK_I64(n, 0);
  FAILS_EMPTY(out, crm_update_manager(s->crm, s->olena, NULL, T_LATER, &out), CRM_STATUS_NULL_ARGUMENT, "patch_json");
  FAILS_EMPTY(out, crm_add_absence(s->crm, NULL, T_LATER, &out), CRM_STATUS_NULL_ARGUMENT, "new_absence_json");
  FAILS_EMPTY(out, crm_remove_absence(none, 1, T_LATER, &out), CRM_STATUS_NULL_ARGUMENT, "crm");
  FAILS_EMPTY(out, crm_add_routing_rule(s->crm, NULL, T_LATER, &out), CRM_STATUS_NULL_ARGUMENT, "new_rule_json");
  FAILS_EMPTY(out, crm_remove_routing_rule(s->crm, NULL, T_LATER, &out), CRM_STATUS_NULL_ARGUMENT, "name");
  FAILS_EMPTY(out, crm_set_response_sla(s->crm, NULL, T_LATER, &out), CRM_STATUS_NULL_ARGUMENT, "new_policy_json");
  FAILS_EMPTY(out, crm_remove_response_sla(s->crm, NULL, T_LATER, &out), CRM_STATUS_NULL_ARGUMENT, "name");
  FAILS_EMPTY(out, crm_set_ownership_settings(s->crm, NULL, T_LATER, &out), CRM_STATUS_NULL_ARGUMENT, "settings_json");
  FAILS_EMPTY(out, crm_assign_client(s->crm, s->client, s->olena, "x", NULL, &out), CRM_STATUS_NULL_ARGUMENT, "at");
  CHECK_FAILS(crm_reassign_lead(s->crm, s->leads[0], 0, NULL, T_LATER, NULL), CRM_STATUS_NULL_ARGUMENT,
              "assignment_json");
  FAILS_EMPTY(out, crm_assign_queued(s->crm, NULL, &out), CRM_STATUS_NULL_ARGUMENT, "now");
  FAILS_EMPTY(out, crm_hand_over(none, s->olena, NULL, T_LATER, &out), CRM_STATUS_NULL_ARGUMENT, "crm");
  FAILS_EMPTY(out, crm_run_due(s->crm, NULL, &out), CRM_STATUS_NULL_ARGUMENT, "now");
  FAILS_EMPTY(out, crm_run_due(s->crm, "2026-13-01T00:00:00Z", &out), CRM_STATUS_VALIDATION, "now");
  FAILS_EMPTY(out, crm_list_absences(none, 0, &out), CRM_STATUS_NULL_ARGUMENT, "crm");
  CHECK_FAILS(crm_routing_rules(s->crm, NULL), CRM_STATUS_NULL_ARGUMENT, "rules_json");
  CHECK_FAILS(crm_response_slas(s->crm, NULL), CRM_STATUS_NULL_ARGUMENT, "policies_json");
  FAILS_EMPTY(out, crm_lead_sla_status(s->crm, s->sla_lead, NULL, &out), CRM_STATUS_NULL_ARGUMENT, "now");
  CHECK_FAILS(crm_ownership_settings(s->crm, NULL), CRM_STATUS_NULL_ARGUMENT, "settings_json");
  FAILS_EMPTY(out, crm_lead_assignments(none, 1, &out), CRM_STATUS_NULL_ARGUMENT, "crm");
  FAILS_EMPTY(out, crm_client_assignments(none, 1, &out), CRM_STATUS_NULL_ARGUMENT, "crm");
  CHECK_FAILS(crm_queue(s->crm, NULL), CRM_STATUS_NULL_ARGUMENT, "leads_json");
  CHECK_FAILS(crm_list_tasks(s->crm, 0, true, NULL), CRM_STATUS_NULL_ARGUMENT, "tasks_json");
  FAILS_EMPTY(out, crm_get_task(none, 1, &out), CRM_STATUS_NULL_ARGUMENT, "crm");
  CHECK_FAILS(crm_get_task(s->crm, 1, NULL), CRM_STATUS_NULL_ARGUMENT, "task_json");
  FAILS_EMPTY(out, crm_close_task(s->crm, 1, NULL, T_LATER, &out), CRM_STATUS_NULL_ARGUMENT, "status");
  FAILS_EMPTY(out, crm_close_task(s->crm, 1, "done", NULL, &out), CRM_STATUS_NULL_ARGUMENT, "at");
  CHECK_FAILS(crm_close_task(s->crm, 1, "done", T_LATER, NULL), CRM_STATUS_NULL_ARGUMENT, "task_json");
  FAILS_EMPTY(out, crm_close_task(s->crm, 1, "\xff", T_LATER, &out), CRM_STATUS_INVALID_UTF8, "status");
  /* Not UTF-8. */
  FAILS_EMPTY(out, crm_remove_routing_rule(s->crm, "\xff", T_LATER, &out), CRM_STATUS_INVALID_UTF8, "name");
  FAILS_EMPTY(out, crm_assign_client(s->crm, s->client, s->olena, "\xff", T_LATER, &out), CRM_STATUS_INVALID_UTF8,
              "reason");
}

/* A command inside crm_begin / crm_rollback leaves nothing. */
static void test_in_transaction(store_t *s) {
  char *out = NULL;
  CHECK_OK(crm_begin(s->crm, NULL));
  CHECK_OK(crm_add_routing_rule(s->crm, "{\"name\": \"temp\", \"strategy\": \"weighted\"}", T_LATER, &out));
  free_str(&out);
  CHECK_OK(crm_routing_rules(s->crm, &out));
  CHECK_CONTAINS(out, "\"name\":\"temp\"");
  free_str(&out);
  CHECK_OK(crm_rollback(s->crm));
  CHECK_OK(crm_routing_rules(s->crm, &out));
  CHECK_LACKS(out, "\"name\":\"temp\"");
  free_str(&out);

  /* Only a rule that matches nothing: a request is queued, and says so. Rolled back. */
  CHECK_OK(crm_begin(s->crm, NULL));
  CHECK_OK(crm_remove_routing_rule(s->crm, "everyone", T_LATER, &out));
  free_str(&out);
  CHECK_OK(crm_add_routing_rule(s->crm, "{\"name\": \"export\", \"when\": \"interest = 'export'\", "
                                        "\"strategy\": \"round_robin\"}",
                                T_LATER, &out));
  free_str(&out);
  char *c = capture(s->crm, "{\"channel\": \"web\", \"phone\": \"+380675000000\"}", T_LATER);
  const char *a = assignment_of(c);
  CHECK_CONTAINS(a, "\"manager_id\":null");
  CHECK_CONTAINS(a, "\"via\":\"queued\",\"rule_id\":null");
  CHECK_CONTAINS(a, "\"reason\":\"no routing rule matches the request\"");
  CHECK_CONTAINS(c, "\"queued_reason\":\"no routing rule matches the request\"");
  free_str(&c);
  CHECK_OK(crm_rollback(s->crm));
  CHECK_OK(crm_queue(s->crm, &out));
  CHECK_STR(out, "[]");
  free_str(&out);
}

int main(void) {
  store_t s = {0};
  CHECK_OK(crm_open(":memory:", &s.crm));
  s.olena = add(s.crm, crm_add_manager, "{\"name\": \"Olena Koval\"}", T_SETUP);
  s.petro = add(s.crm, crm_add_manager, "{\"name\": \"Petro Shevchenko\"}", T_SETUP);
  s.iryna = add(s.crm, crm_add_manager, "{\"name\": \"Iryna Melnyk\"}", T_SETUP);
  s.client = add(s.crm, crm_add_client, fmt("{\"name\": \"Romashka LLC\", \"owner_id\": %" PRId64 "}", s.olena), T_SETUP);
  test_calendar(&s);
  test_round_robin(&s);
  test_absence(&s);
  test_queue(&s);
  test_sla(&s);
  test_reassign(&s);
  test_ownership(&s);
  test_hand_over(&s);
  test_update_manager(&s);
  test_null_arguments(&s);
  test_in_transaction(&s);
  crm_close(s.crm);
  puts("test_distribution: ok");
  return check_exit_code();
}
