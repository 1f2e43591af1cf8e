#![allow(clippy::unwrap_used, clippy::expect_used)]
//! The dormancy ladder through the public API: each client's rhythm, `run_due` moving clients down the
//! ladder (one event per move), back to active with a purchase, the flat rule, settings, the readers,
//! the `dormancy` field of the segment language, and the property that without a purchase a client
//! never climbs back up.

mod common;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use crm_core::retention::dormancy as ladder;
use crm_core::{
    ClientId, ClientKind, Crm, DormancyChange, DormancyQuery, DormancySettings, DormancyState,
    ErrorKind, NewClient, NewOrder, OrderStatus,
};
use proptest::prelude::*;

use common::{mem, units};

fn t(day: i64) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 1, 1, 10, 0, 0).unwrap() + Duration::days(day)
}

fn d(day: i64) -> NaiveDate {
    t(day).date_naive()
}

fn client(crm: &Crm, name: &str) -> ClientId {
    crm.add_client(NewClient::new(ClientKind::Person, name), t(0))
        .unwrap()
        .id
}

fn buy(crm: &Crm, client: ClientId, day: i64) -> crm_core::OrderId {
    crm.record_order(
        NewOrder {
            client_id: client,
            total: units(100),
            ..Default::default()
        },
        t(day),
    )
    .unwrap()
    .id
}

fn moves(changes: &[DormancyChange], id: ClientId) -> Vec<(Option<DormancyState>, DormancyState)> {
    changes
        .iter()
        .filter(|c| c.client_id == id)
        .map(|c| (c.from, c.to))
        .collect()
}

use DormancyState::{Active, Cooling, Dormant, Lost};

#[test]
fn a_regular_buyer_moves_down_the_ladder_by_its_own_rhythm() {
    let crm = mem();
    let c = client(&crm, "Regular");
    for day in [0, 10, 20, 30] {
        buy(&crm, c, day);
    }
    // Gap 10 days: cooling from day 30 + 15, dormant from 30 + 30, lost from 30 + 60.
    let run = crm.run_due(t(31)).unwrap();
    assert_eq!(moves(&run.dormancy, c), [(None, Active)]);
    let rhythm = crm.client_rhythm(c, t(31)).unwrap();
    assert_eq!(rhythm.expected_gap_days, Some(10.0));
    assert_eq!(rhythm.last_purchase, Some(d(30)));
    assert_eq!(rhythm.next_state, Some(Cooling));
    assert_eq!(
        rhythm.next_at,
        Some(d(45).and_hms_opt(0, 0, 0).unwrap().and_utc())
    );
    assert_eq!(rhythm.stored_state, Some(Active));

    assert!(crm.run_due(t(44)).unwrap().dormancy.is_empty());
    assert_eq!(
        moves(&crm.run_due(t(45)).unwrap().dormancy, c),
        [(Some(Active), Cooling)]
    );
    // The same run again changes nothing.
    assert!(crm.run_due(t(45)).unwrap().dormancy.is_empty());
    assert_eq!(
        moves(&crm.run_due(t(60)).unwrap().dormancy, c),
        [(Some(Cooling), Dormant)]
    );
    assert_eq!(
        moves(&crm.run_due(t(91)).unwrap().dormancy, c),
        [(Some(Dormant), Lost)]
    );
    assert!(
        crm.run_due(t(400)).unwrap().dormancy.is_empty(),
        "lost is the bottom"
    );

    // Each move is an event on the client.
    let events: Vec<_> = crm
        .history("client", c.0)
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == "dormancy")
        .collect();
    assert_eq!(events.len(), 4);
    assert_eq!(events[1].data["from"], "active");
    assert_eq!(events[1].data["to"], "cooling");
    assert_eq!(events[1].data["expected_gap_days"], 10.0);
    assert_eq!(events[1].data["last_purchase"], "2026-01-31");

    // A purchase brings it back to the top.
    buy(&crm, c, 401);
    assert_eq!(
        moves(&crm.run_due(t(402)).unwrap().dormancy, c),
        [(Some(Lost), Active)]
    );
    assert_eq!(crm.dormancy_counts().unwrap().active, 1);
}

#[test]
fn a_long_pause_is_one_move_of_several_rungs() {
    let crm = mem();
    let c = client(&crm, "Pause");
    for day in [0, 7, 14] {
        buy(&crm, c, day);
    }
    crm.run_due(t(15)).unwrap();
    assert_eq!(
        moves(&crm.run_due(t(200)).unwrap().dormancy, c),
        [(Some(Active), Lost)]
    );
}

#[test]
fn one_purchase_day_follows_the_flat_rule_and_the_gap_has_a_floor() {
    let crm = mem();
    let once = client(&crm, "Once");
    buy(&crm, once, 0);
    let twice = client(&crm, "Two days running");
    buy(&crm, twice, 0);
    buy(&crm, twice, 1);
    crm.run_due(t(2)).unwrap();
    let r = crm.client_rhythm(once, t(2)).unwrap();
    assert_eq!(r.expected_gap_days, None);
    assert_eq!(r.next_state, Some(Cooling));
    assert_eq!(r.next_at.unwrap().date_naive(), d(60));
    // Consecutive days: the gap is 7, not 1; still active the next day.
    let r = crm.client_rhythm(twice, t(2)).unwrap();
    assert_eq!(r.expected_gap_days, Some(7.0));
    assert_eq!(r.state, Some(Active));
    assert_eq!(r.next_at.unwrap().date_naive(), d(1 + 11));
    let run = crm.run_due(t(60)).unwrap();
    assert_eq!(moves(&run.dormancy, once), [(Some(Active), Cooling)]);
    assert_eq!(moves(&run.dormancy, twice), [(Some(Active), Lost)]);
}

#[test]
fn a_cancelled_order_never_lifts_a_client_without_a_purchase() {
    let crm = mem();
    let c = client(&crm, "Cancel");
    buy(&crm, c, 0);
    buy(&crm, c, 100);
    let late = buy(&crm, c, 110);
    // Gaps 100 and 10: median 55; from day 110, cooling at 110 + 83.
    crm.run_due(t(200)).unwrap();
    assert_eq!(
        crm.client_rhythm(c, t(200)).unwrap().stored_state,
        Some(Cooling)
    );
    // Without the last order the rule would say: gap 100 from day 100, active until day 250.
    crm.set_order_status(late, OrderStatus::Cancelled, t(201))
        .unwrap();
    let run = crm.run_due(t(202)).unwrap();
    assert!(moves(&run.dormancy, c).is_empty(), "{run:?}");
    let r = crm.client_rhythm(c, t(202)).unwrap();
    assert_eq!(r.state, Some(Active), "the rule alone");
    assert_eq!(r.stored_state, Some(Cooling), "the ladder kept");

    // Every order cancelled: no rung at all.
    let only = client(&crm, "Gone");
    let o = buy(&crm, only, 150);
    crm.run_due(t(203)).unwrap();
    crm.set_order_status(o, OrderStatus::Cancelled, t(204))
        .unwrap();
    crm.run_due(t(205)).unwrap();
    assert_eq!(crm.client_rhythm(only, t(205)).unwrap().stored_state, None);
    assert!(
        crm.segment("dormancy is null", t(205))
            .unwrap()
            .contains(&only)
    );
}

#[test]
fn settings_are_validated_and_recompute_the_ladder() {
    let crm = mem();
    assert_eq!(
        crm.dormancy_settings().unwrap(),
        DormancySettings::default()
    );
    let bad = DormancySettings {
        dormant_after: 1.0,
        ..DormancySettings::default()
    };
    let e = crm.set_dormancy_settings(bad, t(0)).unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation);
    assert!(e.to_string().contains("dormant_after"), "{e}");

    let c = client(&crm, "Weekly");
    for day in [0, 10, 20] {
        buy(&crm, c, day);
    }
    crm.run_due(t(21)).unwrap();
    assert!(crm.run_due(t(30)).unwrap().dormancy.is_empty());
    let quick = DormancySettings {
        cooling_after: 0.5,
        dormant_after: 0.8,
        lost_after: 5.0,
        ..DormancySettings::default()
    };
    crm.set_dormancy_settings(quick, t(30)).unwrap();
    assert_eq!(crm.dormancy_settings().unwrap(), quick);
    assert_eq!(
        moves(&crm.run_due(t(30)).unwrap().dormancy, c),
        [(Some(Active), Dormant)]
    );
    let set: Vec<_> = crm
        .history("settings", 0)
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == "dormancy_set")
        .collect();
    assert_eq!(set.len(), 1);
}

#[test]
fn the_report_and_the_field_read_the_ladder() {
    let crm = mem();
    let a = client(&crm, "A");
    let b = client(&crm, "B");
    let none = client(&crm, "No orders");
    for day in [0, 10, 20] {
        buy(&crm, a, day);
    }
    buy(&crm, b, 0);
    crm.run_due(t(50)).unwrap();
    let counts = crm.dormancy_counts().unwrap();
    assert_eq!((counts.active, counts.cooling, counts.dormant), (1, 0, 1));
    assert_eq!(crm.segment("dormancy = 'dormant'", t(50)).unwrap(), [a]);
    assert_eq!(
        crm.segment("dormancy in ('active', 'cooling')", t(50))
            .unwrap(),
        [b]
    );
    assert_eq!(crm.segment("dormancy is null", t(50)).unwrap(), [none]);
    assert!(
        crm.client_matches("dormancy = 'dormant'", a, t(50))
            .unwrap()
    );
    assert!(
        !crm.client_matches("dormancy = 'dormant'", b, t(50))
            .unwrap()
    );

    let report = crm
        .dormancy_report(&DormancyQuery {
            as_of: t(70),
            with_p_alive: true,
        })
        .unwrap();
    assert_eq!(report.rows.len(), 2);
    assert_eq!((report.counts.cooling, report.counts.dormant), (1, 1));
    assert_eq!(report.rows[0].state, Dormant);
    assert_eq!(report.rows[0].client_id, a);
    assert_eq!(report.rows[0].days_since_last, 50);
    assert_eq!(report.rows[1].expected_gap_days, None);
}

#[test]
fn the_report_needs_no_run_and_reads_the_past_from_the_orders() {
    let crm = mem();
    let a = client(&crm, "Every ten days");
    let b = client(&crm, "Once");
    let c = client(&crm, "Came back on day 60");
    for day in [0, 10, 20] {
        buy(&crm, a, day);
    }
    buy(&crm, b, 5);
    for day in [0, 7, 14, 60] {
        buy(&crm, c, day);
    }
    let at = |as_of: i64| {
        crm.dormancy_report(&DormancyQuery {
            as_of: t(as_of),
            with_p_alive: false,
        })
        .unwrap()
    };
    let states = |r: &crm_core::DormancyReport| {
        r.rows
            .iter()
            .map(|row| (row.client_id, row.state))
            .collect::<Vec<_>>()
    };
    // Never run: read from the orders. Day 50: A last bought on day 20 with a 10-day gap (cooling from
    // 35, dormant from 50); B once on day 5 (45 days: active under the flat rule); C's day-60 order is
    // after the report's time, so C is read as of day 50 (gap 7: dormant from 14 + 21 = 35).
    let before = at(50);
    assert_eq!(states(&before), [(a, Dormant), (b, Active), (c, Dormant)]);
    assert_eq!(before.rows[2].last_purchase, d(14));
    assert_eq!(
        crm.dormancy_counts().unwrap().dormant,
        0,
        "nothing stored yet"
    );

    // After a run the stored rhythm serves the current clients; the answer is the same.
    crm.run_due(t(61)).unwrap();
    assert_eq!(states(&at(50)), states(&before));
    let now = at(61);
    assert_eq!(states(&now), [(a, Dormant), (b, Active), (c, Active)]);
    // A purchase after the run is read from the orders until the next run stores it.
    buy(&crm, a, 62);
    assert_eq!(states(&at(63))[0], (a, Active));
    assert_eq!(at(63).counts.active, 3);
}

#[test]
fn a_merged_client_is_recomputed_on_the_kept_one() {
    let crm = mem();
    let keep = client(&crm, "Keep");
    let gone = client(&crm, "Gone");
    buy(&crm, keep, 0);
    buy(&crm, gone, 10);
    crm.run_due(t(11)).unwrap();
    crm.merge_clients(keep, gone, t(12)).unwrap();
    let run = crm.run_due(t(13)).unwrap();
    assert!(run.dormancy.iter().all(|c| c.client_id != gone));
    let r = crm.client_rhythm(keep, t(13)).unwrap();
    assert_eq!(r.purchase_days, [d(0), d(10)]);
    assert_eq!(r.expected_gap_days, Some(10.0));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Runs at random times between random purchases: the stored state matches the rule with the
    /// ladder's memory, and without a purchase in between it never climbs back up.
    #[test]
    fn no_climb_back_without_a_purchase(
        steps in prop::collection::vec((0i64..60, prop::bool::weighted(0.35), prop::bool::weighted(0.1)), 1..25),
    ) {
        let crm = mem();
        let c = client(&crm, "P");
        let mut day = 0;
        let mut last_state: Option<DormancyState> = None;
        let mut orders = Vec::new();
        for (step, buys, cancels) in steps {
            day += step;
            let mut bought = false;
            if buys {
                orders.push(buy(&crm, c, day));
                bought = true;
            }
            if cancels {
                if let Some(o) = orders.pop() {
                    crm.set_order_status(o, OrderStatus::Cancelled, t(day)).unwrap();
                }
            }
            crm.run_due(t(day)).unwrap();
            let r = crm.client_rhythm(c, t(day)).unwrap();
            if let (Some(before), Some(now)) = (last_state, r.stored_state) {
                if !bought {
                    prop_assert!(now >= before, "climbed from {before:?} to {now:?} on day {day}");
                }
            }
            if let (Some(rule), Some(stored)) = (r.state, r.stored_state) {
                prop_assert!(stored >= rule || bought, "stored {stored:?} above the rule {rule:?}");
            }
            if bought && !cancels {
                prop_assert_eq!(r.stored_state, Some(Active));
            }
            // The pure rule agrees with the reader.
            if let Some(last) = r.last_purchase {
                let s = DormancySettings::default();
                prop_assert_eq!(r.state, Some(ladder::state_at(last, ladder::expected_gap(&r.purchase_days, &s), t(day), &s)));
            }
            last_state = r.stored_state;
        }
    }
}

#[test]
fn the_retention_fields_of_the_filter_language() {
    let crm = mem();
    let mut new = NewClient::new(ClientKind::Person, "Leap");
    new.birth_date = NaiveDate::from_ymd_opt(2000, 2, 29);
    let leap = crm.add_client(new, t(0)).unwrap().id;
    let mut new = NewClient::new(ClientKind::Person, "May");
    new.birth_date = NaiveDate::from_ymd_opt(1990, 5, 10);
    let may = crm.add_client(new, t(0)).unwrap().id;
    let plain = client(&crm, "Plain");
    let on = |m: u32, day: u32| Utc.with_ymd_and_hms(2026, m, day, 15, 0, 0).unwrap();
    // 2026 is a common year: a 29 February birthday is on 1 March.
    assert_eq!(
        crm.segment("days_to_birthday = 0", on(3, 1)).unwrap(),
        [leap]
    );
    assert_eq!(
        crm.segment("days_to_birthday = 1", on(2, 28)).unwrap(),
        [leap]
    );
    assert_eq!(
        crm.segment("days_to_birthday <= 7", on(5, 3)).unwrap(),
        [may]
    );
    assert_eq!(
        crm.segment("days_to_birthday = 364", on(5, 11)).unwrap(),
        [may]
    );
    assert_eq!(
        crm.segment("days_to_birthday is null", on(5, 11)).unwrap(),
        [plain]
    );
    assert!(
        crm.client_matches("days_to_birthday = 0", leap, on(3, 1))
            .unwrap()
    );

    // `updated`: the date the details last changed.
    crm.update_client(
        plain,
        crm_core::ClientPatch {
            region: Some(Some("Lviv".into())),
            ..Default::default()
        },
        on(4, 2),
    )
    .unwrap();
    assert_eq!(
        crm.segment("updated >= 2026-04-01", on(4, 3)).unwrap(),
        [plain]
    );
    assert_eq!(
        crm.segment("updated = 2026-04-02", on(4, 3)).unwrap(),
        [plain]
    );

    // Complaints: open ones are counted, the latest resolution dated.
    let complaint = |c: ClientId, at: DateTime<Utc>| {
        crm.open_complaint(
            crm_core::NewComplaint {
                client_id: c,
                order_id: None,
                subject: "broken".into(),
                body: None,
                priority: None,
                owner_id: None,
            },
            at,
        )
        .unwrap()
        .id
    };
    let first = complaint(may, on(4, 1));
    complaint(may, on(4, 5));
    crm.resolve_complaint(first, "replaced", on(4, 10)).unwrap();
    assert_eq!(
        crm.segment("open_complaints = 1", on(4, 20)).unwrap(),
        [may]
    );
    assert_eq!(
        crm.segment("open_complaints = 0", on(4, 20)).unwrap(),
        [leap, plain]
    );
    assert_eq!(
        crm.segment("days_since_complaint_resolved = 10", on(4, 20))
            .unwrap(),
        [may]
    );
    // Before it was resolved, there was no resolution to count from.
    assert_eq!(
        crm.segment("days_since_complaint_resolved is null", on(4, 9))
            .unwrap(),
        [leap, may, plain]
    );
    assert!(
        crm.client_matches(
            "days_since_complaint_resolved < 30 and open_complaints > 0",
            may,
            on(4, 20)
        )
        .unwrap()
    );
    let fields: Vec<_> = crm
        .fields(crm_core::Subject::Clients)
        .unwrap()
        .into_iter()
        .map(|f| f.name)
        .collect();
    for name in [
        "dormancy",
        "days_to_birthday",
        "updated",
        "days_since_complaint_resolved",
        "open_complaints",
    ] {
        assert!(fields.contains(&name), "{name}");
    }
}
