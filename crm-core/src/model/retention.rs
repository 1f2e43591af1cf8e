//! Retention rules: a condition about clients, an action, and a cool-down; what a rule did in a
//! `run_due`; and the report of whether the rules' work paid off.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{ClientId, ManagerId, RetentionRuleId, TaskId};

/// A retention rule acting on one client, in a `run_due`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RuleFire {
    /// The rule.
    pub rule_id: RetentionRuleId,
    /// Its name.
    pub rule: String,
    /// The client it acted on.
    pub client_id: ClientId,
    /// The task it created, if its action makes one.
    pub task_id: Option<TaskId>,
}

/// Who a task made by a rule goes to. In JSON: `"owner"` or a manager's id (`7`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(try_from = "AssigneeRepr", into = "AssigneeRepr")]
pub enum Assignee {
    /// The client's owner at the time the rule fires (a client without an owner gets a task for nobody,
    /// which shows in the unassigned tasks).
    #[default]
    Owner,
    /// This manager, whoever owns the client.
    Manager(ManagerId),
}

#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum AssigneeRepr {
    Id(i64),
    Word(String),
}

impl TryFrom<AssigneeRepr> for Assignee {
    type Error = String;
    fn try_from(r: AssigneeRepr) -> Result<Self, String> {
        match r {
            AssigneeRepr::Id(id) => Ok(Assignee::Manager(ManagerId(id))),
            AssigneeRepr::Word(w) if w == "owner" => Ok(Assignee::Owner),
            AssigneeRepr::Word(_) => Err("expected \"owner\" or a manager id".to_string()),
        }
    }
}

impl From<Assignee> for AssigneeRepr {
    fn from(a: Assignee) -> Self {
        match a {
            Assignee::Owner => AssigneeRepr::Word("owner".into()),
            Assignee::Manager(id) => AssigneeRepr::Id(id.0),
        }
    }
}

/// What a retention rule does to each client it matches. In JSON, tagged by `kind`:
/// `{"kind": "task", "task_kind": "reactivate", "title": "Call {client}", "due_in": "2d", "to": "owner"}`,
/// `{"kind": "tag", "tag": "win-back"}`, `{"kind": "mailing", "segment": "win-back mailing"}`,
/// `{"kind": "reassign", "manager": 3}` (or `null`: the routing rules choose).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum RuleAction {
    /// A task for a manager about the client.
    Task {
        /// The task's kind (`reactivate`): lowercase letters, digits and `_`.
        task_kind: String,
        /// The task's title, a template: `{client}` (the client's name), `{client_id}`, `{owner}` (the
        /// owner's name, or `no owner`), `{days_since_last_order}` (or `no orders`), `{cross_sell}` (the
        /// top two products to offer the client by the store's product pairs, or `nothing to suggest`);
        /// `{{` and `}}` stand for braces. Any other placeholder is refused when the rule is added.
        title: String,
        /// When the task is due, as calendar time after the run that makes it: whole numbers with a
        /// unit, `w` (weeks), `d` (days), `h` (hours), `m` (minutes), combined (`1d12h`); `0h` is due at
        /// once. At most ten years. Calendar time, not working time: a task due in `2d` made on a
        /// Friday evening is due on Sunday evening.
        due_in: String,
        /// Who gets it (default: the owner).
        #[serde(default)]
        to: Assignee,
    },
    /// Adds a tag to the client (case as written; `has tag` finds it in any case).
    Tag {
        /// The tag.
        tag: String,
    },
    /// Puts the client into a mailing list: tags it with the segment's name. Adding the rule makes
    /// sure a saved segment of that name, `has tag '<name>'`, exists, so
    /// `export_segment("<name>", ...)` writes the mailing list. A saved segment of that name with
    /// another expression is refused (the tag would not put anyone into it).
    Mailing {
        /// The saved segment's name (and the tag).
        segment: String,
    },
    /// Gives the client to another manager: the one named (who must be active when the rule fires), or
    /// with `null` whoever the routing rules choose (never the current owner). A client locked to its
    /// owner by a recent contact is left alone (a rule does not force a take-over), as is a client
    /// nobody eligible can take; neither counts as a fire, so a later run tries again.
    Reassign {
        /// The manager, or none for the routing rules.
        #[serde(default)]
        manager: Option<ManagerId>,
    },
}

impl RuleAction {
    /// The action's kind as in JSON: `task`, `tag`, `mailing` or `reassign`.
    pub fn kind(&self) -> &'static str {
        match self {
            RuleAction::Task { .. } => "task",
            RuleAction::Tag { .. } => "tag",
            RuleAction::Mailing { .. } => "mailing",
            RuleAction::Reassign { .. } => "reassign",
        }
    }
}

/// A retention rule to add (or to replace the rule of the same name).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewRetentionRule {
    /// A unique name (`reactivate dormant A-clients`).
    pub name: String,
    /// Which clients, in the segment language about clients (any client field, `has tag`, `abc`,
    /// `rfm_segment`, `p_alive`, `dormancy` …), evaluated as of each `run_due`'s `now`.
    pub condition: String,
    /// What to do to each of them.
    pub action: RuleAction,
    /// Not again for the same client within this many days (at least 1).
    pub cooldown_days: u32,
    /// At most this many clients per owner per UTC day (none: no limit). A rule that suddenly matches
    /// many clients — the first run on a base with years of history — then spreads the work over the
    /// days instead of burying the managers; the clients it leaves wait for the next days, lowest id
    /// first. Clients without an owner count as one owner.
    #[serde(default)]
    pub daily_limit: Option<u32>,
    /// Whether the rule runs (default true).
    #[serde(default)]
    pub active: Option<bool>,
}

impl NewRetentionRule {
    /// An active rule.
    pub fn new(
        name: impl Into<String>,
        condition: impl Into<String>,
        action: RuleAction,
        cooldown_days: u32,
    ) -> Self {
        NewRetentionRule {
            name: name.into(),
            condition: condition.into(),
            action,
            cooldown_days,
            daily_limit: None,
            active: None,
        }
    }
}

/// A stored retention rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RetentionRule {
    /// Id.
    pub id: RetentionRuleId,
    /// Unique name among the rules in force.
    pub name: String,
    /// The condition about clients, in canonical form.
    pub condition: String,
    /// What it does.
    pub action: RuleAction,
    /// Not again for the same client within this many days.
    pub cooldown_days: u32,
    /// At most this many clients per owner per UTC day (none: no limit).
    pub daily_limit: Option<u32>,
    /// Whether `run_due` runs it.
    pub active: bool,
    /// When it was added.
    pub created_at: DateTime<Utc>,
    /// When it last changed.
    pub updated_at: DateTime<Utc>,
}

/// What the retention report covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RetentionReportQuery {
    /// The first UTC day: tasks created and complaints resolved from this day …
    pub start: NaiveDate,
    /// … to this one, inclusive.
    pub end: NaiveDate,
    /// Days after a task's creation (or a complaint's resolution) in which a completed order counts as
    /// success (default 30; 1 to 3 660).
    #[serde(default = "default_window")]
    pub window_days: u32,
}

fn default_window() -> u32 {
    30
}

impl RetentionReportQuery {
    /// The report for `start..=end` with the default 30-day window.
    pub fn new(start: NaiveDate, end: NaiveDate) -> Self {
        RetentionReportQuery {
            start,
            end,
            window_days: default_window(),
        }
    }
}

/// How the tasks made by retention rules turned out: one rule's, or one manager's.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct TaskOutcome {
    /// Tasks created in the period.
    pub tasks: u64,
    /// Of those, done (by the time of the report).
    pub done: u64,
    /// Of those, the ones whose client completed an order placed within the window after the task was
    /// created (an order at the very instant of creation does not count; one at the window's end does).
    pub ordered: u64,
    /// `ordered / tasks`; none without tasks.
    pub rate: Option<f64>,
}

/// One rule's line of the retention report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RuleOutcome {
    /// The rule.
    pub rule_id: RetentionRuleId,
    /// Its name (a removed rule keeps its line, under its last name).
    pub rule: String,
    /// Its tasks.
    #[serde(flatten)]
    pub outcome: TaskOutcome,
}

/// One manager's line of the retention report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ManagerOutcome {
    /// The manager the tasks went to; none for tasks made for nobody (a client without an owner).
    pub manager_id: Option<ManagerId>,
    /// Their tasks, of every rule.
    #[serde(flatten)]
    pub outcome: TaskOutcome,
}

/// Clients whose complaint was resolved, and how many bought again.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct RepeatOutcome {
    /// Clients.
    pub clients: u64,
    /// Of those, the ones with a completed order placed within the window after the resolution.
    pub ordered: u64,
    /// `ordered / clients`; none without clients.
    pub rate: Option<f64>,
}

/// The retention report: did the rules' tasks bring clients back, and does resolving complaints on time
/// keep them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RetentionReport {
    /// The first day.
    pub start: NaiveDate,
    /// The last day.
    pub end: NaiveDate,
    /// The success window, in days.
    pub window_days: u32,
    /// Per rule with a task created in the period, by rule id.
    pub rules: Vec<RuleOutcome>,
    /// Per manager with a rule's task created in the period, by manager id (nobody first).
    pub managers: Vec<ManagerOutcome>,
    /// Every rule's tasks together.
    pub total: TaskOutcome,
    /// Clients whose complaint resolved in the period met both its deadlines (first response and
    /// resolution). A client with several complaints resolved in the period is judged by the last one
    /// (by resolution time, then id) and counted once.
    pub complaints_within_sla: RepeatOutcome,
    /// The same for clients whose last complaint resolved in the period missed a deadline.
    pub complaints_breached: RepeatOutcome,
}
