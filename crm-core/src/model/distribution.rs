//! Distribution of requests: routing rules, absences, response-time (SLA) policies, assignments with
//! their explanations, tasks, and what `run_due` did.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{
    ActivityId, ClientId, ComplaintBreach, ComplaintId, DealId, DormancyChange, LeadId, ManagerId,
    PromiseId, RetentionRuleId, RuleFire, code_enum,
};

/// Id of a [`RoutingRule`].
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct RuleId(pub i64);

/// Id of an [`SlaPolicy`].
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct SlaPolicyId(pub i64);

/// Id of an [`Absence`].
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct AbsenceId(pub i64);

/// Id of an [`Assignment`] (a row of the assignment log).
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct AssignmentId(pub i64);

/// Id of a [`Task`].
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct TaskId(pub i64);

macro_rules! id_display {
    ($($name:ident),*) => {$(
        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                self.0.fmt(f)
            }
        }
        impl From<i64> for $name {
            fn from(id: i64) -> Self {
                $name(id)
            }
        }
    )*};
}
id_display!(RuleId, SlaPolicyId, AbsenceId, TaskId, AssignmentId);

code_enum!(
    /// How a routing rule picks among the eligible managers. See [`crate::distribution`].
    Strategy, "strategy" {
        /// In turn: the next eligible manager after the one the rule chose last (by id, wrapping round).
        RoundRobin = "round_robin",
        /// The fewest open leads relative to capacity.
        LeastLoaded = "least_loaded",
        /// Shares proportional to the managers' weights (smooth weighted round robin: no randomness).
        Weighted = "weighted",
    }
);

code_enum!(
    /// How an assignment came about.
    AssignedVia, "via" {
        /// The caller named the manager.
        Given = "given",
        /// The lead's client belongs to this manager.
        Owner = "owner",
        /// A routing rule chose the manager.
        Rule = "rule",
        /// Nobody could take it: the lead waits in the queue (`manager_id` is empty, `reason` says why).
        Queued = "queued",
        /// Taken from the queue by `assign_queued` or `run_due`.
        Queue = "queue",
        /// The response deadline passed and the policy reassigns.
        Escalation = "escalation",
        /// Reassigned by a person.
        Reassign = "reassign",
        /// Handed over from a manager who is away or leaving.
        HandOver = "hand_over",
    }
);

code_enum!(
    /// Why a manager could not take a request.
    SkipReason, "reason" {
        /// Marked inactive.
        Inactive = "inactive",
        /// On an absence (vacation, sick leave) that day.
        Absent = "absent",
        /// Outside the manager's working hours, and the rule asks for working hours.
        OffHours = "off_hours",
        /// Holds as many open leads as the capacity allows.
        AtCapacity = "at_capacity",
        /// Got as many requests today as the daily cap allows.
        DailyCap = "daily_cap",
        /// Lacks a skill the rule asks for.
        LackingSkill = "lacking_skill",
        /// Does not serve the lead's region.
        OtherRegion = "other_region",
        /// Does not speak the lead's language.
        OtherLanguage = "other_language",
        /// Left out on purpose: the manager the lead is taken from.
        Excluded = "excluded",
    }
);

code_enum!(
    /// What a policy does when a lead's first-response deadline passes.
    Escalation, "escalation" {
        /// Only marks the lead breached (and records the event).
        None = "none",
        /// Gives the lead to another eligible manager by the rules.
        Reassign = "reassign",
        /// Creates a task for the manager the policy names (a team lead).
        Task = "task",
    }
);

code_enum!(
    /// Where a lead stands against its first-response deadline.
    SlaState, "state" {
        /// No policy applies: no deadline.
        None = "none",
        /// Not answered, and less than the at-risk share of the time is used.
        Pending = "pending",
        /// Not answered, and at least the at-risk share of the time is used.
        AtRisk = "at_risk",
        /// Answered by the deadline.
        Met = "met",
        /// Not answered by the deadline.
        Breached = "breached",
    }
);

code_enum!(
    /// Whether a task is still to do.
    TaskStatus, "status" {
        /// To do.
        Open = "open",
        /// Done.
        Done = "done",
        /// No longer needed.
        Cancelled = "cancelled",
    }
);

/// A routing rule to add (or to replace one of the same name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewRoutingRule {
    /// A unique name (`wholesale Kyiv`); adding a rule under a name that exists replaces that rule.
    pub name: String,
    /// Rules are tried by ascending priority (then by id); the first whose condition holds wins.
    #[serde(default)]
    pub priority: i32,
    /// A condition of the filter language about the lead (`interest = 'wholesale' and region = 'Kyiv'`);
    /// none: the rule takes every lead (a catch-all, put it last).
    #[serde(default)]
    pub when: Option<String>,
    /// Only managers of this team.
    #[serde(default)]
    pub team: Option<String>,
    /// Only these managers. With neither `team` nor `managers`, every manager is a candidate.
    #[serde(default)]
    pub managers: Vec<ManagerId>,
    /// How to pick among the eligible.
    pub strategy: Strategy,
    /// Skills every chosen manager must have.
    #[serde(default)]
    pub skills: Vec<String>,
    /// Only managers who serve the lead's region (a manager with no regions serves all; a lead with
    /// no region fits everyone).
    #[serde(default)]
    pub match_region: bool,
    /// Only managers who speak the lead's language (as for regions).
    #[serde(default)]
    pub match_language: bool,
    /// Only managers within their working hours at the moment of routing.
    #[serde(default)]
    pub working_hours_only: bool,
}

impl NewRoutingRule {
    /// A catch-all rule over every manager with a strategy.
    pub fn new(name: impl Into<String>, strategy: Strategy) -> Self {
        NewRoutingRule {
            name: name.into(),
            priority: 0,
            when: None,
            team: None,
            managers: Vec::new(),
            strategy,
            skills: Vec::new(),
            match_region: false,
            match_language: false,
            working_hours_only: false,
        }
    }
}

/// A stored routing rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutingRule {
    /// Id.
    pub id: RuleId,
    /// Unique name.
    pub name: String,
    /// Order of trial: ascending, then by id.
    pub priority: i32,
    /// The condition about the lead, in canonical form; none for a catch-all.
    pub when: Option<String>,
    /// Only managers of this team.
    pub team: Option<String>,
    /// Only these managers.
    pub managers: Vec<ManagerId>,
    /// How the rule picks.
    pub strategy: Strategy,
    /// Skills required.
    pub skills: Vec<String>,
    /// Region must match.
    pub match_region: bool,
    /// Language must match.
    pub match_language: bool,
    /// Only managers within working hours.
    pub working_hours_only: bool,
    /// When the rule was added.
    pub created_at: DateTime<Utc>,
    /// When the rule last changed.
    pub updated_at: DateTime<Utc>,
}

/// A period a manager is away (vacation, sick leave): no new requests meanwhile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewAbsence {
    /// Who is away.
    pub manager_id: ManagerId,
    /// The first day away (in the manager's calendar's time zone).
    pub start: NaiveDate,
    /// The last day away, inclusive.
    pub end: NaiveDate,
    /// Why (`vacation`).
    #[serde(default)]
    pub reason: Option<String>,
}

/// A stored absence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Absence {
    /// Id.
    pub id: AbsenceId,
    /// Who is away.
    pub manager_id: ManagerId,
    /// First day away.
    pub start: NaiveDate,
    /// Last day away, inclusive.
    pub end: NaiveDate,
    /// Why.
    pub reason: Option<String>,
    /// When it was recorded.
    pub created_at: DateTime<Utc>,
}

/// A first-response policy to add (or to replace one of the same name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewSlaPolicy {
    /// A unique name; a policy without a condition is the default and is tried last.
    pub name: String,
    /// A condition of the filter language about the lead; none: every lead (the default policy).
    #[serde(default)]
    pub when: Option<String>,
    /// Policies with a condition are tried by ascending priority, then by id.
    #[serde(default)]
    pub priority: i32,
    /// The first-response target in working time, as text (`2h`, `30m`, `1h30m`).
    pub first_response: String,
    /// The share of the target after which an unanswered lead is at risk, in basis points (8000 =
    /// 80 %); 0 means the default of 8000.
    #[serde(default)]
    pub at_risk_bp: u32,
    /// What a breach does.
    #[serde(default = "no_escalation")]
    pub escalation: Escalation,
    /// Who gets the task when `escalation` is `task` (a team lead); required then. This manager also
    /// gets a task when a lead under this policy waits in the queue (nobody could take it).
    #[serde(default)]
    pub escalate_to: Option<ManagerId>,
}

fn no_escalation() -> Escalation {
    Escalation::None
}

impl NewSlaPolicy {
    /// A policy with a target and nothing else.
    pub fn new(name: impl Into<String>, first_response: impl Into<String>) -> Self {
        NewSlaPolicy {
            name: name.into(),
            when: None,
            priority: 0,
            first_response: first_response.into(),
            at_risk_bp: 0,
            escalation: Escalation::None,
            escalate_to: None,
        }
    }
}

/// A stored first-response policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SlaPolicy {
    /// Id.
    pub id: SlaPolicyId,
    /// Unique name.
    pub name: String,
    /// The condition in canonical form; none for the default.
    pub when: Option<String>,
    /// Order of trial among the conditional policies.
    pub priority: i32,
    /// The target, in canonical text (`2h`, `1h30m`).
    pub first_response: String,
    /// The target in seconds of working time.
    pub first_response_secs: i64,
    /// The at-risk share, in basis points.
    pub at_risk_bp: u32,
    /// What a breach does.
    pub escalation: Escalation,
    /// Who gets the escalation task.
    pub escalate_to: Option<ManagerId>,
    /// When it was added.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// A manager who could not take a request, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// The manager.
    pub manager_id: ManagerId,
    /// Why.
    pub reason: SkipReason,
    /// The figures behind it, for people (`12 open leads, capacity 12`; `lacks skill 'wholesale'`).
    pub detail: String,
}

/// One decision about who works a lead (or a client): the manager, or the queue, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    /// The id in the assignment log; `None` when nothing was recorded (the manager already owned the
    /// client).
    pub id: Option<AssignmentId>,
    /// The lead, when the decision is about a lead.
    pub lead_id: Option<LeadId>,
    /// The client, when the decision is about a client's ownership (or the lead's client).
    pub client_id: Option<ClientId>,
    /// When.
    pub at: DateTime<Utc>,
    /// The manager chosen; none: the lead is queued.
    pub manager_id: Option<ManagerId>,
    /// The manager before (a reassignment, a hand-over, an escalation).
    pub previous_id: Option<ManagerId>,
    /// How it came about.
    pub via: AssignedVia,
    /// The routing rule that matched, when one did.
    pub rule_id: Option<RuleId>,
    /// Its name.
    pub rule: Option<String>,
    /// Its strategy.
    pub strategy: Option<Strategy>,
    /// Why this manager (or why nobody), for people.
    pub reason: String,
    /// The candidates passed over, and why.
    pub skipped: Vec<Skipped>,
}

/// Where a lead stands against its first-response deadline.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SlaStatus {
    /// The lead.
    pub lead_id: LeadId,
    /// Pending, at risk, met, breached, or none (no policy).
    pub state: SlaState,
    /// The policy that set the deadline.
    pub policy: Option<String>,
    /// The deadline.
    pub due: Option<DateTime<Utc>>,
    /// When the first response came.
    pub responded_at: Option<DateTime<Utc>>,
    /// Working time used so far (until the response, or until now), in seconds.
    pub used_secs: i64,
    /// Working time left until the deadline, in seconds (negative once overdue; the overrun).
    pub left_secs: i64,
    /// Share of the target used (1.0 = all of it).
    pub used_share: f64,
}

/// Ownership rules of the store.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OwnershipSettings {
    /// A client stays locked to its owner for this many days after the last meaningful contact (an
    /// outbound call, e-mail, meeting, message or document, or an order); 0: no lock.
    pub lock_days: u32,
}

impl Default for OwnershipSettings {
    fn default() -> Self {
        OwnershipSettings { lock_days: 30 }
    }
}

/// Which open work a hand-over moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HandOverOptions {
    /// Also the manager's clients (a dismissal); without it only the open leads move (an absence).
    pub clients: bool,
    /// Also mark the manager inactive, in the same transaction.
    pub deactivate: bool,
}

/// What a hand-over did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HandOver {
    /// The manager whose work moved.
    pub manager_id: ManagerId,
    /// One decision per lead and per client, leads first, each by id.
    pub assignments: Vec<Assignment>,
    /// Open deals that followed their client to its new owner.
    pub deals_moved: Vec<DealId>,
}

/// A to-do item for a manager: an escalation, a promise coming due, a retention rule's call, or work
/// a person planned; [`crate::Crm::agenda`] lists a manager's open ones by urgency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Task {
    /// Id.
    pub id: TaskId,
    /// What kind, a code: made by the store, `sla_escalation` (a missed first response to a lead),
    /// `queued_lead` (a lead waits for a manager), `complaint_escalation` (a complaint's deadline
    /// passed), `promise` (a promise comes due); made by a retention rule, the rule's task kind (the
    /// defaults: `reactivate`, `thank_you`, `complaint_follow_up`, `congratulate`, `verify_details`); or
    /// any code a person gives with `add_task` (`call_back`, `send_offer`, `visit` …).
    pub kind: String,
    /// What to do, for people.
    pub title: String,
    /// Who must do it.
    pub manager_id: Option<ManagerId>,
    /// The client it is about.
    pub client_id: Option<ClientId>,
    /// The lead it is about.
    pub lead_id: Option<LeadId>,
    /// The deal it is about.
    pub deal_id: Option<DealId>,
    /// When it is due.
    pub due_at: Option<DateTime<Utc>>,
    /// Open, done or cancelled.
    pub status: TaskStatus,
    /// What made it (`sla:lead:17`): one task per origin, so running the rules twice makes one task.
    pub origin: Option<String>,
    /// When it was created.
    pub created_at: DateTime<Utc>,
    /// When it was done or cancelled.
    pub closed_at: Option<DateTime<Utc>>,
    /// The retention rule that made it.
    pub rule_id: Option<RetentionRuleId>,
    /// The promise it reminds of.
    pub promise_id: Option<PromiseId>,
    /// The complaint it is about.
    pub complaint_id: Option<ComplaintId>,
    /// What came of it, as recorded when it was done.
    pub outcome: Option<String>,
    /// The activity that recorded its outcome.
    pub activity_id: Option<ActivityId>,
}

impl Task {
    /// An open task of `kind` with `title`, created at `at`, about nothing yet, for nobody yet.
    pub fn new(kind: impl Into<String>, title: impl Into<String>, at: DateTime<Utc>) -> Task {
        Task {
            id: TaskId(0),
            kind: kind.into(),
            title: title.into(),
            manager_id: None,
            client_id: None,
            lead_id: None,
            deal_id: None,
            due_at: None,
            status: TaskStatus::Open,
            origin: None,
            created_at: at,
            closed_at: None,
            rule_id: None,
            promise_id: None,
            complaint_id: None,
            outcome: None,
            activity_id: None,
        }
    }
}

/// What `run_due` did: breaches by deadline (then id), the other lists in the order they were made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DueRun {
    /// The time it ran for.
    pub at: DateTime<Utc>,
    /// Leads whose first-response deadline passed unanswered (marked breached now).
    pub breached: Vec<LeadId>,
    /// Reassignments made by escalation.
    pub escalations: Vec<Assignment>,
    /// Tasks created (escalation tasks).
    pub tasks: Vec<Task>,
    /// Queued leads that found a manager.
    pub assigned: Vec<Assignment>,
    /// Complaint deadlines found passed (first response or resolution), by deadline, then id.
    pub complaints_breached: Vec<ComplaintBreach>,
    /// Open promises coming due: a reminder task each for the manager who made it.
    pub promises_reminded: Vec<PromiseId>,
    /// Open promises found overdue: now broken.
    pub promises_broken: Vec<PromiseId>,
    /// Clients that moved on the dormancy ladder, by client id.
    pub dormancy: Vec<DormancyChange>,
    /// What the retention rules did, by rule, then client.
    pub fired: Vec<RuleFire>,
}

impl DueRun {
    /// A run at `at` that did nothing (yet).
    pub fn new(at: DateTime<Utc>) -> DueRun {
        DueRun {
            at,
            breached: Vec::new(),
            escalations: Vec::new(),
            tasks: Vec::new(),
            assigned: Vec::new(),
            complaints_breached: Vec::new(),
            promises_reminded: Vec::new(),
            promises_broken: Vec::new(),
            dormancy: Vec::new(),
            fired: Vec::new(),
        }
    }

    /// Whether the run did nothing at all: what a second run at the same time returns.
    pub fn is_empty(&self) -> bool {
        self.breached.is_empty()
            && self.escalations.is_empty()
            && self.tasks.is_empty()
            && self.assigned.is_empty()
            && self.complaints_breached.is_empty()
            && self.promises_reminded.is_empty()
            && self.promises_broken.is_empty()
            && self.dormancy.is_empty()
            && self.fired.is_empty()
    }
}
