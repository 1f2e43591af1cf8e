/*
 * test_segments.c: the segment language through the C ABI, as a host (a mailing tool, a router) uses it.
 *
 * a small store (two managers, a source, four clients with regions, tags and attributes, their orders)
 * → the field catalogues of clients and leads → segments by expression with the exact members, and
 * their counts → an expression checked and given back in canonical form → segments saved, read, listed,
 * replaced and deleted; a name that reads as an expression is refused → a saved segment refreshed twice
 * with orders in between (who entered and who left, exactly; the clients' histories say so) → a CSV
 * export to a file (its header, a row with a Cyrillic name; a bad expression leaves the file alone; a
 * file that cannot be created is a storage error) → errors: a typo with its hint and its line and
 * column in the error JSON, a type error, an injection attempt that is only text → a captured lead
 * matched by routing conditions, a client by a condition → NULL and bad arguments → all of it inside
 * crm_begin / crm_rollback and crm_begin / crm_commit.
 */
#include "check.h"

#define T_SETUP "2026-01-05T09:00:00Z"
#define T_ORDER1 "2026-02-01T10:00:00Z"
#define T_ORDER2 "2026-03-01T10:00:00Z"
#define T_ORDER3 "2026-05-01T10:00:00Z"
#define T_ORDER4 "2026-05-15T10:00:00Z"
#define T_ORDER5 "2026-06-01T10:00:00Z"
#define T_ORDER6 "2026-06-10T10:00:00Z"
#define AS_OF "2026-07-01T00:00:00Z"
#define T_SAVE "2026-07-01T08:00:00Z"
#define T_LEAD "2026-07-01T10:30:00Z"
#define T_ORDER7 "2026-07-05T10:00:00Z"
#define AS_OF2 "2026-07-20T00:00:00Z"
#define T_TX "2026-07-21T09:00:00Z"

#define EXPORT_FILE "segment_export.csv"
#define NEVER_FILE "segment_never_written.csv"
#define EXPORT_HEADER \
  "client_id,name,kind,email,phone,contact_name,contact_email,contact_phone,region,industry,owner_id,tags\r\n"

typedef struct {
  crm_t *crm;
  int64_t olena, taras, source;
  int64_t romashka, oksana, acme, nobody; /* clients, in id order */
} store_t;

static void order(crm_t *crm, int64_t client, const char *total, const char *at) {
  char *out = NULL;
  char json[256];
  snprintf(json, sizeof json, "{\"client_id\": %" PRId64 ", \"total\": \"%s\"}", client, total);
  CHECK_OK(crm_record_order(crm, json, at, &out));
  free_str(&out);
}

/* The members of a segment, as the JSON array text. */
static void check_members(const crm_t *crm, const char *which, const char *as_of, const char *want) {
  char *out = NULL;
  CHECK_OK(crm_segment(crm, which, as_of, &out));
  if (out == NULL || strcmp(out, want) != 0) {
    fprintf(stderr, "segment \"%s\" as of %s\n    is %s, expected %s\n", which, as_of, out ? out : "(null)", want);
    exit(1);
  }
  free_str(&out);
}

static int64_t count(const crm_t *crm, const char *which, const char *as_of) {
  int64_t n = -1;
  CHECK_OK(crm_segment_count(crm, which, as_of, &n));
  return n;
}

/* The whole text of a file, or NULL when it does not exist. Free it with free(). */
static char *slurp(const char *path) {
  FILE *file = fopen(path, "rb");
  if (file == NULL) return NULL;
  CHECK(fseek(file, 0, SEEK_END) == 0);
  long size = ftell(file);
  CHECK(size >= 0);
  CHECK(fseek(file, 0, SEEK_SET) == 0);
  char *text = malloc((size_t)size + 1);
  CHECK(text != NULL);
  CHECK(fread(text, 1, (size_t)size, file) == (size_t)size);
  text[size] = '\0';
  fclose(file);
  return text;
}

/*
 * Four clients, as of AS_OF:
 *   romashka  Kyiv, vip, loyalty gold, owner Olena; orders 600.00 (Feb 1) + 500.00 (Mar 1): 2 orders,
 *             122 days since the last
 *   oksana    Kyiv, a person with a Cyrillic name, e-mail and phone, owner Taras; 100.00 on Jun 1 (30 days)
 *   acme      Odesa; three orders of 50.00 in May and June (last Jun 10: 21 days)
 *   nobody    no region, no orders
 */
static store_t build(void) {
  store_t s = {0};
  CHECK_OK(crm_open(":memory:", &s.crm));
  s.olena = add(s.crm, crm_add_manager, "{\"name\": \"Olena Koval\"}", T_SETUP);
  s.taras = add(s.crm, crm_add_manager, "{\"name\": \"Taras Shevchuk\"}", T_SETUP);
  s.source = add(s.crm, crm_add_source, "{\"name\": \"Google Ads\", \"channel\": \"ads\"}", T_SETUP);
  s.romashka = add(s.crm, crm_add_client,
                   fmt("{\"name\": \"Romashka LLC\", \"region\": \"Kyiv\", \"industry\": \"retail\", "
                       "\"tags\": [\"vip\", \"wholesale\"], \"attributes\": {\"loyalty\": \"gold\", \"visits\": 12}, "
                       "\"owner_id\": %" PRId64 "}",
                       s.olena),
                   T_SETUP);
  s.oksana = add(s.crm, crm_add_client,
                 fmt("{\"kind\": \"person\", \"name\": \"Оксана Петренко\", \"region\": \"Kyiv\", "
                     "\"email\": \"oksana@example.com\", \"phone\": \"+380671234567\", \"owner_id\": %" PRId64 "}",
                     s.taras),
                 T_SETUP);
  s.acme = add(s.crm, crm_add_client, "{\"name\": \"Acme Ltd\", \"region\": \"Odesa\", \"tags\": [\"retail\"]}",
               T_SETUP);
  s.nobody = add(s.crm, crm_add_client, "{\"name\": \"Nobody Co\"}", T_SETUP);
  CHECK(s.romashka < s.oksana && s.oksana < s.acme && s.acme < s.nobody);
  CHECK_I64(s.romashka, 1); /* the expected arrays below spell the ids out */
  CHECK_I64(s.nobody, 4);
  order(s.crm, s.romashka, "600.00", T_ORDER1);
  order(s.crm, s.romashka, "500.00", T_ORDER2);
  order(s.crm, s.acme, "50.00", T_ORDER3);
  order(s.crm, s.acme, "50.00", T_ORDER4);
  order(s.crm, s.oksana, "100.00", T_ORDER5);
  order(s.crm, s.acme, "50.00", T_ORDER6);
  return s;
}

/* ----------------------------------------------------------------------------------------------------- */

static void test_fields(const store_t *s) {
  char *out = NULL;
  CHECK_OK(crm_segment_fields(s->crm, "clients", &out));
  CHECK(out[0] == '[');
  CHECK_CONTAINS(out, "{\"name\":\"days_since_last_order\",\"type\":\"days\",\"values\":[],\"nullable\":true,\"doc\":");
  CHECK_CONTAINS(out, "{\"name\":\"region\",\"type\":\"text\"");
  CHECK_CONTAINS(out, "{\"name\":\"revenue\",\"type\":\"money\"");
  CHECK_CONTAINS(out, "{\"name\":\"kind\",\"type\":\"choice\",\"values\":[\"company\",\"person\"]");
  CHECK_CONTAINS(out, "\"name\":\"attributes.<key>\"");
  CHECK_LACKS(out, "\"name\":\"hour\"");
  free_str(&out);

  CHECK_OK(crm_segment_fields(s->crm, "leads", &out));
  CHECK_CONTAINS(out, "{\"name\":\"hour\",\"type\":\"hour\"");
  CHECK_CONTAINS(out, "{\"name\":\"channel\",\"type\":\"choice\",\"values\":[");
  CHECK_CONTAINS(out, "\"web\"");
  CHECK_LACKS(out, "days_since_last_order");
  /* The singular is the same subject. */
  char *singular = NULL;
  CHECK_OK(crm_segment_fields(s->crm, "lead", &singular));
  CHECK_STR(singular, out);
  free_str(&singular);
  free_str(&out);

  FAILS_EMPTY(out, crm_segment_fields(s->crm, "deals", &out), CRM_STATUS_VALIDATION, "subject: must be");
  FAILS_EMPTY(out, crm_segment_fields(NULL, "clients", &out), CRM_STATUS_NULL_ARGUMENT, "crm: is NULL");
  FAILS_EMPTY(out, crm_segment_fields(s->crm, NULL, &out), CRM_STATUS_NULL_ARGUMENT, "subject: is NULL");
  CHECK_FAILS(crm_segment_fields(s->crm, "clients", NULL), CRM_STATUS_NULL_ARGUMENT, "fields_json: is NULL");
  FAILS_EMPTY(out, crm_segment_fields(s->crm, "\xff", &out), CRM_STATUS_INVALID_UTF8, "subject");
}

static void test_segments_by_expression(const store_t *s) {
  check_members(s->crm, "orders >= 2 and days_since_last_order > 90", AS_OF, "[1]");
  check_members(s->crm, "region = 'Kyiv'", AS_OF, "[1,2]");
  check_members(s->crm, "region in ('Kyiv', 'Odesa')", AS_OF, "[1,2,3]");
  /* A missing region is unknown: `!=` leaves Nobody Co out, `or is null` brings it in. */
  check_members(s->crm, "region != 'Kyiv'", AS_OF, "[3]");
  check_members(s->crm, "region != 'Kyiv' or region is null", AS_OF, "[3,4]");
  check_members(s->crm, "has tag 'VIP' or revenue >= 150", AS_OF, "[1,3]");
  check_members(s->crm, "attributes.loyalty = 'gold' and attributes.visits > 10", AS_OF, "[1]");
  check_members(s->crm, "name starts with 'оксана'", AS_OF, "[2]"); /* Unicode, case-insensitive */
  check_members(s->crm, "owner = 'Taras Shevchuk'", AS_OF, "[2]");
  check_members(s->crm, "orders = 0", AS_OF, "[4]");
  check_members(s->crm, "-- every client with an order\norders >= 1", AS_OF, "[1,2,3]");
  check_members(s->crm, "revenue > 1000000", AS_OF, "[]");
  /* Relative to as_of: on Apr 1 Oksana and Acme had not ordered yet. */
  check_members(s->crm, "orders >= 1", "2026-04-01T00:00:00Z", "[1]");
  check_members(s->crm, "last_order < 90d ago", AS_OF, "[1]");
  /* Clients added after as_of are not members. */
  check_members(s->crm, "orders >= 0", "2026-01-01T00:00:00Z", "[]");
  /* An offset is read as UTC. */
  check_members(s->crm, "orders >= 2", "2026-07-01T03:00:00+03:00", "[1,3]");

  CHECK_I64(count(s->crm, "region = 'Kyiv'", AS_OF), 2);
  CHECK_I64(count(s->crm, "orders >= 0", AS_OF), 4);
  CHECK_I64(count(s->crm, "revenue > 1000000", AS_OF), 0);
}

static void test_check_expression(const store_t *s) {
  char *out = NULL;
  CHECK_OK(crm_check_expression(s->crm, "clients", "REGION = 'Kyiv'   AND orders>=2", &out));
  CHECK(out[0] != '"'); /* plain text, not JSON */
  char *again = NULL;
  /* The canonical form is a fixed point, and means the same. */
  CHECK_OK(crm_check_expression(s->crm, "clients", out, &again));
  CHECK_STR(again, out);
  check_members(s->crm, out, AS_OF, "[1]");
  free_str(&again);
  free_str(&out);
  CHECK_OK(crm_check_expression(s->crm, "leads", "channel = 'web' and hour between 9 and 17", &out));
  CHECK_CONTAINS(out, "channel");
  free_str(&out);
  /* A field of clients is not one of leads. */
  FAILS_EMPTY(out, crm_check_expression(s->crm, "leads", "revenue > 0", &out), CRM_STATUS_VALIDATION,
              "expression: unknown field 'revenue'");
  /* A manager named in quotes must exist. */
  FAILS_EMPTY(out, crm_check_expression(s->crm, "clients", "owner = 'Nobody Known'", &out), CRM_STATUS_VALIDATION,
              "expression:");
  FAILS_EMPTY(out, crm_check_expression(s->crm, "people", "orders > 1", &out), CRM_STATUS_VALIDATION,
              "subject: must be");
  FAILS_EMPTY(out, crm_check_expression(NULL, "clients", "orders > 1", &out), CRM_STATUS_NULL_ARGUMENT,
              "crm: is NULL");
  FAILS_EMPTY(out, crm_check_expression(s->crm, NULL, "orders > 1", &out), CRM_STATUS_NULL_ARGUMENT,
              "subject: is NULL");
  FAILS_EMPTY(out, crm_check_expression(s->crm, "clients", NULL, &out), CRM_STATUS_NULL_ARGUMENT,
              "expression: is NULL");
  CHECK_FAILS(crm_check_expression(s->crm, "clients", "orders > 1", NULL), CRM_STATUS_NULL_ARGUMENT,
              "canonical: is NULL");
  FAILS_EMPTY(out, crm_check_expression(s->crm, "clients", "name = '\xff'", &out), CRM_STATUS_INVALID_UTF8,
              "expression");
}

static void test_errors(const store_t *s) {
  char *out = NULL;
  char *json = NULL;

  /* A typo: the message says what, where, and what was probably meant; the JSON has line and column. */
  FAILS_EMPTY(out, crm_segment(s->crm, "regoin = 'Kyiv'", AS_OF, &out), CRM_STATUS_VALIDATION,
              "did you mean 'region'");
  json = crm_last_error_json();
  CHECK_CONTAINS(json, "\"status\":4");
  CHECK_CONTAINS(json, "\"kind\":\"validation\"");
  CHECK_CONTAINS(json, "\"field\":\"expression\"");
  CHECK_CONTAINS(json, "\"line\":1");
  CHECK_CONTAINS(json, "\"column\":1");
  CHECK_CONTAINS(json, "\"message\":\"expression: unknown field 'regoin' for clients at 1:1; did you mean 'region'?\"");
  free_str(&json);

  /* On a later line, counted in characters (the Cyrillic text before it is one column per letter). */
  FAILS_EMPTY(out, crm_segment(s->crm, "name = 'Київ'\n  and regoin = 'Kyiv'", AS_OF, &out),
              CRM_STATUS_VALIDATION, "at 2:7");
  json = crm_last_error_json();
  CHECK_CONTAINS(json, "\"line\":2");
  CHECK_CONTAINS(json, "\"column\":7");
  free_str(&json);
  int64_t n = -1;
  CHECK_FAILS(crm_segment_count(s->crm, "orders >= 2 and name = 'Київ' and regoin = 'x'", AS_OF, &n),
              CRM_STATUS_VALIDATION, "at 1:35");
  CHECK_I64(n, 0);
  json = crm_last_error_json();
  CHECK_CONTAINS(json, "\"column\":35");
  free_str(&json);

  /* A type error: money compared with text. */
  FAILS_EMPTY(out, crm_segment(s->crm, "revenue > 'abc'", AS_OF, &out), CRM_STATUS_VALIDATION,
              "expression: revenue is money and cannot be compared with text 'abc' at 1:11");
  json = crm_last_error_json();
  CHECK_CONTAINS(json, "\"field\":\"expression\"");
  CHECK_CONTAINS(json, "\"line\":1");
  CHECK_CONTAINS(json, "\"column\":11");
  free_str(&json);

  /* Malformed: unbalanced, dangling, empty. */
  FAILS_EMPTY(out, crm_segment(s->crm, "(orders > 1", AS_OF, &out), CRM_STATUS_VALIDATION, "expression: ");
  FAILS_EMPTY(out, crm_segment(s->crm, "orders > 1 and", AS_OF, &out), CRM_STATUS_VALIDATION, "expression: ");
  FAILS_EMPTY(out, crm_segment(s->crm, "", AS_OF, &out), CRM_STATUS_VALIDATION, "expression");

  /* A failure that is not about an expression has no line and column: the JSON keeps its shape. */
  FAILS_EMPTY(out, crm_segment(s->crm, "orders > 1", "yesterday", &out), CRM_STATUS_VALIDATION,
              "as_of: must be an RFC 3339 time");
  json = crm_last_error_json();
  CHECK_CONTAINS(json, "\"field\":\"as_of\"");
  CHECK_LACKS(json, "\"line\"");
  CHECK_LACKS(json, "\"column\"");
  free_str(&json);
  FAILS_EMPTY(out, crm_get_segment(s->crm, "no_such_segment", &out), CRM_STATUS_NOT_FOUND, "segment");
  json = crm_last_error_json();
  CHECK_CONTAINS(json, "\"field\":null");
  CHECK_LACKS(json, "\"line\"");
  free_str(&json);

  /* A bare word that is not a saved segment is a missing segment, not a broken expression. */
  FAILS_EMPTY(out, crm_segment(s->crm, "lapsed_vip", AS_OF, &out), CRM_STATUS_NOT_FOUND, "lapsed_vip");

  /* An injection attempt is only a text value: nobody is called that, and nothing is dropped. */
  int64_t seq = last_seq(s->crm);
  check_members(s->crm, "name = 'x''); DROP TABLE clients; --'", AS_OF, "[]");
  FAILS_EMPTY(out, crm_segment(s->crm, "name = 'x' or 1 = 1", AS_OF, &out), CRM_STATUS_VALIDATION, "expression: ");
  CHECK_I64(count(s->crm, "orders >= 0", AS_OF), 4);
  CHECK_OK(crm_get_client(s->crm, s->nobody, &out));
  free_str(&out);
  CHECK_I64(last_seq(s->crm), seq);
}

static void test_saved_segments(const store_t *s) {
  char *out = NULL;
  CHECK_OK(crm_save_segment(s->crm, "lapsed", "orders >= 1 and days_since_last_order > 30", T_SAVE, &out));
  int64_t lapsed = JSON_I64(out, "id");
  CHECK(lapsed > 0);
  CHECK_CONTAINS(out, "\"name\":\"lapsed\"");
  CHECK_CONTAINS(out, "\"created_at\":\"" T_SAVE "\"");
  CHECK_CONTAINS(out, "\"refreshed_at\":null");
  CHECK_CONTAINS(out, "\"members\":0");
  free_str(&out);
  CHECK_OK(crm_save_segment(s->crm, "kyiv", "region = 'Kyiv'", T_SAVE, &out));
  int64_t kyiv = JSON_I64(out, "id");
  free_str(&out);

  CHECK_OK(crm_get_segment(s->crm, "lapsed", &out));
  CHECK_I64(JSON_I64(out, "id"), lapsed);
  CHECK_CONTAINS(out, "\"expression\":\"orders >= 1 and days_since_last_order > 30\"");
  free_str(&out);
  /* By name. */
  CHECK_OK(crm_list_segments(s->crm, &out));
  CHECK(json_in_order(out, "[{\"id\":", "\"name\":\"kyiv\"", "\"name\":\"lapsed\"", NULL));
  CHECK_I64(json_count(out, "\"expression\":"), 2);
  free_str(&out);

  /* A saved name is a segment's name wherever an expression is taken. */
  check_members(s->crm, "kyiv", AS_OF, "[1,2]");
  CHECK_I64(count(s->crm, "kyiv", AS_OF), 2);
  /* Saving a name again replaces its expression. */
  CHECK_OK(crm_save_segment(s->crm, "kyiv", "region = 'Kyiv' and kind = 'person'", T_SAVE, &out));
  CHECK_I64(JSON_I64(out, "id"), kyiv);
  CHECK_CONTAINS(out, "kind = 'person'");
  free_str(&out);
  check_members(s->crm, "kyiv", AS_OF, "[2]");

  /* A name that reads as an expression could not be told apart from one: refused. */
  int64_t seq = last_seq(s->crm);
  FAILS_EMPTY(out, crm_save_segment(s->crm, "revenue > 0", "orders > 1", T_SAVE, &out), CRM_STATUS_VALIDATION,
              "name: reads as an expression");
  /* So is an expression that does not check; nothing is saved. */
  FAILS_EMPTY(out, crm_save_segment(s->crm, "broken", "regoin = 'Kyiv'", T_SAVE, &out), CRM_STATUS_VALIDATION,
              "did you mean 'region'");
  char *json = crm_last_error_json();
  CHECK_CONTAINS(json, "\"line\":1");
  free_str(&json);
  FAILS_EMPTY(out, crm_save_segment(s->crm, "", "orders > 1", T_SAVE, &out), CRM_STATUS_VALIDATION, "name");
  FAILS_EMPTY(out, crm_save_segment(s->crm, "late", "orders > 1", "not a time", &out), CRM_STATUS_VALIDATION,
              "at: must be an RFC 3339 time");
  CHECK_I64(last_seq(s->crm), seq);
  FAILS_EMPTY(out, crm_get_segment(s->crm, "broken", &out), CRM_STATUS_NOT_FOUND, "broken");

  /* Deleted: gone, and its name is a missing segment again; the history of it stays. */
  CHECK_OK(crm_delete_segment(s->crm, "kyiv", T_SAVE, &out));
  CHECK_I64(JSON_I64(out, "id"), kyiv);
  CHECK_CONTAINS(out, "\"name\":\"kyiv\"");
  free_str(&out);
  FAILS_EMPTY(out, crm_get_segment(s->crm, "kyiv", &out), CRM_STATUS_NOT_FOUND, "kyiv");
  FAILS_EMPTY(out, crm_segment(s->crm, "kyiv", AS_OF, &out), CRM_STATUS_NOT_FOUND, "kyiv");
  FAILS_EMPTY(out, crm_delete_segment(s->crm, "kyiv", T_SAVE, &out), CRM_STATUS_NOT_FOUND, "kyiv");
  CHECK_OK(crm_history(s->crm, "segment", kyiv, &out));
  CHECK(json_in_order(out, "\"kind\":\"created\"", "\"kind\":\"updated\"", "\"kind\":\"deleted\"", NULL));
  free_str(&out);
  CHECK_OK(crm_list_segments(s->crm, &out));
  CHECK_LACKS(out, "\"name\":\"kyiv\"");
  CHECK_CONTAINS(out, "\"name\":\"lapsed\"");
  free_str(&out);
}

/* Runs after test_saved_segments (needs "lapsed"); records a new order for Romashka. */
static void test_refresh(const store_t *s) {
  char *out = NULL;
  /* As of Jul 1: only Romashka's last order is more than 30 days old. */
  CHECK_OK(crm_refresh_segment(s->crm, "lapsed", AS_OF, &out));
  CHECK_CONTAINS(out, "\"name\":\"lapsed\"");
  CHECK_CONTAINS(out, "\"as_of\":\"" AS_OF "\"");
  CHECK_CONTAINS(out, "\"entered\":[1],\"left\":[],\"members\":1");
  free_str(&out);
  CHECK_OK(crm_get_segment(s->crm, "lapsed", &out));
  CHECK_CONTAINS(out, "\"refreshed_at\":\"" AS_OF "\"");
  CHECK_CONTAINS(out, "\"members\":1");
  free_str(&out);

  /* Romashka orders again; by Jul 20 Oksana (49 days) and Acme (40 days) have lapsed instead. */
  order(s->crm, s->romashka, "75.00", T_ORDER7);
  CHECK_OK(crm_refresh_segment(s->crm, "lapsed", AS_OF2, &out));
  CHECK_CONTAINS(out, "\"entered\":[2,3],\"left\":[1],\"members\":2");
  free_str(&out);
  /* Nothing changed since: nobody enters or leaves. */
  CHECK_OK(crm_refresh_segment(s->crm, "lapsed", AS_OF2, &out));
  CHECK_CONTAINS(out, "\"entered\":[],\"left\":[],\"members\":2");
  free_str(&out);
  /* A refresh dated before the last one is refused. */
  FAILS_EMPTY(out, crm_refresh_segment(s->crm, "lapsed", AS_OF, &out), CRM_STATUS_VALIDATION,
              "as_of: is before the segment's last refresh");
  FAILS_EMPTY(out, crm_refresh_segment(s->crm, "nothing_saved", AS_OF2, &out), CRM_STATUS_NOT_FOUND,
              "nothing_saved");
  FAILS_EMPTY(out, crm_refresh_segment(s->crm, "lapsed", "2026-07-20", &out), CRM_STATUS_VALIDATION,
              "as_of: must be an RFC 3339 time");

  /* The clients' histories say who entered and left, dated as_of. */
  CHECK_OK(crm_history(s->crm, "client", s->romashka, &out));
  CHECK(json_in_order(out, "\"at\":\"" AS_OF "\"", "\"kind\":\"segment_entered\"", "\"segment\":\"lapsed\"",
                      "\"at\":\"" AS_OF2 "\"", "\"kind\":\"segment_left\"", NULL));
  free_str(&out);
  CHECK_OK(crm_history(s->crm, "client", s->oksana, &out));
  CHECK_I64(json_count(out, "\"kind\":\"segment_entered\""), 1);
  CHECK_LACKS(out, "segment_left");
  free_str(&out);
  CHECK_OK(crm_history(s->crm, "client", s->nobody, &out));
  CHECK_LACKS(out, "segment_");
  free_str(&out);
}

static void test_export(const store_t *s) {
  remove(EXPORT_FILE);
  remove(NEVER_FILE);
  int64_t rows = -1;
  CHECK_OK(crm_export_segment(s->crm, "region = 'Kyiv'", AS_OF, EXPORT_FILE, &rows));
  CHECK_I64(rows, 2);
  char *csv = slurp(EXPORT_FILE);
  CHECK(csv != NULL);
  CHECK(strncmp(csv, EXPORT_HEADER, strlen(EXPORT_HEADER)) == 0);
  CHECK_CONTAINS(csv, "\r\n1,Romashka LLC,company,,,,,,Kyiv,retail,1,vip;wholesale\r\n");
  CHECK_CONTAINS(csv, "\r\n2,Оксана Петренко,person,oksana@example.com,+380671234567,,,,Kyiv,,2,\r\n");
  CHECK_I64(json_count(csv, "\r\n"), 3);
  free(csv);

  /* Exported again: the file is truncated, not appended to. */
  CHECK_OK(crm_export_segment(s->crm, "revenue > 1000000", AS_OF, EXPORT_FILE, &rows));
  CHECK_I64(rows, 0);
  csv = slurp(EXPORT_FILE);
  CHECK_STR(csv, EXPORT_HEADER);
  free(csv);

  /* A bad expression or an unknown segment leaves the path alone: no file is created... */
  CHECK_FAILS(crm_export_segment(s->crm, "regoin = 'Kyiv'", AS_OF, NEVER_FILE, &rows), CRM_STATUS_VALIDATION,
              "did you mean 'region'");
  CHECK_I64(rows, 0);
  CHECK_FAILS(crm_export_segment(s->crm, "no_such_segment", AS_OF, NEVER_FILE, &rows), CRM_STATUS_NOT_FOUND,
              "no_such_segment");
  CHECK(slurp(NEVER_FILE) == NULL);
  /* ...and none is truncated. */
  CHECK_FAILS(crm_export_segment(s->crm, "revenue > 'abc'", AS_OF, EXPORT_FILE, &rows), CRM_STATUS_VALIDATION,
              "expression");
  csv = slurp(EXPORT_FILE);
  CHECK_STR(csv, EXPORT_HEADER);
  free(csv);

  /* A file that cannot be created is a storage failure with a message. */
  rows = -1;
  CHECK_FAILS(crm_export_segment(s->crm, "orders >= 0", AS_OF, "no-such-directory/out.csv", &rows),
              CRM_STATUS_STORAGE, "i/o: path: cannot be created");
  CHECK_I64(rows, 0);
  char *json = crm_last_error_json();
  CHECK_CONTAINS(json, "\"kind\":\"storage\"");
  CHECK_LACKS(json, "\"line\"");
  free_str(&json);
  CHECK_FAILS(crm_export_segment(s->crm, "orders >= 0", AS_OF, "", &rows), CRM_STATUS_VALIDATION,
              "path: must not be empty");

  CHECK_FAILS(crm_export_segment(NULL, "orders >= 0", AS_OF, EXPORT_FILE, &rows), CRM_STATUS_NULL_ARGUMENT,
              "crm: is NULL");
  CHECK_FAILS(crm_export_segment(s->crm, NULL, AS_OF, EXPORT_FILE, &rows), CRM_STATUS_NULL_ARGUMENT,
              "which: is NULL");
  CHECK_FAILS(crm_export_segment(s->crm, "orders >= 0", NULL, EXPORT_FILE, &rows), CRM_STATUS_NULL_ARGUMENT,
              "as_of: is NULL");
  CHECK_FAILS(crm_export_segment(s->crm, "orders >= 0", AS_OF, NULL, &rows), CRM_STATUS_NULL_ARGUMENT,
              "path: is NULL");
  CHECK_FAILS(crm_export_segment(s->crm, "orders >= 0", AS_OF, EXPORT_FILE, NULL), CRM_STATUS_NULL_ARGUMENT,
              "rows: is NULL");
  CHECK_FAILS(crm_export_segment(s->crm, "orders >= 0", AS_OF, "\xff.csv", &rows), CRM_STATUS_INVALID_UTF8,
              "path");
  remove(EXPORT_FILE);
}

static void test_matches(const store_t *s) {
  char *out = NULL;
  CHECK_OK(crm_capture_lead(s->crm,
                            fmt("{\"channel\": \"web\", \"phone\": \"+380501112233\", \"region\": \"Kyiv\", "
                                "\"interest\": \"wholesale\", \"source_id\": %" PRId64 ", \"estimated_value\": "
                                "\"2500.00\"}",
                                s->source),
                            T_LEAD, &out));
  int64_t lead = JSON_I64(out, "id");
  free_str(&out);

  bool matches = false;
  CHECK_OK(crm_lead_matches(s->crm, "channel = 'web' and hour between 9 and 17", lead, T_LEAD, &matches));
  CHECK(matches);
  CHECK_OK(crm_lead_matches(s->crm, "interest = 'wholesale' and region = 'Kyiv' and source = 'Google Ads'", lead,
                            T_LEAD, &matches));
  CHECK(matches);
  CHECK_OK(crm_lead_matches(s->crm, "weekday = 'wed' and estimate >= 2500", lead, T_LEAD, &matches));
  CHECK(matches); /* 2026-07-01 is a Wednesday */
  matches = true;
  CHECK_OK(crm_lead_matches(s->crm, "channel in ('phone', 'email')", lead, T_LEAD, &matches));
  CHECK(!matches);
  matches = true;
  CHECK_OK(crm_lead_matches(s->crm, "language = 'uk'", lead, T_LEAD, &matches)); /* unknown: not a match */
  CHECK(!matches);
  matches = true;
  CHECK_FAILS(crm_lead_matches(s->crm, "revenue > 0", lead, T_LEAD, &matches), CRM_STATUS_VALIDATION,
              "unknown field 'revenue'");
  CHECK(!matches);
  matches = true;
  CHECK_FAILS(crm_lead_matches(s->crm, "channel = 'web'", 999, T_LEAD, &matches), CRM_STATUS_NOT_FOUND, "lead");
  CHECK(!matches);

  CHECK_OK(crm_client_matches(s->crm, "has tag 'vip' and days_since_last_order > 90", s->romashka, AS_OF, &matches));
  CHECK(matches);
  CHECK_OK(crm_client_matches(s->crm, "has tag 'vip'", s->acme, AS_OF, &matches));
  CHECK(!matches);
  /* Added on Jan 5: not a client yet on Jan 1. */
  CHECK_OK(crm_client_matches(s->crm, "orders >= 0", s->nobody, "2026-01-01T00:00:00Z", &matches));
  CHECK(!matches);
  CHECK_FAILS(crm_client_matches(s->crm, "orders >= 0", 999, AS_OF, &matches), CRM_STATUS_NOT_FOUND, "client");
  CHECK_FAILS(crm_client_matches(s->crm, "hour > 9", s->acme, AS_OF, &matches), CRM_STATUS_VALIDATION,
              "unknown field 'hour'");

  CHECK_FAILS(crm_client_matches(NULL, "orders > 0", 1, AS_OF, &matches), CRM_STATUS_NULL_ARGUMENT, "crm: is NULL");
  CHECK_FAILS(crm_client_matches(s->crm, NULL, 1, AS_OF, &matches), CRM_STATUS_NULL_ARGUMENT,
              "expression: is NULL");
  CHECK_FAILS(crm_client_matches(s->crm, "orders > 0", 1, NULL, &matches), CRM_STATUS_NULL_ARGUMENT,
              "as_of: is NULL");
  CHECK_FAILS(crm_client_matches(s->crm, "orders > 0", 1, AS_OF, NULL), CRM_STATUS_NULL_ARGUMENT,
              "matches: is NULL");
  CHECK_FAILS(crm_lead_matches(NULL, "hour > 9", lead, T_LEAD, &matches), CRM_STATUS_NULL_ARGUMENT, "crm: is NULL");
  CHECK_FAILS(crm_lead_matches(s->crm, NULL, lead, T_LEAD, &matches), CRM_STATUS_NULL_ARGUMENT,
              "expression: is NULL");
  CHECK_FAILS(crm_lead_matches(s->crm, "hour > 9", lead, NULL, &matches), CRM_STATUS_NULL_ARGUMENT,
              "as_of: is NULL");
  CHECK_FAILS(crm_lead_matches(s->crm, "hour > 9", lead, T_LEAD, NULL), CRM_STATUS_NULL_ARGUMENT,
              "matches: is NULL");
}

static void test_null_arguments(const store_t *s) {
  char *out = NULL;
  int64_t n = -1;
  FAILS_EMPTY(out, crm_segment(NULL, "orders > 1", AS_OF, &out), CRM_STATUS_NULL_ARGUMENT, "crm: is NULL");
  FAILS_EMPTY(out, crm_segment(s->crm, NULL, AS_OF, &out), CRM_STATUS_NULL_ARGUMENT, "which: is NULL");
  FAILS_EMPTY(out, crm_segment(s->crm, "orders > 1", NULL, &out), CRM_STATUS_NULL_ARGUMENT, "as_of: is NULL");
  CHECK_FAILS(crm_segment(s->crm, "orders > 1", AS_OF, NULL), CRM_STATUS_NULL_ARGUMENT,
              "client_ids_json: is NULL");
  FAILS_EMPTY(out, crm_segment(s->crm, "name = '\xff'", AS_OF, &out), CRM_STATUS_INVALID_UTF8, "which");

  CHECK_FAILS(crm_segment_count(NULL, "orders > 1", AS_OF, &n), CRM_STATUS_NULL_ARGUMENT, "crm: is NULL");
  CHECK_I64(n, 0);
  CHECK_FAILS(crm_segment_count(s->crm, NULL, AS_OF, &n), CRM_STATUS_NULL_ARGUMENT, "which: is NULL");
  CHECK_FAILS(crm_segment_count(s->crm, "orders > 1", NULL, &n), CRM_STATUS_NULL_ARGUMENT, "as_of: is NULL");
  CHECK_FAILS(crm_segment_count(s->crm, "orders > 1", AS_OF, NULL), CRM_STATUS_NULL_ARGUMENT, "count: is NULL");

  FAILS_EMPTY(out, crm_save_segment(NULL, "n", "orders > 1", T_SAVE, &out), CRM_STATUS_NULL_ARGUMENT,
              "crm: is NULL");
  FAILS_EMPTY(out, crm_save_segment(s->crm, NULL, "orders > 1", T_SAVE, &out), CRM_STATUS_NULL_ARGUMENT,
              "name: is NULL");
  FAILS_EMPTY(out, crm_save_segment(s->crm, "n", NULL, T_SAVE, &out), CRM_STATUS_NULL_ARGUMENT,
              "expression: is NULL");
  FAILS_EMPTY(out, crm_save_segment(s->crm, "n", "orders > 1", NULL, &out), CRM_STATUS_NULL_ARGUMENT,
              "at: is NULL");
  CHECK_FAILS(crm_save_segment(s->crm, "n", "orders > 1", T_SAVE, NULL), CRM_STATUS_NULL_ARGUMENT,
              "segment_json: is NULL");

  FAILS_EMPTY(out, crm_delete_segment(NULL, "lapsed", T_SAVE, &out), CRM_STATUS_NULL_ARGUMENT, "crm: is NULL");
  FAILS_EMPTY(out, crm_delete_segment(s->crm, NULL, T_SAVE, &out), CRM_STATUS_NULL_ARGUMENT, "name: is NULL");
  FAILS_EMPTY(out, crm_delete_segment(s->crm, "lapsed", NULL, &out), CRM_STATUS_NULL_ARGUMENT, "at: is NULL");
  CHECK_FAILS(crm_delete_segment(s->crm, "lapsed", T_SAVE, NULL), CRM_STATUS_NULL_ARGUMENT,
              "segment_json: is NULL");

  FAILS_EMPTY(out, crm_refresh_segment(NULL, "lapsed", AS_OF2, &out), CRM_STATUS_NULL_ARGUMENT, "crm: is NULL");
  FAILS_EMPTY(out, crm_refresh_segment(s->crm, NULL, AS_OF2, &out), CRM_STATUS_NULL_ARGUMENT, "name: is NULL");
  FAILS_EMPTY(out, crm_refresh_segment(s->crm, "lapsed", NULL, &out), CRM_STATUS_NULL_ARGUMENT,
              "as_of: is NULL");
  CHECK_FAILS(crm_refresh_segment(s->crm, "lapsed", AS_OF2, NULL), CRM_STATUS_NULL_ARGUMENT,
              "change_json: is NULL");

  FAILS_EMPTY(out, crm_get_segment(NULL, "lapsed", &out), CRM_STATUS_NULL_ARGUMENT, "crm: is NULL");
  FAILS_EMPTY(out, crm_get_segment(s->crm, NULL, &out), CRM_STATUS_NULL_ARGUMENT, "name: is NULL");
  CHECK_FAILS(crm_get_segment(s->crm, "lapsed", NULL), CRM_STATUS_NULL_ARGUMENT, "segment_json: is NULL");
  FAILS_EMPTY(out, crm_list_segments(NULL, &out), CRM_STATUS_NULL_ARGUMENT, "crm: is NULL");
  CHECK_FAILS(crm_list_segments(s->crm, NULL), CRM_STATUS_NULL_ARGUMENT, "segments_json: is NULL");

  /* None of the failed commands above wrote anything: "lapsed" is still there, as it was. */
  CHECK_OK(crm_get_segment(s->crm, "lapsed", &out));
  CHECK_CONTAINS(out, "\"refreshed_at\":\"" AS_OF2 "\"");
  free_str(&out);
}

/* Every segment function inside a transaction on this thread: it sees the transaction's own writes,
 * and a rollback takes back the segments it saved and the refreshes it made. */
static void test_in_transaction(const store_t *s) {
  char *out = NULL;
  int64_t n = -1;
  bool matches = false;
  int64_t seq = last_seq(s->crm);

  CHECK_OK(crm_begin(s->crm, "campaigns"));
  int64_t lviv = add(s->crm, crm_add_client, "{\"name\": \"Lviv Trade\", \"region\": \"Lviv\", \"tags\": [\"vip\"]}",
                     T_TX);
  CHECK_I64(lviv, 5);
  CHECK_OK(crm_save_segment(s->crm, "vip", "has tag 'vip'", T_TX, &out));
  CHECK_CONTAINS(out, "\"name\":\"vip\"");
  free_str(&out);
  check_members(s->crm, "vip", T_TX, "[1,5]");
  CHECK_OK(crm_segment_count(s->crm, "vip", T_TX, &n));
  CHECK_I64(n, 2);
  CHECK_OK(crm_refresh_segment(s->crm, "vip", T_TX, &out));
  CHECK_CONTAINS(out, "\"entered\":[1,5]");
  free_str(&out);
  CHECK_OK(crm_get_segment(s->crm, "vip", &out));
  CHECK_CONTAINS(out, "\"members\":2");
  free_str(&out);
  CHECK_OK(crm_list_segments(s->crm, &out));
  CHECK(json_in_order(out, "\"name\":\"lapsed\"", "\"name\":\"vip\"", NULL));
  free_str(&out);
  CHECK_OK(crm_client_matches(s->crm, "region = 'Lviv'", lviv, T_TX, &matches));
  CHECK(matches);
  CHECK_OK(crm_check_expression(s->crm, "clients", "has tag 'vip'", &out));
  free_str(&out);
  CHECK_OK(crm_segment_fields(s->crm, "clients", &out));
  free_str(&out);
  int64_t rows = -1;
  CHECK_OK(crm_export_segment(s->crm, "vip", T_TX, EXPORT_FILE, &rows));
  CHECK_I64(rows, 2);
  char *csv = slurp(EXPORT_FILE);
  CHECK_CONTAINS(csv, "\r\n5,Lviv Trade,company,");
  free(csv);
  remove(EXPORT_FILE);
  /* A failure inside leaves the transaction going. */
  CHECK_FAILS(crm_segment(s->crm, "regoin = 'Lviv'", T_TX, &out), CRM_STATUS_VALIDATION, "did you mean");
  CHECK_OK(crm_delete_segment(s->crm, "lapsed", T_TX, &out));
  free_str(&out);
  CHECK_OK(crm_rollback(s->crm));

  /* Nothing of it is kept. */
  FAILS_EMPTY(out, crm_get_segment(s->crm, "vip", &out), CRM_STATUS_NOT_FOUND, "vip");
  CHECK_OK(crm_get_segment(s->crm, "lapsed", &out));
  free_str(&out);
  CHECK_I64(count(s->crm, "orders >= 0", T_TX), 4);
  CHECK_I64(last_seq(s->crm), seq);

  /* Committed, it is. */
  CHECK_OK(crm_begin(s->crm, NULL));
  CHECK_OK(crm_save_segment(s->crm, "big_spenders", "revenue >= 1000", T_TX, &out));
  free_str(&out);
  CHECK_OK(crm_refresh_segment(s->crm, "big_spenders", T_TX, &out));
  CHECK_CONTAINS(out, "\"entered\":[1],\"left\":[],\"members\":1");
  free_str(&out);
  CHECK_OK(crm_commit(s->crm));
  CHECK_OK(crm_get_segment(s->crm, "big_spenders", &out));
  CHECK_CONTAINS(out, "\"refreshed_at\":\"" T_TX "\"");
  free_str(&out);
  CHECK_OK(crm_history(s->crm, "client", s->romashka, &out));
  CHECK(json_in_order(out, "\"kind\":\"segment_left\"", "\"kind\":\"segment_entered\"",
                      "\"segment\":\"big_spenders\"", NULL));
  free_str(&out);
}

int main(void) {
  store_t s = build();
  test_fields(&s);
  test_segments_by_expression(&s);
  test_check_expression(&s);
  test_errors(&s);
  test_saved_segments(&s);
  test_refresh(&s);
  test_export(&s);
  test_matches(&s);
  test_null_arguments(&s);
  test_in_transaction(&s);
  crm_close(s.crm);
  puts("test_segments: ok");
  return check_exit_code();
}
