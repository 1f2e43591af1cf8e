use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    Channel, Client, ClientId, DealId, LeadId, ManagerId, Money, Page, Quality, SourceId, code_enum,
};

code_enum!(
    /// Where a lead stands. See [`crate::lifecycle`] for the allowed moves.
    LeadStatus, "status" {
        /// Captured, nobody has answered yet.
        New = "new",
        /// A manager is working on it.
        InProgress = "in_progress",
        /// Confirmed as a real need with a budget.
        Qualified = "qualified",
        /// Became a client and a deal (final).
        Converted = "converted",
        /// Lost, with a reason from the catalogue.
        Lost = "lost",
        /// Not a real request: spam, a test, a duplicate.
        Junk = "junk",
    }
);

code_enum!(
    /// Why a lead is junk.
    JunkKind, "kind" {
        /// Spam or a bot.
        Spam = "spam",
        /// A test request.
        Test = "test",
        /// The same request was captured already.
        Duplicate = "duplicate",
    }
);

/// One incoming request, as captured.
///
/// Only what makes a request meaningless is refused: a missing channel (the type requires it) or not a
/// single way to reach the person (phone, e-mail, messenger, or a known client). A malformed phone or
/// e-mail is stored as given, flagged `invalid`, and reported as a [`Warning`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewLead {
    /// How the request came in.
    pub channel: Channel,
    /// The marketing source that brought it.
    #[serde(default)]
    pub source_id: Option<SourceId>,
    /// The person's name as given.
    #[serde(default)]
    pub name: Option<String>,
    /// The company as given.
    #[serde(default)]
    pub company: Option<String>,
    /// Phone as given.
    #[serde(default)]
    pub phone: Option<String>,
    /// E-mail as given.
    #[serde(default)]
    pub email: Option<String>,
    /// A messenger handle or other way to reach the person (`@ivan_p`, `viber +380...`).
    #[serde(default)]
    pub messenger: Option<String>,
    /// The need, problem or benefit sought, in the client's words at first contact.
    #[serde(default)]
    pub need: Option<String>,
    /// Product or category of interest (routing rules use it).
    #[serde(default)]
    pub interest: Option<String>,
    /// Region.
    #[serde(default)]
    pub region: Option<String>,
    /// Language (`uk`, `en`).
    #[serde(default)]
    pub language: Option<String>,
    /// Estimated value of the request.
    #[serde(default)]
    pub estimated_value: Option<Money>,
    /// The manager who takes it, when the caller decides.
    #[serde(default)]
    pub owner_id: Option<ManagerId>,
    /// The client it belongs to, when the caller knows.
    #[serde(default)]
    pub client_id: Option<ClientId>,
    /// The id in the system it came from (a web form id, a call id); unique when present.
    #[serde(default)]
    pub external_ref: Option<String>,
}

impl NewLead {
    /// A lead from a channel with nothing else filled in.
    pub fn new(channel: Channel) -> Self {
        NewLead {
            channel,
            source_id: None,
            name: None,
            company: None,
            phone: None,
            email: None,
            messenger: None,
            need: None,
            interest: None,
            region: None,
            language: None,
            estimated_value: None,
            owner_id: None,
            client_id: None,
            external_ref: None,
        }
    }
}

/// A stored lead.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Lead {
    /// Id.
    pub id: LeadId,
    /// Where it stands.
    pub status: LeadStatus,
    /// How the request came in.
    pub channel: Channel,
    /// The marketing source.
    pub source_id: Option<SourceId>,
    /// When it was received.
    pub received_at: DateTime<Utc>,
    /// Name as given.
    pub name: Option<String>,
    /// Company as given.
    pub company: Option<String>,
    /// Phone as given.
    pub phone: Option<String>,
    /// Whether the phone is well-formed.
    pub phone_quality: Option<Quality>,
    /// E-mail as given.
    pub email: Option<String>,
    /// Whether the e-mail is well-formed.
    pub email_quality: Option<Quality>,
    /// Messenger handle.
    pub messenger: Option<String>,
    /// The need as told at first contact.
    pub need: Option<String>,
    /// Product or category of interest.
    pub interest: Option<String>,
    /// Region.
    pub region: Option<String>,
    /// Language.
    pub language: Option<String>,
    /// Estimated value.
    pub estimated_value: Option<Money>,
    /// The manager who owns it.
    pub owner_id: Option<ManagerId>,
    /// The client it belongs to.
    pub client_id: Option<ClientId>,
    /// The deal it became.
    pub deal_id: Option<DealId>,
    /// When the first response is due.
    pub first_response_due: Option<DateTime<Utc>>,
    /// When the first outbound activity happened.
    pub first_response_at: Option<DateTime<Utc>>,
    /// Who made the first response.
    pub first_response_by: Option<ManagerId>,
    /// The response-time policy that set `first_response_due`.
    pub sla_policy: Option<String>,
    /// When the first-response deadline was found passed without a response (by `run_due`).
    pub sla_breached_at: Option<DateTime<Utc>>,
    /// While nobody can take the lead: why it waits in the queue.
    pub queued_reason: Option<String>,
    /// The lost reason code.
    pub lost_reason: Option<String>,
    /// Why it is junk.
    pub junk_kind: Option<JunkKind>,
    /// A note given when it was lost or junked.
    pub close_note: Option<String>,
    /// External reference.
    pub external_ref: Option<String>,
    /// When the status last changed.
    pub status_changed_at: DateTime<Utc>,
    /// When the lead last changed.
    pub updated_at: DateTime<Utc>,
}

/// A problem with captured data that did not stop the capture.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Warning {
    /// The input field.
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

/// The result of capturing a request.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Capture {
    /// The stored lead.
    pub lead: Lead,
    /// Problems with the data that were stored anyway (malformed phone, e-mail).
    pub warnings: Vec<Warning>,
    /// Existing clients that look like the sender, best first (score at least the `suggest` setting).
    /// Empty when the request named its client.
    pub matches: Vec<super::Match>,
    /// Whether the lead was linked to the best match automatically (its score reached `auto_link` and no
    /// other match did); a weaker match is left for a person to decide.
    pub auto_linked: bool,
    /// Who got the lead and why (the rule, the strategy, who was passed over), or why it is queued.
    /// `None` when nothing was decided: the same request was captured before, or the store has no
    /// routing rules and the lead has no owner (the host assigns it; routing is on once a rule exists).
    pub assignment: Option<super::Assignment>,
}

/// How to convert a lead.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ConvertLead {
    /// Link this existing client instead of the lead's own or a new one.
    pub client_id: Option<ClientId>,
    /// The deal amount; defaults to the lead's estimated value, then zero.
    pub amount: Option<Money>,
    /// The deal title; defaults to the lead's need or interest.
    pub title: Option<String>,
    /// The stage the deal opens in; defaults to the first stage of the pipeline.
    pub stage: Option<String>,
}

/// The result of converting a lead.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Conversion {
    /// The converted lead.
    pub lead_id: LeadId,
    /// The client the lead now belongs to.
    pub client_id: ClientId,
    /// The deal that was opened.
    pub deal_id: DealId,
    /// Whether the client was created by this conversion (false: an existing client was linked).
    pub client_created: bool,
    /// The client.
    pub client: Client,
}

/// A recorded change of a lead's status.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadTransition {
    /// The lead.
    pub lead_id: LeadId,
    /// The status before (`None` for the capture itself).
    pub from: Option<LeadStatus>,
    /// The status after.
    pub to: LeadStatus,
    /// When.
    pub at: DateTime<Utc>,
    /// Who (the acting user or system).
    pub actor: String,
    /// The lost reason code or junk kind, when there is one.
    pub reason: Option<String>,
}

/// A lost reason in the catalogue.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LostReason {
    /// Code (`price`), used in commands.
    pub code: String,
    /// Label for people (`Price too high`).
    pub label: String,
}

/// Which leads to list. Every filter that is set must hold.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LeadQuery {
    /// Only leads in this status.
    pub status: Option<LeadStatus>,
    /// Only leads owned by this manager.
    pub owner_id: Option<ManagerId>,
    /// Only leads from this source.
    pub source_id: Option<SourceId>,
    /// Only leads of this client.
    pub client_id: Option<ClientId>,
    /// Only leads received at or after this time.
    pub received_from: Option<DateTime<Utc>>,
    /// Only leads received before this time.
    pub received_to: Option<DateTime<Utc>>,
    /// Only the lead with this external reference.
    pub external_ref: Option<String>,
    /// Which page.
    pub page: Page,
}
