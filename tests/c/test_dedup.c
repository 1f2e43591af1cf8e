/*
 * test_dedup.c: duplicates through the C ABI, as a host (a call centre, a clean-up job) uses them.
 *
 * a small store (a manager, four clients: the same person written twice, once in Latin and once in
 * Cyrillic with the phone in another format, a company, someone else) → a capture from the company's
 * phone in another format is linked to it on its own, a capture that names its client is not matched,
 * a capture that looks like two clients is linked to neither → crm_find_duplicates() with a probe and
 * crm_client_duplicates(), and their bad input → crm_duplicate_pairs() finds the planted pair and
 * refuses a min_score outside 0..1 → a merge (what it filled, the conflict, the tags, the order that
 * moved; the merged-away client is not found and the message says where it went), its undo (the
 * client back exactly as it was, the order back with it; a second undo is a conflict), the merge
 * records and the histories → the settings read, changed (the country re-reads every phone), refused
 * with the field named, and the match keys rebuilt → NULL and bad arguments → all of it inside
 * crm_begin / crm_rollback (nothing is left) and crm_begin / crm_commit.
 */
#include "check.h"

#define T_SETUP "2026-03-01T09:00:00Z"
#define T_ORDER "2026-03-02T10:00:00Z"
#define T_CAPTURE "2026-03-03T09:15:00Z"
#define T_MERGE "2026-03-04T12:00:00Z"
#define T_UNMERGE "2026-03-05T12:00:00Z"
#define T_SETTINGS "2026-03-06T08:00:00Z"
#define T_TX "2026-03-07T08:00:00Z"

#define DEFAULT_SETTINGS "{\"auto_link\":0.9,\"suggest\":0.5,\"key_limit\":20,\"default_country\":\"UA\"}"

typedef struct {
  crm_t *crm;
  int64_t olena;
  int64_t ivan, petrenko, romashka, oksana; /* clients, in id order */
  int64_t order;                            /* Petrenko's */
  int64_t lead;                             /* Petrenko's, named by client_id */
} store_t;

/* The client as crm_get_client() gives it. Free it with crm_string_free(). */
static char *client(const crm_t *crm, int64_t id) {
  char *out = NULL;
  CHECK_OK(crm_get_client(crm, id, &out));
  return out;
}

/* The call that wrote `*out` succeeded and its whole answer is `want`; frees it. (`out` is passed by
 * address: it is read after the call, whose status is the argument before it.) */
static void check_json(const char *what, crm_status_t status, char **out, const char *want) {
  if (status != CRM_STATUS_OK || *out == NULL || strcmp(*out, want) != 0) {
    fprintf(stderr, "%s: status %s\n    is %s\n    expected %s\n", what, status_name(status),
            *out ? *out : "(null)", want);
    char *message = crm_last_error_message();
    fprintf(stderr, "    crm_last_error_message(): %s\n", message ? message : "(null)");
    crm_string_free(message);
    exit(1);
  }
  free_str(out);
}

/*
 *   ivan      a person, "Ivan Petrenko", +380 67 123-45-67, Kyiv, tag vip, owner Olena
 *   petrenko  the same person as "Петренко Іван", 0671234567 (the same number, written nationally),
 *             an e-mail and a date of birth Ivan's record lacks, tag wholesale; an order and a lead
 *   romashka  a company, +380 44 222 33 44, owner Olena
 *   oksana    someone else
 */
static store_t build(void) {
  store_t s = {0};
  CHECK_OK(crm_open(":memory:", &s.crm));
  s.olena = add(s.crm, crm_add_manager, "{\"name\": \"Olena Koval\"}", T_SETUP);
  s.ivan = add(s.crm, crm_add_client,
               fmt("{\"kind\": \"person\", \"name\": \"Ivan Petrenko\", \"phone\": \"+380 67 123-45-67\", "
                   "\"region\": \"Kyiv\", \"tags\": [\"vip\"], \"owner_id\": %" PRId64 "}",
                   s.olena),
               T_SETUP);
  s.petrenko = add(s.crm, crm_add_client,
                   "{\"kind\": \"person\", \"name\": \"Петренко Іван\", \"phone\": \"0671234567\", "
                   "\"email\": \"ivan.p@example.com\", \"birth_date\": \"1980-05-17\", \"tags\": [\"wholesale\"]}",
                   T_SETUP);
  s.romashka = add(s.crm, crm_add_client,
                   fmt("{\"name\": \"Romashka LLC\", \"phone\": \"+380 44 222 33 44\", \"owner_id\": %" PRId64 "}",
                       s.olena),
                   T_SETUP);
  s.oksana = add(s.crm, crm_add_client,
                 "{\"kind\": \"person\", \"name\": \"Oksana Koval\", \"phone\": \"+380501112233\"}", T_SETUP);
  CHECK(s.ivan < s.petrenko && s.petrenko < s.romashka && s.romashka < s.oksana);
  CHECK_I64(s.ivan, 1); /* the expected JSON below spells the ids out */
  CHECK_I64(s.petrenko, 2);
  CHECK_I64(s.romashka, 3);

  char *out = NULL;
  CHECK_OK(crm_record_order(s.crm, fmt("{\"client_id\": %" PRId64 ", \"total\": \"100.00\"}", s.petrenko), T_ORDER,
                            &out));
  s.order = JSON_I64(out, "id");
  free_str(&out);
  /* A request that names its client is not matched. */
  CHECK_OK(crm_capture_lead(s.crm,
                            fmt("{\"channel\": \"phone\", \"phone\": \"0671234567\", \"client_id\": %" PRId64 "}",
                                s.petrenko),
                            T_ORDER, &out));
  s.lead = JSON_I64(out, "id");
  CHECK_CONTAINS(out, fmt("\"client_id\":%" PRId64, s.petrenko));
  CHECK_CONTAINS(out, "\"matches\":[],\"auto_linked\":false,");
  free_str(&out);
  return s;
}

/* ----------------------------------------------------------------------------------------------------- */

static void test_capture(const store_t *s) {
  char *out = NULL;
  /* Romashka's phone in another format: one strong match, linked on its own, to the client's owner. */
  CHECK_OK(crm_capture_lead(s->crm, "{\"channel\": \"phone\", \"phone\": \"044 222-33-44\"}", T_CAPTURE, &out));
  CHECK_CONTAINS(out, "\"matches\":[{\"client_id\":3,\"score\":0.9241,\"keys\":[\"phone\"]}],\"auto_linked\":true,");
  CHECK_CONTAINS(out, "\"phone\":\"044 222-33-44\""); /* stored as given */
  CHECK_CONTAINS(out, fmt("\"owner_id\":%" PRId64 ",\"client_id\":%" PRId64 ",", s->olena, s->romashka));
  int64_t lead = JSON_I64(out, "id");
  free_str(&out);
  CHECK_OK(crm_get_lead(s->crm, lead, &out));
  CHECK_CONTAINS(out, fmt("\"client_id\":%" PRId64 ",", s->romashka));
  free_str(&out);

  /* Ivan's number, which both his records have: two matches as strong, so a person decides. */
  CHECK_OK(crm_capture_lead(s->crm, "{\"channel\": \"phone\", \"phone\": \"(067) 123 45 67\", \"name\": \"Ivan\"}",
                            T_CAPTURE, &out));
  CHECK_CONTAINS(out, "\"matches\":[{\"client_id\":1,\"score\":0.9707,\"keys\":[\"phone\",\"name\"]},"
                      "{\"client_id\":2,\"score\":0.9707,\"keys\":[\"phone\",\"name\"]}],\"auto_linked\":false,");
  CHECK_CONTAINS(out, "\"client_id\":null,");
  free_str(&out);

  /* Nobody like this: no match. */
  CHECK_OK(crm_capture_lead(s->crm, "{\"channel\": \"web\", \"email\": \"stranger@example.org\"}", T_CAPTURE, &out));
  CHECK_CONTAINS(out, "\"matches\":[],\"auto_linked\":false,");
  free_str(&out);
}

static void test_find(const store_t *s) {
  char *out = NULL;
  /* Word order, script and the phone's format do not matter; best first, then by id. */
  check_json("probe", crm_find_duplicates(s->crm, "{\"name\": \"Petrenko Ivan\", \"phone\": \"067 123 45 67\"}", &out),
             &out,
             "[{\"client_id\":1,\"score\":0.9959,\"keys\":[\"phone\",\"name\"]},"
             "{\"client_id\":2,\"score\":0.9959,\"keys\":[\"phone\",\"name\"]}]");
  check_json("probe by e-mail", crm_find_duplicates(s->crm, "{\"email\": \"IVAN.P@example.com\"}", &out), &out,
             "[{\"client_id\":2,\"score\":0.9526,\"keys\":[\"email\"]}]");
  check_json("probe of nobody",
             crm_find_duplicates(s->crm, "{\"kind\": \"person\", \"name\": \"Taras Shevchuk\"}", &out),
             &out, "[]");
  /* A stored client's duplicates: never itself. */
  check_json("ivan's duplicates", crm_client_duplicates(s->crm, s->ivan, &out), &out,
             "[{\"client_id\":2,\"score\":0.9959,\"keys\":[\"phone\",\"name\"]}]");
  check_json("oksana's duplicates", crm_client_duplicates(s->crm, s->oksana, &out), &out, "[]");

  /* Bad probes. */
  FAILS_EMPTY(out, crm_find_duplicates(s->crm, "{}", &out), CRM_STATUS_VALIDATION,
              "probe: give at least one usable detail");
  char *json = crm_last_error_json();
  CHECK_CONTAINS(json, "\"field\":\"probe\"");
  free_str(&json);
  FAILS_EMPTY(out, crm_find_duplicates(s->crm, "{\"nmae\": \"Ivan\"}", &out), CRM_STATUS_INVALID_JSON,
              "probe_json.nmae: unknown field `nmae`");
  FAILS_EMPTY(out, crm_find_duplicates(s->crm, "{\"birth_date\": \"17.05.1980\"}", &out), CRM_STATUS_INVALID_JSON,
              "probe_json.birth_date:");
  json = crm_last_error_json();
  CHECK_CONTAINS(json, "\"field\":\"birth_date\"");
  free_str(&json);
  FAILS_EMPTY(out, crm_find_duplicates(s->crm, "[\"Ivan\"]", &out), CRM_STATUS_INVALID_JSON,
              "probe_json: must be an object");
  FAILS_EMPTY(out, crm_find_duplicates(s->crm, "{\"kind\": \"robot\", \"name\": \"R2\"}", &out),
              CRM_STATUS_INVALID_JSON, "probe_json.kind:");
  FAILS_EMPTY(out, crm_client_duplicates(s->crm, 999, &out), CRM_STATUS_NOT_FOUND, "client 999 not found");
}

static void test_pairs(const store_t *s) {
  char *out = NULL;
  /* The planted pair, and nothing else scores half. */
  check_json("pairs", crm_duplicate_pairs(s->crm, 0.5, &out), &out,
             "[{\"a\":1,\"b\":2,\"score\":0.9959,\"keys\":[\"phone\",\"name\"]}]");
  check_json("pairs >= 1", crm_duplicate_pairs(s->crm, 1.0, &out), &out, "[]");
  FAILS_EMPTY(out, crm_duplicate_pairs(s->crm, 1.5, &out), CRM_STATUS_VALIDATION,
              "min_score: must be a number from 0 to 1");
  char *json = crm_last_error_json();
  CHECK_CONTAINS(json, "\"kind\":\"validation\"");
  CHECK_CONTAINS(json, "\"field\":\"min_score\"");
  free_str(&json);
  FAILS_EMPTY(out, crm_duplicate_pairs(s->crm, -0.1, &out), CRM_STATUS_VALIDATION, "min_score");
  volatile double zero = 0.0;
  FAILS_EMPTY(out, crm_duplicate_pairs(s->crm, zero / zero, &out), CRM_STATUS_VALIDATION, "min_score");
}

static void test_merge(const store_t *s) {
  char *out = NULL;
  char *ivan_before = client(s->crm, s->ivan);
  char *petrenko_before = client(s->crm, s->petrenko);

  /* Petrenko into Ivan. */
  CHECK_OK(crm_merge_clients(s->crm, s->ivan, s->petrenko, T_MERGE, &out));
  int64_t merge = JSON_I64(out, "id");
  CHECK(merge > 0);
  CHECK_CONTAINS(out, fmt("{\"id\":%" PRId64 ",\"kept_id\":1,\"merged_id\":2,"
                          "\"at\":\"" T_MERGE "\",\"actor\":\"system\","
                          "\"filled\":[\"email\",\"birth_date\"],"
                          "\"conflicts\":[],"
                          "\"added_tags\":[\"wholesale\"],\"contact_id\":null,",
                          merge));
  CHECK_CONTAINS(out, fmt("\"moved\":{\"contacts\":[],\"leads\":[%" PRId64 "],\"deals\":[],\"activities\":[],"
                          "\"orders\":[%" PRId64 "],\"tasks\":[],\"assignments\":[],\"promises\":[],\"complaints\":[]},"
                          "\"undone_at\":null}",
                          s->lead, s->order));
  char *merged_record = out;
  out = NULL;

  /* The kept client has the merged one's e-mail, date of birth, tag and order. */
  out = client(s->crm, s->ivan);
  CHECK_CONTAINS(out, "\"name\":\"Ivan Petrenko\"");
  CHECK_CONTAINS(out, "\"phone\":\"+380 67 123-45-67\"");
  CHECK_CONTAINS(out, "\"email\":\"ivan.p@example.com\"");
  CHECK_CONTAINS(out, "\"birth_date\":\"1980-05-17\"");
  CHECK_CONTAINS(out, "\"tags\":[\"vip\",\"wholesale\"]");
  free_str(&out);
  CHECK_OK(crm_client_rollup(s->crm, s->ivan, &out));
  CHECK_CONTAINS(out, "\"revenue\":\"100.00\",\"orders\":1");
  free_str(&out);
  CHECK_OK(crm_get_lead(s->crm, s->lead, &out));
  CHECK_CONTAINS(out, fmt("\"client_id\":%" PRId64 ",", s->ivan));
  free_str(&out);
  /* The two phones are one number written two ways (+380 67 123-45-67 and 0671234567): no conflict, and
     no contact person is made for it. */
  CHECK_OK(crm_list_contacts(s->crm, s->ivan, &out));
  CHECK_STR(out, "[]");
  free_str(&out);

  /* The merged-away client is not found, and the message says where it went. */
  FAILS_EMPTY(out, crm_get_client(s->crm, s->petrenko, &out), CRM_STATUS_NOT_FOUND, "merged into client 1");
  char *json = crm_last_error_json();
  CHECK_CONTAINS(json, "\"kind\":\"not_found\"");
  CHECK_CONTAINS(json, fmt("merged into client 1 by merge %" PRId64, merge));
  free_str(&json);
  FAILS_EMPTY(out, crm_client_duplicates(s->crm, s->petrenko, &out), CRM_STATUS_NOT_FOUND, "merged into client 1");
  FAILS_EMPTY(out, crm_merge_clients(s->crm, s->ivan, s->petrenko, T_MERGE, &out), CRM_STATUS_NOT_FOUND,
              "merged into client 1");
  /* No pair is left. */
  check_json("pairs after the merge", crm_duplicate_pairs(s->crm, 0.5, &out), &out, "[]");

  /* The merge records. */
  CHECK_OK(crm_get_merge(s->crm, merge, &out));
  CHECK_STR(out, merged_record);
  free_str(&out);
  CHECK_OK(crm_list_merges(s->crm, s->ivan, &out));
  CHECK_I64(json_count(out, "\"kept_id\":"), 1);
  free_str(&out);
  CHECK_OK(crm_list_merges(s->crm, s->petrenko, &out));
  CHECK_I64(json_count(out, "\"kept_id\":"), 1);
  free_str(&out);
  check_json("oksana's merges", crm_list_merges(s->crm, s->oksana, &out), &out, "[]");
  FAILS_EMPTY(out, crm_get_merge(s->crm, 999, &out), CRM_STATUS_NOT_FOUND, "merge 999 not found");

  /* Undone: the merged client is back exactly as it was, the kept one too, the order and lead go back. */
  CHECK_OK(crm_unmerge(s->crm, merge, T_UNMERGE, &out));
  CHECK_CONTAINS(out, "\"undone_at\":\"" T_UNMERGE "\"");
  CHECK(strncmp(out, merged_record, strlen(merged_record) - strlen("null}")) == 0);
  free_str(&out);
  out = client(s->crm, s->petrenko);
  CHECK_STR(out, petrenko_before);
  free_str(&out);
  out = client(s->crm, s->ivan);
  CHECK_STR(out, ivan_before);
  free_str(&out);
  CHECK_OK(crm_client_rollup(s->crm, s->petrenko, &out));
  CHECK_CONTAINS(out, "\"revenue\":\"100.00\",\"orders\":1");
  free_str(&out);
  CHECK_OK(crm_client_rollup(s->crm, s->ivan, &out));
  CHECK_CONTAINS(out, "\"orders\":0");
  free_str(&out);
  CHECK_OK(crm_get_lead(s->crm, s->lead, &out));
  CHECK_CONTAINS(out, fmt("\"client_id\":%" PRId64 ",", s->petrenko));
  free_str(&out);
  check_json("pairs after the undo", crm_duplicate_pairs(s->crm, 0.5, &out), &out,
             "[{\"a\":1,\"b\":2,\"score\":0.9959,\"keys\":[\"phone\",\"name\"]}]");

  /* Twice is a conflict; an unknown merge is not found. */
  FAILS_EMPTY(out, crm_unmerge(s->crm, merge, T_UNMERGE, &out), CRM_STATUS_CONFLICT, "undone already");
  FAILS_EMPTY(out, crm_unmerge(s->crm, 999, T_UNMERGE, &out), CRM_STATUS_NOT_FOUND, "merge 999 not found");
  CHECK_OK(crm_get_merge(s->crm, merge, &out));
  CHECK_CONTAINS(out, "\"undone_at\":\"" T_UNMERGE "\"");
  free_str(&out);
  CHECK_OK(crm_list_merges(s->crm, 0, &out));
  CHECK_I64(json_count(out, "\"kept_id\":"), 1);
  free_str(&out);

  /* A client is not merged into itself; one that does not exist cannot be merged; nothing is written. */
  int64_t seq = last_seq(s->crm);
  FAILS_EMPTY(out, crm_merge_clients(s->crm, s->ivan, s->ivan, T_MERGE, &out), CRM_STATUS_VALIDATION,
              "merge: must be another client than keep");
  json = crm_last_error_json();
  CHECK_CONTAINS(json, "\"field\":\"merge\"");
  free_str(&json);
  FAILS_EMPTY(out, crm_merge_clients(s->crm, s->ivan, 999, T_MERGE, &out), CRM_STATUS_NOT_FOUND, "client 999");
  FAILS_EMPTY(out, crm_merge_clients(s->crm, 999, s->ivan, T_MERGE, &out), CRM_STATUS_NOT_FOUND, "client 999");
  FAILS_EMPTY(out, crm_merge_clients(s->crm, s->ivan, s->oksana, "2026-03-04", &out), CRM_STATUS_VALIDATION,
              "at: must be an RFC 3339 time");
  CHECK_I64(last_seq(s->crm), seq);

  /* The histories say what happened. */
  CHECK_OK(crm_history(s->crm, "client", s->ivan, &out));
  CHECK(json_in_order(out, "\"kind\":\"created\"", "\"at\":\"" T_MERGE "\"", "\"kind\":\"merged\"",
                      "\"at\":\"" T_UNMERGE "\"", "\"kind\":\"unmerged\"", NULL));
  CHECK_CONTAINS(out, fmt("\"data\":{\"kept_later\":[],\"merge_id\":%" PRId64 ",\"merged_id\":2}", merge));
  free_str(&out);
  CHECK_OK(crm_history(s->crm, "client", s->petrenko, &out));
  CHECK(json_in_order(out, "\"kind\":\"created\"", "\"kind\":\"merged_away\"", "\"kind\":\"restored\"", NULL));
  CHECK_CONTAINS(out, fmt("\"data\":{\"kept_id\":1,\"merge_id\":%" PRId64 "}", merge));
  free_str(&out);

  crm_string_free(merged_record);
  crm_string_free(ivan_before);
  crm_string_free(petrenko_before);
}

static void test_settings(const store_t *s) {
  char *out = NULL;
  check_json("defaults", crm_dedup_settings(s->crm, &out), &out, DEFAULT_SETTINGS);
  int64_t seq = last_seq(s->crm);
  /* The same settings again change nothing. */
  check_json("defaults set", crm_set_dedup_settings(s->crm, DEFAULT_SETTINGS, T_SETTINGS, &out), &out,
             DEFAULT_SETTINGS);
  CHECK_I64(last_seq(s->crm), seq);

  /* Round trip; the country is stored in upper case. */
  CHECK_OK(crm_set_dedup_settings(
      s->crm, "{\"auto_link\": 0.95, \"suggest\": 0.6, \"key_limit\": 50, \"default_country\": \"ua\"}", T_SETTINGS,
      &out));
  CHECK_STR(out, "{\"auto_link\":0.95,\"suggest\":0.6,\"key_limit\":50,\"default_country\":\"UA\"}");
  char *got = NULL;
  CHECK_OK(crm_dedup_settings(s->crm, &got));
  CHECK_STR(got, out);
  free_str(&got);
  free_str(&out);
  /* A stricter auto_link: Romashka's phone alone (0.9241) is a suggestion now, not a link. */
  CHECK_OK(crm_capture_lead(s->crm, "{\"channel\": \"phone\", \"phone\": \"044 222-33-44\"}", T_SETTINGS, &out));
  CHECK_CONTAINS(out, "\"matches\":[{\"client_id\":3,\"score\":0.9241,\"keys\":[\"phone\"]}],\"auto_linked\":false,");
  free_str(&out);

  /* In Poland, 0671234567 is not Ivan's Ukrainian number: every phone is read again. The fields left
     out keep their stored values. */
  check_json("poland", crm_set_dedup_settings(s->crm, "{\"default_country\": \"PL\"}", T_SETTINGS, &out), &out,
             "{\"auto_link\":0.95,\"suggest\":0.6,\"key_limit\":50,\"default_country\":\"PL\"}");
  check_json("pairs in Poland", crm_duplicate_pairs(s->crm, 0.9, &out), &out, "[]");
  check_json("nothing to change", crm_set_dedup_settings(s->crm, "{}", T_SETTINGS, &out), &out,
             "{\"auto_link\":0.95,\"suggest\":0.6,\"key_limit\":50,\"default_country\":\"PL\"}");
  check_json("back home", crm_set_dedup_settings(s->crm, DEFAULT_SETTINGS, T_SETTINGS, &out), &out, DEFAULT_SETTINGS);
  check_json("pairs at home", crm_duplicate_pairs(s->crm, 0.9, &out), &out,
             "[{\"a\":1,\"b\":2,\"score\":0.9959,\"keys\":[\"phone\",\"name\"]}]");

  /* Refused, naming the field; nothing is written. */
  seq = last_seq(s->crm);
  FAILS_EMPTY(out, crm_set_dedup_settings(s->crm, "{\"default_country\": \"XX\"}", T_SETTINGS, &out),
              CRM_STATUS_VALIDATION, "default_country: must be a known ISO 3166 alpha-2 country code");
  char *json = crm_last_error_json();
  CHECK_CONTAINS(json, "\"field\":\"default_country\"");
  CHECK_CONTAINS(json, "\"kind\":\"validation\"");
  free_str(&json);
  FAILS_EMPTY(out, crm_set_dedup_settings(s->crm, "{\"suggest\": 0.95}", T_SETTINGS, &out), CRM_STATUS_VALIDATION,
              "suggest: must not be above auto_link");
  FAILS_EMPTY(out, crm_set_dedup_settings(s->crm, "{\"auto_link\": 1.5}", T_SETTINGS, &out), CRM_STATUS_VALIDATION,
              "auto_link: must be a number from 0 to 1");
  FAILS_EMPTY(out, crm_set_dedup_settings(s->crm, "{\"key_limit\": 0}", T_SETTINGS, &out), CRM_STATUS_VALIDATION,
              "key_limit:");
  FAILS_EMPTY(out, crm_set_dedup_settings(s->crm, "{\"suggest\": \"0.5\"}", T_SETTINGS, &out),
              CRM_STATUS_INVALID_JSON, "new_settings_json.suggest: invalid type");
  json = crm_last_error_json();
  CHECK_CONTAINS(json, "\"field\":\"suggest\"");
  free_str(&json);
  FAILS_EMPTY(out, crm_set_dedup_settings(s->crm, "{\"country\": \"PL\"}", T_SETTINGS, &out), CRM_STATUS_INVALID_JSON,
              "new_settings_json.country: unknown field");
  FAILS_EMPTY(out, crm_set_dedup_settings(s->crm, "{}", "yesterday", &out), CRM_STATUS_VALIDATION,
              "at: must be an RFC 3339 time");
  CHECK_I64(last_seq(s->crm), seq);
  check_json("unchanged", crm_dedup_settings(s->crm, &out), &out, DEFAULT_SETTINGS);

  /* The keys rebuilt: one per client; the duplicates are found as before. */
  int64_t count = -1;
  CHECK_OK(crm_rebuild_match_keys(s->crm, T_SETTINGS, &count));
  CHECK_I64(count, 4);
  check_json("pairs after a rebuild", crm_duplicate_pairs(s->crm, 0.5, &out), &out,
             "[{\"a\":1,\"b\":2,\"score\":0.9959,\"keys\":[\"phone\",\"name\"]}]");
  count = -1;
  CHECK_FAILS(crm_rebuild_match_keys(s->crm, "2026-03-06", &count), CRM_STATUS_VALIDATION, "at: must be");
  CHECK_I64(count, 0);

  /* The history of the settings (a store-wide record, id 0). */
  CHECK_OK(crm_history(s->crm, "settings", 0, &out));
  CHECK_I64(json_count(out, "\"kind\":\"dedup_set\""), 3);
  CHECK(json_in_order(out, "\"default_country\":\"PL\"", "\"default_country\":\"UA\"",
                      "\"kind\":\"match_keys_rebuilt\"", "\"data\":{\"clients\":4}", NULL));
  free_str(&out);
}

static void test_null_arguments(const store_t *s) {
  char *out = NULL;
  int64_t n = -1;

  FAILS_EMPTY(out, crm_merge_clients(NULL, 1, 2, T_TX, &out), CRM_STATUS_NULL_ARGUMENT, "crm: is NULL");
  FAILS_EMPTY(out, crm_merge_clients(s->crm, 1, 2, NULL, &out), CRM_STATUS_NULL_ARGUMENT, "at: is NULL");
  FAILS_EMPTY(out, crm_merge_clients(s->crm, 1, 2, "\xff", &out), CRM_STATUS_INVALID_UTF8, "at");
  CHECK_FAILS(crm_merge_clients(s->crm, 1, 2, T_TX, NULL), CRM_STATUS_NULL_ARGUMENT, "merge_json: is NULL");

  FAILS_EMPTY(out, crm_unmerge(NULL, 1, T_TX, &out), CRM_STATUS_NULL_ARGUMENT, "crm: is NULL");
  FAILS_EMPTY(out, crm_unmerge(s->crm, 1, NULL, &out), CRM_STATUS_NULL_ARGUMENT, "at: is NULL");
  CHECK_FAILS(crm_unmerge(s->crm, 1, T_TX, NULL), CRM_STATUS_NULL_ARGUMENT, "merge_json: is NULL");

  FAILS_EMPTY(out, crm_set_dedup_settings(NULL, "{}", T_TX, &out), CRM_STATUS_NULL_ARGUMENT, "crm: is NULL");
  FAILS_EMPTY(out, crm_set_dedup_settings(s->crm, NULL, T_TX, &out), CRM_STATUS_NULL_ARGUMENT,
              "new_settings_json: is NULL");
  FAILS_EMPTY(out, crm_set_dedup_settings(s->crm, "{\"default_country\": \"\xff\"}", T_TX, &out),
              CRM_STATUS_INVALID_UTF8, "new_settings_json");
  FAILS_EMPTY(out, crm_set_dedup_settings(s->crm, "{}", NULL, &out), CRM_STATUS_NULL_ARGUMENT, "at: is NULL");
  CHECK_FAILS(crm_set_dedup_settings(s->crm, "{}", T_TX, NULL), CRM_STATUS_NULL_ARGUMENT, "settings_json: is NULL");

  CHECK_FAILS(crm_rebuild_match_keys(NULL, T_TX, &n), CRM_STATUS_NULL_ARGUMENT, "crm: is NULL");
  CHECK_I64(n, 0);
  CHECK_FAILS(crm_rebuild_match_keys(s->crm, NULL, &n), CRM_STATUS_NULL_ARGUMENT, "at: is NULL");
  CHECK_FAILS(crm_rebuild_match_keys(s->crm, T_TX, NULL), CRM_STATUS_NULL_ARGUMENT, "count: is NULL");

  FAILS_EMPTY(out, crm_dedup_settings(NULL, &out), CRM_STATUS_NULL_ARGUMENT, "crm: is NULL");
  CHECK_FAILS(crm_dedup_settings(s->crm, NULL), CRM_STATUS_NULL_ARGUMENT, "settings_json: is NULL");

  FAILS_EMPTY(out, crm_find_duplicates(NULL, "{\"name\": \"Ivan\"}", &out), CRM_STATUS_NULL_ARGUMENT, "crm: is NULL");
  FAILS_EMPTY(out, crm_find_duplicates(s->crm, NULL, &out), CRM_STATUS_NULL_ARGUMENT, "probe_json: is NULL");
  FAILS_EMPTY(out, crm_find_duplicates(s->crm, "{\"name\": \"\xff\"}", &out), CRM_STATUS_INVALID_UTF8, "probe_json");
  CHECK_FAILS(crm_find_duplicates(s->crm, "{\"name\": \"Ivan\"}", NULL), CRM_STATUS_NULL_ARGUMENT,
              "matches_json: is NULL");

  FAILS_EMPTY(out, crm_client_duplicates(NULL, 1, &out), CRM_STATUS_NULL_ARGUMENT, "crm: is NULL");
  CHECK_FAILS(crm_client_duplicates(s->crm, 1, NULL), CRM_STATUS_NULL_ARGUMENT, "matches_json: is NULL");

  FAILS_EMPTY(out, crm_duplicate_pairs(NULL, 0.5, &out), CRM_STATUS_NULL_ARGUMENT, "crm: is NULL");
  CHECK_FAILS(crm_duplicate_pairs(s->crm, 0.5, NULL), CRM_STATUS_NULL_ARGUMENT, "pairs_json: is NULL");

  FAILS_EMPTY(out, crm_get_merge(NULL, 1, &out), CRM_STATUS_NULL_ARGUMENT, "crm: is NULL");
  CHECK_FAILS(crm_get_merge(s->crm, 1, NULL), CRM_STATUS_NULL_ARGUMENT, "merge_json: is NULL");

  FAILS_EMPTY(out, crm_list_merges(NULL, 0, &out), CRM_STATUS_NULL_ARGUMENT, "crm: is NULL");
  CHECK_FAILS(crm_list_merges(s->crm, 0, NULL), CRM_STATUS_NULL_ARGUMENT, "merges_json: is NULL");

  /* None of the failed commands above wrote anything: the two records of Ivan are both there. */
  check_json("pairs", crm_duplicate_pairs(s->crm, 0.5, &out), &out,
             "[{\"a\":1,\"b\":2,\"score\":0.9959,\"keys\":[\"phone\",\"name\"]}]");
  CHECK_OK(crm_list_merges(s->crm, 0, &out));
  CHECK_I64(json_count(out, "\"kept_id\":"), 1);
  free_str(&out);
}

/* Every duplicate function inside a transaction on this thread: it sees the transaction's own writes,
 * and a rollback takes back the merge, the settings and the keys. */
static void test_in_transaction(const store_t *s) {
  char *out = NULL;
  int64_t seq = last_seq(s->crm);
  char *petrenko_before = client(s->crm, s->petrenko);

  CHECK_OK(crm_begin(s->crm, "clean-up"));
  CHECK_OK(crm_merge_clients(s->crm, s->ivan, s->petrenko, T_TX, &out));
  int64_t merge = JSON_I64(out, "id");
  CHECK_CONTAINS(out, "\"actor\":\"clean-up\"");
  free_str(&out);
  FAILS_EMPTY(out, crm_get_client(s->crm, s->petrenko, &out), CRM_STATUS_NOT_FOUND, "merged into client 1");
  CHECK_OK(crm_get_merge(s->crm, merge, &out));
  CHECK_CONTAINS(out, "\"undone_at\":null");
  free_str(&out);
  CHECK_OK(crm_list_merges(s->crm, 0, &out));
  CHECK_I64(json_count(out, "\"kept_id\":"), 2);
  free_str(&out);
  check_json("probe in a transaction",
             crm_find_duplicates(s->crm, "{\"name\": \"Petrenko Ivan\", \"phone\": \"067 123 45 67\"}", &out), &out,
             "[{\"client_id\":1,\"score\":0.9959,\"keys\":[\"phone\",\"name\"]}]");
  check_json("pairs in a transaction", crm_duplicate_pairs(s->crm, 0.5, &out), &out, "[]");
  check_json("ivan's duplicates in a transaction", crm_client_duplicates(s->crm, s->ivan, &out), &out, "[]");
  CHECK_OK(crm_set_dedup_settings(s->crm, "{\"default_country\": \"PL\"}", T_TX, &out));
  free_str(&out);
  check_json("settings in a transaction", crm_dedup_settings(s->crm, &out), &out,
             "{\"auto_link\":0.9,\"suggest\":0.5,\"key_limit\":20,\"default_country\":\"PL\"}");
  int64_t count = -1;
  CHECK_OK(crm_rebuild_match_keys(s->crm, T_TX, &count));
  CHECK_I64(count, 3); /* Petrenko is merged away */
  /* A failure inside leaves the transaction going. */
  CHECK_FAILS(crm_unmerge(s->crm, 1, T_TX, &out), CRM_STATUS_CONFLICT, "undone already");
  CHECK_FAILS(crm_set_dedup_settings(s->crm, "{\"default_country\": \"XX\"}", T_TX, &out), CRM_STATUS_VALIDATION,
              "default_country");
  CHECK_OK(crm_rollback(s->crm));

  /* Nothing of it is kept. */
  out = client(s->crm, s->petrenko);
  CHECK_STR(out, petrenko_before);
  free_str(&out);
  FAILS_EMPTY(out, crm_get_merge(s->crm, merge, &out), CRM_STATUS_NOT_FOUND, "merge");
  CHECK_OK(crm_list_merges(s->crm, 0, &out));
  CHECK_I64(json_count(out, "\"kept_id\":"), 1);
  free_str(&out);
  check_json("settings after the rollback", crm_dedup_settings(s->crm, &out), &out, DEFAULT_SETTINGS);
  check_json("pairs after the rollback", crm_duplicate_pairs(s->crm, 0.5, &out), &out,
             "[{\"a\":1,\"b\":2,\"score\":0.9959,\"keys\":[\"phone\",\"name\"]}]");
  CHECK_I64(last_seq(s->crm), seq);

  /* Committed, it is: a merge and its undo in one transaction. */
  CHECK_OK(crm_begin(s->crm, NULL));
  CHECK_OK(crm_merge_clients(s->crm, s->ivan, s->petrenko, T_TX, &out));
  merge = JSON_I64(out, "id");
  free_str(&out);
  CHECK_OK(crm_unmerge(s->crm, merge, T_TX, &out));
  CHECK_CONTAINS(out, "\"undone_at\":\"" T_TX "\"");
  free_str(&out);
  CHECK_OK(crm_commit(s->crm));
  CHECK_OK(crm_get_merge(s->crm, merge, &out));
  CHECK_CONTAINS(out, "\"undone_at\":\"" T_TX "\"");
  free_str(&out);
  out = client(s->crm, s->petrenko);
  CHECK_STR(out, petrenko_before);
  free_str(&out);
  CHECK_OK(crm_list_merges(s->crm, s->petrenko, &out));
  CHECK_I64(json_count(out, "\"kept_id\":"), 2);
  free_str(&out);
  crm_string_free(petrenko_before);
}

int main(void) {
  store_t s = build();
  test_capture(&s);
  test_find(&s);
  test_pairs(&s);
  test_merge(&s);
  test_settings(&s);
  test_null_arguments(&s);
  test_in_transaction(&s);
  crm_close(s.crm);
  puts("test_dedup: ok");
  return check_exit_code();
}
