#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The CDNOW checks once more through the store: the purchase history is loaded as orders, and the
//! reports (`Crm::abc`, `Crm::rfm`, `Crm::p_alive`, `Crm::xyz`, `Crm::abc_xyz`) are compared with the
//! reference answers of other tools (`tests/data/cdnow`, see its README) — exactly for classes, scores,
//! values in cents; within a tolerance for the fitted model. Reports for a past date or a partial period
//! (which read the monthly rollups and the orders of the partial months) are compared with the pure
//! functions over the transactions themselves.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::sync::OnceLock;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use crm_core::analytics::abc::{AbcClass, AbcRule, AbcThresholds, abc};
use crm_core::analytics::rfm::{RfmInput, RfmScoring, RfmTieRule, rfm};
use crm_core::analytics::xyz::{XyzInput, xyz};
use crm_core::{
    AbcQuery, ClientId, ClientKind, Crm, Money, NewClient, NewOrder, PAliveQuery, Period, RfmQuery,
    XyzQuery,
};

fn data(name: &str) -> String {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/cdnow")
        .join(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// A CSV without quoting: rows as maps from column name to text.
fn csv(name: &str) -> Vec<BTreeMap<String, String>> {
    let text = data(name);
    let mut lines = text.lines();
    let header: Vec<String> = lines
        .next()
        .unwrap()
        .split(',')
        .map(str::to_string)
        .collect();
    lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            header
                .iter()
                .cloned()
                .zip(l.split(',').map(str::to_string))
                .collect()
        })
        .collect()
}

fn day(text: &str) -> NaiveDate {
    NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
}

fn midnight(d: NaiveDate) -> DateTime<Utc> {
    d.and_hms_opt(0, 0, 0).unwrap().and_utc()
}

fn cents(text: &str) -> i64 {
    Money::parse(text).unwrap().minor()
}

/// One purchase row.
#[derive(Debug, Clone)]
struct Purchase {
    customer: u64,
    date: NaiveDate,
    cents: i64,
}

fn purchases(name: &str) -> Vec<Purchase> {
    csv(name)
        .iter()
        .map(|r| Purchase {
            customer: r["customer_id"].parse().unwrap(),
            date: day(&r["date"]),
            cents: cents(&r["amount"]),
        })
        .collect()
}

/// A store with one client per customer (added in customer order, so client ids follow customer ids)
/// and every row recorded as a completed order in `record_orders` batches.
struct Loaded {
    crm: Crm,
    /// customer → client
    clients: BTreeMap<u64, ClientId>,
    /// client → customer
    customers: BTreeMap<ClientId, u64>,
    purchases: Vec<Purchase>,
}

fn load(name: &str) -> Loaded {
    let purchases = purchases(name);
    let crm = Crm::open_in_memory().unwrap();
    let first_day: BTreeMap<u64, NaiveDate> = purchases.iter().fold(BTreeMap::new(), |mut m, p| {
        let d = m.entry(p.customer).or_insert(p.date);
        *d = (*d).min(p.date);
        m
    });
    let clients: BTreeMap<u64, ClientId> = crm
        .transaction(|tx| {
            first_day
                .iter()
                .map(|(&customer, &d)| {
                    let new = NewClient::new(ClientKind::Person, format!("CDNOW {customer}"));
                    Ok((customer, tx.add_client(new, midnight(d))?.id))
                })
                .collect::<crm_core::Result<_>>()
        })
        .unwrap();
    let mut sorted = purchases.clone();
    sorted.sort_by_key(|p| p.date);
    for chunk in sorted.chunks(20_000) {
        let batch = chunk
            .iter()
            .map(|p| {
                let order = NewOrder {
                    client_id: clients[&p.customer],
                    total: Money::from_minor(p.cents),
                    ..Default::default()
                };
                (order, midnight(p.date))
            })
            .collect();
        for result in crm.record_orders(batch).unwrap() {
            result.unwrap();
        }
    }
    let customers = clients.iter().map(|(&c, &id)| (id, c)).collect();
    Loaded {
        crm,
        clients,
        customers,
        purchases,
    }
}

fn full() -> &'static Loaded {
    static FULL: OnceLock<Loaded> = OnceLock::new();
    FULL.get_or_init(|| load("cdnow_transactions.csv"))
}

fn end() -> NaiveDate {
    day("1998-06-30")
}

#[test]
fn abc_through_the_store_matches_the_reference_under_each_convention() {
    let l = full();
    let truth = csv("cdnow_abc_truth.csv");
    for (rule, column, counts) in [
        (AbcRule::Inclusive, "class_inclusive", [7_694, 8_044, 7_832]),
        (AbcRule::Exclusive, "class_exclusive", [7_695, 8_044, 7_831]),
        (AbcRule::TieGroup, "class_tie_group", [7_694, 8_034, 7_842]),
    ] {
        let report = l
            .crm
            .abc(&AbcQuery {
                rule,
                ..AbcQuery::default()
            })
            .unwrap();
        assert_eq!(report.rows.len(), truth.len());
        let s = report.summary;
        assert_eq!([s.a.count, s.b.count, s.c.count], counts, "{column}");
        // The same ranking, row by row, with the reference's revenue, shares and class.
        for (row, t) in report.rows.iter().zip(&truth) {
            let customer: u64 = t["customer_id"].parse().unwrap();
            assert_eq!(l.customers[&row.client_id], customer, "rank {}", t["rank"]);
            assert_eq!(row.value, cents(&t["revenue"]), "customer {customer}");
            let cum: f64 = t["cum_share"].parse().unwrap();
            assert!(
                (row.cumulative_share - cum).abs() < 1e-9,
                "customer {customer}"
            );
            assert_eq!(
                row.class.as_str(),
                t[column],
                "customer {customer} ({column})"
            );
        }
    }
}

#[test]
fn rfm_through_the_store_matches_the_reference_scores_under_both_tie_rules() {
    let l = full();
    let truth = csv("cdnow_rfm_scores_truth.csv");
    for (tie_rule, suffix) in [(RfmTieRule::Ntile, ""), (RfmTieRule::TieShared, "_tie")] {
        let report = l
            .crm
            .rfm(&RfmQuery {
                tie_rule,
                ..RfmQuery::as_of(end())
            })
            .unwrap();
        assert_eq!(report.rows.len(), 23_570);
        let by_customer: BTreeMap<u64, _> = report
            .rows
            .iter()
            .map(|r| (l.customers[&r.client_id], r))
            .collect();
        for t in &truth {
            let customer: u64 = t["customer_id"].parse().unwrap();
            let r = by_customer[&customer];
            assert_eq!(r.recency_days, t["recency_days"].parse::<i64>().unwrap());
            assert_eq!(r.frequency, t["frequency"].parse::<i64>().unwrap());
            assert_eq!(r.monetary, cents(&t["monetary"]), "customer {customer}");
            let scores = [r.r_score, r.f_score, r.m_score];
            let want: Vec<u8> = ["r_score", "f_score", "m_score"]
                .iter()
                .map(|c| t[&format!("{c}{suffix}")].parse().unwrap())
                .collect();
            assert_eq!(scores.to_vec(), want, "customer {customer} ({tie_rule:?})");
        }
        let sized: u64 = report.segments.iter().map(|s| s.clients).sum();
        assert_eq!(sized, 23_570);
    }
}

#[test]
fn p_alive_through_the_store_matches_lifetimes_per_customer() {
    let l = full();
    let report = l.crm.p_alive(&PAliveQuery::as_of(end())).unwrap();
    let p = report.params;
    for (got, want, tol, what) in [
        (p.r, 0.267128, 1e-4, "r"),
        (p.alpha, 41.905448, 1e-3, "alpha"),
        (p.a, 0.483517, 1e-4, "a"),
        (p.b, 2.111608, 1e-4, "b"),
        (report.log_likelihood, -259_086.827, 1e-3, "LL"),
    ] {
        assert!((got - want).abs() <= tol, "{what}: {got} vs {want}");
    }
    assert_eq!(report.rows.len(), 23_570);
    let by_customer: BTreeMap<u64, _> = report
        .rows
        .iter()
        .map(|r| (l.customers[&r.client_id], r))
        .collect();
    let (mut worst_p, mut worst_e, mut mean) = (0.0_f64, 0.0_f64, 0.0);
    let truth = csv("cdnow_bgnbd_master_days_palive.csv");
    for t in &truth {
        let customer: u64 = t["customer_id"].parse().unwrap();
        let r = by_customer[&customer];
        let want_p: f64 = t["p_alive"].parse().unwrap();
        let want_e: f64 = t["expected_purchases_next_90d"].parse().unwrap();
        worst_p = worst_p.max((r.p_alive - want_p).abs());
        worst_e = worst_e.max((r.expected - want_e).abs());
        mean += r.p_alive;
    }
    mean /= truth.len() as f64;
    eprintln!(
        "store P(alive): worst |Δp| {worst_p:.2e}, worst |Δexpected| {worst_e:.2e}, mean {mean:.6}"
    );
    assert!(worst_p < 1e-4, "P(alive) differs by {worst_p}");
    assert!(worst_e < 1e-3, "expected purchases differ by {worst_e}");
    assert!((mean - 0.796959).abs() < 1e-4, "mean P(alive) {mean}");
}

#[test]
fn the_calibration_sample_through_the_store_gives_the_published_parameters() {
    let l = load("cdnow_sample_transactions.csv");
    let report = l
        .crm
        .p_alive(&PAliveQuery::as_of(day("1997-09-30")))
        .unwrap();
    let p = report.params;
    // Published (weeks): r 0.243, α 4.414, a 0.793, b 2.426. The store fits in days: α / 7 is the
    // weekly α; the others do not depend on the unit.
    for (got, want, what) in [
        (p.r, 0.243, "r"),
        (p.alpha / 7.0, 4.414, "alpha (weeks)"),
        (p.a, 0.793, "a"),
        (p.b, 2.426, "b"),
    ] {
        assert!(
            (got - want).abs() < 5e-4,
            "{what}: {got} vs published {want}"
        );
    }
    // The paper's example customers (sample ids 1 and 1516): P(alive) does not depend on the unit.
    let sample: BTreeMap<u64, u64> = csv("cdnow_sample_transactions.csv")
        .iter()
        .map(|r| {
            (
                r["sample_id"].parse().unwrap(),
                r["customer_id"].parse().unwrap(),
            )
        })
        .collect();
    for (sample_id, want) in [(1, 0.726609), (1516, 0.968920)] {
        let client = l.clients[&sample[&sample_id]];
        let row = report.rows.iter().find(|r| r.client_id == client).unwrap();
        assert!(
            (row.p_alive - want).abs() < 1e-4,
            "sample customer {sample_id}: {} vs {want}",
            row.p_alive
        );
    }
}

/// The purchases on or before `upto`, per client.
fn history(l: &Loaded, upto: NaiveDate) -> BTreeMap<ClientId, Vec<&Purchase>> {
    let mut by: BTreeMap<ClientId, Vec<&Purchase>> = BTreeMap::new();
    for p in l.purchases.iter().filter(|p| p.date <= upto) {
        by.entry(l.clients[&p.customer]).or_default().push(p);
    }
    by
}

#[test]
fn reports_for_a_past_day_and_a_partial_period_agree_with_the_transactions() {
    let l = full();
    // RFM as of a day inside a month: whole months from the monthly rollups, that month from orders.
    for upto in [day("1997-12-17"), day("1997-03-01"), day("1997-03-31")] {
        let inputs: Vec<RfmInput> = history(l, upto)
            .into_iter()
            .map(|(client_id, ps)| RfmInput {
                client_id,
                last_purchase: ps.iter().map(|p| p.date).max().unwrap(),
                frequency: ps.len() as i64,
                monetary: ps.iter().map(|p| p.cents).sum(),
            })
            .collect();
        let want = rfm(&inputs, upto, RfmScoring::default());
        let got = l.crm.rfm(&RfmQuery::as_of(upto)).unwrap();
        assert_eq!(got.rows, want, "RFM as of {upto}");
        assert!(!want.is_empty());
    }
    // ABC over a period that starts and ends inside months.
    let (start, stop) = (day("1997-02-15"), day("1997-11-20"));
    let mut values: BTreeMap<ClientId, i64> = BTreeMap::new();
    for p in l
        .purchases
        .iter()
        .filter(|p| p.date >= start && p.date <= stop)
    {
        *values.entry(l.clients[&p.customer]).or_default() += p.cents;
    }
    let values: Vec<(ClientId, i64)> = values.into_iter().collect();
    let want = abc(&values, AbcThresholds::default(), AbcRule::Inclusive);
    let got = l
        .crm
        .abc(&AbcQuery {
            start: Some(start),
            end: Some(stop),
            ..AbcQuery::default()
        })
        .unwrap();
    assert_eq!(got.rows, want);
    assert_eq!(
        got.summary.class(AbcClass::A).count + got.summary.b.count + got.summary.c.count,
        values.len()
    );
    // Repeat sales over the same period: clients, those with two orders or more, the average order.
    let rep = l
        .crm
        .repeat_sales(&Period {
            start: Some(start),
            end: Some(stop),
        })
        .unwrap();
    let orders = l
        .purchases
        .iter()
        .filter(|p| p.date >= start && p.date <= stop)
        .count() as u64;
    assert_eq!(rep.clients, values.len() as u64);
    assert_eq!(rep.orders, orders);
}

#[test]
fn xyz_through_the_store_agrees_with_monthly_revenue_from_the_transactions() {
    let l = full();
    let (start, stop) = (day("1997-04-01"), day("1998-03-31"));
    let report = l
        .crm
        .xyz(&XyzQuery {
            start: Some(start),
            end: Some(stop),
            ..XyzQuery::default()
        })
        .unwrap();
    assert_eq!(report.months.len(), 12);
    assert_eq!(report.months.first().unwrap(), "1997-04");
    let mut per: BTreeMap<ClientId, Vec<i64>> = BTreeMap::new();
    let mut first: BTreeMap<ClientId, NaiveDate> = BTreeMap::new();
    for p in &l.purchases {
        let id = l.clients[&p.customer];
        let f = first.entry(id).or_insert(p.date);
        *f = (*f).min(p.date);
        if p.date >= start && p.date <= stop {
            let i = (p.date.year() - 1997) * 12 + p.date.month() as i32 - 4;
            per.entry(id).or_insert_with(|| vec![0; 12])[i as usize] += p.cents;
        }
    }
    // Every CDNOW customer first bought in Q1 1997, before the window: all are measured from its start.
    let inputs: Vec<XyzInput> = per
        .into_iter()
        .map(|(client_id, revenue)| {
            assert!(first[&client_id] < start);
            XyzInput {
                client_id,
                revenue,
                first_period: 0,
            }
        })
        .collect();
    let want = xyz(&inputs, 0.10, 0.25);
    assert_eq!(report.rows, want);
    // CD buyers are irregular: whoever is classed is mostly Z.
    let classed: BTreeSet<_> = want.iter().filter_map(|r| r.class).collect();
    assert!(classed.contains(&crm_core::analytics::xyz::XyzClass::Z));

    // A window that starts before many customers' first purchase (Q1 1997): each is measured from
    // the month of its first purchase.
    let early = l
        .crm
        .xyz(&XyzQuery {
            start: Some(day("1997-01-01")),
            end: Some(day("1997-12-31")),
            ..XyzQuery::default()
        })
        .unwrap();
    let mut per: BTreeMap<ClientId, Vec<i64>> = BTreeMap::new();
    for p in l.purchases.iter().filter(|p| p.date.year() == 1997) {
        per.entry(l.clients[&p.customer])
            .or_insert_with(|| vec![0; 12])[p.date.month0() as usize] += p.cents;
    }
    let inputs: Vec<XyzInput> = per
        .into_iter()
        .map(|(client_id, revenue)| XyzInput {
            client_id,
            revenue,
            first_period: first[&client_id].month0() as usize,
        })
        .collect();
    assert!(inputs.iter().any(|i| i.first_period > 0));
    assert_eq!(early.rows, xyz(&inputs, 0.10, 0.25));

    // The matrix over the same period puts every client who bought in it in exactly one cell.
    let matrix = l
        .crm
        .abc_xyz(&crm_core::AbcXyzQuery {
            abc: AbcQuery {
                start: Some(start),
                end: Some(stop),
                ..AbcQuery::default()
            },
            ..Default::default()
        })
        .unwrap();
    assert_eq!(matrix.cells.len(), 12);
    let clients: u64 = matrix.cells.iter().map(|c| c.clients).sum();
    assert_eq!(clients, report.rows.len() as u64);
    let revenue: i64 = matrix.cells.iter().map(|c| c.revenue.minor()).sum();
    let want_revenue: i64 = l
        .purchases
        .iter()
        .filter(|p| p.date >= start && p.date <= stop)
        .map(|p| p.cents)
        .sum();
    assert_eq!(revenue, want_revenue);
}
