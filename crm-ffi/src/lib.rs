//! The C ABI of crmkit (`libcrm`, built as a shared and a static library). cbindgen writes
//! `include/crm.h` from this crate; the header's preamble (in `cbindgen.toml`) states the contract
//! every function keeps, so the functions' own comments do not repeat it.
//!
//! Layout: [`status`] (the frozen status codes and the one mapping from the core's error kinds),
//! [`boundary`] (the panic guard, the last error, and every conversion of a caller's pointer),
//! [`handle`] (the store handle, its settings, transactions across calls), [`commands`] and
//! [`readers`] (one export per facade method), [`segments`] (the segment language: its field
//! catalogue, saved segments, members, counts, exports and matches), [`dedup`] (duplicates: matching,
//! merges and their undoing, the matching settings), [`distribution`] (routing rules, calendars,
//! absences, response deadlines, the ownership lock, assignments, the queue, hand-overs, tasks),
//! [`analytics`] (ABC, XYZ, RFM, P(alive), repeat sales, product pairs and cross-sell), [`reports`]
//! (the funnel, sources, the forecast, offers and objections, sales plans and the manager report),
//! [`care`] (promises to clients and their complaints), [`tasks`] (tasks people add and complete, a
//! manager's agenda) and [`retention`] (the dormancy ladder, retention rules and their report).
// Every export is `unsafe extern "C"` and dereferences the caller's pointers under the contract written
// once in the header's preamble; a `# Safety` section on each would repeat it sixty times.
#![allow(clippy::missing_safety_doc)]
// The exported types keep C's names (`crm_t`, `crm_status_t`, `CRM_STATUS_OK`).
#![allow(non_camel_case_types)]

use std::ffi::c_char;

pub mod analytics;
pub mod boundary;
pub mod calls;
pub mod care;
pub mod commands;
pub mod dedup;
pub mod distribution;
pub mod handle;
pub mod imports;
pub mod ports;
pub mod readers;
pub mod reports;
pub mod retention;
pub mod segments;
pub mod status;
pub mod tasks;

pub use handle::crm_t;
pub use status::crm_status_t;

/// The version of the ABI this header describes. It grows when a function's signature or meaning
/// changes incompatibly; adding a function or a status code does not change it. Compare it with
/// crm_abi_version() to check that the library loaded is the one the host was built for.
pub const CRM_ABI_VERSION: u32 = 1;

/// The version of the library (`"0.1.0"`), static: do not free it.
#[unsafe(no_mangle)]
pub extern "C" fn crm_version() -> *const c_char {
    concat!(env!("CARGO_PKG_VERSION"), "\0").as_ptr().cast()
}

/// The ABI version of the library loaded; equal to `CRM_ABI_VERSION` of the header it was built with.
#[unsafe(no_mangle)]
pub extern "C" fn crm_abi_version() -> u32 {
    CRM_ABI_VERSION
}

/// The message of the last failed call on this thread (`"phone: is too short"`), or NULL when no call
/// on this thread has failed yet. A successful call leaves it as it was, so read it right after the
/// failure. The string is a copy the caller owns: free it with crm_string_free().
#[unsafe(no_mangle)]
pub extern "C" fn crm_last_error_message() -> *mut c_char {
    let mut message = std::ptr::null_mut();
    boundary::call_quietly(|| {
        if let Some(text) = boundary::last_error(|failure| failure.message.clone()) {
            message = boundary::owned_string(text);
        }
    });
    message
}

/// The last failed call on this thread as JSON, or NULL when none has failed yet:
/// `{"status": 4, "kind": "validation", "field": "phone", "message": "phone: is too short"}` (`field`
/// is null unless a validation error names one). An error in an expression of the segment language
/// also has `"line"` and `"column"` (1-based numbers, the column counted in characters) of the place it
/// points at: `{"status": 4, "kind": "validation", "field": "expression", "message": "expression:
/// unknown field 'regoin' for clients at 1:1; did you mean 'region'?", "line": 1, "column": 1}`; no
/// other error has them. Free it with crm_string_free().
#[unsafe(no_mangle)]
pub extern "C" fn crm_last_error_json() -> *mut c_char {
    let mut json = std::ptr::null_mut();
    boundary::call_quietly(|| {
        if let Some(text) = boundary::last_error(|failure| failure.to_json().to_string()) {
            json = boundary::owned_string(text);
        }
    });
    json
}

/// Frees a string the library returned (every `char *` out-parameter, crm_last_error_message() and
/// crm_last_error_json()).
/// NULL is ignored. Do not free a string twice, nor one from crm_version().
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_string_free(string: *mut c_char) {
    // SAFETY: a string this library returned, freed once, as the contract says.
    boundary::call_quietly(|| unsafe { boundary::free_string(string) });
}

/// Raises a deliberate panic inside the library and catches it at the boundary, as every function
/// would catch a bug: it returns CRM_STATUS_PANIC and sets the last error message. A host may call it
/// once to check that its build of the library catches panics (a library built with `panic = "abort"`
/// would end the process instead).
#[unsafe(no_mangle)]
pub extern "C" fn crm_check_panic_boundary() -> crm_status_t {
    boundary::call(|| panic!("crm_check_panic_boundary: a deliberate panic"))
}
