//! The commands: every call that changes the store. Each takes its record as JSON text and the time of
//! the change as RFC 3339 text (`at`), and writes the stored record back as JSON.

use std::ffi::c_char;
use std::ptr::null_mut;

use chrono::{DateTime, Utc};
use crm_core::{
    ClientId, ClientPatch, ConvertLead, DealId, DealPatch, JunkKind, LeadId, ManagerId,
    NewActivity, NewClient, NewContact, NewDeal, NewLead, NewManager, NewOrder, NewSource,
    NewSpend, NewStage, OrderId, OrderStatus,
};
use serde::Serialize;

use crate::boundary::{
    Failure, Outcome, call, from_value, json, json_array, json_failure, optional_json,
    optional_text, out_param, put_json, text, time,
};
use crate::handle::{Target, crm_t, handle, on};
use crate::status::crm_status_t;

/// A command's work once its arguments are read: the facade method on the target, with the time.
pub(crate) type Work<I, T> =
    for<'a, 'b> fn(Target<'a, 'b>, I, DateTime<Utc>) -> crm_core::Result<T>;

/// The common body of a command: empty the out-parameter, check the handle, read the arguments and the
/// time, run the work (in the caller's transaction if it has one open), write the result as JSON.
pub(crate) unsafe fn command<I: Send + 'static, T: Serialize + Send + 'static>(
    crm: *mut crm_t,
    out: *mut *mut c_char,
    out_name: &str,
    at: *const c_char,
    arguments: impl FnOnce() -> Outcome<I>,
    work: Work<I, T>,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe { command_at(crm, out, out_name, at, "at", arguments, work) }
}

/// [`command`] with its time under another name (`as_of` of a refresh), as the header names it.
pub(crate) unsafe fn command_at<I: Send + 'static, T: Serialize + Send + 'static>(
    crm: *mut crm_t,
    out: *mut *mut c_char,
    out_name: &str,
    at: *const c_char,
    at_name: &str,
    arguments: impl FnOnce() -> Outcome<I>,
    work: Work<I, T>,
) -> crm_status_t {
    call(|| {
        // SAFETY: pointers as the header's contract says.
        let out = unsafe { out_param(out, out_name, null_mut()) }?;
        let crm = unsafe { handle(crm) }?;
        let arguments = arguments()?;
        let at = unsafe { time(at, at_name) }?;
        put_json(out, &crm.run(move |t| work(t, arguments, at))?)
    })
}

/// Adds a sales manager.
///
/// @param new_manager_json  `{"name": "Olena Koval", "email": ..., "team": "sales", "capacity": 40,
///                          "daily_cap": 10, "weight": 1, "skills": [...], "regions": [...],
///                          "languages": [...], "active": true}`; only `name` is required. `capacity`
///                          (open leads held) and `daily_cap` (requests assigned a day, in the
///                          manager's calendar) limit what routing gives them (see
///                          crm_add_routing_rule()); left out, there is no limit
/// @param at                RFC 3339 time of the change
/// @param manager_json      receives the stored manager (with its `id`)
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_add_manager(
    crm: *mut crm_t,
    new_manager_json: *const c_char,
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
            || json::<NewManager>(new_manager_json, "new_manager_json"),
            |t, new, at| on!(t, add_manager(new, at)),
        )
    }
}

/// Marks a manager active or inactive (an inactive manager gets no new work).
///
/// @param manager_json  receives the manager as stored now
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_set_manager_active(
    crm: *mut crm_t,
    manager_id: i64,
    active: bool,
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
            || Ok((ManagerId(manager_id), active)),
            |t, (id, active), at| on!(t, set_manager_active(id, active, at)),
        )
    }
}

/// Adds a marketing source. A second source with the same name and campaign is CRM_STATUS_CONFLICT.
///
/// @param new_source_json  `{"name": "Google Ads", "channel": "ads", "campaign": "winter"}`; channel is
///                         one of phone, web, email, shop, ads, referral, cold_call, walk_in,
///                         messenger, other; `name` and `channel` are required
/// @param source_json      receives the stored source (with its `id`)
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_add_source(
    crm: *mut crm_t,
    new_source_json: *const c_char,
    at: *const c_char,
    source_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            source_json,
            "source_json",
            at,
            || json::<NewSource>(new_source_json, "new_source_json"),
            |t, new, at| on!(t, add_source(new, at)),
        )
    }
}

/// Records money spent on a source.
///
/// @param new_spend_json  `{"source_id": 1, "on": "2026-11-01", "amount": "1200.00", "note": ...}`; all
///                        but `note` are required
/// @param spend_json      receives the stored spend (with its `id`)
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_add_spend(
    crm: *mut crm_t,
    new_spend_json: *const c_char,
    at: *const c_char,
    spend_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            spend_json,
            "spend_json",
            at,
            || json::<NewSpend>(new_spend_json, "new_spend_json"),
            |t, new, at| on!(t, add_spend(new, at)),
        )
    }
}

/// Adds a lost reason to the catalogue, or relabels an existing code. The catalogue starts with price,
/// competitor, no_budget, no_need, no_answer, timing and other.
///
/// @param code              lowercase letters, digits and `_` (`too_far`)
/// @param label             what people read (`Too far away`)
/// @param lost_reason_json  receives `{"code": ..., "label": ...}`
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_add_lost_reason(
    crm: *mut crm_t,
    code: *const c_char,
    label: *const c_char,
    at: *const c_char,
    lost_reason_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            lost_reason_json,
            "lost_reason_json",
            at,
            || {
                Ok((
                    text(code, "code")?.to_string(),
                    text(label, "label")?.to_string(),
                ))
            },
            |t, (code, label), at| on!(t, add_lost_reason(&code, &label, at)),
        )
    }
}

/// Replaces the deal pipeline with the stages given, in order. A stage that open deals are still in
/// cannot be removed (CRM_STATUS_CONFLICT). `won` and `lost` are not stages: they are final statuses.
///
/// @param stages_json    `[{"code": "proposal", "label": "Proposal sent", "probability": 40}, ...]`
/// @param pipeline_json  receives the stored stages, in order
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_set_pipeline(
    crm: *mut crm_t,
    stages_json: *const c_char,
    at: *const c_char,
    pipeline_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            pipeline_json,
            "pipeline_json",
            at,
            || json_array::<NewStage>(stages_json, "stages_json"),
            |t, stages, at| on!(t, set_pipeline(stages, at)),
        )
    }
}

/// Adds a client. A malformed phone, e-mail or tax id is stored with quality `invalid` (refused in
/// strict mode). An external reference already used by another client is CRM_STATUS_CONFLICT.
///
/// @param new_client_json  `{"kind": "company", "name": "Romashka LLC", "tax_id": ..., "phone": ...,
///                         "email": ..., "website": ..., "industry": ..., "region": ..., "address": ...,
///                         "birth_date": "1980-05-17", "owner_id": 1, "tags": ["vip"],
///                         "attributes": {...}, "external_ref": "1C-000123"}`; only `name` is required
///                         (`kind` defaults to company)
/// @param client_json      receives the stored client (with its `id`)
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_add_client(
    crm: *mut crm_t,
    new_client_json: *const c_char,
    at: *const c_char,
    client_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            client_json,
            "client_json",
            at,
            || json::<NewClient>(new_client_json, "new_client_json"),
            |t, new, at| on!(t, add_client(new, at)),
        )
    }
}

/// Changes a client's details: a field the patch leaves out stays as it is, a field set to null is
/// cleared. `name` and `kind` cannot be cleared (null leaves them as they are); `tags` and `attributes`
/// are cleared with `[]` and `{}`. A patch that changes nothing writes nothing.
///
/// @param patch_json   the fields of crm_add_client() to change, e.g. `{"phone": "+380671234567",
///                     "website": null}`
/// @param client_json  receives the client as stored now
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_update_client(
    crm: *mut crm_t,
    client_id: i64,
    patch_json: *const c_char,
    at: *const c_char,
    client_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            client_json,
            "client_json",
            at,
            || {
                Ok((
                    ClientId(client_id),
                    json::<ClientPatch>(patch_json, "patch_json")?,
                ))
            },
            |t, (id, patch), at| on!(t, update_client(id, patch, at)),
        )
    }
}

/// Adds a contact person to a client.
///
/// @param new_contact_json  `{"client_id": 1, "name": "Ivan Petrenko", "position": "buyer",
///                          "phones": [...], "emails": [...]}`; `client_id` and `name` are required
/// @param contact_json      receives the stored contact (with its `id`)
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_add_contact(
    crm: *mut crm_t,
    new_contact_json: *const c_char,
    at: *const c_char,
    contact_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            contact_json,
            "contact_json",
            at,
            || json::<NewContact>(new_contact_json, "new_contact_json"),
            |t, new, at| on!(t, add_contact(new, at)),
        )
    }
}

/// Captures an incoming request as a new lead.
///
/// Refused (CRM_STATUS_VALIDATION) only when the request is meaningless: no way at all to reach the
/// person. A malformed phone or e-mail is kept with quality `invalid` and a warning; a source, owner or
/// client that does not exist is dropped with a warning (strict mode refuses these instead). Capturing
/// the same `external_ref` again returns the stored lead (a form sent twice is one request; the time is
/// not compared); the same reference with other details is CRM_STATUS_CONFLICT.
///
/// A request that does not name its client is matched against the known clients (see "Duplicates"
/// above): the matches come back in `matches`, and when exactly one reaches the `auto_link` setting the
/// lead is linked to that client (`auto_linked` is true), as if the request had named it.
///
/// Then it is assigned: to the `owner_id` it names, else to its client's owner when that owner is
/// available, else by the routing rules (see crm_add_routing_rule()); when nobody can take it, it is
/// queued (its `owner_id` is null and `queued_reason` says why; see crm_queue()). Routing is on once
/// the store has a routing rule: without any, a lead with no owner is left for the host to assign
/// (not queued, no decision recorded). The first-response policy that applies (see
/// crm_set_response_sla()) sets its `first_response_due` and `sla_policy`.
///
/// @param new_lead_json  `{"channel": "web", "source_id": 1, "name": "Ivan Petrenko", "company": ...,
///                       "phone": "067 123 45 67", "email": ..., "messenger": ..., "need": ...,
///                       "interest": ..., "region": ..., "language": ..., "estimated_value": "18000.00",
///                       "owner_id": ..., "client_id": ..., "external_ref": ...}`. `channel` is required
///                       (a code as in crm_add_source()); so is at least one way to reach the person:
///                       `phone`, `email`, `messenger` or `client_id` (else CRM_STATUS_VALIDATION with
///                       field `contact`)
/// @param at             RFC 3339 time the request came in
/// @param capture_json   receives `{"lead": {"id": 1, "status": "new", ...}, "warnings": [{"field":
///                       "phone", "message": ...}], "matches": [{"client_id": 3, "score": 0.9526, "keys":
///                       ["phone"]}], "auto_linked": true, "assignment": {"manager_id": 2, "via":
///                       "rule", "rule": ..., "reason": ..., "skipped": [...], ...}}` (see the Capture
///                       record above; `assignment` is the Assignment of crm_lead_assignments(), null
///                       when nothing was decided: the same `external_ref` was captured before, or
///                       the store has no routing rule and the lead has no owner)
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_capture_lead(
    crm: *mut crm_t,
    new_lead_json: *const c_char,
    at: *const c_char,
    capture_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            capture_json,
            "capture_json",
            at,
            || json::<NewLead>(new_lead_json, "new_lead_json"),
            |t, new, at| on!(t, capture_lead(new, at)),
        )
    }
}

/// Starts work on a new lead (new → in_progress). Logging the first outbound activity does this too.
///
/// @param lead_json  receives the lead as stored now
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_start_lead(
    crm: *mut crm_t,
    lead_id: i64,
    at: *const c_char,
    lead_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            lead_json,
            "lead_json",
            at,
            || Ok(LeadId(lead_id)),
            |t, id, at| on!(t, start_lead(id, at)),
        )
    }
}

/// Marks a lead in progress as qualified: a real need with a budget. Only a qualified lead converts.
///
/// @param lead_json  receives the lead as stored now
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_qualify_lead(
    crm: *mut crm_t,
    lead_id: i64,
    at: *const c_char,
    lead_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            lead_json,
            "lead_json",
            at,
            || Ok(LeadId(lead_id)),
            |t, id, at| on!(t, qualify_lead(id, at)),
        )
    }
}

/// Brings a lost or junk lead back to work (→ in_progress); its lost reason is cleared.
///
/// @param lead_json  receives the lead as stored now
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_reopen_lead(
    crm: *mut crm_t,
    lead_id: i64,
    at: *const c_char,
    lead_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            lead_json,
            "lead_json",
            at,
            || Ok(LeadId(lead_id)),
            |t, id, at| on!(t, reopen_lead(id, at)),
        )
    }
}

/// Loses a lead. The reason is mandatory: a code from the lost-reason catalogue (see
/// crm_lost_reasons()).
///
/// @param reason     the lost-reason code (`price`)
/// @param note       free text, or NULL
/// @param lead_json  receives the lead as stored now
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_lose_lead(
    crm: *mut crm_t,
    lead_id: i64,
    reason: *const c_char,
    note: *const c_char,
    at: *const c_char,
    lead_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            lead_json,
            "lead_json",
            at,
            || {
                Ok((
                    LeadId(lead_id),
                    text(reason, "reason")?.to_string(),
                    optional_text(note, "note")?.map(str::to_string),
                ))
            },
            |t, (id, reason, note), at| on!(t, lose_lead(id, &reason, note.as_deref(), at)),
        )
    }
}

/// Marks a lead as junk.
///
/// @param kind       `spam`, `test` or `duplicate`
/// @param note       free text, or NULL
/// @param lead_json  receives the lead as stored now
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_junk_lead(
    crm: *mut crm_t,
    lead_id: i64,
    kind: *const c_char,
    note: *const c_char,
    at: *const c_char,
    lead_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            lead_json,
            "lead_json",
            at,
            || {
                Ok((
                    LeadId(lead_id),
                    text(kind, "kind")?.parse::<JunkKind>()?,
                    optional_text(note, "note")?.map(str::to_string),
                ))
            },
            |t, (id, kind, note), at| on!(t, junk_lead(id, kind, note.as_deref(), at)),
        )
    }
}

/// Converts a qualified lead: links its client (the one given, the lead's own, or a new one made from
/// the lead's details) and opens a deal in the pipeline's first stage (or the one given).
///
/// @param options_json     `{"client_id": 7, "amount": "18000.00", "title": ..., "stage": ...}`, every
///                         field optional; NULL means `{}`
/// @param conversion_json  receives `{"lead_id": 1, "client_id": 1, "deal_id": 1, "client_created":
///                         true, "client": {...}}`
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_convert_lead(
    crm: *mut crm_t,
    lead_id: i64,
    options_json: *const c_char,
    at: *const c_char,
    conversion_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            conversion_json,
            "conversion_json",
            at,
            || {
                Ok((
                    LeadId(lead_id),
                    optional_json::<ConvertLead>(options_json, "options_json")?,
                ))
            },
            |t, (id, options), at| on!(t, convert_lead(id, options, at)),
        )
    }
}

/// Logs a call, e-mail, meeting, message, note or document sent. A direction is required except for a
/// note (none) and a document (out unless said); the lead, client and deal given must belong together.
/// The earliest outbound contact on an open lead is its first response (when and by whom), and moves a
/// new lead to in_progress.
///
/// @param new_activity_json  `{"kind": "call", "direction": "out", "lead_id": 1, "client_id": ...,
///                           "deal_id": ..., "manager_id": 1, "subject": ..., "body": ..., "outcome":
///                           ..., "document_ref": ..., "duration_seconds": 120, "offer":
///                           "KP-wholesale-2026", "objection": "too_expensive", "argument":
///                           "delivery_included"}`; `kind` is required. `offer` (the code of the
///                           commercial offer or template sent), `objection` (the code of an objection
///                           met) and `argument` (the code of the argument used against it), at most 200
///                           characters each, are what crm_offer_report() counts
/// @param activity_json      receives the stored activity (with its `id`)
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_log_activity(
    crm: *mut crm_t,
    new_activity_json: *const c_char,
    at: *const c_char,
    activity_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            activity_json,
            "activity_json",
            at,
            || json::<NewActivity>(new_activity_json, "new_activity_json"),
            |t, new, at| on!(t, log_activity(new, at)),
        )
    }
}

/// Opens a deal with a known client (a repeat sale); converting a lead opens one too.
///
/// @param new_deal_json  `{"client_id": 1, "title": "Second office", "amount": "5000.00", "owner_id":
///                       ..., "stage": ..., "expected_close": "2026-12-20"}`; `client_id` and `title` are
///                       required; `amount` defaults to 0.00 and `stage` to the pipeline's first
/// @param deal_json      receives the stored deal (with its `id`)
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_open_deal(
    crm: *mut crm_t,
    new_deal_json: *const c_char,
    at: *const c_char,
    deal_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            deal_json,
            "deal_json",
            at,
            || json::<NewDeal>(new_deal_json, "new_deal_json"),
            |t, new, at| on!(t, open_deal(new, at)),
        )
    }
}

/// Moves an open deal to another stage of the pipeline (forward or back).
///
/// @param stage      a stage code of the pipeline (`proposal`)
/// @param deal_json  receives the deal as stored now
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_move_deal(
    crm: *mut crm_t,
    deal_id: i64,
    stage: *const c_char,
    at: *const c_char,
    deal_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            deal_json,
            "deal_json",
            at,
            || Ok((DealId(deal_id), text(stage, "stage")?.to_string())),
            |t, (id, stage), at| on!(t, move_deal(id, &stage, at)),
        )
    }
}

/// Changes an open deal's title, amount, owner or expected close date; a field left out stays, a field
/// set to null is cleared. A closed deal does not change (CRM_STATUS_CONFLICT).
///
/// @param patch_json  `{"title": ..., "amount": "21000.00", "owner_id": ..., "expected_close": ...}`
/// @param deal_json   receives the deal as stored now
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_update_deal(
    crm: *mut crm_t,
    deal_id: i64,
    patch_json: *const c_char,
    at: *const c_char,
    deal_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            deal_json,
            "deal_json",
            at,
            || {
                Ok((
                    DealId(deal_id),
                    json::<DealPatch>(patch_json, "patch_json")?,
                ))
            },
            |t, (id, patch), at| on!(t, update_deal(id, patch, at)),
        )
    }
}

/// Wins an open deal (final).
///
/// @param deal_json  receives the deal as stored now
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_win_deal(
    crm: *mut crm_t,
    deal_id: i64,
    at: *const c_char,
    deal_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            deal_json,
            "deal_json",
            at,
            || Ok(DealId(deal_id)),
            |t, id, at| on!(t, win_deal(id, at)),
        )
    }
}

/// Loses an open deal (final). The reason is mandatory: a code from the lost-reason catalogue.
///
/// @param reason     the lost-reason code (`competitor`)
/// @param note       free text, or NULL
/// @param deal_json  receives the deal as stored now
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_lose_deal(
    crm: *mut crm_t,
    deal_id: i64,
    reason: *const c_char,
    note: *const c_char,
    at: *const c_char,
    deal_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            deal_json,
            "deal_json",
            at,
            || {
                Ok((
                    DealId(deal_id),
                    text(reason, "reason")?.to_string(),
                    optional_text(note, "note")?.map(str::to_string),
                ))
            },
            |t, (id, reason, note), at| on!(t, lose_deal(id, &reason, note.as_deref(), at)),
        )
    }
}

/// Records an order placed at `at`. Idempotent by `external_ref`: the same order recorded twice is
/// stored once and the stored one is returned; the same reference with other content is
/// CRM_STATUS_CONFLICT. A completed order updates the client's purchase totals at once.
///
/// @param new_order_json  `{"client_id": 1, "total": "245.90", "lines": [{"sku": "SKU-1", "quantity":
///                        2, "unit_price": "100.00"}], "status": "completed", "deal_id": ...,
///                        "external_ref": "WEB-5531"}`; `client_id` and `total` are required; the lines,
///                        when given, must add up to the total; `status` defaults to completed
/// @param order_json      receives the stored order (with its `id`)
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_record_order(
    crm: *mut crm_t,
    new_order_json: *const c_char,
    at: *const c_char,
    order_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            order_json,
            "order_json",
            at,
            || json::<NewOrder>(new_order_json, "new_order_json"),
            |t, new, at| on!(t, record_order(new, at)),
        )
    }
}

/// One item of a batch of orders.
#[derive(serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
struct BatchItem {
    at: DateTime<Utc>,
    order: NewOrder,
}

/// One entry of a batch's results: `{"order": {...}}` or `{"error": {...}}`.
#[derive(serde::Serialize)]
#[serde(rename_all = "snake_case")]
enum BatchResult {
    Order(crm_core::Order),
    Error(serde_json::Value),
}

/// Records many orders in one transaction (an ERP exchange, a shop's backlog): far faster than one call
/// per order. Each item is checked on its own, so a bad item is reported at its position and the good
/// ones are kept; only a storage failure fails the whole call (and then nothing is kept).
///
/// @param orders_json   `[{"at": "2026-11-02T09:30:00Z", "order": {...as crm_record_order()...}}, ...]`
/// @param results_json  receives one entry per item, in the order given: `{"order": {...}}` or
///                      `{"error": {"status": 4, "kind": "validation", "field": "total", "message":
///                      "..."}}` (an item that is not a valid JSON order gets status 3, invalid_json)
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_record_orders(
    crm: *mut crm_t,
    orders_json: *const c_char,
    results_json: *mut *mut c_char,
) -> crm_status_t {
    call(|| {
        // SAFETY: pointers as the header's contract says.
        let out = unsafe { out_param(results_json, "results_json", null_mut()) }?;
        let crm = unsafe { handle(crm) }?;
        let items: Vec<serde_json::Value> = unsafe { json_array(orders_json, "orders_json") }?;
        // Items that do not parse keep their place with their own error; the rest go to the core.
        let mut refused: Vec<Option<Failure>> = Vec::with_capacity(items.len());
        let mut batch: Vec<(NewOrder, DateTime<Utc>)> = Vec::with_capacity(items.len());
        for (i, item) in items.into_iter().enumerate() {
            let name = format!("orders_json[{i}]");
            let item = match item {
                serde_json::Value::Object(_) => from_value::<BatchItem>(&item, &name),
                _ => Err(json_failure(&name, "", "must be an object".into())),
            };
            match item {
                Ok(item) => {
                    batch.push((item.order, item.at));
                    refused.push(None);
                }
                Err(failure) => refused.push(Some(failure)),
            }
        }
        let mut recorded = crm.run(move |t| on!(t, record_orders(batch)))?.into_iter();
        let results: Vec<BatchResult> = refused
            .into_iter()
            .map(|refusal| {
                let result = match refusal {
                    Some(failure) => Err(failure),
                    None => recorded.next().map_or_else(
                        || {
                            Err(Failure::new(
                                crm_status_t::CRM_STATUS_STORAGE,
                                "no result for this item",
                            ))
                        },
                        |r| r.map_err(Failure::from),
                    ),
                };
                match result {
                    Ok(order) => BatchResult::Order(order),
                    Err(failure) => BatchResult::Error(failure.to_json()),
                }
            })
            .collect();
        put_json(out, &results)
    })
}

/// Changes an order's status (a cancellation, a return, or back to completed); the client's purchase
/// totals follow at once.
///
/// @param status      `completed`, `cancelled` or `returned`
/// @param order_json  receives the order as stored now
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_set_order_status(
    crm: *mut crm_t,
    order_id: i64,
    status: *const c_char,
    at: *const c_char,
    order_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            order_json,
            "order_json",
            at,
            || {
                Ok((
                    OrderId(order_id),
                    text(status, "status")?.parse::<OrderStatus>()?,
                ))
            },
            |t, (id, status), at| on!(t, set_order_status(id, status, at)),
        )
    }
}
