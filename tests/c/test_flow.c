/*
 * test_flow.c: a whole sale through the C ABI on a file store, as a host (an ERP, a shop) drives it.
 *
 * manager and source → a lead captured (and captured again: the same lead) → an outbound call (the
 * first response) → qualified → converted (a client and a deal) → the deal moved and won → an order
 * with lines (and the same order again: the same id) → a batch of orders with a bad item → history,
 * lead transitions, deal stages and the change feed read back in order → lists with queries and
 * paging → the client's rollup → a lead lost (the reason is mandatory) → a client patched (null
 * clears) → transactions: commit keeps all, rollback keeps nothing, a failed command inside leaves
 * nothing of itself → closed, reopened, everything still there.
 */
#include "check.h"

#define STORE "flow.crm"

/* Times of the story, in order (each change is later than the record's last one). */
#define T_SETUP "2026-11-02T09:00:00Z"
#define T_LEAD "2026-11-02T09:30:00Z"
#define T_CALL "2026-11-02T09:45:00Z"
#define T_QUALIFY "2026-11-02T10:15:00Z"
#define T_CONVERT "2026-11-03T12:00:00Z"
#define T_PROPOSAL "2026-11-05T15:00:00Z"
#define T_NEGOTIATE "2026-11-09T11:00:00Z"
#define T_WIN "2026-11-12T16:30:00Z"
#define T_ORDER "2026-11-13T10:00:00Z"
#define T_BATCH1 "2026-11-20T08:00:00Z"
#define T_BATCH2 "2026-12-01T08:00:00Z"
#define T_LATER "2026-12-02T09:00:00Z"
#define T_TX "2026-12-03T09:00:00Z"

/* The "seq" values of a JSON array of events are strictly increasing; returns how many there are. */
static int check_seqs_increase(const char *events) {
  int n = 0;
  int64_t previous = 0;
  for (const char *at = strstr(events, "{\"seq\":"); at; at = strstr(at + 1, "{\"seq\":")) {
    int64_t seq = JSON_I64(at, "seq");
    CHECK(seq > previous);
    previous = seq;
    n++;
  }
  return n;
}

/* How many leads a query lists. */
static int count_leads(const crm_t *crm, const char *query) {
  char *out = NULL;
  CHECK_OK(crm_list_leads(crm, query, &out));
  int n = json_count(out, "\"received_at\":");
  free_str(&out);
  return n;
}

int main(void) {
  remove_store(STORE);
  crm_t *crm = NULL;
  char *out = NULL;
  CHECK_OK(crm_open(STORE, &crm));
  CHECK(crm != NULL);
  CHECK_I64(last_seq(crm), 0);
  CHECK_OK(crm_set_actor(crm, "olena"));

  /* --- setup: a manager and a source ------------------------------------------------------------- */
  CHECK_OK(crm_add_manager(crm, "{\"name\": \"Olena Koval\", \"email\": \"olena@example.com\", \"team\": \"sales\"}",
                           T_SETUP, &out));
  int64_t manager = JSON_I64(out, "id");
  CHECK(manager > 0);
  CHECK_CONTAINS(out, "\"active\":true");
  free_str(&out);
  CHECK_OK(crm_add_source(crm, "{\"name\": \"Google Ads\", \"channel\": \"ads\", \"campaign\": \"winter\"}", T_SETUP,
                          &out));
  int64_t source = JSON_I64(out, "id");
  CHECK(source > 0);
  free_str(&out);

  /* --- a lead comes in --------------------------------------------------------------------------- */
  const char *lead_json = fmt("{\"channel\": \"web\", \"source_id\": %" PRId64 ", \"name\": \"Ivan Petrenko\", "
                              "\"phone\": \"067 123 45 67\", \"need\": \"50 chairs for an office\", "
                              "\"estimated_value\": \"18000.00\", \"owner_id\": %" PRId64 ", "
                              "\"external_ref\": \"WEB-5531\"}",
                              source, manager);
  char lead_copy[1024];
  snprintf(lead_copy, sizeof lead_copy, "%s", lead_json);
  CHECK_OK(crm_capture_lead(crm, lead_copy, T_LEAD, &out));
  int64_t lead = JSON_I64(out, "id");
  CHECK(lead > 0);
  CHECK_CONTAINS(out, "{\"lead\":{\"id\":");
  CHECK_CONTAINS(out, "\"status\":\"new\"");
  CHECK_CONTAINS(out, "\"channel\":\"web\"");
  CHECK_CONTAINS(out, "\"estimated_value\":\"18000.00\"");
  CHECK_CONTAINS(out, "\"phone_quality\":\"valid\"");
  CHECK_CONTAINS(out, "\"received_at\":\"" T_LEAD "\"");
  CHECK_I64(JSON_I64(out, "owner_id"), manager);
  CHECK_I64(JSON_I64(out, "source_id"), source);
  CHECK_CONTAINS(out, "\"warnings\":[]");
  free_str(&out);
  int64_t seq = last_seq(crm);

  /* The same request again (a web form resubmitted): the same lead, nothing new stored. */
  CHECK_OK(crm_capture_lead(crm, lead_copy, T_LEAD, &out));
  CHECK_I64(JSON_I64(out, "id"), lead);
  CHECK_CONTAINS(out, "\"field\":\"external_ref\"");
  free_str(&out);
  CHECK_I64(last_seq(crm), seq);

  /* A time with an offset is stored as UTC. */
  CHECK_OK(crm_capture_lead(crm, "{\"channel\": \"phone\", \"name\": \"Maria\", \"phone\": \"+380501112233\"}",
                            "2026-11-02T11:40:00+02:00", &out));
  int64_t second_lead = JSON_I64(out, "id");
  CHECK(second_lead > lead);
  CHECK_CONTAINS(out, "\"received_at\":\"2026-11-02T09:40:00Z\"");
  free_str(&out);

  /* --- the first response: an outbound call moves the lead to in_progress ------------------------ */
  CHECK_OK(crm_log_activity(crm,
                            fmt("{\"kind\": \"call\", \"direction\": \"out\", \"lead_id\": %" PRId64
                                ", \"manager_id\": %" PRId64 ", \"outcome\": \"interested\", \"duration_seconds\": 120}",
                                lead, manager),
                            T_CALL, &out));
  int64_t call = JSON_I64(out, "id");
  CHECK(call > 0);
  CHECK_CONTAINS(out, "\"kind\":\"call\"");
  CHECK_CONTAINS(out, "\"direction\":\"out\"");
  free_str(&out);
  CHECK_OK(crm_get_lead(crm, lead, &out));
  CHECK_CONTAINS(out, "\"status\":\"in_progress\"");
  CHECK_CONTAINS(out, "\"first_response_at\":\"" T_CALL "\"");
  CHECK_I64(JSON_I64(out, "first_response_by"), manager);
  free_str(&out);

  /* --- qualified, then converted: a client and a deal -------------------------------------------- */
  CHECK_OK(crm_qualify_lead(crm, lead, T_QUALIFY, &out));
  CHECK_CONTAINS(out, "\"status\":\"qualified\"");
  free_str(&out);
  CHECK_OK(crm_convert_lead(crm, lead, "{\"amount\": \"18000.00\", \"title\": \"Office chairs\"}", T_CONVERT, &out));
  CHECK_I64(JSON_I64(out, "lead_id"), lead);
  int64_t client = JSON_I64(out, "client_id");
  int64_t deal = JSON_I64(out, "deal_id");
  CHECK(client > 0 && deal > 0);
  CHECK_CONTAINS(out, "\"client_created\":true");
  CHECK_CONTAINS(out, "\"name\":\"Ivan Petrenko\"");
  CHECK_CONTAINS(out, "\"kind\":\"person\""); /* made from a lead with a name and no company */
  free_str(&out);
  CHECK_OK(crm_get_lead(crm, lead, &out));
  CHECK_CONTAINS(out, "\"status\":\"converted\"");
  CHECK_I64(JSON_I64(out, "client_id"), client);
  CHECK_I64(JSON_I64(out, "deal_id"), deal);
  free_str(&out);
  CHECK_OK(crm_get_deal(crm, deal, &out));
  CHECK_CONTAINS(out, "\"title\":\"Office chairs\"");
  CHECK_CONTAINS(out, "\"amount\":\"18000.00\"");
  CHECK_CONTAINS(out, "\"status\":\"open\"");
  CHECK_I64(JSON_I64(out, "lead_id"), lead);
  CHECK_I64(JSON_I64(out, "owner_id"), manager);
  free_str(&out);

  /* --- the deal moves through the pipeline and is won -------------------------------------------- */
  CHECK_OK(crm_move_deal(crm, deal, "proposal", T_PROPOSAL, &out));
  CHECK_CONTAINS(out, "\"stage\":\"proposal\"");
  free_str(&out);
  CHECK_OK(crm_move_deal(crm, deal, "negotiation", T_NEGOTIATE, &out));
  CHECK_CONTAINS(out, "\"stage\":\"negotiation\"");
  free_str(&out);
  CHECK_OK(crm_win_deal(crm, deal, T_WIN, &out));
  CHECK_CONTAINS(out, "\"status\":\"won\"");
  CHECK_CONTAINS(out, "\"closed_at\":\"" T_WIN "\"");
  free_str(&out);
  CHECK_OK(crm_deal_history(crm, deal, &out));
  CHECK(json_in_order(out, "\"stage\":\"qualification\",\"status\":\"open\"", "\"stage\":\"proposal\"",
                      "\"stage\":\"negotiation\",\"status\":\"open\"", "\"stage\":\"negotiation\",\"status\":\"won\"",
                      NULL));
  free_str(&out);

  /* --- an order with lines; money is decimal text ------------------------------------------------ */
  char order_json[1024];
  snprintf(order_json, sizeof order_json,
           "{\"client_id\": %" PRId64 ", \"deal_id\": %" PRId64 ", \"total\": \"245.90\", \"status\": \"completed\", "
           "\"lines\": [{\"sku\": \"SKU-1\", \"quantity\": 2, \"unit_price\": \"100.00\"}, "
           "{\"sku\": \"SKU-2\", \"quantity\": 1, \"unit_price\": \"45.90\"}], \"external_ref\": \"1C-5531\"}",
           client, deal);
  CHECK_OK(crm_record_order(crm, order_json, T_ORDER, &out));
  int64_t order = JSON_I64(out, "id");
  CHECK(order > 0);
  CHECK_CONTAINS(out, "\"total\":\"245.90\"");
  CHECK_CONTAINS(out, "\"ordered_at\":\"" T_ORDER "\"");
  CHECK(json_in_order(out, "\"sku\":\"SKU-1\",\"quantity\":2,\"unit_price\":\"100.00\"",
                      "\"sku\":\"SKU-2\",\"quantity\":1,\"unit_price\":\"45.90\"", NULL));
  free_str(&out);
  /* The same order again (an ERP exchange run twice): the same id, nothing new stored. */
  seq = last_seq(crm);
  CHECK_OK(crm_record_order(crm, order_json, T_ORDER, &out));
  CHECK_I64(JSON_I64(out, "id"), order);
  free_str(&out);
  CHECK_I64(last_seq(crm), seq);

  /* --- a batch: a bad item is reported at its place, the good ones are kept ----------------------- */
  const char *batch =
      fmt("["
          "{\"at\": \"" T_BATCH1 "\", \"order\": {\"client_id\": %" PRId64 ", \"total\": \"100.00\", \"external_ref\": \"B-1\"}},"
          "{\"at\": \"" T_BATCH1 "\", \"order\": {\"client_id\": %" PRId64 ", \"total\": \"-5.00\", \"external_ref\": \"B-BAD\"}},"
          "{\"at\": \"" T_BATCH2 "\", \"order\": {\"client_id\": %" PRId64 ", \"total\": 54, \"external_ref\": \"B-2\","
          " \"lines\": [{\"sku\": \"SKU-3\", \"quantity\": 3, \"unit_price\": \"18.00\"}]}},"
          "{\"at\": \"" T_BATCH2 "\", \"order\": {\"client_id\": %" PRId64 ", \"total\": \"1.00\", \"lines\": "
          "[{\"sku\": \"SKU-4\", \"quantity\": \"one\", \"unit_price\": \"1.00\"}]}},"
          "{\"at\": \"" T_BATCH2 "\", \"order\": {\"client_id\": 999999, \"total\": \"1.00\"}}"
          "]",
          client, client, client, client);
  CHECK_OK(crm_record_orders(crm, batch, &out));
  CHECK_I64(json_count(out, "{\"order\":{"), 2);
  CHECK_I64(json_count(out, "{\"error\":{"), 3);
  CHECK(json_in_order(out, "[{\"order\":{", "\"external_ref\":\"B-1\"", "},{\"error\":{", "\"field\":\"total\"",
                      "\"status\":4", "},{\"order\":{", "\"total\":\"54.00\"", "\"external_ref\":\"B-2\"", "},{\"error\":{",
                      "\"kind\":\"invalid_json\"", "orders_json[3].order.lines[0].quantity", "\"status\":3",
                      "},{\"error\":{", "\"kind\":\"not_found\"", "\"status\":5", NULL));
  free_str(&out);
  CHECK_OK(crm_list_orders(crm, "{\"external_ref\": \"B-BAD\"}", &out));
  CHECK_STR(out, "[]");
  free_str(&out);
  CHECK_OK(crm_list_orders(crm, fmt("{\"client_id\": %" PRId64 "}", client), &out));
  CHECK_I64(json_count(out, "\"ordered_at\":"), 3);
  free_str(&out);
  /* A batch that is not an array at all fails as a whole. */
  CHECK_FAILS(crm_record_orders(crm, "{\"at\": \"" T_BATCH1 "\"}", &out), CRM_STATUS_INVALID_JSON, "orders_json");
  CHECK(out == NULL);

  /* --- the client's purchase totals -------------------------------------------------------------- */
  CHECK_OK(crm_client_rollup(crm, client, &out));
  CHECK_I64(JSON_I64(out, "client_id"), client);
  CHECK_CONTAINS(out, "\"revenue\":\"399.90\"");
  CHECK_I64(JSON_I64(out, "orders"), 3);
  CHECK_CONTAINS(out, "\"first_order_at\":\"" T_ORDER "\"");
  CHECK_CONTAINS(out, "\"last_order_at\":\"" T_BATCH2 "\"");
  free_str(&out);
  CHECK_OK(crm_client_monthly_revenue(crm, client, &out));
  CHECK(json_in_order(out, "\"month\":\"2026-11\",\"revenue\":\"345.90\",\"orders\":2",
                      "\"month\":\"2026-12\",\"revenue\":\"54.00\",\"orders\":1", NULL));
  free_str(&out);
  CHECK_OK(crm_list_rollups(crm, NULL, &out));
  CHECK_CONTAINS(out, "\"revenue\":\"399.90\"");
  free_str(&out);

  /* --- history read back, in order --------------------------------------------------------------- */
  CHECK_OK(crm_history(crm, "lead", lead, &out));
  CHECK_I64(check_seqs_increase(out), 5);
  CHECK(json_in_order(out, "\"kind\":\"captured\"", "\"kind\":\"status_changed\"", "\"kind\":\"first_response\"",
                      "\"kind\":\"status_changed\"", "\"kind\":\"status_changed\"", NULL));
  CHECK(json_in_order(out, "\"at\":\"" T_LEAD "\"", "\"at\":\"" T_CALL "\"", "\"at\":\"" T_QUALIFY "\"",
                      "\"at\":\"" T_CONVERT "\"", NULL));
  CHECK_I64(json_count(out, "\"actor\":\"olena\""), 5);
  CHECK_I64(json_count(out, fmt("\"entity\":\"lead\",\"entity_id\":%" PRId64 ",", lead)), 5);
  free_str(&out);
  CHECK_OK(crm_lead_transitions(crm, lead, &out));
  CHECK(json_in_order(out, "\"from\":null,\"to\":\"new\"", "\"from\":\"new\",\"to\":\"in_progress\"",
                      "\"from\":\"in_progress\",\"to\":\"qualified\"", "\"from\":\"qualified\",\"to\":\"converted\"",
                      NULL));
  free_str(&out);
  CHECK_OK(crm_history(crm, "client", client, &out));
  CHECK(json_in_order(out, "\"entity\":\"client\"", "\"kind\":\"created\"", NULL));
  CHECK_I64(check_seqs_increase(out), 1);
  free_str(&out);
  CHECK_OK(crm_history(crm, "deal", deal, &out));
  CHECK(json_in_order(out, "\"kind\":\"opened\"", "\"kind\":\"stage_changed\"", "\"kind\":\"stage_changed\"",
                      "\"kind\":\"won\"", NULL));
  free_str(&out);
  CHECK_OK(crm_history(crm, "order", order, &out));
  CHECK_I64(json_count(out, "\"kind\":\"recorded\""), 1); /* recorded once, though sent twice */
  free_str(&out);

  /* The change feed: everything, in order, with no gaps in what the story did. */
  CHECK_OK(crm_changes_since(crm, 0, 0, &out));
  int events = check_seqs_increase(out);
  CHECK_I64(events, last_seq(crm));
  CHECK(json_in_order(out, "\"entity\":\"manager\"", "\"entity\":\"source\"", "\"kind\":\"captured\"",
                      "\"kind\":\"captured\"", "\"entity\":\"activity\"", "\"kind\":\"first_response\"",
                      "\"entity\":\"client\",", "\"entity\":\"deal\",", "\"kind\":\"opened\"", "\"kind\":\"won\"",
                      "\"external_ref\":\"1C-5531\"", "\"external_ref\":\"B-1\"", "\"external_ref\":\"B-2\"", NULL));
  CHECK_LACKS(out, "B-BAD");
  free_str(&out);
  /* Polled in pages: limit 3 from 0, then from the last seq seen. */
  CHECK_OK(crm_changes_since(crm, 0, 3, &out));
  CHECK_I64(check_seqs_increase(out), 3);
  CHECK_CONTAINS(out, "{\"seq\":1,");
  CHECK_CONTAINS(out, "{\"seq\":3,");
  free_str(&out);
  CHECK_OK(crm_changes_since(crm, 3, 3, &out));
  CHECK_CONTAINS(out, "[{\"seq\":4,");
  free_str(&out);
  CHECK_OK(crm_changes_since(crm, last_seq(crm), 0, &out));
  CHECK_STR(out, "[]");
  free_str(&out);

  /* --- lists with queries and paging ------------------------------------------------------------- */
  for (int i = 1; i <= 5; i++) {
    char lead_n[256];
    snprintf(lead_n, sizeof lead_n,
             "{\"channel\": \"email\", \"email\": \"buyer%d@example.com\", \"external_ref\": \"LIST-%d\"}", i, i);
    CHECK_OK(crm_capture_lead(crm, lead_n, T_LATER, &out));
    free_str(&out);
  }
  /* New leads: the second lead (never worked) and the five just captured. */
  CHECK_I64(count_leads(crm, "{\"status\": \"new\"}"), 6);
  CHECK_I64(count_leads(crm, "{\"status\": \"converted\"}"), 1);
  CHECK_I64(count_leads(crm, "{\"external_ref\": \"LIST-3\"}"), 1);
  CHECK_I64(count_leads(crm, fmt("{\"source_id\": %" PRId64 "}", source)), 1);
  CHECK_I64(count_leads(crm, "{\"received_from\": \"2026-12-01T00:00:00Z\"}"), 5);
  /* Page through the new leads two at a time with page.after = the last id seen. */
  int64_t after = 0;
  int seen = 0, pages = 0;
  for (;;) {
    CHECK_OK(crm_list_leads(crm, fmt("{\"status\": \"new\", \"page\": {\"after\": %" PRId64 ", \"limit\": 2}}", after),
                            &out));
    int n = json_count(out, "\"received_at\":");
    CHECK(n <= 2);
    if (n == 0) {
      CHECK_STR(out, "[]");
      free_str(&out);
      break;
    }
    /* Ids ascend within and across pages. */
    for (const char *at = strstr(out, "{\"id\":"); at; at = strstr(at + 1, "{\"id\":")) {
      int64_t id = JSON_I64(at, "id");
      CHECK(id > after);
      after = id;
    }
    CHECK_LACKS(out, "\"status\":\"converted\"");
    seen += n;
    pages++;
    free_str(&out);
    CHECK(pages < 10);
  }
  CHECK_I64(seen, 6);
  CHECK_I64(pages, 3);
  CHECK_OK(crm_list_clients(crm, "{\"kind\": \"person\"}", &out));
  CHECK_CONTAINS(out, "\"name\":\"Ivan Petrenko\"");
  free_str(&out);
  CHECK_OK(crm_list_deals(crm, "{\"status\": \"won\"}", &out));
  CHECK_I64(JSON_I64(out, "id"), deal);
  free_str(&out);
  CHECK_OK(crm_list_activities(crm, fmt("{\"lead_id\": %" PRId64 "}", lead), &out));
  CHECK_I64(JSON_I64(out, "id"), call);
  free_str(&out);

  /* --- a lead lost: the reason is mandatory ------------------------------------------------------ */
  CHECK_FAILS(crm_lose_lead(crm, second_lead, NULL, NULL, T_LATER, &out), CRM_STATUS_NULL_ARGUMENT, "reason");
  CHECK_FAILS(crm_lose_lead(crm, second_lead, "", "no reason given", T_LATER, &out), CRM_STATUS_VALIDATION,
              "reason");
  CHECK_OK(crm_get_lead(crm, second_lead, &out));
  CHECK_CONTAINS(out, "\"status\":\"new\"");
  free_str(&out);
  CHECK_OK(crm_lose_lead(crm, second_lead, "price", "cheaper elsewhere", T_LATER, &out));
  CHECK_CONTAINS(out, "\"status\":\"lost\"");
  CHECK_CONTAINS(out, "\"lost_reason\":\"price\"");
  CHECK_CONTAINS(out, "\"close_note\":\"cheaper elsewhere\"");
  free_str(&out);
  CHECK_OK(crm_lead_transitions(crm, second_lead, &out));
  CHECK(json_in_order(out, "\"to\":\"new\"", "\"from\":\"new\",\"to\":\"lost\"", "\"reason\":\"price\"", NULL));
  free_str(&out);

  /* --- a client patched: a field left out stays, null clears ------------------------------------- */
  CHECK_OK(crm_update_client(crm, client, "{\"website\": \"romashka.ua\", \"region\": \"Kyiv\", \"tags\": [\"vip\"]}",
                             T_LATER, &out));
  CHECK_CONTAINS(out, "\"website\":\"romashka.ua\"");
  free_str(&out);
  CHECK_OK(crm_update_client(crm, client, "{\"email\": \"ivan@example.com\", \"website\": null}", T_LATER, &out));
  CHECK_CONTAINS(out, "\"website\":null");
  CHECK_CONTAINS(out, "\"email\":\"ivan@example.com\"");
  CHECK_CONTAINS(out, "\"region\":\"Kyiv\"");
  CHECK_CONTAINS(out, "\"name\":\"Ivan Petrenko\"");
  free_str(&out);
  seq = last_seq(crm);
  CHECK_OK(crm_update_client(crm, client, "{\"region\": \"Kyiv\"}", T_LATER, &out)); /* changes nothing */
  free_str(&out);
  CHECK_I64(last_seq(crm), seq);
  CHECK_OK(crm_history(crm, "client", client, &out));
  CHECK(json_in_order(out, "\"kind\":\"created\"", "\"kind\":\"updated\"", "\"kind\":\"updated\"", NULL));
  CHECK_I64(json_count(out, "\"kind\":\"updated\""), 2);
  free_str(&out);
  CHECK_OK(crm_list_clients(crm, "{\"tag\": \"vip\"}", &out));
  CHECK_I64(JSON_I64(out, "id"), client);
  free_str(&out);

  /* --- transactions ------------------------------------------------------------------------------ */
  /* begin/commit keeps everything, under the transaction's actor. */
  int leads_before = count_leads(crm, NULL);
  CHECK_OK(crm_begin(crm, "1C exchange"));
  CHECK_OK(crm_capture_lead(crm, "{\"channel\": \"phone\", \"phone\": \"+380671000001\", \"external_ref\": \"TX-1\"}",
                            T_TX, &out));
  int64_t tx_lead = JSON_I64(out, "id");
  free_str(&out);
  CHECK_OK(crm_add_client(crm, "{\"name\": \"Tx Client LLC\", \"external_ref\": \"1C-TX\"}", T_TX, &out));
  int64_t tx_client = JSON_I64(out, "id");
  free_str(&out);
  /* Readers on the thread see the transaction's writes. */
  CHECK_I64(count_leads(crm, "{\"external_ref\": \"TX-1\"}"), 1);
  CHECK_OK(crm_commit(crm));
  CHECK_OK(crm_get_client(crm, tx_client, &out));
  CHECK_CONTAINS(out, "\"name\":\"Tx Client LLC\"");
  free_str(&out);
  CHECK_OK(crm_history(crm, "lead", tx_lead, &out));
  CHECK_CONTAINS(out, "\"actor\":\"1C exchange\"");
  free_str(&out);
  CHECK_I64(count_leads(crm, NULL), leads_before + 1);

  /* begin/rollback keeps nothing. */
  seq = last_seq(crm);
  CHECK_OK(crm_begin(crm, NULL));
  CHECK_OK(crm_capture_lead(crm, "{\"channel\": \"phone\", \"phone\": \"+380671000002\", \"external_ref\": \"TX-2\"}",
                            T_TX, &out));
  free_str(&out);
  CHECK_OK(crm_record_order(crm, fmt("{\"client_id\": %" PRId64 ", \"total\": \"7.00\", \"external_ref\": \"TX-ORDER\"}",
                                     tx_client),
                            T_TX, &out));
  free_str(&out);
  CHECK_OK(crm_rollback(crm));
  CHECK_I64(last_seq(crm), seq);
  CHECK_I64(count_leads(crm, "{\"external_ref\": \"TX-2\"}"), 0);
  CHECK_OK(crm_list_orders(crm, "{\"external_ref\": \"TX-ORDER\"}", &out));
  CHECK_STR(out, "[]");
  free_str(&out);
  CHECK_OK(crm_client_rollup(crm, tx_client, &out));
  CHECK_CONTAINS(out, "\"revenue\":\"0.00\"");
  free_str(&out);

  /* A command that fails inside a transaction leaves nothing of itself; the rest commits. */
  CHECK_OK(crm_begin(crm, NULL));
  CHECK_OK(crm_capture_lead(crm, "{\"channel\": \"phone\", \"phone\": \"+380671000003\", \"external_ref\": \"TX-3\"}",
                            T_TX, &out));
  free_str(&out);
  CHECK_FAILS(crm_record_order(crm,
                               fmt("{\"client_id\": %" PRId64 ", \"total\": \"10.00\", \"external_ref\": \"TX-BAD\", "
                                   "\"lines\": [{\"sku\": \"A\", \"quantity\": 1, \"unit_price\": \"9.00\"}]}",
                                   tx_client),
                               T_TX, &out),
              CRM_STATUS_VALIDATION, "total");
  CHECK(out == NULL);
  CHECK_FAILS(crm_win_deal(crm, deal, T_TX, &out), CRM_STATUS_INVALID_TRANSITION, "won");
  CHECK_OK(crm_capture_lead(crm, "{\"channel\": \"phone\", \"phone\": \"+380671000004\", \"external_ref\": \"TX-4\"}",
                            T_TX, &out));
  free_str(&out);
  CHECK_OK(crm_commit(crm));
  CHECK_I64(count_leads(crm, "{\"external_ref\": \"TX-3\"}"), 1);
  CHECK_I64(count_leads(crm, "{\"external_ref\": \"TX-4\"}"), 1);
  CHECK_OK(crm_list_orders(crm, "{\"external_ref\": \"TX-BAD\"}", &out));
  CHECK_STR(out, "[]");
  free_str(&out);
  CHECK_I64(last_seq(crm), seq + 2); /* two captures, nothing of the failures */

  /* --- closed and reopened: the file alone holds everything -------------------------------------- */
  int64_t final_seq = last_seq(crm);
  int final_leads = count_leads(crm, NULL);
  crm_close(crm);
  crm = NULL;
  CHECK_OK(crm_open(STORE, &crm));
  CHECK_I64(last_seq(crm), final_seq);
  CHECK_I64(count_leads(crm, NULL), final_leads);
  CHECK_OK(crm_get_lead(crm, lead, &out));
  CHECK_CONTAINS(out, "\"status\":\"converted\"");
  CHECK_CONTAINS(out, "\"external_ref\":\"WEB-5531\"");
  free_str(&out);
  CHECK_OK(crm_get_order(crm, order, &out));
  CHECK_CONTAINS(out, "\"total\":\"245.90\"");
  CHECK_CONTAINS(out, "\"sku\":\"SKU-2\"");
  free_str(&out);
  CHECK_OK(crm_client_rollup(crm, client, &out));
  CHECK_CONTAINS(out, "\"revenue\":\"399.90\"");
  free_str(&out);
  CHECK_OK(crm_get_client(crm, client, &out));
  CHECK_CONTAINS(out, "\"website\":null");
  CHECK_CONTAINS(out, "\"tags\":[\"vip\"]");
  free_str(&out);
  CHECK_I64(count_leads(crm, "{\"external_ref\": \"TX-2\"}"), 0);
  CHECK_OK(crm_actor(crm, &out)); /* the actor is the handle's, not the file's */
  CHECK_STR(out, "system");
  free_str(&out);
  CHECK_OK(crm_integrity_check(crm, &out));
  CHECK_STR(out, "[\"ok\"]");
  free_str(&out);
  /* A reopened store takes new work and carries on the sequence. */
  CHECK_OK(crm_capture_lead(crm, "{\"channel\": \"shop\", \"phone\": \"+380671000005\"}", T_TX, &out));
  free_str(&out);
  CHECK_I64(last_seq(crm), final_seq + 1);
  crm_close(crm);
  remove_store(STORE);

  int code = check_exit_code();
  if (code == 0) puts("test_flow: ok");
  return code;
}
