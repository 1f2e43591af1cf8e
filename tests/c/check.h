/*
 * check.h: the little the C tests need, and nothing more (no framework).
 *
 * Include it first in every test (it asks for POSIX before any system header).
 *
 *   CHECK(cond)                          fatal: prints file:line and the library's last error, exits 1
 *   CHECK_OK(call)                       fatal unless call returns CRM_STATUS_OK
 *   CHECK_STATUS(call, CRM_STATUS_X)     fatal unless call returns exactly that status
 *   CHECK_FAILS(call, CRM_STATUS_X, s)   that status, and crm_last_error_message() contains s
 *   CHECK_CONTAINS(text, s)              text is not NULL and contains s
 *   CHECK_I64(got, want)                 two integers, both printed on failure
 *   CHECK_STR(got, want)                 two strings, both printed on failure
 *   EXPECT(cond, why)
 *   EXPECT_STATUS(call, CRM_STATUS_X, why)
 *                                        NOT fatal: counts a failure and goes on; check_exit_code() at
 *                                        the end of main makes the binary fail. Used for checks of a
 *                                        known library bug, so the rest of the test still runs.
 *
 * Strings: free_str(&s) frees with crm_string_free() and sets s to NULL. JSON is read with strstr:
 * json_i64(json, "id", &id) reads the first `"id":<integer>`, json_count() counts a needle,
 * json_in_order() checks needles appear one after another. fmt() formats into a buffer (JSON with ids), add()
 * runs a crm_add_…() that must succeed and gives the id, last_seq() reads the newest event number.
 * FAILS_EMPTY(out, call, want, needle) presets `out` to SENTINEL and checks the call fails and leaves it
 * NULL; check_field(name) checks the last error names that field.
 */
#ifndef CRM_TEST_CHECK_H
#define CRM_TEST_CHECK_H

#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L
#endif

#include <inttypes.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crm.h"

/* Failures seen by EXPECT (any thread). */
static atomic_int check_soft_failures;

/* The name of a status, as the header spells it. */
static inline const char *status_name(int status) {
  switch (status) {
    case CRM_STATUS_OK: return "CRM_STATUS_OK";
    case CRM_STATUS_NULL_ARGUMENT: return "CRM_STATUS_NULL_ARGUMENT";
    case CRM_STATUS_INVALID_UTF8: return "CRM_STATUS_INVALID_UTF8";
    case CRM_STATUS_INVALID_JSON: return "CRM_STATUS_INVALID_JSON";
    case CRM_STATUS_VALIDATION: return "CRM_STATUS_VALIDATION";
    case CRM_STATUS_NOT_FOUND: return "CRM_STATUS_NOT_FOUND";
    case CRM_STATUS_INVALID_TRANSITION: return "CRM_STATUS_INVALID_TRANSITION";
    case CRM_STATUS_CONFLICT: return "CRM_STATUS_CONFLICT";
    case CRM_STATUS_STORAGE: return "CRM_STATUS_STORAGE";
    case CRM_STATUS_SCHEMA_TOO_NEW: return "CRM_STATUS_SCHEMA_TOO_NEW";
    case CRM_STATUS_PANIC: return "CRM_STATUS_PANIC";
    case CRM_STATUS_MISUSE: return "CRM_STATUS_MISUSE";
    default: return "(not a crm_status_t)";
  }
}

/* Frees a string of the library and forgets it. */
static inline void free_str(char **s) {
  crm_string_free(*s);
  *s = NULL;
}

/* Prints a failed check with the calling thread's last library error. */
static inline void check_report(const char *file, int line, const char *fmt, ...) {
  va_list args;
  va_start(args, fmt);
  fprintf(stderr, "%s:%d: check failed: ", file, line);
  vfprintf(stderr, fmt, args);
  va_end(args);
  char *message = crm_last_error_message();
  fprintf(stderr, "\n    crm_last_error_message(): %s\n", message ? message : "(null)");
  crm_string_free(message);
  fflush(stderr);
}

#define CHECK_FAIL_(...)                           \
  do {                                             \
    check_report(__FILE__, __LINE__, __VA_ARGS__); \
    exit(1);                                       \
  } while (0)

#define CHECK(cond)                       \
  do {                                    \
    if (!(cond)) CHECK_FAIL_("%s", #cond); \
  } while (0)

#define EXPECT(cond, why)                                                                   \
  do {                                                                                      \
    if (!(cond)) {                                                                          \
      fprintf(stderr, "%s:%d: check failed (non-fatal): %s\n    %s\n", __FILE__, __LINE__, #cond, \
              (why));                                                                       \
      atomic_fetch_add(&check_soft_failures, 1);                                            \
    }                                                                                       \
  } while (0)

#define EXPECT_STATUS(call, want, why)                                                        \
  do {                                                                                        \
    int got_ = (int)(call);                                                                   \
    int want_ = (int)(want);                                                                  \
    if (got_ != want_) {                                                                      \
      fprintf(stderr, "%s:%d: check failed (non-fatal): %s\n    returned %s (%d), expected %s (%d)\n    %s\n", \
              __FILE__, __LINE__, #call, status_name(got_), got_, status_name(want_), want_, (why)); \
      atomic_fetch_add(&check_soft_failures, 1);                                              \
    }                                                                                         \
  } while (0)

#define CHECK_STATUS(call, want)                                                         \
  do {                                                                                   \
    int got_ = (int)(call);                                                              \
    int want_ = (int)(want);                                                             \
    if (got_ != want_)                                                                   \
      CHECK_FAIL_("%s\n    returned %s (%d), expected %s (%d)", #call, status_name(got_), \
                  got_, status_name(want_), want_);                                      \
  } while (0)

#define CHECK_OK(call) CHECK_STATUS(call, CRM_STATUS_OK)

/* The call fails with `want`, and the thread's last error message contains `needle`. */
#define CHECK_FAILS(call, want, needle)                                                       \
  do {                                                                                        \
    CHECK_STATUS(call, want);                                                                 \
    char *message_ = crm_last_error_message();                                                \
    if (message_ == NULL || strstr(message_, (needle)) == NULL) {                              \
      fprintf(stderr, "%s:%d: the error of %s\n    is \"%s\"; it should contain \"%s\"\n",       \
              __FILE__, __LINE__, #call, message_ ? message_ : "(null)", (needle));            \
      crm_string_free(message_);                                                              \
      exit(1);                                                                                \
    }                                                                                         \
    crm_string_free(message_);                                                                \
  } while (0)

#define CHECK_CONTAINS(text, needle)                                                         \
  do {                                                                                       \
    const char *text_ = (text);                                                              \
    if (text_ == NULL || strstr(text_, (needle)) == NULL)                                    \
      CHECK_FAIL_("%s should contain \"%s\"\n    it is: %s", #text, (needle),                \
                  text_ ? text_ : "(null)");                                                 \
  } while (0)

#define CHECK_LACKS(text, needle)                                                           \
  do {                                                                                      \
    const char *text_ = (text);                                                             \
    if (text_ == NULL || strstr(text_, (needle)) != NULL)                                   \
      CHECK_FAIL_("%s should not contain \"%s\"\n    it is: %s", #text, (needle),           \
                  text_ ? text_ : "(null)");                                                \
  } while (0)

#define CHECK_I64(got, want)                                                                    \
  do {                                                                                          \
    int64_t got_ = (int64_t)(got);                                                              \
    int64_t want_ = (int64_t)(want);                                                            \
    if (got_ != want_)                                                                          \
      CHECK_FAIL_("%s == %s\n    got %" PRId64 ", expected %" PRId64, #got, #want, got_, want_); \
  } while (0)

#define CHECK_STR(got, want)                                                                \
  do {                                                                                      \
    const char *got_ = (got);                                                               \
    const char *want_ = (want);                                                             \
    if (got_ == NULL || strcmp(got_, want_) != 0)                                           \
      CHECK_FAIL_("%s\n    is \"%s\", expected \"%s\"", #got, got_ ? got_ : "(null)", want_); \
  } while (0)

/* The exit code of a test's main: 1 when any EXPECT failed. */
static inline int check_exit_code(void) {
  int failures = atomic_load(&check_soft_failures);
  if (failures > 0) {
    fprintf(stderr, "%d non-fatal check(s) failed (see above)\n", failures);
    return 1;
  }
  return 0;
}

/*
 * JSON, read minimally. The library writes compact JSON (no spaces), so `"key":value` is what to look
 * for; the first occurrence is taken, which for the records here is the record's own field (nested
 * objects come after the fields that name them).
 */

/* Reads the first `"key":<integer>` in json. False when there is none (or it is null, or a string). */
static inline bool json_i64(const char *json, const char *key, int64_t *out) {
  char pattern[128];
  snprintf(pattern, sizeof pattern, "\"%s\":", key);
  const char *at = json ? strstr(json, pattern) : NULL;
  if (at == NULL) return false;
  at += strlen(pattern);
  char *end = NULL;
  long long value = strtoll(at, &end, 10);
  if (end == at) return false;
  *out = (int64_t)value;
  return true;
}

/* The integer field `key`, or a fatal failure naming the JSON when it has none. */
#define JSON_I64(json, key) json_i64_or_die((json), (key), __FILE__, __LINE__)
static inline int64_t json_i64_or_die(const char *json, const char *key, const char *file, int line) {
  int64_t value = 0;
  if (!json_i64(json, key, &value)) {
    check_report(file, line, "no integer field \"%s\" in %s", key, json ? json : "(null)");
    exit(1);
  }
  return value;
}

/* How many times needle occurs in json. */
static inline int json_count(const char *json, const char *needle) {
  int n = 0;
  size_t len = strlen(needle);
  for (const char *at = json ? strstr(json, needle) : NULL; at; at = strstr(at + len, needle)) n++;
  return n;
}

/* Whether the needles (a NULL-terminated list) occur in json in this order. */
static inline bool json_in_order(const char *json, ...) {
  va_list args;
  va_start(args, json);
  const char *at = json;
  bool ok = json != NULL;
  for (const char *needle = va_arg(args, const char *); ok && needle; needle = va_arg(args, const char *)) {
    const char *found = strstr(at, needle);
    if (found == NULL) {
      fprintf(stderr, "    json_in_order: \"%s\" not found (in order)\n", needle);
      ok = false;
    } else {
      at = found + strlen(needle);
    }
  }
  va_end(args);
  return ok;
}

/* Removes a store file and its SQLite companions, if any. */
/* printf into a buffer of its own: JSON with ids in it. The next call overwrites it. */
static inline const char *fmt(const char *format, ...) {
  static char buffer[4096];
  va_list args;
  va_start(args, format);
  int n = vsnprintf(buffer, sizeof buffer, format, args);
  va_end(args);
  CHECK(n > 0 && (size_t)n < sizeof buffer);
  return buffer;
}

/* Runs a crm_add_…(crm, json, at, &out) command that must succeed and returns the new record's id. */
static inline int64_t add(crm_t *crm, crm_status_t (*fn)(crm_t *, const char *, const char *, char **),
                          const char *json, const char *at) {
  char *out = NULL;
  CHECK_OK(fn(crm, json, at, &out));
  int64_t id = JSON_I64(out, "id");
  free_str(&out);
  return id;
}

/* The store's newest event sequence number. */
static inline int64_t last_seq(const crm_t *crm) {
  int64_t seq = -1;
  CHECK_OK(crm_last_seq(crm, &seq));
  return seq;
}

static inline void remove_store(const char *path) {
  char companion[512];
  remove(path);
  snprintf(companion, sizeof companion, "%s-wal", path);
  remove(companion);
  snprintf(companion, sizeof companion, "%s-shm", path);
  remove(companion);
  snprintf(companion, sizeof companion, "%s-journal", path);
  remove(companion);
}

/* A value no call of the library can return: out-parameters are preset to it. */
static inline char *check_sentinel(void) {
  static char byte;
  return &byte;
}
#define SENTINEL (check_sentinel())

/* `call` must fail with `want`, its message must contain `needle`, and `out` must be NULL after it. */
#define FAILS_EMPTY(out, call, want, needle) \
  do {                                       \
    (out) = SENTINEL;                        \
    CHECK_FAILS(call, want, needle);         \
    CHECK((out) == NULL);                    \
  } while (0)

/* The last error names `field`. */
static inline void check_field(const char *field) {
  char *json = crm_last_error_json();
  char want[128];
  snprintf(want, sizeof want, "\"field\":\"%s\"", field);
  CHECK_CONTAINS(json, want);
  free_str(&json);
}

#endif /* CRM_TEST_CHECK_H */
