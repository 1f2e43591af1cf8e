//! Sales plans and the manager report.
//!
//! A plan is what a manager is expected to sell in one calendar month: revenue and a number of won
//! deals. The manager report puts each manager's work in a period beside it: how fast requests were
//! answered, how many became clients, what was won and sold. The conventions of every figure are in
//! [`crate::analytics::managers`].

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use super::{ManagerId, Money};

/// A monthly sales plan to set for a manager (replacing the month's plan if there is one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPlan {
    /// The manager the plan is for.
    pub manager_id: ManagerId,
    /// The calendar month, `YYYY-MM` (`"2026-11"`).
    pub month: String,
    /// Revenue to reach: completed orders of the manager's clients in the month; not negative.
    #[serde(default)]
    pub revenue: Money,
    /// Deals to win in the month.
    #[serde(default)]
    pub deals: u32,
}

/// A stored monthly sales plan of one manager.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Plan {
    /// The manager.
    pub manager_id: ManagerId,
    /// The calendar month, `YYYY-MM`.
    pub month: String,
    /// Revenue to reach.
    pub revenue: Money,
    /// Deals to win.
    pub deals: u32,
}

/// The period of a manager report: whole UTC days from `start` to `end`, both included.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManagerReportQuery {
    /// The first day (UTC).
    pub start: NaiveDate,
    /// The last day (UTC), included; not before `start`.
    pub end: NaiveDate,
}

/// One manager's plan against what was achieved in one calendar month.
///
/// The actual figures count from the first day of the month to its last day or to the end of the
/// report's period, whichever comes first (`to`): a report that ends mid-month shows the month so far.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PlanMonth {
    /// The calendar month, `YYYY-MM`.
    pub month: String,
    /// The first day counted: the first day of the month.
    pub from: NaiveDate,
    /// The last day counted: the month's last day, or the period's end when that is earlier.
    pub to: NaiveDate,
    /// The planned revenue; `None` when no plan is set for the month.
    pub plan_revenue: Option<Money>,
    /// The planned number of won deals; `None` when no plan is set for the month.
    pub plan_deals: Option<u32>,
    /// Revenue: completed orders of the manager's clients, ordered from `from` to `to`.
    pub revenue: Money,
    /// Deals the manager won (closed as won) from `from` to `to`.
    pub deals: u32,
    /// `revenue / plan_revenue` (1.0 is the plan met); `None` when there is no plan or it is zero.
    pub revenue_achieved: Option<f64>,
    /// `deals / plan_deals`; `None` when there is no plan or it is zero.
    pub deals_achieved: Option<f64>,
}

/// One manager's line of the manager report.
///
/// Request figures are about the leads *received* in the period and owned by the manager now, as they
/// stand in the store (an answer, a conversion or a loss after the period's end still counts for a
/// lead received in it). Sales figures are about deals *won* and orders *completed* in the period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManagerRow {
    /// The manager.
    pub manager_id: ManagerId,
    /// The manager's name.
    pub name: String,
    /// Whether the manager takes new work.
    pub active: bool,
    /// Requests (leads) received in the period that the manager owns.
    pub received: u32,
    /// Of those, the ones with a first response.
    pub answered: u32,
    /// Of those, the ones still without a first response.
    pub unanswered: u32,
    /// Whether response times are working seconds of a calendar (the manager's, else the store's);
    /// `false`: no calendar is set, and they are plain elapsed seconds.
    pub working_time: bool,
    /// The median first-response time in seconds (nearest rank: the lower middle of an even count);
    /// `None` when nothing was answered.
    pub response_median_secs: Option<i64>,
    /// The 90th percentile of the first-response time in seconds (nearest rank); `None` when nothing
    /// was answered.
    pub response_p90_secs: Option<i64>,
    /// Leads whose response deadline is decided: with a deadline, and answered or with the deadline
    /// passed by the end of the period.
    pub sla_counted: u32,
    /// Of those, the ones answered by their deadline.
    pub sla_met: u32,
    /// `sla_met / sla_counted`; `None` when nothing is counted.
    pub sla_met_share: Option<f64>,
    /// Received leads converted (to a client and a deal).
    pub converted: u32,
    /// Received leads lost.
    pub lost: u32,
    /// Received leads closed as junk (spam, duplicates, wrong numbers).
    pub junk: u32,
    /// `converted / (received - junk)`; `None` when every lead was junk or none came.
    pub conversion_rate: Option<f64>,
    /// Deals the manager won in the period (closed as won on a day of the period).
    pub deals_won: u32,
    /// The sum of their amounts.
    pub won_amount: Money,
    /// Completed orders in the period of the clients the manager owns.
    pub orders: u32,
    /// Their total.
    pub revenue: Money,
    /// `revenue / orders`, rounded half away from zero to a minor unit; `None` without orders.
    pub average_order: Option<Money>,
    /// Share of the manager's promises due in the period that were kept: kept / (kept + broken);
    /// `None` when none is decided (see [`crate::analytics::managers`]).
    pub promises_kept: Option<f64>,
    /// The plan against the actual figures, one entry for each calendar month touching the period, in
    /// order.
    pub months: Vec<PlanMonth>,
}
