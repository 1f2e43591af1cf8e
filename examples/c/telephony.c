/*
 * crmkit as a PBX bridge: the program an IP PBX (Asterisk, FreePBX, a cloud PBX's webhook relay) feeds
 * with call events, one JSON object a line:
 *
 *   {"call_id": "1732701234.17", "event": "answered", "at": "2026-11-02T08:00:12Z", "direction": "in",
 *    "caller": "+380671234567", "line": "+380441112233", "extension": "101"}
 *
 * It opens a store, sets it up (a working calendar, two managers with extensions 101 and 102, a line
 * advertised in a Google Ads campaign with a one-hour call-back deadline, one known client), then hands
 * every event to crm_record_call() and says what came of it: an activity on the client, a lead from an
 * unknown number, a call-back task, a call-back done, or nothing (a repeat: the PBX may resend). A bad
 * line is reported and skipped: one malformed event must not stop the bridge. At the end it prints the
 * call report by line and hour — where the lines are overloaded.
 *
 * Events come from stdin; when stdin is a terminal or empty, from a built-in sample day.
 *
 * Build (from the repository root, after `cargo build -p crm-ffi`):
 *   gcc -std=c11 -Iinclude examples/c/telephony.c target/debug/libcrm.a -lpthread -ldl -lm -o telephony
 *   ./telephony [store.crm] < events.jsonl
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "crm.h"

/* Prints what failed and why, then leaves. */
static void fail(const char *what, crm_status_t status) {
    char *message = crm_last_error_message();
    fprintf(stderr, "%s failed (status %d): %s\n", what, (int)status, message ? message : "?");
    crm_string_free(message);
    exit(1);
}

#define CHECK(call)                                         \
    do {                                                    \
        crm_status_t status_ = (call);                      \
        if (status_ != CRM_STATUS_OK) fail(#call, status_); \
    } while (0)

/* Runs a call that returns JSON we do not need, and frees it. */
#define CHECK_FREE(call_with_out, out)   \
    do {                                 \
        CHECK(call_with_out);            \
        crm_string_free(out);            \
        (out) = NULL;                    \
    } while (0)

/* The integer after the first `"key":` in a JSON text; 0 when absent or null. */
static int64_t json_int(const char *json, const char *key) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":", key);
    const char *at = strstr(json, pattern);
    return at ? strtoll(at + strlen(pattern), NULL, 10) : 0;
}

/* The string after the first `"key":` copied into `out` (without quotes); "-" when absent or null. */
static const char *json_text(const char *json, const char *key, char *out, size_t size) {
    char pattern[64];
    snprintf(pattern, sizeof pattern, "\"%s\":\"", key);
    const char *at = strstr(json, pattern);
    if (at == NULL) {
        snprintf(out, size, "-");
        return out;
    }
    at += strlen(pattern);
    const char *end = strchr(at, '"');
    size_t n = end ? (size_t)(end - at) : strlen(at);
    if (n >= size) n = size - 1;
    memcpy(out, at, n);
    out[n] = '\0';
    return out;
}

/* A day of calls on Monday 2 November 2026 (Kyiv is UTC+2). */
static const char *const SAMPLE[] = {
    /* A client calls, Olena (101) answers: an activity on the client. */
    "{\"call_id\": \"c-1001\", \"event\": \"started\", \"at\": \"2026-11-02T08:00:00Z\", \"caller\": \"067 123 45 67\", \"line\": \"+380441112233\"}",
    "{\"call_id\": \"c-1001\", \"event\": \"answered\", \"at\": \"2026-11-02T08:00:12Z\", \"caller\": \"067 123 45 67\", \"extension\": \"101\"}",
    "{\"call_id\": \"c-1001\", \"event\": \"finished\", \"at\": \"2026-11-02T08:04:00Z\", \"caller\": \"067 123 45 67\", \"duration_seconds\": 228, \"recording\": \"rec/c-1001.mp3\"}",
    /* The PBX resends an event: nothing changes. */
    "{\"call_id\": \"c-1001\", \"event\": \"answered\", \"at\": \"2026-11-02T08:00:12Z\", \"caller\": \"067 123 45 67\", \"extension\": \"101\"}",
    /* An unknown number, nobody answers: a lead to call back within an hour. */
    "{\"call_id\": \"c-1002\", \"event\": \"started\", \"at\": \"2026-11-02T08:20:00Z\", \"caller\": \"+380507654321\", \"line\": \"+380441112233\"}",
    "{\"call_id\": \"c-1002\", \"event\": \"missed\", \"at\": \"2026-11-02T08:20:40Z\", \"caller\": \"+380507654321\", \"line\": \"+380441112233\"}",
    /* It calls again, again missed: the same lead, no second one. */
    "{\"call_id\": \"c-1003\", \"event\": \"finished\", \"at\": \"2026-11-02T08:25:30Z\", \"caller\": \"+380507654321\", \"line\": \"+380441112233\"}",
    /* Petro (102) calls back: the call-back, and the lead's first response. */
    "{\"call_id\": \"c-1004\", \"event\": \"started\", \"at\": \"2026-11-02T08:50:00Z\", \"direction\": \"out\", \"caller\": \"+380507654321\", \"extension\": \"102\"}",
    "{\"call_id\": \"c-1004\", \"event\": \"answered\", \"at\": \"2026-11-02T08:50:20Z\", \"direction\": \"out\", \"caller\": \"+380507654321\", \"extension\": \"102\"}",
    "{\"call_id\": \"c-1004\", \"event\": \"finished\", \"at\": \"2026-11-02T08:53:00Z\", \"direction\": \"out\", \"caller\": \"+380507654321\", \"duration_seconds\": 160}",
    /* The client calls at 17:40, after Olena left: a call-back task for its owner, due tomorrow. */
    "{\"call_id\": \"c-1005\", \"event\": \"missed\", \"at\": \"2026-11-02T15:40:00Z\", \"caller\": \"067 123 45 67\", \"line\": \"+380441112233\"}",
    /* A malformed event: reported and skipped. */
    "{\"call_id\": \"c-1006\", \"event\": \"ringing\", \"at\": \"2026-11-02T15:45:00Z\", \"caller\": \"067 123 45 67\"}",
};

/* Sets the store up unless it was set up by an earlier run (extension 101 exists). */
static void set_up(crm_t *crm) {
    char *out = NULL;
    CHECK(crm_list_phone_extensions(crm, &out));
    int done = strstr(out, "\"extension\":\"101\"") != NULL;
    crm_string_free(out);
    out = NULL;
    if (done) return;
    const char *at = "2026-11-01T08:00:00Z";
    CHECK_FREE(crm_set_calendar(crm, 0,
                                "{\"timezone\": \"Europe/Kyiv\", \"working_hours\": "
                                "{\"mon-fri\": [[\"09:00\", \"18:00\"]]}}",
                                at, &out),
               out);
    CHECK(crm_add_manager(crm, "{\"name\": \"Olena Koval\"}", at, &out));
    int64_t olena = json_int(out, "id");
    crm_string_free(out);
    CHECK(crm_add_manager(crm, "{\"name\": \"Petro Bondar\"}", at, &out));
    int64_t petro = json_int(out, "id");
    crm_string_free(out);
    CHECK(crm_add_source(crm, "{\"name\": \"Google Ads\", \"channel\": \"ads\", \"campaign\": \"winter\"}", at,
                         &out));
    int64_t source = json_int(out, "id");
    crm_string_free(out);
    out = NULL;
    CHECK_FREE(crm_set_phone_extension(crm, olena, "101", at, &out), out);
    CHECK_FREE(crm_set_phone_extension(crm, petro, "102", at, &out), out);
    char line[256];
    snprintf(line, sizeof line,
             "{\"line\": \"+380441112233\", \"source_id\": %lld, \"callback_within\": \"1h\"}", (long long)source);
    CHECK_FREE(crm_set_phone_line(crm, line, at, &out), out);
    char client[256];
    snprintf(client, sizeof client,
             "{\"kind\": \"company\", \"name\": \"TOV Romashka\", \"phone\": \"067 123 45 67\", \"owner_id\": %lld}",
             (long long)petro);
    CHECK_FREE(crm_add_client(crm, client, at, &out), out);
}

/* Hands one event to the store and says what came of it. */
static void record(crm_t *crm, const char *event) {
    int64_t before = 0, after = 0;
    CHECK(crm_last_seq(crm, &before));
    char *call = NULL;
    crm_status_t status = crm_record_call(crm, event, &call);
    if (status != CRM_STATUS_OK) {
        char *message = crm_last_error_message();
        printf("  skipped (status %d): %s\n", (int)status, message ? message : "?");
        crm_string_free(message);
        return;
    }
    CHECK(crm_last_seq(crm, &after));
    char id[64], state[32], due[40];
    json_text(call, "call_id", id, sizeof id);
    json_text(call, "status", state, sizeof state);
    printf("  %-7s %-9s", id, state);
    if (after == before) {
        printf(" repeat: nothing changed\n");
        crm_string_free(call);
        return;
    }
    if (json_int(call, "activity_id")) printf(" activity %lld", (long long)json_int(call, "activity_id"));
    if (json_int(call, "client_id")) printf(" client %lld", (long long)json_int(call, "client_id"));
    if (json_int(call, "lead_id")) printf(" lead %lld", (long long)json_int(call, "lead_id"));
    if (json_int(call, "linked_to")) printf(" (waits with call %lld)", (long long)json_int(call, "linked_to"));
    if (json_int(call, "task_id")) printf(" task %lld", (long long)json_int(call, "task_id"));
    if (strcmp(state, "missed") == 0) printf(" call back by %s", json_text(call, "callback_due", due, sizeof due));
    printf("\n");
    crm_string_free(call);
}

/* Prints the rows of the call report and its total. */
static void print_report(const char *report) {
    printf("\n%-16s %4s %5s %8s %6s %8s %5s %5s %6s\n", "line", "hour", "calls", "answered", "missed",
           "in time", "late", "not", "rate");
    const char *row = strstr(report, "\"rows\":[");
    const char *total = strstr(report, "\"total\":");
    for (const char *at = row ? strstr(row, "{\"line\":") : NULL; at && (!total || at < total);
         at = strstr(at + 1, "{\"line\":")) {
        char line[64];
        json_text(at, "line", line, sizeof line);
        double rate = 0;
        const char *r = strstr(at, "\"answer_rate\":");
        if (r) rate = strtod(r + strlen("\"answer_rate\":"), NULL);
        printf("%-16s %4lld %5lld %8lld %6lld %8lld %5lld %5lld %5.0f%%\n", line, (long long)json_int(at, "hour"),
               (long long)json_int(at, "calls"), (long long)json_int(at, "answered"),
               (long long)json_int(at, "missed"), (long long)json_int(at, "called_back_in_time"),
               (long long)json_int(at, "called_back_late"), (long long)json_int(at, "not_called_back"),
               rate * 100);
    }
    if (total) {
        printf("%-21s %5lld %8lld %6lld %8lld %5lld %5lld\n", "total", (long long)json_int(total, "calls"),
               (long long)json_int(total, "answered"), (long long)json_int(total, "missed"),
               (long long)json_int(total, "called_back_in_time"), (long long)json_int(total, "called_back_late"),
               (long long)json_int(total, "not_called_back"));
    }
}

int main(int argc, char **argv) {
    char scratch[] = "/tmp/telephony-XXXXXX";
    const char *path = argc > 1 ? argv[1] : NULL;
    if (path == NULL) {
        int fd = mkstemp(scratch);
        if (fd < 0) {
            perror("mkstemp");
            return 1;
        }
        close(fd);
        remove(scratch); /* crm_open creates the store where the empty file was */
        path = scratch;
    }
    if (crm_abi_version() != CRM_ABI_VERSION) {
        fprintf(stderr, "libcrm ABI %u, header %u\n", crm_abi_version(), CRM_ABI_VERSION);
        return 1;
    }
    printf("crmkit %s, store %s\n", crm_version(), path);
    crm_t *crm = NULL;
    CHECK(crm_open(path, &crm));
    CHECK(crm_set_actor(crm, "pbx bridge"));
    set_up(crm);

    size_t events = 0;
    if (!isatty(STDIN_FILENO)) {
        char *line = NULL;
        size_t size = 0;
        ssize_t n;
        while ((n = getline(&line, &size, stdin)) != -1) {
            while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r')) line[--n] = '\0';
            if (n == 0) continue;
            if (events == 0) printf("events from stdin:\n");
            record(crm, line);
            events++;
        }
        free(line);
    }
    if (events == 0) {
        printf("events of the built-in sample day:\n");
        for (size_t i = 0; i < sizeof SAMPLE / sizeof SAMPLE[0]; i++) record(crm, SAMPLE[i]);
    }

    char *report = NULL;
    CHECK(crm_call_report(crm, "{\"start\": \"2000-01-01T00:00:00Z\", \"end\": \"2100-01-01T00:00:00Z\"}",
                          &report));
    print_report(report);
    crm_string_free(report);
    crm_close(crm);
    if (argc <= 1) {
        char companion[64];
        remove(scratch);
        snprintf(companion, sizeof companion, "%s-wal", scratch);
        remove(companion);
        snprintf(companion, sizeof companion, "%s-shm", scratch);
        remove(companion);
    }
    return 0;
}
