//! Promises made to clients and complaints from them: the records, what goes in, and what `run_due`
//! found about them.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{ActivityId, ClientId, ComplaintId, ManagerId, OrderId, Page, PromiseId, code_enum};

code_enum!(
    /// Which deadline of a complaint.
    ComplaintMilestone, "milestone" {
        /// The first response to the client.
        FirstResponse = "first_response",
        /// The resolution.
        Resolution = "resolution",
    }
);

/// A complaint deadline `run_due` found passed: marked breached (an event) and escalated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ComplaintBreach {
    /// The complaint.
    pub complaint_id: ComplaintId,
    /// Which deadline passed.
    pub milestone: ComplaintMilestone,
    /// The deadline.
    pub due: DateTime<Utc>,
    /// Who the escalation task went to (none: the task has no manager).
    pub escalated_to: Option<ManagerId>,
}

code_enum!(
    /// Where a promise stands.
    PromiseStatus, "status" {
        /// Made and not yet due, or due and not yet kept.
        Open = "open",
        /// Kept (said so by the manager).
        Kept = "kept",
        /// Not kept by its due time (set by `run_due`).
        Broken = "broken",
        /// Withdrawn, with a reason; counts neither as kept nor as broken.
        Cancelled = "cancelled",
    }
);

/// A promise to record: who promised what to which client, due when, made where.
///
/// In JSON `client_id`, `what` and `due_at` are required (a missing one is an error naming it, never a
/// default).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewPromise {
    /// The client it was made to.
    pub client_id: ClientId,
    /// Who made it; the client's owner when left out.
    #[serde(default)]
    pub manager_id: Option<ManagerId>,
    /// What was promised ("send the corrected invoice").
    pub what: String,
    /// When it is due; not before the time it was made.
    pub due_at: DateTime<Utc>,
    /// The call or e-mail (an activity of the same client) where it was made.
    #[serde(default)]
    pub activity_id: Option<ActivityId>,
}

/// A promise made to a client.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Promise {
    /// Id.
    pub id: PromiseId,
    /// The client it was made to.
    pub client_id: ClientId,
    /// Who made it (none: the client had no owner and nobody was named).
    pub manager_id: Option<ManagerId>,
    /// What was promised.
    pub what: String,
    /// When it was made.
    pub made_at: DateTime<Utc>,
    /// When it is due.
    pub due_at: DateTime<Utc>,
    /// The activity where it was made.
    pub activity_id: Option<ActivityId>,
    /// Open, kept, broken or cancelled.
    pub status: PromiseStatus,
    /// When it was kept, broken or cancelled.
    pub closed_at: Option<DateTime<Utc>>,
    /// The note given when kept, or the reason given when cancelled.
    pub note: Option<String>,
    /// When `run_due` made its reminder task.
    pub reminded_at: Option<DateTime<Utc>>,
}

/// Which promises to list: every filter given must hold; by id.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PromiseQuery {
    /// Of this client.
    pub client_id: Option<ClientId>,
    /// Made by this manager.
    pub manager_id: Option<ManagerId>,
    /// In this status.
    pub status: Option<PromiseStatus>,
    /// Which page.
    pub page: Page,
}

/// How promises are followed up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PromiseSettings {
    /// How long before a promise's due time its maker gets a reminder task, as round-the-clock time
    /// (`24h`, `2h30m`). The default, 24 hours, leaves a working day to act on a promise made for
    /// tomorrow; `0m` reminds only when it falls due.
    pub remind_before: String,
}

impl Default for PromiseSettings {
    fn default() -> Self {
        PromiseSettings {
            remind_before: "24h".into(),
        }
    }
}

code_enum!(
    /// How urgent a complaint is; it sets the complaint's deadlines (see [`ComplaintSla`]).
    ComplaintPriority, "priority" {
        /// Low.
        Low = "low",
        /// Normal (the default).
        Normal = "normal",
        /// High.
        High = "high",
        /// Critical.
        Critical = "critical",
    }
);

code_enum!(
    /// Where a complaint stands: open → in progress → resolved → closed, or rejected.
    ComplaintStatus, "status" {
        /// Received, nobody working on it yet.
        Open = "open",
        /// Being worked on (possibly waiting for the client: see `paused_at`).
        InProgress = "in_progress",
        /// A resolution was given; may be reopened or closed.
        Resolved = "resolved",
        /// Closed after resolution (final).
        Closed = "closed",
        /// Rejected as unfounded, with a reason (final).
        Rejected = "rejected",
    }
);

///
/// In JSON `client_id` and `subject` are required (a missing one is an error naming it, never a
/// default).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewComplaint {
    /// The client who complains.
    pub client_id: ClientId,
    /// The order it is about (one of that client's).
    #[serde(default)]
    pub order_id: Option<OrderId>,
    /// What it is about, one line.
    pub subject: String,
    /// The client's words.
    #[serde(default)]
    pub body: Option<String>,
    /// Normal when left out.
    #[serde(default)]
    pub priority: Option<ComplaintPriority>,
    /// Who handles it; the client's owner when left out.
    #[serde(default)]
    pub owner_id: Option<ManagerId>,
}

/// A complaint (a claim) from a client, with its deadlines in working time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Complaint {
    /// Id.
    pub id: ComplaintId,
    /// The client.
    pub client_id: ClientId,
    /// The order it is about.
    pub order_id: Option<OrderId>,
    /// What it is about.
    pub subject: String,
    /// The client's words.
    pub body: Option<String>,
    /// How urgent.
    pub priority: ComplaintPriority,
    /// Where it stands.
    pub status: ComplaintStatus,
    /// Who handles it.
    pub owner_id: Option<ManagerId>,
    /// When it came in.
    pub opened_at: DateTime<Utc>,
    /// The first-response deadline.
    pub response_due: DateTime<Utc>,
    /// The first response (taken in work, or a question to the client).
    pub responded_at: Option<DateTime<Utc>>,
    /// Set (to the deadline) when `run_due` found the first response late.
    pub response_breached_at: Option<DateTime<Utc>>,
    /// The resolution deadline; moves on by the paused working time when work resumes.
    pub resolution_due: DateTime<Utc>,
    /// When it was resolved.
    pub resolved_at: Option<DateTime<Utc>>,
    /// Set (to the deadline) when `run_due` found the resolution late.
    pub resolution_breached_at: Option<DateTime<Utc>>,
    /// Since when it waits for the client (the resolution clock stands still).
    pub paused_at: Option<DateTime<Utc>>,
    /// Working seconds it has waited for the client so far (and sat resolved before a reopening).
    pub paused_secs: i64,
    /// Working seconds from opening to resolution, less the paused time; set on resolution.
    pub resolve_secs: Option<i64>,
    /// The resolution given.
    pub resolution: Option<String>,
    /// Why it was rejected.
    pub rejection: Option<String>,
    /// When it was closed or rejected.
    pub closed_at: Option<DateTime<Utc>>,
    /// The last change.
    pub updated_at: DateTime<Utc>,
}

/// Which complaints to list: every filter given must hold; by id.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ComplaintQuery {
    /// Of this client.
    pub client_id: Option<ClientId>,
    /// Handled by this manager.
    pub owner_id: Option<ManagerId>,
    /// In this status.
    pub status: Option<ComplaintStatus>,
    /// Which page.
    pub page: Page,
}

/// The deadlines of one priority, in working time as text (`4h`, `1h30m`, `3d` is not accepted: days
/// of work are hours: `24h`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComplaintTargets {
    /// From opening to the first response.
    pub first_response: String,
    /// From opening to the resolution (paused time not counted).
    pub resolution: String,
}

impl ComplaintTargets {
    fn new(first_response: &str, resolution: &str) -> Self {
        ComplaintTargets {
            first_response: first_response.into(),
            resolution: resolution.into(),
        }
    }
}

/// The complaint deadlines per priority and where breaches escalate.
///
/// The defaults, in working time (a working day being about 8-9 hours): critical 1h to respond and 8h
/// (a working day) to resolve; high 2h / 16h (two days); normal 4h (the same half-day) / 24h (three
/// days); low 8h (the next day) / 40h (a working week). They follow the usual service-desk ladder where
/// each step down doubles the response time, and keep a normal complaint answered the same day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ComplaintSla {
    /// Low priority.
    pub low: ComplaintTargets,
    /// Normal priority.
    pub normal: ComplaintTargets,
    /// High priority.
    pub high: ComplaintTargets,
    /// Critical priority.
    pub critical: ComplaintTargets,
    /// Who gets the escalation task of a breach; the complaint's owner when none.
    pub escalate_to: Option<ManagerId>,
}

impl Default for ComplaintSla {
    fn default() -> Self {
        ComplaintSla {
            low: ComplaintTargets::new("8h", "40h"),
            normal: ComplaintTargets::new("4h", "24h"),
            high: ComplaintTargets::new("2h", "16h"),
            critical: ComplaintTargets::new("1h", "8h"),
            escalate_to: None,
        }
    }
}

impl ComplaintSla {
    /// The targets of one priority.
    pub fn targets(&self, priority: ComplaintPriority) -> &ComplaintTargets {
        match priority {
            ComplaintPriority::Low => &self.low,
            ComplaintPriority::Normal => &self.normal,
            ComplaintPriority::High => &self.high,
            ComplaintPriority::Critical => &self.critical,
        }
    }
}

/// The period of a complaint report: whole UTC days `start..=end`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ComplaintReportQuery {
    /// The first day.
    pub start: NaiveDate,
    /// The last day.
    pub end: NaiveDate,
}

/// Complaint figures of a period, for one group (see [`crate::retention::complaints`] for the rules).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct ComplaintFigures {
    /// Complaints opened in the period.
    pub opened: u32,
    /// Of those, answered by their first-response deadline.
    pub responded_within_sla: u32,
    /// Complaints resolved in the period.
    pub resolved: u32,
    /// Of those, resolved by their resolution deadline.
    pub resolved_within_sla: u32,
    /// `resolved_within_sla / resolved` (none when nothing was resolved).
    pub resolved_within_sla_share: Option<f64>,
    /// Complaints rejected in the period.
    pub rejected: u32,
    /// Median time to resolve of those resolved, in working seconds (nearest rank).
    pub median_resolve_secs: Option<i64>,
    /// 90th percentile of the same (nearest rank).
    pub p90_resolve_secs: Option<i64>,
}

/// One row of the complaint report: a priority's or an owner's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComplaintReportRow<K> {
    /// The priority or the owner (none: complaints without an owner).
    pub key: K,
    /// The figures.
    pub figures: ComplaintFigures,
}

/// The complaint report of a period.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ComplaintReport {
    /// The first day.
    pub start: NaiveDate,
    /// The last day.
    pub end: NaiveDate,
    /// Every complaint of the period.
    pub total: ComplaintFigures,
    /// Per priority, low to critical; every priority is listed.
    pub by_priority: Vec<ComplaintReportRow<ComplaintPriority>>,
    /// Per owner, by id, complaints without an owner last; only owners with figures.
    pub by_owner: Vec<ComplaintReportRow<Option<ManagerId>>>,
}
