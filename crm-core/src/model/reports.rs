//! Queries and results of the pipeline reports: funnel, sources, forecast, offers and objections.
//!
//! The conventions (who is counted where, rounding, order) are documented with the functions that
//! decide them: [`crate::analytics::funnel`], [`crate::analytics::sources`],
//! [`crate::analytics::forecast`] and [`crate::analytics::offers`].

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{Channel, ManagerId, Money, SourceId};

// --- funnel ------------------------------------------------------------------------------------------------

/// How the funnel reads its leads: see [`crate::analytics::funnel`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FunnelMode {
    /// The leads received in the period, each at the furthest step it ever reached (up to `as_of` when
    /// given, else everything recorded so far).
    #[default]
    Cohort,
    /// The same leads as they stood at `as_of` (default: the end of the period's last day).
    Snapshot,
}

/// What a funnel is split by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FunnelBy {
    /// The lead's owner (the manager it belongs to now).
    Manager,
    /// The lead's marketing source.
    Source,
    /// The channel the request came in by.
    Channel,
}

/// Which funnel to build.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunnelQuery {
    /// First day of the period (UTC) in which the leads were received.
    pub start: NaiveDate,
    /// Last day of the period (UTC), inclusive.
    pub end: NaiveDate,
    /// Cohort (default) or snapshot.
    #[serde(default)]
    pub mode: FunnelMode,
    /// One funnel per manager, source or channel as well as the total.
    #[serde(default)]
    pub by: Option<FunnelBy>,
    /// The moment the funnel is read at: only what happened before it counts (leads received at or
    /// after it are left out too). Default: none for a cohort (everything recorded so far); for a
    /// snapshot, the end of `end` (midnight UTC starting the next day).
    #[serde(default)]
    pub as_of: Option<DateTime<Utc>>,
}

impl FunnelQuery {
    /// A cohort funnel of the leads received from `start` to `end` inclusive.
    pub fn new(start: NaiveDate, end: NaiveDate) -> Self {
        FunnelQuery {
            start,
            end,
            mode: FunnelMode::Cohort,
            by: None,
            as_of: None,
        }
    }
}

/// What a funnel step stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FunnelStepKind {
    /// A lead status: received, in progress, qualified, converted.
    Lead,
    /// A stage of the deal pipeline.
    Stage,
    /// The deal won: the end of the funnel.
    Won,
}

/// How many of those who stopped at a step stopped for one reason.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReasonCount {
    /// The lost-reason code.
    pub reason: String,
    /// How many.
    pub count: u64,
}

/// One step of a funnel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunnelStep {
    /// `received`, `in_progress`, `qualified`, `converted`, a stage code, or `won`.
    pub code: String,
    /// A label for people (the stage's label for a stage).
    pub label: String,
    /// Lead status, deal stage, or won.
    pub kind: FunnelStepKind,
    /// Leads that reached this step or a later one (a step skipped on the way counts as passed).
    pub entered: u64,
    /// `entered` over the previous step's `entered`; `None` for the first step or when that is 0.
    pub conversion_from_previous: Option<f64>,
    /// `entered` over the first step's `entered`; `None` when that is 0.
    pub conversion_from_first: Option<f64>,
    /// Leads whose furthest step is this one: `entered` of this step minus `entered` of the next
    /// (0 for `won`). Always `lost + junk + open`.
    pub dropped: u64,
    /// Of `dropped`: lost, by lost reason (the lead's reason, or the deal's from a deal stage); most
    /// frequent first, then by code.
    pub lost_reasons: Vec<ReasonCount>,
    /// Of `dropped`: the sum of `lost_reasons`.
    pub lost: u64,
    /// Of `dropped`: marked junk (spam, test, duplicate).
    pub junk: u64,
    /// Of `dropped`: still open here (neither lost nor junk).
    pub open: u64,
    /// Leads that are in this step at the moment the funnel is read (open leads in their status, open
    /// deals in their stage; for `won`, the won ones). This is the snapshot view.
    pub current: u64,
    /// How many left the step (to a later step, or lost or junk from it): the sample of the times below.
    pub timed: u64,
    /// Median time in the step, in seconds (nearest rank); `None` when nobody left it.
    pub median_seconds: Option<i64>,
    /// 90th percentile of the time in the step, in seconds (nearest rank); `None` when nobody left it.
    pub p90_seconds: Option<i64>,
}

/// The funnel of one group of leads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunnelGroup {
    /// The group: a manager or source id as text, a channel code, or `none` (no owner, no source).
    pub key: String,
    /// A label for people: the manager's name, the source's name (with its campaign), the channel code,
    /// or `none`.
    pub label: String,
    /// The manager, when split by manager.
    pub manager_id: Option<ManagerId>,
    /// The source, when split by source.
    pub source_id: Option<SourceId>,
    /// The channel, when split by channel.
    pub channel: Option<Channel>,
    /// The steps, in funnel order.
    pub steps: Vec<FunnelStep>,
}

/// A funnel: the total and, when asked, one per group.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FunnelReport {
    /// The mode used.
    pub mode: FunnelMode,
    /// First day of the period.
    pub start: NaiveDate,
    /// Last day of the period, inclusive.
    pub end: NaiveDate,
    /// The moment the funnel was read at; `None`: everything recorded so far.
    pub as_of: Option<DateTime<Utc>>,
    /// The split asked for.
    pub by: Option<FunnelBy>,
    /// Every lead of the period.
    pub steps: Vec<FunnelStep>,
    /// One funnel per group (empty when not split): ids ascending, channels in declaration order,
    /// `none` last.
    pub groups: Vec<FunnelGroup>,
}

// --- sources -----------------------------------------------------------------------------------------------

fn default_horizon_days() -> u32 {
    365
}

/// Which source report to build: see [`crate::analytics::sources`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceQuery {
    /// First day (UTC) of the period: leads received and spend booked.
    pub start: NaiveDate,
    /// Last day of the period, inclusive.
    pub end: NaiveDate,
    /// Revenue counts a converted client's completed orders placed within this many days after the
    /// client's conversion (default 365).
    #[serde(default = "default_horizon_days")]
    pub horizon_days: u32,
}

impl SourceQuery {
    /// The period from `start` to `end` inclusive, with a revenue horizon of 365 days.
    pub fn new(start: NaiveDate, end: NaiveDate) -> Self {
        SourceQuery {
            start,
            end,
            horizon_days: default_horizon_days(),
        }
    }
}

/// One source's leads, clients, revenue and spend.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SourceRow {
    /// The source; `None` for the leads without one.
    pub source_id: Option<SourceId>,
    /// Its name (`none` for the row of leads without a source).
    pub name: String,
    /// Its campaign.
    pub campaign: Option<String>,
    /// Its channel.
    pub channel: Option<Channel>,
    /// Leads received in the period (junk included: they were paid for).
    pub leads: u64,
    /// Of them, marked junk.
    pub junk: u64,
    /// Of them, qualified at some point (converted ones included).
    pub qualified: u64,
    /// Of them, converted.
    pub converted: u64,
    /// `converted / leads`; `None` without leads.
    pub conversion_rate: Option<f64>,
    /// Distinct clients the converted leads became.
    pub clients: u64,
    /// Distinct clients with a won deal from one of the source's leads.
    pub clients_won: u64,
    /// Completed orders of `clients` within the horizon after each client's first conversion from this
    /// source, each client counted once.
    pub revenue: Money,
    /// Spend booked on the source in the period, counted once.
    pub spend: Money,
    /// `spend / leads` (half away from zero); `None` without spend or leads.
    pub cost_per_lead: Option<Money>,
    /// Client acquisition cost, `spend / clients_won` (half away from zero); `None` without spend or
    /// won clients.
    pub cac: Option<Money>,
    /// Return on marketing investment, `(revenue − spend) / spend`; `None` without spend.
    pub romi: Option<f64>,
}

// --- forecast ----------------------------------------------------------------------------------------------

/// Which forecast to build: see [`crate::analytics::forecast`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForecastQuery {
    /// The moment of the forecast: overdue deals fall in its month; the history ends with it.
    pub as_of: DateTime<Utc>,
    /// First day of the history the win rates are learnt from (deals closed from then to `as_of`).
    /// Default: 365 days before `as_of`'s day.
    #[serde(default)]
    pub history_start: Option<NaiveDate>,
}

impl ForecastQuery {
    /// A forecast at `as_of` with the default history of a year.
    pub fn new(as_of: DateTime<Utc>) -> Self {
        ForecastQuery {
            as_of,
            history_start: None,
        }
    }
}

/// The open pipeline's figures for one month, one stage, or in total.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct ForecastFigures {
    /// Open deals.
    pub deals: u64,
    /// Their amounts, unweighted.
    pub amount: Money,
    /// Each amount times its stage's probability.
    pub weighted: Money,
    /// Each amount times its stage's historic win rate (0 for a stage without history).
    pub historic: Money,
}

/// The forecast for one expected close month.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForecastMonth {
    /// `YYYY-MM`; `None` for the deals without an expected close date ("unscheduled").
    pub month: Option<String>,
    /// Of the deals, those whose expected close date had passed (counted in `as_of`'s month).
    pub overdue: u64,
    /// The figures.
    #[serde(flatten)]
    pub figures: ForecastFigures,
}

/// The forecast for one pipeline stage.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForecastStage {
    /// Stage code.
    pub stage: String,
    /// Stage label.
    pub label: String,
    /// The stage's win probability, in percent.
    pub probability: u8,
    /// Deals closed in the history window that were ever in this stage.
    pub history_closed: u64,
    /// Of them, won.
    pub history_won: u64,
    /// `history_won / history_closed`; `None` without history.
    pub history_rate: Option<f64>,
    /// The figures of the open deals in the stage.
    #[serde(flatten)]
    pub figures: ForecastFigures,
}

/// The forecast of the open pipeline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ForecastReport {
    /// The moment of the forecast.
    pub as_of: DateTime<Utc>,
    /// First day of the history used.
    pub history_start: NaiveDate,
    /// By expected close month, oldest first, the unscheduled last.
    pub months: Vec<ForecastMonth>,
    /// By stage, in pipeline order.
    pub stages: Vec<ForecastStage>,
    /// Every open deal.
    pub total: ForecastFigures,
}

// --- offers and objections -----------------------------------------------------------------------------------

/// Which offer report to build: see [`crate::analytics::offers`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OfferQuery {
    /// First day (UTC) of the activities counted.
    pub start: NaiveDate,
    /// Last day, inclusive.
    pub end: NaiveDate,
}

/// How one offer did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfferRow {
    /// The offer code.
    pub offer: String,
    /// Activities that carried it.
    pub sent: u64,
    /// Distinct leads it was sent on (activities without a deal).
    pub leads: u64,
    /// Distinct deals it was sent on.
    pub deals: u64,
    /// Of `leads`, those converted at or after the offer was first sent on them.
    pub leads_converted: u64,
    /// Of `deals`, those won at or after the offer was first sent on them.
    pub deals_won: u64,
    /// `(leads_converted + deals_won) / (leads + deals)`; `None` when both are 0.
    pub conversion_rate: Option<f64>,
}

/// How one argument did against one objection.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArgumentRow {
    /// The argument code; `None` when none was recorded.
    pub argument: Option<String>,
    /// Times used (activities).
    pub used: u64,
    /// Of them, on a lead or a deal (whose fate can be followed).
    pub tracked: u64,
    /// Of `tracked`, those whose lead converted or deal was won at or after the activity.
    pub overcome: u64,
    /// `overcome / tracked`; `None` when nothing was tracked.
    pub rate: Option<f64>,
}

/// How often one objection was met and what overcame it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ObjectionRow {
    /// The objection code.
    pub objection: String,
    /// Times met (activities).
    pub met: u64,
    /// Of them, on a lead or a deal.
    pub tracked: u64,
    /// Of `tracked`, those whose lead converted or deal was won at or after the activity.
    pub overcome: u64,
    /// `overcome / tracked`; `None` when nothing was tracked.
    pub rate: Option<f64>,
    /// By argument used: most used first, then by code, "no argument" last.
    pub arguments: Vec<ArgumentRow>,
}

/// Offers and objections in a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OfferReport {
    /// First day of the period.
    pub start: NaiveDate,
    /// Last day, inclusive.
    pub end: NaiveDate,
    /// Per offer: most sent first, then by code.
    pub offers: Vec<OfferRow>,
    /// Per objection: most met first, then by code.
    pub objections: Vec<ObjectionRow>,
}
