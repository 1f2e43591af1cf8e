use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{ClientId, ContactId, ManagerId, Page, code_enum};

code_enum!(
    /// Whether a client is a company or a private person.
    ClientKind, "kind" {
        /// A legal entity or sole trader.
        Company = "company",
        /// A private person.
        Person = "person",
    }
);

code_enum!(
    /// Whether a phone, e-mail or tax id looked well-formed when it was stored. An `invalid` value is kept
    /// as given (a request is never lost for a typo) but is never used as a matching key.
    Quality, "quality" {
        /// Well-formed; normalised and used for matching.
        Valid = "valid",
        /// Malformed; kept as given, not used for matching.
        Invalid = "invalid",
    }
);

/// A client to add.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewClient {
    /// Company or person; `None` means company.
    #[serde(default)]
    pub kind: Option<ClientKind>,
    /// Name (company name or person's full name); must not be empty.
    pub name: String,
    /// Tax id (EDRPOU, INN, VAT number).
    #[serde(default)]
    pub tax_id: Option<String>,
    /// Main phone.
    #[serde(default)]
    pub phone: Option<String>,
    /// Main e-mail.
    #[serde(default)]
    pub email: Option<String>,
    /// Web site.
    #[serde(default)]
    pub website: Option<String>,
    /// Industry or activity.
    #[serde(default)]
    pub industry: Option<String>,
    /// Region.
    #[serde(default)]
    pub region: Option<String>,
    /// Postal address.
    #[serde(default)]
    pub address: Option<String>,
    /// Birth date (for persons).
    #[serde(default)]
    pub birth_date: Option<NaiveDate>,
    /// The manager who owns the client.
    #[serde(default)]
    pub owner_id: Option<ManagerId>,
    /// Free tags; stored trimmed, de-duplicated and sorted.
    #[serde(default)]
    pub tags: Vec<String>,
    /// Free attributes: a JSON object (or null).
    #[serde(default)]
    pub attributes: serde_json::Value,
    /// The client's id in an ERP or shop (`1C-000123`); unique when present.
    #[serde(default)]
    pub external_ref: Option<String>,
}

impl NewClient {
    /// A client with a name and defaults elsewhere.
    pub fn new(kind: ClientKind, name: impl Into<String>) -> Self {
        NewClient {
            kind: Some(kind),
            name: name.into(),
            ..Default::default()
        }
    }
}

/// A stored client.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Client {
    /// Id.
    pub id: ClientId,
    /// Company or person.
    pub kind: ClientKind,
    /// Name.
    pub name: String,
    /// Tax id as given.
    pub tax_id: Option<String>,
    /// Whether the tax id is well-formed (`None` when there is none).
    pub tax_id_quality: Option<Quality>,
    /// Main phone as given.
    pub phone: Option<String>,
    /// Whether the phone is well-formed.
    pub phone_quality: Option<Quality>,
    /// Main e-mail as given.
    pub email: Option<String>,
    /// Whether the e-mail is well-formed.
    pub email_quality: Option<Quality>,
    /// Web site.
    pub website: Option<String>,
    /// Industry or activity.
    pub industry: Option<String>,
    /// Region.
    pub region: Option<String>,
    /// Postal address.
    pub address: Option<String>,
    /// Birth date.
    pub birth_date: Option<NaiveDate>,
    /// The owning manager.
    pub owner_id: Option<ManagerId>,
    /// Tags, sorted.
    pub tags: Vec<String>,
    /// Free attributes (a JSON object, or null).
    pub attributes: serde_json::Value,
    /// ERP or shop reference.
    pub external_ref: Option<String>,
    /// When the client was added.
    pub created_at: DateTime<Utc>,
    /// When the client last changed.
    pub updated_at: DateTime<Utc>,
}

/// Changes to a client: a field left `None` stays as it is. For the optional fields, `Some(None)` clears
/// the value (in JSON: the field present with `null`) and `Some(Some(v))` sets it.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClientPatch {
    /// New kind.
    pub kind: Option<ClientKind>,
    /// New name (a name cannot be cleared).
    pub name: Option<String>,
    /// New tax id, or clear it.
    #[serde(deserialize_with = "super::nullable")]
    pub tax_id: Option<Option<String>>,
    /// New phone, or clear it.
    #[serde(deserialize_with = "super::nullable")]
    pub phone: Option<Option<String>>,
    /// New e-mail, or clear it.
    #[serde(deserialize_with = "super::nullable")]
    pub email: Option<Option<String>>,
    /// New web site, or clear it.
    #[serde(deserialize_with = "super::nullable")]
    pub website: Option<Option<String>>,
    /// New industry, or clear it.
    #[serde(deserialize_with = "super::nullable")]
    pub industry: Option<Option<String>>,
    /// New region, or clear it.
    #[serde(deserialize_with = "super::nullable")]
    pub region: Option<Option<String>>,
    /// New address, or clear it.
    #[serde(deserialize_with = "super::nullable")]
    pub address: Option<Option<String>>,
    /// New birth date, or clear it.
    #[serde(deserialize_with = "super::nullable")]
    pub birth_date: Option<Option<NaiveDate>>,
    /// New owner, or no owner.
    #[serde(deserialize_with = "super::nullable")]
    pub owner_id: Option<Option<ManagerId>>,
    /// New tags (replace the old ones).
    pub tags: Option<Vec<String>>,
    /// New free attributes (replace the old ones).
    pub attributes: Option<serde_json::Value>,
    /// New ERP reference, or clear it.
    #[serde(deserialize_with = "super::nullable")]
    pub external_ref: Option<Option<String>>,
}

/// Which clients to list. Every filter that is set must hold.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ClientQuery {
    /// Only clients owned by this manager.
    pub owner_id: Option<ManagerId>,
    /// Only companies or only persons.
    pub kind: Option<ClientKind>,
    /// Only clients with this tag.
    pub tag: Option<String>,
    /// Only the client with this ERP reference.
    pub external_ref: Option<String>,
    /// Which page.
    pub page: Page,
}

/// A person at a client to add.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewContact {
    /// The client this person works for.
    pub client_id: ClientId,
    /// Full name; must not be empty.
    pub name: String,
    /// Position (`purchasing manager`).
    #[serde(default)]
    pub position: Option<String>,
    /// Phones, as given.
    #[serde(default)]
    pub phones: Vec<String>,
    /// E-mails, as given.
    #[serde(default)]
    pub emails: Vec<String>,
}

/// A stored contact person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    /// Id.
    pub id: ContactId,
    /// The client.
    pub client_id: ClientId,
    /// Full name.
    pub name: String,
    /// Position.
    pub position: Option<String>,
    /// Phones.
    pub phones: Vec<String>,
    /// E-mails.
    pub emails: Vec<String>,
    /// When the contact was added.
    pub created_at: DateTime<Utc>,
}
