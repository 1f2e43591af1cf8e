/*
 * crmkit from C: open a store, capture a web request as a lead, work it, convert it to a client and a
 * deal, record the client's order, and print the client's history. Every status is checked and every
 * string the library returns is freed.
 *
 * Build (from the repository root, after `cargo build -p crm-ffi`):
 *   gcc -std=c11 -Iinclude examples/c/quickstart.c target/debug/libcrm.a -lpthread -ldl -lm -o quickstart
 *   ./quickstart [store.crm]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm.h"

/* Prints what failed and why, then leaves. */
static void fail(const char *what, crm_status_t status) {
    char *message = crm_last_error_message();
    fprintf(stderr, "%s failed (status %d): %s\n", what, (int)status, message ? message : "?");
    crm_string_free(message);
    exit(1);
}

#define CHECK(call)                                   \
    do {                                              \
        crm_status_t status_ = (call);                \
        if (status_ != CRM_STATUS_OK) fail(#call, status_); \
    } while (0)

/* The integer after the first `"key":` in a JSON text (enough for the ids this example reads). */
static int64_t json_int(const char *json, const char *key) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":", key);
    const char *at = strstr(json, pattern);
    return at ? strtoll(at + strlen(pattern), NULL, 10) : 0;
}

int main(int argc, char **argv) {
    const char *path = argc > 1 ? argv[1] : "quickstart.crm";
    if (crm_abi_version() != CRM_ABI_VERSION) {
        fprintf(stderr, "libcrm ABI %u, header %u\n", crm_abi_version(), CRM_ABI_VERSION);
        return 1;
    }
    printf("crmkit %s, store %s\n", crm_version(), path);

    crm_t *crm = NULL;
    CHECK(crm_open(path, &crm));
    CHECK(crm_set_actor(crm, "web shop"));

    /* A manager and the source that brings the request. */
    char *manager = NULL, *source = NULL;
    CHECK(crm_add_manager(crm, "{\"name\": \"Olena Koval\", \"team\": \"sales\"}",
                          "2026-11-02T08:00:00Z", &manager));
    CHECK(crm_add_source(crm, "{\"name\": \"Google Ads\", \"channel\": \"ads\", \"campaign\": \"winter\"}",
                         "2026-11-02T08:00:00Z", &source));
    int64_t manager_id = json_int(manager, "id");
    int64_t source_id = json_int(source, "id");

    /* Stage 2: a web request, captured at once. */
    char lead_json[512];
    snprintf(lead_json, sizeof lead_json,
             "{\"channel\": \"web\", \"source_id\": %lld, \"name\": \"Ivan Petrenko\","
             " \"company\": \"Romashka LLC\", \"phone\": \"+380671234567\","
             " \"email\": \"ivan@romashka.example\", \"need\": \"50 office chairs\","
             " \"estimated_value\": \"18000.00\", \"owner_id\": %lld, \"external_ref\": \"WEB-1001\"}",
             (long long)source_id, (long long)manager_id);
    char *capture = NULL;
    CHECK(crm_capture_lead(crm, lead_json, "2026-11-02T09:30:00Z", &capture));
    int64_t lead_id = json_int(capture, "id");
    printf("captured lead %lld\n", (long long)lead_id);

    /* Stage 3: the first call (the response clock stops), qualification, conversion. */
    char activity_json[256], *activity = NULL, *lead = NULL, *conversion = NULL;
    snprintf(activity_json, sizeof activity_json,
             "{\"kind\": \"call\", \"direction\": \"out\", \"lead_id\": %lld, \"manager_id\": %lld,"
             " \"outcome\": \"wants an offer\"}",
             (long long)lead_id, (long long)manager_id);
    CHECK(crm_log_activity(crm, activity_json, "2026-11-02T09:45:00Z", &activity));
    CHECK(crm_qualify_lead(crm, lead_id, "2026-11-02T10:00:00Z", &lead));
    CHECK(crm_convert_lead(crm, lead_id, "{\"amount\": \"18000.00\"}", "2026-11-03T12:00:00Z",
                           &conversion));
    int64_t client_id = json_int(conversion, "client_id");
    int64_t deal_id = json_int(conversion, "deal_id");
    printf("converted: client %lld, deal %lld\n", (long long)client_id, (long long)deal_id);

    char *deal = NULL;
    CHECK(crm_win_deal(crm, deal_id, "2026-11-05T15:00:00Z", &deal));

    /* Stage 4: the order, idempotent by its external reference. */
    char order_json[512], *order = NULL, *rollup = NULL;
    snprintf(order_json, sizeof order_json,
             "{\"client_id\": %lld, \"deal_id\": %lld, \"total\": \"18000.00\", \"external_ref\": \"WEB-5531\","
             " \"lines\": [{\"sku\": \"CHAIR-7\", \"quantity\": 50, \"unit_price\": \"360.00\"}]}",
             (long long)client_id, (long long)deal_id);
    CHECK(crm_record_order(crm, order_json, "2026-11-06T10:00:00Z", &order));
    CHECK(crm_client_rollup(crm, client_id, &rollup));
    printf("order %lld recorded; client totals %s\n", (long long)json_int(order, "id"), rollup);

    /* The client's history: who changed what, and when. */
    char *history = NULL;
    CHECK(crm_history(crm, "client", client_id, &history));
    printf("client history: %s\n", history);

    /* A mistake is reported, never a crash: winning the deal twice. */
    char *again = NULL;
    crm_status_t status = crm_win_deal(crm, deal_id, "2026-11-07T10:00:00Z", &again);
    char *why = crm_last_error_message();
    printf("winning it again: status %d (%s)\n", (int)status, why ? why : "?");
    crm_string_free(why);
    if (status != CRM_STATUS_INVALID_TRANSITION || again != NULL) return 1;

    char *strings[] = {manager, source, capture, activity, lead, conversion, deal, order, rollup, history};
    for (size_t i = 0; i < sizeof strings / sizeof strings[0]; i++) crm_string_free(strings[i]);
    crm_close(crm);
    return 0;
}
