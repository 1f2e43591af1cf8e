//! Dormancy: where a client stands against its own buying rhythm.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{ClientId, code_enum};

code_enum!(
    /// The dormancy ladder: a client moves down it as time passes without a purchase and back to the
    /// top with a purchase.
    DormancyState, "dormancy" {
        /// Buying in its usual rhythm.
        Active = "active",
        /// Later than usual.
        Cooling = "cooling",
        /// Well past its usual rhythm.
        Dormant = "dormant",
        /// Gone, as far as the rhythm tells.
        Lost = "lost",
    }
);

/// A client's move on the dormancy ladder, found by `run_due`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DormancyChange {
    /// The client.
    pub client_id: ClientId,
    /// Where it was (none: not placed on the ladder before).
    pub from: Option<DormancyState>,
    /// Where it is now.
    pub to: DormancyState,
}

/// How the dormancy ladder reads a client's rhythm (see [`crate::retention::dormancy`] for the rule).
///
/// The multipliers scale the client's expected gap between purchase days: cooling after 1.5 × (a
/// purchase half a cycle late is within normal noise for most buyers, later is worth a look), dormant
/// after 3 × (two whole cycles skipped: the habit is broken), lost after 6 × (five cycles skipped: a
/// reactivation offer, not a reminder). A client with one purchase day has no rhythm yet and follows the
/// flat rule in days after that day (60 / 120 / 365: a typical repeat-purchase window, twice it, a year).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DormancySettings {
    /// The expected gap is never taken as shorter than this many days (default 7), so that a client
    /// who bought on two consecutive days is not cooling the day after.
    pub min_gap_days: u32,
    /// Cooling after this many expected gaps since the last purchase day (default 1.5).
    pub cooling_after: f64,
    /// Dormant after this many expected gaps (default 3).
    pub dormant_after: f64,
    /// Lost after this many expected gaps (default 6).
    pub lost_after: f64,
    /// One purchase day: cooling this many days after it (default 60).
    pub single_cooling_days: u32,
    /// One purchase day: dormant this many days after it (default 120).
    pub single_dormant_days: u32,
    /// One purchase day: lost this many days after it (default 365).
    pub single_lost_days: u32,
}

impl Default for DormancySettings {
    fn default() -> Self {
        DormancySettings {
            min_gap_days: 7,
            cooling_after: 1.5,
            dormant_after: 3.0,
            lost_after: 6.0,
            single_cooling_days: 60,
            single_dormant_days: 120,
            single_lost_days: 365,
        }
    }
}

/// A client's buying rhythm and place on the ladder, as [`crate::Crm::client_rhythm`] reports it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rhythm {
    /// The client.
    pub client_id: ClientId,
    /// The time it was read for.
    pub as_of: DateTime<Utc>,
    /// The distinct UTC days of its completed orders placed by `as_of`, ascending.
    pub purchase_days: Vec<NaiveDate>,
    /// The latest of them.
    pub last_purchase: Option<NaiveDate>,
    /// The expected gap between purchase days, in days (none: fewer than two purchase days).
    pub expected_gap_days: Option<f64>,
    /// Days from the last purchase day to `as_of`'s date.
    pub days_since_last: Option<i64>,
    /// The state at `as_of` by the rule, from these purchase days alone (none: no purchase).
    pub state: Option<DormancyState>,
    /// The state as the last `run_due` left it (none: never placed).
    pub stored_state: Option<DormancyState>,
    /// Since when the stored state holds (the instant its rung was reached).
    pub stored_since: Option<DateTime<Utc>>,
    /// The next rung down from `state`, and the instant it is reached without a purchase.
    pub next_state: Option<DormancyState>,
    /// When `next_state` is reached.
    pub next_at: Option<DateTime<Utc>>,
}

/// What [`crate::Crm::dormancy_report`] reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DormancyQuery {
    /// The time the states are taken at.
    pub as_of: DateTime<Utc>,
    /// Whether to add each client's P(alive) (a BG/NBD fit over every client: costly on a big store).
    #[serde(default)]
    pub with_p_alive: bool,
}

/// How many clients stand on each rung.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct DormancyCounts {
    /// Active.
    pub active: u64,
    /// Cooling.
    pub cooling: u64,
    /// Dormant.
    pub dormant: u64,
    /// Lost.
    pub lost: u64,
}

impl DormancyCounts {
    /// Adds one client on `state`.
    pub fn add(&mut self, state: DormancyState) {
        let n = match state {
            DormancyState::Active => &mut self.active,
            DormancyState::Cooling => &mut self.cooling,
            DormancyState::Dormant => &mut self.dormant,
            DormancyState::Lost => &mut self.lost,
        };
        *n += 1;
    }
}

/// One client of the dormancy report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DormancyRow {
    /// The client.
    pub client_id: ClientId,
    /// Its state at the report's time.
    pub state: DormancyState,
    /// The expected gap between purchase days (none: one purchase day, the flat rule).
    pub expected_gap_days: Option<f64>,
    /// The last purchase day.
    pub last_purchase: NaiveDate,
    /// Days from the last purchase day to the report's date.
    pub days_since_last: i64,
    /// P(alive) as of the report's date, when asked for and a model could be fitted.
    pub p_alive: Option<f64>,
}

/// The dormancy report: clients per state and one row per client with a completed order by its time,
/// by client id.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DormancyReport {
    /// The time it was taken at.
    pub as_of: DateTime<Utc>,
    /// Clients per state.
    pub counts: DormancyCounts,
    /// One row per client with a completed order, by client id.
    pub rows: Vec<DormancyRow>,
}
