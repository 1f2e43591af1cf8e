//! The web-shop and ERP ports: an order as a shop sends it, a counterparty and an order as an ERP sends
//! them, and what the upserts did.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{
    ClientId, ClientKind, DealId, LeadId, Money, Order, OrderLine, OrderStatus, SourceId, code_enum,
};

/// An order as a web shop sends it to [`crate::Crm::record_web_order`].
///
/// Amounts are decimal text in the store's one currency (`"1499.00"`). A discount is expressed in the
/// line prices (the price actually charged per unit); shipping, when charged, becomes a line with the
/// SKU `shipping`. `total` must equal the sum of the lines plus shipping.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebOrder {
    /// Which shop, when a store takes orders from several: the stored order's `external_ref` is then
    /// `{shop}:{id}` (else just `id`), and the source of an order without UTM tags is named after it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shop: Option<String>,
    /// The shop's order id; recording the same id (of the same shop) again is a repeat.
    pub id: String,
    /// When the order was placed; the command's `at` when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placed_at: Option<DateTime<Utc>>,
    /// Who ordered.
    pub customer: WebCustomer,
    /// The lines; may be empty when the shop sends only the total.
    #[serde(default)]
    pub lines: Vec<WebOrderLine>,
    /// The total charged: the lines plus shipping.
    pub total: Money,
    /// Shipping charged on top of the lines.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub shipping: Option<Money>,
    /// The currency as the shop names it (three letters, `UAH`). crmkit keeps every amount in the
    /// store's one currency and converts nothing: a shop selling in several currencies converts before
    /// calling. Only checked to be three ASCII letters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// The order's status (`completed`, `cancelled`, `returned`); completed when left out. A shop's
    /// own states (`new`, `paid`, `shipped`) are the host's to map.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<OrderStatus>,
    /// The UTM tags of the visit that ended in the order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub utm: Option<Utm>,
    /// The customer's comment; kept on the lead of a first order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The customer of a web order.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebCustomer {
    /// The customer's name; must not be empty.
    pub name: String,
    /// Phone in any usual format.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    /// E-mail.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The company the customer buys for: a new client is then a company of this name (with the
    /// customer as its contact person), else a person.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub company: Option<String>,
}

/// One line of a web order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebOrderLine {
    /// Article (SKU); must not be empty.
    pub sku: String,
    /// The product's name in the shop (not stored: the SKU is).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Quantity in whole units; greater than zero.
    pub quantity: i64,
    /// Price charged for one unit, after discounts; not negative.
    pub price: Money,
}

/// UTM tags: where the visit came from.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Utm {
    /// `utm_source` (`google`, `newsletter`); the source's name. Must not be empty.
    pub source: String,
    /// `utm_medium` (`cpc`, `email`, `social`); gives a new source its channel.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub medium: Option<String>,
    /// `utm_campaign`; the source's campaign.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub campaign: Option<String>,
}

/// What [`crate::Crm::record_web_order`] did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WebOrderResult {
    /// The stored order.
    pub order: Order,
    /// The client it belongs to.
    pub client_id: ClientId,
    /// Whether the client was created by this call.
    pub client_created: bool,
    /// The lead recorded for a new client's first order (converted, its deal won); on a repeat, the
    /// lead of the first recording.
    pub lead_id: Option<LeadId>,
    /// The won deal of that lead.
    pub deal_id: Option<DealId>,
    /// The marketing source the order is attributed to.
    pub source_id: Option<SourceId>,
    /// Whether the order was recorded before (a repeat): nothing new was written, except a changed
    /// status.
    pub duplicate: bool,
}

/// A counterparty as an ERP sends it to [`crate::Crm::upsert_counterparty`], keyed by its reference.
///
/// A field left out stays as it is; a field given as JSON `null` is cleared (in Rust: `Some(None)`);
/// a value sets it. For a new counterparty `name` is required.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Counterparty {
    /// The ERP's reference (`1C-000123`); required. Stored as the client's `external_ref`.
    pub external_ref: String,
    /// Company or person.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub kind: Option<ClientKind>,
    /// Name (cannot be cleared).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Tax id, or clear it.
    #[serde(
        deserialize_with = "super::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub tax_id: Option<Option<String>>,
    /// Main phone, or clear it.
    #[serde(
        deserialize_with = "super::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub phone: Option<Option<String>>,
    /// Main e-mail, or clear it.
    #[serde(
        deserialize_with = "super::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub email: Option<Option<String>>,
    /// Web site, or clear it.
    #[serde(
        deserialize_with = "super::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub website: Option<Option<String>>,
    /// Industry, or clear it.
    #[serde(
        deserialize_with = "super::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub industry: Option<Option<String>>,
    /// Region, or clear it.
    #[serde(
        deserialize_with = "super::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub region: Option<Option<String>>,
    /// Postal address, or clear it.
    #[serde(
        deserialize_with = "super::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub address: Option<Option<String>>,
    /// Birth date, or clear it.
    #[serde(
        deserialize_with = "super::nullable",
        skip_serializing_if = "Option::is_none"
    )]
    pub birth_date: Option<Option<NaiveDate>>,
    /// Tags (replace the old ones).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tags: Option<Vec<String>>,
    /// Free attributes (replace the old ones; `null` clears them).
    #[serde(deserialize_with = "present", skip_serializing_if = "Option::is_none")]
    pub attributes: Option<serde_json::Value>,
}

/// A field that is present, `null` included: `null` is a value here (no attributes), not "left out".
fn present<'de, D>(deserializer: D) -> Result<Option<serde_json::Value>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    <serde_json::Value as Deserialize>::deserialize(deserializer).map(Some)
}

/// An order as an ERP sends it to [`crate::Crm::upsert_order`], keyed by its reference.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ErpOrder {
    /// The ERP's reference of the order; required. Stored as the order's `external_ref`.
    pub external_ref: String,
    /// The buyer: the `external_ref` of a client the store has (see
    /// [`crate::Crm::upsert_counterparty`]).
    pub counterparty_ref: String,
    /// When the order was placed: the command's `at` for a new order, unchanged for a known one when
    /// left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub placed_at: Option<DateTime<Utc>>,
    /// The total; not negative, and equal to the sum of the lines when there are lines.
    pub total: Money,
    /// The lines; may be empty when only the total is known.
    #[serde(default)]
    pub lines: Vec<OrderLine>,
    /// The status: completed for a new order, unchanged for a known one when left out.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<OrderStatus>,
}

code_enum!(
    /// What an upsert did.
    UpsertAction, "action" {
        /// A new record was added.
        Created = "created",
        /// An existing record was changed.
        Updated = "updated",
        /// The record was as sent already: nothing was written.
        Unchanged = "unchanged",
    }
);

/// The record an upsert left, and what it did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Upserted<T> {
    /// The record as stored now.
    pub record: T,
    /// What the upsert did.
    pub action: UpsertAction,
}
