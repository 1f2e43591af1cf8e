//! Duplicates: what matching finds, the settings it runs with, and the record of a merge.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{ActivityId, ClientId, ClientKind, ContactId, DealId, LeadId, MergeId, OrderId};

/// An existing client that looks like the same party as a request or a probe.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Match {
    /// The client.
    pub client_id: ClientId,
    /// How sure: 0..1, rounded to 4 decimals (see [`crate::dedup`] for how it is computed).
    pub score: f64,
    /// The fields that agreed, strongest first (`tax_id`, `phone`, `email`, `name`, `company`,
    /// `birth_date`, `address`, `email_domain`): the explanation of the score.
    pub keys: Vec<String>,
}

/// Two clients that look like the same party.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DuplicatePair {
    /// The smaller id.
    pub a: ClientId,
    /// The larger id.
    pub b: ClientId,
    /// How sure: 0..1, rounded to 4 decimals.
    pub score: f64,
    /// The fields that agreed, as in [`Match::keys`].
    pub keys: Vec<String>,
}

/// What to look for with `find_duplicates`: any details of a party, all optional.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Probe {
    /// Person or company, when known (a company's name is compared as a company name).
    pub kind: Option<ClientKind>,
    /// A person's or a company's name.
    pub name: Option<String>,
    /// The company a person works for.
    pub company: Option<String>,
    /// A phone in any usual format.
    pub phone: Option<String>,
    /// An e-mail address.
    pub email: Option<String>,
    /// A tax id (ЄДРПОУ, ІПН or any other).
    pub tax_id: Option<String>,
    /// A postal address.
    pub address: Option<String>,
    /// A person's date of birth.
    pub birth_date: Option<NaiveDate>,
}

/// How duplicates are found; stored in the database, the same for every program that opens it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DedupSettings {
    /// A capture whose best match scores at least this (and is the only one that does) is linked to
    /// that client automatically. Default 0.9.
    pub auto_link: f64,
    /// Matches scoring at least this are returned by a capture and by `find_duplicates`. Default 0.5.
    pub suggest: f64,
    /// A matching key (a phone, an e-mail, a name …) shared by more than this many clients stops
    /// counting: a shared office phone or a reception address says nothing about who is who. Default 20.
    pub key_limit: u32,
    /// The country a phone written without a country code is read in (ISO 3166 alpha-2). Default `UA`.
    pub default_country: String,
}

impl Default for DedupSettings {
    fn default() -> Self {
        DedupSettings {
            auto_link: 0.9,
            suggest: 0.5,
            key_limit: 20,
            default_country: "UA".into(),
        }
    }
}

/// A change of the duplicate settings: the fields given change, the others keep their stored value.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DedupSettingsPatch {
    /// See [`DedupSettings::auto_link`].
    pub auto_link: Option<f64>,
    /// See [`DedupSettings::suggest`].
    pub suggest: Option<f64>,
    /// See [`DedupSettings::key_limit`].
    pub key_limit: Option<u32>,
    /// See [`DedupSettings::default_country`].
    pub default_country: Option<String>,
}

impl DedupSettingsPatch {
    /// `current` with this patch applied.
    pub fn apply(&self, current: &DedupSettings) -> DedupSettings {
        DedupSettings {
            auto_link: self.auto_link.unwrap_or(current.auto_link),
            suggest: self.suggest.unwrap_or(current.suggest),
            key_limit: self.key_limit.unwrap_or(current.key_limit),
            default_country: self
                .default_country
                .clone()
                .unwrap_or_else(|| current.default_country.clone()),
        }
    }
}

/// What a merge moved from the merged client to the kept one.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct Moved {
    /// Contact persons.
    pub contacts: Vec<ContactId>,
    /// Leads.
    pub leads: Vec<LeadId>,
    /// Deals.
    pub deals: Vec<DealId>,
    /// Activities.
    pub activities: Vec<ActivityId>,
    /// Orders (the rollups of the kept client are recomputed).
    pub orders: Vec<OrderId>,
    /// Tasks about the client.
    #[serde(default)]
    pub tasks: Vec<super::TaskId>,
    /// Entries of the assignment log about the client.
    #[serde(default)]
    pub assignments: Vec<super::AssignmentId>,
    /// Promises made to the client.
    #[serde(default)]
    pub promises: Vec<super::PromiseId>,
    /// The client's complaints.
    #[serde(default)]
    pub complaints: Vec<super::ComplaintId>,
}

/// A field where the two merged clients disagreed; the kept client's value stayed, the other is kept
/// in the merge record (and as a contact, for a phone or an e-mail).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MergeConflict {
    /// The field.
    pub field: String,
    /// The kept client's value.
    pub kept: String,
    /// The merged client's value.
    pub merged: String,
}

/// A merge of two clients, as recorded: enough to undo it exactly.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Merge {
    /// Id (give it to `unmerge`).
    pub id: MergeId,
    /// The client that stayed.
    pub kept_id: ClientId,
    /// The client that was merged into it (no longer listed until the merge is undone).
    pub merged_id: ClientId,
    /// When it was merged.
    pub at: DateTime<Utc>,
    /// Who merged.
    pub actor: String,
    /// The fields of the kept client that were empty and were filled from the merged one.
    pub filled: Vec<String>,
    /// The fields where the two disagreed.
    pub conflicts: Vec<MergeConflict>,
    /// The tags the kept client gained.
    pub added_tags: Vec<String>,
    /// The contact made from the merged client's own phone and e-mail, when they differed.
    pub contact_id: Option<ContactId>,
    /// What moved.
    pub moved: Moved,
    /// When the merge was undone, if it was.
    pub undone_at: Option<DateTime<Utc>>,
}
