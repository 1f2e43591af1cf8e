//! Sources: leads, clients, revenue and spend per marketing source, with cost per lead, CAC and ROMI.
//!
//! # Conventions
//!
//! - **Who counts.** The leads received in the period (UTC days, inclusive), whatever became of them
//!   since: `qualified` counts those that were ever qualified (converted ones included), `converted`
//!   those converted, junk included in `leads` (they were paid for) and also shown apart.
//! - **Clients.** `clients` are the distinct clients the source's converted leads became;
//!   `clients_won` those of them with a won deal from one of the source's leads (won at any time). A
//!   client converted twice from one source counts once. A client converted from two sources counts
//!   once in each (each source did bring it), so the rows' clients and revenue may add up to more than
//!   the store's.
//! - **Revenue.** A client's completed orders placed from its first conversion from the source up to
//!   `horizon_days` days later (the end excluded), counted once per client per source.
//! - **Spend.** The source's spend entries booked in the period, summed **once per source**: a source
//!   that brought two won deals has its spend counted once, not once per deal (the mistake of summing
//!   a join of deals and spend, a known bug of a popular CRM). The row of leads without a source has no
//!   spend.
//! - **Ratios.** Cost per lead `spend / leads` and CAC `spend / clients_won` are money, rounded half
//!   away from zero to a minor unit; ROMI is `(revenue − spend) / spend` as a float. Each is `None`
//!   when the spend is zero (nothing booked: the cost is unknown, not nil) or its divisor is zero.
//! - **Rows.** Every source with leads in the period or spend booked in it, then one row `none` for the
//!   leads without a source (when there are any). **Order:** ROMI, highest first (compared exactly, as
//!   fractions of integers); rows without ROMI after those with it; ties by source id ascending; the
//!   `none` row last.
//! - Money totals are summed in 128 bits and saturate at the limits of [`Money`] (never reached by real
//!   figures).

use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, Utc};

use super::forecast::mul_div_round;
use crate::model::{ClientId, LeadStatus, Money, Source, SourceId, SourceRow};

/// One lead of the period, as the source report reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceLead {
    /// Its source.
    pub source_id: Option<SourceId>,
    /// Its status now.
    pub status: LeadStatus,
    /// Whether it was ever qualified.
    pub qualified: bool,
    /// The client it became, when converted.
    pub client_id: Option<ClientId>,
    /// When it converted.
    pub converted_at: Option<DateTime<Utc>>,
    /// Whether the deal it became was won.
    pub deal_won: bool,
}

/// A completed order of a converted client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClientOrder {
    /// The client.
    pub client_id: ClientId,
    /// When it was placed.
    pub ordered_at: DateTime<Utc>,
    /// Its total.
    pub total: Money,
}

/// A sum of money in 128 bits, saturated into [`Money`].
pub(crate) fn saturate(sum: i128) -> Money {
    Money::from_minor(i64::try_from(sum).unwrap_or(if sum < 0 { i64::MIN } else { i64::MAX }))
}

#[derive(Default)]
struct Tally {
    leads: u64,
    junk: u64,
    qualified: u64,
    converted: u64,
    /// Each client's first conversion from the source.
    clients: BTreeMap<ClientId, DateTime<Utc>>,
    won: BTreeSet<ClientId>,
}

/// The source report (see the [module documentation](self)). `sources` names the rows (a source
/// missing from it gets its id as name); `spend` holds each source's total booked in the period (one
/// entry per source; a repeated source is added up); `orders` the completed orders of the converted
/// clients, in any order.
pub fn source_rows(
    leads: &[SourceLead],
    sources: &[Source],
    spend: &[(SourceId, Money)],
    orders: &[ClientOrder],
    horizon_days: u32,
) -> Vec<SourceRow> {
    let mut tallies: BTreeMap<Option<SourceId>, Tally> = BTreeMap::new();
    let mut spent: BTreeMap<SourceId, i128> = BTreeMap::new();
    for (source, amount) in spend {
        *spent.entry(*source).or_default() += i128::from(amount.minor());
        tallies.entry(Some(*source)).or_default();
    }
    for lead in leads {
        let t = tallies.entry(lead.source_id).or_default();
        t.leads += 1;
        t.junk += u64::from(lead.status == LeadStatus::Junk);
        t.qualified += u64::from(lead.qualified || lead.status == LeadStatus::Converted);
        if lead.status == LeadStatus::Converted {
            t.converted += 1;
            if let (Some(client), Some(at)) = (lead.client_id, lead.converted_at) {
                let first = t.clients.entry(client).or_insert(at);
                *first = (*first).min(at);
                if lead.deal_won {
                    t.won.insert(client);
                }
            }
        }
    }
    let mut by_client: BTreeMap<ClientId, Vec<(DateTime<Utc>, Money)>> = BTreeMap::new();
    for o in orders {
        by_client
            .entry(o.client_id)
            .or_default()
            .push((o.ordered_at, o.total));
    }
    let horizon = Duration::days(i64::from(horizon_days));
    let names: BTreeMap<SourceId, &Source> = sources.iter().map(|s| (s.id, s)).collect();
    let mut rows: Vec<SourceRow> = tallies
        .into_iter()
        .map(|(source_id, t)| {
            let revenue: i128 = t
                .clients
                .iter()
                .flat_map(|(client, from)| {
                    let until = *from + horizon;
                    by_client
                        .get(client)
                        .into_iter()
                        .flatten()
                        .filter(move |(at, _)| *from <= *at && *at < until)
                        .map(|(_, total)| i128::from(total.minor()))
                })
                .sum();
            let spend = source_id.and_then(|s| spent.get(&s)).copied().unwrap_or(0);
            let (revenue, spend) = (saturate(revenue), saturate(spend));
            let has_spend = spend > Money::ZERO;
            let per = |count: u64| {
                (has_spend && count > 0)
                    .then(|| mul_div_round(spend, 1, i64::try_from(count).unwrap_or(i64::MAX)))
            };
            let source = source_id.and_then(|s| names.get(&s));
            SourceRow {
                source_id,
                name: match (source, source_id) {
                    (Some(s), _) => s.name.clone(),
                    (None, Some(id)) => id.to_string(),
                    (None, None) => "none".to_string(),
                },
                campaign: source.and_then(|s| s.campaign.clone()),
                channel: source.map(|s| s.channel),
                leads: t.leads,
                junk: t.junk,
                qualified: t.qualified,
                converted: t.converted,
                conversion_rate: (t.leads > 0).then(|| t.converted as f64 / t.leads as f64),
                clients: t.clients.len() as u64,
                clients_won: t.won.len() as u64,
                revenue,
                spend,
                cost_per_lead: per(t.leads),
                cac: per(t.won.len() as u64),
                romi: has_spend.then(|| {
                    (revenue.minor() as f64 - spend.minor() as f64) / spend.minor() as f64
                }),
            }
        })
        .collect();
    rows.sort_by(compare_rows);
    rows
}

/// The report's order: ROMI descending (exactly), rows without ROMI next, then source id, `none` last.
fn compare_rows(a: &SourceRow, b: &SourceRow) -> Ordering {
    let gain = |r: &SourceRow| {
        (r.spend > Money::ZERO).then(|| {
            (
                i128::from(r.revenue.minor()) - i128::from(r.spend.minor()),
                i128::from(r.spend.minor()),
            )
        })
    };
    let by_romi = match (gain(a), gain(b)) {
        // (ga / sa) vs (gb / sb), both spends positive: compare ga·sb with gb·sa; higher first.
        (Some((ga, sa)), Some((gb, sb))) => (gb * sa).cmp(&(ga * sb)),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    };
    let by_source = match (a.source_id, b.source_id) {
        (Some(x), Some(y)) => x.cmp(&y),
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (None, None) => Ordering::Equal,
    };
    by_romi.then(by_source)
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;
    use crate::model::Channel;

    fn t(day: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, day, 12, 0, 0).unwrap()
    }

    fn source(id: i64) -> Source {
        Source {
            id: SourceId(id),
            name: format!("s{id}"),
            channel: Channel::Ads,
            campaign: None,
            created_at: t(1),
        }
    }

    fn converted(source: i64, client: i64, day: u32, won: bool) -> SourceLead {
        SourceLead {
            source_id: Some(SourceId(source)),
            status: LeadStatus::Converted,
            qualified: true,
            client_id: Some(ClientId(client)),
            converted_at: Some(t(day)),
            deal_won: won,
        }
    }

    #[test]
    fn spend_counts_once_and_rows_follow_romi() {
        let leads = vec![
            converted(1, 10, 2, true),
            converted(1, 11, 3, true),
            // The same client converted again: one client, revenue once, from the first conversion.
            converted(1, 10, 5, false),
            SourceLead {
                source_id: None,
                status: LeadStatus::Junk,
                qualified: false,
                client_id: None,
                converted_at: None,
                deal_won: false,
            },
            converted(2, 12, 2, false),
        ];
        let orders = vec![
            ClientOrder {
                client_id: ClientId(10),
                ordered_at: t(1),
                total: Money::from_minor(999),
            },
            ClientOrder {
                client_id: ClientId(10),
                ordered_at: t(4),
                total: Money::from_minor(50_000),
            },
            ClientOrder {
                client_id: ClientId(11),
                ordered_at: t(20),
                total: Money::from_minor(10_000),
            },
            ClientOrder {
                client_id: ClientId(12),
                ordered_at: t(2),
                total: Money::from_minor(1_000),
            },
        ];
        let spend = vec![
            (SourceId(1), Money::from_minor(20_000)),
            (SourceId(2), Money::from_minor(1_000)),
            (SourceId(3), Money::from_minor(500)),
        ];
        let sources = vec![source(1), source(2), source(3)];
        let rows = source_rows(&leads, &sources, &spend, &orders, 10);
        let order: Vec<Option<SourceId>> = rows.iter().map(|r| r.source_id).collect();
        // ROMI: s1 (50 000 − 20 000) / 20 000 = 1.5; s2 0; s3 −1; then the row without a source.
        assert_eq!(
            order,
            vec![
                Some(SourceId(1)),
                Some(SourceId(2)),
                Some(SourceId(3)),
                None
            ]
        );
        let s1 = &rows[0];
        assert_eq!(s1.leads, 3);
        assert_eq!(s1.clients, 2);
        assert_eq!(s1.clients_won, 2);
        // Client 10: only the order on day 4 (day 1 is before, client 11's day 20 is past 10 days).
        assert_eq!(s1.revenue, Money::from_minor(50_000));
        assert_eq!(s1.spend, Money::from_minor(20_000));
        assert_eq!(s1.cac, Some(Money::from_minor(10_000)));
        assert_eq!(s1.cost_per_lead, Some(Money::from_minor(6_667)));
        assert_eq!(s1.romi, Some(1.5));
        assert_eq!(rows[1].romi, Some(0.0));
        assert_eq!(rows[1].cac, None);
        assert_eq!(rows[2].leads, 0);
        assert_eq!(rows[2].cost_per_lead, None);
        assert_eq!(rows[3].name, "none");
        assert_eq!(rows[3].junk, 1);
        assert_eq!(rows[3].romi, None);
    }
}
