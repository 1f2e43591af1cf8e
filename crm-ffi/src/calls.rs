//! Telephony through the C ABI: the port an IP PBX bridge calls with every call event
//! (crm_record_call()), the set-up it needs (managers' extensions, lines with their marketing source and
//! call-back deadline), the calls, and the call report by line and hour. Commands like those of
//! [`crate::commands`], readers like those of [`crate::readers`].

use std::ffi::c_char;
use std::ptr::null_mut;

use crm_core::{CallEvent, CallId, CallQuery, CallReportQuery, ManagerId, NewPhoneLine};

use crate::boundary::{call, json, optional_json, out_param, put_json, text};
use crate::commands::command;
use crate::handle::{crm_t, handle, on};
use crate::readers::read;
use crate::status::crm_status_t;

/// Gives an internal extension to a manager: calls the PBX reports with this extension are that
/// manager's (the activity an answered call becomes is theirs). An extension belongs to one manager:
/// setting it again for another moves it. Logs a `phone_extension_set` event on `settings` (id 0; data:
/// the extension); setting it again for the same manager changes nothing.
///
/// @param manager_id      the manager, active: CRM_STATUS_NOT_FOUND when there is none with this id,
///                        CRM_STATUS_VALIDATION with field `manager` when inactive
/// @param extension       the extension as the PBX sends it (`101`); empty is CRM_STATUS_VALIDATION with
///                        field `extension`
/// @param at              RFC 3339 time of the change
/// @param extension_json  receives `{"extension": "101", "manager_id": 2, "set_at": ...}`
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_set_phone_extension(
    crm: *mut crm_t,
    manager_id: i64,
    extension: *const c_char,
    at: *const c_char,
    extension_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            extension_json,
            "extension_json",
            at,
            || {
                Ok((
                    ManagerId(manager_id),
                    text(extension, "extension")?.to_string(),
                ))
            },
            |t, (manager, extension), at| on!(t, set_phone_extension(manager, &extension, at)),
        )
    }
}

/// Removes an extension; calls already recorded keep their manager. Logs a `phone_extension_removed`
/// event on `settings` (data: the extension as it was).
///
/// @param extension       the extension; CRM_STATUS_NOT_FOUND when nobody has it
/// @param at              RFC 3339 time of the change
/// @param extension_json  receives the extension as it was (see crm_set_phone_extension())
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_remove_phone_extension(
    crm: *mut crm_t,
    extension: *const c_char,
    at: *const c_char,
    extension_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            extension_json,
            "extension_json",
            at,
            || Ok(text(extension, "extension")?.to_string()),
            |t, extension, at| on!(t, remove_phone_extension(&extension, at)),
        )
    }
}

/// Every extension, by extension.
///
/// @param extensions_json  receives a JSON array of extensions (see crm_set_phone_extension())
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_list_phone_extensions(
    crm: *const crm_t,
    extensions_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, extensions_json, "extensions_json", || {
            Ok(Box::new(|t| on!(t, list_phone_extensions())))
        })
    }
}

/// Sets up a line (or replaces its set-up): the marketing source its number is advertised in (a lead
/// from a missed call on it gets that source) and how soon a missed call on it must be called back, in
/// working time of the owner's calendar (theirs, else the store's, else round the clock). A line not
/// set up has no source and a call-back deadline of `1h`. Logs a `phone_line_set` event on `settings`.
///
/// @param line_json  `{"line": "+380441112233", "source_id": 1, "callback_within": "30m"}`; `line` is
///                   required (the line as the PBX names it), `source_id` must exist
///                   (CRM_STATUS_NOT_FOUND), `callback_within` is hours and minutes of working time
///                   (`30m`, `1h`, `2h30m`; default `1h`), else CRM_STATUS_VALIDATION with field
///                   `callback_within`
/// @param at         RFC 3339 time of the change
/// @param out_json   receives `{"line": ..., "source_id": 1, "callback_within": "30m", "set_at": ...}`
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_set_phone_line(
    crm: *mut crm_t,
    line_json: *const c_char,
    at: *const c_char,
    out_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            out_json,
            "out_json",
            at,
            || json::<NewPhoneLine>(line_json, "line_json"),
            |t, line, at| on!(t, set_phone_line(line, at)),
        )
    }
}

/// Every line set up, by line.
///
/// @param lines_json  receives a JSON array of lines (see crm_set_phone_line())
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_list_phone_lines(
    crm: *const crm_t,
    lines_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, lines_json, "lines_json", || {
            Ok(Box::new(|t| on!(t, list_phone_lines())))
        })
    }
}

/// Records one call event from the PBX; the event carries its own time. Each (call_id, event) is applied
/// once: a repeat returns the call as stored and writes nothing, so a bridge may resend after a
/// failure. Events may come in any order.
///
/// What a call becomes: the outside number is matched (as a phone of the store's default country) to
/// a client, else to an open lead with that phone. An answered call becomes one `call` activity when it
/// ends, on the lead or client, by the manager of the extension (else the owner); an outbound one is a
/// lead's first response. An inbound call missed (`missed`, or `finished` without `answered`) must be
/// called back within the line's `callback_within`: from an unknown number it becomes a lead (channel
/// `phone`, the line's source) with that first-response deadline; from a client or an open lead, a
/// `call_back` task for its owner. A second missed call while the first still waits is linked to it
/// (`linked_to`) and makes nothing new. A later outbound call to the number, client or lead is the
/// call-back (`called_back_at`; the task is done). An answered call from an unknown number makes no
/// activity and no lead. An extension nobody has is kept without a manager (refused in strict mode).
/// Logs call events `created`, `answered`, `missed`, `completed`, `updated`, `called_back`.
///
/// @param event_json  `{"call_id": "1732701234.17", "event": "answered", "at": "2026-11-02T08:00:12Z",
///                    "direction": "in", "caller": "+380671234567", "line": "+380441112233",
///                    "extension": "101", "duration_seconds": 288, "recording": "rec/17.mp3"}`;
///                    `call_id`, `event` (started, answered, missed, finished), `at` and `caller` (the
///                    outside party's number for both directions) are required, `direction` is in
///                    (default) or out. An unknown field or event is CRM_STATUS_INVALID_JSON; an
///                    empty `call_id`, a `caller` that is not a phone number, a negative
///                    `duration_seconds` CRM_STATUS_VALIDATION naming the field; the same `call_id`
///                    with another caller or direction CRM_STATUS_CONFLICT
/// @param call_json   receives the Call: `{"id": 1, "call_id": ..., "direction": "in", "caller": ...,
///                    "line": ..., "extension": "101", "manager_id": 2, "status": "completed" (ringing,
///                    answered, missed, completed), "started_at": ..., "answered_at": ..., "ended_at":
///                    ..., "duration_seconds": 288, "recording": ..., "client_id": 1, "lead_id": null,
///                    "activity_id": 5, "task_id": null, "callback_due": null, "called_back_at": null,
///                    "linked_to": null}`
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_record_call(
    crm: *mut crm_t,
    event_json: *const c_char,
    call_json: *mut *mut c_char,
) -> crm_status_t {
    call(|| {
        // SAFETY: pointers as the header's contract says.
        let out = unsafe { out_param(call_json, "call_json", null_mut()) }?;
        let crm = unsafe { handle(crm) }?;
        let event: CallEvent = unsafe { json(event_json, "event_json") }?;
        put_json(out, &crm.run(move |t| on!(t, record_call(event)))?)
    })
}

/// One call.
///
/// @param call_id    the store's id of the call (`id`, not the PBX's `call_id`); CRM_STATUS_NOT_FOUND
///                   when there is none
/// @param call_json  receives the Call (see crm_record_call())
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_get_call(
    crm: *const crm_t,
    call_id: i64,
    call_json: *mut *mut c_char,
) -> crm_status_t {
    let id = CallId(call_id);
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, call_json, "call_json", || {
            Ok(Box::new(move |t| on!(t, get_call(id))))
        })
    }
}

/// A page of calls, by id; every filter given must hold.
///
/// @param query_json  `{"client_id": 1, "lead_id": 2, "line": "+380441112233", "status": "missed",
///                    "page": {"after": 0, "limit": 100}}`, every field optional; NULL means `{}`
/// @param calls_json  receives a JSON array of Calls (see crm_record_call())
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_list_calls(
    crm: *const crm_t,
    query_json: *const c_char,
    calls_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, calls_json, "calls_json", || {
            let query: CallQuery = optional_json(query_json, "query_json")?;
            Ok(Box::new(move |t| on!(t, list_calls(&query))))
        })
    }
}

/// The call report: inbound calls started in `[start, end)` by line and hour of the day (in the store
/// calendar's time zone; UTC without one) — where the lines are overloaded. A missed call counts as
/// called back in time when the first call-back (an outbound call to it, or an outbound call activity
/// on its client or lead after it) came by its deadline.
///
/// @param query_json   `{"start": "2026-11-02T00:00:00Z", "end": "2026-11-03T00:00:00Z", "line":
///                     "+380441112233"}`; `start` and `end` required, `line` optional; `end` not after
///                     `start` is CRM_STATUS_VALIDATION with field `end`
/// @param report_json  receives `{"rows": [{"line": "+380441112233", "hour": 10, "calls": 3,
///                     "answered": 2, "missed": 1, "called_back_in_time": 1, "called_back_late": 0,
///                     "not_called_back": 0, "answer_rate": 0.6667, "median_wait_seconds": 20}, ...],
///                     "total": {the same figures without line and hour}}`; rows by line (calls
///                     without a line, `line` null, last), then hour, only those with calls;
///                     `answer_rate` is null without calls, `median_wait_seconds` (start to answer, the
///                     lower middle) null without answered calls
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_call_report(
    crm: *const crm_t,
    query_json: *const c_char,
    report_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, report_json, "report_json", || {
            let query: CallReportQuery = json(query_json, "query_json")?;
            Ok(Box::new(move |t| on!(t, call_report(&query))))
        })
    }
}
