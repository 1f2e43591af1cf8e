//! Retention rules: a condition about clients, an action, and a cool-down.

use serde::{Deserialize, Serialize};

use super::{ClientId, RetentionRuleId, TaskId};

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
