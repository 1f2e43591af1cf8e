//! The pipeline and sales reports through the C ABI: the funnel, marketing sources, the forecast of the
//! open pipeline, offers and objections, managers' monthly sales plans and the manager report. Readers
//! like those of [`crate::readers`] (a query as a JSON object, the report as JSON) and, for the plans,
//! commands like those of [`crate::commands`]. Every amount is decimal text, every duration whole
//! seconds, every share or rate a JSON number (null when its divisor is 0).

use std::ffi::c_char;

use crm_core::{
    ForecastQuery, FunnelQuery, ManagerId, ManagerReportQuery, NewPlan, OfferQuery, SourceQuery,
};

use crate::boundary::{json, optional_text, text};
use crate::commands::command;
use crate::handle::{crm_t, on};
use crate::readers::read;
use crate::status::crm_status_t;

/// The sales funnel of the leads received in a period: received → in_progress → qualified → converted
/// → the pipeline's stages → won. A lead counts at every step up to the furthest it reached (a step
/// skipped on the way counts as passed).
///
/// @param query_json   `{"start": "2026-10-01", "end": "2026-12-31", "mode": "cohort", "by": "manager",
///                     "as_of": "2027-01-01T00:00:00Z"}`; `start` and `end` (UTC days, inclusive: when
///                     the leads were received) are required, `end` not before `start` (else
///                     CRM_STATUS_VALIDATION with field `end`). `mode` is `cohort` (the default: each
///                     lead at the furthest step it ever reached) or `snapshot` (the leads as they stood
///                     at `as_of`). `by` splits the funnel per `manager` (the lead's owner now), `source`
///                     or `channel` as well as the total (null: no split). `as_of` (RFC 3339) is the
///                     moment the funnel is read at: only what happened before it counts; left out, a
///                     cohort sees everything recorded so far and a snapshot is read at the end of `end`
/// @param report_json  receives `{"mode": "cohort", "start": ..., "end": ..., "as_of": (or null), "by":
///                     (or null), "steps": [...], "groups": [{"key": "2", "label": "Olena Koval",
///                     "manager_id": 2, "source_id": null, "channel": null, "steps": [...]}, ...]}`. A
///                     step: `{"code": "qualified", "label": ..., "kind": "lead" (or "stage", "won"),
///                     "entered": 40, "conversion_from_previous": 0.5, "conversion_from_first": 0.25,
///                     "dropped": 12, "lost_reasons": [{"reason": "price", "count": 5}, ...], "lost": 5,
///                     "junk": 1, "open": 6, "current": 7, "timed": 30, "median_seconds": 86400,
///                     "p90_seconds": 432000}`: `entered` the leads that reached the step or a later
///                     one; conversions JSON numbers (null for the first step or when the divisor is 0);
///                     `dropped` = `lost` + `junk` + `open` those whose furthest step it is (lost by
///                     reason, most frequent first); `current` those in it at the moment read; times in
///                     the step in seconds over the `timed` leads that left it (null when none did).
///                     Groups: ids ascending, channels in declaration order, `none` (no owner or source)
///                     last; `[]` when not split
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_funnel(
    crm: *const crm_t,
    query_json: *const c_char,
    report_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, report_json, "report_json", || {
            let query: FunnelQuery = json(query_json, "query_json")?;
            Ok(Box::new(move |t| on!(t, funnel(&query))))
        })
    }
}

/// Leads, clients, revenue and spend per marketing source, with cost per lead, CAC and ROMI. Counts
/// the leads received and the spend booked in the period; a source's spend is counted once however many
/// deals it brought.
///
/// @param query_json  `{"start": "2026-01-01", "end": "2026-12-31", "horizon_days": 365}`; `start` and
///                    `end` (UTC days, inclusive) are required, `end` not before `start`;
///                    `horizon_days` (365 by default): a converted client's completed orders count as
///                    the source's revenue from its first conversion from the source up to this many
///                    days later
/// @param rows_json   receives `[{"source_id": 1, "name": "Google Ads", "campaign": "spring", "channel":
///                    "web", "leads": 120, "junk": 8, "qualified": 40, "converted": 20,
///                    "conversion_rate": 0.1667, "clients": 18, "clients_won": 12, "revenue":
///                    "96000.00", "spend": "12000.00", "cost_per_lead": "100.00", "cac": "1000.00",
///                    "romi": 7.0}, ...]`: every source with leads or spend in the period, then a row
///                    with `source_id` null and name `none` for the leads without a source (no spend).
///                    `leads` includes junk; `qualified` those ever qualified; `clients` the distinct
///                    clients the converted leads became, `clients_won` those with a won deal from the
///                    source's leads. `cost_per_lead` = spend / leads and `cac` = spend / clients_won
///                    (money, half away from zero), `romi` = (revenue − spend) / spend (a JSON number);
///                    each null without spend or when its divisor is 0. Ordered by ROMI, highest first,
///                    rows without ROMI after, ties by source id, `none` last
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_source_report(
    crm: *const crm_t,
    query_json: *const c_char,
    rows_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, rows_json, "rows_json", || {
            let query: SourceQuery = json(query_json, "query_json")?;
            Ok(Box::new(move |t| on!(t, source_report(&query))))
        })
    }
}

/// The forecast of the open pipeline, by expected close month and by stage: weighted by the stages'
/// probabilities and, beside it, by the win rates of the deals closed in a history window.
///
/// @param query_json   `{"as_of": "2026-11-30T00:00:00Z", "history_start": "2025-12-01"}`; `as_of`
///                     (RFC 3339) is required: a deal whose expected close date is before its UTC day is
///                     overdue and counted in its month; the history of closed deals runs from
///                     `history_start` (a day; by default 365 days before `as_of`'s) to `as_of`
/// @param report_json  receives `{"as_of": ..., "history_start": "2025-12-01", "months": [{"month":
///                     "2026-11", "overdue": 1, "deals": 3, "amount": "9000.00", "weighted":
///                     "4500.00", "historic": "3000.00"}, ..., {"month": null, ...}], "stages":
///                     [{"stage": "proposal", "label": ..., "probability": 50, "history_closed": 10,
///                     "history_won": 4, "history_rate": 0.4, "deals": 2, "amount": ..., "weighted":
///                     ..., "historic": ...}, ...], "total": {"deals": 5, "amount": ..., "weighted": ...,
///                     "historic": ...}}`: months oldest first, only those with deals, the deals without
///                     an expected close date last (`month` null); every stage in pipeline order;
///                     `weighted` = amount × probability / 100 and `historic` = amount × the stage's
///                     historic win rate (0 without history: `history_rate` null), each deal's rounded
///                     half away from zero to the cent, so months, stages and total add up exactly
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_forecast(
    crm: *const crm_t,
    query_json: *const c_char,
    report_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, report_json, "report_json", || {
            let query: ForecastQuery = json(query_json, "query_json")?;
            Ok(Box::new(move |t| on!(t, forecast(&query))))
        })
    }
}

/// Which commercial offers led to sales, which objections were met and which arguments overcame them:
/// from the `offer`, `objection` and `argument` codes of the activities logged in a period (see
/// crm_log_activity()). An activity is followed through its deal, else its lead (one with only a client
/// counts as sent or met but is not tracked); a lead succeeds by converting, a deal by being won, at or
/// after the activity (for an offer: its first sending to that lead or deal), whenever that happened.
///
/// @param query_json   `{"start": "2026-10-01", "end": "2026-12-31"}`, both required (UTC days of the
///                     activities, inclusive), `end` not before `start`
/// @param report_json  receives `{"start": ..., "end": ..., "offers": [{"offer": "KP-wholesale",
///                     "sent": 12, "leads": 5, "deals": 4, "leads_converted": 2, "deals_won": 1,
///                     "conversion_rate": 0.3333}, ...], "objections": [{"objection": "too_expensive",
///                     "met": 9, "tracked": 8, "overcome": 3, "rate": 0.375, "arguments": [{"argument":
///                     "delivery_included", "used": 5, "tracked": 5, "overcome": 3, "rate": 0.6}, ...,
///                     {"argument": null, ...}]}, ...]}`: offers by `sent` and objections by `met`, most
///                     first, then by code; arguments by `used`, the row of "no argument" (null) last
///                     among equals; rates JSON numbers, null when nothing was tracked
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_offer_report(
    crm: *const crm_t,
    query_json: *const c_char,
    report_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, report_json, "report_json", || {
            let query: OfferQuery = json(query_json, "query_json")?;
            Ok(Box::new(move |t| on!(t, offer_report(&query))))
        })
    }
}

/// Sets a manager's sales plan for a calendar month: the revenue (completed orders of the manager's
/// clients) and the number of won deals expected. A plan already set for the month is replaced; a
/// `plan_set` event on the manager records the old plan (or null) and the new one. Setting the same plan
/// again writes nothing.
///
/// @param new_plan_json  `{"manager_id": 2, "month": "2026-11", "revenue": "150000.00", "deals": 6}`;
///                       `manager_id` and `month` (`YYYY-MM`) are required, `revenue` and `deals`
///                       default to 0. An unknown manager is CRM_STATUS_NOT_FOUND; a malformed month or
///                       a negative revenue is CRM_STATUS_VALIDATION naming the field
/// @param at             RFC 3339 time of the change
/// @param plan_json      receives the plan as stored: `{"manager_id": 2, "month": "2026-11", "revenue":
///                       "150000.00", "deals": 6}`
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_set_plan(
    crm: *mut crm_t,
    new_plan_json: *const c_char,
    at: *const c_char,
    plan_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            plan_json,
            "plan_json",
            at,
            || json::<NewPlan>(new_plan_json, "new_plan_json"),
            |t, new, at| on!(t, set_plan(new, at)),
        )
    }
}

/// Removes a manager's plan for a month; the event is `plan_removed` on the manager.
///
/// @param manager_id  the manager; CRM_STATUS_NOT_FOUND when there is none with this id
/// @param month       the month, `YYYY-MM`; CRM_STATUS_NOT_FOUND when the manager has no plan for it,
///                    CRM_STATUS_VALIDATION when it is not a month
/// @param at          RFC 3339 time of the change
/// @param plan_json   receives the plan as it was before it was removed
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_remove_plan(
    crm: *mut crm_t,
    manager_id: i64,
    month: *const c_char,
    at: *const c_char,
    plan_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            plan_json,
            "plan_json",
            at,
            || Ok((ManagerId(manager_id), text(month, "month")?.to_string())),
            |t, (manager, month), at| on!(t, remove_plan(manager, &month, at)),
        )
    }
}

/// Sales plans of one manager or of all, for a range of months, ordered by month, then manager id.
///
/// @param manager_id  a manager's id, or 0 for every manager
/// @param from_month  the first month, `YYYY-MM`, or NULL (no lower bound)
/// @param to_month    the last month, `YYYY-MM`, included, or NULL (no upper bound); a malformed month
///                    is CRM_STATUS_VALIDATION naming `from_month` or `to_month`
/// @param plans_json  receives a JSON array of plans (see crm_set_plan())
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_plans(
    crm: *const crm_t,
    manager_id: i64,
    from_month: *const c_char,
    to_month: *const c_char,
    plans_json: *mut *mut c_char,
) -> crm_status_t {
    let manager = (manager_id != 0).then_some(ManagerId(manager_id));
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, plans_json, "plans_json", || {
            let from = optional_text(from_month, "from_month")?.map(str::to_string);
            let to = optional_text(to_month, "to_month")?.map(str::to_string);
            Ok(Box::new(move |t| on!(t, plans(manager, from, to))))
        })
    }
}

/// The manager report for whole UTC days: per manager, the requests received and how they were
/// answered, converted and lost; deals won; revenue and average order of the manager's clients; and
/// the plan against the actual figures for each calendar month touching the period. Request figures
/// are about the leads received in the period that the manager owns now, as they stand; sales figures
/// about deals won and orders completed in the period.
///
/// @param query_json  `{"start": "2026-11-01", "end": "2026-11-30"}`, both required; `end` before
///                    `start`, or a period longer than ten years, is CRM_STATUS_VALIDATION
/// @param rows_json   receives `[{"manager_id": 2, "name": "Olena Koval", "active": true, "received":
///                    40, "answered": 38, "unanswered": 2, "working_time": true,
///                    "response_median_secs": 1800, "response_p90_secs": 7200, "sla_counted": 36,
///                    "sla_met": 33, "sla_met_share": 0.9167, "converted": 12, "lost": 9, "junk": 3,
///                    "conversion_rate": 0.3243, "deals_won": 5, "won_amount": "64000.00", "orders": 21,
///                    "revenue": "88000.00", "average_order": "4190.48", "promises_kept": 0.75,
///                    "months": [{"month": "2026-11", "from": "2026-11-01", "to": "2026-11-30",
///                    "plan_revenue": "100000.00", "plan_deals": 6, "revenue": "88000.00", "deals": 5,
///                    "revenue_achieved": 0.88, "deals_achieved": 0.8333}]}, ...]`, by manager id.
///                    Response times are seconds, of working time when a calendar applies
///                    (`working_time` true: the manager's, else the store's), else elapsed; medians and
///                    p90 by nearest rank, null when nothing was answered. `sla_counted` are the leads
///                    whose deadline is decided (answered, or passed by the period's end), `sla_met`
///                    those answered in time. `conversion_rate` = converted / (received − junk).
///                    `promises_kept` = kept / (kept + broken) over the promises the manager made
///                    that fall due in the period, as they stand now (see crm_promise(); cancelled and
///                    still open ones count neither way), a JSON number, null when none is decided. A
///                    month's actual figures count from its first day to its last or to the period's
///                    end (`to`); its plan fields are null without a plan, the achieved shares null
///                    without a plan or with a zero one
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_manager_report(
    crm: *const crm_t,
    query_json: *const c_char,
    rows_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, rows_json, "rows_json", || {
            let query: ManagerReportQuery = json(query_json, "query_json")?;
            Ok(Box::new(move |t| on!(t, manager_report(&query))))
        })
    }
}
