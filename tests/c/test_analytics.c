/*
 * test_analytics.c: the client analytics through the C ABI.
 *
 * 1. A small shop, every figure checkable by hand: five clients, eight completed orders in the first
 *    quarter of 2026 (and a cancelled one, which counts nowhere) → crm_abc() by revenue (inclusive and
 *    exclusive) and by orders, crm_xyz() over three months, crm_abc_xyz() cells, crm_rfm() scores and
 *    segments (NTILE, shared ties, fixed thresholds with money bounds), crm_repeat_sales() over all
 *    history and one month, crm_product_pairs() and crm_cross_sell() on the orders' lines; bad input
 *    (malformed JSON, an unknown field, a = 1.5, b below a, an empty history for P(alive)) names its
 *    field, NULL arguments are CRM_STATUS_NULL_ARGUMENT and leave the out-parameter NULL.
 * 1b. The pipeline reports and plans on a small sales office: crm_funnel(), crm_source_report() (ROMI,
 *    cost per lead, CAC), crm_forecast(), crm_offer_report() (from the offer, objection and argument of
 *    a logged activity), crm_set_plan() / crm_plans() / crm_remove_plan() and crm_manager_report().
 * 2. CDNOW (tests/data/cdnow in crm-core, see its README): all 69,659 purchase rows of 23,570 customers
 *    loaded as orders through crm_record_orders() → ABC class counts under the three rules, every
 *    customer's RFM scores as of 1998-06-30 (NTILE) against the reference, and the BG/NBD fit of
 *    crm_p_alive() (r, alpha, a, b and the mean P(alive)) against the reference.
 *
 * Part 1 runs by default (scripts/test-c.sh runs it under valgrind); part 2 runs with `--cdnow` (the script
 * runs it once more that way, without valgrind, which would take many minutes over the load). Its data is
 * found under CRM_REPO_DIR (the repository's root): the environment variable if set, else the macro
 * scripts/test-c.sh defines when it compiles the tests.
 */
#include "check.h"

#include <time.h>

#define T_SETUP "2026-01-01T00:00:00Z"

/* The JSON object that starts with `{"client_id":<id>,` in a report (up to its closing brace). */
static const char *row_of(const char *json, int64_t client) {
  char needle[64];
  snprintf(needle, sizeof needle, "{\"client_id\":%" PRId64 ",", client);
  const char *row = json ? strstr(json, needle) : NULL;
  if (row == NULL) CHECK_FAIL_("no row of client %" PRId64 " in %s", client, json ? json : "(null)");
  return row;
}

/* Whether the row of `client` (its text up to the next `}`) contains `needle`. */
static bool row_has(const char *json, int64_t client, const char *needle) {
  const char *row = row_of(json, client);
  const char *end = strchr(row, '}');
  const char *found = strstr(row, needle);
  return found != NULL && (end == NULL || found < end);
}

#define CHECK_ROW(json, client, needle)                                                           \
  do {                                                                                            \
    if (!row_has((json), (client), (needle)))                                                     \
      CHECK_FAIL_("the row of client %" PRId64 " should contain %s\n    it is: %.300s", (int64_t)(client), \
                  (needle), row_of((json), (client)));                                            \
  } while (0)

/* ---------------------------------------------------------------------------------------------------- */
/* 1. A small shop                                                                                      */

typedef struct {
  crm_t *crm;
  int64_t c[6]; /* clients 1..5 (c[0] unused) */
} shop_t;

static void order(shop_t *s, int client, const char *total, const char *lines, const char *status, const char *at) {
  char *out = NULL;
  CHECK_OK(crm_record_order(s->crm,
                            fmt("{\"client_id\": %" PRId64 ", \"total\": \"%s\"%s%s%s%s}", s->c[client], total,
                                lines ? ", \"lines\": " : "", lines ? lines : "", status ? ", \"status\": " : "",
                                status ? status : ""),
                            at, &out));
  free_str(&out);
}

#define LINE(sku, price) "{\"sku\": \"" sku "\", \"quantity\": 1, \"unit_price\": \"" price "\"}"

/*
 * client  orders (completed)                                      revenue  lines bought
 * 1       01-10 500 (TEA 300 + CUP 200), 02-10 500 (TEA), 03-10 500 (KETTLE)  1500  TEA CUP KETTLE
 * 2       01-15 300 (TEA), 03-20 300 (CUP)                        600      TEA CUP
 * 3       02-05 200 (TEA); a cancelled 02-06 1000 (KETTLE)        200      TEA
 * 4       03-25 100 (CUP)                                         100      CUP
 * 5       01-05 100 (no lines)                                    100      -
 * Total 2500.00 in 8 orders.
 */
static void build_shop(shop_t *s) {
  CHECK_OK(crm_open(":memory:", &s->crm));
  for (int i = 1; i <= 5; i++) {
    s->c[i] = add(s->crm, crm_add_client, fmt("{\"kind\": \"person\", \"name\": \"Client %d\"}", i), T_SETUP);
    CHECK_I64(s->c[i], i); /* a fresh store: ids 1..5, which the checks of ranking order spell out */
  }
  order(s, 1, "500.00", "[" LINE("TEA", "300.00") ", " LINE("CUP", "200.00") "]", NULL, "2026-01-10T10:00:00Z");
  order(s, 1, "500.00", "[" LINE("TEA", "500.00") "]", NULL, "2026-02-10T10:00:00Z");
  order(s, 1, "500.00", "[" LINE("KETTLE", "500.00") "]", NULL, "2026-03-10T10:00:00Z");
  order(s, 2, "300.00", "[" LINE("TEA", "300.00") "]", NULL, "2026-01-15T10:00:00Z");
  order(s, 2, "300.00", "[" LINE("CUP", "300.00") "]", NULL, "2026-03-20T10:00:00Z");
  order(s, 3, "200.00", "[" LINE("TEA", "200.00") "]", NULL, "2026-02-05T10:00:00Z");
  order(s, 3, "1000.00", "[" LINE("KETTLE", "1000.00") "]", "\"cancelled\"", "2026-02-06T10:00:00Z");
  order(s, 4, "100.00", "[" LINE("CUP", "100.00") "]", NULL, "2026-03-25T10:00:00Z");
  order(s, 5, "100.00", NULL, NULL, "2026-01-05T10:00:00Z");
}

static void test_abc(shop_t *s) {
  char *out = NULL;
  /* Shares: 0.60, 0.24 (cumulative 0.84), 0.08 (0.92), 0.04 (0.96), 0.04 (1.00); 4 and 5 tie, by id. */
  CHECK_OK(crm_abc(s->crm, NULL, &out));
  CHECK(json_in_order(out, "{\"client_id\":1,", "{\"client_id\":2,", "{\"client_id\":3,", "{\"client_id\":4,",
                      "{\"client_id\":5,", NULL));
  CHECK_ROW(out, s->c[1], "\"value\":\"1500.00\",\"share\":0.6,\"cumulative_share\":0.6,\"class\":\"A\"");
  CHECK_ROW(out, s->c[2], "\"value\":\"600.00\",\"share\":0.24,");
  CHECK_ROW(out, s->c[2], "\"class\":\"B\""); /* crosses 80 %: B under the inclusive rule */
  CHECK_ROW(out, s->c[3], "\"class\":\"B\"");
  CHECK_ROW(out, s->c[4], "\"class\":\"C\"");
  CHECK_ROW(out, s->c[5], "\"value\":\"100.00\"");
  CHECK_ROW(out, s->c[5], "\"class\":\"C\"");
  CHECK_CONTAINS(out, "\"summary\":{\"a\":{\"count\":1,\"value\":\"1500.00\",\"share\":0.6},"
                      "\"b\":{\"count\":2,\"value\":\"800.00\",\"share\":0.32},"
                      "\"c\":{\"count\":2,\"value\":\"200.00\",\"share\":0.08}}");
  free_str(&out);
  /* "{}" is the defaults too. */
  CHECK_OK(crm_abc(s->crm, "{}", &out));
  CHECK_CONTAINS(out, "\"a\":{\"count\":1,");
  free_str(&out);

  /* Exclusive: the row that crosses a threshold stays above: 2 is A, 4 (before it 0.92) B. */
  CHECK_OK(crm_abc(s->crm, "{\"rule\": \"exclusive\"}", &out));
  CHECK_ROW(out, s->c[2], "\"class\":\"A\"");
  CHECK_ROW(out, s->c[3], "\"class\":\"B\"");
  CHECK_ROW(out, s->c[4], "\"class\":\"B\"");
  CHECK_ROW(out, s->c[5], "\"class\":\"C\"");
  CHECK_CONTAINS(out, "\"summary\":{\"a\":{\"count\":2,\"value\":\"2100.00\"");
  free_str(&out);

  /* By orders: 3, 2, 1, 1, 1 of 8 — values are counts (integers), not money. */
  CHECK_OK(crm_abc(s->crm, "{\"measure\": \"orders\"}", &out));
  CHECK_ROW(out, s->c[1], "\"value\":3,\"share\":0.375,");
  CHECK_ROW(out, s->c[1], "\"class\":\"A\"");
  CHECK_ROW(out, s->c[3], "\"value\":1,");
  CHECK_ROW(out, s->c[3], "\"class\":\"A\""); /* cumulative 0.75 */
  CHECK_ROW(out, s->c[4], "\"class\":\"B\""); /* 0.875 */
  CHECK_ROW(out, s->c[5], "\"class\":\"C\"");
  CHECK_CONTAINS(out, "\"summary\":{\"a\":{\"count\":3,\"value\":6,");
  free_str(&out);

  /* A period: February alone has 1 (500) and 3 (200). */
  CHECK_OK(crm_abc(s->crm, "{\"start\": \"2026-02-01\", \"end\": \"2026-02-28\"}", &out));
  CHECK(json_count(out, "{\"client_id\":") == 2);
  CHECK_ROW(out, s->c[3], "\"value\":\"200.00\"");
  free_str(&out);

  /* Bad input names its field. */
  FAILS_EMPTY(out, crm_abc(s->crm, "{\"a\": 1.5}", &out), CRM_STATUS_VALIDATION, "a");
  check_field("a");
  FAILS_EMPTY(out, crm_abc(s->crm, "{\"a\": 0.9, \"b\": 0.8}", &out), CRM_STATUS_VALIDATION, "b");
  check_field("b");
  FAILS_EMPTY(out, crm_abc(s->crm, "{\"start\": \"2026-03-01\", \"end\": \"2026-02-01\"}", &out), CRM_STATUS_VALIDATION,
              "end");
  check_field("end");
  FAILS_EMPTY(out, crm_abc(s->crm, "{\"measure\": \"profit\"}", &out), CRM_STATUS_INVALID_JSON, "query_json.measure");
  check_field("measure");
  FAILS_EMPTY(out, crm_abc(s->crm, "{\"mesure\": \"orders\"}", &out), CRM_STATUS_INVALID_JSON, "unknown field `mesure`");
  check_field("mesure");
  FAILS_EMPTY(out, crm_abc(s->crm, "{\"a\": ", &out), CRM_STATUS_INVALID_JSON, "query_json");
  FAILS_EMPTY(out, crm_abc(s->crm, "[0.8, 0.95]", &out), CRM_STATUS_INVALID_JSON, "query_json");
  FAILS_EMPTY(out, crm_abc(s->crm, "{\"start\": \"2026-02-30\"}", &out), CRM_STATUS_INVALID_JSON, "start");
}

static void test_xyz(shop_t *s) {
  char *out = NULL;
  /* Three months: 1 is 500/500/500 (CV 0: X); 2 is 300/0/300 (CV 0.71: Z); 3 and 4 started in February
   * and March (2 and 1 months: no class); 5 is 100/0/0 (mean 33.33, CV 1.41: Z). */
  CHECK_OK(crm_xyz(s->crm, "{\"start\": \"2026-01-01\", \"end\": \"2026-03-31\"}", &out));
  CHECK_CONTAINS(out, "{\"months\":[\"2026-01\",\"2026-02\",\"2026-03\"],\"rows\":[");
  CHECK_ROW(out, s->c[1], "\"periods\":3,\"mean\":\"500.00\",\"cv\":0.0,\"class\":\"X\"");
  CHECK_ROW(out, s->c[2], "\"periods\":3,\"mean\":\"200.00\",\"cv\":0.7071");
  CHECK_ROW(out, s->c[2], "\"class\":\"Z\"");
  CHECK_ROW(out, s->c[3], "\"periods\":2,\"mean\":\"100.00\"");
  CHECK_ROW(out, s->c[3], "\"class\":null");
  CHECK_ROW(out, s->c[4], "\"periods\":1,");
  CHECK_ROW(out, s->c[4], "\"class\":null");
  CHECK_ROW(out, s->c[5], "\"mean\":\"33.33\",\"cv\":1.414");
  CHECK_ROW(out, s->c[5], "\"class\":\"Z\"");
  free_str(&out);
  /* Loose thresholds make 2 a Y. */
  CHECK_OK(crm_xyz(s->crm, "{\"start\": \"2026-01-01\", \"end\": \"2026-03-31\", \"x\": 0.5, \"y\": 1.0}", &out));
  CHECK_ROW(out, s->c[2], "\"class\":\"Y\"");
  free_str(&out);
  /* The default window: the twelve months ending with the last order's. */
  CHECK_OK(crm_xyz(s->crm, NULL, &out));
  CHECK_CONTAINS(out, "{\"months\":[\"2025-04\",");
  CHECK_CONTAINS(out, "\"2026-03\"],\"rows\":");
  free_str(&out);

  FAILS_EMPTY(out, crm_xyz(s->crm, "{\"x\": -1}", &out), CRM_STATUS_VALIDATION, "x");
  check_field("x");
  FAILS_EMPTY(out, crm_xyz(s->crm, "{\"x\": 0.3, \"y\": 0.2}", &out), CRM_STATUS_VALIDATION, "y");
  check_field("y");

  /* The matrix over the quarter: ABC inclusive (1 A; 2, 3 B; 4, 5 C) × XYZ (1 X; 2, 5 Z; 3, 4 none). */
  CHECK_OK(crm_abc_xyz(s->crm, "{\"abc\": {\"start\": \"2026-01-01\", \"end\": \"2026-03-31\"}}", &out));
  CHECK(json_in_order(out, "{\"months\":[\"2026-01\",\"2026-02\",\"2026-03\"],\"cells\":[",
                      "{\"abc\":\"A\",\"xyz\":\"X\",\"clients\":1,\"revenue\":\"1500.00\"}",
                      "{\"abc\":\"A\",\"xyz\":\"Y\",\"clients\":0,\"revenue\":\"0.00\"}",
                      "{\"abc\":\"A\",\"xyz\":\"Z\",\"clients\":0,", "{\"abc\":\"A\",\"xyz\":null,\"clients\":0,",
                      "{\"abc\":\"B\",\"xyz\":\"X\",\"clients\":0,", "{\"abc\":\"B\",\"xyz\":\"Y\",\"clients\":0,",
                      "{\"abc\":\"B\",\"xyz\":\"Z\",\"clients\":1,\"revenue\":\"600.00\"}",
                      "{\"abc\":\"B\",\"xyz\":null,\"clients\":1,\"revenue\":\"200.00\"}",
                      "{\"abc\":\"C\",\"xyz\":\"X\",\"clients\":0,", "{\"abc\":\"C\",\"xyz\":\"Y\",\"clients\":0,",
                      "{\"abc\":\"C\",\"xyz\":\"Z\",\"clients\":1,\"revenue\":\"100.00\"}",
                      "{\"abc\":\"C\",\"xyz\":null,\"clients\":1,\"revenue\":\"100.00\"}]}", NULL));
  CHECK(json_count(out, "{\"abc\":") == 12);
  free_str(&out);
  CHECK_OK(crm_abc_xyz(s->crm, NULL, &out));
  CHECK(json_count(out, "{\"abc\":") == 12);
  free_str(&out);
  FAILS_EMPTY(out, crm_abc_xyz(s->crm, "{\"abc\": {\"a\": 1.5}}", &out), CRM_STATUS_VALIDATION, "a");
  FAILS_EMPTY(out, crm_abc_xyz(s->crm, "{\"abc\": {\"mesure\": 1}}", &out), CRM_STATUS_INVALID_JSON,
              "query_json.abc.mesure");
}

static void test_rfm(shop_t *s) {
  char *out = NULL;
  /* As of 2026-03-31, five clients, one per quintile. Recency 21, 11, 54, 6, 85 days; frequency 3, 2, 1,
   * 1, 1 (ties by id: 3, 4, 5 get 1, 2, 3); monetary 1500, 600, 200, 100, 100. */
  CHECK_OK(crm_rfm(s->crm, "{\"as_of\": \"2026-03-31\"}", &out));
  CHECK_CONTAINS(out, "{\"as_of\":\"2026-03-31\",\"rows\":[");
  CHECK_ROW(out, s->c[1], "\"recency_days\":21,\"frequency\":3,\"monetary\":\"1500.00\",\"r_score\":3,\"f_score\":5,"
                          "\"m_score\":5,\"segment\":\"loyal\"");
  CHECK_ROW(out, s->c[2], "\"recency_days\":11,\"frequency\":2,\"monetary\":\"600.00\",\"r_score\":4,\"f_score\":4,"
                          "\"m_score\":4,\"segment\":\"loyal\"");
  CHECK_ROW(out, s->c[3], "\"recency_days\":54,\"frequency\":1,\"monetary\":\"200.00\",\"r_score\":2,\"f_score\":1,"
                          "\"m_score\":3,\"segment\":\"hibernating\"");
  CHECK_ROW(out, s->c[4], "\"recency_days\":6,\"frequency\":1,\"monetary\":\"100.00\",\"r_score\":5,\"f_score\":2,"
                          "\"m_score\":1,\"segment\":\"potential\"");
  CHECK_ROW(out, s->c[5], "\"recency_days\":85,\"frequency\":1,\"monetary\":\"100.00\",\"r_score\":1,\"f_score\":3,"
                          "\"m_score\":2,\"segment\":\"at_risk\"");
  CHECK_CONTAINS(out, "\"segments\":[{\"segment\":\"champions\",\"clients\":0,\"monetary\":\"0.00\"},"
                      "{\"segment\":\"loyal\",\"clients\":2,\"monetary\":\"2100.00\"},"
                      "{\"segment\":\"potential\",\"clients\":1,\"monetary\":\"100.00\"},"
                      "{\"segment\":\"new\",\"clients\":0,\"monetary\":\"0.00\"},"
                      "{\"segment\":\"at_risk\",\"clients\":1,\"monetary\":\"100.00\"},"
                      "{\"segment\":\"cant_lose\",\"clients\":0,\"monetary\":\"0.00\"},"
                      "{\"segment\":\"hibernating\",\"clients\":1,\"monetary\":\"200.00\"},"
                      "{\"segment\":\"lost\",\"clients\":0,\"monetary\":\"0.00\"}]}");
  free_str(&out);

  /* Shared ties: 3, 4 and 5 (one order each) all take F = 1. */
  CHECK_OK(crm_rfm(s->crm, "{\"as_of\": \"2026-03-31\", \"tie_rule\": \"tie_shared\"}", &out));
  CHECK(json_count(out, "\"f_score\":1,") == 3);
  CHECK_ROW(out, s->c[5], "\"f_score\":1,");
  free_str(&out);

  /* Fixed thresholds, monetary bounds as money: 1 has recency 21 (≤ 30: 3), 3 orders (reaches 2 and 3:
   * 3), 1500 (≥ 1000: 5); 4 has 6 days (5), one order (1), 100 (1). */
  CHECK_OK(crm_rfm(s->crm,
                   "{\"as_of\": \"2026-03-31\", \"thresholds\": {\"recency_days\": [7, 14, 30, 60], "
                   "\"frequency\": [2, 3, 4, 5], \"monetary\": [\"150.00\", \"250.00\", \"550.00\", \"1000\"]}}",
                   &out));
  CHECK_ROW(out, s->c[1], "\"r_score\":3,\"f_score\":3,\"m_score\":5,");
  CHECK_ROW(out, s->c[4], "\"r_score\":5,\"f_score\":1,\"m_score\":1,");
  CHECK_ROW(out, s->c[2], "\"m_score\":4,"); /* 600 reaches 550 */
  free_str(&out);

  /* Orders after as_of are not seen: as of 2026-01-31 only 1, 2 and 5 had bought. */
  CHECK_OK(crm_rfm(s->crm, "{\"as_of\": \"2026-01-31\"}", &out));
  CHECK(json_count(out, "{\"client_id\":") == 3);
  CHECK_ROW(out, s->c[1], "\"recency_days\":21,\"frequency\":1,\"monetary\":\"500.00\"");
  free_str(&out);

  FAILS_EMPTY(out, crm_rfm(s->crm, NULL, &out), CRM_STATUS_NULL_ARGUMENT, "query_json");
  FAILS_EMPTY(out, crm_rfm(s->crm, "{}", &out), CRM_STATUS_INVALID_JSON, "as_of");
  FAILS_EMPTY(out, crm_rfm(s->crm, "{\"as_of\": \"2026-03-31\", \"tie_rule\": \"random\"}", &out),
              CRM_STATUS_INVALID_JSON, "tie_rule");
  check_field("tie_rule");
  FAILS_EMPTY(out, crm_rfm(s->crm, "{\"as_of\": \"2026-03-31\", \"asof\": 1}", &out), CRM_STATUS_INVALID_JSON, "asof");
  /* Money is never a float. */
  FAILS_EMPTY(out, crm_rfm(s->crm,
                           "{\"as_of\": \"2026-03-31\", \"thresholds\": {\"recency_days\": [7, 14, 30, 60], "
                           "\"frequency\": [2, 3, 4, 5], \"monetary\": [12.5, 250, 550, 1000]}}",
                           &out),
              CRM_STATUS_INVALID_JSON, "thresholds.monetary[0]");

  /* P(alive) needs a history to fit: none by 2025 is a validation error on as_of. */
  FAILS_EMPTY(out, crm_p_alive(s->crm, "{\"as_of\": \"2025-12-31\"}", &out), CRM_STATUS_VALIDATION, "as_of");
  check_field("as_of");
  FAILS_EMPTY(out, crm_p_alive(s->crm, NULL, &out), CRM_STATUS_NULL_ARGUMENT, "query_json");
  FAILS_EMPTY(out, crm_p_alive(s->crm, "{\"horizon_days\": 30}", &out), CRM_STATUS_INVALID_JSON, "as_of");
  FAILS_EMPTY(out, crm_p_alive(s->crm, "{\"as_of\": \"2026-03-31\", \"horizon_days\": -1}", &out),
              CRM_STATUS_INVALID_JSON, "horizon_days");
}

static void test_repeat_sales(shop_t *s) {
  char *out = NULL;
  /* All history: 5 clients, 2 bought twice or more, 8 orders, 2500.00; 2500 / 8 = 312.50. */
  CHECK_OK(crm_repeat_sales(s->crm, NULL, &out));
  CHECK_STR(out, "{\"clients\":5,\"repeat_clients\":2,\"repeat_rate\":0.4,\"orders\":8,\"revenue\":\"2500.00\","
                 "\"average_order\":\"312.50\"}");
  free_str(&out);
  /* February: 1 (500) and 3 (200; the cancelled order does not count). */
  CHECK_OK(crm_repeat_sales(s->crm, "{\"start\": \"2026-02-01\", \"end\": \"2026-02-28\"}", &out));
  CHECK_STR(out, "{\"clients\":2,\"repeat_clients\":0,\"repeat_rate\":0.0,\"orders\":2,\"revenue\":\"700.00\","
                 "\"average_order\":\"350.00\"}");
  free_str(&out);
  /* A period without orders. */
  CHECK_OK(crm_repeat_sales(s->crm, "{\"end\": \"2025-12-31\"}", &out));
  CHECK_STR(out, "{\"clients\":0,\"repeat_clients\":0,\"repeat_rate\":null,\"orders\":0,\"revenue\":\"0.00\","
                 "\"average_order\":null}");
  free_str(&out);
  FAILS_EMPTY(out, crm_repeat_sales(s->crm, "{\"start\": \"2026-03-01\", \"end\": \"2026-02-01\"}", &out),
              CRM_STATUS_VALIDATION, "end");
  FAILS_EMPTY(out, crm_repeat_sales(s->crm, "{\"from\": \"2026-03-01\"}", &out), CRM_STATUS_INVALID_JSON, "from");
}

static void test_pairs(shop_t *s) {
  char *out = NULL;
  /* Sets: 1 {TEA, CUP, KETTLE}, 2 {TEA, CUP}, 3 {TEA} (its KETTLE was cancelled), 4 {CUP}; 5 has no
   * lines. TEA 3, CUP 3, KETTLE 1 of 4 clients; TEA & CUP 2. At least 2 clients: TEA → CUP and back,
   * support 2/4, confidence 2/3, lift (2/3) / (3/4) = 0.888… */
  CHECK_OK(crm_product_pairs(s->crm, NULL, &out));
  CHECK_CONTAINS(out, "{\"clients\":4,\"rules\":[");
  CHECK(json_count(out, "\"if_bought\":") == 2);
  CHECK_CONTAINS(out, "{\"if_bought\":\"TEA\",\"then\":\"CUP\",\"count\":2,\"support\":0.5,\"confidence\":0.666");
  CHECK_CONTAINS(out, "{\"if_bought\":\"CUP\",\"then\":\"TEA\",\"count\":2,\"support\":0.5,\"confidence\":0.666");
  CHECK_CONTAINS(out, "\"lift\":0.888");
  free_str(&out);
  /* At least one client: every pair of the three products, both ways. */
  CHECK_OK(crm_product_pairs(s->crm, "{\"min_count\": 1}", &out));
  CHECK(json_count(out, "\"if_bought\":") == 6);
  CHECK_CONTAINS(out, "{\"if_bought\":\"TEA\",\"then\":\"KETTLE\",\"count\":1,\"support\":0.25,");
  free_str(&out);
  /* January alone: 1 {TEA, CUP}, 2 {TEA}. */
  CHECK_OK(crm_product_pairs(s->crm, "{\"period\": {\"end\": \"2026-01-31\"}, \"min_count\": 1}", &out));
  CHECK_CONTAINS(out, "{\"clients\":2,");
  CHECK(json_count(out, "\"if_bought\":") == 2);
  free_str(&out);

  /* Client 3 bought TEA: CUP is suggested, because of TEA → CUP. */
  CHECK_OK(crm_cross_sell(s->crm, s->c[3], NULL, 10, &out));
  CHECK(json_count(out, "\"product\":") == 1);
  CHECK_CONTAINS(out, "[{\"product\":\"CUP\",\"because\":{\"if_bought\":\"TEA\",\"then\":\"CUP\",\"count\":2,");
  free_str(&out);
  /* Client 4 bought CUP: TEA. */
  CHECK_OK(crm_cross_sell(s->crm, s->c[4], "{}", 10, &out));
  CHECK_CONTAINS(out, "[{\"product\":\"TEA\",");
  free_str(&out);
  /* Client 1 has everything; client 5 bought nothing with lines. */
  CHECK_OK(crm_cross_sell(s->crm, s->c[1], NULL, 10, &out));
  CHECK_STR(out, "[]");
  free_str(&out);
  CHECK_OK(crm_cross_sell(s->crm, s->c[5], NULL, 10, &out));
  CHECK_STR(out, "[]");
  free_str(&out);
  /* With single-client rules, 3 is offered CUP and KETTLE; the limit cuts. */
  CHECK_OK(crm_cross_sell(s->crm, s->c[3], "{\"min_count\": 1}", 10, &out));
  CHECK(json_count(out, "\"product\":") == 2);
  CHECK_CONTAINS(out, "{\"product\":\"KETTLE\",");
  free_str(&out);
  CHECK_OK(crm_cross_sell(s->crm, s->c[3], "{\"min_count\": 1}", 1, &out));
  CHECK(json_count(out, "\"product\":") == 1);
  free_str(&out);
  CHECK_OK(crm_cross_sell(s->crm, s->c[3], "{\"min_count\": 1}", 0, &out));
  CHECK_STR(out, "[]");
  free_str(&out);

  FAILS_EMPTY(out, crm_cross_sell(s->crm, 999, NULL, 10, &out), CRM_STATUS_NOT_FOUND, "999");
  FAILS_EMPTY(out, crm_cross_sell(s->crm, s->c[3], "{\"min_count\": -1}", 10, &out), CRM_STATUS_INVALID_JSON,
              "min_count");
  FAILS_EMPTY(out, crm_product_pairs(s->crm, "{\"period\": {\"start\": \"2026-03-01\", \"end\": \"2026-01-01\"}}", &out),
              CRM_STATUS_VALIDATION, "end");
}

static void test_null_arguments(shop_t *s) {
  char *out = NULL;
  FAILS_EMPTY(out, crm_abc(NULL, NULL, &out), CRM_STATUS_NULL_ARGUMENT, "crm");
  FAILS_EMPTY(out, crm_xyz(NULL, NULL, &out), CRM_STATUS_NULL_ARGUMENT, "crm");
  FAILS_EMPTY(out, crm_abc_xyz(NULL, NULL, &out), CRM_STATUS_NULL_ARGUMENT, "crm");
  FAILS_EMPTY(out, crm_rfm(NULL, "{\"as_of\": \"2026-03-31\"}", &out), CRM_STATUS_NULL_ARGUMENT, "crm");
  FAILS_EMPTY(out, crm_p_alive(NULL, "{\"as_of\": \"2026-03-31\"}", &out), CRM_STATUS_NULL_ARGUMENT, "crm");
  FAILS_EMPTY(out, crm_repeat_sales(NULL, NULL, &out), CRM_STATUS_NULL_ARGUMENT, "crm");
  FAILS_EMPTY(out, crm_product_pairs(NULL, NULL, &out), CRM_STATUS_NULL_ARGUMENT, "crm");
  FAILS_EMPTY(out, crm_cross_sell(NULL, 1, NULL, 10, &out), CRM_STATUS_NULL_ARGUMENT, "crm");
  CHECK_FAILS(crm_abc(s->crm, NULL, NULL), CRM_STATUS_NULL_ARGUMENT, "report_json");
  CHECK_FAILS(crm_xyz(s->crm, NULL, NULL), CRM_STATUS_NULL_ARGUMENT, "report_json");
  CHECK_FAILS(crm_abc_xyz(s->crm, NULL, NULL), CRM_STATUS_NULL_ARGUMENT, "matrix_json");
  CHECK_FAILS(crm_rfm(s->crm, "{\"as_of\": \"2026-03-31\"}", NULL), CRM_STATUS_NULL_ARGUMENT, "report_json");
  CHECK_FAILS(crm_p_alive(s->crm, "{\"as_of\": \"2026-03-31\"}", NULL), CRM_STATUS_NULL_ARGUMENT, "report_json");
  CHECK_FAILS(crm_repeat_sales(s->crm, NULL, NULL), CRM_STATUS_NULL_ARGUMENT, "report_json");
  CHECK_FAILS(crm_product_pairs(s->crm, NULL, NULL), CRM_STATUS_NULL_ARGUMENT, "report_json");
  CHECK_FAILS(crm_cross_sell(s->crm, s->c[3], NULL, 10, NULL), CRM_STATUS_NULL_ARGUMENT, "suggestions_json");
  /* Invalid UTF-8 in a query. */
  FAILS_EMPTY(out, crm_abc(s->crm, "{\"rule\": \"\xff\"}", &out), CRM_STATUS_INVALID_UTF8, "query_json");
}

/* Inside a transaction the readers see its uncommitted orders. */
static void test_in_transaction(shop_t *s) {
  char *out = NULL;
  CHECK_OK(crm_begin(s->crm, NULL));
  order(s, 5, "5000.00", NULL, NULL, "2026-03-30T10:00:00Z");
  CHECK_OK(crm_abc(s->crm, NULL, &out));
  CHECK(json_in_order(out, fmt("{\"client_id\":%" PRId64 ",\"value\":\"5100.00\"", s->c[5]), NULL));
  free_str(&out);
  CHECK_OK(crm_rollback(s->crm));
  CHECK_OK(crm_repeat_sales(s->crm, NULL, &out));
  CHECK_CONTAINS(out, "\"revenue\":\"2500.00\"");
  free_str(&out);
}

/* ---------------------------------------------------------------------------------------------------- */
/* 1b. The pipeline reports and plans, on a small sales office                                          */

/*
 * Olena (manager 1); the source Google Ads (winter) with 300.00 spent; two web leads of hers from it.
 * Lead 1: an e-mail carrying offer KP-1 that met the objection too_expensive, answered with
 * delivery_included; qualified, converted (a deal of 1000.00), the deal won, an order of 1000.00. Lead 2
 * stays open. A second deal of 2000.00 with the client, expected to close in December, stays open.
 */
static void test_reports(void) {
  crm_t *crm = NULL;
  char *out = NULL;
  CHECK_OK(crm_open(":memory:", &crm));
  int64_t olena = add(crm, crm_add_manager, "{\"name\": \"Olena Koval\"}", "2026-11-01T08:00:00Z");
  int64_t google = add(crm, crm_add_source, "{\"name\": \"Google Ads\", \"channel\": \"ads\", \"campaign\": \"winter\"}",
                       "2026-11-01T08:00:00Z");
  CHECK_OK(crm_add_spend(crm, fmt("{\"source_id\": %" PRId64 ", \"on\": \"2026-11-02\", \"amount\": \"300.00\"}", google),
                         "2026-11-02T08:00:00Z", &out));
  free_str(&out);
  CHECK_OK(crm_capture_lead(crm,
                            fmt("{\"channel\": \"web\", \"name\": \"Ivan\", \"phone\": \"+380671234567\", \"source_id\": "
                                "%" PRId64 ", \"owner_id\": %" PRId64 "}",
                                google, olena),
                            "2026-11-03T09:00:00Z", &out));
  int64_t lead = JSON_I64(out, "id");
  free_str(&out);
  CHECK_OK(crm_capture_lead(crm,
                            fmt("{\"channel\": \"web\", \"phone\": \"+380671234568\", \"source_id\": %" PRId64
                                ", \"owner_id\": %" PRId64 "}",
                                google, olena),
                            "2026-11-04T09:00:00Z", &out));
  free_str(&out);
  CHECK_OK(crm_log_activity(crm,
                            fmt("{\"kind\": \"email\", \"direction\": \"out\", \"lead_id\": %" PRId64
                                ", \"manager_id\": %" PRId64 ", \"offer\": \"KP-1\", \"objection\": \"too_expensive\", "
                                "\"argument\": \"delivery_included\"}",
                                lead, olena),
                            "2026-11-03T11:00:00Z", &out));
  CHECK_CONTAINS(out, "\"offer\":\"KP-1\",\"objection\":\"too_expensive\",\"argument\":\"delivery_included\"");
  free_str(&out);
  CHECK_OK(crm_qualify_lead(crm, lead, "2026-11-04T10:00:00Z", &out));
  free_str(&out);
  CHECK_OK(crm_convert_lead(crm, lead, "{\"amount\": \"1000.00\", \"title\": \"Chairs\"}", "2026-11-05T10:00:00Z", &out));
  int64_t client = JSON_I64(out, "client_id");
  int64_t deal = JSON_I64(out, "deal_id");
  free_str(&out);
  CHECK_OK(crm_win_deal(crm, deal, "2026-11-10T10:00:00Z", &out));
  free_str(&out);
  CHECK_OK(crm_record_order(crm, fmt("{\"client_id\": %" PRId64 ", \"total\": \"1000.00\"}", client),
                            "2026-11-12T10:00:00Z", &out));
  free_str(&out);
  CHECK_OK(crm_open_deal(crm,
                         fmt("{\"client_id\": %" PRId64 ", \"title\": \"Second office\", \"amount\": \"2000.00\", "
                             "\"expected_close\": \"2026-12-20\"}",
                             client),
                         "2026-11-15T10:00:00Z", &out));
  free_str(&out);

  /* The funnel of November: 2 received, 1 converted, 1 won. */
  const char *november = "{\"start\": \"2026-11-01\", \"end\": \"2026-11-30\"}";
  CHECK_OK(crm_funnel(crm, november, &out));
  CHECK_CONTAINS(out, "{\"mode\":\"cohort\",\"start\":\"2026-11-01\",\"end\":\"2026-11-30\",\"as_of\":null,\"by\":null,");
  CHECK(json_in_order(out, "{\"code\":\"received\",", "\"entered\":2,", "{\"code\":\"converted\",", "\"entered\":1,",
                      "{\"code\":\"won\",", "\"entered\":1,", "\"groups\":[]}", NULL));
  free_str(&out);
  CHECK_OK(crm_funnel(crm, "{\"start\": \"2026-11-01\", \"end\": \"2026-11-30\", \"by\": \"manager\"}", &out));
  CHECK_CONTAINS(out, fmt("\"groups\":[{\"key\":\"%" PRId64 "\",\"label\":\"Olena Koval\",\"manager_id\":%" PRId64 ",",
                          olena, olena));
  free_str(&out);
  FAILS_EMPTY(out, crm_funnel(crm, "{\"start\": \"2026-11-01\"}", &out), CRM_STATUS_INVALID_JSON, "end");
  FAILS_EMPTY(out, crm_funnel(crm, "{\"start\": \"2026-11-30\", \"end\": \"2026-11-01\"}", &out), CRM_STATUS_VALIDATION,
              "end");
  check_field("end");
  FAILS_EMPTY(out, crm_funnel(crm, "{\"start\": \"2026-11-01\", \"end\": \"2026-11-30\", \"by\": \"region\"}", &out),
              CRM_STATUS_INVALID_JSON, "by");
  FAILS_EMPTY(out, crm_funnel(crm, NULL, &out), CRM_STATUS_NULL_ARGUMENT, "query_json");

  /* Sources: 2 leads, 1 converted, 1000.00 of revenue against 300.00 spent: ROMI (1000 − 300) / 300. */
  CHECK_OK(crm_source_report(crm, november, &out));
  CHECK_CONTAINS(out, fmt("[{\"source_id\":%" PRId64 ",\"name\":\"Google Ads\",\"campaign\":\"winter\",\"channel\":\"ads\","
                          "\"leads\":2,\"junk\":0,\"qualified\":1,\"converted\":1,\"conversion_rate\":0.5,\"clients\":1,"
                          "\"clients_won\":1,\"revenue\":\"1000.00\",\"spend\":\"300.00\",\"cost_per_lead\":\"150.00\","
                          "\"cac\":\"300.00\",\"romi\":2.333",
                          google));
  free_str(&out);
  FAILS_EMPTY(out, crm_source_report(crm, "{\"start\": \"2026-11-01\", \"end\": \"2026-11-30\", \"days\": 1}", &out),
              CRM_STATUS_INVALID_JSON, "days");

  /* The forecast: the open 2000.00 deal in December; its stage's history is the won deal (rate 1). */
  CHECK_OK(crm_forecast(crm, "{\"as_of\": \"2026-11-30T00:00:00Z\"}", &out));
  CHECK_CONTAINS(out, "{\"as_of\":\"2026-11-30T00:00:00Z\",\"history_start\":\"2025-11-30\",\"months\":[{\"month\":"
                      "\"2026-12\",\"overdue\":0,\"deals\":1,\"amount\":\"2000.00\",");
  CHECK_CONTAINS(out, "\"total\":{\"deals\":1,\"amount\":\"2000.00\",");
  CHECK_CONTAINS(out, "\"history_closed\":1,\"history_won\":1,\"history_rate\":1.0,\"deals\":1,\"amount\":\"2000.00\",");
  CHECK_CONTAINS(out, "\"historic\":\"2000.00\"}}");
  free_str(&out);
  FAILS_EMPTY(out, crm_forecast(crm, "{}", &out), CRM_STATUS_INVALID_JSON, "as_of");
  FAILS_EMPTY(out, crm_forecast(crm, "{\"as_of\": \"2026-11-30\"}", &out), CRM_STATUS_INVALID_JSON, "as_of");

  /* Offers and objections: KP-1 sent once on lead 1, which converted; the objection was overcome. */
  CHECK_OK(crm_offer_report(crm, november, &out));
  CHECK_STR(out, "{\"start\":\"2026-11-01\",\"end\":\"2026-11-30\",\"offers\":[{\"offer\":\"KP-1\",\"sent\":1,\"leads\":1,"
                 "\"deals\":0,\"leads_converted\":1,\"deals_won\":0,\"conversion_rate\":1.0}],\"objections\":[{\"objection\":"
                 "\"too_expensive\",\"met\":1,\"tracked\":1,\"overcome\":1,\"rate\":1.0,\"arguments\":[{\"argument\":"
                 "\"delivery_included\",\"used\":1,\"tracked\":1,\"overcome\":1,\"rate\":1.0}]}]}");
  free_str(&out);
  CHECK_OK(crm_offer_report(crm, "{\"start\": \"2026-12-01\", \"end\": \"2026-12-31\"}", &out));
  CHECK_STR(out, "{\"start\":\"2026-12-01\",\"end\":\"2026-12-31\",\"offers\":[],\"objections\":[]}");
  free_str(&out);

  /* Plans. */
  CHECK_OK(crm_set_plan(crm, fmt("{\"manager_id\": %" PRId64 ", \"month\": \"2026-11\", \"revenue\": \"5000.00\", "
                                 "\"deals\": 2}",
                                 olena),
                        "2026-11-01T09:00:00Z", &out));
  CHECK_STR(out, fmt("{\"manager_id\":%" PRId64 ",\"month\":\"2026-11\",\"revenue\":\"5000.00\",\"deals\":2}", olena));
  free_str(&out);
  FAILS_EMPTY(out, crm_set_plan(crm, fmt("{\"manager_id\": %" PRId64 ", \"month\": \"2026-13\"}", olena),
                                "2026-11-01T09:00:00Z", &out),
              CRM_STATUS_VALIDATION, "month");
  check_field("month");
  FAILS_EMPTY(out, crm_set_plan(crm, fmt("{\"manager_id\": %" PRId64 ", \"month\": \"2026-12\", \"revenue\": \"-1.00\"}", olena),
                                "2026-11-01T09:00:00Z", &out),
              CRM_STATUS_VALIDATION, "revenue");
  FAILS_EMPTY(out, crm_set_plan(crm, "{\"manager_id\": 99, \"month\": \"2026-11\"}", "2026-11-01T09:00:00Z", &out),
              CRM_STATUS_NOT_FOUND, "99");
  FAILS_EMPTY(out, crm_set_plan(crm, "{\"manager_id\": 1, \"month\": \"2026-11\", \"revenue\": 12.5}", "2026-11-01T09:00:00Z",
                                &out),
              CRM_STATUS_INVALID_JSON, "revenue");
  CHECK_OK(crm_plans(crm, 0, NULL, NULL, &out));
  CHECK(json_count(out, "{\"manager_id\":") == 1);
  free_str(&out);
  CHECK_OK(crm_plans(crm, olena, "2026-12", NULL, &out));
  CHECK_STR(out, "[]");
  free_str(&out);
  CHECK_OK(crm_plans(crm, olena, "2026-01", "2026-11", &out));
  CHECK_CONTAINS(out, "\"month\":\"2026-11\"");
  free_str(&out);
  FAILS_EMPTY(out, crm_plans(crm, 0, "11-2026", NULL, &out), CRM_STATUS_VALIDATION, "from_month");
  check_field("from_month");

  /* The manager report beside the plan. */
  CHECK_OK(crm_manager_report(crm, november, &out));
  CHECK_CONTAINS(out, fmt("[{\"manager_id\":%" PRId64 ",\"name\":\"Olena Koval\",\"active\":true,\"received\":2,", olena));
  CHECK_CONTAINS(out, "\"deals_won\":1,\"won_amount\":\"1000.00\",");
  CHECK_CONTAINS(out, "\"promises_kept\":null,\"months\":[{\"month\":\"2026-11\",\"from\":\"2026-11-01\",\"to\":"
                      "\"2026-11-30\",\"plan_revenue\":\"5000.00\",\"plan_deals\":2,");
  CHECK_CONTAINS(out, "\"deals\":1,");
  free_str(&out);
  FAILS_EMPTY(out, crm_manager_report(crm, "{\"start\": \"2026-11-30\", \"end\": \"2026-11-01\"}", &out),
              CRM_STATUS_VALIDATION, "end");

  CHECK_OK(crm_remove_plan(crm, olena, "2026-11", "2026-11-20T09:00:00Z", &out));
  CHECK_CONTAINS(out, "\"revenue\":\"5000.00\"");
  free_str(&out);
  FAILS_EMPTY(out, crm_remove_plan(crm, olena, "2026-11", "2026-11-20T09:00:00Z", &out), CRM_STATUS_NOT_FOUND, "plan");
  CHECK_OK(crm_history(crm, "manager", olena, &out));
  CHECK(json_in_order(out, "\"kind\":\"plan_set\"", "\"kind\":\"plan_removed\"", NULL));
  free_str(&out);

  /* NULL arguments. */
  FAILS_EMPTY(out, crm_funnel(NULL, november, &out), CRM_STATUS_NULL_ARGUMENT, "crm");
  FAILS_EMPTY(out, crm_source_report(NULL, november, &out), CRM_STATUS_NULL_ARGUMENT, "crm");
  FAILS_EMPTY(out, crm_forecast(NULL, "{\"as_of\": \"2026-11-30T00:00:00Z\"}", &out), CRM_STATUS_NULL_ARGUMENT, "crm");
  FAILS_EMPTY(out, crm_offer_report(NULL, november, &out), CRM_STATUS_NULL_ARGUMENT, "crm");
  FAILS_EMPTY(out, crm_manager_report(NULL, november, &out), CRM_STATUS_NULL_ARGUMENT, "crm");
  FAILS_EMPTY(out, crm_plans(NULL, 0, NULL, NULL, &out), CRM_STATUS_NULL_ARGUMENT, "crm");
  FAILS_EMPTY(out, crm_set_plan(NULL, "{}", "2026-11-20T09:00:00Z", &out), CRM_STATUS_NULL_ARGUMENT, "crm");
  FAILS_EMPTY(out, crm_remove_plan(NULL, 1, "2026-11", "2026-11-20T09:00:00Z", &out), CRM_STATUS_NULL_ARGUMENT, "crm");
  FAILS_EMPTY(out, crm_remove_plan(crm, 1, NULL, "2026-11-20T09:00:00Z", &out), CRM_STATUS_NULL_ARGUMENT, "month");
  CHECK_FAILS(crm_funnel(crm, november, NULL), CRM_STATUS_NULL_ARGUMENT, "report_json");
  CHECK_FAILS(crm_source_report(crm, november, NULL), CRM_STATUS_NULL_ARGUMENT, "rows_json");
  CHECK_FAILS(crm_manager_report(crm, november, NULL), CRM_STATUS_NULL_ARGUMENT, "rows_json");
  CHECK_FAILS(crm_plans(crm, 0, NULL, NULL, NULL), CRM_STATUS_NULL_ARGUMENT, "plans_json");
  CHECK_FAILS(crm_set_plan(crm, "{}", "2026-11-20T09:00:00Z", NULL), CRM_STATUS_NULL_ARGUMENT, "plan_json");
  crm_close(crm);
}

/* ---------------------------------------------------------------------------------------------------- */
/* 2. CDNOW                                                                                             */

#ifndef CRM_REPO_DIR
#define CRM_REPO_DIR "."
#endif

static char *read_file(const char *name) {
  const char *root = getenv("CRM_REPO_DIR");
  if (root == NULL || *root == '\0') root = CRM_REPO_DIR;
  char path[1024];
  snprintf(path, sizeof path, "%s/crm-core/tests/data/cdnow/%s", root, name);
  FILE *f = fopen(path, "rb");
  if (f == NULL) CHECK_FAIL_("cannot open %s (set CRM_REPO_DIR to the repository's root)", path);
  CHECK(fseek(f, 0, SEEK_END) == 0);
  long size = ftell(f);
  CHECK(size > 0);
  rewind(f);
  char *text = malloc((size_t)size + 1);
  CHECK(text != NULL);
  CHECK(fread(text, 1, (size_t)size, f) == (size_t)size);
  text[size] = '\0';
  fclose(f);
  return text;
}

/* Prints the time since the last lap. */
static void lap(const char *what) {
  static struct timespec last;
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  if (last.tv_sec)
    printf("    (%s: %.1f s)\n", what, (double)(now.tv_sec - last.tv_sec) + (double)(now.tv_nsec - last.tv_nsec) / 1e9);
  last = now;
}

typedef struct {
  int customer;
  char date[11];
  char amount[16];
} purchase_t;

static int by_date(const void *a, const void *b) {
  const purchase_t *x = a, *y = b;
  int c = strcmp(x->date, y->date);
  if (c != 0) return c;
  return (x->customer > y->customer) - (x->customer < y->customer);
}

/* Decimal text ("89.0", "11.77", "89.00", "0") as cents, exactly (no libm needed). */
static int64_t cents(const char *text) {
  char *end = NULL;
  int64_t units = strtoll(text, &end, 10), fraction = 0;
  if (*end == '.') {
    int digits = 0;
    for (end++; *end >= '0' && *end <= '9' && digits < 2; end++, digits++) fraction = fraction * 10 + (*end - '0');
    if (digits == 1) fraction *= 10;
  }
  return units * 100 + fraction;
}

static double distance(double x, double y) { return x > y ? x - y : y - x; }

#define CDNOW_ROWS 69659
#define CDNOW_CUSTOMERS 23570

typedef struct {
  crm_t *crm;
  int64_t client_of[CDNOW_CUSTOMERS + 1];
  int customer_of_count;
  int *customer_of; /* client id → customer */
} cdnow_t;

static void load_cdnow(cdnow_t *d) {
  char *csv = read_file("cdnow_transactions.csv");
  purchase_t *rows = calloc(CDNOW_ROWS, sizeof *rows);
  CHECK(rows != NULL);
  int n = 0;
  char *line = strchr(csv, '\n'); /* past the header: line_no,customer_id,date,quantity,amount */
  CHECK(line != NULL);
  line++;
  while (*line) {
    char *end = strchr(line, '\n');
    if (end) *end = '\0';
    if (*line) {
      CHECK(n < CDNOW_ROWS);
      int line_no = 0, quantity = 0;
      purchase_t *p = &rows[n];
      CHECK(sscanf(line, "%d,%d,%10[0-9-],%d,%15[0-9.]", &line_no, &p->customer, p->date, &quantity, p->amount) == 5);
      CHECK(p->customer >= 1 && p->customer <= CDNOW_CUSTOMERS);
      n++;
    }
    if (!end) break;
    line = end + 1;
  }
  free(csv);
  CHECK_I64(n, CDNOW_ROWS);

  /* One client per customer, in customer order, created on the day of its first purchase. */
  static char first[CDNOW_CUSTOMERS + 1][11];
  for (int i = 0; i < n; i++) {
    char *f = first[rows[i].customer];
    if (f[0] == '\0' || strcmp(rows[i].date, f) < 0) memcpy(f, rows[i].date, 11);
  }
  CHECK_OK(crm_open(":memory:", &d->crm));
  CHECK_OK(crm_begin(d->crm, NULL));
  d->customer_of = calloc(CDNOW_CUSTOMERS * 2 + 2, sizeof(int));
  CHECK(d->customer_of != NULL);
  for (int c = 1; c <= CDNOW_CUSTOMERS; c++) {
    CHECK(first[c][0] != '\0');
    char at[32];
    snprintf(at, sizeof at, "%sT00:00:00Z", first[c]);
    d->client_of[c] = add(d->crm, crm_add_client, fmt("{\"kind\": \"person\", \"name\": \"CDNOW %d\"}", c), at);
    CHECK(d->client_of[c] > 0 && d->client_of[c] <= CDNOW_CUSTOMERS * 2);
    d->customer_of[d->client_of[c]] = c;
  }
  CHECK_OK(crm_commit(d->crm));
  lap("23,570 clients added");

  /* Every row a completed order at midnight of its day, oldest first, in batches. */
  qsort(rows, (size_t)n, sizeof *rows, by_date);
  enum { BATCH = 20000 };
  size_t capacity = (size_t)BATCH * 96 + 16;
  char *batch = malloc(capacity);
  CHECK(batch != NULL);
  for (int start = 0; start < n; start += BATCH) {
    int stop = start + BATCH < n ? start + BATCH : n;
    size_t len = 0;
    batch[len++] = '[';
    for (int i = start; i < stop; i++) {
      int w = snprintf(batch + len, capacity - len,
                       "%s{\"at\":\"%sT00:00:00Z\",\"order\":{\"client_id\":%" PRId64 ",\"total\":\"%s\"}}",
                       i > start ? "," : "", rows[i].date, d->client_of[rows[i].customer], rows[i].amount);
      CHECK(w > 0 && (size_t)w < capacity - len);
      len += (size_t)w;
    }
    CHECK(len + 2 < capacity);
    batch[len++] = ']';
    batch[len] = '\0';
    char *results = NULL;
    CHECK_OK(crm_record_orders(d->crm, batch, &results));
    CHECK(json_count(results, "{\"order\":") == stop - start);
    CHECK(json_count(results, "{\"error\":") == 0);
    free_str(&results);
  }
  free(batch);
  free(rows);
}

/* The count of one class in an ABC report's summary: `"<class>":{"count":<n>`. */
static int64_t class_count(const char *report, const char *class) {
  const char *summary = strstr(report, "\"summary\":");
  CHECK(summary != NULL);
  char needle[32];
  snprintf(needle, sizeof needle, "\"%s\":{\"count\":", class);
  const char *at = strstr(summary, needle);
  CHECK(at != NULL);
  return strtoll(at + strlen(needle), NULL, 10);
}

static void check_abc(cdnow_t *d, const char *query, int64_t a, int64_t b, int64_t c) {
  char *out = NULL;
  CHECK_OK(crm_abc(d->crm, query, &out));
  int64_t got_a = class_count(out, "a"), got_b = class_count(out, "b"), got_c = class_count(out, "c");
  printf("    ABC %s: A %" PRId64 ", B %" PRId64 ", C %" PRId64 "\n", query, got_a, got_b, got_c);
  CHECK_I64(got_a, a);
  CHECK_I64(got_b, b);
  CHECK_I64(got_c, c);
  CHECK(json_count(out, "{\"client_id\":") == CDNOW_CUSTOMERS);
  /* The best customer: 7592 with 13990.93. */
  CHECK(json_in_order(out, fmt("{\"rows\":[{\"client_id\":%" PRId64 ",\"value\":\"13990.93\",", d->client_of[7592]),
                      NULL));
  free_str(&out);
}

/* Every customer's RFM values and NTILE scores against cdnow_rfm_scores_truth.csv. */
static void check_rfm(cdnow_t *d) {
  char *out = NULL;
  CHECK_OK(crm_rfm(d->crm, "{\"as_of\": \"1998-06-30\", \"tie_rule\": \"ntile\"}", &out));
  char *truth = read_file("cdnow_rfm_scores_truth.csv");
  /* customer_id,recency_days,frequency,monetary,r_score,f_score,m_score,r_score_tie,f_score_tie,m_score_tie */
  const char *line = strchr(truth, '\n');
  CHECK(line != NULL);
  line++;
  const char *row = strstr(out, "\"rows\":[");
  CHECK(row != NULL);
  int checked = 0;
  while (*line) {
    int customer, recency, frequency, r, f, m;
    char monetary[32];
    int consumed = 0;
    if (sscanf(line, "%d,%d,%d,%31[0-9.],%d,%d,%d%n", &customer, &recency, &frequency, monetary, &r, &f, &m,
               &consumed) != 7)
      break;
    /* The report's rows are by client id, which follows the customer id. */
    row = strstr(row, "{\"client_id\":");
    CHECK(row != NULL);
    long long client = 0, got_recency = 0, got_frequency = 0;
    char got_monetary[32];
    int got_r = 0, got_f = 0, got_m = 0;
    if (sscanf(row,
               "{\"client_id\":%lld,\"recency_days\":%lld,\"frequency\":%lld,\"monetary\":\"%31[0-9.-]\","
               "\"r_score\":%d,\"f_score\":%d,\"m_score\":%d",
               &client, &got_recency, &got_frequency, got_monetary, &got_r, &got_f, &got_m) != 7)
      CHECK_FAIL_("an RFM row not as expected: %.200s", row);
    if (client != d->client_of[customer] || got_recency != recency || got_frequency != frequency ||
        cents(got_monetary) != cents(monetary) || got_r != r || got_f != f || got_m != m)
      CHECK_FAIL_("customer %d: expected recency %d, frequency %d, monetary %s, scores %d %d %d\n    got %.200s",
                  customer, recency, frequency, monetary, r, f, m, row);
    row++;
    checked++;
    line = strchr(line, '\n');
    if (!line) break;
    line++;
  }
  CHECK_I64(checked, CDNOW_CUSTOMERS);
  CHECK(strstr(row, "{\"client_id\":") == NULL);
  printf("    RFM as of 1998-06-30 (ntile): %d customers' values and scores match\n", checked);
  free(truth);
  free_str(&out);
}

static double number_after(const char *json, const char *needle) {
  const char *at = strstr(json, needle);
  if (at == NULL) CHECK_FAIL_("no %s in %.300s", needle, json);
  return strtod(at + strlen(needle), NULL);
}

static void check_p_alive(cdnow_t *d) {
  char *out = NULL;
  CHECK_OK(crm_p_alive(d->crm, "{\"as_of\": \"1998-06-30\"}", &out));
  CHECK_CONTAINS(out, "{\"as_of\":\"1998-06-30\",\"horizon_days\":90,\"params\":{\"r\":");
  double r = number_after(out, "\"params\":{\"r\":");
  double alpha = number_after(out, ",\"alpha\":");
  double a = number_after(out, ",\"a\":");
  double b = number_after(out, ",\"b\":");
  printf("    BG/NBD as of 1998-06-30: r %.6f, alpha %.6f, a %.6f, b %.6f\n", r, alpha, a, b);
  CHECK(distance(r, 0.267128) < 1e-3);
  CHECK(distance(alpha, 41.905448) < 1e-3);
  CHECK(distance(a, 0.483517) < 1e-3);
  CHECK(distance(b, 2.111608) < 1e-3);
  double sum = 0;
  int count = 0;
  const char *needle = "\"p_alive\":";
  for (const char *at = strstr(out, needle); at; at = strstr(at + 1, needle)) {
    double p = strtod(at + strlen(needle), NULL);
    CHECK(p >= 0.0 && p <= 1.0);
    sum += p;
    count++;
  }
  CHECK_I64(count, CDNOW_CUSTOMERS);
  double mean = sum / count;
  printf("    mean P(alive) %.6f over %d customers\n", mean, count);
  CHECK(distance(mean, 0.796959) < 1e-4);
  free_str(&out);
}

static void test_cdnow(void) {
  cdnow_t *d = calloc(1, sizeof *d);
  CHECK(d != NULL);
  lap("start");
  load_cdnow(d);
  lap("69,659 orders recorded");
  /* 69,659 orders, 2,500,315.63 in all. */
  char *out = NULL;
  CHECK_OK(crm_repeat_sales(d->crm, NULL, &out));
  CHECK_CONTAINS(out, "{\"clients\":23570,");
  CHECK_CONTAINS(out, "\"orders\":69659,\"revenue\":\"2500315.63\",");
  free_str(&out);
  check_abc(d, "{}", 7694, 8044, 7832);
  check_abc(d, "{\"rule\": \"exclusive\"}", 7695, 8044, 7831);
  check_abc(d, "{\"rule\": \"tie_group\", \"a\": 0.8, \"b\": 0.95}", 7694, 8034, 7842);
  lap("ABC");
  check_rfm(d);
  lap("RFM");
  check_p_alive(d);
  lap("P(alive)");
  crm_close(d->crm);
  free(d->customer_of);
  free(d);
}

/* Without arguments the small shop (scripts/test-c.sh runs it under valgrind); with `--cdnow` the CDNOW
 * checks (run without valgrind: loading 69,659 orders under it would take many minutes). */
int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "--cdnow") == 0) {
    test_cdnow();
    puts("test_analytics --cdnow: ok");
    return check_exit_code();
  }
  shop_t s = {0};
  build_shop(&s);
  test_abc(&s);
  test_xyz(&s);
  test_rfm(&s);
  test_repeat_sales(&s);
  test_pairs(&s);
  test_null_arguments(&s);
  test_in_transaction(&s);
  crm_close(s.crm);
  test_reports();
  puts("test_analytics: ok (the CDNOW checks run with --cdnow)");
  return check_exit_code();
}
