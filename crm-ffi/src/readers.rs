//! The readers: every call that only reads. Records come back as JSON text; lists are JSON arrays in a
//! documented order. Paged lists take a query object with `"page": {"after": <last id seen>, "limit": n}`.

use std::ffi::c_char;
use std::ptr::null_mut;

use crm_core::{
    ActivityId, ActivityQuery, ClientId, ClientQuery, ContactId, DealId, DealQuery, LeadId,
    LeadQuery, ManagerId, OrderId, OrderQuery, Page, SourceId,
};
use serde::Serialize;

use crate::boundary::{Outcome, call, date, optional_json, out_param, put_json, text};
use crate::handle::{Target, crm_t, handle, on};
use crate::status::crm_status_t;

/// The common body of a reader: empty the out-parameter, check the handle, run, write JSON.
pub(crate) unsafe fn read<T: Serialize + Send + 'static>(
    crm: *const crm_t,
    out: *mut *mut c_char,
    out_name: &str,
    prepare: impl FnOnce() -> Outcome<
        Box<dyn for<'a, 'b> FnOnce(Target<'a, 'b>) -> crm_core::Result<T> + Send>,
    >,
) -> crm_status_t {
    call(|| {
        // SAFETY: pointers as the header's contract says.
        let out = unsafe { out_param(out, out_name, null_mut()) }?;
        let crm = unsafe { handle(crm) }?;
        let reader = prepare()?;
        put_json(out, &crm.run(reader)?)
    })
}

/// One manager.
///
/// @param manager_json  receives the manager; CRM_STATUS_NOT_FOUND when there is none with this id
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_get_manager(
    crm: *const crm_t,
    manager_id: i64,
    manager_json: *mut *mut c_char,
) -> crm_status_t {
    let id = ManagerId(manager_id);
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, manager_json, "manager_json", || {
            Ok(Box::new(move |t| on!(t, get_manager(id))))
        })
    }
}

/// Every manager, by id.
///
/// @param managers_json  receives a JSON array of managers
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_list_managers(
    crm: *const crm_t,
    managers_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, managers_json, "managers_json", || {
            Ok(Box::new(|t| on!(t, list_managers())))
        })
    }
}

/// One marketing source.
///
/// @param source_json  receives the source; CRM_STATUS_NOT_FOUND when there is none with this id
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_get_source(
    crm: *const crm_t,
    source_id: i64,
    source_json: *mut *mut c_char,
) -> crm_status_t {
    let id = SourceId(source_id);
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, source_json, "source_json", || {
            Ok(Box::new(move |t| on!(t, get_source(id))))
        })
    }
}

/// Every marketing source, by id.
///
/// @param sources_json  receives a JSON array of sources
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_list_sources(
    crm: *const crm_t,
    sources_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, sources_json, "sources_json", || {
            Ok(Box::new(|t| on!(t, list_sources())))
        })
    }
}

/// Spend booked from `start` to `end` inclusive, of one source or of all; by date, then id.
///
/// @param source_id   a source's id, or 0 for every source
/// @param start       first day, `YYYY-MM-DD`
/// @param end         last day, `YYYY-MM-DD`
/// @param spend_json  receives a JSON array of spends
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_list_spend(
    crm: *const crm_t,
    source_id: i64,
    start: *const c_char,
    end: *const c_char,
    spend_json: *mut *mut c_char,
) -> crm_status_t {
    let source = (source_id != 0).then_some(SourceId(source_id));
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, spend_json, "spend_json", || {
            let start = date(start, "start")?;
            let end = date(end, "end")?;
            Ok(Box::new(move |t| on!(t, list_spend(source, start, end))))
        })
    }
}

/// The lost-reason catalogue, in the order the reasons were added (the defaults first).
///
/// @param lost_reasons_json  receives `[{"code": "price", "label": "Price too high"}, ...]`
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_lost_reasons(
    crm: *const crm_t,
    lost_reasons_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, lost_reasons_json, "lost_reasons_json", || {
            Ok(Box::new(|t| on!(t, lost_reasons())))
        })
    }
}

/// The deal pipeline, in order.
///
/// @param pipeline_json  receives `[{"code": "new", "label": ..., "probability": 10, "position": 1},
///                       ...]`
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_pipeline(
    crm: *const crm_t,
    pipeline_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, pipeline_json, "pipeline_json", || {
            Ok(Box::new(|t| on!(t, pipeline())))
        })
    }
}

/// One client.
///
/// @param client_json  receives the client; CRM_STATUS_NOT_FOUND when there is none with this id
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_get_client(
    crm: *const crm_t,
    client_id: i64,
    client_json: *mut *mut c_char,
) -> crm_status_t {
    let id = ClientId(client_id);
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, client_json, "client_json", || {
            Ok(Box::new(move |t| on!(t, get_client(id))))
        })
    }
}

/// A page of clients, by id.
///
/// @param query_json    `{"owner_id": 1, "kind": "company", "tag": "vip", "external_ref": "1C-000123",
///                      "page": {"after": 0, "limit": 100}}`, every field optional; NULL means `{}`
///                      (the first 100)
/// @param clients_json  receives a JSON array of clients
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_list_clients(
    crm: *const crm_t,
    query_json: *const c_char,
    clients_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, clients_json, "clients_json", || {
            let query: ClientQuery = optional_json(query_json, "query_json")?;
            Ok(Box::new(move |t| on!(t, list_clients(&query))))
        })
    }
}

/// One contact person.
///
/// @param contact_json  receives the contact; CRM_STATUS_NOT_FOUND when there is none with this id
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_get_contact(
    crm: *const crm_t,
    contact_id: i64,
    contact_json: *mut *mut c_char,
) -> crm_status_t {
    let id = ContactId(contact_id);
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, contact_json, "contact_json", || {
            Ok(Box::new(move |t| on!(t, get_contact(id))))
        })
    }
}

/// A client's contact persons, by id.
///
/// @param contacts_json  receives a JSON array of contacts
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_list_contacts(
    crm: *const crm_t,
    client_id: i64,
    contacts_json: *mut *mut c_char,
) -> crm_status_t {
    let id = ClientId(client_id);
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, contacts_json, "contacts_json", || {
            Ok(Box::new(move |t| on!(t, list_contacts(id))))
        })
    }
}

/// One lead.
///
/// @param lead_json  receives the lead; CRM_STATUS_NOT_FOUND when there is none with this id
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_get_lead(
    crm: *const crm_t,
    lead_id: i64,
    lead_json: *mut *mut c_char,
) -> crm_status_t {
    let id = LeadId(lead_id);
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, lead_json, "lead_json", || {
            Ok(Box::new(move |t| on!(t, get_lead(id))))
        })
    }
}

/// A page of leads, by id.
///
/// @param query_json  `{"status": "new", "owner_id": ..., "source_id": ..., "client_id": ...,
///                    "received_from": "2026-11-01T00:00:00Z", "received_to": ..., "external_ref": ...,
///                    "page": {"after": 0, "limit": 100}}`, every field optional; NULL means `{}`
/// @param leads_json  receives a JSON array of leads
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_list_leads(
    crm: *const crm_t,
    query_json: *const c_char,
    leads_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, leads_json, "leads_json", || {
            let query: LeadQuery = optional_json(query_json, "query_json")?;
            Ok(Box::new(move |t| on!(t, list_leads(&query))))
        })
    }
}

/// A lead's status transitions, oldest first (the capture itself is the first, from null to new).
/// CRM_STATUS_NOT_FOUND when there is no such lead.
///
/// @param transitions_json  receives `[{"lead_id": 1, "from": null, "to": "new", "at": ..., "actor":
///                          ..., "reason": null}, ...]`
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_lead_transitions(
    crm: *const crm_t,
    lead_id: i64,
    transitions_json: *mut *mut c_char,
) -> crm_status_t {
    let id = LeadId(lead_id);
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, transitions_json, "transitions_json", || {
            Ok(Box::new(move |t| on!(t, lead_transitions(id))))
        })
    }
}

/// One activity.
///
/// @param activity_json  receives the activity; CRM_STATUS_NOT_FOUND when there is none with this id
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_get_activity(
    crm: *const crm_t,
    activity_id: i64,
    activity_json: *mut *mut c_char,
) -> crm_status_t {
    let id = ActivityId(activity_id);
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, activity_json, "activity_json", || {
            Ok(Box::new(move |t| on!(t, get_activity(id))))
        })
    }
}

/// A page of activities, by id.
///
/// @param query_json       `{"lead_id": ..., "client_id": ..., "deal_id": ..., "manager_id": ...,
///                         "page": {...}}`, every field optional; NULL means `{}`
/// @param activities_json  receives a JSON array of activities
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_list_activities(
    crm: *const crm_t,
    query_json: *const c_char,
    activities_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, activities_json, "activities_json", || {
            let query: ActivityQuery = optional_json(query_json, "query_json")?;
            Ok(Box::new(move |t| on!(t, list_activities(&query))))
        })
    }
}

/// One deal.
///
/// @param deal_json  receives the deal; CRM_STATUS_NOT_FOUND when there is none with this id
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_get_deal(
    crm: *const crm_t,
    deal_id: i64,
    deal_json: *mut *mut c_char,
) -> crm_status_t {
    let id = DealId(deal_id);
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, deal_json, "deal_json", || {
            Ok(Box::new(move |t| on!(t, get_deal(id))))
        })
    }
}

/// A page of deals, by id.
///
/// @param query_json  `{"status": "open", "stage": ..., "owner_id": ..., "client_id": ..., "page":
///                    {...}}`, every field optional; NULL means `{}`
/// @param deals_json  receives a JSON array of deals
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_list_deals(
    crm: *const crm_t,
    query_json: *const c_char,
    deals_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, deals_json, "deals_json", || {
            let query: DealQuery = optional_json(query_json, "query_json")?;
            Ok(Box::new(move |t| on!(t, list_deals(&query))))
        })
    }
}

/// A deal's stage history, oldest first: the time in a stage is the gap to the next entry.
///
/// @param visits_json  receives `[{"deal_id": 1, "stage": "new", "status": "open", "at": ..., "actor":
///                     ...}, ...]`
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_deal_history(
    crm: *const crm_t,
    deal_id: i64,
    visits_json: *mut *mut c_char,
) -> crm_status_t {
    let id = DealId(deal_id);
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, visits_json, "visits_json", || {
            Ok(Box::new(move |t| on!(t, deal_history(id))))
        })
    }
}

/// One order with its lines.
///
/// @param order_json  receives the order; CRM_STATUS_NOT_FOUND when there is none with this id
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_get_order(
    crm: *const crm_t,
    order_id: i64,
    order_json: *mut *mut c_char,
) -> crm_status_t {
    let id = OrderId(order_id);
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, order_json, "order_json", || {
            Ok(Box::new(move |t| on!(t, get_order(id))))
        })
    }
}

/// A page of orders with their lines, by id.
///
/// @param query_json   `{"client_id": ..., "status": "completed", "from": "2026-01-01T00:00:00Z",
///                     "to": ..., "external_ref": ..., "page": {...}}`, every field optional; NULL
///                     means `{}`
/// @param orders_json  receives a JSON array of orders
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_list_orders(
    crm: *const crm_t,
    query_json: *const c_char,
    orders_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, orders_json, "orders_json", || {
            let query: OrderQuery = optional_json(query_json, "query_json")?;
            Ok(Box::new(move |t| on!(t, list_orders(&query))))
        })
    }
}

/// A client's purchase totals over completed orders (zeros when there are none).
///
/// @param rollup_json  receives `{"client_id": 1, "revenue": "245.90", "orders": 1, "first_order_at":
///                     ..., "last_order_at": ..., "purchase_days": 1}`; `purchase_days` counts the
///                     distinct UTC days with a completed order (several orders a day are one purchase)
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_client_rollup(
    crm: *const crm_t,
    client_id: i64,
    rollup_json: *mut *mut c_char,
) -> crm_status_t {
    let id = ClientId(client_id);
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, rollup_json, "rollup_json", || {
            Ok(Box::new(move |t| on!(t, client_rollup(id))))
        })
    }
}

/// A page of client purchase totals, by client id; clients who never completed an order are not listed.
///
/// @param page_json     `{"after": <last client id seen>, "limit": 100}`, both optional; NULL means `{}`
/// @param rollups_json  receives a JSON array of rollups (see crm_client_rollup())
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_list_rollups(
    crm: *const crm_t,
    page_json: *const c_char,
    rollups_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, rollups_json, "rollups_json", || {
            let page: Page = optional_json(page_json, "page_json")?;
            Ok(Box::new(move |t| on!(t, list_rollups(page))))
        })
    }
}

/// A client's revenue per calendar month (UTC), oldest first; months without orders are not listed.
///
/// @param months_json  receives `[{"client_id": 1, "month": "2026-11", "revenue": "245.90", "orders":
///                     1, "days": 1, "last_order_at": "2026-11-02T09:30:00Z"}, ...]`; `days` counts the
///                     month's distinct UTC days with a completed order, `last_order_at` is when its
///                     last completed order was placed
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_client_monthly_revenue(
    crm: *const crm_t,
    client_id: i64,
    months_json: *mut *mut c_char,
) -> crm_status_t {
    let id = ClientId(client_id);
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, months_json, "months_json", || {
            Ok(Box::new(move |t| on!(t, client_monthly_revenue(id))))
        })
    }
}

/// Every change to one record, oldest first: who, when, what (see the Event record above). An id that
/// never existed has an empty history (`[]`), not CRM_STATUS_NOT_FOUND.
///
/// @param entity       `manager`, `source`, `client`, `contact`, `lead`, `deal`, `activity`, `order`,
///                     `spend`, `segment`, `routing_rule`, `sla_policy`, `task`, `promise`,
///                     `complaint`, `retention_rule`, or a store-wide
///                     record with id 0: `pipeline`, `lost_reason`, `settings`; any other name is
///                     CRM_STATUS_VALIDATION
/// @param events_json  receives `[{"seq": 1, "at": ..., "actor": "system", "entity": "lead",
///                     "entity_id": 1, "kind": "captured", "data": {...}}, ...]`
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_history(
    crm: *const crm_t,
    entity: *const c_char,
    id: i64,
    events_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, events_json, "events_json", || {
            let entity = text(entity, "entity")?.to_string();
            Ok(Box::new(move |t| on!(t, history(&entity, id))))
        })
    }
}

/// The change feed: events after `seq`, oldest first. A host polls it with the last `seq` it has seen
/// (0 at first).
///
/// @param limit        at most this many events; 0 means 1000, more than 10000 is cut to 10000
/// @param events_json  receives a JSON array of events (see crm_history())
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_changes_since(
    crm: *const crm_t,
    seq: i64,
    limit: u32,
    events_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        read(crm, events_json, "events_json", || {
            Ok(Box::new(move |t| on!(t, changes_since(seq, limit))))
        })
    }
}

/// The newest sequence number in the event log (0 when it is empty).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_last_seq(crm: *const crm_t, seq: *mut i64) -> crm_status_t {
    call(|| {
        // SAFETY: pointers as the header's contract says.
        let out = unsafe { out_param(seq, "seq", 0) }?;
        let crm = unsafe { handle(crm) }?;
        *out = crm.run(|t| on!(t, last_seq()))?;
        Ok(())
    })
}
