//! Queries and results of the client analytics: ABC, XYZ, RFM, P(alive), repeat sales and product
//! pairs. The figures are decided by [`crate::analytics`]; these types carry the question and the answer
//! (as JSON too, across the C boundary).

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::analytics::abc::{AbcClass, AbcRow, AbcRule, AbcSummary};
use crate::analytics::baskets::PairRule;
use crate::analytics::bgnbd::Params;
use crate::analytics::rfm::{RfmRow, RfmSegment, RfmThresholds, RfmTieRule};
use crate::analytics::xyz::{XyzClass, XyzRow};
use crate::model::{ClientId, Money};

/// What ABC ranks clients by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AbcMeasure {
    /// Revenue of completed orders, in minor units.
    #[default]
    Revenue,
    /// The number of completed orders.
    Orders,
}

/// An ABC question: which period, by what, where the classes end, and how the boundary row and ties
/// are decided (see [`crate::analytics::abc`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct AbcQuery {
    /// The first day of the period (UTC, inclusive); `None`: from the first order.
    pub start: Option<NaiveDate>,
    /// The last day of the period (UTC, inclusive); `None`: to the last order.
    pub end: Option<NaiveDate>,
    /// What clients are ranked by.
    pub measure: AbcMeasure,
    /// The end of class A as a share of the total (default 0.80).
    pub a: f64,
    /// The end of class B (default 0.95).
    pub b: f64,
    /// The boundary and tie rule.
    pub rule: AbcRule,
}

impl Default for AbcQuery {
    fn default() -> Self {
        AbcQuery {
            start: None,
            end: None,
            measure: AbcMeasure::Revenue,
            a: 0.80,
            b: 0.95,
            rule: AbcRule::Inclusive,
        }
    }
}

/// ABC's answer: every client with a value in the period, in rank order (largest first, ties by id),
/// and the totals per class.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AbcReport {
    /// One row per client that bought in the period.
    pub rows: Vec<AbcRow>,
    /// Count, value and share per class.
    pub summary: AbcSummary,
}

/// An XYZ question: the window (the calendar months from `start`'s to `end`'s, each counted whole) and
/// the coefficient-of-variation thresholds (see [`crate::analytics::xyz`]).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct XyzQuery {
    /// A day of the window's first month.
    pub start: Option<NaiveDate>,
    /// A day of the window's last month.
    pub end: Option<NaiveDate>,
    /// Up to this CV a client is X (default 0.10).
    pub x: f64,
    /// Up to this CV a client is Y (default 0.25); above, Z.
    pub y: f64,
}

impl Default for XyzQuery {
    fn default() -> Self {
        XyzQuery {
            start: None,
            end: None,
            x: 0.10,
            y: 0.25,
        }
    }
}

/// XYZ's answer: every client with revenue in the window, by id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct XyzReport {
    /// The window's months, `YYYY-MM`, oldest first.
    pub months: Vec<String>,
    /// One row per client, by id.
    pub rows: Vec<XyzRow>,
}

/// The ABC×XYZ matrix over one period: ABC by revenue in the period, XYZ over its months.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct AbcXyzQuery {
    /// The ABC part (its `start` and `end` are the period; `measure` is revenue).
    pub abc: AbcQuery,
    /// The XYZ thresholds (its `start` and `end` are ignored: the period's months are the window).
    pub xyz: XyzQuery,
}

/// One cell of the ABC×XYZ matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct AbcXyzCell {
    /// The ABC class.
    pub abc: AbcClass,
    /// The XYZ class; `None` for clients XYZ cannot class (too few months).
    pub xyz: Option<XyzClass>,
    /// Clients in the cell.
    pub clients: u64,
    /// Their revenue in the period.
    pub revenue: Money,
}

/// The ABC×XYZ matrix: twelve cells, A-X, A-Y, A-Z, A-none, B-X … C-none, each present even when empty.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AbcXyzMatrix {
    /// The window's months, `YYYY-MM`, oldest first.
    pub months: Vec<String>,
    /// The cells, in the order above.
    pub cells: Vec<AbcXyzCell>,
}

impl AbcXyzMatrix {
    /// One cell.
    pub fn cell(&self, abc: AbcClass, xyz: Option<XyzClass>) -> Option<&AbcXyzCell> {
        self.cells.iter().find(|c| c.abc == abc && c.xyz == xyz)
    }
}

/// An RFM question: as of which day, and how scores are made (quintiles with a tie rule, or fixed
/// thresholds when given). See [`crate::analytics::rfm`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RfmQuery {
    /// The day recency is counted to; orders after it are not seen.
    pub as_of: NaiveDate,
    /// The tie rule of quintile scores.
    #[serde(default)]
    pub tie_rule: RfmTieRule,
    /// Fixed score bounds instead of quintiles.
    #[serde(default)]
    pub thresholds: Option<RfmThresholds>,
}

impl RfmQuery {
    /// Quintile scores (NTILE, ties by client id) as of `as_of`.
    pub fn as_of(as_of: NaiveDate) -> Self {
        RfmQuery {
            as_of,
            tie_rule: RfmTieRule::Ntile,
            thresholds: None,
        }
    }
}

/// One segment's size in an RFM report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RfmSegmentSize {
    /// The segment.
    pub segment: RfmSegment,
    /// Clients in it.
    pub clients: u64,
    /// Their revenue up to `as_of`.
    pub monetary: Money,
}

/// RFM's answer: every client with a completed order by `as_of`, by id, and the size of each segment
/// (all eight, best first, even when empty).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RfmReport {
    /// The day asked for.
    pub as_of: NaiveDate,
    /// One row per client, by id: frequency is the number of completed orders, monetary their revenue
    /// in minor units, recency the days from the last one's UTC date to `as_of`.
    pub rows: Vec<RfmRow>,
    /// Segment sizes.
    pub segments: Vec<RfmSegmentSize>,
}

/// A P(alive) question: the day of the observation end and the horizon of expected purchases.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct PAliveQuery {
    /// The observation end (inclusive): what happened after it is not seen.
    pub as_of: NaiveDate,
    /// Expected purchases are for this many days after `as_of` (default 90).
    #[serde(default = "default_horizon")]
    pub horizon_days: u32,
}

fn default_horizon() -> u32 {
    90
}

impl PAliveQuery {
    /// As of `as_of`, with the default 90-day horizon.
    pub fn as_of(as_of: NaiveDate) -> Self {
        PAliveQuery {
            as_of,
            horizon_days: default_horizon(),
        }
    }
}

/// One client under the fitted BG/NBD model.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct PAliveRow {
    /// The client.
    pub client_id: ClientId,
    /// Repeat purchases: distinct purchase days − 1.
    pub x: u32,
    /// Days from the first purchase day to the last.
    pub t_x: f64,
    /// Days from the first purchase day to `as_of` (`T` in the literature).
    pub age: f64,
    /// The probability that the client is still active.
    pub p_alive: f64,
    /// Expected purchase days in the horizon.
    pub expected: f64,
}

/// P(alive)'s answer: the fitted parameters (time in days) and every client with a purchase by `as_of`,
/// by id. Without enough history to fit (no client, or the fit does not converge) it is an error.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PAliveReport {
    /// The day asked for.
    pub as_of: NaiveDate,
    /// The horizon of `expected`, days.
    pub horizon_days: u32,
    /// r, α (in days), a, b.
    pub params: Params,
    /// The log-likelihood at the fit.
    pub log_likelihood: f64,
    /// One row per client.
    pub rows: Vec<PAliveRow>,
}

/// A period for the sales reports: the first and last UTC days, inclusive; `None` is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Period {
    /// The first day.
    pub start: Option<NaiveDate>,
    /// The last day.
    pub end: Option<NaiveDate>,
}

/// Repeat purchases over a period.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct RepeatReport {
    /// Clients with a completed order in the period.
    pub clients: u64,
    /// Of those, clients with two or more.
    pub repeat_clients: u64,
    /// `repeat_clients / clients`; `None` without clients.
    pub repeat_rate: Option<f64>,
    /// Completed orders in the period.
    pub orders: u64,
    /// Their revenue.
    pub revenue: Money,
    /// `revenue / orders` rounded half away from zero; `None` without orders.
    pub average_order: Option<Money>,
}

/// Which purchases product pairs are learned from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct PairQuery {
    /// The period of the orders.
    pub period: Period,
    /// The fewest clients who must have bought both for a pair to count (default 2).
    pub min_count: u64,
}

impl Default for PairQuery {
    fn default() -> Self {
        PairQuery {
            period: Period::default(),
            min_count: 2,
        }
    }
}

/// The product pairs bought by the same clients (see [`crate::analytics::baskets`]).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PairReport {
    /// Clients with a completed order with lines in the period.
    pub clients: u64,
    /// The directional rules, best first.
    pub rules: Vec<PairRule>,
}
