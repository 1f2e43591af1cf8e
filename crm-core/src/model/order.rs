use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ClientId, DealId, Money, OrderId, Page, code_enum};

code_enum!(
    /// What became of an order. Only completed orders count as revenue.
    OrderStatus, "status" {
        /// Paid and delivered (or simply booked as a sale).
        Completed = "completed",
        /// Cancelled before completion.
        Cancelled = "cancelled",
        /// Returned after completion.
        Returned = "returned",
    }
);

/// One line of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrderLine {
    /// Article (SKU); must not be empty.
    pub sku: String,
    /// Quantity in whole units; greater than zero.
    pub quantity: i64,
    /// Price of one unit; not negative.
    pub unit_price: Money,
}

impl OrderLine {
    /// A line.
    pub fn new(sku: impl Into<String>, quantity: i64, unit_price: Money) -> Self {
        OrderLine {
            sku: sku.into(),
            quantity,
            unit_price,
        }
    }
}

/// An order to record.
///
/// Idempotent by `external_ref`: recording the same web-shop or ERP order again returns the stored one;
/// the same reference with other content is a conflict.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewOrder {
    /// The client who bought.
    pub client_id: ClientId,
    /// The total; not negative, and equal to the sum of the lines when there are lines.
    pub total: Money,
    /// Lines; may be empty when only the total is known.
    #[serde(default)]
    pub lines: Vec<OrderLine>,
    /// Completed unless said otherwise.
    #[serde(default)]
    pub status: Option<OrderStatus>,
    /// The deal the order closes.
    #[serde(default)]
    pub deal_id: Option<DealId>,
    /// The order's id in the shop or ERP; unique when present.
    #[serde(default)]
    pub external_ref: Option<String>,
}

/// A stored order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    /// Id.
    pub id: OrderId,
    /// The client.
    pub client_id: ClientId,
    /// When the order was placed.
    pub ordered_at: DateTime<Utc>,
    /// Status.
    pub status: OrderStatus,
    /// Total.
    pub total: Money,
    /// Lines, in the order given.
    pub lines: Vec<OrderLine>,
    /// The deal.
    pub deal_id: Option<DealId>,
    /// Shop or ERP reference.
    pub external_ref: Option<String>,
}

/// Which orders to list. Every filter that is set must hold.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OrderQuery {
    /// Only this client's orders.
    pub client_id: Option<ClientId>,
    /// Only orders in this status.
    pub status: Option<OrderStatus>,
    /// Only orders placed at or after this time.
    pub from: Option<DateTime<Utc>>,
    /// Only orders placed before this time.
    pub to: Option<DateTime<Utc>>,
    /// Only the order with this shop or ERP reference.
    pub external_ref: Option<String>,
    /// Which page.
    pub page: Page,
}

/// A client's purchase totals over completed orders, kept up to date with every order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientRollup {
    /// The client.
    pub client_id: ClientId,
    /// Revenue of completed orders.
    pub revenue: Money,
    /// Number of completed orders.
    pub orders: i64,
    /// When the first completed order was placed.
    pub first_order_at: Option<DateTime<Utc>>,
    /// When the last completed order was placed.
    pub last_order_at: Option<DateTime<Utc>>,
    /// Distinct UTC days with a completed order (what purchase-rhythm models count: several orders on
    /// one day are one purchase occasion).
    #[serde(default)]
    pub purchase_days: i64,
}

/// A client's revenue in one calendar month (UTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MonthRevenue {
    /// The client.
    pub client_id: ClientId,
    /// The month as `YYYY-MM`.
    pub month: String,
    /// Revenue of completed orders placed in the month.
    pub revenue: Money,
    /// Number of completed orders placed in the month.
    pub orders: i64,
    /// Distinct UTC days of the month with a completed order.
    #[serde(default)]
    pub days: i64,
    /// When the month's last completed order was placed.
    #[serde(default)]
    pub last_order_at: Option<DateTime<Utc>>,
}
