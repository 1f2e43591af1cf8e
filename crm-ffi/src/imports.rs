//! Import of spreadsheets through the C ABI: a CSV or XLSX file (or its bytes) becomes clients,
//! contacts, leads or orders, with a per-row report, a dry run, a progress callback, and an undo of a
//! whole batch. Commands like those of [`crate::commands`], readers like those of [`crate::readers`].

use std::ffi::{c_char, c_void};
use std::path::PathBuf;

use crm_core::{ImportId, ImportOptions};

use crate::boundary::{Failure, optional_json, text};
use crate::commands::command;
use crate::handle::{crm_t, on};
use crate::readers::read;
use crate::status::crm_status_t;

/// A progress callback: called with the rows done and the rows in the file after each chunk of rows
/// (about every 1%, at least every 10 000 rows) and once at the end with `(total, total)`. Returning
/// `false` cancels the import: nothing is written and the report says `"cancelled": true`. Inside a
/// transaction (crm_begin()) it is called from the library's transaction thread while the calling
/// thread waits for the import.
pub type crm_progress_fn =
    Option<unsafe extern "C" fn(done: u64, total: u64, user_data: *mut c_void) -> bool>;

/// The caller's callback and its data, carried to wherever the import runs.
#[derive(Clone, Copy)]
struct Progress {
    callback: crm_progress_fn,
    user_data: *mut c_void,
}

// SAFETY: the pointer is only handed back to the caller's callback, during the call, while the calling
// thread waits for it (see `crm_progress_fn`).
unsafe impl Send for Progress {}

impl Progress {
    fn report(self, done: u64, total: u64) -> bool {
        match self.callback {
            // SAFETY: the caller gave a valid function and the data it expects.
            Some(f) => unsafe { f(done, total, self.user_data) },
            None => true,
        }
    }
}

/// The options argument: NULL means all defaults (clients).
unsafe fn options(options_json: *const c_char) -> Result<ImportOptions, Failure> {
    // SAFETY: as promised by the caller.
    unsafe { optional_json::<ImportOptions>(options_json, "options_json") }
}

/// Imports a spreadsheet file (CSV in UTF-8 with or without BOM or in Windows-1251, any common
/// delimiter, quoted newlines; or XLSX) in one transaction, each row in a savepoint of its own: bad
/// rows are reported and never stop good ones (unless `all_or_nothing`). Logs an `import` `created`
/// event with the figures (not for a dry run, a cancel or an all-or-nothing failure).
///
/// @param path          the file; unreadable is CRM_STATUS_STORAGE (i/o); the batch's `file_name` is its
///                      name unless the options give one
/// @param options_json  NULL (clients, all defaults) or `{"kind": "clients" | "contacts" | "leads" |
///                      "orders", "match_on": ["external_ref", "tax_id", "email", "phone"], "mapping":
///                      {"Назва": "name", "Notes": ""}, "dry_run": false, "all_or_nothing": false,
///                      "on_conflict": "report" | "overwrite", "encoding": "windows-1251",
///                      "delimiter": ";", "sheet": "Clients", "header_row": 1, "file_name": ...,
///                      "default_source": "Old base"}`; every field optional. A mapping naming an
///                      unknown field or a header not in the file, or a clients/contacts file without
///                      a name column, is CRM_STATUS_VALIDATION with field `mapping`
/// @param at            RFC 3339 time of the import
/// @param progress      a crm_progress_fn, or NULL
/// @param user_data     passed to `progress` as it is
/// @param report_json   receives the ImportReport: `{"batch_id": 1, "kind": "clients", "dry_run": false,
///                      "committed": true, "cancelled": false, "total": 5, "created": 2, "updated": 1,
///                      "unchanged": 1, "skipped": 0, "failed": 1, "rows": [{"row": 2, "status":
///                      "created", "entity": "client", "id": 1}, ...], "errors": [{"row": 4, "column":
///                      "Телефон", "field": "phone", "message": ...}], "conflicts": [{"row": 3,
///                      "entity": "client", "id": 1, "field": "email", "stored": ..., "incoming":
///                      ...}], "columns": [{"column": 0, "header": "Назва", "field": "name",
///                      "guessed": true}], "encoding": "utf-8-bom", "delimiter": ";", "header_row": 1}`
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_import(
    crm: *mut crm_t,
    path: *const c_char,
    options_json: *const c_char,
    at: *const c_char,
    progress: crm_progress_fn,
    user_data: *mut c_void,
    report_json: *mut *mut c_char,
) -> crm_status_t {
    let progress = Progress {
        callback: progress,
        user_data,
    };
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            report_json,
            "report_json",
            at,
            || {
                let path = PathBuf::from(text(path, "path")?);
                Ok((path, options(options_json)?, progress))
            },
            |t, (path, options, progress), at| {
                let mut report = move |done, total| progress.report(done, total);
                on!(t, import_file(&path, &options, at, &mut report))
            },
        )
    }
}

/// Imports a spreadsheet held in memory: as crm_import(), from `len` bytes at `data`.
///
/// @param data          the file's bytes (not NUL-terminated); NULL only with `len` 0
/// @param len           how many bytes
/// @param options_json  as crm_import(); the batch's `file_name` is the one given there, if any
/// @param at            RFC 3339 time of the import
/// @param progress      a crm_progress_fn, or NULL
/// @param user_data     passed to `progress` as it is
/// @param report_json   receives the ImportReport, as crm_import()
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_import_bytes(
    crm: *mut crm_t,
    data: *const u8,
    len: usize,
    options_json: *const c_char,
    at: *const c_char,
    progress: crm_progress_fn,
    user_data: *mut c_void,
    report_json: *mut *mut c_char,
) -> crm_status_t {
    let progress = Progress {
        callback: progress,
        user_data,
    };
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            report_json,
            "report_json",
            at,
            || {
                let bytes = if len == 0 {
                    Vec::new()
                } else if data.is_null() {
                    return Err(Failure::new(
                        crm_status_t::CRM_STATUS_NULL_ARGUMENT,
                        "data: is NULL",
                    ));
                } else {
                    // SAFETY: `data` holds `len` readable bytes, as the caller promised.
                    std::slice::from_raw_parts(data, len).to_vec()
                };
                Ok((bytes, options(options_json)?, progress))
            },
            |t, (bytes, options, progress), at| {
                let mut report = move |done, total| progress.report(done, total);
                on!(t, import(&bytes, &options, at, &mut report))
            },
        )
    }
}

/// Undoes an import batch: removes the clients, contacts and orders it created (rollups recomputed),
/// closes the leads it created as junk (`test`), and restores the records it updated. When later
/// changes depend on it (a record it made that something else now refers to, a record it touched
/// that changed since) nothing is undone and the report lists what blocks it. Logs an `import`
/// `undone` event.
///
/// @param import_id    the batch; CRM_STATUS_NOT_FOUND when there is none, CRM_STATUS_INVALID_TRANSITION
///                     when it was undone already
/// @param at           RFC 3339 time of the undo
/// @param report_json  receives the UndoReport: `{"batch_id": 1, "undone": true, "removed": 3,
///                     "restored": 1, "blocked": [{"entity": "client", "id": 4, "reason": ...}]}`
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_undo_import(
    crm: *mut crm_t,
    import_id: i64,
    at: *const c_char,
    report_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            report_json,
            "report_json",
            at,
            || Ok(ImportId(import_id)),
            |t, id, at| on!(t, undo_import(id, at)),
        )
    }
}

/// One import batch.
///
/// @param import_json  receives the ImportBatch: `{"id": 1, "kind": "clients", "file_name": ..., "at":
///                     ..., "actor": ..., "total": 5, "created": 2, "updated": 1, "unchanged": 1,
///                     "skipped": 0, "failed": 1, "undone_at": null}`; CRM_STATUS_NOT_FOUND when there
///                     is none with this id
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_get_import(
    crm: *const crm_t,
    import_id: i64,
    import_json: *mut *mut c_char,
) -> crm_status_t {
    let id = ImportId(import_id);
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, import_json, "import_json", || {
            Ok(Box::new(move |t| on!(t, get_import(id))))
        })
    }
}

/// Every import batch, by id.
///
/// @param imports_json  receives a JSON array of ImportBatch (see crm_get_import())
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_list_imports(
    crm: *const crm_t,
    imports_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, imports_json, "imports_json", || {
            Ok(Box::new(move |t| on!(t, list_imports())))
        })
    }
}
