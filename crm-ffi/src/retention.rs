//! Retention through the C ABI: the dormancy ladder (where each client stands against its own buying
//! rhythm), the retention rules crm_run_due() runs (a condition about clients, an action, a cool-down),
//! and the retention report (did the rules' tasks bring clients back, does resolving complaints on time
//! keep them). Commands like those of [`crate::commands`], readers like those of [`crate::readers`].

use std::ffi::c_char;

use crm_core::{ClientId, DormancyQuery, DormancySettings, NewRetentionRule, RetentionReportQuery};

use crate::boundary::{json, text, time};
use crate::commands::command;
use crate::handle::{crm_t, on};
use crate::readers::read;
use crate::status::crm_status_t;

// --- the dormancy ladder ------------------------------------------------------------------------------

/// Sets how the dormancy ladder reads a client's rhythm. A client's expected gap is the gap between its
/// purchase days (the distinct UTC days of its completed orders; the median gap with three or more),
/// never shorter than `min_gap_days`; it is `cooling` from the start of the day `cooling_after` gaps
/// after its last purchase day, `dormant` after `dormant_after` gaps, `lost` after `lost_after` gaps,
/// `active` before. A client with one purchase day follows the flat rule in days instead. As time
/// passes a client only moves down; a purchase on a later day brings it back. The next crm_run_due()
/// recomputes every placed client (without a newer purchase a client never climbs back up). Logs a
/// `dormancy_set` event on `settings` (id 0; data: `old`, `new`); the same settings again write nothing.
///
/// @param settings_json      `{"min_gap_days": 7, "cooling_after": 1.5, "dormant_after": 3.0,
///                           "lost_after": 6.0, "single_cooling_days": 60, "single_dormant_days": 120,
///                           "single_lost_days": 365}` (the defaults); a field left out takes its
///                           default. The multipliers are JSON numbers, the days whole numbers; each
///                           must be above 0 (at most 10000) and increase down the ladder (cooling <
///                           dormant < lost), else CRM_STATUS_VALIDATION naming the field
/// @param at                 RFC 3339 time of the change
/// @param new_settings_json  receives the settings now in force, in the same shape
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_set_dormancy_settings(
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
            || json::<DormancySettings>(settings_json, "settings_json"),
            |t, settings, at| on!(t, set_dormancy_settings(settings, at)),
        )
    }
}

/// The dormancy ladder's settings: the stored ones, or the defaults until crm_set_dormancy_settings() is
/// called.
///
/// @param settings_json  receives the settings (see crm_set_dormancy_settings())
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_dormancy_settings(
    crm: *const crm_t,
    settings_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, settings_json, "settings_json", || {
            Ok(Box::new(|t| on!(t, dormancy_settings())))
        })
    }
}

/// One client's buying rhythm as of a time, with its place on the ladder by the rule and as the last
/// crm_run_due() stored it. Nothing is written.
///
/// @param client_id    the client; CRM_STATUS_NOT_FOUND when there is none
/// @param as_of        RFC 3339 time to read it for: only completed orders placed by then count
/// @param rhythm_json  receives `{"client_id": 1, "as_of": ..., "purchase_days": ["2026-08-01",
///                     "2026-08-31", ...] (ascending), "last_purchase": "2026-10-30",
///                     "expected_gap_days": 30.0, "days_since_last": 28, "state": "active",
///                     "stored_state": "active", "stored_since": ..., "next_state": "cooling",
///                     "next_at": "2026-12-14T00:00:00Z"}`: `expected_gap_days` a JSON number (null
///                     with fewer than two purchase days: the flat rule), `state` the rung at `as_of` by
///                     the rule (null without a purchase), `stored_state` and `stored_since` what the
///                     last crm_run_due() left (null: never placed), `next_state` and `next_at` the
///                     next rung down and when it starts without a purchase (null at `lost`)
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_client_rhythm(
    crm: *const crm_t,
    client_id: i64,
    as_of: *const c_char,
    rhythm_json: *mut *mut c_char,
) -> crm_status_t {
    let id = ClientId(client_id);
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, rhythm_json, "rhythm_json", || {
            let as_of = time(as_of, "as_of")?;
            Ok(Box::new(move |t| on!(t, client_rhythm(id, as_of))))
        })
    }
}

/// Clients per rung at `as_of` and one row per client with a completed order placed by then, whether or
/// not crm_run_due() ever ran: a client whose stored rhythm is current (its purchases unchanged since the
/// last run, all of them by `as_of`) is read from it (its rung at `as_of` by the rule, never above the
/// stored one once that rung was reached), every other client from its orders placed by `as_of`. So a
/// report in the past reads the past. Nothing is written.
///
/// @param query_json   `{"as_of": "2026-11-27T00:00:00Z", "with_p_alive": false}`; `as_of` is required.
///                     `with_p_alive` adds each client's P(alive) as of `as_of`'s date (a BG/NBD fit
///                     over every client: costly on a big store; see crm_p_alive())
/// @param report_json  receives `{"as_of": ..., "counts": {"active": 40, "cooling": 7, "dormant": 3,
///                     "lost": 2}, "rows": [{"client_id": 1, "state": "cooling", "expected_gap_days":
///                     30.0, "last_purchase": "2026-10-01", "days_since_last": 57, "p_alive": 0.62},
///                     ...]}`: one row per client with a completed order placed by `as_of`, by client
///                     id; `expected_gap_days` null under the flat rule, `p_alive` a JSON number, null
///                     unless asked for and a model could be fitted
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_dormancy_report(
    crm: *const crm_t,
    query_json: *const c_char,
    report_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, report_json, "report_json", || {
            let query: DormancyQuery = json(query_json, "query_json")?;
            Ok(Box::new(move |t| on!(t, dormancy_report(&query))))
        })
    }
}

/// How many clients stand on each rung as the last crm_run_due() left them (an index read: cheap on any
/// store). The segment language reads the same state as the field `dormancy` (`dormancy = 'dormant'`).
///
/// @param counts_json  receives `{"active": 40, "cooling": 7, "dormant": 3, "lost": 2}`
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_dormancy_counts(
    crm: *const crm_t,
    counts_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, counts_json, "counts_json", || {
            Ok(Box::new(|t| on!(t, dormancy_counts())))
        })
    }
}

// --- retention rules ----------------------------------------------------------------------------------

/// Adds a retention rule, or replaces the rule in force of the same name (keeping its id, so its
/// cool-downs and its lines of the report carry on). Each crm_run_due() runs the active rules by id: a
/// rule acts on every client its condition matches as of `now`, except those it acted on within its
/// cool-down (and, for a task, lost clients); each act is a RuleFire in the run's `fired`. Every store
/// starts with five rules (see crm_retention_rules()). Logs a `created` or `replaced` event on the
/// `retention_rule` (data: the rule, or `old` and `new`); adding the same rule again writes nothing.
///
/// @param new_rule_json  `{"name": "reactivate dormant", "condition": "dormancy = 'dormant'", "action":
///                       {"kind": "task", "task_kind": "reactivate", "title": "Call {client}", "due_in":
///                       "2d", "to": "owner"}, "cooldown_days": 30, "daily_limit": 10, "active": true}`;
///                       all but `daily_limit` (null by default: no limit) and `active` (true by default)
///                       are required. `daily_limit` is at most this many clients per owner per UTC day
///                       (clients without an owner count as one owner), from 1 to 1000000 (else
///                       CRM_STATUS_VALIDATION with field `daily_limit`): a rule that suddenly matches
///                       many clients spreads the work over the days, the clients left waiting for the
///                       next runs, lowest id first. `condition` is about clients in the segment
///                       language (any client field, `has tag`, `abc`, `rfm_segment`, `p_alive`,
///                       `dormancy`, `days_to_birthday`, `open_complaints` …): a bad one is
///                       CRM_STATUS_VALIDATION with field `condition` (and its `line` and `column`).
///                       `cooldown_days` from 1 to 36600 (else CRM_STATUS_VALIDATION with field
///                       `cooldown_days`). The `action`, by `kind`:
///                       - `task`: a task about the client; `task_kind` a code, `title` a template
///                         (`{client}`, `{client_id}`, `{owner}`, `{days_since_last_order}`,
///                         `{cross_sell}`; `{{` and `}}` for braces; any other placeholder is refused),
///                         `due_in` calendar time after the run (`2d`, `1d12h`, `3w`, `0h`; units `w`,
///                         `d`, `h`, `m`), `to` `"owner"` (the default: the client's owner when the rule
///                         fires) or a manager's id;
///                       - `tag`: `{"kind": "tag", "tag": "win-back"}` adds the tag;
///                       - `mailing`: `{"kind": "mailing", "segment": "win-back mailing"}` tags the
///                         client with the segment's name; the saved segment `has tag '<name>'` is
///                         created when missing (one of that name selecting other clients is refused),
///                         so crm_export_segment() writes the mailing list;
///                       - `reassign`: `{"kind": "reassign", "manager": 3}` gives the client to that
///                         manager, or with `null` to whoever the routing rules choose; a client locked
///                         to its owner, or one nobody can take, is left alone and tried again later.
///                       An unknown `kind` or field is CRM_STATUS_INVALID_JSON; a bad action field
///                       CRM_STATUS_VALIDATION naming it (`action.title`, `action.due_in`, `action.to`,
///                       `action.task_kind`, `action.segment`, `action.manager`)
/// @param at             RFC 3339 time of the change
/// @param rule_json      receives the stored RetentionRule: `{"id": 6, "name": ..., "condition": (in
///                       canonical form), "action": {...}, "cooldown_days": 30, "daily_limit": null,
///                       "active": true, "created_at": ..., "updated_at": ...}`
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_add_retention_rule(
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
            || json::<NewRetentionRule>(new_rule_json, "new_rule_json"),
            |t, new, at| on!(t, add_retention_rule(new, at)),
        )
    }
}

/// Pauses (`active` false) or resumes a retention rule. Logs an `active_changed` event on the
/// `retention_rule` (data: `{"active": false}`); setting the state it has writes nothing.
///
/// @param name       the rule's name; CRM_STATUS_NOT_FOUND when no rule in force has it
/// @param active     whether crm_run_due() runs it
/// @param at         RFC 3339 time of the change
/// @param rule_json  receives the rule as stored now
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_set_retention_rule_active(
    crm: *mut crm_t,
    name: *const c_char,
    active: bool,
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
            || Ok((text(name, "name")?.to_string(), active)),
            |t, (name, active), at| on!(t, set_retention_rule_active(&name, active, at)),
        )
    }
}

/// Removes a retention rule. Its tasks stay, and crm_retention_report() still lists them under its
/// name; the name is free for a new rule. Logs a `removed` event on the `retention_rule` (data: the
/// rule).
///
/// @param name       the rule's name; CRM_STATUS_NOT_FOUND when no rule in force has it
/// @param at         RFC 3339 time of the change
/// @param rule_json  receives the rule as it was before it was removed
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_remove_retention_rule(
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
            |t, name, at| on!(t, remove_retention_rule(&name, at)),
        )
    }
}

/// The retention rules in force, by id: the order crm_run_due() runs them. Until changed, the five every
/// store starts with (each a task for the client's owner): `reactivate dormant A-client` (`dormancy =
/// 'dormant' and abc = 'A'`, task `reactivate` due in 2 days, every 30 days), `thank after first
/// purchase` (`orders = 1 and first_order >= 3d ago`, `thank_you` with `{cross_sell}`, once in ten
/// years), `call after resolved complaint` (`days_since_complaint_resolved between 7 and 13`,
/// `complaint_follow_up`, every 14 days), `birthday` (`days_to_birthday = 0`, `congratulate`, every 300
/// days) and `re-verify stale details` (`dormancy = 'active' and updated < 365d ago`, `verify_details`,
/// every 365 days, at most ten clients per owner a day); only the last has a daily limit. Change one with crm_add_retention_rule() under its name, pause it with
/// crm_set_retention_rule_active() or remove it.
///
/// @param rules_json  receives a JSON array of RetentionRules (see crm_add_retention_rule())
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_retention_rules(
    crm: *const crm_t,
    rules_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, rules_json, "rules_json", || {
            Ok(Box::new(|t| on!(t, retention_rules())))
        })
    }
}

/// One retention rule in force, by name.
///
/// @param name       the rule's name; CRM_STATUS_NOT_FOUND when no rule in force has it
/// @param rule_json  receives the RetentionRule (see crm_add_retention_rule())
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_get_retention_rule(
    crm: *const crm_t,
    name: *const c_char,
    rule_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, rule_json, "rule_json", || {
            let name = text(name, "name")?.to_string();
            Ok(Box::new(move |t| on!(t, get_retention_rule(&name))))
        })
    }
}

/// Did the retention work pay off, for whole UTC days: per rule, per manager and in total, the tasks the
/// rules made in the period, how many were done, and how many were followed by a completed order of
/// their client within the window (the reactivation rate); and the repeat-purchase rate of clients
/// whose complaint was resolved in the period within its deadlines against those whose was not.
///
/// @param query_json   `{"start": "2026-11-01", "end": "2026-11-30", "window_days": 30}`; `start` and
///                     `end` are required, `window_days` 30 by default. `end` before `start` or a period
///                     of ten years or more is CRM_STATUS_VALIDATION with field `end`; a window outside
///                     1..3660 days one with field `window_days`
/// @param report_json  receives `{"start": ..., "end": ..., "window_days": 30, "rules": [{"rule_id": 1,
///                     "rule": "reactivate dormant A-client", "tasks": 12, "done": 9, "ordered": 4,
///                     "rate": 0.3333}, ...], "managers": [{"manager_id": 2, "tasks": ..., "done": ...,
///                     "ordered": ..., "rate": ...}, ...], "total": {"tasks": ..., "done": ...,
///                     "ordered": ..., "rate": ...}, "complaints_within_sla": {"clients": 5, "ordered":
///                     3, "rate": 0.6}, "complaints_breached": {"clients": 2, "ordered": 0, "rate":
///                     0.0}}`. `tasks` are those created in the period, `done` of them done by now,
///                     `ordered` those whose client completed an order placed within `window_days` after
///                     the task was created (not at the same instant); `rate` = ordered / tasks (or /
///                     clients), a JSON number, null when the divisor is 0. Rules by id (a removed rule
///                     keeps its line under its last name), managers by id with tasks for nobody
///                     (`manager_id` null) first. A client with several complaints resolved in the
///                     period is judged once, by the last (resolution time, then id): within SLA when
///                     both its deadlines were met
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_retention_report(
    crm: *const crm_t,
    query_json: *const c_char,
    report_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, report_json, "report_json", || {
            let query: RetentionReportQuery = json(query_json, "query_json")?;
            Ok(Box::new(move |t| on!(t, retention_report(&query))))
        })
    }
}
