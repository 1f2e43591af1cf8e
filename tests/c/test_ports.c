/*
 * test_ports.c: the web-shop and ERP ports through the C ABI (issue 10).
 *
 * 1. Web shop: an order of an unknown customer creates the client, the UTM source and a converted lead;
 *    the same order again is a duplicate that writes nothing; the same customer with the phone written
 *    otherwise is found (no new client, no lead); a total that does not add up names `total`.
 * 2. ERP: a counterparty upserted twice (created, unchanged), then changed (a field cleared); an order
 *    upserted (created), again (unchanged), corrected (updated: the client's revenue follows).
 * 3. The change feed: crm_changes_since() gives the events in the documented shape (seq, at, actor,
 *    entity, entity_id, kind, data), a client's `created` with the whole client, `updated` with the
 *    changed fields, an order's `recorded` and `updated`.
 * 4. NULL, invalid UTF-8 and unknown JSON fields get a status and an empty out-parameter.
 */
#include "check.h"

#define T0 "2026-11-02T10:00:00Z"

static const char *WEB_ORDER =
    "{\"shop\": \"tea-shop\", \"id\": \"1001\", "
    "\"customer\": {\"name\": \"Olena Kovalenko\", \"phone\": \"+380671234567\", \"email\": "
    "\"olena@example.com\"}, "
    "\"lines\": [{\"sku\": \"TEA-1\", \"name\": \"Green tea\", \"quantity\": 2, \"price\": \"150.00\"}], "
    "\"shipping\": \"50.00\", \"total\": \"350.00\", \"currency\": \"UAH\", "
    "\"utm\": {\"source\": \"google\", \"medium\": \"cpc\", \"campaign\": \"winter\"}}";

static crm_t *open_store(void) {
  crm_t *crm = NULL;
  CHECK_OK(crm_open(":memory:", &crm));
  return crm;
}

/* ---------------------------------------------------------------------------------------------------- */
/* 1. Web shop                                                                                          */

static void test_web_shop(void) {
  crm_t *crm = open_store();
  char *out = NULL;
  CHECK_OK(crm_record_web_order(crm, WEB_ORDER, T0, &out));
  CHECK_CONTAINS(out, "\"external_ref\":\"tea-shop:1001\"");
  CHECK_CONTAINS(out, "\"total\":\"350.00\"");
  CHECK_CONTAINS(out, "{\"sku\":\"shipping\",\"quantity\":1,\"unit_price\":\"50.00\"}");
  CHECK_CONTAINS(out, "\"client_id\":1,\"client_created\":true,\"lead_id\":1,\"deal_id\":1,\"source_id\":1,"
                      "\"duplicate\":false}");
  free_str(&out);
  int64_t seq = last_seq(crm);

  CHECK_OK(crm_record_web_order(crm, WEB_ORDER, "2026-11-02T10:05:00Z", &out));
  CHECK_CONTAINS(out, "\"client_created\":false,\"lead_id\":1,\"deal_id\":1,\"source_id\":1,\"duplicate\":true}");
  free_str(&out);
  CHECK_I64(last_seq(crm), seq);

  CHECK_OK(crm_get_lead(crm, 1, &out));
  CHECK_CONTAINS(out, "\"status\":\"converted\"");
  CHECK_CONTAINS(out, "\"channel\":\"shop\"");
  free_str(&out);
  CHECK_OK(crm_get_source(crm, 1, &out));
  CHECK_CONTAINS(out, "\"name\":\"google\",\"channel\":\"ads\",\"campaign\":\"winter\"");
  free_str(&out);

  /* The same customer, the phone written otherwise, no e-mail: the known client, no lead. */
  CHECK_OK(crm_record_web_order(crm,
                                "{\"id\": \"1002\", \"customer\": {\"name\": \"Olena K.\", \"phone\": \"067 123 45 67\"}, "
                                "\"total\": \"99.00\"}",
                                "2026-11-03T10:00:00Z", &out));
  CHECK_CONTAINS(out, "\"client_id\":1,\"client_created\":false,\"lead_id\":null,\"deal_id\":null,\"source_id\":2,");
  free_str(&out);
  CHECK_OK(crm_get_source(crm, 2, &out));
  CHECK_CONTAINS(out, "\"name\":\"web shop\",\"channel\":\"shop\"");
  free_str(&out);

  FAILS_EMPTY(out,
              crm_record_web_order(crm,
                                   "{\"id\": \"1003\", \"customer\": {\"name\": \"Petro\", \"phone\": \"067 555 00 11\"}, \"total\": \"10.00\", "
                                   "\"lines\": [{\"sku\": \"A\", \"quantity\": 1, \"price\": \"9.00\"}]}",
                                   T0, &out),
              CRM_STATUS_VALIDATION, "differs by 1.00");
  check_field("total");
  /* A buyer the shop gives neither a phone nor an e-mail for cannot be told from another one. */
  FAILS_EMPTY(out,
              crm_record_web_order(crm,
                                   "{\"id\": \"1004\", \"customer\": {\"name\": \"Petro\"}, \"total\": \"9.00\", "
                                   "\"lines\": [{\"sku\": \"A\", \"quantity\": 1, \"price\": \"9.00\"}]}",
                                   T0, &out),
              CRM_STATUS_VALIDATION, "needs a phone or an e-mail");
  check_field("customer");
  crm_close(crm);
}

/* ---------------------------------------------------------------------------------------------------- */
/* 2. ERP                                                                                               */

static void test_erp(void) {
  crm_t *crm = open_store();
  char *out = NULL;
  const char *romashka = "{\"external_ref\": \"1C-0001\", \"name\": \"Romashka LLC\", \"tax_id\": \"12345678\", "
                         "\"region\": \"Kyiv\", \"tags\": [\"wholesale\"]}";
  CHECK_OK(crm_upsert_counterparty(crm, romashka, T0, &out));
  CHECK_CONTAINS(out, "\"external_ref\":\"1C-0001\"");
  CHECK_CONTAINS(out, "\"action\":\"created\"}");
  free_str(&out);
  int64_t seq = last_seq(crm);
  CHECK_OK(crm_upsert_counterparty(crm, romashka, "2026-11-02T11:00:00Z", &out));
  CHECK_CONTAINS(out, "\"action\":\"unchanged\"}");
  free_str(&out);
  CHECK_I64(last_seq(crm), seq);
  CHECK_OK(crm_upsert_counterparty(crm, "{\"external_ref\": \"1C-0001\", \"region\": null}", "2026-11-02T12:00:00Z",
                                   &out));
  CHECK_CONTAINS(out, "\"region\":null");
  CHECK_CONTAINS(out, "\"action\":\"updated\"}");
  free_str(&out);

  const char *order = "{\"external_ref\": \"SO-1\", \"counterparty_ref\": \"1C-0001\", \"placed_at\": "
                      "\"2026-11-02T09:00:00Z\", \"total\": \"300.00\", "
                      "\"lines\": [{\"sku\": \"TEA-1\", \"quantity\": 2, \"unit_price\": \"150.00\"}]}";
  CHECK_OK(crm_upsert_order(crm, order, T0, &out));
  CHECK_CONTAINS(out, "\"action\":\"created\"}");
  free_str(&out);
  CHECK_OK(crm_upsert_order(crm, order, T0, &out));
  CHECK_CONTAINS(out, "\"action\":\"unchanged\"}");
  free_str(&out);
  CHECK_OK(crm_upsert_order(crm,
                            "{\"external_ref\": \"SO-1\", \"counterparty_ref\": \"1C-0001\", \"total\": \"450.00\", "
                            "\"lines\": [{\"sku\": \"TEA-1\", \"quantity\": 3, \"unit_price\": \"150.00\"}]}",
                            "2026-11-03T09:00:00Z", &out));
  CHECK_CONTAINS(out, "\"total\":\"450.00\"");
  CHECK_CONTAINS(out, "\"action\":\"updated\"}");
  free_str(&out);
  CHECK_OK(crm_client_rollup(crm, 1, &out));
  CHECK_CONTAINS(out, "\"revenue\":\"450.00\",\"orders\":1,");
  free_str(&out);
  FAILS_EMPTY(out,
              crm_upsert_order(crm, "{\"external_ref\": \"SO-2\", \"counterparty_ref\": \"1C-9\", \"total\": \"1.00\"}",
                               T0, &out),
              CRM_STATUS_NOT_FOUND, "1C-9");
  FAILS_EMPTY(out, crm_upsert_counterparty(crm, "{\"external_ref\": \"1C-0002\"}", T0, &out), CRM_STATUS_VALIDATION,
              "name");
  check_field("name");

  /* 3. The change feed, in its documented shape. */
  CHECK_OK(crm_changes_since(crm, 0, 0, &out));
  /* The fields of an event come in this order; the keys inside `data` alphabetically. */
  CHECK(json_in_order(out,
                      "[{\"seq\":1,\"at\":\"2026-11-02T10:00:00Z\",\"actor\":\"system\",\"entity\":\"client\","
                      "\"entity_id\":1,\"kind\":\"created\",\"data\":{\"address\":null,",
                      "\"external_ref\":\"1C-0001\",\"id\":1,", "\"kind\":\"company\",\"name\":\"Romashka LLC\",",
                      "\"region\":\"Kyiv\",\"tags\":[\"wholesale\"],\"tax_id\":\"12345678\",\"tax_id_quality\":\"valid\",",
                      "{\"seq\":2,\"at\":\"2026-11-02T12:00:00Z\",\"actor\":\"system\",\"entity\":\"client\","
                      "\"entity_id\":1,\"kind\":\"updated\",\"data\":{\"region\":null}}",
                      "{\"seq\":3,\"at\":\"2026-11-02T09:00:00Z\",\"actor\":\"system\",\"entity\":\"order\","
                      "\"entity_id\":1,\"kind\":\"recorded\",\"data\":{\"client_id\":1,\"deal_id\":null,"
                      "\"external_ref\":\"SO-1\",\"id\":1,",
                      "{\"seq\":4,\"at\":\"2026-11-03T09:00:00Z\",\"actor\":\"system\",\"entity\":\"order\","
                      "\"entity_id\":1,\"kind\":\"updated\",\"data\":{\"lines\":[{\"quantity\":3,\"sku\":\"TEA-1\","
                      "\"unit_price\":\"150.00\"}],\"total\":\"450.00\"}}]",
                      NULL));
  CHECK_I64(json_count(out, "\"seq\":"), 4);
  free_str(&out);
  CHECK_OK(crm_changes_since(crm, 3, 10, &out));
  CHECK_I64(json_count(out, "\"seq\":"), 1);
  CHECK_CONTAINS(out, "\"seq\":4,");
  free_str(&out);
  crm_close(crm);
}

/* ---------------------------------------------------------------------------------------------------- */
/* 4. Bad arguments                                                                                     */

static void test_bad_arguments(void) {
  crm_t *crm = open_store();
  char *out = NULL;
  FAILS_EMPTY(out, crm_record_web_order(crm, NULL, T0, &out), CRM_STATUS_NULL_ARGUMENT, "order_json");
  FAILS_EMPTY(out, crm_upsert_counterparty(crm, "{\"external_ref\": \"\xff\"}", T0, &out), CRM_STATUS_INVALID_UTF8,
              "counterparty_json");
  FAILS_EMPTY(out, crm_upsert_order(crm, "{\"external_ref\": \"SO-1\", \"x\": 1}", T0, &out), CRM_STATUS_INVALID_JSON,
              "x");
  FAILS_EMPTY(out, crm_record_web_order(crm, WEB_ORDER, "yesterday", &out), CRM_STATUS_VALIDATION, "RFC 3339");
  check_field("at");
  CHECK_STATUS(crm_upsert_counterparty(NULL, "{}", T0, &out), CRM_STATUS_NULL_ARGUMENT);
  CHECK(out == NULL);
  CHECK_STATUS(crm_upsert_order(crm, "{}", T0, NULL), CRM_STATUS_NULL_ARGUMENT);
  crm_close(crm);
}

int main(void) {
  test_web_shop();
  test_erp();
  test_bad_arguments();
  puts("test_ports: ok");
  return check_exit_code();
}
