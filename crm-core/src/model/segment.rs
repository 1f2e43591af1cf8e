//! Saved segments of clients and the changes of their membership.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ClientId, SegmentId};

/// A segment saved under a name: an expression of the segment language over clients.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    /// Id.
    pub id: SegmentId,
    /// The name it is saved under (unique).
    pub name: String,
    /// The expression, as it was saved (trimmed; comments and layout kept).
    pub expression: String,
    /// When it was first saved.
    pub created_at: DateTime<Utc>,
    /// When its expression last changed.
    pub updated_at: DateTime<Utc>,
    /// The `as_of` of the last membership refresh, if any.
    pub refreshed_at: Option<DateTime<Utc>>,
    /// How many members the last refresh found.
    pub members: i64,
}

/// What a membership refresh found: the clients who entered and who left the segment since the last
/// refresh (everyone entered on the first), each also recorded as an event on the client
/// (`segment_entered` / `segment_left`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SegmentChange {
    /// The segment.
    pub segment_id: SegmentId,
    /// Its name.
    pub name: String,
    /// The evaluation time of this refresh.
    pub as_of: DateTime<Utc>,
    /// Clients now in the segment who were not at the last refresh, ascending.
    pub entered: Vec<ClientId>,
    /// Clients no longer in the segment, ascending.
    pub left: Vec<ClientId>,
    /// How many members it has now.
    pub members: i64,
}
