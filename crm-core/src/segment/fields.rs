//! The field catalogue: every field an expression may name, per subject, with its type. This list is
//! the one place the fields are documented; `Crm::fields` returns it to callers.

use serde::Serialize;

/// What an expression is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Subject {
    /// Clients: segments for mailings, reactivation, retention rules.
    #[serde(alias = "client")]
    Clients,
    /// Incoming leads: conditions of routing rules and response-time policies.
    #[serde(alias = "lead")]
    Leads,
}

impl Subject {
    /// Every subject.
    pub const ALL: &'static [Subject] = &[Subject::Clients, Subject::Leads];

    /// The subject's name (`clients`, `leads`).
    pub fn as_str(self) -> &'static str {
        match self {
            Subject::Clients => "clients",
            Subject::Leads => "leads",
        }
    }
}

impl std::str::FromStr for Subject {
    type Err = crate::Error;

    fn from_str(s: &str) -> crate::Result<Subject> {
        match s {
            "clients" | "client" => Ok(Subject::Clients),
            "leads" | "lead" => Ok(Subject::Leads),
            _ => Err(crate::Error::validation(
                "subject",
                "must be \"clients\" or \"leads\"",
            )),
        }
    }
}

/// The type of a field: which values and tests it takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldType {
    /// Text: `=`, `!=`, `<` … (by code point), `in`, `between`, `contains`, `starts with` (the last two
    /// case-insensitive), `is null`. Values in single quotes.
    Text,
    /// One of a fixed set of codes (listed in `values`): `=`, `!=`, `in`, `is null`.
    Choice,
    /// A whole number: comparisons, `in`, `between`, `is null`.
    Integer,
    /// Money in the store's currency, as a decimal (`1500`, `1500.50`): compared exactly.
    Money,
    /// A calendar date (UTC): `2026-11-01`, or `90d ago` / `2w ago` (before the evaluation date).
    Date,
    /// A number of days: `90` or `90d` / `2w`.
    Days,
    /// The hour of the day, 0–23 (in the store calendar's time zone; UTC without one).
    Hour,
    /// The day of the week: `'mon'` … `'sun'` (or full names), or 1 (Monday) … 7 (Sunday).
    Weekday,
    /// A source: its id, or its name in quotes (every source of that name, any campaign).
    Source,
    /// A manager: an id, or a name in quotes.
    Manager,
    /// A client's id.
    Client,
    /// The client's tags: only `has tag 'vip'` (case-insensitive).
    Tags,
    /// A probability, 0 to 1 (`0.3`, `1`): comparisons, `in`, `between`, `is null`. Compared as `f64`
    /// (the value written is read as the nearest `f64`, as SQLite reads it); a value outside [0, 1] is
    /// refused.
    Probability,
    /// A key of the client's attributes (`attributes.loyalty`, `attributes."loyalty card"`): compared with
    /// a value of the same JSON type (text, number, `true`/`false`); a value of another type, or no value,
    /// is missing.
    Attribute,
}

/// One field of the catalogue.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldInfo {
    /// The name as written in expressions (`attributes.<key>` stands for every attribute key).
    pub name: &'static str,
    /// The type.
    #[serde(rename = "type")]
    pub field_type: FieldType,
    /// For a choice, the codes it takes; empty otherwise.
    pub values: Vec<&'static str>,
    /// Whether the value may be missing (`is null` can be true).
    pub nullable: bool,
    /// What the field means.
    pub doc: &'static str,
}

/// A field an expression names, resolved.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Field {
    // clients
    Name,
    Kind,
    Region,
    Industry,
    Owner,
    Tags,
    Created,
    FirstSource,
    Email,
    Phone,
    TaxId,
    Revenue,
    Revenue90,
    Revenue365,
    Orders,
    FirstOrder,
    LastOrder,
    DaysSinceLastOrder,
    AverageOrder,
    Abc,
    Xyz,
    RfmSegment,
    PAlive,
    RScore,
    FScore,
    MScore,
    Dormancy,
    DaysToBirthday,
    Updated,
    DaysSinceComplaintResolved,
    OpenComplaints,
    Attribute(Vec<String>),
    // leads
    LeadSource,
    LeadChannel,
    LeadRegion,
    LeadLanguage,
    LeadInterest,
    LeadEstimate,
    LeadStatus,
    LeadOwner,
    LeadClient,
    LeadName,
    LeadCompany,
    LeadNeed,
    LeadReceived,
    LeadHour,
    LeadWeekday,
}

/// One catalogue row: the public description and the field it resolves to.
pub(crate) struct Entry {
    pub(crate) info: FieldInfo,
    pub(crate) field: Field,
}

fn entry(
    name: &'static str,
    field_type: FieldType,
    nullable: bool,
    field: Field,
    doc: &'static str,
) -> Entry {
    Entry {
        info: FieldInfo {
            name,
            field_type,
            values: Vec::new(),
            nullable,
            doc,
        },
        field,
    }
}

fn choice(
    name: &'static str,
    values: Vec<&'static str>,
    nullable: bool,
    field: Field,
    doc: &'static str,
) -> Entry {
    Entry {
        info: FieldInfo {
            name,
            field_type: FieldType::Choice,
            values,
            nullable,
            doc,
        },
        field,
    }
}

/// The catalogue of a subject, in documentation order.
pub(crate) fn catalogue(subject: Subject) -> Vec<Entry> {
    use FieldType as T;
    match subject {
        Subject::Clients => vec![
            entry("name", T::Text, false, Field::Name, "the client's name"),
            choice(
                "kind",
                crate::model::ClientKind::ALL
                    .iter()
                    .map(|k| k.as_str())
                    .collect(),
                false,
                Field::Kind,
                "company or person",
            ),
            entry(
                "region",
                T::Text,
                true,
                Field::Region,
                "the client's region, as recorded",
            ),
            entry(
                "industry",
                T::Text,
                true,
                Field::Industry,
                "the client's industry, as recorded",
            ),
            entry(
                "owner",
                T::Manager,
                true,
                Field::Owner,
                "the manager who owns the client",
            ),
            entry(
                "tags",
                T::Tags,
                false,
                Field::Tags,
                "the client's tags: has tag 'vip'",
            ),
            entry(
                "created",
                T::Date,
                false,
                Field::Created,
                "the date the client was added",
            ),
            entry(
                "source",
                T::Source,
                true,
                Field::FirstSource,
                "the source of the client's first lead (the earliest received by the evaluation time)",
            ),
            entry(
                "email",
                T::Text,
                true,
                Field::Email,
                "the client's e-mail, as recorded",
            ),
            entry(
                "phone",
                T::Text,
                true,
                Field::Phone,
                "the client's phone, as recorded",
            ),
            entry(
                "tax_id",
                T::Text,
                true,
                Field::TaxId,
                "the client's tax id, as recorded",
            ),
            entry(
                "revenue",
                T::Money,
                false,
                Field::Revenue,
                "total of the client's completed orders placed by the evaluation time; 0 without orders",
            ),
            entry(
                "revenue_90d",
                T::Money,
                false,
                Field::Revenue90,
                "total of completed orders placed in the 90 days up to the evaluation time (exactly 90 × 24 h)",
            ),
            entry(
                "revenue_365d",
                T::Money,
                false,
                Field::Revenue365,
                "total of completed orders placed in the 365 days up to the evaluation time",
            ),
            entry(
                "orders",
                T::Integer,
                false,
                Field::Orders,
                "number of completed orders placed by the evaluation time; 0 without orders",
            ),
            entry(
                "first_order",
                T::Date,
                true,
                Field::FirstOrder,
                "date (UTC) of the first completed order; missing without orders",
            ),
            entry(
                "last_order",
                T::Date,
                true,
                Field::LastOrder,
                "date (UTC) of the last completed order placed by the evaluation time; missing without orders",
            ),
            entry(
                "days_since_last_order",
                T::Days,
                true,
                Field::DaysSinceLastOrder,
                "days from the last order's date to the evaluation date (UTC dates); missing without orders",
            ),
            entry(
                "average_order",
                T::Money,
                true,
                Field::AverageOrder,
                "revenue / orders, rounded half up to the minor unit; missing without orders",
            ),
            choice(
                "abc",
                vec!["A", "B", "C"],
                true,
                Field::Abc,
                "the ABC class by revenue (crate::analytics::abc): completed orders placed up to the evaluation \
                 date (UTC, the whole day), over all history, clients ranked by revenue, A while the cumulative share including \
                 the client is under 80 %, B under 95 %, C the rest (the inclusive rule); missing without a \
                 completed order by that date",
            ),
            choice(
                "xyz",
                vec!["X", "Y", "Z"],
                true,
                Field::Xyz,
                "the XYZ class (crate::analytics::xyz): the coefficient of variation of monthly revenue of \
                 completed orders over the 12 whole calendar months before the evaluation time's month \
                 (from the month of the first purchase for a younger client); X up to 10 %, Y up to 25 %, \
                 Z above; missing with fewer than 3 months measured or no revenue in them",
            ),
            choice(
                "rfm_segment",
                crate::analytics::rfm::RfmSegment::ALL
                    .iter()
                    .map(|s| s.as_str())
                    .collect(),
                true,
                Field::RfmSegment,
                "the RFM segment (crate::analytics::rfm): recency, frequency and monetary quintiles \
                 (NTILE(5), ties broken by client id) as of the evaluation time's date, over the clients \
                 with a completed order by that date; written as the code or as people write it ('at risk', \
                 'Can''t Lose': case, spaces, hyphens and apostrophes do not matter); missing without a \
                 completed order by that date",
            ),
            entry(
                "p_alive",
                T::Probability,
                true,
                Field::PAlive,
                "the probability, 0 to 1, that the client is still buying (crate::analytics::bgnbd): a \
                 BG/NBD model fitted on the store's own completed orders up to the evaluation date (UTC), \
                 time in days; missing without a completed order by then or when no model can be fitted",
            ),
            entry(
                "r_score",
                T::Integer,
                true,
                Field::RScore,
                "the RFM recency score, 1 (longest ago) to 5 (most recent), as for rfm_segment",
            ),
            entry(
                "f_score",
                T::Integer,
                true,
                Field::FScore,
                "the RFM frequency score, 1 (fewest orders) to 5 (most), as for rfm_segment",
            ),
            entry(
                "m_score",
                T::Integer,
                true,
                Field::MScore,
                "the RFM monetary score, 1 (least revenue) to 5 (most), as for rfm_segment",
            ),
            choice(
                "dormancy",
                crate::model::DormancyState::ALL
                    .iter()
                    .map(|s| s.as_str())
                    .collect(),
                true,
                Field::Dormancy,
                "the client's place on the dormancy ladder (crate::retention::dormancy: active, cooling, \
                 dormant, lost, against the client's own buying rhythm) as the last run_due left it, \
                 whatever the evaluation time; missing for a client never placed (no completed order, \
                 or none since the last run_due)",
            ),
            entry(
                "days_to_birthday",
                T::Days,
                true,
                Field::DaysToBirthday,
                "days from the evaluation date (UTC) to the client's next birthday: 0 on the birthday, \
                 364 or 365 the day after; a 29 February birthday falls on 1 March in common years; \
                 missing without a birth date",
            ),
            entry(
                "updated",
                T::Date,
                false,
                Field::Updated,
                "the date (UTC) the client's details last changed (its updated_at), whatever the \
                 evaluation time",
            ),
            entry(
                "days_since_complaint_resolved",
                T::Days,
                true,
                Field::DaysSinceComplaintResolved,
                "days from the date (UTC) of the latest resolution of the client's complaints now \
                 resolved or closed, resolved by the evaluation time, to the evaluation date; missing \
                 without one",
            ),
            entry(
                "open_complaints",
                T::Integer,
                false,
                Field::OpenComplaints,
                "the number of the client's complaints now open or in progress, opened by the \
                 evaluation time; 0 without any",
            ),
            entry(
                "attributes.<key>",
                T::Attribute,
                true,
                Field::Attribute(Vec::new()),
                "a value of the client's attributes (nested keys with dots: attributes.address.city)",
            ),
        ],
        Subject::Leads => vec![
            entry(
                "source",
                T::Source,
                true,
                Field::LeadSource,
                "the lead's source",
            ),
            choice(
                "channel",
                crate::model::Channel::ALL
                    .iter()
                    .map(|c| c.as_str())
                    .collect(),
                false,
                Field::LeadChannel,
                "how the request came in",
            ),
            entry(
                "region",
                T::Text,
                true,
                Field::LeadRegion,
                "the region given with the request",
            ),
            entry(
                "language",
                T::Text,
                true,
                Field::LeadLanguage,
                "the language of the request",
            ),
            entry(
                "interest",
                T::Text,
                true,
                Field::LeadInterest,
                "what the request is about (a product line)",
            ),
            entry(
                "estimate",
                T::Money,
                true,
                Field::LeadEstimate,
                "the estimated value of the request",
            ),
            choice(
                "status",
                crate::model::LeadStatus::ALL
                    .iter()
                    .map(|s| s.as_str())
                    .collect(),
                false,
                Field::LeadStatus,
                "the lead's status",
            ),
            entry(
                "owner",
                T::Manager,
                true,
                Field::LeadOwner,
                "the manager the lead is assigned to",
            ),
            entry(
                "client",
                T::Client,
                true,
                Field::LeadClient,
                "the known client the lead belongs to",
            ),
            entry(
                "name",
                T::Text,
                true,
                Field::LeadName,
                "the person's name as given",
            ),
            entry(
                "company",
                T::Text,
                true,
                Field::LeadCompany,
                "the company as given",
            ),
            entry(
                "need",
                T::Text,
                true,
                Field::LeadNeed,
                "the need as described",
            ),
            entry(
                "received",
                T::Date,
                false,
                Field::LeadReceived,
                "the date the request came in, in the store calendar's time zone (UTC without one)",
            ),
            entry(
                "hour",
                T::Hour,
                false,
                Field::LeadHour,
                "the hour (0–23) the request came in, in the store calendar's time zone (UTC without one)",
            ),
            entry(
                "weekday",
                T::Weekday,
                false,
                Field::LeadWeekday,
                "the day of the week the request came in, in the store calendar's time zone: 'mon' … 'sun', or 1 … 7",
            ),
        ],
    }
}

/// The public catalogue of a subject.
pub fn fields(subject: Subject) -> Vec<FieldInfo> {
    catalogue(subject).into_iter().map(|e| e.info).collect()
}
