#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Sales plans and the manager report, through the public API: figures a sales director checks by hand.
//!
//! The store: manager A works to a Kyiv calendar (Mon–Fri 09:00–18:00, UTC+2 in November, so 07:00–16:00
//! UTC), manager B has no calendar (and the store none), manager C does nothing. Every lead has a one-hour
//! response deadline. The report covers 20 October – 20 November 2026.

use chrono::{DateTime, NaiveDate, TimeZone, Utc};
use crm_core::calendar::CalendarSpec;
use crm_core::{
    ActivityKind, Channel, ClientId, ClientKind, ConvertLead, Crm, Direction, ErrorKind, JunkKind,
    LeadId, ManagerId, ManagerReportQuery, ManagerRow, Money, NewActivity, NewClient, NewDeal,
    NewLead, NewManager, NewOrder, NewPlan, NewSlaPolicy, OrderStatus, Plan,
};

fn t(month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, month, day, hour, minute, 0)
        .single()
        .expect("a valid fixed time")
}

fn day(month: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, month, d).expect("a valid date")
}

fn money(text: &str) -> Money {
    Money::parse(text).expect("an amount")
}

fn kyiv() -> CalendarSpec {
    CalendarSpec::new("Europe/Kyiv").hours("mon-fri", &[("09:00", "18:00")])
}

/// A web request from a person with phone number `n`, owned by `owner`, received at `at`.
fn lead(crm: &Crm, n: u32, owner: ManagerId, at: DateTime<Utc>) -> LeadId {
    let mut new = NewLead::new(Channel::Web);
    new.name = Some(format!("Person {n}"));
    new.phone = Some(format!("+38067{:07}", 1_000_000 + n));
    new.owner_id = Some(owner);
    crm.capture_lead(new, at).expect("captured").lead.id
}

/// The manager's first outbound call on the lead.
fn respond(crm: &Crm, id: LeadId, by: ManagerId, at: DateTime<Utc>) {
    let mut call = NewActivity::new(ActivityKind::Call, Some(Direction::Out));
    call.lead_id = Some(id);
    call.manager_id = Some(by);
    crm.log_activity(call, at).expect("call logged");
}

/// Qualifies and converts a lead; the client it makes.
fn convert(crm: &Crm, id: LeadId, amount: &str, at: DateTime<Utc>) -> (ClientId, crm_core::DealId) {
    crm.qualify_lead(id, at).expect("qualified");
    let options = ConvertLead {
        amount: Some(money(amount)),
        ..Default::default()
    };
    let c = crm.convert_lead(id, options, at).expect("converted");
    (c.client_id, c.deal_id)
}

fn order(crm: &Crm, client: ClientId, total: &str, status: OrderStatus, at: DateTime<Utc>) {
    let new = NewOrder {
        client_id: client,
        total: money(total),
        status: Some(status),
        ..Default::default()
    };
    crm.record_order(new, at).expect("order recorded");
}

fn plan(crm: &Crm, manager: ManagerId, month: &str, revenue: &str, deals: u32) -> Plan {
    let new = NewPlan {
        manager_id: manager,
        month: month.into(),
        revenue: money(revenue),
        deals,
    };
    crm.set_plan(new, t(10, 1, 8, 0)).expect("plan set")
}

struct Store {
    crm: Crm,
    a: ManagerId,
    b: ManagerId,
    c: ManagerId,
    /// A's lead received on Friday evening and answered on Monday morning.
    friday: LeadId,
}

fn store() -> Store {
    let crm = Crm::open_in_memory().expect("in-memory store opens");
    let setup = t(10, 1, 6, 0);
    let add = |name: &str| crm.add_manager(NewManager::new(name), setup).unwrap().id;
    let (a, b, c) = (add("Anna"), add("Bohdan"), add("Carl"));
    crm.set_calendar(Some(a), Some(kyiv()), setup).unwrap();
    crm.set_response_sla(NewSlaPolicy::new("default", "1h"), setup)
        .unwrap();

    // --- A: working time of the Kyiv calendar --------------------------------------------------------
    // Before the period: counts nowhere but in the October plan month (it is a deal and an order).
    lead(&crm, 1, a, t(10, 15, 8, 0));
    let mut alpha = NewClient::new(ClientKind::Company, "Alpha");
    alpha.owner_id = Some(a);
    let alpha = crm.add_client(alpha, setup).unwrap().id;
    let mut early = NewDeal {
        client_id: alpha,
        title: "Early".into(),
        amount: money("700.00"),
        ..Default::default()
    };
    early.owner_id = Some(a);
    let early = crm.open_deal(early, setup).unwrap().id;
    crm.win_deal(early, t(10, 5, 9, 0)).unwrap();
    order(
        &crm,
        alpha,
        "300.00",
        OrderStatus::Completed,
        t(10, 5, 9, 0),
    );
    // In the period.
    order(
        &crm,
        alpha,
        "100.00",
        OrderStatus::Completed,
        t(10, 20, 0, 0),
    );
    order(
        &crm,
        alpha,
        "999.00",
        OrderStatus::Cancelled,
        t(11, 4, 9, 0),
    );
    // Friday 30 October 10:00 Kyiv; answered in 30 minutes; converted, its deal won on 12 November.
    let l6 = lead(&crm, 6, a, t(10, 30, 8, 0));
    respond(&crm, l6, a, t(10, 30, 8, 30));
    let (l6_client, l6_deal) = convert(&crm, l6, "1000.00", t(11, 2, 9, 0));
    crm.win_deal(l6_deal, t(11, 12, 9, 0)).unwrap();
    order(
        &crm,
        l6_client,
        "200.01",
        OrderStatus::Completed,
        t(11, 14, 12, 0),
    );
    // Friday 6 November 17:30 Kyiv; due Monday 09:30; answered Monday 09:20: 50 working minutes.
    let friday = lead(&crm, 2, a, t(11, 6, 15, 30));
    respond(&crm, friday, a, t(11, 9, 7, 20));
    // Tuesday 10 November 10:00 Kyiv, answered in 10 minutes; converted, won on 13 November.
    let l2 = lead(&crm, 3, a, t(11, 10, 8, 0));
    respond(&crm, l2, a, t(11, 10, 8, 10));
    let (_, l2_deal) = convert(&crm, l2, "500.00", t(11, 10, 9, 0));
    crm.win_deal(l2_deal, t(11, 13, 9, 0)).unwrap();
    // Tuesday 11:00 Kyiv, answered two hours later (late); then lost.
    let l3 = lead(&crm, 4, a, t(11, 10, 9, 0));
    respond(&crm, l3, a, t(11, 10, 11, 0));
    crm.lose_lead(l3, "price", None, t(11, 10, 12, 0)).unwrap();
    // Wednesday, never answered: its deadline passed in the period.
    lead(&crm, 5, a, t(11, 11, 8, 0));
    // The period's last evening: due on Monday, after the period; junk.
    let l5 = lead(&crm, 7, a, t(11, 20, 15, 30));
    crm.junk_lead(l5, JunkKind::Spam, None, t(11, 20, 15, 40))
        .unwrap();
    // After the period.
    order(
        &crm,
        alpha,
        "400.00",
        OrderStatus::Completed,
        t(11, 25, 9, 0),
    );

    // --- B: no calendar, plain elapsed time ----------------------------------------------------------
    // Saturday 10:00 UTC, answered Monday 08:00: 46 hours, late.
    let m1 = lead(&crm, 11, b, t(11, 7, 10, 0));
    respond(&crm, m1, b, t(11, 9, 8, 0));
    let m2 = lead(&crm, 12, b, t(11, 9, 10, 0));
    respond(&crm, m2, b, t(11, 9, 10, 5));
    let m3 = lead(&crm, 13, b, t(11, 9, 11, 0));
    respond(&crm, m3, b, t(11, 9, 11, 30));
    // The first instant after the period.
    lead(&crm, 14, b, t(11, 21, 0, 0));

    // An unowned lead is in no row.
    let mut unowned = NewLead::new(Channel::Web);
    unowned.phone = Some("+380501234567".into());
    crm.capture_lead(unowned, t(11, 3, 9, 0)).unwrap();

    plan(&crm, a, "2026-10", "800.00", 2);
    plan(&crm, a, "2026-11", "1000.00", 4);
    plan(&crm, b, "2026-11", "0", 0);
    Store {
        crm,
        a,
        b,
        c,
        friday,
    }
}

fn report(s: &Store) -> Vec<ManagerRow> {
    s.crm
        .manager_report(&ManagerReportQuery {
            start: day(10, 20),
            end: day(11, 20),
        })
        .expect("report")
}

#[test]
fn one_row_per_manager_by_id_and_nothing_for_unowned_leads() {
    let s = store();
    let rows = report(&s);
    let ids: Vec<ManagerId> = rows.iter().map(|r| r.manager_id).collect();
    assert_eq!(ids, [s.a, s.b, s.c]);
    assert_eq!(rows[0].name, "Anna");
    let received: u32 = rows.iter().map(|r| r.received).sum();
    assert_eq!(received, 6 + 3);
}

#[test]
fn response_times_are_working_seconds_of_the_managers_calendar() {
    let s = store();
    let rows = report(&s);
    let a = &rows[0];
    assert!(a.working_time);
    // Friday's lead: 30 minutes on Friday evening and 20 on Monday morning, not the 2 days 15 h 50 min
    // that passed.
    let lead = s.crm.get_lead(s.friday).unwrap();
    let (from, to) = (lead.received_at, lead.first_response_at.unwrap());
    assert_eq!(s.crm.working_time(Some(s.a), from, to).unwrap(), 3_000);
    assert_eq!((to - from).num_seconds(), 229_800);
    // A's answered leads took 1 800, 3 000, 600 and 7 200 working seconds. Nearest rank over the four
    // sorted (600, 1 800, 3 000, 7 200): the median is rank 2, p90 rank ⌈3.6⌉ = 4.
    assert_eq!((a.received, a.answered, a.unanswered), (6, 4, 2), "{a:#?}");
    assert_eq!(a.response_median_secs, Some(1_800));
    assert_eq!(a.response_p90_secs, Some(7_200));
}

#[test]
fn without_any_calendar_response_times_are_elapsed_seconds() {
    let s = store();
    let b = &report(&s)[1];
    assert!(!b.working_time);
    // 300, 1 800 and 165 600 (Saturday 10:00 to Monday 08:00): median rank 2, p90 rank ⌈2.7⌉ = 3.
    assert_eq!((b.received, b.answered, b.unanswered), (3, 3, 0));
    assert_eq!(b.response_median_secs, Some(1_800));
    assert_eq!(b.response_p90_secs, Some(165_600));
}

#[test]
fn sla_met_share_counts_only_decided_deadlines() {
    let s = store();
    let rows = report(&s);
    // A: met by the 30-minute, the Friday and the 10-minute answers; missed by the late answer and by
    // the lead never answered. The lead of the last evening is due after the period: not decided.
    let a = &rows[0];
    assert_eq!((a.sla_met, a.sla_counted), (3, 5));
    assert_eq!(a.sla_met_share, Some(0.6));
    // B: the weekend lead was late (elapsed time, no calendar).
    let b = &rows[1];
    assert_eq!((b.sla_met, b.sla_counted), (2, 3));
    assert_eq!(b.sla_met_share, Some(2.0 / 3.0));
    assert_eq!(rows[2].sla_met_share, None);
}

#[test]
fn conversion_leaves_junk_out_of_the_denominator() {
    let s = store();
    let rows = report(&s);
    let a = &rows[0];
    assert_eq!((a.converted, a.lost, a.junk), (2, 1, 1));
    // 2 converted of 6 received less 1 junk.
    assert_eq!(a.conversion_rate, Some(0.4));
    assert_eq!(rows[1].conversion_rate, Some(0.0));
    assert_eq!(rows[2].conversion_rate, None);
}

#[test]
fn sales_count_deals_won_and_orders_completed_in_the_period() {
    let s = store();
    let rows = report(&s);
    let a = &rows[0];
    // Won on 12 and 13 November; the deal won on 5 October is before the period.
    assert_eq!((a.deals_won, a.won_amount), (2, money("1500.00")));
    // 100.00 (20 October, 00:00, the first instant of the period) and 200.01; not the cancelled order,
    // not the orders of 5 October and 25 November.
    assert_eq!((a.orders, a.revenue), (2, money("300.01")));
    // 150.005 rounds half away from zero.
    assert_eq!(a.average_order, Some(money("150.01")));
    assert_eq!(a.promises_kept, None);
    let c = &rows[2];
    assert_eq!(
        (
            c.received,
            c.deals_won,
            c.orders,
            c.revenue,
            c.average_order
        ),
        (0, 0, 0, Money::ZERO, None)
    );
    assert_eq!((c.response_median_secs, c.response_p90_secs), (None, None));
}

#[test]
fn plan_against_actual_for_each_month_touching_the_period() {
    let s = store();
    let rows = report(&s);
    let a = &rows[0];
    let months: Vec<&str> = a.months.iter().map(|m| m.month.as_str()).collect();
    assert_eq!(months, ["2026-10", "2026-11"]);
    // October is counted whole (the plan is for the month): the deal won and the order of the 5th too.
    let oct = &a.months[0];
    assert_eq!((oct.from, oct.to), (day(10, 1), day(10, 31)));
    assert_eq!(
        (oct.plan_revenue, oct.plan_deals),
        (Some(money("800.00")), Some(2))
    );
    assert_eq!((oct.revenue, oct.deals), (money("400.00"), 1));
    assert_eq!(
        (oct.revenue_achieved, oct.deals_achieved),
        (Some(0.5), Some(0.5))
    );
    // November up to the period's end: the order of the 25th is not counted.
    let nov = &a.months[1];
    assert_eq!((nov.from, nov.to), (day(11, 1), day(11, 20)));
    assert_eq!((nov.revenue, nov.deals), (money("200.01"), 2));
    assert_eq!(nov.revenue_achieved, Some(20_001.0 / 100_000.0));
    assert_eq!(nov.deals_achieved, Some(0.5));
    // B: no plan for October, a zero plan for November: nothing to achieve against.
    let b = &rows[1];
    assert_eq!(
        (b.months[0].plan_revenue, b.months[0].revenue_achieved),
        (None, None)
    );
    assert_eq!(
        (b.months[1].plan_revenue, b.months[1].plan_deals),
        (Some(Money::ZERO), Some(0))
    );
    assert_eq!(
        (b.months[1].revenue_achieved, b.months[1].deals_achieved),
        (None, None)
    );
}

#[test]
fn a_store_calendar_serves_managers_without_their_own() {
    let s = store();
    s.crm
        .set_calendar(None, Some(kyiv()), t(11, 25, 9, 0))
        .unwrap();
    let rows = report(&s);
    let b = &rows[1];
    assert!(b.working_time);
    // In Kyiv working time: Saturday 12:00 to Monday 10:00 Kyiv is one working hour; the others 300 and
    // 1 800 as before.
    assert_eq!(b.response_median_secs, Some(1_800));
    assert_eq!(b.response_p90_secs, Some(3_600));
    // The deadlines were set at capture and stay as they were.
    assert_eq!(b.sla_met_share, Some(2.0 / 3.0));
}

#[test]
fn plans_are_upserted_listed_in_order_and_removed_with_events() {
    let s = store();
    let crm = &s.crm;
    let replaced = plan(crm, s.a, "2026-11", "1200.50", 5);
    assert_eq!(replaced.revenue, money("1200.50"));
    let all = crm.plans(None, None, None).unwrap();
    let keys: Vec<(&str, ManagerId)> = all
        .iter()
        .map(|p| (p.month.as_str(), p.manager_id))
        .collect();
    assert_eq!(keys, [("2026-10", s.a), ("2026-11", s.a), ("2026-11", s.b)]);
    assert_eq!(
        crm.plans(Some(s.a), Some("2026-11".into()), None).unwrap(),
        vec![replaced.clone()]
    );
    assert_eq!(
        crm.plans(None, None, Some("2026-10".into())).unwrap().len(),
        1
    );

    let events: Vec<_> = crm
        .history("manager", s.a.0)
        .unwrap()
        .into_iter()
        .filter(|e| e.kind == "plan_set")
        .collect();
    assert_eq!(events.len(), 3);
    let last = &events[2].data;
    assert_eq!(last["old"]["revenue"], "1000.00");
    assert_eq!(last["new"]["revenue"], "1200.50");
    assert_eq!(events[0].data["old"], serde_json::Value::Null);
    // The same plan again changes nothing and logs nothing.
    plan(crm, s.a, "2026-11", "1200.50", 5);
    let count = |kind: &str| {
        crm.history("manager", s.a.0)
            .unwrap()
            .iter()
            .filter(|e| e.kind == kind)
            .count()
    };
    assert_eq!(count("plan_set"), 3);

    let removed = crm.remove_plan(s.a, "2026-11", t(11, 2, 8, 0)).unwrap();
    assert_eq!(removed, replaced);
    assert_eq!(count("plan_removed"), 1);
    assert_eq!(crm.plans(Some(s.a), None, None).unwrap().len(), 1);
    let err = crm.remove_plan(s.a, "2026-11", t(11, 2, 8, 0)).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    // Without its plan November has nothing to compare against.
    let nov = &report(&s)[0].months[1];
    assert_eq!((nov.plan_revenue, nov.revenue_achieved), (None, None));
}

#[test]
fn malformed_plans_and_periods_are_refused_naming_the_field() {
    let s = store();
    let crm = &s.crm;
    let at = t(11, 1, 8, 0);
    let new = |month: &str, revenue: Money| NewPlan {
        manager_id: s.a,
        month: month.into(),
        revenue,
        deals: 1,
    };
    for month in [
        "2026-13",
        "2026-00",
        "2026-1",
        "26-11",
        "2026/11",
        "0000-01",
        "",
        "2026-11-01",
    ] {
        let err = crm.set_plan(new(month, Money::ZERO), at).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Validation, "{month:?}: {err}");
        assert_eq!(err.field(), Some("month"), "{month:?}");
    }
    let err = crm
        .set_plan(new("2026-12", Money::from_minor(-1)), at)
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.field()),
        (ErrorKind::Validation, Some("revenue"))
    );
    let mut ghost = new("2026-12", Money::ZERO);
    ghost.manager_id = ManagerId(999);
    assert_eq!(
        crm.set_plan(ghost, at).unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert_eq!(
        crm.plans(Some(ManagerId(999)), None, None)
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );
    let err = crm
        .plans(None, Some("2026-12".into()), Some("2026-11".into()))
        .unwrap_err();
    assert_eq!(err.field(), Some("to_month"));
    let err = crm.plans(None, Some("2026-13".into()), None).unwrap_err();
    assert_eq!(err.field(), Some("from_month"));
    // Nothing was stored by the refused commands.
    assert_eq!(
        crm.plans(None, Some("2026-12".into()), None).unwrap(),
        vec![]
    );

    let err = crm
        .manager_report(&ManagerReportQuery {
            start: day(11, 2),
            end: day(11, 1),
        })
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.field()),
        (ErrorKind::Validation, Some("end"))
    );
    // A single day is a period.
    let rows = crm
        .manager_report(&ManagerReportQuery {
            start: day(11, 9),
            end: day(11, 9),
        })
        .unwrap();
    assert_eq!((rows[1].received, rows[1].answered), (2, 2));
    assert_eq!(rows[1].months.len(), 1);
}

#[test]
fn the_report_crosses_the_boundary_as_json() {
    let s = store();
    let rows = report(&s);
    let text = serde_json::to_string(&rows).unwrap();
    let back: Vec<ManagerRow> = serde_json::from_str(&text).unwrap();
    assert_eq!(back, rows);
    let query: ManagerReportQuery =
        serde_json::from_str(r#"{"start": "2026-10-20", "end": "2026-11-20"}"#).unwrap();
    assert_eq!(s.crm.manager_report(&query).unwrap(), rows);
    let new: NewPlan =
        serde_json::from_str(r#"{"manager_id": 1, "month": "2027-01", "revenue": "10.50"}"#)
            .unwrap();
    assert_eq!((new.revenue, new.deals), (money("10.50"), 0));
}
