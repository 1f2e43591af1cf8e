//! Distribution of requests through the C ABI: managers' details, working calendars and working-time
//! arithmetic, absences, routing rules, first-response (SLA) policies, the ownership lock, assignments
//! and their explanations, the queue, hand-overs, what time passing requires (crm_run_due()) and tasks.
//! Commands like those of [`crate::commands`], readers like those of [`crate::readers`].
//!
//! A manager argument that may be absent is an `int64_t` where 0 means none (the store's calendar,
//! every manager, or "whoever the rules choose", as each function says).

use std::ffi::c_char;
use std::ptr::null_mut;

use chrono::SecondsFormat;
use crm_core::calendar::CalendarSpec;
use crm_core::{
    AbsenceId, ClientId, HandOverOptions, LeadId, ManagerId, ManagerPatch, NewAbsence,
    NewRoutingRule, NewSlaPolicy, OwnershipSettings, TaskId, TaskStatus,
};

use crate::boundary::{
    Outcome, call, json, optional_json, optional_text, out_param, owned_string, parse_json, text,
    time,
};
use crate::commands::{command, command_at};
use crate::handle::{crm_t, handle, on};
use crate::readers::read;
use crate::status::crm_status_t;

/// A manager argument where 0 means none.
fn manager(id: i64) -> Option<ManagerId> {
    (id != 0).then_some(ManagerId(id))
}

/// An optional text argument, owned (it crosses into the store's thread).
///
/// # Safety
/// As [`optional_text`].
unsafe fn reason(ptr: *const c_char) -> Outcome<Option<String>> {
    // SAFETY: as promised by the caller.
    Ok(unsafe { optional_text(ptr, "reason") }?.map(str::to_string))
}

/// Changes a manager's details; fields the patch leaves out stay as they are. A patch that changes
/// nothing writes nothing; otherwise a manager `updated` event records the fields that changed.
///
/// @param manager_id    the manager; CRM_STATUS_NOT_FOUND when there is none with this id
/// @param patch_json    any of `{"name": "Olena Koval", "email": ..., "team": "sales", "capacity": 40,
///                      "daily_cap": 10, "weight": 2, "skills": ["wholesale"], "regions": ["Kyiv"],
///                      "languages": ["uk", "en"]}`. `email`, `team`, `capacity` and `daily_cap` may be
///                      null: that clears the e-mail or team, or removes the limit (a field left out
///                      keeps its value). `weight` 0 is taken as 1; the lists replace the stored ones.
///                      An empty name or a malformed e-mail is CRM_STATUS_VALIDATION naming the field
/// @param at            RFC 3339 time of the change
/// @param manager_json  receives the manager as stored now (see the Manager record above)
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_update_manager(
    crm: *mut crm_t,
    manager_id: i64,
    patch_json: *const c_char,
    at: *const c_char,
    manager_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            manager_json,
            "manager_json",
            at,
            || {
                Ok((
                    ManagerId(manager_id),
                    json::<ManagerPatch>(patch_json, "patch_json")?,
                ))
            },
            |t, (id, patch), at| on!(t, update_manager(id, patch, at)),
        )
    }
}

/// Sets the store's working calendar, or a manager's own (which wins over the store's for that
/// manager), or removes it. Deadlines and working hours are counted in the calendar in force: the
/// manager's, else the store's, else round the clock in UTC. Logs a `calendar_set` event on the manager,
/// or on `settings` 0 for the store's (data: the calendar, or null).
///
/// @param manager_id     a manager's id, or 0 for the store's calendar; CRM_STATUS_NOT_FOUND when there
///                       is no such manager
/// @param spec_json      the calendar, or NULL to remove it: `{"timezone": "Europe/Kyiv",
///                       "working_hours": {"mon-fri": [["09:00", "18:00"]], "sat": [["10:00",
///                       "14:00"]]}, "holidays": ["2026-12-25"], "days": {"2026-12-31": [["09:00",
///                       "16:00"]], "2026-12-26": []}}`. `timezone` is an IANA name, case-sensitive
///                       (`UTC` when left out); a key of `working_hours` is a weekday (`mon` … `sun`,
///                       or the full English name), a range (`mon-fri`, `sat-mon`) or a comma list
///                       (`sat,sun`), case-insensitive; a weekday named by no key is a day off. A span
///                       is `["HH:MM", "HH:MM"]` in local time, start before end, `24:00` may end
///                       one; spans of a day are sorted and touching ones merged. `holidays` are days
///                       off; `days` are special days with their own spans (`[]` is a day off), which
///                       override both the weekday and the holidays. An unknown time zone, a bad
///                       weekday key, a weekday named twice, overlapping spans or a week without any
///                       working time is CRM_STATUS_VALIDATION naming the field (`timezone`,
///                       `working_hours`, ...)
/// @param at             RFC 3339 time of the change
/// @param calendar_json  receives the calendar now in force as stored (spans sorted and merged), or
///                       `null` when it was removed
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_set_calendar(
    crm: *mut crm_t,
    manager_id: i64,
    spec_json: *const c_char,
    at: *const c_char,
    calendar_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            calendar_json,
            "calendar_json",
            at,
            || {
                let spec = optional_text(spec_json, "spec_json")?
                    .map(|text| parse_json::<CalendarSpec>(text, "spec_json"))
                    .transpose()?;
                Ok((manager(manager_id), spec))
            },
            |t, (manager, spec), at| on!(t, set_calendar(manager, spec, at)),
        )
    }
}

/// Records an absence (a vacation, a sick leave): the manager gets no new requests on those days (a
/// routing rule passes them over with reason `absent`); their open work stays unless handed over (see
/// crm_hand_over()). Logs an `absence_added` event on the manager.
///
/// @param new_absence_json  `{"manager_id": 2, "start": "2026-12-01", "end": "2026-12-14", "reason":
///                          "vacation"}`: the first and the last day away, inclusive, in the manager's
///                          calendar's time zone; `reason` optional. An unknown manager is
///                          CRM_STATUS_NOT_FOUND; `end` before `start` is CRM_STATUS_VALIDATION with
///                          field `end`
/// @param at                RFC 3339 time of the change
/// @param absence_json      receives the stored absence: `{"id": 1, "manager_id": 2, "start":
///                          "2026-12-01", "end": "2026-12-14", "reason": "vacation", "created_at": ...}`
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_add_absence(
    crm: *mut crm_t,
    new_absence_json: *const c_char,
    at: *const c_char,
    absence_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            absence_json,
            "absence_json",
            at,
            || json::<NewAbsence>(new_absence_json, "new_absence_json"),
            |t, new, at| on!(t, add_absence(new, at)),
        )
    }
}

/// Deletes an absence (a cancelled vacation).
///
/// @param absence_id    the absence's id; CRM_STATUS_NOT_FOUND when there is none
/// @param at            RFC 3339 time of the change
/// @param absence_json  receives the absence as it was before it was deleted
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_remove_absence(
    crm: *mut crm_t,
    absence_id: i64,
    at: *const c_char,
    absence_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            absence_json,
            "absence_json",
            at,
            || Ok(AbsenceId(absence_id)),
            |t, id, at| on!(t, remove_absence(id, at)),
        )
    }
}

/// Adds a routing rule, or replaces the rule of the same name (its rotation starts afresh). Every new
/// lead that names no owner and whose client has no available owner goes to the first rule whose
/// condition holds (by ascending `priority`, then id); the rule picks among its eligible managers by
/// its strategy. A manager is passed over (and listed in the assignment's `skipped`, in this order of
/// reasons) when `inactive`, `excluded` (the lead is being taken from them), `absent`, `lacking_skill`,
/// `other_region`, `other_language`, `off_hours` (with `working_hours_only`), `at_capacity` (open leads
/// at least the capacity) or `daily_cap` (requests assigned today at least the daily cap). When no rule
/// matches (reason `no routing rule matches the request`), or the matching rule has nobody eligible,
/// the lead is queued (see crm_queue()). Routing is on once a rule exists: while the store has none,
/// a lead with no owner is neither routed nor queued.
///
/// @param new_rule_json  `{"name": "wholesale Kyiv", "priority": 0, "when": "interest = 'wholesale'",
///                       "team": "sales", "managers": [2, 3], "strategy": "round_robin", "skills":
///                       ["wholesale"], "match_region": false, "match_language": false,
///                       "working_hours_only": false}`; only `name` and `strategy` are required.
///                       `when` is a condition about leads in the segment language (none: a catch-all,
///                       put it last); with neither `team` nor `managers` every manager is a candidate.
///                       `strategy` is `round_robin` (in turn, by id), `least_loaded` (fewest open leads
///                       relative to capacity) or `weighted` (shares by the managers' weights); any
///                       other is CRM_STATUS_INVALID_JSON with field `strategy`. A bad condition is
///                       CRM_STATUS_VALIDATION with field `when` (and its `line` and `column`); a
///                       manager that does not exist is CRM_STATUS_VALIDATION with field `managers[i]`
/// @param at             RFC 3339 time of the change
/// @param rule_json      receives the stored rule: `{"id": 1, "name": ..., "priority": 0, "when": (in
///                       canonical form, or null), "team": ..., "managers": [2, 3] (ascending),
///                       "strategy": "round_robin", "skills": [], "match_region": false,
///                       "match_language": false, "working_hours_only": false, "created_at": ...,
///                       "updated_at": ...}`
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_add_routing_rule(
    crm: *mut crm_t,
    new_rule_json: *const c_char,
    at: *const c_char,
    rule_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            rule_json,
            "rule_json",
            at,
            || json::<NewRoutingRule>(new_rule_json, "new_rule_json"),
            |t, new, at| on!(t, add_routing_rule(new, at)),
        )
    }
}

/// Deletes a routing rule by name; past assignments keep its name.
///
/// @param name       the rule's name; CRM_STATUS_NOT_FOUND when there is none
/// @param at         RFC 3339 time of the change
/// @param rule_json  receives the rule as it was before it was deleted
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_remove_routing_rule(
    crm: *mut crm_t,
    name: *const c_char,
    at: *const c_char,
    rule_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            rule_json,
            "rule_json",
            at,
            || Ok(text(name, "name")?.to_string()),
            |t, name, at| on!(t, remove_routing_rule(&name, at)),
        )
    }
}

/// Adds a first-response (SLA) policy, or replaces the one of the same name. A lead captured from now
/// on gets the deadline of the first policy whose condition holds (by ascending `priority`, then id; a
/// policy without a condition last): its `first_response_due` (the target counted in working time in the
/// calendar of the lead's owner, else the store's) and `sla_policy`. Deadlines already set stay.
///
/// @param new_policy_json  `{"name": "web 2h", "when": "channel = 'web'", "priority": 0,
///                         "first_response": "2h", "at_risk_bp": 8000, "escalation": "task",
///                         "escalate_to": 1}`; only `name` and `first_response` are required.
///                         `first_response` is an amount of working time (`2h`, `30m`, `1h30m`; days
///                         are refused: a working day has no fixed length), else CRM_STATUS_VALIDATION
///                         with field `first_response`. `at_risk_bp` is the share of the target after
///                         which an unanswered lead is at risk, in basis points (0: the default 8000 =
///                         80 %; above 10000 is CRM_STATUS_VALIDATION). `escalation` says what a breach
///                         does: `none` (the default: only marks it), `reassign` (to another eligible
///                         manager by the rules) or `task` (a task for `escalate_to`, a team lead:
///                         required then, else CRM_STATUS_VALIDATION with field `escalate_to`). A bad
///                         `when` is CRM_STATUS_VALIDATION with field `when`
/// @param at               RFC 3339 time of the change
/// @param policy_json      receives the stored policy: `{"id": 1, "name": ..., "when": ...,
///                         "priority": 0, "first_response": "2h" (canonical), "first_response_secs":
///                         7200, "at_risk_bp": 8000, "escalation": "task", "escalate_to": 1,
///                         "created_at": ..., "updated_at": ...}`
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_set_response_sla(
    crm: *mut crm_t,
    new_policy_json: *const c_char,
    at: *const c_char,
    policy_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            policy_json,
            "policy_json",
            at,
            || json::<NewSlaPolicy>(new_policy_json, "new_policy_json"),
            |t, new, at| on!(t, set_response_sla(new, at)),
        )
    }
}

/// Deletes a first-response policy by name; deadlines already set stay.
///
/// @param name         the policy's name; CRM_STATUS_NOT_FOUND when there is none
/// @param at           RFC 3339 time of the change
/// @param policy_json  receives the policy as it was before it was deleted
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_remove_response_sla(
    crm: *mut crm_t,
    name: *const c_char,
    at: *const c_char,
    policy_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            policy_json,
            "policy_json",
            at,
            || Ok(text(name, "name")?.to_string()),
            |t, name, at| on!(t, remove_response_sla(&name, at)),
        )
    }
}

/// Sets the ownership rules: a client stays locked to its (active) owner for `lock_days` days after its
/// last meaningful contact (an outbound call, e-mail, meeting, message or document, or an order); moving
/// a locked client or its lead to another manager then needs a reason (see crm_assign_client()).
///
/// @param settings_json      `{"lock_days": 30}` (the default; 0: no lock; at most 3660, else
///                           CRM_STATUS_VALIDATION with field `lock_days`); a field left out takes its
///                           default
/// @param at                 RFC 3339 time of the change
/// @param new_settings_json  receives the settings as stored now
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_set_ownership_settings(
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
            || json::<OwnershipSettings>(settings_json, "settings_json"),
            |t, settings, at| on!(t, set_ownership_settings(settings, at)),
        )
    }
}

/// Makes a manager the client's owner. A client locked to another active owner (a meaningful contact
/// within `lock_days`, see crm_set_ownership_settings()) is CRM_STATUS_CONFLICT unless a reason is
/// given; the forced take-over and its reason are recorded (a client `owner_changed` event with `from`,
/// `to`, `reason`, `forced`). Making the owner the owner again changes nothing (the Assignment's `id`
/// is null then: nothing was recorded).
///
/// @param client_id        the client; CRM_STATUS_NOT_FOUND when there is none
/// @param manager_id       the new owner, an active manager (else CRM_STATUS_NOT_FOUND or
///                         CRM_STATUS_VALIDATION with field `manager_id`)
/// @param reason           why (`"the owner left"`), or NULL; required to take over a locked client
/// @param at               RFC 3339 time of the change
/// @param assignment_json  receives the decision, an Assignment: `{"id": 8, "lead_id": null,
///                         "client_id": 3, "at": ..., "manager_id": 2, "previous_id": 1, "via":
///                         "reassign", "rule_id": null, "rule": null, "strategy": null, "reason":
///                         "forced over the ownership lock: the owner left", "skipped": []}` (see
///                         crm_lead_assignments())
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_assign_client(
    crm: *mut crm_t,
    client_id: i64,
    manager_id: i64,
    reason: *const c_char,
    at: *const c_char,
    assignment_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            assignment_json,
            "assignment_json",
            at,
            || {
                Ok((
                    ClientId(client_id),
                    ManagerId(manager_id),
                    self::reason(reason)?,
                ))
            },
            |t, (id, manager, reason), at| {
                on!(t, assign_client(id, manager, reason.as_deref(), at))
            },
        )
    }
}

/// Gives an open lead (new, in progress or qualified; another is CRM_STATUS_CONFLICT) to a manager, or
/// to whoever the routing rules choose now (never its current owner). A lead of a client locked to
/// another owner needs a reason (else CRM_STATUS_CONFLICT). When the rules find nobody eligible it is
/// CRM_STATUS_CONFLICT with a message that says why, and the lead stays where it was. The lead's
/// response deadline is not moved.
///
/// @param lead_id          the lead; CRM_STATUS_NOT_FOUND when there is none
/// @param manager_id       the new owner (an active manager), or 0 to let the routing rules choose
/// @param reason           why, or NULL
/// @param at               RFC 3339 time of the change
/// @param assignment_json  receives the decision, an Assignment (see crm_lead_assignments()); `via` is
///                         `reassign`
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_reassign_lead(
    crm: *mut crm_t,
    lead_id: i64,
    manager_id: i64,
    reason: *const c_char,
    at: *const c_char,
    assignment_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            assignment_json,
            "assignment_json",
            at,
            || Ok((LeadId(lead_id), manager(manager_id), self::reason(reason)?)),
            |t, (id, manager, reason), at| {
                on!(t, reassign_lead(id, manager, reason.as_deref(), at))
            },
        )
    }
}

/// Routes every queued lead again, oldest first (after a manager was added, came back or got capacity).
/// A lead that finds a manager leaves the queue; the others stay, with their `queued_reason` brought up
/// to date. crm_run_due() does this too.
///
/// @param now               RFC 3339 time of the routing
/// @param assignments_json  receives a JSON array of the assignments made (`via` is `queue`), oldest
///                          lead first; `[]` when none
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_assign_queued(
    crm: *mut crm_t,
    now: *const c_char,
    assignments_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command_at(
            crm,
            assignments_json,
            "assignments_json",
            now,
            "now",
            || Ok(()),
            |t, (), now| on!(t, assign_queued(now)),
        )
    }
}

/// Moves a manager's open leads (and, with `clients`, their clients and those clients' open deals) to
/// others by the routing rules, the manager excluded, in one transaction: for an absence or a
/// dismissal. A lead nobody can take is queued, a client nobody can take is left without an owner,
/// each with the reason.
///
/// @param manager_id      the manager whose work moves; CRM_STATUS_NOT_FOUND when there is none
/// @param options_json    `{"clients": false, "deactivate": false}` (the defaults), or NULL for them:
///                        `clients` moves the clients too (without it only the open leads move);
///                        `deactivate` also marks the manager inactive
/// @param at              RFC 3339 time of the change
/// @param hand_over_json  receives `{"manager_id": 2, "assignments": [...], "deals_moved": [7]}`: one
///                        Assignment per lead and per client (leads first, each by id; `via` is
///                        `hand_over`, or `queued` with `manager_id` null), and the open deals that
///                        followed their client
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_hand_over(
    crm: *mut crm_t,
    manager_id: i64,
    options_json: *const c_char,
    at: *const c_char,
    hand_over_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            hand_over_json,
            "hand_over_json",
            at,
            || {
                Ok((
                    ManagerId(manager_id),
                    optional_json::<HandOverOptions>(options_json, "options_json")?,
                ))
            },
            |t, (manager, options), at| on!(t, hand_over(manager, options, at)),
        )
    }
}

/// Does what time passing requires, as of `now` (a host calls it every minute or so, with the time it
/// read), in this order:
/// - queued leads are routed again;
/// - open leads whose first-response deadline passed unanswered are marked breached (their
///   `sla_breached_at` is set to the deadline; a lead `sla_breached` event each) and escalated by their
///   policy (reassigned, or a task for the policy's `escalate_to`);
/// - complaint deadlines passed (the first response of one not yet answered, the resolution of one open
///   or in progress and not waiting for the client) are marked breached (`response_breached_at`,
///   `resolution_breached_at`; a complaint `sla_breached` event each) and escalated into a task of kind
///   `complaint_escalation` for the complaint SLA's `escalate_to`, else the complaint's owner (see
///   crm_set_complaint_sla());
/// - open promises whose due time is less than `remind_before` away get a reminder task of kind
///   `promise` for the manager who made them (a promise `reminded` event; its `reminded_at` is set), and
///   open promises past their due time are broken (a promise `broken` event);
/// - clients whose purchases changed, or whose next rung of the dormancy ladder has started, are placed
///   on it (a client `dormancy` event for each move; see crm_set_dormancy_settings());
/// - the active retention rules, by id, act on the clients they match (see crm_add_retention_rule()).
///
/// Idempotent: running it again at the same or a later `now` does nothing twice (one task per lead, per
/// complaint deadline, per promise; a rule's cool-down, and one task per rule, client and day).
///
/// @param now           RFC 3339 time to run for
/// @param due_run_json  receives `{"at": ..., "breached": [4, 9] (lead ids), "escalations": [...]
///                      (Assignments, `via` `escalation`), "tasks": [...] (Tasks, see
///                      crm_list_tasks(): every task the run made, escalations, reminders and the
///                      rules' in the order above), "assigned": [...] (Assignments of queued leads,
///                      `via` `queue`), "complaints_breached": [{"complaint_id": 3, "milestone":
///                      "first_response" (or "resolution"), "due": ..., "escalated_to": 1 (the task's
///                      manager, or null)}, ...] (by deadline, then complaint id), "promises_reminded":
///                      [5] (promise ids), "promises_broken": [2] (promise ids), "dormancy":
///                      [{"client_id": 1, "from": "active" (null: placed for the first time), "to":
///                      "cooling" (active, cooling, dormant or lost)}, ...] (by client id), "fired":
///                      [{"rule_id": 1, "rule": "reactivate dormant A-client", "client_id": 1,
///                      "task_id": 12 (null unless the action makes a task)}, ...] (by rule, then
///                      client)}`; the lists are empty when nothing was due
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_run_due(
    crm: *mut crm_t,
    now: *const c_char,
    due_run_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command_at(
            crm,
            due_run_json,
            "due_run_json",
            now,
            "now",
            || Ok(()),
            |t, (), now| on!(t, run_due(now)),
        )
    }
}

/// Closes a task as done or cancelled, setting its `closed_at`; logs a task `closed` event (data:
/// `{"status": "done"}`). Closing it again with the same status changes nothing (no event, the task as
/// stored is returned); closing a done task as cancelled, or the other way round, is
/// CRM_STATUS_INVALID_TRANSITION. A task cannot be reopened.
///
/// @param task_id    the task; CRM_STATUS_NOT_FOUND when there is none
/// @param status     `done` or `cancelled`; `open` is CRM_STATUS_VALIDATION with field `status`, any
///                   other text too
/// @param at         RFC 3339 time of the change
/// @param task_json  receives the task as stored now (see crm_list_tasks())
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_close_task(
    crm: *mut crm_t,
    task_id: i64,
    status: *const c_char,
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
                    text(status, "status")?.parse::<TaskStatus>()?,
                ))
            },
            |t, (id, status), at| on!(t, close_task(id, status, at)),
        )
    }
}

/// The store's working calendar, or a manager's own, as set with crm_set_calendar().
///
/// @param manager_id     a manager's id, or 0 for the store's calendar; CRM_STATUS_NOT_FOUND when there
///                       is no such manager
/// @param calendar_json  receives the calendar (as crm_set_calendar() stored it), or `null` when none
///                       is set (a manager's null means the store's calendar applies to them)
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_calendar(
    crm: *const crm_t,
    manager_id: i64,
    calendar_json: *mut *mut c_char,
) -> crm_status_t {
    let manager = manager(manager_id);
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, calendar_json, "calendar_json", || {
            Ok(Box::new(move |t| on!(t, calendar(manager))))
        })
    }
}

/// The instant an amount of working time after `from`, in the calendar in force for a manager (theirs,
/// else the store's, else round the clock in UTC). Spans are half-open: a deadline that falls exactly at
/// the end of a working span stays there (Friday 17:00 plus 1h is Friday 18:00), while an amount of
/// zero is the next working instant. Two working hours after Friday 17:30 in Kyiv (Mon–Fri
/// 09:00–18:00) is Monday 10:30.
///
/// @param manager_id  a manager's id, or 0 for the store's calendar
/// @param from        RFC 3339 start
/// @param amount      working time: `2h`, `30m`, `1h30m` (`1h 30m`); days are refused. A bad amount,
///                    or one that finds no working time within three years, is CRM_STATUS_VALIDATION
///                    with field `amount`
/// @param deadline    receives the deadline as plain RFC 3339 text in UTC (not JSON):
///                    `2026-11-30T08:30:00Z`
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_working_deadline(
    crm: *const crm_t,
    manager_id: i64,
    from: *const c_char,
    amount: *const c_char,
    deadline: *mut *mut c_char,
) -> crm_status_t {
    call(|| {
        // SAFETY: pointers as the header's contract says.
        let out = unsafe { out_param(deadline, "deadline", null_mut()) }?;
        let crm = unsafe { handle(crm) }?;
        let from = unsafe { time(from, "from") }?;
        let amount = unsafe { text(amount, "amount") }?.to_string();
        let manager = manager(manager_id);
        let due = crm.run(move |t| on!(t, working_deadline(manager, from, &amount)))?;
        *out = owned_string(due.to_rfc3339_opts(SecondsFormat::AutoSi, true));
        Ok(())
    })
}

/// The working time between two instants, in the calendar in force for a manager (as
/// crm_working_deadline()); 0 when `to` is not after `from`.
///
/// @param manager_id  a manager's id, or 0 for the store's calendar
/// @param from        RFC 3339 start
/// @param to          RFC 3339 end
/// @param seconds     receives the working time in seconds
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_working_time(
    crm: *const crm_t,
    manager_id: i64,
    from: *const c_char,
    to: *const c_char,
    seconds: *mut i64,
) -> crm_status_t {
    call(|| {
        // SAFETY: pointers as the header's contract says.
        let out = unsafe { out_param(seconds, "seconds", 0) }?;
        let crm = unsafe { handle(crm) }?;
        let from = unsafe { time(from, "from") }?;
        let to = unsafe { time(to, "to") }?;
        let manager = manager(manager_id);
        *out = crm.run(move |t| on!(t, working_time(manager, from, to)))?;
        Ok(())
    })
}

/// The absences of one manager or of every manager, by start day, then id (past ones included).
///
/// @param manager_id     a manager's id, or 0 for every manager
/// @param absences_json  receives a JSON array of absences (see crm_add_absence())
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_list_absences(
    crm: *const crm_t,
    manager_id: i64,
    absences_json: *mut *mut c_char,
) -> crm_status_t {
    let manager = manager(manager_id);
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, absences_json, "absences_json", || {
            Ok(Box::new(move |t| on!(t, list_absences(manager))))
        })
    }
}

/// The routing rules in the order they are tried (priority, then id).
///
/// @param rules_json  receives a JSON array of rules (see crm_add_routing_rule())
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_routing_rules(
    crm: *const crm_t,
    rules_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, rules_json, "rules_json", || {
            Ok(Box::new(|t| on!(t, routing_rules())))
        })
    }
}

/// The first-response policies in the order they are tried (by priority, then id; a policy without a
/// condition last).
///
/// @param policies_json  receives a JSON array of policies (see crm_set_response_sla())
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_response_slas(
    crm: *const crm_t,
    policies_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, policies_json, "policies_json", || {
            Ok(Box::new(|t| on!(t, response_slas())))
        })
    }
}

/// Where a lead stands against its first-response deadline at `now`. Nothing is written.
///
/// @param lead_id          the lead; CRM_STATUS_NOT_FOUND when there is none
/// @param now              RFC 3339 time to judge at
/// @param sla_status_json  receives `{"lead_id": 4, "state": "at_risk", "policy": "web 2h", "due": ...,
///                         "responded_at": null, "used_secs": 6000, "left_secs": 1200, "used_share":
///                         0.8333}`: `state` is `none` (no policy applies: no deadline), `pending` (not
///                         answered, less than the at-risk share used), `at_risk`, `met` (answered by
///                         the deadline) or `breached` (not answered by it); the seconds are working
///                         time (until the response, or until `now`), `left_secs` negative once overdue;
///                         `used_share` is a JSON number (1.0 = the whole target)
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_lead_sla_status(
    crm: *const crm_t,
    lead_id: i64,
    now: *const c_char,
    sla_status_json: *mut *mut c_char,
) -> crm_status_t {
    let id = LeadId(lead_id);
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, sla_status_json, "sla_status_json", || {
            let now = time(now, "now")?;
            Ok(Box::new(move |t| on!(t, lead_sla_status(id, now))))
        })
    }
}

/// The ownership rules: the stored ones, or the defaults until crm_set_ownership_settings() is called.
///
/// @param settings_json  receives `{"lock_days": 30}`
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_ownership_settings(
    crm: *const crm_t,
    settings_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, settings_json, "settings_json", || {
            Ok(Box::new(|t| on!(t, ownership_settings())))
        })
    }
}

/// Every decision about who works a lead, oldest first, each with its explanation: the capture's
/// (returned in crm_capture_lead()'s `assignment` too), reassignments, escalations, hand-overs, the
/// queue.
///
/// An Assignment is `{"id": 7, "lead_id": 4, "client_id": null, "at": ..., "manager_id": 2 (null:
/// queued), "previous_id": null, "via": "rule", "rule_id": 1, "rule": "everyone", "strategy":
/// "round_robin", "reason": "...", "skipped": [{"manager_id": 1, "reason": "absent", "detail":
/// "..."}]}`. `id` is its id in the assignment log (a merge's `moved.assignments` names these), null
/// when nothing was recorded (crm_assign_client() to the current owner). `via` is `given` (the caller
/// named the manager), `owner` (the client's owner), `rule` (a routing rule chose), `queued` (nobody
/// could take it; `reason` says why), `queue` (taken from the queue), `escalation` (a breached
/// deadline reassigned it), `reassign` (a person) or `hand_over`. `skipped` lists the candidates
/// passed over, each with its reason (`inactive`, `excluded`, `absent`, `lacking_skill`,
/// `other_region`, `other_language`, `off_hours`, `at_capacity`, `daily_cap`) and the figures behind
/// it, for people.
///
/// @param lead_id           the lead; CRM_STATUS_NOT_FOUND when there is none
/// @param assignments_json  receives a JSON array of Assignments
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_lead_assignments(
    crm: *const crm_t,
    lead_id: i64,
    assignments_json: *mut *mut c_char,
) -> crm_status_t {
    let id = LeadId(lead_id);
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, assignments_json, "assignments_json", || {
            Ok(Box::new(move |t| on!(t, lead_assignments(id))))
        })
    }
}

/// Every change of a client's owner made by crm_assign_client() or crm_hand_over(), oldest first.
///
/// @param client_id         the client; CRM_STATUS_NOT_FOUND when there is none
/// @param assignments_json  receives a JSON array of Assignments (see crm_lead_assignments())
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_client_assignments(
    crm: *const crm_t,
    client_id: i64,
    assignments_json: *mut *mut c_char,
) -> crm_status_t {
    let id = ClientId(client_id);
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, assignments_json, "assignments_json", || {
            Ok(Box::new(move |t| on!(t, client_assignments(id))))
        })
    }
}

/// The leads waiting for a manager, oldest first; each says why in its `queued_reason` (its `owner_id`
/// is null).
///
/// @param leads_json  receives a JSON array of leads (see the Lead record above)
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_queue(
    crm: *const crm_t,
    leads_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, leads_json, "leads_json", || {
            Ok(Box::new(|t| on!(t, queue())))
        })
    }
}

/// The tasks of one manager or of every manager, by id.
///
/// @param manager_id  a manager's id, or 0 for every manager; CRM_STATUS_NOT_FOUND when there is no such
///                    manager
/// @param open_only   true for the open tasks only, false for every one
/// @param tasks_json  receives a JSON array of Tasks: `{"id": 1, "kind": "sla_escalation", "title":
///                    "Lead 4: no first response by ...", "manager_id": 1, "client_id": null,
///                    "lead_id": 4, "deal_id": null, "due_at": ..., "status": "open" (open, done,
///                    cancelled), "origin": "sla:lead:4" (what made it, one task per origin; null for
///                    a task added with crm_add_task()), "created_at": ..., "closed_at": null (when it
///                    was done or cancelled), "rule_id": null (the retention rule that made it),
///                    "promise_id": null (the promise it reminds of), "complaint_id": null (the
///                    complaint it escalates), "outcome": null (what came of it, see
///                    crm_complete_task()), "activity_id": null (the activity that recorded the
///                    outcome)}`
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_list_tasks(
    crm: *const crm_t,
    manager_id: i64,
    open_only: bool,
    tasks_json: *mut *mut c_char,
) -> crm_status_t {
    let manager = manager(manager_id);
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, tasks_json, "tasks_json", || {
            Ok(Box::new(move |t| on!(t, list_tasks(manager, open_only))))
        })
    }
}

/// One task.
///
/// @param task_id    the task; CRM_STATUS_NOT_FOUND when there is none with this id
/// @param task_json  receives the task (see crm_list_tasks())
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_get_task(
    crm: *const crm_t,
    task_id: i64,
    task_json: *mut *mut c_char,
) -> crm_status_t {
    let id = TaskId(task_id);
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, task_json, "task_json", || {
            Ok(Box::new(move |t| on!(t, get_task(id))))
        })
    }
}
