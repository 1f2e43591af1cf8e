//! The web-shop and ERP ports through the C ABI: an order as a shop sends it, counterparties and orders
//! as an ERP sends them. The way back to the ERP is the change feed, crm_changes_since(), whose JSON is
//! described in `docs/change-feed.md`. Commands like those of [`crate::commands`].

use std::ffi::c_char;

use crm_core::{Counterparty, ErpOrder, WebOrder};

use crate::boundary::json;
use crate::commands::command;
use crate::handle::{crm_t, on};
use crate::status::crm_status_t;

/// Records an order as a web shop sends it, in one transaction: finds or creates the client, maps the
/// UTM tags to a marketing source, and for a new client's first order records a lead (channel `shop`)
/// converted into a deal the order closes (won when the order is completed), so the funnel and the
/// source report see it. Idempotent by the shop's order id: the same order again returns the stored one
/// with `"duplicate": true` and writes nothing but a changed `status`; other lines or another total
/// under the same id are CRM_STATUS_CONFLICT.
///
/// The client is the one the customer's phone and e-mail both point at, else the one client either
/// points at (phones compared in their normal form: `067-123-45-67` is `+380671234567`), else the one
/// client crm_find_duplicates() scores at least the `auto_link` setting, else a new one (a person, or
/// with `customer.company` a company with the customer as its contact person). The source is the one
/// named `utm.source` with the campaign `utm.campaign` (created when missing, its channel read from
/// `utm.medium`: `cpc`/`ppc`/`paid` → ads, `email` → email, `organic` → web, `referral` → referral,
/// else other), or without UTM tags the one named after `shop` (or `web shop`), channel `shop`.
///
/// @param order_json   `{"shop": "tea-shop", "id": "1001", "placed_at": "2026-11-02T10:00:00Z",
///                     "customer": {"name": "Olena Kovalenko", "phone": "+380671234567", "email":
///                     "olena@example.com", "company": null}, "lines": [{"sku": "TEA-1", "name": "Green
///                     tea", "quantity": 2, "price": "150.00"}], "shipping": "50.00", "total": "350.00",
///                     "currency": "UAH", "status": "completed", "utm": {"source": "google", "medium":
///                     "cpc", "campaign": "winter"}, "note": "call before delivery"}`; `id`,
///                     `customer.name` and `total` are required. The stored order's `external_ref` is
///                     `{shop}:{id}` (or `id`). Prices are after discounts; shipping is stored as a line
///                     with the SKU `shipping`; `total` must equal the lines plus shipping, else
///                     CRM_STATUS_VALIDATION with field `total` (the message names the difference).
///                     `currency` is only checked to be three letters: amounts are in the store's one
///                     currency. Unknown fields are CRM_STATUS_VALIDATION
/// @param at           RFC 3339 time of the call; the order's time when `placed_at` is left out
/// @param result_json  receives `{"order": {...Order}, "client_id": 1, "client_created": true,
///                     "lead_id": 1, "deal_id": 1, "source_id": 1, "duplicate": false}` (`lead_id` and
///                     `deal_id` null for a known client's order)
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_record_web_order(
    crm: *mut crm_t,
    order_json: *const c_char,
    at: *const c_char,
    result_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            result_json,
            "result_json",
            at,
            || json::<WebOrder>(order_json, "order_json"),
            |t, order, at| on!(t, record_web_order(order, at)),
        )
    }
}

/// Adds or updates a client from an ERP counterparty, keyed by its `external_ref`. A known reference:
/// the fields given change (left out: kept; `null`: cleared), `"action": "updated"`, or `"unchanged"`
/// when nothing differs (nothing is written). An unknown reference whose tax id is that of exactly one
/// client without a reference (the first sync of a base kept by hand): that client gets the reference
/// and the fields (`updated`); several such clients are CRM_STATUS_CONFLICT. Otherwise a new client
/// (`created`; `name` required, else CRM_STATUS_VALIDATION with field `name`). Logs the client's
/// `created` or `updated` event.
///
/// @param counterparty_json  `{"external_ref": "1C-000123", "kind": "company", "name": "Romashka LLC",
///                           "tax_id": "12345678", "phone": ..., "email": ..., "website": ...,
///                           "industry": ..., "region": null, "address": ..., "birth_date":
///                           "1990-05-17", "tags": [...], "attributes": {...}}`; only `external_ref`
///                           is required
/// @param at                 RFC 3339 time of the change
/// @param upserted_json      receives `{"record": {...Client}, "action": "created" | "updated" |
///                           "unchanged"}`
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_upsert_counterparty(
    crm: *mut crm_t,
    counterparty_json: *const c_char,
    at: *const c_char,
    upserted_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            upserted_json,
            "upserted_json",
            at,
            || json::<Counterparty>(counterparty_json, "counterparty_json"),
            |t, counterparty, at| on!(t, upsert_counterparty(counterparty, at)),
        )
    }
}

/// Adds or corrects an order from an ERP, keyed by its `external_ref`; the buyer is the client whose
/// `external_ref` is `counterparty_ref` (CRM_STATUS_NOT_FOUND otherwise). A new reference is recorded
/// like crm_record_order() (`created`); one stored as sent is `unchanged` (nothing written); one whose
/// status alone differs gets an order `status_changed` event (`updated`); one whose client, time, total
/// or lines differ is corrected in place: the purchase totals of its old and new client are rebuilt and
/// an order `updated` event carries the changed fields' new values (`updated`).
///
/// @param order_json     `{"external_ref": "SO-1", "counterparty_ref": "1C-000123", "placed_at":
///                       "2026-11-02T10:00:00Z", "total": "300.00", "lines": [{"sku": "TEA-1",
///                       "quantity": 2, "unit_price": "150.00"}], "status": "completed"}`;
///                       `placed_at` defaults to `at` for a new order and stays for a known one, as
///                       does `status` (completed for a new one). Lines must add up to `total`, else
///                       CRM_STATUS_VALIDATION with field `total`
/// @param at             RFC 3339 time of the change
/// @param upserted_json  receives `{"record": {...Order}, "action": "created" | "updated" |
///                       "unchanged"}`
#[unsafe(no_mangle)]
pub unsafe extern "C" fn crm_upsert_order(
    crm: *mut crm_t,
    order_json: *const c_char,
    at: *const c_char,
    upserted_json: *mut *mut c_char,
) -> crm_status_t {
    // SAFETY: pointers as the header's contract says.
    unsafe {
        command(
            crm,
            upserted_json,
            "upserted_json",
            at,
            || json::<ErpOrder>(order_json, "order_json"),
            |t, order, at| on!(t, upsert_order(order, at)),
        )
    }
}
