#![allow(clippy::unwrap_used, clippy::expect_used)]
//! ABC and RFM on the CDNOW purchase history (23,570 customers, 69,659 rows), checked customer by
//! customer against reference answers (`tests/data/cdnow/cdnow_abc_truth.csv`,
//! `cdnow_rfm_scores_truth.csv`) and the published class and score counts.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::OnceLock;

use chrono::NaiveDate;
use crm_core::ClientId;
use crm_core::analytics::abc::{AbcClass, AbcRule, AbcThresholds, abc, abc_summary};
use crm_core::analytics::rfm::{RfmInput, RfmScoring, RfmSegment, RfmTieRule, rfm};

fn data(name: &str) -> String {
    let path: PathBuf = [env!("CARGO_MANIFEST_DIR"), "tests", "data", "cdnow", name]
        .iter()
        .collect();
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Dollars with up to two decimals ("11.77", "12.0", "5") to integer cents, exactly.
fn cents(text: &str) -> i64 {
    let (whole, frac) = text.split_once('.').unwrap_or((text, ""));
    assert!(frac.len() <= 2, "{text}");
    let frac = format!("{frac:0<2}");
    whole.parse::<i64>().unwrap() * 100 + frac.parse::<i64>().unwrap()
}

/// Per customer: (last purchase, rows, revenue in cents), read once.
fn customers() -> &'static BTreeMap<i64, (NaiveDate, i64, i64)> {
    static CELL: OnceLock<BTreeMap<i64, (NaiveDate, i64, i64)>> = OnceLock::new();
    CELL.get_or_init(|| {
        let text = data("cdnow_transactions.csv");
        let mut lines = text.lines();
        assert_eq!(
            lines.next(),
            Some("line_no,customer_id,date,quantity,amount")
        );
        let mut out: BTreeMap<i64, (NaiveDate, i64, i64)> = BTreeMap::new();
        let mut rows = 0;
        for line in lines {
            let f: Vec<&str> = line.split(',').collect();
            let id: i64 = f[1].parse().unwrap();
            let date: NaiveDate = f[2].parse().unwrap();
            let amount = cents(f[4]);
            let e = out.entry(id).or_insert((date, 0, 0));
            e.0 = e.0.max(date);
            e.1 += 1;
            e.2 += amount;
            rows += 1;
        }
        assert_eq!(rows, 69_659);
        assert_eq!(out.len(), 23_570);
        out
    })
}

fn parse_class(s: &str) -> AbcClass {
    match s {
        "A" => AbcClass::A,
        "B" => AbcClass::B,
        "C" => AbcClass::C,
        other => panic!("class {other}"),
    }
}

#[test]
fn abc_matches_reference_for_every_customer() {
    let input: Vec<(ClientId, i64)> = customers()
        .iter()
        .map(|(&id, &(_, _, revenue))| (ClientId(id), revenue))
        .collect();
    assert_eq!(input.iter().map(|r| r.1).sum::<i64>(), 250_031_563);

    let text = data("cdnow_abc_truth.csv");
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (c_rank, c_id, c_rev) = (col("rank"), col("customer_id"), col("revenue"));
    let rules = [
        (AbcRule::Inclusive, col("class_inclusive")),
        (AbcRule::Exclusive, col("class_exclusive")),
        (AbcRule::TieGroup, col("class_tie_group")),
    ];
    // customer -> (rank, revenue, class per rule)
    let mut truth: BTreeMap<i64, (usize, i64, [AbcClass; 3])> = BTreeMap::new();
    for line in lines {
        let f: Vec<&str> = line.split(',').collect();
        let classes = [0, 1, 2].map(|k| parse_class(f[rules[k].1]));
        truth.insert(
            f[c_id].parse().unwrap(),
            (f[c_rank].parse().unwrap(), cents(f[c_rev]), classes),
        );
    }
    assert_eq!(truth.len(), 23_570);

    // (A, B, C) counts and revenue in cents from cdnow_abc_facts.json.
    let facts: [[(usize, i128); 3]; 3] = [
        [
            (7_694, 200_018_719),
            (8_044, 37_508_798),
            (7_832, 12_504_046),
        ],
        [
            (7_695, 200_026_506),
            (8_044, 37_503_710),
            (7_831, 12_501_347),
        ],
        [
            (7_694, 200_018_719),
            (8_034, 37_481_808),
            (7_842, 12_531_036),
        ],
    ];
    for (k, &(rule, _)) in rules.iter().enumerate() {
        let rows = abc(&input, AbcThresholds::default(), rule);
        assert_eq!(rows.len(), 23_570);
        let mut mismatches = 0;
        for (pos, row) in rows.iter().enumerate() {
            let (rank, revenue, classes) = truth[&row.client_id.0];
            assert_eq!(row.value, revenue, "customer {}", row.client_id);
            if k == 0 {
                // The reference ranks by revenue desc, id asc, like the library.
                assert_eq!(pos + 1, rank, "customer {}", row.client_id);
            }
            if row.class != classes[k] {
                mismatches += 1;
            }
        }
        assert_eq!(mismatches, 0, "{rule:?}");
        let summary = abc_summary(&rows);
        let got = [AbcClass::A, AbcClass::B, AbcClass::C]
            .map(|c| (summary.class(c).count, summary.class(c).value));
        assert_eq!(got, facts[k], "{rule:?}");
        let last = rows.last().unwrap();
        assert!((last.cumulative_share - 1.0).abs() < 1e-9);
    }
    // Inclusive A share just under 80 %, Exclusive just over.
    let inc = abc_summary(&abc(&input, AbcThresholds::default(), AbcRule::Inclusive));
    let exc = abc_summary(&abc(&input, AbcThresholds::default(), AbcRule::Exclusive));
    assert!((inc.a.share - 0.799974).abs() < 1e-6, "{}", inc.a.share);
    assert!((exc.a.share - 0.800005).abs() < 1e-6, "{}", exc.a.share);
}

#[test]
fn rfm_matches_reference_for_every_customer() {
    let as_of = NaiveDate::from_ymd_opt(1998, 6, 30).unwrap();
    let input: Vec<RfmInput> = customers()
        .iter()
        .map(|(&id, &(last, frequency, monetary))| RfmInput {
            client_id: ClientId(id),
            last_purchase: last,
            frequency,
            monetary,
        })
        .collect();
    let ntile = rfm(&input, as_of, RfmScoring::Quantiles(RfmTieRule::Ntile));
    let shared = rfm(&input, as_of, RfmScoring::Quantiles(RfmTieRule::TieShared));

    let text = data("cdnow_rfm_scores_truth.csv");
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some(
            "customer_id,recency_days,frequency,monetary,r_score,f_score,m_score,r_score_tie,f_score_tie,m_score_tie"
        )
    );
    let mut seen = 0;
    let mut mismatches = [0usize; 6];
    for (line, (a, b)) in lines.zip(ntile.iter().zip(&shared)) {
        let f: Vec<&str> = line.split(',').collect();
        let id: i64 = f[0].parse().unwrap();
        assert_eq!(a.client_id.0, id);
        assert_eq!(
            a.recency_days,
            f[1].parse::<i64>().unwrap(),
            "customer {id}"
        );
        assert_eq!(a.frequency, f[2].parse::<i64>().unwrap(), "customer {id}");
        assert_eq!(a.monetary, cents(f[3]), "customer {id}");
        let got = [
            a.r_score, a.f_score, a.m_score, b.r_score, b.f_score, b.m_score,
        ];
        for (k, &g) in got.iter().enumerate() {
            if g != f[4 + k].parse::<u8>().unwrap() {
                mismatches[k] += 1;
            }
        }
        seen += 1;
    }
    assert_eq!(seen, 23_570);
    assert_eq!(mismatches, [0; 6], "r f m r_tie f_tie m_tie");

    let counts = |rows: &[crm_core::analytics::rfm::RfmRow],
                  pick: fn(&crm_core::analytics::rfm::RfmRow) -> u8| {
        let mut c = [0usize; 5];
        for r in rows {
            c[usize::from(pick(r)) - 1] += 1;
        }
        c
    };
    for pick in [|r: &_| r.r_score, |r: &_| r.f_score, |r: &_| r.m_score]
        as [fn(&crm_core::analytics::rfm::RfmRow) -> u8; 3]
    {
        assert_eq!(counts(&ntile, pick), [4_714; 5]);
    }
    assert_eq!(
        counts(&shared, |r| r.r_score),
        [4_735, 4_712, 4_702, 4_720, 4_701]
    );
    assert_eq!(
        counts(&shared, |r| r.f_score),
        [11_908, 0, 4_079, 3_658, 3_925]
    );
    assert_eq!(
        counts(&shared, |r| r.m_score),
        [4_817, 4_615, 4_710, 4_715, 4_713]
    );

    // Segments cover everyone; a one-time buyer is never loyal or a champion.
    let mut by_segment: BTreeMap<RfmSegment, usize> = BTreeMap::new();
    for r in &ntile {
        *by_segment.entry(r.segment).or_default() += 1;
        if r.frequency == 1 {
            assert!(!matches!(
                r.segment,
                RfmSegment::Champions | RfmSegment::Loyal
            ));
        }
    }
    assert_eq!(by_segment.values().sum::<usize>(), 23_570);
}
