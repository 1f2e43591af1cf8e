/*
 * A first program written from the comments of include/crm.h alone, by an engineer who had read nothing
 * else of crmkit (the issue asks that a new user can do this). Kept as it was written, as a test: it
 * checks what such a user relies on, and it fails when the header and the library drift apart.
 */
#include <crm.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures = 0;

/* Print the status, the last error message and its JSON form, freeing both. */
static void report(const char *what, crm_status_t st)
{
    if (st == CRM_STATUS_OK) {
        printf("%s: OK\n", what);
        return;
    }
    char *msg = crm_last_error_message();
    char *json = crm_last_error_json();
    printf("%s: status %d\n  message: %s\n  json:    %s\n", what, (int)st,
           msg ? msg : "(null)", json ? json : "(null)");
    crm_string_free(msg);
    crm_string_free(json);
}

/* A call that must succeed: print its output (if any) and free it. */
static void expect_ok(const char *what, crm_status_t st, char *out)
{
    report(what, st);
    if (st != CRM_STATUS_OK)
        failures++;
    else if (out)
        printf("  %s\n", out);
    crm_string_free(out);
}

/* A call that must fail with `want`: its out-parameter must have been left NULL. */
static void expect_fail(const char *what, crm_status_t st, crm_status_t want, const char *out)
{
    report(what, st);
    if (st != want) {
        printf("  !! expected status %d\n", (int)want);
        failures++;
    }
    if (out != NULL) {
        printf("  !! out-parameter written on failure\n");
        failures++;
    }
}

/* Pull `"id": N` out of {"lead": {"id": N, ...}} without a JSON parser. */
static int64_t first_id(const char *json)
{
    const char *p = json ? strstr(json, "\"id\"") : NULL;
    if (!p) return 0;
    p = strchr(p, ':');
    return p ? strtoll(p + 1, NULL, 10) : 0;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 ? argv[1] : "newuser.crm";
    crm_t *crm = NULL;
    char *out = NULL;
    crm_status_t st;

    printf("crmkit %s, ABI %u (header %d)\n", crm_version(), crm_abi_version(), CRM_ABI_VERSION);
    if (crm_abi_version() != CRM_ABI_VERSION) return 2;

    /* No call has failed yet on this thread. */
    char *none = crm_last_error_message();
    printf("last error before any failure: %s\n", none ? none : "(null)");
    crm_string_free(none);

    /* (1) open */
    st = crm_open(path, &crm);
    report("crm_open", st);
    if (st != CRM_STATUS_OK) return 1;

    /* (2) a web request from a person with a phone and an e-mail */
    st = crm_capture_lead(crm,
        "{\"channel\": \"web\", \"name\": \"Ivan Petrenko\", \"phone\": \"+380671234567\","
        " \"email\": \"ivan@example.com\", \"need\": \"10 office chairs\"}",
        "2026-11-02T09:30:00Z", &out);
    report("crm_capture_lead", st);
    if (st != CRM_STATUS_OK) { failures++; crm_close(crm); return 1; }
    printf("  %s\n", out);
    int64_t lead_id = first_id(out);
    crm_string_free(out);
    out = NULL;
    printf("  lead id = %lld\n", (long long)lead_id);

    /* (3) the lead's history: the event log, then its status transitions, then the lead itself */
    st = crm_history(crm, "lead", lead_id, &out);
    expect_ok("crm_history(lead)", st, out);
    out = NULL;
    st = crm_lead_transitions(crm, lead_id, &out);
    expect_ok("crm_lead_transitions", st, out);
    out = NULL;
    st = crm_get_lead(crm, lead_id, &out);
    expect_ok("crm_get_lead", st, out);
    out = NULL;

    /* (4a) a second lead with a malformed e-mail: kept, with a warning (not strict) */
    st = crm_capture_lead(crm,
        "{\"channel\": \"email\", \"name\": \"Petro\", \"email\": \"petro-at-example\"}",
        "2026-11-02T10:00:00Z", &out);
    expect_ok("crm_capture_lead(malformed e-mail)", st, out);
    out = NULL;

    /* ... and the same in strict mode: refused */
    expect_ok("crm_set_strict(true)", crm_set_strict(crm, true), NULL);
    st = crm_capture_lead(crm,
        "{\"channel\": \"email\", \"name\": \"Petro\", \"email\": \"petro-at-example\"}",
        "2026-11-02T10:01:00Z", &out);
    expect_fail("crm_capture_lead(malformed e-mail, strict)", st, CRM_STATUS_VALIDATION, out);
    crm_string_free(out);
    out = NULL;
    expect_ok("crm_set_strict(false)", crm_set_strict(crm, false), NULL);

    /* (4b) bad arguments */
    st = crm_capture_lead(crm, NULL, "2026-11-02T10:00:00Z", &out);
    expect_fail("crm_capture_lead(NULL json)", st, CRM_STATUS_NULL_ARGUMENT, out);
    st = crm_capture_lead(crm, "{\"channel\": \"web\", \"name\": \"Nobody\"}",
                          "2026-11-02T10:00:00Z", &out);
    expect_fail("crm_capture_lead(no way to reach)", st, CRM_STATUS_VALIDATION, out);
    st = crm_capture_lead(crm, "{\"channel\": \"web\", \"phone\": 380671234567}",
                          "2026-11-02T10:00:00Z", &out);
    expect_fail("crm_capture_lead(phone as number)", st, CRM_STATUS_INVALID_JSON, out);
    st = crm_capture_lead(crm, "{\"channel\": \"web\", \"phone\": \"+380671234567\", \"nmae\": \"x\"}",
                          "2026-11-02T10:00:00Z", &out);
    expect_fail("crm_capture_lead(unknown field)", st, CRM_STATUS_INVALID_JSON, out);
    st = crm_capture_lead(crm, "{\"channel\": \"web\", \"phone\": \"+380671234567\"}",
                          "yesterday", &out);
    expect_fail("crm_capture_lead(bad at)", st, CRM_STATUS_VALIDATION, out);
    st = crm_capture_lead(crm, "{\"channel\": \"web\", \"phone\": \"\xff\"}",
                          "2026-11-02T10:00:00Z", &out);
    expect_fail("crm_capture_lead(bad UTF-8)", st, CRM_STATUS_INVALID_UTF8, out);
    st = crm_get_lead(crm, 9999, &out);
    expect_fail("crm_get_lead(9999)", st, CRM_STATUS_NOT_FOUND, out);
    st = crm_history(crm, "leads", lead_id, &out);
    expect_fail("crm_history(\"leads\")", st, CRM_STATUS_VALIDATION, out);
    st = crm_qualify_lead(crm, lead_id, "2026-11-02T10:05:00Z", &out);
    expect_fail("crm_qualify_lead(new lead)", st, CRM_STATUS_INVALID_TRANSITION, out);
    st = crm_get_lead(crm, lead_id, NULL);
    expect_fail("crm_get_lead(NULL out)", st, CRM_STATUS_NULL_ARGUMENT, NULL);

    /* (4c) listing leads: all, then filtered */
    st = crm_list_leads(crm, NULL, &out);
    expect_ok("crm_list_leads(NULL)", st, out);
    out = NULL;
    st = crm_list_leads(crm, "{\"status\": \"new\", \"page\": {\"after\": 0, \"limit\": 1}}", &out);
    expect_ok("crm_list_leads(status=new, limit 1)", st, out);
    out = NULL;

    /* (4d) a transaction: two commands kept together ... */
    st = crm_begin(crm, "olena");
    expect_ok("crm_begin", st, NULL);
    if (st == CRM_STATUS_OK) {
        st = crm_start_lead(crm, lead_id, "2026-11-02T11:00:00Z", &out);
        expect_ok("  crm_start_lead", st, out);
        out = NULL;
        st = crm_qualify_lead(crm, lead_id, "2026-11-02T11:05:00Z", &out);
        expect_ok("  crm_qualify_lead", st, out);
        out = NULL;
        expect_fail("  crm_begin (again)", crm_begin(crm, NULL), CRM_STATUS_MISUSE, NULL);
        expect_ok("crm_commit", crm_commit(crm), NULL);
    }
    expect_fail("crm_commit (none open)", crm_commit(crm), CRM_STATUS_MISUSE, NULL);

    /* ... and one rolled back */
    expect_ok("crm_begin", crm_begin(crm, NULL), NULL);
    st = crm_capture_lead(crm, "{\"channel\": \"phone\", \"phone\": \"+380501112233\"}",
                          "2026-11-02T12:00:00Z", &out);
    expect_ok("  crm_capture_lead (to be rolled back)", st, out);
    out = NULL;
    expect_ok("crm_rollback", crm_rollback(crm), NULL);

    st = crm_lead_transitions(crm, lead_id, &out);
    expect_ok("crm_lead_transitions after commit", st, out);
    out = NULL;
    st = crm_history(crm, "lead", lead_id, &out);
    expect_ok("crm_history(lead) after commit", st, out);
    out = NULL;
    st = crm_list_leads(crm, NULL, &out);
    expect_ok("crm_list_leads after rollback", st, out);
    out = NULL;

    int64_t seq = 0;
    expect_ok("crm_last_seq", crm_last_seq(crm, &seq), NULL);
    printf("  last seq = %lld\n", (long long)seq);

    /* (5) shut down */
    crm_close(crm);
    printf(failures ? "%d FAILURE(S)\n" : "all as expected\n", failures);
    return failures ? 1 : 0;
}
