use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use super::{Money, SourceId, SpendId, code_enum};

code_enum!(
    /// How a request reached the company, or what kind of marketing source it is.
    Channel, "channel" {
        /// A phone call.
        Phone = "phone",
        /// A form on a web site.
        Web = "web",
        /// An e-mail.
        Email = "email",
        /// A web shop or marketplace order.
        Shop = "shop",
        /// Paid advertising.
        Ads = "ads",
        /// A recommendation by a client or partner.
        Referral = "referral",
        /// An outbound cold call.
        ColdCall = "cold_call",
        /// A visit to the office or store.
        WalkIn = "walk_in",
        /// A messenger (Telegram, Viber, WhatsApp).
        Messenger = "messenger",
        /// Anything else.
        Other = "other",
    }
);

/// A marketing source to add.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewSource {
    /// Name (`Google Ads`); with the campaign it must be unique.
    pub name: String,
    /// What kind of source it is.
    pub channel: Channel,
    /// Campaign within the source (`winter`).
    #[serde(default)]
    pub campaign: Option<String>,
}

/// A stored marketing source.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Source {
    /// Id.
    pub id: SourceId,
    /// Name.
    pub name: String,
    /// What kind of source it is.
    pub channel: Channel,
    /// Campaign within the source.
    pub campaign: Option<String>,
    /// When the source was added.
    pub created_at: DateTime<Utc>,
}

/// Money spent on a source on one day (or for a period booked on its first day).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewSpend {
    /// The source the money went to.
    pub source_id: SourceId,
    /// The day the spend is booked on.
    pub on: NaiveDate,
    /// The amount; not negative (book a refund as its own source note, not a negative spend).
    pub amount: Money,
    /// Free note (invoice number).
    #[serde(default)]
    pub note: Option<String>,
}

/// A stored spend entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Spend {
    /// Id.
    pub id: SpendId,
    /// The source the money went to.
    pub source_id: SourceId,
    /// The day the spend is booked on.
    pub on: NaiveDate,
    /// The amount.
    pub amount: Money,
    /// Free note.
    pub note: Option<String>,
    /// When the entry was recorded.
    pub created_at: DateTime<Utc>,
}
