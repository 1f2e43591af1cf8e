use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

/// One entry of the append-only event log: the audit trail and the change feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Event {
    /// Sequence number: strictly increasing, never reused.
    pub seq: i64,
    /// When the change happened (the command's `at`).
    pub at: DateTime<Utc>,
    /// Who made it.
    pub actor: String,
    /// What kind of record (`client`, `lead`, `deal`, `order`, ...).
    pub entity: String,
    /// The record's id (0 for store-wide records such as the pipeline).
    pub entity_id: i64,
    /// What happened (`created`, `status_changed`, `first_response`, ...).
    pub kind: String,
    /// Details as JSON.
    pub data: serde_json::Value,
}
