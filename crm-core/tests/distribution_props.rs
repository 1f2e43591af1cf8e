#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Property tests of distribution: over random managers, absences and streams of requests, every lead
//! goes to an eligible manager or is queued with a reason; round robin and weighted shares are fair at
//! every prefix; nobody absent or inactive gets work; a client's later requests go to its owner.

mod common;

use std::collections::BTreeMap;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use common::web_lead;
use crm_core::Strategy;
use crm_core::distribution::{Candidate, Decision, LeadTraits, RuleState, choose};
use crm_core::*;
use proptest::prelude::*;
use proptest::strategy::Strategy as _;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 6, 0, 0)
        .single()
        .expect("valid")
}

fn catch_all(strategy: Strategy) -> RoutingRule {
    RoutingRule {
        id: RuleId(1),
        name: "all".into(),
        priority: 0,
        when: None,
        team: None,
        managers: Vec::new(),
        strategy,
        skills: Vec::new(),
        match_region: false,
        match_language: false,
        working_hours_only: false,
        created_at: t0(),
        updated_at: t0(),
    }
}

fn candidate(id: i64, weight: u32) -> Candidate {
    Candidate {
        manager: Manager {
            id: ManagerId(id),
            name: format!("m{id}"),
            email: None,
            team: None,
            active: true,
            capacity: None,
            daily_cap: None,
            weight,
            skills: Vec::new(),
            regions: Vec::new(),
            languages: Vec::new(),
            created_at: t0(),
        },
        absent: false,
        in_hours: true,
        open_leads: 0,
        today: 0,
        last_assigned: None,
    }
}

fn pick(rule: &RoutingRule, cs: &[Candidate], state: &RuleState) -> (ManagerId, RuleState) {
    match choose(rule, &LeadTraits::default(), cs, None, state) {
        Decision::Chosen {
            manager_id, state, ..
        } => (manager_id, state),
        Decision::Nobody { reason, .. } => panic!("nobody: {reason}"),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    /// Weighted (smooth weighted round robin): at every prefix of the stream, each manager's count is
    /// within one lead of its exact proportional share `n · w / W`.
    #[test]
    fn weighted_shares_stay_within_one_lead_of_the_exact_proportion(
        weights in proptest::collection::vec(1u32..=10, 1..8),
        n in 1usize..400,
    ) {
        let rule = catch_all(Strategy::Weighted);
        let cs: Vec<Candidate> =
            weights.iter().enumerate().map(|(i, w)| candidate(i as i64 + 1, *w)).collect();
        let total: u32 = weights.iter().sum();
        let mut state = RuleState::default();
        let mut counts = vec![0u32; weights.len()];
        for step in 1..=n {
            let (m, s) = pick(&rule, &cs, &state);
            state = s;
            counts[(m.0 - 1) as usize] += 1;
            for (i, w) in weights.iter().enumerate() {
                // |count − step·w/W| < 1, in integers: |count·W − step·w| < W.
                let lhs = i64::from(counts[i]) * i64::from(total);
                let rhs = step as i64 * i64::from(*w);
                prop_assert!((lhs - rhs).abs() < i64::from(total),
                    "step {step}: manager {} has {} of an exact {:.2}", i + 1, counts[i],
                    step as f64 * f64::from(*w) / f64::from(total));
            }
        }
    }

    /// Round robin: over any stretch with a fixed eligible set, the counts differ by at most one.
    #[test]
    fn round_robin_counts_differ_by_at_most_one_at_every_prefix(
        k in 1usize..10,
        n in 1usize..300,
    ) {
        let rule = catch_all(Strategy::RoundRobin);
        let cs: Vec<Candidate> = (0..k).map(|i| candidate(i as i64 + 1, 1)).collect();
        let mut state = RuleState::default();
        let mut counts = vec![0u32; k];
        for _ in 0..n {
            let (m, s) = pick(&rule, &cs, &state);
            state = s;
            counts[(m.0 - 1) as usize] += 1;
            let (lo, hi) = (counts.iter().min().copied().unwrap_or(0), counts.iter().max().copied().unwrap_or(0));
            prop_assert!(hi - lo <= 1, "{counts:?}");
        }
    }
}

/// One random manager of the store-level test.
#[derive(Debug, Clone)]
struct Staff {
    active: bool,
    capacity: Option<u32>,
    daily_cap: Option<u32>,
    weight: u32,
    /// Absent on these days after the start (0..4).
    absent_days: Vec<u32>,
}

fn staff() -> impl proptest::strategy::Strategy<Value = Staff> {
    (
        proptest::bool::weighted(0.85),
        proptest::option::weighted(0.4, 1u32..6),
        proptest::option::weighted(0.3, 1u32..5),
        1u32..4,
        proptest::collection::vec(0u32..4, 0..2),
    )
        .prop_map(|(active, capacity, daily_cap, weight, absent_days)| Staff {
            active,
            capacity,
            daily_cap,
            weight,
            absent_days,
        })
}

fn strategy() -> impl proptest::strategy::Strategy<Value = Strategy> {
    prop_oneof![
        Just(Strategy::RoundRobin),
        Just(Strategy::LeastLoaded),
        Just(Strategy::Weighted)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Through the store: each lead goes to a manager who is active, present that day, under capacity
    /// and under the daily cap at that moment — or is queued with a reason; and a returning client's
    /// request goes to its owner whenever the owner could take it.
    #[test]
    fn every_lead_goes_to_an_eligible_manager_or_waits_with_a_reason(
        team in proptest::collection::vec(staff(), 1..6),
        strategy in strategy(),
        // Each request: minutes after the previous one, and whether it comes from the first client.
        stream in proptest::collection::vec((1i64..600, proptest::bool::weighted(0.2)), 1..40),
    ) {
        let crm = Crm::open_in_memory().expect("store");
        let start = t0();
        let mut ids = Vec::new();
        for (i, s) in team.iter().enumerate() {
            let mut m = NewManager::new(format!("M{i}"));
            m.capacity = s.capacity;
            m.daily_cap = s.daily_cap;
            m.weight = s.weight;
            m.active = Some(s.active);
            let m = crm.add_manager(m, start).expect("manager");
            for d in &s.absent_days {
                let day = NaiveDate::from_ymd_opt(2026, 11, 2 + d).expect("date");
                crm.add_absence(NewAbsence { manager_id: m.id, start: day, end: day, reason: None }, start)
                    .expect("absence");
            }
            ids.push(m.id);
        }
        crm.add_routing_rule(NewRoutingRule::new("all", strategy), start).expect("rule");
        // The returning client belongs to the first manager when that one is active.
        let mut client = NewClient::new(ClientKind::Person, "Returning Client");
        client.phone = Some("+380501112233".into());
        client.owner_id = team[0].active.then_some(ids[0]);
        let client = crm.add_client(client, start).expect("client");

        let mut open: BTreeMap<ManagerId, u32> = BTreeMap::new();
        let mut per_day: BTreeMap<(ManagerId, NaiveDate), u32> = BTreeMap::new();
        let mut when = start;
        for (i, (gap, returning)) in stream.iter().enumerate() {
            when += Duration::minutes(*gap);
            let today = when.date_naive();
            let eligible = |k: usize, open: &BTreeMap<ManagerId, u32>, per_day: &BTreeMap<(ManagerId, NaiveDate), u32>| {
                let s = &team[k];
                let id = ids[k];
                s.active
                    && !s.absent_days.iter().any(|d| NaiveDate::from_ymd_opt(2026, 11, 2 + d) == Some(today))
                    && s.capacity.is_none_or(|c| open.get(&id).copied().unwrap_or(0) < c)
                    && s.daily_cap.is_none_or(|c| per_day.get(&(id, today)).copied().unwrap_or(0) < c)
            };
            let new = if *returning {
                web_lead("Returning Client", "050 111 22 33")
            } else {
                web_lead(&format!("Person {i}"), &format!("+38067{:07}", 2_000_000 + i))
            };
            let c = crm.capture_lead(new, when).expect("capture");
            let a = c.assignment.expect("a decision");
            match c.lead.owner_id {
                Some(m) => {
                    let k = ids.iter().position(|x| *x == m).expect("a known manager");
                    prop_assert!(eligible(k, &open, &per_day), "lead {i} went to ineligible manager {m}: {a:?}");
                    if *returning && c.lead.client_id == Some(client.id) && team[0].active && eligible(0, &open, &per_day) {
                        prop_assert_eq!(m, ids[0], "the owner could take it: {:?}", a);
                        prop_assert_eq!(a.via, AssignedVia::Owner);
                    }
                    *open.entry(m).or_default() += 1;
                    *per_day.entry((m, today)).or_default() += 1;
                }
                None => {
                    prop_assert!(!c.lead.queued_reason.as_deref().unwrap_or("").is_empty());
                    prop_assert!((0..team.len()).all(|k| !eligible(k, &open, &per_day)),
                        "lead {i} queued while someone was eligible: {a:?}");
                }
            }
        }
    }
}
