//! Promises made to clients and complaints from them: the records, what goes in, and what `run_due`
//! found about them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ComplaintId, ManagerId, code_enum};

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
