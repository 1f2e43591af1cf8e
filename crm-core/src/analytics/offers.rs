//! Offers and objections: which commercial offers (templates) lead to sales, which objections come up,
//! and which arguments overcome them.
//!
//! # Conventions
//!
//! - **What counts.** Activities in the period (UTC days, inclusive) with an `offer` code (the offer
//!   report) or an `objection` code (the objection report); codes are compared exactly as stored.
//! - **Subject.** An activity is followed through its deal when it names one, else through its lead
//!   (an activity with only a client cannot be followed: it counts in `sent`/`met`/`used`, not in
//!   `tracked` or in the leads and deals). A lead *succeeds* by converting, a deal by being won; the
//!   outcome is read as it stands now, so a later sale counts whenever it happened.
//! - **Offers.** `sent` counts activities; `leads` and `deals` the distinct subjects it was sent on;
//!   a subject converted (lead) or won (deal) at or after the offer's *first* sending to it counts in
//!   `leads_converted` / `deals_won`. One lead sent two offers counts for both.
//! - **Objections.** Each activity is one time the objection was met, with the argument it records (or
//!   none). It was *overcome* when its subject succeeded at or after the activity.
//! - **Order.** Offers by `sent` and objections by `met`, most first, then by code; arguments by `used`,
//!   most first, then by code, the "no argument" row last among equals. Rates are `None` when their
//!   divisor is 0.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};

use crate::model::{ArgumentRow, DealId, LeadId, ObjectionRow, OfferRow};

/// An activity with an offer or an objection, and how its lead and deal ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CodedActivity {
    /// When it happened.
    pub at: DateTime<Utc>,
    /// Its lead.
    pub lead_id: Option<LeadId>,
    /// Its deal.
    pub deal_id: Option<DealId>,
    /// The offer code it carried.
    pub offer: Option<String>,
    /// The objection code met.
    pub objection: Option<String>,
    /// The argument code used.
    pub argument: Option<String>,
    /// When its lead converted, if it did.
    pub lead_converted_at: Option<DateTime<Utc>>,
    /// When its deal was won, if it was.
    pub deal_won_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Subject {
    Lead(LeadId),
    Deal(DealId),
}

impl CodedActivity {
    /// What the activity is followed through, and when that succeeded.
    fn subject(&self) -> Option<(Subject, Option<DateTime<Utc>>)> {
        match (self.deal_id, self.lead_id) {
            (Some(deal), _) => Some((Subject::Deal(deal), self.deal_won_at)),
            (None, Some(lead)) => Some((Subject::Lead(lead), self.lead_converted_at)),
            (None, None) => None,
        }
    }

    fn overcome(&self) -> Option<bool> {
        self.subject()
            .map(|(_, success)| success.is_some_and(|s| s >= self.at))
    }
}

fn rate(num: u64, den: u64) -> Option<f64> {
    (den > 0).then(|| num as f64 / den as f64)
}

/// Per offer code (see the [module documentation](self)); activities without an offer are skipped.
pub fn offer_rows(activities: &[CodedActivity]) -> Vec<OfferRow> {
    #[derive(Default)]
    struct Tally {
        sent: u64,
        /// Each subject's first sending and success.
        subjects: BTreeMap<Subject, (DateTime<Utc>, Option<DateTime<Utc>>)>,
    }
    let mut offers: BTreeMap<&str, Tally> = BTreeMap::new();
    for a in activities {
        let Some(offer) = a.offer.as_deref() else {
            continue;
        };
        let t = offers.entry(offer).or_default();
        t.sent += 1;
        if let Some((subject, success)) = a.subject() {
            let first = t.subjects.entry(subject).or_insert((a.at, success));
            first.0 = first.0.min(a.at);
        }
    }
    let mut rows: Vec<OfferRow> = offers
        .into_iter()
        .map(|(offer, t)| {
            let (mut leads, mut deals, mut converted, mut won) = (0, 0, 0, 0);
            for (subject, (first, success)) in &t.subjects {
                let succeeded = u64::from(success.is_some_and(|s| s >= *first));
                match subject {
                    Subject::Lead(_) => {
                        leads += 1;
                        converted += succeeded;
                    }
                    Subject::Deal(_) => {
                        deals += 1;
                        won += succeeded;
                    }
                }
            }
            OfferRow {
                offer: offer.to_string(),
                sent: t.sent,
                leads,
                deals,
                leads_converted: converted,
                deals_won: won,
                conversion_rate: rate(converted + won, leads + deals),
            }
        })
        .collect();
    // The map gave them by code; a stable sort keeps that order among equal counts.
    rows.sort_by_key(|r| std::cmp::Reverse(r.sent));
    rows
}

#[derive(Default)]
struct Count {
    times: u64,
    tracked: u64,
    overcome: u64,
}

impl Count {
    fn add(&mut self, overcome: Option<bool>) {
        self.times += 1;
        if let Some(overcome) = overcome {
            self.tracked += 1;
            self.overcome += u64::from(overcome);
        }
    }
}

/// Per objection code, with the arguments used against it (see the [module documentation](self));
/// activities without an objection are skipped.
pub fn objection_rows(activities: &[CodedActivity]) -> Vec<ObjectionRow> {
    let mut objections: BTreeMap<&str, (Count, BTreeMap<Option<&str>, Count>)> = BTreeMap::new();
    for a in activities {
        let Some(objection) = a.objection.as_deref() else {
            continue;
        };
        let overcome = a.overcome();
        let (total, arguments) = objections.entry(objection).or_default();
        total.add(overcome);
        arguments
            .entry(a.argument.as_deref())
            .or_default()
            .add(overcome);
    }
    let mut rows: Vec<ObjectionRow> = objections
        .into_iter()
        .map(|(objection, (total, arguments))| {
            let mut arguments: Vec<ArgumentRow> = arguments
                .into_iter()
                .map(|(argument, c)| ArgumentRow {
                    argument: argument.map(str::to_string),
                    used: c.times,
                    tracked: c.tracked,
                    overcome: c.overcome,
                    rate: rate(c.overcome, c.tracked),
                })
                .collect();
            // By use, then code with "no argument" last (the map has `None` first).
            arguments.sort_by(|a, b| {
                b.used
                    .cmp(&a.used)
                    .then_with(|| a.argument.is_none().cmp(&b.argument.is_none()))
                    .then_with(|| a.argument.cmp(&b.argument))
            });
            ObjectionRow {
                objection: objection.to_string(),
                met: total.times,
                tracked: total.tracked,
                overcome: total.overcome,
                rate: rate(total.overcome, total.tracked),
                arguments,
            }
        })
        .collect();
    rows.sort_by_key(|r| std::cmp::Reverse(r.met));
    rows
}

#[cfg(test)]
mod tests {
    use chrono::{Duration, TimeZone};

    use super::*;

    fn t(hour: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 1, 0, 0, 0).unwrap() + Duration::hours(hour)
    }

    fn activity(hour: i64, lead: Option<i64>, deal: Option<i64>) -> CodedActivity {
        CodedActivity {
            at: t(hour),
            lead_id: lead.map(LeadId),
            deal_id: deal.map(DealId),
            offer: None,
            objection: None,
            argument: None,
            lead_converted_at: None,
            deal_won_at: None,
        }
    }

    #[test]
    fn offers_count_subjects_once_and_sales_after_the_first_send() {
        let mut a = activity(1, Some(1), None);
        a.offer = Some("kp-b".into());
        a.lead_converted_at = Some(t(5));
        let mut b = a.clone();
        b.at = t(6); // sent again after the conversion: the first sending counts
        let mut c = activity(2, Some(2), None);
        c.offer = Some("kp-a".into());
        let mut d = activity(3, Some(3), Some(30));
        d.offer = Some("kp-a".into());
        d.deal_won_at = Some(t(2)); // won before the offer: not credited
        let mut e = activity(3, None, None);
        e.offer = Some("kp-c".into());
        let rows = offer_rows(&[a, b, c, d, e]);
        let codes: Vec<&str> = rows.iter().map(|r| r.offer.as_str()).collect();
        assert_eq!(codes, ["kp-a", "kp-b", "kp-c"]);
        assert_eq!((rows[0].sent, rows[0].leads, rows[0].deals), (2, 1, 1));
        assert_eq!(rows[0].conversion_rate, Some(0.0));
        assert_eq!(
            (rows[1].sent, rows[1].leads, rows[1].leads_converted),
            (2, 1, 1)
        );
        assert_eq!(rows[1].conversion_rate, Some(1.0));
        assert_eq!(rows[2].conversion_rate, None);
    }

    #[test]
    fn objections_by_argument_with_none_last() {
        let make = |hour: i64, lead: i64, argument: Option<&str>, converted: Option<i64>| {
            let mut a = activity(hour, Some(lead), None);
            a.objection = Some("too_expensive".into());
            a.argument = argument.map(str::to_string);
            a.lead_converted_at = converted.map(t);
            a
        };
        let rows = objection_rows(&[
            make(1, 1, Some("roi"), Some(4)),
            make(1, 2, Some("roi"), None),
            make(1, 3, None, None),
            make(1, 4, Some("discount"), Some(0)),
        ]);
        assert_eq!(rows.len(), 1);
        let r = &rows[0];
        assert_eq!((r.met, r.tracked, r.overcome), (4, 4, 1));
        let args: Vec<Option<&str>> = r.arguments.iter().map(|a| a.argument.as_deref()).collect();
        assert_eq!(args, [Some("roi"), Some("discount"), None]);
        assert_eq!(r.arguments[0].rate, Some(0.5));
        // Converted before the objection was met: not overcome by it.
        assert_eq!(r.arguments[1].rate, Some(0.0));
    }
}
