use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{ClientId, DealId, LeadId, ManagerId, Money, Page, code_enum};

code_enum!(
    /// Whether a deal is still open. Won and lost are final.
    DealStatus, "status" {
        /// In one of the pipeline's stages.
        Open = "open",
        /// Won (final).
        Won = "won",
        /// Lost with a reason (final).
        Lost = "lost",
    }
);

/// A pipeline stage to set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewStage {
    /// Code used in commands (`proposal`): lowercase letters, digits and `_`; not `won` or `lost`.
    pub code: String,
    /// Label for people.
    pub label: String,
    /// Win probability at this stage, in percent (0..=100), used by the forecast.
    pub probability: u8,
}

impl NewStage {
    /// A stage.
    pub fn new(code: impl Into<String>, label: impl Into<String>, probability: u8) -> Self {
        NewStage {
            code: code.into(),
            label: label.into(),
            probability,
        }
    }
}

/// A stage of the pipeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Stage {
    /// Code.
    pub code: String,
    /// Label.
    pub label: String,
    /// Win probability in percent.
    pub probability: u8,
    /// Position in the pipeline, from 0.
    pub position: u32,
}

/// A deal to open directly (a repeat sale to a known client); converting a lead opens one too.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewDeal {
    /// The client.
    pub client_id: ClientId,
    /// Title; must not be empty.
    pub title: String,
    /// Amount; not negative.
    #[serde(default)]
    pub amount: Money,
    /// Owner; defaults to the client's owner.
    #[serde(default)]
    pub owner_id: Option<ManagerId>,
    /// Stage; defaults to the first stage.
    #[serde(default)]
    pub stage: Option<String>,
    /// Expected close date.
    #[serde(default)]
    pub expected_close: Option<NaiveDate>,
}

/// Changes to an open deal: a field left `None` stays as it is; for the optional ones `Some(None)`
/// clears the value (in JSON: the field present with `null`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DealPatch {
    /// New title.
    pub title: Option<String>,
    /// New amount (a negotiation moves it).
    pub amount: Option<Money>,
    /// New owner, or none.
    #[serde(deserialize_with = "super::nullable")]
    pub owner_id: Option<Option<ManagerId>>,
    /// New expected close date, or none.
    #[serde(deserialize_with = "super::nullable")]
    pub expected_close: Option<Option<NaiveDate>>,
}

/// A stored deal.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Deal {
    /// Id.
    pub id: DealId,
    /// The client.
    pub client_id: ClientId,
    /// The lead it came from.
    pub lead_id: Option<LeadId>,
    /// Title.
    pub title: String,
    /// Amount.
    pub amount: Money,
    /// The current stage, or for a closed deal the stage it was closed from.
    pub stage: String,
    /// Open, won or lost.
    pub status: DealStatus,
    /// Owner.
    pub owner_id: Option<ManagerId>,
    /// Expected close date.
    pub expected_close: Option<NaiveDate>,
    /// The lost reason code.
    pub lost_reason: Option<String>,
    /// A note given when it was lost.
    pub lost_note: Option<String>,
    /// When it was opened.
    pub created_at: DateTime<Utc>,
    /// When it was won or lost.
    pub closed_at: Option<DateTime<Utc>>,
    /// When the stage or status last changed.
    pub stage_changed_at: DateTime<Utc>,
}

/// One entry in a deal's stage history: the deal entered `stage` with `status` at `at`. Time in a stage is
/// the gap to the next entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StageVisit {
    /// The deal.
    pub deal_id: DealId,
    /// The stage entered.
    pub stage: String,
    /// The status from then on.
    pub status: DealStatus,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: String,
}

/// Which deals to list. Every filter that is set must hold.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DealQuery {
    /// Only deals in this status.
    pub status: Option<DealStatus>,
    /// Only deals in this stage.
    pub stage: Option<String>,
    /// Only deals owned by this manager.
    pub owner_id: Option<ManagerId>,
    /// Only deals of this client.
    pub client_id: Option<ClientId>,
    /// Which page.
    pub page: Page,
}
