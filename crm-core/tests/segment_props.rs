#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Properties of the segment language:
//! - differential: random expressions over random clients and orders give the same members through
//!   the compiled SQL (`Crm::segment`) as through the in-memory evaluator run on facts computed here,
//!   in plain Rust, from the generated data (not read back from the store); the client scores (`abc`,
//!   `xyz`, `rfm_segment`, `p_alive`, R/F/M) are taken from the public analytics readers as of the
//!   evaluation date, so the test holds the segment SQL to the evaluator and to those readers;
//! - round trip: printing a random syntax tree and parsing it gives the same tree.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Duration, Months, NaiveDate, TimeZone, Utc};
use crm_core::analytics::abc::AbcClass;
use crm_core::analytics::rfm::RfmSegment;
use crm_core::analytics::xyz::XyzClass;
use crm_core::retention::dormancy as ladder;
use crm_core::segment::{
    self, ClientFacts, CmpOp, Expr, FieldName, Literal, Names, Span, Subject, Value,
};
use crm_core::{
    AbcQuery, Channel, ClientId, ClientKind, ClientPatch, Crm, DormancySettings, DormancyState,
    Money, NewClient, NewComplaint, NewLead, NewManager, NewOrder, NewSource, OrderStatus,
    PAliveQuery, RfmQuery, SourceId, XyzQuery,
};
use proptest::prelude::*;
use serde_json::json;

fn day(d: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).single().unwrap() + Duration::days(d)
}

#[derive(Debug, Clone)]
struct GenOrder {
    at_hours: i64,
    total: i64,
    cancelled: bool,
}

#[derive(Debug, Clone)]
struct GenClient {
    kind: bool,
    name: usize,
    region: usize,
    industry: usize,
    owner: usize,
    tags: Vec<usize>,
    attrs: (usize, usize),
    created_hours: i64,
    email: bool,
    orders: Vec<GenOrder>,
    leads: Vec<(i64, usize)>,
    /// Birth date: a year and a grid day of 2026 (`t0 + 15 k` days), or 29 February 2000.
    birth: Option<(i32, Option<i64>)>,
    /// Hours after creation of a change of the client's details (its `updated_at`).
    updated_hours: Option<i64>,
    /// Complaints: opened on a grid day; 0 open, 1 in progress, 2 resolved, 3 closed, 4 rejected;
    /// resolved this many grid steps after opening.
    complaints: Vec<(i64, u8, i64)>,
}

const NAMES: &[&str] = &[
    "ТОВ «Ромашка»",
    "ромашка тов",
    "Ivan Petrenko",
    "ivan",
    "Олена",
    "O'Brien",
    "Zed",
];
const REGIONS: &[Option<&str>] = &[
    None,
    Some("Київ"),
    Some("київ"),
    Some("Lviv"),
    Some("Odesa"),
];
const INDUSTRIES: &[Option<&str>] = &[None, Some("retail"), Some("wholesale")];
const TAGS: &[&str] = &["vip", "VIP", "wholesale", "Новий", "newsletter"];

fn loyalty(i: usize) -> serde_json::Value {
    match i {
        0 => json!(null),
        1 => json!("gold"),
        2 => json!("Gold"),
        3 => json!(3),
        4 => json!(true),
        5 => json!(2.5),
        _ => json!({"level": "silver"}),
    }
}

fn gen_client() -> impl Strategy<Value = GenClient> {
    // Times fall on a grid of days 15 apart (hours 0-20), so that dates and day counts in the
    // expressions hit the data exactly, where `<` and `<=` differ.
    let order = (
        0i64..27,
        0i64..10,
        0i64..200_000,
        prop::bool::weighted(0.15),
    )
        .prop_map(|(k, h, total, cancelled)| GenOrder {
            at_hours: 24 * 15 * k + h,
            total,
            cancelled,
        });
    (
        any::<bool>(),
        0..NAMES.len(),
        0..REGIONS.len(),
        0..INDUSTRIES.len(),
        0usize..4,
        prop::collection::vec(0..TAGS.len(), 0..3),
        (0usize..7, 0usize..4),
        (0i64..13, 0i64..10).prop_map(|(a, h)| 24 * 15 * a + h),
        any::<bool>(),
        prop::collection::vec(order, 0..5),
        prop::collection::vec(((0i64..20).prop_map(|k| 24 * 15 * k + 3), 0usize..3), 0..3),
        (
            prop::option::weighted(
                0.7,
                (
                    prop::sample::select(vec![1980, 1992, 2000]),
                    prop::option::weighted(0.85, 0i64..30),
                ),
            ),
            prop::option::weighted(0.5, 1i64..24 * 400),
            prop::collection::vec((0i64..30, 0u8..5, 0i64..3), 0..3),
        ),
    )
        .prop_map(
            |(
                kind,
                name,
                region,
                industry,
                owner,
                tags,
                attrs,
                created_hours,
                email,
                orders,
                leads,
                (birth, updated_hours, complaints),
            )| {
                GenClient {
                    kind,
                    name,
                    region,
                    industry,
                    owner,
                    tags,
                    attrs,
                    created_hours,
                    email,
                    orders,
                    leads,
                    birth,
                    updated_hours,
                    complaints,
                }
            },
        )
}

fn attributes(c: &GenClient) -> serde_json::Value {
    let mut map = serde_json::Map::new();
    let l = loyalty(c.attrs.0);
    if !l.is_null() || c.attrs.0 == 0 && c.attrs.1 == 0 {
        map.insert("loyalty".into(), l);
    }
    match c.attrs.1 {
        1 => {
            map.insert("n".into(), json!(7));
        }
        2 => {
            map.insert("n".into(), json!(7.5));
        }
        3 => {
            map.insert("loyalty card".into(), json!(false));
        }
        _ => {}
    }
    serde_json::Value::Object(map)
}

fn t0() -> DateTime<Utc> {
    day(0)
}

/// When `run_due` places the clients on the dormancy ladder: after every generated order.
fn run_time() -> DateTime<Utc> {
    day(800)
}

fn birth_date(c: &GenClient) -> Option<NaiveDate> {
    let (year, k) = c.birth?;
    match k {
        None => NaiveDate::from_ymd_opt(2000, 2, 29),
        Some(k) => {
            let d = day(15 * k).date_naive();
            NaiveDate::from_ymd_opt(year, d.month(), d.day())
        }
    }
}

/// A complaint's opening (time, kind) and, for a resolved or closed one, its resolution time.
type ComplaintTimes = ((DateTime<Utc>, u8), Option<DateTime<Utc>>);

/// Each complaint's times.
fn complaint_times(c: &GenClient) -> Vec<ComplaintTimes> {
    let created = t0() + Duration::hours(c.created_hours);
    c.complaints
        .iter()
        .map(|&(k, kind, r)| {
            let open_at = created + Duration::hours(24 * 15 * k + 5);
            let resolved =
                matches!(kind, 2 | 3).then(|| open_at + Duration::hours(24 * 15 * r + 2));
            ((open_at, kind), resolved)
        })
        .collect()
}

/// The client's place on the ladder after the run, by the pure rule on its purchase days.
fn dormancy_of(c: &GenClient) -> Option<DormancyState> {
    let created = t0() + Duration::hours(c.created_hours);
    let mut days: Vec<NaiveDate> = c
        .orders
        .iter()
        .filter(|o| !o.cancelled)
        .map(|o| (created + Duration::hours(o.at_hours)).date_naive())
        .collect();
    days.sort();
    days.dedup();
    let s = DormancySettings::default();
    let last = *days.last()?;
    Some(ladder::state_at(
        last,
        ladder::expected_gap(&days, &s),
        run_time(),
        &s,
    ))
}

/// What a test store holds, in plain values, to compute facts from.
struct World {
    crm: Crm,
    clients: Vec<(ClientId, GenClient)>,
    /// Lead: client, received, source, lead sequence.
    leads: Vec<(ClientId, DateTime<Utc>, Option<SourceId>, usize)>,
    names: Names,
}

fn build(clients: &[GenClient]) -> World {
    let crm = Crm::open_in_memory().unwrap();
    let mut managers = Vec::new();
    for name in ["Olena Koval", "Taras", "Iryna"] {
        let m = crm
            .add_manager(
                NewManager {
                    name: name.into(),
                    ..Default::default()
                },
                t0(),
            )
            .unwrap();
        managers.push(m.id);
    }
    let mut sources = Vec::new();
    for (name, channel) in [
        ("Google Ads", Channel::Ads),
        ("Instagram", Channel::Ads),
        ("Referral", Channel::Referral),
    ] {
        sources.push(
            crm.add_source(
                NewSource {
                    name: name.into(),
                    channel,
                    campaign: None,
                },
                t0(),
            )
            .unwrap()
            .id,
        );
    }
    let mut stored = Vec::new();
    let mut leads = Vec::new();
    let mut seq = 0;
    for c in clients {
        let created = t0() + Duration::hours(c.created_hours);
        let mut new = NewClient::new(
            if c.kind {
                ClientKind::Company
            } else {
                ClientKind::Person
            },
            NAMES[c.name],
        );
        new.region = REGIONS[c.region].map(str::to_string);
        new.industry = INDUSTRIES[c.industry].map(str::to_string);
        new.owner_id = c.owner.checked_sub(1).map(|i| managers[i]);
        new.tags = c.tags.iter().map(|t| TAGS[*t].to_string()).collect();
        new.attributes = attributes(c);
        new.email = c.email.then(|| "a@example.com".to_string());
        new.birth_date = birth_date(c);
        let id = crm.add_client(new, created).unwrap().id;
        if let Some(h) = c.updated_hours {
            let patch = ClientPatch {
                website: Some(Some("example.com".into())),
                ..Default::default()
            };
            crm.update_client(id, patch, created + Duration::hours(h))
                .unwrap();
        }
        for o in &c.orders {
            let at = created + Duration::hours(o.at_hours);
            let order = crm
                .record_order(
                    NewOrder {
                        client_id: id,
                        total: Money::from_minor(o.total),
                        ..Default::default()
                    },
                    at,
                )
                .unwrap();
            if o.cancelled {
                crm.set_order_status(order.id, OrderStatus::Cancelled, at)
                    .unwrap();
            }
        }
        for (hours, source) in &c.leads {
            let at = t0() + Duration::hours(*hours);
            let mut lead = NewLead::new(Channel::Web);
            lead.client_id = Some(id);
            lead.source_id = Some(sources[*source]);
            crm.capture_lead(lead, at).unwrap();
            seq += 1;
            leads.push((id, at, Some(sources[*source]), seq));
        }
        for (opened, resolved) in complaint_times(c) {
            let (open_at, kind) = opened;
            let complaint = crm
                .open_complaint(
                    NewComplaint {
                        client_id: id,
                        order_id: None,
                        subject: "late delivery".into(),
                        body: None,
                        priority: None,
                        owner_id: None,
                    },
                    open_at,
                )
                .unwrap();
            match kind {
                1 => {
                    crm.take_complaint(complaint.id, open_at + Duration::hours(1))
                        .unwrap();
                }
                2 | 3 => {
                    let at = resolved.unwrap();
                    crm.resolve_complaint(complaint.id, "refunded", at).unwrap();
                    if kind == 3 {
                        crm.close_complaint(complaint.id, at + Duration::hours(1))
                            .unwrap();
                    }
                }
                4 => {
                    crm.reject_complaint(complaint.id, "unfounded", open_at + Duration::hours(2))
                        .unwrap();
                }
                _ => {}
            }
        }
        stored.push((id, c.clone()));
    }
    // The ladder as a run after every order leaves it (the `dormancy` field reads the stored state).
    crm.run_due(run_time()).unwrap();
    let names = Names {
        managers: ["Olena Koval", "Taras", "Iryna"]
            .iter()
            .zip(&managers)
            .map(|(n, id)| (n.to_string(), id.0))
            .collect(),
        sources: ["Google Ads", "Instagram", "Referral"]
            .iter()
            .zip(&sources)
            .map(|(n, id)| (n.to_string(), id.0))
            .collect(),
    };
    World {
        crm,
        clients: stored,
        leads,
        names,
    }
}

/// One client's scores as the analytics readers report them.
#[derive(Debug, Clone, Default)]
struct Scores {
    abc: Option<AbcClass>,
    xyz: Option<XyzClass>,
    rfm: Option<RfmSegment>,
    p_alive: Option<f64>,
    r: Option<u8>,
    f: Option<u8>,
    m: Option<u8>,
}

/// Every client's scores as of `as_of`'s date: ABC by revenue over all history to that day (80/95 %,
/// inclusive), XYZ over the twelve whole months before its month, RFM quintiles, P(alive) (none when
/// the model cannot be fitted).
fn scores(crm: &Crm, as_of: DateTime<Utc>) -> BTreeMap<ClientId, Scores> {
    let day = as_of.date_naive();
    let mut all: BTreeMap<ClientId, Scores> = BTreeMap::new();
    let abc = crm
        .abc(&AbcQuery {
            end: Some(day),
            ..AbcQuery::default()
        })
        .unwrap();
    for r in abc.rows {
        all.entry(r.client_id).or_default().abc = Some(r.class);
    }
    let month = day.with_day(1).unwrap();
    let xyz = crm
        .xyz(&XyzQuery {
            start: Some(month.checked_sub_months(Months::new(12)).unwrap()),
            end: Some(month.pred_opt().unwrap()),
            ..XyzQuery::default()
        })
        .unwrap();
    for r in xyz.rows {
        all.entry(r.client_id).or_default().xyz = r.class;
    }
    for r in crm.rfm(&RfmQuery::as_of(day)).unwrap().rows {
        let s = all.entry(r.client_id).or_default();
        s.rfm = Some(r.segment);
        (s.r, s.f, s.m) = (Some(r.r_score), Some(r.f_score), Some(r.m_score));
    }
    if let Ok(report) = crm.p_alive(&PAliveQuery::as_of(day)) {
        for r in report.rows {
            all.entry(r.client_id).or_default().p_alive = Some(r.p_alive);
        }
    }
    all
}

/// The facts of a client as of `as_of`, computed from the generated data (the scores as given).
fn facts(
    w: &World,
    id: ClientId,
    c: &GenClient,
    as_of: DateTime<Utc>,
    scores: &Scores,
) -> ClientFacts {
    let created = t0() + Duration::hours(c.created_hours);
    let done: Vec<(DateTime<Utc>, i64)> = c
        .orders
        .iter()
        .filter(|o| !o.cancelled)
        .map(|o| (created + Duration::hours(o.at_hours), o.total))
        .filter(|(at, _)| *at <= as_of)
        .collect();
    let window = |days: i64| {
        Money::from_minor(
            done.iter()
                .filter(|(at, _)| *at > as_of - Duration::days(days))
                .map(|(_, t)| t)
                .sum(),
        )
    };
    let first_source = w
        .leads
        .iter()
        .filter(|(client, at, _, _)| *client == id && *at <= as_of)
        .min_by_key(|(_, at, _, seq)| (*at, *seq))
        .and_then(|(_, _, s, _)| *s);
    let mut tags: Vec<String> = c.tags.iter().map(|t| TAGS[*t].to_string()).collect();
    tags.sort();
    tags.dedup();
    ClientFacts {
        id,
        name: NAMES[c.name].to_string(),
        kind: if c.kind {
            ClientKind::Company
        } else {
            ClientKind::Person
        },
        region: REGIONS[c.region].map(str::to_string),
        industry: INDUSTRIES[c.industry].map(str::to_string),
        owner_id: c
            .owner
            .checked_sub(1)
            .map(|i| crm_core::ManagerId(w.names.managers[i].1)),
        tags,
        created_at: created,
        first_source,
        email: c.email.then(|| "a@example.com".to_string()),
        phone: None,
        tax_id: None,
        attributes: attributes(c),
        revenue: Money::from_minor(done.iter().map(|(_, t)| t).sum()),
        orders: done.len() as i64,
        first_order_at: done.iter().map(|(at, _)| *at).min(),
        last_order_at: done.iter().map(|(at, _)| *at).max(),
        revenue_90d: window(90),
        revenue_365d: window(365),
        abc: scores.abc,
        xyz: scores.xyz,
        rfm_segment: scores.rfm,
        p_alive: scores.p_alive,
        r_score: scores.r,
        f_score: scores.f,
        m_score: scores.m,
        updated_at: c
            .updated_hours
            .map_or(created, |h| created + Duration::hours(h)),
        birth_date: birth_date(c),
        dormancy: dormancy_of(c),
        complaint_resolved_at: complaint_times(c)
            .into_iter()
            .filter_map(|(_, resolved)| resolved)
            .filter(|at| *at <= as_of)
            .max(),
        open_complaints: complaint_times(c)
            .into_iter()
            .filter(|((at, kind), _)| *kind <= 1 && *at <= as_of)
            .count() as i64,
    }
}

/// A random condition over the client fields, as text.
fn condition() -> BoxedStrategy<String> {
    let text = prop::sample::select(vec![
        "'Київ'",
        "'київ'",
        "'Lviv'",
        "'retail'",
        "'Zed'",
        "'ivan'",
        "'ромашка'",
        "'O''Brien'",
        "'x''); DROP TABLE clients; --'",
    ]);
    let text_field = prop::sample::select(vec!["region", "industry", "name", "email"]);
    let money = prop::sample::select(vec![
        "0", "0.01", "50", "100.5", "999.99", "1000", "2500", "-1",
    ]);
    let money_field = prop::sample::select(vec![
        "revenue",
        "revenue_90d",
        "revenue_365d",
        "average_order",
    ]);
    let int = prop::sample::select(vec!["0", "1", "2", "3", "5"]);
    let days = prop::sample::select(vec![
        "0", "1", "15", "30", "90", "90d", "2w", "180", "-15", "45d",
    ]);
    let date = prop::sample::select(vec![
        "2026-01-01",
        "2026-01-16",
        "2026-02-15",
        "2026-03-17",
        "2026-04-01",
        "2026-06-30",
        "2026-09-28",
        "2027-01-01",
        "30d ago",
        "15d ago",
        "1w ago",
        "90d ago",
        "400d ago",
    ]);
    let date_field = prop::sample::select(vec!["created", "first_order", "last_order"]);
    let op = prop::sample::select(vec!["=", "!=", "<", "<=", ">", ">="]);
    let attr_value = prop::sample::select(vec![
        "'gold'", "'Gold'", "3", "7", "7.5", "2.5", "true", "false", "'silver'",
    ]);
    let attr = prop::sample::select(vec![
        "attributes.loyalty",
        "attributes.n",
        "attributes.\"loyalty card\"",
        "attributes.loyalty.level",
        "attributes.none",
    ]);
    let tag = prop::sample::select(vec!["'vip'", "'Vip'", "'wholesale'", "'новий'", "'none'"]);
    let owner = prop::sample::select(vec!["1", "2", "3", "99", "'olena koval'", "'Taras'"]);
    let source = prop::sample::select(vec!["1", "2", "'Google Ads'", "'referral'"]);
    let abc = prop::sample::select(vec!["'A'", "'B'", "'C'"]);
    let rfm = prop::sample::select(vec![
        "'champions'",
        "'Loyal'",
        "'potential'",
        "'new'",
        "'at risk'",
        "'at_risk'",
        "'Can''t Lose'",
        "'hibernating'",
        "'lost'",
    ]);
    let probability = prop::sample::select(vec!["0", "0.05", "0.3", "0.5", "0.9", "1"]);
    let score = prop::sample::select(vec!["r_score", "f_score", "m_score"]);
    let score_value = prop::sample::select(vec!["1", "2", "3", "4", "5"]);
    let scores = prop_oneof![
        (prop::sample::select(vec!["=", "!="]), abc.clone())
            .prop_map(|(o, v)| format!("abc {o} {v}")),
        (abc.clone(), abc).prop_map(|(a, b)| format!("abc not in ({a}, {b})")),
        prop::sample::select(vec!["'X'", "'Y'", "'Z'"]).prop_map(|v| format!("xyz = {v}")),
        (prop::sample::select(vec!["=", "!="]), rfm.clone())
            .prop_map(|(o, v)| format!("rfm_segment {o} {v}")),
        (rfm.clone(), rfm).prop_map(|(a, b)| format!("rfm_segment in ({a}, {b})")),
        (op.clone(), probability.clone()).prop_map(|(o, v)| format!("p_alive {o} {v}")),
        (op.clone(), probability.clone()).prop_map(|(o, v)| format!("p_alive {o} {v}")),
        (probability.clone(), probability)
            .prop_map(|(a, b)| format!("p_alive between {a} and {b}")),
        (score, op.clone(), score_value).prop_map(|(f, o, v)| format!("{f} {o} {v}")),
        prop::sample::select(vec!["abc", "xyz", "rfm_segment", "p_alive", "r_score"])
            .prop_map(|f| format!("{f} is null")),
    ];
    let others = prop_oneof![
        (text_field.clone(), op.clone(), text.clone()).prop_map(|(f, o, v)| format!("{f} {o} {v}")),
        (text_field.clone(), text.clone(), text.clone())
            .prop_map(|(f, a, b)| format!("{f} in ({a}, {b})")),
        (text_field.clone(), text.clone(), text.clone())
            .prop_map(|(f, a, b)| format!("{f} not between {a} and {b}")),
        (text_field.clone(), text.clone()).prop_map(|(f, v)| format!("{f} contains {v}")),
        (text_field.clone(), text.clone()).prop_map(|(f, v)| format!("{f} not starts with {v}")),
        (text_field.clone(), any::<bool>())
            .prop_map(|(f, n)| format!("{f} is {}null", if n { "not " } else { "" })),
        (money_field.clone(), op.clone(), money.clone())
            .prop_map(|(f, o, v)| format!("{f} {o} {v}")),
        (money_field.clone(), money.clone(), money.clone())
            .prop_map(|(f, a, b)| format!("{f} between {a} and {b}")),
        (money_field, money.clone(), money).prop_map(|(f, a, b)| format!("{f} not in ({a}, {b})")),
        (op.clone(), int.clone()).prop_map(|(o, v)| format!("orders {o} {v}")),
        (int.clone(), int).prop_map(|(a, b)| format!("orders in ({a}, {b})")),
        (op.clone(), days.clone()).prop_map(|(o, v)| format!("days_since_last_order {o} {v}")),
        (days.clone(), days.clone())
            .prop_map(|(a, b)| format!("days_since_last_order between {a} and {b}")),
        (days.clone(), days).prop_map(|(a, b)| format!("days_since_last_order in ({a}, {b})")),
        (date_field.clone(), op.clone(), date.clone()).prop_map(|(f, o, v)| format!("{f} {o} {v}")),
        (date_field.clone(), date.clone(), date.clone())
            .prop_map(|(f, a, b)| format!("{f} between {a} and {b}")),
        (date_field.clone(), date.clone(), date).prop_map(|(f, a, b)| format!("{f} in ({a}, {b})")),
        date_field.prop_map(|f| format!("{f} is null")),
        (attr.clone(), op.clone(), attr_value.clone()).prop_map(|(f, o, v)| format!("{f} {o} {v}")),
        (attr.clone(), attr_value.clone()).prop_map(|(f, v)| format!("{f} in ({v})")),
        (attr.clone(), text).prop_map(|(f, v)| format!("{f} contains {v}")),
        attr.prop_map(|f| format!("{f} is null")),
        tag.prop_map(|t| format!("has tag {t}")),
        (prop::sample::select(vec!["=", "!="]), owner.clone())
            .prop_map(|(o, v)| format!("owner {o} {v}")),
        (owner.clone(), owner).prop_map(|(a, b)| format!("owner not in ({a}, {b})")),
        prop::sample::select(vec![
            "owner is null",
            "source is null",
            "kind = 'company'",
            "kind != 'person'"
        ])
        .prop_map(str::to_string),
        (prop::sample::select(vec!["=", "!="]), source)
            .prop_map(|(o, v)| format!("source {o} {v}")),
    ];
    let rdate = prop::sample::select(vec![
        "2026-01-01",
        "2026-03-17",
        "2026-09-28",
        "30d ago",
        "400d ago",
    ]);
    let rdays = prop::sample::select(vec!["0", "1", "15", "30", "90", "180", "-15"]);
    let ladder = prop::sample::select(vec!["'active'", "'cooling'", "'dormant'", "'lost'"]);
    let birthday_days =
        prop::sample::select(vec!["0", "1", "15", "30", "59", "60", "364", "365", "2w"]);
    let retention = prop_oneof![
        (prop::sample::select(vec!["=", "!="]), ladder.clone())
            .prop_map(|(o, v)| format!("dormancy {o} {v}")),
        (ladder.clone(), ladder).prop_map(|(a, b)| format!("dormancy in ({a}, {b})")),
        Just("dormancy is null".to_string()),
        (op.clone(), birthday_days.clone()).prop_map(|(o, v)| format!("days_to_birthday {o} {v}")),
        (birthday_days.clone(), birthday_days)
            .prop_map(|(a, b)| format!("days_to_birthday between {a} and {b}")),
        Just("days_to_birthday is null".to_string()),
        (op.clone(), rdate).prop_map(|(o, v)| format!("updated {o} {v}")),
        (op.clone(), rdays.clone())
            .prop_map(|(o, v)| format!("days_since_complaint_resolved {o} {v}")),
        (rdays.clone(), rdays)
            .prop_map(|(a, b)| format!("days_since_complaint_resolved in ({a}, {b})")),
        Just("days_since_complaint_resolved is null".to_string()),
        (op.clone(), prop::sample::select(vec!["0", "1", "2"]))
            .prop_map(|(o, v)| format!("open_complaints {o} {v}")),
    ];
    // A third of the conditions read the client scores; a sixth the retention fields.
    prop_oneof![2 => scores, 3 => others, 1 => retention].boxed()
}

fn expression() -> impl Strategy<Value = String> {
    condition().prop_recursive(3, 12, 3, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(|v| v.join(" and ")),
            prop::collection::vec(inner.clone(), 2..4)
                .prop_map(|v| format!("({})", v.join(" or "))),
            inner.clone().prop_map(|e| format!("not ({e})")),
            (inner.clone(), inner).prop_map(|(a, b)| format!("{a} or not {b}")),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn sql_and_memory_agree(
        clients in prop::collection::vec(gen_client(), 1..25),
        expressions in prop::collection::vec(expression(), 1..12),
        as_of_step in 2i64..28,
        as_of_hour in prop::sample::select(vec![0i64, 5, 12, 23]),
    ) {
        let w = build(&clients);
        let as_of = t0() + Duration::hours(24 * 15 * as_of_step + as_of_hour) + Duration::minutes(17);
        let scores = scores(&w.crm, as_of);
        for text in &expressions {
            let cond = segment::compile(text, Subject::Clients, &w.names)
                .map_err(|e| TestCaseError::fail(format!("{text}: {}", e.render(text))))?;
            let expected: Vec<ClientId> = w
                .clients
                .iter()
                .filter(|(id, c)| {
                    let s = scores.get(id).cloned().unwrap_or_default();
                    let f = facts(&w, *id, c, as_of, &s);
                    f.created_at <= as_of && cond.matches_client(&f, as_of)
                })
                .map(|(id, _)| *id)
                .collect();
            let got = w.crm.segment(text, as_of).map_err(|e| TestCaseError::fail(format!("{text}: {e}")))?;
            prop_assert_eq!(&got, &expected, "{}", text);
            prop_assert_eq!(w.crm.segment_count(text, as_of).unwrap(), expected.len() as u64);
            // The store's own per-client facts give the same answer. A condition on the scores
            // computes every client's scores for each client asked about: a few clients suffice.
            let reads_scores = ["abc", "xyz", "rfm_segment", "p_alive", "_score"]
                .iter()
                .any(|f| text.contains(f));
            let asked = if reads_scores { 3 } else { w.clients.len() };
            for (id, _) in w.clients.iter().take(asked) {
                prop_assert_eq!(
                    w.crm.client_matches(text, *id, as_of).unwrap(),
                    expected.contains(id),
                    "client_matches {} on {}", text, id
                );
            }
        }
    }
}

// --- round trip ---------------------------------------------------------------------------------

fn field() -> impl Strategy<Value = FieldName> {
    prop::sample::select(vec![
        vec!["region"],
        vec!["Revenue"],
        vec!["days_since_last_order"],
        vec!["attributes", "loyalty"],
        vec!["attributes", "loyalty card"],
        vec!["attributes", "Ключ", "x_1"],
        vec!["назва"],
    ])
    .prop_map(|parts| FieldName {
        parts: parts.into_iter().map(str::to_string).collect(),
        span: Span::default(),
    })
}

fn literal() -> impl Strategy<Value = Value> {
    prop_oneof![
        "\\PC{0,12}".prop_map(Literal::Text),
        "-?[0-9]{1,6}(\\.[0-9]{1,3})?".prop_map(Literal::Number),
        (1i32..9999, 1u32..13, 1u32..29)
            .prop_map(|(y, m, d)| Literal::Date(chrono::NaiveDate::from_ymd_opt(y, m, d).unwrap())),
        (0u64..100_000, prop::sample::select(vec!['d', 'w', 'h']))
            .prop_map(|(n, u)| Literal::Duration(n, u)),
        (0u64..100_000, prop::sample::select(vec!['d', 'w'])).prop_map(|(n, u)| Literal::Ago(n, u)),
        any::<bool>().prop_map(Literal::Bool),
    ]
    .prop_map(|literal| Value {
        literal,
        span: Span::default(),
    })
}

fn tree() -> impl Strategy<Value = Expr> {
    let op = prop::sample::select(vec![
        CmpOp::Eq,
        CmpOp::Ne,
        CmpOp::Lt,
        CmpOp::Le,
        CmpOp::Gt,
        CmpOp::Ge,
    ]);
    let leaf = prop_oneof![
        (field(), op, literal()).prop_map(|(field, op, value)| Expr::Compare { field, op, value }),
        (
            field(),
            any::<bool>(),
            prop::collection::vec(literal(), 1..4)
        )
            .prop_map(|(field, negated, values)| Expr::In {
                field,
                negated,
                values
            }),
        (field(), any::<bool>(), literal(), literal()).prop_map(|(field, negated, low, high)| {
            Expr::Between {
                field,
                negated,
                low,
                high,
            }
        }),
        (field(), any::<bool>(), literal()).prop_map(|(field, negated, value)| Expr::Contains {
            field,
            negated,
            value
        }),
        (field(), any::<bool>(), literal()).prop_map(|(field, negated, value)| Expr::StartsWith {
            field,
            negated,
            value
        }),
        (field(), any::<bool>()).prop_map(|(field, negated)| Expr::IsNull { field, negated }),
        literal().prop_map(|tag| Expr::HasTag {
            tag,
            span: Span::default()
        }),
    ];
    leaf.prop_recursive(5, 40, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 2..4).prop_map(Expr::And),
            prop::collection::vec(inner.clone(), 2..4).prop_map(Expr::Or),
            inner.prop_map(|e| Expr::Not(Box::new(e))),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn printing_then_parsing_gives_the_same_tree(expr in tree()) {
        let printed = expr.to_string();
        let parsed = segment::parse(&printed).map_err(|e| TestCaseError::fail(format!("{printed}: {}", e.render(&printed))))?;
        prop_assert_eq!(&parsed, &expr, "{}", printed);
        prop_assert_eq!(parsed.to_string(), printed);
    }

    #[test]
    fn any_text_parses_or_fails_with_a_position_inside_it(text in "\\PC{0,80}") {
        if let Err(e) = segment::parse(&text) {
            let (line, column) = e.position(&text);
            prop_assert!(line >= 1 && column >= 1);
            prop_assert!(e.span.start <= text.len());
        }
    }
}
