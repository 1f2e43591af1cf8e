//! Care for existing clients through the C ABI: promises made to them (kept, cancelled, or broken by
//! crm_run_due()) and their complaints (a lifecycle with deadlines in working time, pauses while waiting
//! for the client, and escalation of breaches into tasks), with the complaint report. Commands like those
//! of [`crate::commands`], readers like those of [`crate::readers`].

use std::ffi::c_char;

use crm_core::{
    ComplaintId, ComplaintQuery, ComplaintReportQuery, ComplaintSla, ManagerId, NewComplaint,
    NewPromise, PromiseId, PromiseQuery, PromiseSettings,
};

use crate::boundary::{json, optional_json, optional_text, text};
use crate::commands::command;
use crate::handle::{crm_t, on};
use crate::readers::read;
use crate::status::crm_status_t;

// --- promises -----------------------------------------------------------------------------------------

/// Records a promise made to a client ("send the corrected invoice by Friday"). crm_run_due() follows
/// it up: once its due time is less than `remind_before` away (see crm_set_promise_settings()) the
/// manager who made it gets a reminder task (kind `promise`, due at the promise's due time), and once
/// the due time has passed while it is still open it is `broken`. Logs a promise `made` event (data: the
/// Promise).
///
/// @param new_promise_json  `{"client_id": 1, "what": "send the corrected invoice", "due_at":
///                          "2026-11-27T15:00:00Z", "manager_id": 2, "activity_id": 7}`; `client_id`,
///                          `what` and `due_at` are required. `manager_id` is who made it (active; the
///                          client's owner when left out), `activity_id` the call or e-mail where it
///                          was made (one of the same client's, else CRM_STATUS_VALIDATION with field
///                          `activity_id`). An empty `what` is CRM_STATUS_VALIDATION with field `what`,
///                          a `due_at` before `at` one with field `due_at`; an unknown client, manager or
///                          activity is CRM_STATUS_NOT_FOUND
/// @param at                RFC 3339 time the promise was made
/// @param promise_json      receives the stored Promise: `{"id": 1, "client_id": 1, "manager_id": 2,
///                          "what": ..., "made_at": ..., "due_at": ..., "activity_id": 7, "status":
///                          "open", "closed_at": null, "note": null, "reminded_at": null}`
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_promise(
    crm: *mut crm_t,
    new_promise_json: *const c_char,
    at: *const c_char,
    promise_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            promise_json,
            "promise_json",
            at,
            || json::<NewPromise>(new_promise_json, "new_promise_json"),
            |t, new, at| on!(t, promise(new, at)),
        )
    }
}

/// Marks an open promise kept, with an optional note; its reminder task, if still open, is done. Logs a
/// promise `kept` event (data: `{"note": ...}`). Keeping a kept promise again changes nothing (the
/// promise as stored is returned); keeping a broken or cancelled one is CRM_STATUS_INVALID_TRANSITION.
///
/// @param promise_id    the promise; CRM_STATUS_NOT_FOUND when there is none
/// @param note          free text, or NULL
/// @param at            RFC 3339 time it was kept
/// @param promise_json  receives the promise as stored now (`status` `kept`, `closed_at`, `note`)
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_keep_promise(
    crm: *mut crm_t,
    promise_id: i64,
    note: *const c_char,
    at: *const c_char,
    promise_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            promise_json,
            "promise_json",
            at,
            || {
                Ok((
                    PromiseId(promise_id),
                    optional_text(note, "note")?.map(str::to_string),
                ))
            },
            |t, (id, note), at| on!(t, keep_promise(id, note.as_deref(), at)),
        )
    }
}

/// Cancels an open promise (withdrawn with the client's agreement, say); its reminder task, if still
/// open, is cancelled. A cancelled promise counts neither as kept nor as broken (see
/// crm_manager_report()'s `promises_kept`). Logs a promise `cancelled` event (data: `{"reason": ...}`).
/// Cancelling it again changes nothing; cancelling a kept or broken one is
/// CRM_STATUS_INVALID_TRANSITION.
///
/// @param promise_id    the promise; CRM_STATUS_NOT_FOUND when there is none
/// @param reason        why, required: an empty or blank reason is CRM_STATUS_VALIDATION with field
///                      `reason`; it is kept as the promise's `note`
/// @param at            RFC 3339 time of the change
/// @param promise_json  receives the promise as stored now
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_cancel_promise(
    crm: *mut crm_t,
    promise_id: i64,
    reason: *const c_char,
    at: *const c_char,
    promise_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            promise_json,
            "promise_json",
            at,
            || Ok((PromiseId(promise_id), text(reason, "reason")?.to_string())),
            |t, (id, reason), at| on!(t, cancel_promise(id, &reason, at)),
        )
    }
}

/// Sets how promises are followed up. Logs a `promise_settings_set` event on `settings` (id 0).
///
/// @param settings_json      `{"remind_before": "24h"}` (the default): how long before a promise's due
///                           time its maker gets the reminder task, as round-the-clock time in hours
///                           and minutes (`24h`, `2h30m`, `45m`); more than zero and at most `10000h`,
///                           days are refused, else CRM_STATUS_VALIDATION with field `remind_before`
/// @param at                 RFC 3339 time of the change
/// @param new_settings_json  receives the settings now in force, the duration in canonical form
///                           (`{"remind_before": "2h30m"}`)
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_set_promise_settings(
    crm: *mut crm_t,
    settings_json: *const c_char,
    at: *const c_char,
    new_settings_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            new_settings_json,
            "new_settings_json",
            at,
            || json::<PromiseSettings>(settings_json, "settings_json"),
            |t, settings, at| on!(t, set_promise_settings(settings, at)),
        )
    }
}

/// One promise.
///
/// @param promise_id    the promise; CRM_STATUS_NOT_FOUND when there is none with this id
/// @param promise_json  receives the Promise (see crm_promise())
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_get_promise(
    crm: *const crm_t,
    promise_id: i64,
    promise_json: *mut *mut c_char,
) -> crm_status_t {
    let id = PromiseId(promise_id);
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, promise_json, "promise_json", || {
            Ok(Box::new(move |t| on!(t, get_promise(id))))
        })
    }
}

/// A page of promises, by id; every filter given must hold.
///
/// @param query_json     `{"client_id": 1, "manager_id": 2, "status": "open", "page": {"after": 0,
///                       "limit": 100}}`, every field optional; NULL means `{}`. `status` is open, kept,
///                       broken or cancelled
/// @param promises_json  receives a JSON array of Promises (see crm_promise())
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_list_promises(
    crm: *const crm_t,
    query_json: *const c_char,
    promises_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, promises_json, "promises_json", || {
            let query: PromiseQuery = optional_json(query_json, "query_json")?;
            Ok(Box::new(move |t| on!(t, list_promises(&query))))
        })
    }
}

/// How promises are followed up: the stored settings, or the defaults until crm_set_promise_settings()
/// is called.
///
/// @param settings_json  receives `{"remind_before": "24h"}`
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_promise_settings(
    crm: *const crm_t,
    settings_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, settings_json, "settings_json", || {
            Ok(Box::new(|t| on!(t, promise_settings())))
        })
    }
}

// --- complaints ---------------------------------------------------------------------------------------

/// Opens a complaint from a client. Its two deadlines are the targets of its priority (see
/// crm_set_complaint_sla()) counted from `at` in working time of its owner's calendar (theirs, else the
/// store's, else round the clock in UTC). crm_run_due() marks a passed deadline breached and escalates
/// it into a task. Logs a complaint `opened` event (data: the Complaint).
///
/// The lifecycle: `open` → crm_take_complaint() → `in_progress` → crm_resolve_complaint() → `resolved`
/// → crm_close_complaint() → `closed` (final), or crm_reopen_complaint() back to `in_progress`; an open
/// or in-progress complaint may be rejected (crm_reject_complaint(): `rejected`, final). While it waits
/// for the client (crm_wait_for_client() … crm_resume_complaint()) its resolution clock stands still.
///
/// @param new_complaint_json  `{"client_id": 1, "subject": "damaged parcel", "body": "...",
///                            "priority": "high", "order_id": 12, "owner_id": 2}`; `client_id` and
///                            `subject` are required. `priority` is low, normal (the default), high or
///                            critical (any other is CRM_STATUS_INVALID_JSON with field `priority`);
///                            `owner_id` who handles it (active; the client's owner when left out);
///                            `order_id` the order it is about (the client's, else CRM_STATUS_VALIDATION
///                            with field `order_id`). An empty subject is CRM_STATUS_VALIDATION with
///                            field `subject`; an unknown client, order or manager CRM_STATUS_NOT_FOUND
/// @param at                  RFC 3339 time it came in
/// @param complaint_json      receives the stored Complaint: `{"id": 1, "client_id": 1, "order_id": 12,
///                            "subject": ..., "body": ..., "priority": "high", "status": "open",
///                            "owner_id": 2, "opened_at": ..., "response_due": ..., "responded_at": null,
///                            "response_breached_at": null, "resolution_due": ..., "resolved_at": null,
///                            "resolution_breached_at": null, "paused_at": null, "paused_secs": 0,
///                            "resolve_secs": null, "resolution": null, "rejection": null, "closed_at":
///                            null, "updated_at": ...}` (see the Complaint record above)
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_open_complaint(
    crm: *mut crm_t,
    new_complaint_json: *const c_char,
    at: *const c_char,
    complaint_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            complaint_json,
            "complaint_json",
            at,
            || json::<NewComplaint>(new_complaint_json, "new_complaint_json"),
            |t, new, at| on!(t, open_complaint(new, at)),
        )
    }
}

/// Takes an open complaint in work (→ `in_progress`): its first response (`responded_at`). Logs a
/// complaint `taken` event. Any other status is CRM_STATUS_INVALID_TRANSITION.
///
/// @param complaint_id    the complaint; CRM_STATUS_NOT_FOUND when there is none
/// @param at              RFC 3339 time of the change
/// @param complaint_json  receives the complaint as stored now
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_take_complaint(
    crm: *mut crm_t,
    complaint_id: i64,
    at: *const c_char,
    complaint_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            complaint_json,
            "complaint_json",
            at,
            || Ok(ComplaintId(complaint_id)),
            |t, id, at| on!(t, take_complaint(id, at)),
        )
    }
}

/// Waits for the client (a question asked, documents requested): the resolution clock stops, and
/// `paused_at` is set, until crm_resume_complaint(). Counts as the first response when there was none;
/// an open complaint goes `in_progress`. Logs a complaint `waiting` event. Waiting while waiting, or on
/// a complaint that is resolved or final, is CRM_STATUS_INVALID_TRANSITION.
///
/// @param complaint_id    the complaint; CRM_STATUS_NOT_FOUND when there is none
/// @param at              RFC 3339 time of the change
/// @param complaint_json  receives the complaint as stored now
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_wait_for_client(
    crm: *mut crm_t,
    complaint_id: i64,
    at: *const c_char,
    complaint_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            complaint_json,
            "complaint_json",
            at,
            || Ok(ComplaintId(complaint_id)),
            |t, id, at| on!(t, wait_for_client(id, at)),
        )
    }
}

/// Resumes work on a complaint waiting for the client: `resolution_due` moves on by the working time
/// the pause took, which is added to `paused_secs`; `paused_at` is cleared. Logs a complaint `resumed`
/// event (data: `paused_at`, `paused_secs`, `resolution_due`). A complaint that is not waiting is
/// CRM_STATUS_INVALID_TRANSITION.
///
/// @param complaint_id    the complaint; CRM_STATUS_NOT_FOUND when there is none
/// @param at              RFC 3339 time of the change
/// @param complaint_json  receives the complaint as stored now
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_resume_complaint(
    crm: *mut crm_t,
    complaint_id: i64,
    at: *const c_char,
    complaint_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            complaint_json,
            "complaint_json",
            at,
            || Ok(ComplaintId(complaint_id)),
            |t, id, at| on!(t, resume_complaint(id, at)),
        )
    }
}

/// Resolves an open or in-progress complaint (→ `resolved`); a pause still running ends here. Records
/// `resolved_at`, the `resolution` and `resolve_secs` (working seconds from opening, less the paused
/// time). Logs a complaint `resolved` event (data: `resolution`, `resolve_secs`, `within_sla`). Any other
/// status is CRM_STATUS_INVALID_TRANSITION.
///
/// @param complaint_id    the complaint; CRM_STATUS_NOT_FOUND when there is none
/// @param resolution      what was done, required: an empty or blank one is CRM_STATUS_VALIDATION with
///                        field `resolution`
/// @param at              RFC 3339 time of the change
/// @param complaint_json  receives the complaint as stored now
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_resolve_complaint(
    crm: *mut crm_t,
    complaint_id: i64,
    resolution: *const c_char,
    at: *const c_char,
    complaint_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            complaint_json,
            "complaint_json",
            at,
            || {
                Ok((
                    ComplaintId(complaint_id),
                    text(resolution, "resolution")?.to_string(),
                ))
            },
            |t, (id, resolution), at| on!(t, resolve_complaint(id, &resolution, at)),
        )
    }
}

/// Closes a resolved complaint (→ `closed`, final; `closed_at` set). Logs a complaint `closed` event.
/// Any other status is CRM_STATUS_INVALID_TRANSITION.
///
/// @param complaint_id    the complaint; CRM_STATUS_NOT_FOUND when there is none
/// @param at              RFC 3339 time of the change
/// @param complaint_json  receives the complaint as stored now
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_close_complaint(
    crm: *mut crm_t,
    complaint_id: i64,
    at: *const c_char,
    complaint_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            complaint_json,
            "complaint_json",
            at,
            || Ok(ComplaintId(complaint_id)),
            |t, id, at| on!(t, close_complaint(id, at)),
        )
    }
}

/// Rejects an open or in-progress complaint as unfounded (→ `rejected`, final; `rejection` and
/// `closed_at` set). Logs a complaint `rejected` event (data: `{"reason": ...}`). Any other status is
/// CRM_STATUS_INVALID_TRANSITION.
///
/// @param complaint_id    the complaint; CRM_STATUS_NOT_FOUND when there is none
/// @param reason          why, required: an empty or blank reason is CRM_STATUS_VALIDATION with field
///                        `reason`
/// @param at              RFC 3339 time of the change
/// @param complaint_json  receives the complaint as stored now
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_reject_complaint(
    crm: *mut crm_t,
    complaint_id: i64,
    reason: *const c_char,
    at: *const c_char,
    complaint_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            complaint_json,
            "complaint_json",
            at,
            || {
                Ok((
                    ComplaintId(complaint_id),
                    text(reason, "reason")?.to_string(),
                ))
            },
            |t, (id, reason), at| on!(t, reject_complaint(id, &reason, at)),
        )
    }
}

/// Reopens a resolved complaint (the client says it is not fixed; → `in_progress`). Resolved in time,
/// it gets the working time that was left of its resolution deadline, counted from now; resolved late,
/// its priority's full resolution target afresh. The time it sat resolved counts as paused; `resolution`,
/// `resolved_at` and `resolve_secs` are cleared. Logs a complaint `reopened` event (data:
/// `resolution_due`, `old_resolution`). Any other status is CRM_STATUS_INVALID_TRANSITION.
///
/// @param complaint_id    the complaint; CRM_STATUS_NOT_FOUND when there is none
/// @param at              RFC 3339 time of the change
/// @param complaint_json  receives the complaint as stored now
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_reopen_complaint(
    crm: *mut crm_t,
    complaint_id: i64,
    at: *const c_char,
    complaint_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            complaint_json,
            "complaint_json",
            at,
            || Ok(ComplaintId(complaint_id)),
            |t, id, at| on!(t, reopen_complaint(id, at)),
        )
    }
}

/// Gives a complaint that is not final (open, in progress or resolved) to another manager; its
/// deadlines stay. Logs a complaint `assigned` event (data: `from`, `to`). Giving it to its owner
/// changes nothing; a closed or rejected complaint is CRM_STATUS_INVALID_TRANSITION.
///
/// @param complaint_id    the complaint; CRM_STATUS_NOT_FOUND when there is none
/// @param manager_id      the new owner, an active manager: CRM_STATUS_NOT_FOUND when there is none with
///                        this id, CRM_STATUS_VALIDATION with field `manager` when inactive
/// @param at              RFC 3339 time of the change
/// @param complaint_json  receives the complaint as stored now
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_assign_complaint(
    crm: *mut crm_t,
    complaint_id: i64,
    manager_id: i64,
    at: *const c_char,
    complaint_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            complaint_json,
            "complaint_json",
            at,
            || Ok((ComplaintId(complaint_id), ManagerId(manager_id))),
            |t, (id, manager), at| on!(t, assign_complaint(id, manager, at)),
        )
    }
}

/// Sets the complaint deadlines per priority and who gets the escalation tasks of breaches. Complaints
/// already open keep their deadlines. Logs a `complaint_sla_set` event on `settings` (id 0; data: the
/// settings).
///
/// @param sla_json      `{"low": {"first_response": "8h", "resolution": "40h"}, "normal": {...}, "high":
///                      {...}, "critical": {"first_response": "1h", "resolution": "8h"},
///                      "escalate_to": 1}`; a priority left out takes its default (low 8h / 40h, normal
///                      4h / 24h, high 2h / 16h, critical 1h / 8h), a priority given needs both targets.
///                      The targets are working time in hours and minutes (`4h`, `1h30m`; days are
///                      refused: a working day has no fixed length), more than zero, the resolution not
///                      shorter than the first response; else CRM_STATUS_VALIDATION naming the field
///                      (`high.resolution`). `escalate_to` is the manager (active) who gets the
///                      escalation tasks; null or left out: the complaint's owner
/// @param at            RFC 3339 time of the change
/// @param new_sla_json  receives the settings now in force, in the same shape
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_set_complaint_sla(
    crm: *mut crm_t,
    sla_json: *const c_char,
    at: *const c_char,
    new_sla_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            new_sla_json,
            "new_sla_json",
            at,
            || json::<ComplaintSla>(sla_json, "sla_json"),
            |t, sla, at| on!(t, set_complaint_sla(sla, at)),
        )
    }
}

/// One complaint.
///
/// @param complaint_id    the complaint; CRM_STATUS_NOT_FOUND when there is none with this id
/// @param complaint_json  receives the Complaint (see crm_open_complaint())
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_get_complaint(
    crm: *const crm_t,
    complaint_id: i64,
    complaint_json: *mut *mut c_char,
) -> crm_status_t {
    let id = ComplaintId(complaint_id);
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, complaint_json, "complaint_json", || {
            Ok(Box::new(move |t| on!(t, get_complaint(id))))
        })
    }
}

/// A page of complaints, by id; every filter given must hold.
///
/// @param query_json       `{"client_id": 1, "owner_id": 2, "status": "in_progress", "page": {"after":
///                         0, "limit": 100}}`, every field optional; NULL means `{}`. `status` is open,
///                         in_progress, resolved, closed or rejected
/// @param complaints_json  receives a JSON array of Complaints (see crm_open_complaint())
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_list_complaints(
    crm: *const crm_t,
    query_json: *const c_char,
    complaints_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, complaints_json, "complaints_json", || {
            let query: ComplaintQuery = optional_json(query_json, "query_json")?;
            Ok(Box::new(move |t| on!(t, list_complaints(&query))))
        })
    }
}

/// The complaint deadlines per priority: the stored ones, or the defaults until crm_set_complaint_sla()
/// is called.
///
/// @param sla_json  receives the settings (see crm_set_complaint_sla()): `{"low": {"first_response":
///                  "8h", "resolution": "40h"}, "normal": {"first_response": "4h", "resolution": "24h"},
///                  "high": {"first_response": "2h", "resolution": "16h"}, "critical":
///                  {"first_response": "1h", "resolution": "8h"}, "escalate_to": null}`
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_complaint_sla(
    crm: *const crm_t,
    sla_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, sla_json, "sla_json", || {
            Ok(Box::new(|t| on!(t, complaint_sla())))
        })
    }
}

/// The complaints of whole UTC days: in total, per priority and per owner, how many were opened and
/// answered by their first-response deadline, resolved and resolved by their resolution deadline,
/// rejected, and how long resolving took.
///
/// @param query_json   `{"start": "2026-11-01", "end": "2026-11-30"}`, both required; `end` before
///                     `start`, or a period longer than ten years, is CRM_STATUS_VALIDATION with field
///                     `end`
/// @param report_json  receives `{"start": ..., "end": ..., "total": Figures, "by_priority": [{"key":
///                     "low", "figures": Figures}, ...], "by_owner": [{"key": 2, "figures": Figures},
///                     ..., {"key": null, ...}]}`. Figures: `{"opened": 4, "responded_within_sla": 3,
///                     "resolved": 2, "resolved_within_sla": 1, "resolved_within_sla_share": 0.5,
///                     "rejected": 1, "median_resolve_secs": 5400, "p90_resolve_secs": 7200}`: `opened`
///                     counts the complaints opened in the period, `resolved` and `rejected` those
///                     resolved or rejected in it; the share is a JSON number (null when nothing was
///                     resolved); the times are working seconds less the paused time, by nearest rank
///                     (null when nothing was resolved). Every priority is listed, low to critical;
///                     owners by id, only those with figures, complaints without an owner (`key` null)
///                     last
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_complaint_report(
    crm: *const crm_t,
    query_json: *const c_char,
    report_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, report_json, "report_json", || {
            let query: ComplaintReportQuery = json(query_json, "query_json")?;
            Ok(Box::new(move |t| on!(t, complaint_report(&query))))
        })
    }
}
