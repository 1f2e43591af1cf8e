use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::ManagerId;

/// A sales manager to add.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewManager {
    /// Full name; must not be empty.
    pub name: String,
    /// Work e-mail.
    #[serde(default)]
    pub email: Option<String>,
    /// Team (`sales`, `wholesale`, ...).
    #[serde(default)]
    pub team: Option<String>,
    /// The most open leads and deals this manager should hold; `None` means no limit.
    #[serde(default)]
    pub capacity: Option<u32>,
    /// The most new requests routed to this manager per day (in the manager's calendar); `None`: no cap.
    #[serde(default)]
    pub daily_cap: Option<u32>,
    /// Relative share in weighted distribution; 0 is taken as 1.
    #[serde(default)]
    pub weight: u32,
    /// Skills routing rules can ask for (`wholesale`, `b2b`, ...).
    #[serde(default)]
    pub skills: Vec<String>,
    /// Regions this manager serves.
    #[serde(default)]
    pub regions: Vec<String>,
    /// Languages this manager speaks (`uk`, `en`).
    #[serde(default)]
    pub languages: Vec<String>,
    /// Whether the manager takes new work; `None` means active.
    #[serde(default)]
    pub active: Option<bool>,
}

impl NewManager {
    /// A manager with a name and defaults elsewhere.
    pub fn new(name: impl Into<String>) -> Self {
        NewManager {
            name: name.into(),
            ..Default::default()
        }
    }
}

/// A stored sales manager.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Manager {
    /// Id.
    pub id: ManagerId,
    /// Full name.
    pub name: String,
    /// Work e-mail.
    pub email: Option<String>,
    /// Team.
    pub team: Option<String>,
    /// Whether the manager takes new work.
    pub active: bool,
    /// The most open leads and deals this manager should hold; `None` means no limit.
    pub capacity: Option<u32>,
    /// The most new requests routed per day; `None` means no cap.
    pub daily_cap: Option<u32>,
    /// Relative share in weighted distribution (at least 1).
    pub weight: u32,
    /// Skills.
    pub skills: Vec<String>,
    /// Regions served.
    pub regions: Vec<String>,
    /// Languages spoken.
    pub languages: Vec<String>,
    /// When the manager was added.
    pub created_at: DateTime<Utc>,
}

/// A change to a manager's details: fields left `None` stay as they are. For `capacity` and `daily_cap`,
/// `Some(None)` removes the limit.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ManagerPatch {
    /// Full name.
    pub name: Option<String>,
    /// Work e-mail; `Some(None)` clears it.
    #[serde(deserialize_with = "super::nullable")]
    pub email: Option<Option<String>>,
    /// Team; `Some(None)` clears it.
    #[serde(deserialize_with = "super::nullable")]
    pub team: Option<Option<String>>,
    /// Open-lead capacity; `Some(None)` removes the limit.
    #[serde(deserialize_with = "super::nullable")]
    pub capacity: Option<Option<u32>>,
    /// Daily cap; `Some(None)` removes it.
    #[serde(deserialize_with = "super::nullable")]
    pub daily_cap: Option<Option<u32>>,
    /// Weight (0 is taken as 1).
    pub weight: Option<u32>,
    /// Skills (replaces the list).
    pub skills: Option<Vec<String>>,
    /// Regions (replaces the list).
    pub regions: Option<Vec<String>>,
    /// Languages (replaces the list).
    pub languages: Option<Vec<String>>,
}
