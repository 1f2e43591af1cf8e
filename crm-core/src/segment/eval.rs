//! Evaluation of a checked condition on one record in memory.
//!
//! The logic is SQL's three-valued one, so that the in-memory path and the compiled SQL always agree: a
//! test on a missing value is unknown; `not unknown` is unknown; `false and unknown` is false, `true or
//! unknown` is true; a record matches only when the whole condition is true.

use std::cmp::Ordering;

use chrono::{DateTime, Datelike, NaiveDate, NaiveDateTime, Timelike, Utc};

use super::check::{Condition, Node, Test, Val};
use super::fields::{Field, Subject};
use super::{contains, fold, starts_with};
use crate::analytics::abc::AbcClass;
use crate::analytics::rfm::RfmSegment;
use crate::analytics::xyz::XyzClass;
use crate::model::{ClientId, ClientKind, DormancyState, Lead, ManagerId, Money, SourceId};

/// What the client fields of an expression read for one client, as of an evaluation time: the
/// client's own details and the figures of its completed orders placed by then.
#[derive(Debug, Clone, PartialEq)]
pub struct ClientFacts {
    /// The client.
    pub id: ClientId,
    /// `name`
    pub name: String,
    /// `kind`
    pub kind: ClientKind,
    /// `region`
    pub region: Option<String>,
    /// `industry`
    pub industry: Option<String>,
    /// `owner`
    pub owner_id: Option<ManagerId>,
    /// `has tag` (as stored).
    pub tags: Vec<String>,
    /// `created`
    pub created_at: DateTime<Utc>,
    /// `source`: the source of the earliest lead received by the evaluation time.
    pub first_source: Option<SourceId>,
    /// `email`
    pub email: Option<String>,
    /// `phone`
    pub phone: Option<String>,
    /// `tax_id`
    pub tax_id: Option<String>,
    /// `attributes.<key>`
    pub attributes: serde_json::Value,
    /// `revenue`: completed orders placed by the evaluation time.
    pub revenue: Money,
    /// `orders`
    pub orders: i64,
    /// `first_order`
    pub first_order_at: Option<DateTime<Utc>>,
    /// `last_order`
    pub last_order_at: Option<DateTime<Utc>>,
    /// `revenue_90d`: completed orders placed in (evaluation time − 90 days, evaluation time].
    pub revenue_90d: Money,
    /// `revenue_365d`
    pub revenue_365d: Money,
    /// `abc`: the ABC class by revenue as of the evaluation time (see the field catalogue); `None`
    /// without a completed order by then.
    pub abc: Option<AbcClass>,
    /// `xyz`: the XYZ class of monthly revenue; `None` when too few months were measured.
    pub xyz: Option<XyzClass>,
    /// `rfm_segment`: the RFM segment as of the evaluation date; `None` without a completed order.
    pub rfm_segment: Option<RfmSegment>,
    /// `p_alive`: the BG/NBD probability of being alive, 0 to 1; `None` without a completed order or
    /// model (a NaN reads as missing too, as SQLite stores NaN as NULL).
    pub p_alive: Option<f64>,
    /// `r_score`: the RFM recency score, 1 to 5.
    pub r_score: Option<u8>,
    /// `f_score`: the RFM frequency score, 1 to 5.
    pub f_score: Option<u8>,
    /// `m_score`: the RFM monetary score, 1 to 5.
    pub m_score: Option<u8>,
    /// `updated`: when the client's details last changed.
    pub updated_at: DateTime<Utc>,
    /// `days_to_birthday` reads it.
    pub birth_date: Option<NaiveDate>,
    /// `dormancy`: the place on the ladder as the last `run_due` left it; `None` when never placed.
    pub dormancy: Option<DormancyState>,
    /// `days_since_complaint_resolved`: the latest `resolved_at`, by the evaluation time, of the
    /// client's complaints now resolved or closed.
    pub complaint_resolved_at: Option<DateTime<Utc>>,
    /// `open_complaints`: complaints now open or in progress, opened by the evaluation time.
    pub open_complaints: i64,
}

impl ClientFacts {
    /// A client with no details, orders, scores or complaints beyond its id, name, kind and creation
    /// time (which is also its last update): fill in the rest with struct update syntax.
    pub fn new(
        id: ClientId,
        name: impl Into<String>,
        kind: ClientKind,
        created_at: DateTime<Utc>,
    ) -> ClientFacts {
        ClientFacts {
            id,
            name: name.into(),
            kind,
            region: None,
            industry: None,
            owner_id: None,
            tags: Vec::new(),
            created_at,
            first_source: None,
            email: None,
            phone: None,
            tax_id: None,
            attributes: serde_json::Value::Null,
            revenue: Money::from_minor(0),
            orders: 0,
            first_order_at: None,
            last_order_at: None,
            revenue_90d: Money::from_minor(0),
            revenue_365d: Money::from_minor(0),
            abc: None,
            xyz: None,
            rfm_segment: None,
            p_alive: None,
            r_score: None,
            f_score: None,
            m_score: None,
            updated_at: created_at,
            birth_date: None,
            dormancy: None,
            complaint_resolved_at: None,
            open_complaints: 0,
        }
    }
}

/// A value read from a record for one test.
enum Datum<'a> {
    Null,
    Int(i64),
    Real(f64),
    Text(&'a str),
    Date(NaiveDate),
    Json(&'a serde_json::Value),
}

fn opt_text(v: &Option<String>) -> Datum<'_> {
    v.as_deref().map_or(Datum::Null, Datum::Text)
}

fn opt_int(v: Option<i64>) -> Datum<'static> {
    v.map_or(Datum::Null, Datum::Int)
}

fn opt_date(v: Option<DateTime<Utc>>) -> Datum<'static> {
    v.map_or(Datum::Null, |t| Datum::Date(t.date_naive()))
}

/// The code of an XYZ class, as `xyz` reads it.
fn xyz_code(class: XyzClass) -> &'static str {
    match class {
        XyzClass::X => "X",
        XyzClass::Y => "Y",
        XyzClass::Z => "Z",
    }
}

/// Rounds revenue / orders half up to the minor unit (both non-negative).
pub(crate) fn average(revenue: i64, orders: i64) -> Option<i64> {
    if orders <= 0 {
        return None;
    }
    let (r, n) = (i128::from(revenue), i128::from(orders));
    i64::try_from((2 * r + n).div_euclid(2 * n)).ok()
}

/// The birthday of someone born on `birth` in `year`: 29 February falls on 1 March in a common year.
fn birthday_in(birth: NaiveDate, year: i32) -> Option<NaiveDate> {
    NaiveDate::from_ymd_opt(year, birth.month(), birth.day())
        .or_else(|| NaiveDate::from_ymd_opt(year, 3, 1))
}

/// Days from `on` to the next birthday of someone born on `birth`: 0 on the birthday itself. `None`
/// when that birthday would fall after the year 9999 (beyond any stored date; SQL cannot name it).
pub(crate) fn days_to_birthday(birth: NaiveDate, on: NaiveDate) -> Option<i64> {
    let this_year = birthday_in(birth, on.year())?;
    let next = if this_year >= on {
        this_year
    } else {
        birthday_in(birth, on.year().checked_add(1)?)?
    };
    (next.year() <= 9999).then(|| (next - on).num_days())
}

trait Record {
    fn datum(&self, field: &Field, as_of: DateTime<Utc>) -> Datum<'_>;
    fn has_tag(&self, folded: &str) -> bool;
}

impl Record for ClientFacts {
    fn datum(&self, field: &Field, as_of: DateTime<Utc>) -> Datum<'_> {
        match field {
            Field::Name => Datum::Text(&self.name),
            Field::Kind => Datum::Text(self.kind.as_str()),
            Field::Region => opt_text(&self.region),
            Field::Industry => opt_text(&self.industry),
            Field::Owner => opt_int(self.owner_id.map(|m| m.0)),
            Field::Created => Datum::Date(self.created_at.date_naive()),
            Field::FirstSource => opt_int(self.first_source.map(|s| s.0)),
            Field::Email => opt_text(&self.email),
            Field::Phone => opt_text(&self.phone),
            Field::TaxId => opt_text(&self.tax_id),
            Field::Revenue => Datum::Int(self.revenue.minor()),
            Field::Revenue90 => Datum::Int(self.revenue_90d.minor()),
            Field::Revenue365 => Datum::Int(self.revenue_365d.minor()),
            Field::Orders => Datum::Int(self.orders),
            Field::FirstOrder => opt_date(self.first_order_at),
            Field::LastOrder => opt_date(self.last_order_at),
            Field::DaysSinceLastOrder => opt_int(
                self.last_order_at
                    .map(|t| (as_of.date_naive() - t.date_naive()).num_days()),
            ),
            Field::AverageOrder => opt_int(average(self.revenue.minor(), self.orders)),
            Field::Abc => self.abc.map_or(Datum::Null, |c| Datum::Text(c.as_str())),
            Field::Xyz => self.xyz.map_or(Datum::Null, |c| Datum::Text(xyz_code(c))),
            Field::RfmSegment => self
                .rfm_segment
                .map_or(Datum::Null, |s| Datum::Text(s.as_str())),
            Field::PAlive => self
                .p_alive
                .filter(|p| !p.is_nan())
                .map_or(Datum::Null, Datum::Real),
            Field::RScore => opt_int(self.r_score.map(i64::from)),
            Field::FScore => opt_int(self.f_score.map(i64::from)),
            Field::MScore => opt_int(self.m_score.map(i64::from)),
            Field::Dormancy => self
                .dormancy
                .map_or(Datum::Null, |s| Datum::Text(s.as_str())),
            Field::DaysToBirthday => opt_int(
                self.birth_date
                    .and_then(|b| days_to_birthday(b, as_of.date_naive())),
            ),
            Field::Updated => Datum::Date(self.updated_at.date_naive()),
            Field::DaysSinceComplaintResolved => opt_int(
                self.complaint_resolved_at
                    .map(|t| (as_of.date_naive() - t.date_naive()).num_days()),
            ),
            Field::OpenComplaints => Datum::Int(self.open_complaints),
            Field::Attribute(path) => {
                let mut value = &self.attributes;
                for key in path {
                    match value.get(key) {
                        Some(v) => value = v,
                        None => return Datum::Null,
                    }
                }
                Datum::Json(value)
            }
            _ => Datum::Null,
        }
    }

    fn has_tag(&self, folded: &str) -> bool {
        self.tags.iter().any(|t| fold(t) == folded)
    }
}

impl Record for Lead {
    fn datum(&self, field: &Field, _as_of: DateTime<Utc>) -> Datum<'_> {
        match field {
            Field::LeadSource => opt_int(self.source_id.map(|s| s.0)),
            Field::LeadChannel => Datum::Text(self.channel.as_str()),
            Field::LeadRegion => opt_text(&self.region),
            Field::LeadLanguage => opt_text(&self.language),
            Field::LeadInterest => opt_text(&self.interest),
            Field::LeadEstimate => opt_int(self.estimated_value.map(Money::minor)),
            Field::LeadStatus => Datum::Text(self.status.as_str()),
            Field::LeadOwner => opt_int(self.owner_id.map(|m| m.0)),
            Field::LeadClient => opt_int(self.client_id.map(|c| c.0)),
            Field::LeadName => opt_text(&self.name),
            Field::LeadCompany => opt_text(&self.company),
            Field::LeadNeed => opt_text(&self.need),
            Field::LeadReceived => Datum::Date(self.received_at.date_naive()),
            Field::LeadHour => Datum::Int(i64::from(self.received_at.hour())),
            Field::LeadWeekday => {
                Datum::Int(i64::from(self.received_at.weekday().number_from_monday()))
            }
            _ => Datum::Null,
        }
    }

    fn has_tag(&self, _folded: &str) -> bool {
        false
    }
}

/// A lead seen in the store's time zone: `hour`, `weekday` and `received` read the local time of receipt.
struct LocalLead<'a> {
    lead: &'a Lead,
    received: NaiveDateTime,
}

impl Record for LocalLead<'_> {
    fn datum(&self, field: &Field, as_of: DateTime<Utc>) -> Datum<'_> {
        match field {
            Field::LeadReceived => Datum::Date(self.received.date()),
            Field::LeadHour => Datum::Int(i64::from(self.received.hour())),
            Field::LeadWeekday => {
                Datum::Int(i64::from(self.received.weekday().number_from_monday()))
            }
            _ => self.lead.datum(field, as_of),
        }
    }

    fn has_tag(&self, _folded: &str) -> bool {
        false
    }
}

impl Condition {
    /// Whether `client` matches, as of `as_of` (a condition about leads never matches a client).
    pub fn matches_client(&self, client: &ClientFacts, as_of: DateTime<Utc>) -> bool {
        self.subject == Subject::Clients && test(&self.node, client, as_of) == Some(true)
    }

    /// Whether `lead` matches, as of `as_of` (a condition about clients never matches a lead).
    pub fn matches_lead(&self, lead: &Lead, as_of: DateTime<Utc>) -> bool {
        self.subject == Subject::Leads && test(&self.node, lead, as_of) == Some(true)
    }

    /// Whether `lead` matches, reading `hour`, `weekday` and `received` from `received_local`, the local
    /// time of receipt in the store's calendar (`matches_lead` reads them in UTC).
    pub fn matches_lead_local(
        &self,
        lead: &Lead,
        received_local: NaiveDateTime,
        as_of: DateTime<Utc>,
    ) -> bool {
        let local = LocalLead {
            lead,
            received: received_local,
        };
        self.subject == Subject::Leads && test(&self.node, &local, as_of) == Some(true)
    }

    /// The three-valued result on a client: `None` when it depends on a missing value.
    pub fn test_client(&self, client: &ClientFacts, as_of: DateTime<Utc>) -> Option<bool> {
        test(&self.node, client, as_of)
    }
}

fn test(node: &Node, record: &dyn Record, as_of: DateTime<Utc>) -> Option<bool> {
    match node {
        Node::All(items) => {
            let mut result = Some(true);
            for item in items {
                match test(item, record, as_of) {
                    Some(false) => return Some(false),
                    None => result = None,
                    Some(true) => {}
                }
            }
            result
        }
        Node::Any(items) => {
            let mut result = Some(false);
            for item in items {
                match test(item, record, as_of) {
                    Some(true) => return Some(true),
                    None => result = None,
                    Some(false) => {}
                }
            }
            result
        }
        Node::Not(inner) => test(inner, record, as_of).map(|b| !b),
        Node::HasTag(tag) => Some(record.has_tag(tag)),
        Node::Test(field, t) => {
            let datum = record.datum(field, as_of);
            apply(t, &datum, as_of)
        }
    }
}

/// Compares a datum with a value of the test; `None` when the datum is missing or (for an attribute)
/// of another type than the value.
fn cmp(datum: &Datum<'_>, value: &Val, as_of: DateTime<Utc>) -> Option<Ordering> {
    match (datum, value) {
        (Datum::Int(a), Val::Int(b)) => Some(a.cmp(b)),
        (Datum::Real(a), Val::Real(b)) => a.partial_cmp(b),
        (Datum::Text(a), Val::Text(b)) => Some((*a).cmp(b.as_str())),
        (Datum::Date(a), Val::Date(b)) => Some(a.cmp(b)),
        (Datum::Date(a), Val::DaysAgo(n)) => {
            // Compared in day numbers, so no date arithmetic can leave the calendar.
            let target = i64::from(as_of.date_naive().num_days_from_ce()) - n;
            Some(i64::from(a.num_days_from_ce()).cmp(&target))
        }
        (Datum::Json(j), v) => json_cmp(j, v),
        _ => None,
    }
}

fn json_cmp(json: &serde_json::Value, value: &Val) -> Option<Ordering> {
    use serde_json::Value as J;
    match (json, value) {
        (J::String(a), Val::Text(b)) => Some(a.as_str().cmp(b.as_str())),
        (J::Bool(a), Val::Bool(b)) => Some(a.cmp(b)),
        (J::Number(a), Val::Int(b)) => match a.as_i64() {
            Some(a) => Some(a.cmp(b)),
            None => a.as_f64()?.partial_cmp(&(*b as f64)),
        },
        (J::Number(a), Val::Real(b)) => a.as_f64()?.partial_cmp(b),
        _ => None,
    }
}

/// The text of a datum, for `contains` and `starts with`.
fn text_of<'a>(datum: &'a Datum<'a>) -> Option<&'a str> {
    match datum {
        Datum::Text(t) => Some(t),
        Datum::Json(serde_json::Value::String(s)) => Some(s),
        _ => None,
    }
}

fn is_missing(datum: &Datum<'_>) -> bool {
    matches!(datum, Datum::Null | Datum::Json(serde_json::Value::Null))
}

fn apply(test: &Test, datum: &Datum<'_>, as_of: DateTime<Utc>) -> Option<bool> {
    match test {
        Test::IsNull => Some(is_missing(datum)),
        Test::Compare(op, value) => cmp(datum, value, as_of).map(|o| op.holds(o)),
        Test::Between(low, high) => {
            let lo = cmp(datum, low, as_of)?;
            let hi = cmp(datum, high, as_of)?;
            Some(lo != Ordering::Less && hi != Ordering::Greater)
        }
        Test::In(values) => {
            let mut result = Some(false);
            for v in values {
                match cmp(datum, v, as_of) {
                    Some(Ordering::Equal) => return Some(true),
                    None => result = None,
                    Some(_) => {}
                }
            }
            result
        }
        Test::Contains(needle) => text_of(datum).map(|t| contains(t, needle)),
        Test::StartsWith(prefix) => text_of(datum).map(|t| starts_with(t, prefix)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn birthdays_count_from_the_evaluation_date() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day).unwrap();
        assert_eq!(days_to_birthday(d(1990, 5, 10), d(2026, 5, 10)), Some(0));
        assert_eq!(days_to_birthday(d(1990, 5, 10), d(2026, 5, 9)), Some(1));
        assert_eq!(days_to_birthday(d(1990, 5, 10), d(2026, 5, 11)), Some(364));
        assert_eq!(days_to_birthday(d(1990, 5, 10), d(2027, 5, 11)), Some(365));
        // 29 February: 1 March in a common year, itself in a leap year.
        assert_eq!(days_to_birthday(d(2000, 2, 29), d(2026, 2, 28)), Some(1));
        assert_eq!(days_to_birthday(d(2000, 2, 29), d(2026, 3, 1)), Some(0));
        assert_eq!(days_to_birthday(d(2000, 2, 29), d(2028, 2, 28)), Some(1));
        assert_eq!(days_to_birthday(d(2000, 2, 29), d(2028, 3, 1)), Some(365));
        assert_eq!(days_to_birthday(d(2000, 2, 29), d(2027, 3, 2)), Some(364));
        assert_eq!(days_to_birthday(d(2000, 1, 1), d(9999, 12, 31)), None);
    }

    #[test]
    fn average_rounds_half_up() {
        assert_eq!(average(10, 4), Some(3)); // 2.5 -> 3
        assert_eq!(average(9, 4), Some(2)); // 2.25 -> 2
        assert_eq!(average(0, 3), Some(0));
        assert_eq!(average(5, 0), None);
    }
}
