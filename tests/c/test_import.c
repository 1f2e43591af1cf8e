/*
 * test_import.c: import of a spreadsheet through the C ABI (issue 10).
 *
 * A small CSV with a UTF-8 BOM, semicolons, Ukrainian headers, a bad row (a birth date that is no
 * date) and a duplicate (the same client with its phone written another way) is written to a temp
 * file and imported with a counting progress callback: the figures of the JSON report, the progress
 * calls (ending at total, total), the batch (crm_get_import, crm_list_imports). A dry run of the
 * same bytes (crm_import_bytes) writes nothing (the event log does not move). A progress callback
 * that says no cancels. crm_undo_import removes what the import made; a second undo is an invalid
 * transition, an unknown batch not found. NULL arguments and bad options get a status.
 */
#include "check.h"

#include <unistd.h>

/* What the progress callback saw. */
struct seen {
  int calls;
  uint64_t last_done;
  uint64_t last_total;
  bool monotonic;
  int stop_after; /* 0: never stop */
};

static bool count_progress(uint64_t done, uint64_t total, void *user_data) {
  struct seen *seen = user_data;
  if (seen->calls > 0 && done <= seen->last_done) seen->monotonic = false;
  seen->calls++;
  seen->last_done = done;
  seen->last_total = total;
  return seen->stop_after == 0 || seen->calls < seen->stop_after;
}

static const char CSV[] =
    "\xEF\xBB\xBF"
    "Назва;Телефон;Email;Дата народження\r\n"
    "Ромашка;067 123 45 67;info@romashka.ua;\r\n"
    "Лілея;050 111 22 33;;\r\n"
    "Ромашка;+380671234567;;\r\n"
    "Соняшник;093 000 00 01;;31.02.1990\r\n";

static const char *AT = "2026-11-02T10:00:00Z";

int main(void) {
  char path[] = "/tmp/crm_import_XXXXXX";
  int fd = mkstemp(path);
  CHECK(fd >= 0);
  CHECK(write(fd, CSV, sizeof CSV - 1) == (ssize_t)(sizeof CSV - 1));
  close(fd);

  crm_t *crm = NULL;
  CHECK_OK(crm_open(":memory:", &crm));
  char *out = NULL;
  const char *options = "{\"kind\": \"clients\", \"match_on\": [\"email\", \"phone\"]}";

  /* A dry run of the same bytes writes nothing and reports the same figures. */
  int64_t seq_before = 0;
  CHECK_OK(crm_last_seq(crm, &seq_before));
  CHECK_OK(crm_import_bytes(crm, (const uint8_t *)CSV, sizeof CSV - 1,
                            "{\"kind\": \"clients\", \"dry_run\": true}", AT, NULL, NULL, &out));
  CHECK_CONTAINS(out, "\"committed\":false");
  CHECK_CONTAINS(out, "\"batch_id\":null");
  CHECK_I64(JSON_I64(out, "created"), 2);
  int64_t seq_after = 0;
  CHECK_OK(crm_last_seq(crm, &seq_after));
  CHECK_I64(seq_after, seq_before);
  free_str(&out);

  /* A callback that says no cancels: nothing written. */
  struct seen stop = {.monotonic = true, .stop_after = 1};
  CHECK_OK(crm_import(crm, path, options, AT, count_progress, &stop, &out));
  CHECK_CONTAINS(out, "\"cancelled\":true");
  CHECK_I64(stop.calls, 1);
  CHECK_OK(crm_last_seq(crm, &seq_after));
  CHECK_I64(seq_after, seq_before);
  free_str(&out);

  /* The import itself. */
  struct seen seen = {.monotonic = true};
  CHECK_OK(crm_import(crm, path, options, AT, count_progress, &seen, &out));
  CHECK_CONTAINS(out, "\"committed\":true");
  CHECK_CONTAINS(out, "\"encoding\":\"utf-8-bom\"");
  CHECK_CONTAINS(out, "\"delimiter\":\";\"");
  CHECK_I64(JSON_I64(out, "total"), 4);
  CHECK_I64(JSON_I64(out, "created"), 2);
  CHECK_I64(JSON_I64(out, "updated"), 0);
  CHECK_I64(JSON_I64(out, "unchanged"), 1);
  CHECK_I64(JSON_I64(out, "failed"), 1);
  CHECK(json_in_order(out, "\"errors\":[{\"row\":5", "\"column\":\"Дата народження\"",
                      "\"field\":\"birth_date\"", NULL));
  CHECK(seen.monotonic);
  CHECK(seen.calls >= 2);
  CHECK_I64((int64_t)seen.last_done, 4);
  CHECK_I64((int64_t)seen.last_total, 4);
  int64_t batch = JSON_I64(out, "batch_id");
  free_str(&out);

  CHECK_OK(crm_get_import(crm, batch, &out));
  CHECK_CONTAINS(out, "\"kind\":\"clients\"");
  CHECK_CONTAINS(out, "\"undone_at\":null");
  CHECK(strstr(out, strrchr(path, '/') + 1) != NULL);
  free_str(&out);
  CHECK_OK(crm_list_imports(crm, &out));
  CHECK_I64(json_count(out, "\"kind\":\"clients\""), 1);
  free_str(&out);

  /* Undo: the two clients are gone; once only. */
  CHECK_OK(crm_undo_import(crm, batch, "2026-11-03T10:00:00Z", &out));
  CHECK_CONTAINS(out, "\"undone\":true");
  CHECK_I64(JSON_I64(out, "removed"), 2);
  free_str(&out);
  CHECK_OK(crm_list_clients(crm, NULL, &out));
  CHECK_STR(out, "[]");
  free_str(&out);
  CHECK_STATUS(crm_undo_import(crm, batch, "2026-11-03T10:00:00Z", &out), CRM_STATUS_INVALID_TRANSITION);
  CHECK(out == NULL);
  CHECK_STATUS(crm_undo_import(crm, 999, "2026-11-03T10:00:00Z", &out), CRM_STATUS_NOT_FOUND);
  CHECK_STATUS(crm_get_import(crm, 999, &out), CRM_STATUS_NOT_FOUND);

  /* Bad arguments: a status, an empty out-parameter. */
  CHECK_STATUS(crm_import(crm, NULL, options, AT, NULL, NULL, &out), CRM_STATUS_NULL_ARGUMENT);
  CHECK(out == NULL);
  CHECK_STATUS(crm_import(crm, path, "{\"kind\": \"planets\"}", AT, NULL, NULL, &out), CRM_STATUS_INVALID_JSON);
  CHECK_STATUS(crm_import(crm, path, "{\"mapping\": {\"Назва\": \"nmae\"}}", AT, NULL, NULL, &out),
               CRM_STATUS_VALIDATION);
  CHECK_STATUS(crm_import(crm, "/nonexistent/file.csv", NULL, AT, NULL, NULL, &out), CRM_STATUS_STORAGE);
  CHECK_STATUS(crm_import_bytes(crm, NULL, 5, NULL, AT, NULL, NULL, &out), CRM_STATUS_NULL_ARGUMENT);
  CHECK_STATUS(crm_import_bytes(crm, (const uint8_t *)CSV, sizeof CSV - 1, NULL, AT, NULL, NULL, NULL),
               CRM_STATUS_NULL_ARGUMENT);

  crm_close(crm);
  unlink(path);
  puts("test_import: ok");
  return check_exit_code();
}
