//! Tasks people add and complete, and a manager's agenda, through the C ABI. The tasks that time makes
//! (escalations, promise reminders, retention rules: see crm_run_due()) and the readers and crm_close_task()
//! are in [`crate::distribution`]. Commands like those of [`crate::commands`], readers like those of
//! [`crate::readers`].

use std::ffi::c_char;

use crm_core::{CompleteTask, ManagerId, NewTask, TaskId};

use crate::boundary::{json, optional_text, time};
use crate::commands::command;
use crate::handle::{crm_t, on};
use crate::readers::read;
use crate::status::crm_status_t;

/// Adds a task for a manager (call back, send an offer, visit, reactivate …), about a client, lead or
/// deal, due at a time or undated. Logs a task `created` event (data: the Task).
///
/// @param new_task_json  `{"kind": "call_back", "title": "Call about the winter order", "manager_id":
///                       2, "client_id": 1, "lead_id": null, "deal_id": null, "due_at":
///                       "2026-11-27T10:00:00Z"}`; `kind` and `title` are required. `kind` is a code of
///                       lowercase letters, digits and `_` (else CRM_STATUS_VALIDATION with field
///                       `kind`); an empty title is CRM_STATUS_VALIDATION with field `title`. The
///                       manager, client, lead and deal given must exist (else CRM_STATUS_NOT_FOUND);
///                       a lead's or deal's client must be the client given (else
///                       CRM_STATUS_VALIDATION with field `lead_id` or `deal_id`), and the client
///                       defaults to theirs. A task without a manager is on nobody's agenda
/// @param at             RFC 3339 time of the change
/// @param task_json      receives the stored Task (see crm_list_tasks()); its `origin` is null
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_add_task(
    crm: *mut crm_t,
    new_task_json: *const c_char,
    at: *const c_char,
    task_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            task_json,
            "task_json",
            at,
            || json::<NewTask>(new_task_json, "new_task_json"),
            |t, new, at| on!(t, add_task(new, at)),
        )
    }
}

/// Completes an open task, recording what came of it. A task about a client, lead or deal gets an
/// activity logged on them by the task's manager (as crm_log_activity() would, so an outbound contact
/// may be a lead's first response): its kind by `activity_kind` or by default from the task's kind (a
/// call for `call_back`, `call`, `reactivate`, `promise`, `follow_up`, `complaint_escalation`,
/// `sla_escalation` and `queued_lead`; a meeting for `visit` and `meeting`; a document for `send_offer`
/// and `offer`; a note otherwise), direction out unless given, subject the task's title, outcome the
/// outcome, body the note. The task is then done, with its `outcome` and `activity_id` (null when it
/// was about nothing); one transaction. Logs a task `completed` event (data: `outcome`, `note`,
/// `activity_id`). A task already done or cancelled is CRM_STATUS_INVALID_TRANSITION.
///
/// @param task_id    the task; CRM_STATUS_NOT_FOUND when there is none
/// @param done_json  `{"outcome": "reached, will order next week", "note": "...", "activity_kind":
///                   "call", "direction": "out"}`; `outcome` is required (empty: CRM_STATUS_VALIDATION
///                   with field `outcome`). `activity_kind` is call, email, meeting, message, note or
///                   document; `direction` in or out (ignored for a note)
/// @param at         RFC 3339 time it was done
/// @param task_json  receives the task as stored now (`status` `done`, `closed_at`, `outcome`,
///                   `activity_id`)
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_complete_task(
    crm: *mut crm_t,
    task_id: i64,
    done_json: *const c_char,
    at: *const c_char,
    task_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            task_json,
            "task_json",
            at,
            || {
                Ok((
                    TaskId(task_id),
                    json::<CompleteTask>(done_json, "done_json")?,
                ))
            },
            |t, (id, done), at| on!(t, complete_task(id, done, at)),
        )
    }
}

/// Moves an open task's due time, or makes it undated. Logs a task `rescheduled` event (data: `from`,
/// `to`); the same due time again writes nothing. A task done or cancelled is
/// CRM_STATUS_INVALID_TRANSITION.
///
/// @param task_id    the task; CRM_STATUS_NOT_FOUND when there is none
/// @param due_at     the new RFC 3339 due time, or NULL to leave the task undated; text that is not a
///                   time is CRM_STATUS_VALIDATION with field `due_at`
/// @param at         RFC 3339 time of the change
/// @param task_json  receives the task as stored now
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_reschedule_task(
    crm: *mut crm_t,
    task_id: i64,
    due_at: *const c_char,
    at: *const c_char,
    task_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            task_json,
            "task_json",
            at,
            || {
                let due = match optional_text(due_at, "due_at")? {
                    Some(_) => Some(time(due_at, "due_at")?),
                    None => None,
                };
                Ok((TaskId(task_id), due))
            },
            |t, (id, due), at| on!(t, reschedule_task(id, due, at)),
        )
    }
}

/// A manager's agenda at `now`: their open tasks in four lists. Nothing is written.
///
/// @param manager_id   the manager; CRM_STATUS_NOT_FOUND when there is none with this id
/// @param now          RFC 3339 time to read the agenda at
/// @param agenda_json  receives `{"manager_id": 2, "now": ..., "overdue": [...], "today": [...],
///                     "upcoming": [...], "undated": [...]}`, each a JSON array of Tasks (see
///                     crm_list_tasks()): `overdue` due before `now`, the longest overdue first; `today`
///                     due from `now` to the end of the manager's calendar day (their own calendar, else
///                     the store's, else UTC), `upcoming` due after today and within the next 7 calendar
///                     days, each by due time; ties by id; `undated` the open tasks without a due time,
///                     by id. Tasks due later than that are on none of the lists
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_agenda(
    crm: *const crm_t,
    manager_id: i64,
    now: *const c_char,
    agenda_json: *mut *mut c_char,
) -> crm_status_t {
    let manager = ManagerId(manager_id);
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, agenda_json, "agenda_json", || {
            let now = time(now, "now")?;
            Ok(Box::new(move |t| on!(t, agenda(manager, now))))
        })
    }
}
