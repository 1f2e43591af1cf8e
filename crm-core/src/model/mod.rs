//! Plain data: what goes in (`NewX`) and what is stored (`X`). Every type is serde-serialisable; the C ABI
//! and the change feed carry them as JSON.

mod activity;
mod analytics;
mod calls;
mod care;
mod client;
mod deal;
mod dedup;
mod distribution;
mod dormancy;
mod event;
mod import;
mod lead;
mod manager;
mod money;
mod order;
mod plans;
mod ports;
mod reports;
mod retention;
mod segment;
mod source;
mod tasks;

pub use activity::{Activity, ActivityKind, ActivityQuery, Direction, NewActivity};
pub use analytics::*;
pub use calls::*;
pub use care::*;
pub use client::{
    Client, ClientKind, ClientPatch, ClientQuery, Contact, NewClient, NewContact, Quality,
};
pub use deal::{Deal, DealPatch, DealQuery, DealStatus, NewDeal, NewStage, Stage, StageVisit};
pub use dedup::{
    DedupSettings, DedupSettingsPatch, DuplicatePair, Match, Merge, MergeConflict, Moved, Probe,
};
pub use distribution::{
    Absence, AbsenceId, AssignedVia, Assignment, AssignmentId, DueRun, Escalation, HandOver,
    HandOverOptions, NewAbsence, NewRoutingRule, NewSlaPolicy, OwnershipSettings, RoutingRule,
    RuleId, SkipReason, Skipped, SlaPolicy, SlaPolicyId, SlaState, SlaStatus, Strategy, Task,
    TaskId, TaskStatus,
};
pub use dormancy::*;
pub use event::Event;
pub use import::*;
pub use lead::{
    Capture, Conversion, ConvertLead, JunkKind, Lead, LeadQuery, LeadStatus, LeadTransition,
    LostReason, NewLead, Warning,
};
pub use manager::{Manager, ManagerPatch, NewManager};
pub use money::Money;
pub use order::{ClientRollup, MonthRevenue, NewOrder, Order, OrderLine, OrderQuery, OrderStatus};
pub use plans::*;
pub use ports::*;
pub use reports::*;
pub use retention::*;
pub use segment::{Segment, SegmentChange};
pub use source::{Channel, NewSource, NewSpend, Source, Spend};
pub use tasks::*;

/// Declares an integer id newtype: `Copy`, ordered, serialised as a bare integer.
macro_rules! id_type {
    ($(#[$doc:meta] $name:ident),* $(,)?) => {$(
        #[$doc]
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub i64);

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

id_type!(
    /// Id of a [`Manager`].
    ManagerId,
    /// Id of a [`Source`].
    SourceId,
    /// Id of a [`Spend`] entry.
    SpendId,
    /// Id of a [`Client`].
    ClientId,
    /// Id of a [`Contact`].
    ContactId,
    /// Id of a [`Lead`].
    LeadId,
    /// Id of a [`Deal`].
    DealId,
    /// Id of an [`Activity`].
    ActivityId,
    /// Id of an [`Order`].
    OrderId,
    /// Id of a saved [`Segment`].
    SegmentId,
    /// Id of a [`Merge`] of two clients.
    MergeId,
    /// Id of a [`Promise`].
    PromiseId,
    /// Id of a [`Complaint`].
    ComplaintId,
    /// Id of a [`RetentionRule`].
    RetentionRuleId,
);

/// Declares a closed set of codes: an enum with `as_str`, `FromStr` (the error names the field and lists
/// the allowed codes), `Display` and serde as the snake_case code.
macro_rules! code_enum {
    ($(#[$doc:meta])* $name:ident, $field:literal { $($(#[$vdoc:meta])* $variant:ident = $code:literal),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The stored code.
            pub const fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $code),+
                }
            }
        }

        impl std::str::FromStr for $name {
            type Err = crate::error::Error;
            fn from_str(s: &str) -> crate::error::Result<Self> {
                match s {
                    $($code => Ok($name::$variant),)+
                    _ => Err(crate::error::Error::validation(
                        $field,
                        concat!("must be one of: ", $($code, " "),+).trim_end().to_string(),
                    )),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use code_enum;

/// Reads a patch field so that a present `null` is `Some(None)` (clear) while an absent field stays
/// `None` (with `#[serde(default)]`).
fn nullable<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: serde::Deserialize<'de>,
{
    <Option<T> as serde::Deserialize>::deserialize(deserializer).map(Some)
}

/// One page of a listing: rows with an id greater than `after`, at most `limit` of them (0 means the
/// default of 100; more than 10 000 is cut to 10 000), in ascending id order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Page {
    /// Start after this id (keyset paging: pass the last id of the previous page).
    pub after: Option<i64>,
    /// The most rows to return.
    pub limit: u32,
}

impl Page {
    /// The first `limit` rows.
    pub fn first(limit: u32) -> Self {
        Page { after: None, limit }
    }

    /// The limit actually applied.
    pub fn effective_limit(&self) -> u32 {
        match self.limit {
            0 => 100,
            n => n.min(10_000),
        }
    }
}
