#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Property tests of the whole `run_due` over random timelines of orders, complaints, promises, merges
//! and runs: a second run at the same `now` does nothing (empty lists, no event); no task is ever made
//! for a client that was merged away, nor — apart from the follow-up of a promise made to it or a
//! complaint it made, which a lost client is owed like any other — for a client whose dormancy is lost; and a client's dormancy never climbs
//! back up the ladder between two runs without a new purchase.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Duration, TimeZone, Utc};
use common::units;
use crm_core::Strategy as Routing;
use crm_core::*;
use proptest::prelude::*;
use proptest::strategy::Strategy;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 5, 9, 0, 0).single().unwrap()
}

#[derive(Debug, Clone)]
enum Op {
    /// A completed order of client `n` (index into the clients made).
    Order(usize),
    /// A complaint of client `n`, resolved after `hours` (or left open).
    Complaint(usize, Option<u8>),
    /// A promise to client `n`, due in `days`.
    Promise(usize, u8),
    /// Client `b` merged into client `a`.
    Merge(usize, usize),
    /// `run_due` now.
    Run,
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..6usize).prop_map(Op::Order),
        1 => (0..6usize, proptest::option::of(1..200u8)).prop_map(|(c, h)| Op::Complaint(c, h)),
        1 => (0..6usize, 1..20u8).prop_map(|(c, d)| Op::Promise(c, d)),
        1 => (0..6usize, 0..6usize).prop_map(|(a, b)| Op::Merge(a, b)),
        3 => Just(Op::Run),
    ]
}

/// Each step: an operation after a pause (in hours, up to 60 days).
fn timeline() -> impl Strategy<Value = Vec<(u16, Op)>> {
    proptest::collection::vec((0..1_440u16, op()), 1..40)
}

fn rank(s: Option<DormancyState>) -> u8 {
    match s {
        None => 0,
        Some(DormancyState::Active) => 1,
        Some(DormancyState::Cooling) => 2,
        Some(DormancyState::Dormant) => 3,
        Some(DormancyState::Lost) => 4,
    }
}

fn setup() -> (Crm, Vec<ClientId>) {
    let crm = Crm::open_in_memory().unwrap();
    let m = crm.add_manager(NewManager::new("Olena"), t0()).unwrap();
    crm.add_routing_rule(NewRoutingRule::new("all", Routing::RoundRobin), t0())
        .unwrap();
    // Beside the defaults: a task every day for every buyer, and a win-back tag for the lost.
    crm.add_retention_rule(
        NewRetentionRule::new(
            "every buyer",
            "orders >= 1",
            RuleAction::Task {
                task_kind: "call".into(),
                title: "Call {client} ({days_since_last_order}), offer {cross_sell}".into(),
                due_in: "4h".into(),
                to: Assignee::Owner,
            },
            1,
        ),
        t0(),
    )
    .unwrap();
    crm.add_retention_rule(
        NewRetentionRule::new(
            "win back",
            "dormancy = 'lost'",
            RuleAction::Mailing {
                segment: "win-back".into(),
            },
            1,
        ),
        t0(),
    )
    .unwrap();
    let clients = (0..6)
        .map(|i| {
            let mut new = NewClient::new(ClientKind::Company, format!("client {i}"));
            new.owner_id = (i % 2 == 0).then_some(m.id);
            crm.add_client(new, t0()).unwrap().id
        })
        .collect();
    (crm, clients)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn run_due_is_idempotent_and_never_acts_on_lost_or_merged(steps in timeline()) {
        let (crm, clients) = setup();
        let mut now = t0();
        // Clients that bought (or gained orders by a merge) since the last run.
        let mut bought: BTreeSet<ClientId> = BTreeSet::new();
        let mut merged: BTreeSet<ClientId> = BTreeSet::new();
        let mut states: BTreeMap<ClientId, Option<DormancyState>> = BTreeMap::new();
        let mut skus = ["tea", "cups", "sugar"].iter().cycle();
        for (pause, op) in steps {
            now += Duration::hours(i64::from(pause));
            match op {
                Op::Order(i) => {
                    let c = clients[i];
                    if merged.contains(&c) {
                        continue;
                    }
                    let sku = skus.next().unwrap();
                    crm.record_order(
                        NewOrder {
                            client_id: c,
                            total: units(10),
                            lines: vec![OrderLine::new(*sku, 1, units(10))],
                            ..Default::default()
                        },
                        now,
                    )
                    .unwrap();
                    bought.insert(c);
                }
                Op::Complaint(i, resolve) => {
                    let c = clients[i];
                    if merged.contains(&c) {
                        continue;
                    }
                    let k = crm
                        .open_complaint(
                            NewComplaint {
                                client_id: c,
                                order_id: None,
                                subject: "s".into(),
                                body: None,
                                priority: None,
                                owner_id: None,
                            },
                            now,
                        )
                        .unwrap();
                    if let Some(h) = resolve {
                        now += Duration::hours(i64::from(h));
                        crm.resolve_complaint(k.id, "fixed", now).unwrap();
                    }
                }
                Op::Promise(i, days) => {
                    let c = clients[i];
                    if merged.contains(&c) {
                        continue;
                    }
                    crm.promise(
                        NewPromise {
                            client_id: c,
                            manager_id: None,
                            what: "call back".into(),
                            due_at: now + Duration::days(i64::from(days)),
                            activity_id: None,
                        },
                        now,
                    )
                    .unwrap();
                }
                Op::Merge(a, b) => {
                    let (a, b) = (clients[a], clients[b]);
                    if a == b || merged.contains(&a) || merged.contains(&b) {
                        continue;
                    }
                    crm.merge_clients(a, b, now).unwrap();
                    merged.insert(b);
                    bought.insert(a);
                }
                Op::Run => {
                    let run = crm.run_due(now).unwrap();
                    for task in &run.tasks {
                        let Some(c) = task.client_id else { continue };
                        prop_assert!(!merged.contains(&c), "a task for merged client {c}");
                        // A promise made to the client or a complaint it made is followed up whatever
                        // its rhythm says: only the other tasks (the rules') must spare lost clients.
                        if task.promise_id.is_some() || task.complaint_id.is_some() {
                            continue;
                        }
                        let rhythm = crm.client_rhythm(c, now).unwrap();
                        prop_assert_ne!(rhythm.stored_state, Some(DormancyState::Lost),
                            "a task ({}) for lost client {}", task.kind, c);
                    }
                    for fire in &run.fired {
                        prop_assert!(!merged.contains(&fire.client_id));
                    }
                    // Again at the same now: nothing at all.
                    let seq = crm.last_seq().unwrap();
                    let again = crm.run_due(now).unwrap();
                    prop_assert!(again.fired.is_empty(), "fired twice: {:?}", again.fired);
                    prop_assert!(again.tasks.is_empty());
                    prop_assert!(again.dormancy.is_empty());
                    prop_assert!(again.promises_broken.is_empty());
                    prop_assert!(again.complaints_breached.is_empty());
                    prop_assert_eq!(crm.last_seq().unwrap(), seq);
                    // The ladder: never back up without a purchase.
                    for &c in &clients {
                        if merged.contains(&c) {
                            continue;
                        }
                        let state = crm.client_rhythm(c, now).unwrap().stored_state;
                        if let Some(before) = states.get(&c) {
                            if !bought.contains(&c) {
                                prop_assert!(rank(state) >= rank(*before),
                                    "client {} climbed from {:?} to {:?} without a purchase", c, before, state);
                            }
                        }
                        states.insert(c, state);
                    }
                    bought.clear();
                }
            }
        }
        // Every task any run made is about a client that still exists or was merged after the task.
        for task in crm.list_tasks(None, false).unwrap() {
            if task.rule_id.is_some() {
                prop_assert!(task.client_id.is_some());
            }
        }
    }
}
