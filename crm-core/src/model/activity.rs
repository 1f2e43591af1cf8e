use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{ActivityId, ClientId, DealId, LeadId, ManagerId, Page, code_enum};

code_enum!(
    /// What kind of contact an activity is.
    ActivityKind, "kind" {
        /// A phone call.
        Call = "call",
        /// An e-mail.
        Email = "email",
        /// A meeting.
        Meeting = "meeting",
        /// A messenger message.
        Message = "message",
        /// An internal note (never a response to the client).
        Note = "note",
        /// A document sent: a commercial offer, an invoice, a contract.
        Document = "document",
    }
);

code_enum!(
    /// Who started the contact.
    Direction, "direction" {
        /// From the client to us.
        In = "in",
        /// From us to the client.
        Out = "out",
    }
);

/// An activity to log. It must be linked to at least one of a lead, a client or a deal.
///
/// The first outbound activity on a lead (a call, e-mail, meeting, message or document — not a note) is its
/// first response: the lead records when and by whom, and a new lead moves to in progress.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewActivity {
    /// What kind of contact.
    pub kind: ActivityKind,
    /// Who started it; `None` for a note.
    #[serde(default)]
    pub direction: Option<Direction>,
    /// The lead it belongs to.
    #[serde(default)]
    pub lead_id: Option<LeadId>,
    /// The client; defaults to the lead's or deal's client.
    #[serde(default)]
    pub client_id: Option<ClientId>,
    /// The deal.
    #[serde(default)]
    pub deal_id: Option<DealId>,
    /// The manager who did it.
    #[serde(default)]
    pub manager_id: Option<ManagerId>,
    /// Subject or short summary.
    #[serde(default)]
    pub subject: Option<String>,
    /// Body or notes.
    #[serde(default)]
    pub body: Option<String>,
    /// Outcome (`agreed to a meeting`, `no answer`).
    #[serde(default)]
    pub outcome: Option<String>,
    /// The document sent (`offer KP-2026-117`), for documents.
    #[serde(default)]
    pub document_ref: Option<String>,
    /// Length of a call or meeting in seconds.
    #[serde(default)]
    pub duration_seconds: Option<u32>,
    /// The code of the commercial offer or template the document or e-mail carried
    /// (`KP-wholesale-2026`); the offer report counts sends and later sales by it. At most 200 characters.
    #[serde(default)]
    pub offer: Option<String>,
    /// The code of an objection met (`too_expensive`, `has_supplier`); the objection report counts it.
    /// At most 200 characters.
    #[serde(default)]
    pub objection: Option<String>,
    /// The code of the argument used against the objection (`delivery_included`). At most 200
    /// characters.
    #[serde(default)]
    pub argument: Option<String>,
}

impl NewActivity {
    /// An activity of a kind and direction with no links yet.
    pub fn new(kind: ActivityKind, direction: Option<Direction>) -> Self {
        NewActivity {
            kind,
            direction,
            lead_id: None,
            client_id: None,
            deal_id: None,
            manager_id: None,
            subject: None,
            body: None,
            outcome: None,
            document_ref: None,
            duration_seconds: None,
            offer: None,
            objection: None,
            argument: None,
        }
    }
}

/// A stored activity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Activity {
    /// Id.
    pub id: ActivityId,
    /// What kind of contact.
    pub kind: ActivityKind,
    /// Who started it.
    pub direction: Option<Direction>,
    /// The lead.
    pub lead_id: Option<LeadId>,
    /// The client.
    pub client_id: Option<ClientId>,
    /// The deal.
    pub deal_id: Option<DealId>,
    /// The manager.
    pub manager_id: Option<ManagerId>,
    /// When it happened.
    pub at: DateTime<Utc>,
    /// Subject.
    pub subject: Option<String>,
    /// Body.
    pub body: Option<String>,
    /// Outcome.
    pub outcome: Option<String>,
    /// Document sent.
    pub document_ref: Option<String>,
    /// Length in seconds.
    pub duration_seconds: Option<u32>,
    /// The offer or template code it carried.
    #[serde(default)]
    pub offer: Option<String>,
    /// The objection code met.
    #[serde(default)]
    pub objection: Option<String>,
    /// The argument code used against the objection.
    #[serde(default)]
    pub argument: Option<String>,
}

/// Which activities to list. Every filter that is set must hold.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ActivityQuery {
    /// Only activities on this lead.
    pub lead_id: Option<LeadId>,
    /// Only activities with this client.
    pub client_id: Option<ClientId>,
    /// Only activities on this deal.
    pub deal_id: Option<DealId>,
    /// Only activities of this manager.
    pub manager_id: Option<ManagerId>,
    /// Which page.
    pub page: Page,
}
