#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The client scores in the segment language (`abc`, `xyz`, `rfm_segment`, `p_alive`, `r_score` …):
//! a small store whose orders fall on fixed dates, so that every class and segment is known by hand
//! (worked out in the comments), checked through `segment`, `segment_count`, `client_matches`, saved
//! segments and export, and against the analytics readers; and the errors a person reads.

mod common;

use std::collections::BTreeSet;

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use common::mem;
use crm_core::{
    AbcQuery, ClientId, ClientKind, Crm, Error, ErrorKind, FieldType, Money, NewClient, NewOrder,
    OrderStatus, PAliveQuery, RfmQuery, Subject,
};

fn day(y: i32, m: u32, d: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, 10, 0, 0).single().unwrap()
}

/// The evaluation time: 1 November 2026, noon.
fn as_of() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0)
        .single()
        .unwrap()
}

/// `n` orders of `amount` on day `d` of consecutive months from `y`-`m`.
fn monthly(y: i32, m: u32, n: u32, d: u32, amount: i64) -> Vec<(DateTime<Utc>, i64)> {
    (0..n)
        .map(|i| {
            let months = m - 1 + i;
            (day(y + (months / 12) as i32, months % 12 + 1, d), amount)
        })
        .collect()
}

/// The store: clients 1–10 buy (their orders below), 11 never buys, 12 buys only after `as_of`.
///
/// | # | completed orders (units) | revenue | cum. share | ABC | last, days | F | R F M | RFM | XYZ (CV) |
/// |---|---|---|---|---|---|---|---|---|---|
/// | 1 | 500 on the 10th, Nov 2025 – Oct 2026 | 6000 | .658 | A | 22 | 12 | 5 5 5 | champions | X (0) |
/// | 2 | 9000 on 30 Oct 2026 | 9000 | .395 | A | 2 | 1 | 5 1 5 | new | — (1 month) |
/// | 3 | 300 on the 1st, Dec 2025 – May 2026 | 1800 | .833 | B | 184 | 6 | 3 5 4 | loyal | Z (.91) |
/// | 4 | 200 on 15 Jun 2025 | 200 | .989 | C | 504 | 1 | 1 1 2 | lost | — (no revenue) |
/// | 5 | 400, 500, 400, 500, 400 on the 3rd, Jun – Oct 2026 | 2200 | .754 | A | 29 | 5 | 4 4 4 | loyal | Y (.111) |
/// | 6 | 250 on the 1st, Jul – Sep 2026 | 750 | .980 | C | 61 | 3 | 3 3 2 | at risk | Z (.58) |
/// | 7 | 100 on 14 Feb 2026 | 100 | 1 | C | 260 | 1 | 2 2 1 | hibernating | Z |
/// | 8 | 150 on 10 Jan 2026 (and 5000 cancelled) | 150 | .996 | C | 295 | 1 | 1 2 1 | lost | Z |
/// | 9 | 350 on the 5th, Dec 2025 – Mar 2026 | 1400 | .895 | B | 241 | 4 | 2 4 3 | at risk | Z |
/// | 10 | 600 on 1 Sep 2025 and 20 Sep 2026 | 1200 | .947 | B | 42 | 2 | 4 3 3 | potential | Z |
///
/// ABC: total 19 000, ranked by revenue; A while the cumulative share including the client is under
/// 80 %, B under 95 %. RFM: ten clients, so NTILE(5) makes buckets of two (worst first: the longest
/// ago, the fewest orders, the least revenue; ties by id). XYZ: the twelve months Nov 2025 – Oct 2026,
/// from the first purchase's month for a younger client. P(alive): a client with one purchase day has
/// no repeat purchase, so BG/NBD gives it exactly 1 (clients 2, 4, 7, 8).
struct Store {
    crm: Crm,
    /// By number: `ids[0]` is client 1.
    ids: Vec<ClientId>,
}

impl Store {
    /// The ids of clients numbered `ns`, ascending.
    fn clients(&self, ns: &[usize]) -> Vec<ClientId> {
        let mut v: Vec<ClientId> = ns.iter().map(|n| self.ids[n - 1]).collect();
        v.sort();
        v
    }

    fn all(&self) -> Vec<ClientId> {
        self.ids.clone()
    }

    /// The members of `expr` as of `as_of`, checked against `segment_count` and `client_matches`.
    fn members(&self, expr: &str) -> Vec<ClientId> {
        let at = as_of();
        let ids = self
            .crm
            .segment(expr, at)
            .unwrap_or_else(|e| panic!("{expr}: {e}"));
        assert_eq!(
            self.crm.segment_count(expr, at).unwrap(),
            ids.len() as u64,
            "{expr}"
        );
        for id in &self.ids {
            assert_eq!(
                self.crm.client_matches(expr, *id, at).unwrap(),
                ids.contains(id),
                "client_matches {expr} on {id}"
            );
        }
        ids
    }
}

fn store() -> Store {
    let crm = mem();
    let created = day(2025, 1, 1);
    let orders: Vec<Vec<(DateTime<Utc>, i64)>> = vec![
        monthly(2025, 11, 12, 10, 500),
        vec![(day(2026, 10, 30), 9000)],
        monthly(2025, 12, 6, 1, 300),
        vec![(day(2025, 6, 15), 200)],
        vec![
            (day(2026, 6, 3), 400),
            (day(2026, 7, 3), 500),
            (day(2026, 8, 3), 400),
            (day(2026, 9, 3), 500),
            (day(2026, 10, 3), 400),
        ],
        monthly(2026, 7, 3, 1, 250),
        vec![(day(2026, 2, 14), 100)],
        vec![(day(2026, 1, 10), 150)],
        monthly(2025, 12, 4, 5, 350),
        vec![(day(2025, 9, 1), 600), (day(2026, 9, 20), 600)],
        vec![],
        vec![(day(2026, 11, 5), 5000)],
    ];
    let mut ids = Vec::new();
    for (i, list) in orders.iter().enumerate() {
        let id = crm
            .add_client(
                NewClient::new(ClientKind::Company, format!("Client {}", i + 1)),
                created,
            )
            .unwrap()
            .id;
        for (at, units) in list {
            crm.record_order(
                NewOrder {
                    client_id: id,
                    total: Money::from_units(*units).unwrap(),
                    ..Default::default()
                },
                *at,
            )
            .unwrap();
        }
        ids.push(id);
    }
    // Client 8's large order was cancelled: it counts nowhere.
    let cancelled = crm
        .record_order(
            NewOrder {
                client_id: ids[7],
                total: Money::from_units(5000).unwrap(),
                ..Default::default()
            },
            day(2026, 10, 25),
        )
        .unwrap();
    crm.set_order_status(cancelled.id, OrderStatus::Cancelled, day(2026, 10, 25))
        .unwrap();
    Store { crm, ids }
}

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[test]
fn abc_classes_by_revenue_as_of_the_evaluation_time() {
    let s = store();
    assert_eq!(s.members("abc = 'A'"), s.clients(&[1, 2, 5]));
    assert_eq!(s.members("abc = 'B'"), s.clients(&[3, 9, 10]));
    assert_eq!(s.members("abc = 'C'"), s.clients(&[4, 6, 7, 8]));
    assert_eq!(
        s.members("abc in ('A', 'B')"),
        s.clients(&[1, 2, 3, 5, 9, 10])
    );
    // No completed order by then: no class (the 5000 of client 12 comes after `as_of`).
    assert_eq!(s.members("abc is null"), s.clients(&[11, 12]));
    // A missing class is unknown, so `!=` leaves those clients out, as everywhere in the language.
    assert_eq!(s.members("abc != 'A'"), s.clients(&[3, 4, 6, 7, 8, 9, 10]));
    assert_eq!(
        s.members("abc != 'A' or abc is null"),
        s.clients(&[3, 4, 6, 7, 8, 9, 10, 11, 12])
    );
    // Scores combine with the other fields in one statement.
    assert_eq!(s.members("abc = 'A' and orders >= 5"), s.clients(&[1, 5]));
    assert_eq!(
        s.members("abc = 'C' or revenue > 5000"),
        s.clients(&[1, 2, 4, 6, 7, 8])
    );

    // The same classes as the ABC report over all history to that day.
    let report = s
        .crm
        .abc(&AbcQuery {
            end: Some(date(2026, 11, 1)),
            ..AbcQuery::default()
        })
        .unwrap();
    for class in ["A", "B", "C"] {
        let expected: BTreeSet<ClientId> = report
            .rows
            .iter()
            .filter(|r| r.class.as_str() == class)
            .map(|r| r.client_id)
            .collect();
        let got: BTreeSet<ClientId> = s.members(&format!("abc = '{class}'")).into_iter().collect();
        assert_eq!(got, expected, "abc = '{class}'");
    }

    // Later the future order counts: client 12 (5000) gets a class.
    let later = Utc.with_ymd_and_hms(2026, 11, 6, 0, 0, 0).single().unwrap();
    assert!(s.crm.segment("abc is null", later).unwrap() == s.clients(&[11]));
}

#[test]
fn rfm_segments_in_codes_and_as_people_write_them() {
    let s = store();
    for (expr, ns) in [
        ("rfm_segment = 'champions'", vec![1]),
        ("rfm_segment = 'new'", vec![2]),
        ("rfm_segment = 'loyal'", vec![3, 5]),
        ("rfm_segment = 'lost'", vec![4, 8]),
        ("rfm_segment = 'at_risk'", vec![6, 9]),
        ("rfm_segment = 'at risk'", vec![6, 9]),
        ("rfm_segment = 'At-Risk'", vec![6, 9]),
        ("rfm_segment = 'hibernating'", vec![7]),
        ("rfm_segment = 'potential'", vec![10]),
        ("rfm_segment = 'Can''t Lose'", vec![]),
        (
            "rfm_segment in ('cant_lose', 'at risk', 'Lost')",
            vec![4, 6, 8, 9],
        ),
        (
            "rfm_segment not in ('champions', 'loyal')",
            vec![2, 4, 6, 7, 8, 9, 10],
        ),
        ("rfm_segment is null", vec![11, 12]),
        ("r_score = 5", vec![1, 2]),
        ("f_score >= 4", vec![1, 3, 5, 9]),
        ("m_score between 1 and 2", vec![4, 6, 7, 8]),
        ("r_score <= 2 and f_score >= 4", vec![9]),
        ("m_score is null", vec![11, 12]),
    ] {
        assert_eq!(s.members(expr), s.clients(&ns), "{expr}");
    }

    // The same as the RFM report as of that day.
    let report = s.crm.rfm(&RfmQuery::as_of(date(2026, 11, 1))).unwrap();
    for row in &report.rows {
        let expr = format!("rfm_segment = '{}'", row.segment.as_str());
        assert!(s.members(&expr).contains(&row.client_id), "{expr}");
        let expr = format!(
            "r_score = {} and f_score = {} and m_score = {}",
            row.r_score, row.f_score, row.m_score
        );
        assert!(s.members(&expr).contains(&row.client_id), "{expr}");
    }
}

#[test]
fn xyz_classes_over_the_twelve_months_before() {
    let s = store();
    assert_eq!(s.members("xyz = 'X'"), s.clients(&[1]));
    assert_eq!(s.members("xyz = 'Y'"), s.clients(&[5]));
    assert_eq!(s.members("xyz = 'Z'"), s.clients(&[3, 6, 7, 8, 9, 10]));
    // Client 2 has one month measured, client 4 no revenue in the window.
    assert_eq!(s.members("xyz is null"), s.clients(&[2, 4, 11, 12]));
    assert_eq!(
        s.members("abc = 'A' and xyz in ('X', 'Y')"),
        s.clients(&[1, 5])
    );
}

#[test]
fn p_alive_is_a_probability_compared_as_a_number() {
    let s = store();
    // No repeat purchase: exactly 1.
    assert_eq!(s.members("p_alive = 1"), s.clients(&[2, 4, 7, 8]));
    assert_eq!(s.members("p_alive is null"), s.clients(&[11, 12]));
    assert_eq!(
        s.members("p_alive between 0 and 1"),
        s.clients(&[1, 2, 3, 4, 5, 6, 7, 8, 9, 10])
    );

    let report = s
        .crm
        .p_alive(&PAliveQuery::as_of(date(2026, 11, 1)))
        .unwrap();
    let p = |id: ClientId| {
        report
            .rows
            .iter()
            .find(|r| r.client_id == id)
            .map(|r| r.p_alive)
            .unwrap()
    };
    for id in s.clients(&[2, 4, 7, 8]) {
        assert_eq!(p(id), 1.0);
    }
    // Client 3 bought monthly and stopped half a year ago: less likely alive than client 1, who
    // bought every month up to three weeks ago.
    assert!(p(s.ids[2]) < p(s.ids[0]), "{report:?}");
    for (expr, keep) in [
        ("p_alive < 0.3", &(|x: f64| x < 0.3) as &dyn Fn(f64) -> bool),
        ("p_alive >= 0.5", &|x| x >= 0.5),
        ("p_alive between 0.2 and 0.95", &|x| {
            (0.2..=0.95).contains(&x)
        }),
        ("p_alive not between 0.2 and 0.95", &|x| {
            !(0.2..=0.95).contains(&x)
        }),
        ("p_alive != 1", &|x| x != 1.0),
    ] {
        let expected: Vec<ClientId> = report
            .rows
            .iter()
            .filter(|r| keep(r.p_alive))
            .map(|r| r.client_id)
            .collect();
        assert_eq!(s.members(expr), expected, "{expr}");
    }
    let lowest = report
        .rows
        .iter()
        .map(|r| r.p_alive)
        .fold(f64::INFINITY, f64::min);
    assert!(lowest < 1.0);
    assert!(s.members("p_alive < 1").len() == 6);
}

#[test]
fn saved_segments_and_exports_read_the_scores_of_their_time() {
    let s = store();
    s.crm
        .save_segment("at risk", "rfm_segment = 'at risk'", as_of())
        .unwrap();
    let change = s.crm.refresh_segment("at risk", as_of()).unwrap();
    assert_eq!(change.entered, s.clients(&[6, 9]));
    assert!(change.left.is_empty());
    assert_eq!(
        s.crm.segment("at risk", as_of()).unwrap(),
        s.clients(&[6, 9])
    );
    let mut csv = Vec::new();
    let n = s
        .crm
        .export_segment("abc = 'A' and xyz = 'X'", as_of(), &mut csv)
        .unwrap();
    assert_eq!(n, 1);
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.contains("Client 1,"), "{csv}");
    // Inside a transaction too (the scores' table lives on the same connection).
    let ids = s
        .crm
        .transaction(|tx| tx.segment("abc = 'B' and p_alive > 0", as_of()))
        .unwrap();
    assert_eq!(ids, s.clients(&[3, 9, 10]));
    assert_eq!(s.all().len(), 12);
}

fn message<T: std::fmt::Debug>(result: Result<T, Error>) -> String {
    match result {
        Ok(v) => panic!("expected an error, got {v:?}"),
        Err(e) => {
            assert_eq!(e.kind(), ErrorKind::Validation, "{e}");
            e.to_string()
        }
    }
}

#[test]
fn errors_name_the_field_and_what_it_takes() {
    let crm = mem();
    let check = |expr: &str| message(crm.check_expression(Subject::Clients, expr));
    let mut wrong = Vec::new();
    for (expr, expected) in [
        (
            "abc = 'D'",
            "expression: 'D' is not a abc: expected one of A, B, C at 1:7",
        ),
        (
            "xyz in ('X', 'W')",
            "expression: 'W' is not a xyz: expected one of X, Y, Z at 1:14",
        ),
        (
            "rfm_segment = 'sleepers'",
            "expression: 'sleepers' is not a rfm_segment: expected one of champions, loyal, potential, new, at_risk, cant_lose, hibernating, lost at 1:15",
        ),
        (
            "p_alive < 1.5",
            "expression: p_alive is a probability from 0 to 1; 1.5 is not at 1:11",
        ),
        (
            "p_alive between -0.1 and 0.5",
            "expression: p_alive is a probability from 0 to 1; -0.1 is not at 1:17",
        ),
        (
            "p_alive = 'high'",
            "expression: p_alive is a probability and cannot be compared with text 'high' at 1:11",
        ),
        (
            "p_alive contains '0'",
            "expression: 'contains' does not apply to p_alive (a probability); use =, !=, <, <=, >, >=, in, between or is null at 1:1",
        ),
        (
            "abc < 'B'",
            "expression: '<' does not apply to abc (a choice); use =, !=, in, not in or is null at 1:7",
        ),
        (
            "r_score = 2.5",
            "expression: r_score is a whole number; 2.5 is not at 1:11",
        ),
    ] {
        let got = check(expr);
        if got != expected {
            wrong.push(format!("{expr}\n  got:      {got}\n  expected: {expected}"));
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
    assert!(check("rfm_segment = 'hibernate'").contains("did you mean 'hibernating'?"));
    assert!(check("abc = 'a'").ends_with("did you mean 'A'?"));
    // Text goes in single quotes: a double-quoted value is refused by the lexer, with the way out.
    assert!(check("rfm_segment = \"can't lose\"").contains("single quotes"));

    // The canonical form keeps the value as written; the human forms are accepted.
    assert_eq!(
        crm.check_expression(
            Subject::Clients,
            "RFM_Segment = 'Can''t Lose' AND P_ALIVE < 0.3"
        )
        .unwrap(),
        "rfm_segment = 'Can''t Lose' and p_alive < 0.3"
    );
    for written in ["'cant-lose'", "'CANT LOSE'", "'cant_lose'", "'can''t lose'"] {
        crm.check_expression(Subject::Clients, &format!("rfm_segment = {written}"))
            .unwrap();
    }

    // Leads have no scores: routing rules and response-time policies cannot name them.
    for expr in [
        "abc = 'A'",
        "xyz is null",
        "rfm_segment = 'new'",
        "p_alive < 0.3",
        "r_score = 1",
    ] {
        let field = expr.split(' ').next().unwrap();
        assert!(
            message(crm.check_expression(Subject::Leads, expr))
                .contains(&format!("unknown field '{field}' for leads")),
            "{expr}"
        );
    }
    let lead = crm
        .capture_lead(common::web_lead("Ivan", "+380671234567"), as_of())
        .unwrap()
        .lead;
    assert!(
        message(crm.lead_matches("abc = 'A'", lead.id, as_of()))
            .contains("unknown field 'abc' for leads")
    );
}

#[test]
fn the_catalogue_lists_the_scores() {
    let crm = mem();
    let fields = crm.fields(Subject::Clients).unwrap();
    let field = |name: &str| fields.iter().find(|f| f.name == name).unwrap();
    assert_eq!(field("abc").field_type, FieldType::Choice);
    assert_eq!(field("abc").values, ["A", "B", "C"]);
    assert_eq!(field("xyz").values, ["X", "Y", "Z"]);
    assert_eq!(
        field("rfm_segment").values,
        [
            "champions",
            "loyal",
            "potential",
            "new",
            "at_risk",
            "cant_lose",
            "hibernating",
            "lost"
        ]
    );
    assert_eq!(field("p_alive").field_type, FieldType::Probability);
    for name in [
        "abc",
        "xyz",
        "rfm_segment",
        "p_alive",
        "r_score",
        "f_score",
        "m_score",
    ] {
        assert!(field(name).nullable, "{name}");
        assert!(!field(name).doc.is_empty(), "{name}");
    }
    assert!(field("abc").doc.contains("80 %"));
    let leads = crm.fields(Subject::Leads).unwrap();
    assert!(!leads.iter().any(|f| f.name == "abc" || f.name == "p_alive"));
}
