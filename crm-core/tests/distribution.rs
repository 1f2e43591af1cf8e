#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Distribution of requests: routing rules and strategies, absences, the queue, ownership and its lock,
//! response deadlines in working time, escalation by `run_due`, hand-over, and the explanations.

mod common;

use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};
use common::{at, expect_err, mem, web_lead};
use crm_core::calendar::CalendarSpec;
use crm_core::*;

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

fn utc(d: u32, h: u32, m: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, d, h, m, 0)
        .single()
        .expect("valid")
}

fn kyiv() -> CalendarSpec {
    CalendarSpec::new("Europe/Kyiv").hours("mon-fri", &[("09:00", "18:00")])
}

fn manager(crm: &Crm, name: &str, team: &str) -> Manager {
    let mut m = NewManager::new(name);
    m.team = Some(team.into());
    crm.add_manager(m, at(1, 8, 0)).expect("manager added")
}

fn rule(crm: &Crm, name: &str, strategy: Strategy) -> RoutingRule {
    crm.add_routing_rule(NewRoutingRule::new(name, strategy), at(1, 8, 0))
        .expect("rule added")
}

fn lead(crm: &Crm, i: usize, when: DateTime<Utc>) -> Capture {
    crm.capture_lead(
        web_lead(
            &format!("Person {i}"),
            &format!("+38067{:07}", 1_000_000 + i),
        ),
        when,
    )
    .expect("captured")
}

#[test]
fn round_robin_takes_turns_and_explains_itself() {
    let crm = mem();
    let ms: Vec<Manager> = (0..3)
        .map(|i| manager(&crm, &format!("M{i}"), "sales"))
        .collect();
    rule(&crm, "everyone", Strategy::RoundRobin);
    let owners: Vec<ManagerId> = (0..7)
        .map(|i| {
            lead(&crm, i, at(2, 10, i as u32))
                .lead
                .owner_id
                .expect("assigned")
        })
        .collect();
    let ids: Vec<ManagerId> = ms.iter().map(|m| m.id).collect();
    assert_eq!(
        owners,
        [ids[0], ids[1], ids[2], ids[0], ids[1], ids[2], ids[0]]
    );
    let c = lead(&crm, 99, at(2, 11, 0));
    let a = c.assignment.expect("an assignment");
    assert_eq!(a.via, AssignedVia::Rule);
    assert_eq!(a.rule.as_deref(), Some("everyone"));
    assert_eq!(a.strategy, Some(Strategy::RoundRobin));
    assert!(a.reason.contains("next in turn"), "{}", a.reason);
    assert_eq!(crm.lead_assignments(c.lead.id).unwrap(), vec![a]);
}

#[test]
fn the_first_matching_rule_wins_and_filters_by_skill_and_region() {
    let crm = mem();
    let mut w = NewManager::new("Wholesale Kyiv");
    w.skills = vec!["wholesale".into()];
    w.regions = vec!["Kyiv".into()];
    let w = crm.add_manager(w, at(1, 8, 0)).unwrap();
    let mut l = NewManager::new("Wholesale Lviv");
    l.skills = vec!["wholesale".into()];
    l.regions = vec!["Lviv".into()];
    let l = crm.add_manager(l, at(1, 8, 0)).unwrap();
    let retail = crm
        .add_manager(NewManager::new("Retail"), at(1, 8, 0))
        .unwrap();
    let mut r = NewRoutingRule::new("wholesale", Strategy::LeastLoaded);
    r.when = Some("interest = 'wholesale'".into());
    r.skills = vec!["wholesale".into()];
    r.match_region = true;
    r.priority = 10;
    crm.add_routing_rule(r, at(1, 8, 0)).unwrap();
    let mut rest = NewRoutingRule::new("retail", Strategy::RoundRobin);
    rest.managers = vec![retail.id];
    rest.priority = 100;
    crm.add_routing_rule(rest, at(1, 8, 0)).unwrap();

    let mut new = web_lead("Ivan", "+380671234567");
    new.interest = Some("wholesale".into());
    new.region = Some("Lviv".into());
    let c = crm.capture_lead(new, at(2, 10, 0)).unwrap();
    let a = c.assignment.unwrap();
    assert_eq!(c.lead.owner_id, Some(l.id));
    assert_eq!(a.rule.as_deref(), Some("wholesale"));
    let skipped: Vec<(ManagerId, SkipReason)> =
        a.skipped.iter().map(|s| (s.manager_id, s.reason)).collect();
    assert_eq!(
        skipped,
        [
            (w.id, SkipReason::OtherRegion),
            (retail.id, SkipReason::LackingSkill)
        ]
    );
    let c = crm
        .capture_lead(web_lead("Petro", "+380671234568"), at(2, 10, 5))
        .unwrap();
    assert_eq!(c.lead.owner_id, Some(retail.id));
    assert_eq!(c.assignment.unwrap().rule.as_deref(), Some("retail"));
}

#[test]
fn an_absent_manager_is_skipped_and_comes_back_after_the_absence() {
    let crm = mem();
    let a = manager(&crm, "A", "sales");
    let b = manager(&crm, "B", "sales");
    rule(&crm, "all", Strategy::RoundRobin);
    crm.add_absence(
        NewAbsence {
            manager_id: a.id,
            start: day(2026, 11, 2),
            end: day(2026, 11, 3),
            reason: Some("vacation".into()),
        },
        at(1, 8, 0),
    )
    .unwrap();
    for i in 0..3 {
        let c = lead(&crm, i, at(2 + i as u32 % 2, 10, 0));
        assert_eq!(c.lead.owner_id, Some(b.id));
        let s = &c.assignment.unwrap().skipped;
        assert_eq!(s.len(), 1);
        assert_eq!((s[0].manager_id, s[0].reason), (a.id, SkipReason::Absent));
    }
    assert_eq!(lead(&crm, 10, at(4, 10, 0)).lead.owner_id, Some(a.id));
    assert_eq!(crm.list_absences(Some(a.id)).unwrap().len(), 1);
}

#[test]
fn nobody_eligible_queues_the_lead_with_the_reason_until_someone_is() {
    let crm = mem();
    let mut m = NewManager::new("Only");
    m.capacity = Some(1);
    let m = crm.add_manager(m, at(1, 8, 0)).unwrap();
    rule(&crm, "all", Strategy::LeastLoaded);
    let first = lead(&crm, 1, at(2, 10, 0));
    assert_eq!(first.lead.owner_id, Some(m.id));
    let second = lead(&crm, 2, at(2, 10, 1));
    let a = second.assignment.unwrap();
    assert_eq!(a.manager_id, None);
    assert_eq!(a.via, AssignedVia::Queued);
    assert!(a.reason.contains("1 at_capacity"), "{}", a.reason);
    assert_eq!(
        second.lead.queued_reason.as_deref(),
        Some(a.reason.as_str())
    );
    assert_eq!(crm.queue().unwrap().len(), 1);
    // Still nobody: nothing assigned, the lead waits.
    assert!(crm.assign_queued(at(2, 11, 0)).unwrap().is_empty());
    // Without a policy naming a team lead, the queue and the `queued` event are what tells.
    assert!(crm.list_tasks(None, false).unwrap().is_empty());
    // The first lead is lost: room again.
    crm.lose_lead(first.lead.id, "price", None, at(2, 12, 0))
        .unwrap();
    let done = crm.assign_queued(at(2, 12, 1)).unwrap();
    assert_eq!(done.len(), 1);
    assert_eq!(done[0].via, AssignedVia::Queue);
    let stored = crm.get_lead(second.lead.id).unwrap();
    assert_eq!((stored.owner_id, stored.queued_reason), (Some(m.id), None));
    assert!(crm.queue().unwrap().is_empty());
    // No rules at all: routing is off; the lead is left for the host to assign, not queued.
    crm.remove_routing_rule("all", at(3, 8, 0)).unwrap();
    let c = lead(&crm, 3, at(3, 9, 0));
    assert_eq!(
        (c.lead.owner_id, c.lead.queued_reason, c.assignment),
        (None, None, None)
    );
    assert!(crm.queue().unwrap().is_empty());
    // A rule whose condition matches nothing: queued with that reason.
    let mut r = NewRoutingRule::new("wholesale only", Strategy::RoundRobin);
    r.when = Some("interest = 'wholesale'".into());
    crm.add_routing_rule(r, at(3, 8, 0)).unwrap();
    let c = lead(&crm, 4, at(3, 9, 0));
    assert_eq!(
        c.lead.queued_reason.as_deref(),
        Some("no routing rule matches the request")
    );
}

#[test]
fn weighted_shares_follow_the_weights_exactly_over_a_cycle() {
    let crm = mem();
    let mut heavy = NewManager::new("Heavy");
    heavy.weight = 3;
    let heavy = crm.add_manager(heavy, at(1, 8, 0)).unwrap();
    let light = manager(&crm, "Light", "sales");
    rule(&crm, "weighted", Strategy::Weighted);
    let owners: Vec<ManagerId> = (0..8)
        .map(|i| lead(&crm, i, at(2, 10, i as u32)).lead.owner_id.unwrap())
        .collect();
    assert_eq!(owners.iter().filter(|o| **o == heavy.id).count(), 6);
    assert_eq!(owners.iter().filter(|o| **o == light.id).count(), 2);
}

#[test]
fn a_known_clients_request_goes_to_its_owner_while_the_owner_can_take_it() {
    let crm = mem();
    let owner = manager(&crm, "Owner", "sales");
    let other = manager(&crm, "Other", "sales");
    rule(&crm, "all", Strategy::RoundRobin);
    let mut client = NewClient::new(ClientKind::Person, "Ivan Petrenko");
    client.phone = Some("+380671112233".into());
    client.owner_id = Some(owner.id);
    let client = crm.add_client(client, at(1, 9, 0)).unwrap();
    for i in 0..3 {
        let c = crm
            .capture_lead(web_lead("Ivan Petrenko", "067 111 22 33"), at(2, 10, i))
            .unwrap();
        assert_eq!(c.lead.client_id, Some(client.id));
        let a = c.assignment.unwrap();
        assert_eq!((a.manager_id, a.via), (Some(owner.id), AssignedVia::Owner));
    }
    crm.add_absence(
        NewAbsence {
            manager_id: owner.id,
            start: day(2026, 11, 3),
            end: day(2026, 11, 3),
            reason: None,
        },
        at(2, 18, 0),
    )
    .unwrap();
    let c = crm
        .capture_lead(web_lead("Ivan Petrenko", "067 111 22 33"), at(3, 10, 0))
        .unwrap();
    let a = c.assignment.unwrap();
    assert_eq!((a.manager_id, a.via), (Some(other.id), AssignedVia::Rule));
    assert!(a.reason.starts_with("the client's owner"), "{}", a.reason);
}

#[test]
fn deadlines_run_in_working_time_of_the_calendar() {
    let crm = mem();
    crm.set_calendar(None, Some(kyiv()), at(1, 8, 0)).unwrap();
    manager(&crm, "A", "sales");
    rule(&crm, "all", Strategy::RoundRobin);
    crm.set_response_sla(NewSlaPolicy::new("default", "2h"), at(1, 8, 0))
        .unwrap();
    let mut vip = NewSlaPolicy::new("big", "30m");
    vip.when = Some("estimate >= 10000".into());
    crm.set_response_sla(vip, at(1, 8, 0)).unwrap();
    // Friday 27 November 2026, 17:30 in Kyiv (UTC+2): two working hours later is Monday 10:30.
    let c = lead(&crm, 1, utc(27, 15, 30));
    assert_eq!(c.lead.first_response_due, Some(utc(30, 8, 30)));
    assert_eq!(c.lead.sla_policy.as_deref(), Some("default"));
    let mut big = web_lead("Big", "+380671230000");
    big.estimated_value = Some(Money::from_units(20_000).unwrap());
    let c = crm.capture_lead(big, utc(27, 15, 30)).unwrap();
    assert_eq!(c.lead.first_response_due, Some(utc(27, 16, 0)));
    assert_eq!(c.lead.sla_policy.as_deref(), Some("big"));
    assert_eq!(
        crm.working_deadline(None, utc(27, 15, 30), "2h").unwrap(),
        utc(30, 8, 30)
    );
    assert_eq!(
        crm.working_time(None, utc(27, 15, 0), utc(30, 8, 0))
            .unwrap(),
        7_200
    );
}

#[test]
fn sla_status_goes_pending_at_risk_breached_and_a_response_stops_the_clock() {
    let crm = mem();
    let m = manager(&crm, "A", "sales");
    rule(&crm, "all", Strategy::RoundRobin);
    crm.set_response_sla(NewSlaPolicy::new("default", "1h"), at(1, 8, 0))
        .unwrap();
    let id = lead(&crm, 1, at(2, 10, 0)).lead.id;
    let state = |t| crm.lead_sla_status(id, t).unwrap().state;
    assert_eq!(state(at(2, 10, 10)), SlaState::Pending);
    assert_eq!(state(at(2, 10, 50)), SlaState::AtRisk);
    assert_eq!(state(at(2, 11, 0)), SlaState::Breached);
    let s = crm.lead_sla_status(id, at(2, 11, 30)).unwrap();
    assert_eq!((s.used_secs, s.left_secs), (5_400, -1_800));

    let other = lead(&crm, 2, at(2, 10, 0)).lead.id;
    let mut call = NewActivity::new(ActivityKind::Call, Some(Direction::Out));
    call.lead_id = Some(other);
    call.manager_id = Some(m.id);
    crm.log_activity(call, at(2, 10, 20)).unwrap();
    let s = crm.lead_sla_status(other, at(2, 15, 0)).unwrap();
    assert_eq!((s.state, s.used_secs), (SlaState::Met, 1_200));
}

#[test]
fn run_due_marks_breaches_once_and_escalates_by_policy() {
    let crm = mem();
    let a = manager(&crm, "A", "sales");
    let b = manager(&crm, "B", "sales");
    let lead_of_team = manager(&crm, "Team lead", "leads");
    let mut r = NewRoutingRule::new("sales", Strategy::RoundRobin);
    r.team = Some("sales".into());
    crm.add_routing_rule(r, at(1, 8, 0)).unwrap();
    let mut p = NewSlaPolicy::new("default", "1h");
    p.escalation = Escalation::Reassign;
    crm.set_response_sla(p, at(1, 8, 0)).unwrap();
    let mut t = NewSlaPolicy::new("phone", "30m");
    t.when = Some("channel = 'phone'".into());
    t.escalation = Escalation::Task;
    t.escalate_to = Some(lead_of_team.id);
    crm.set_response_sla(t, at(1, 8, 0)).unwrap();

    let web = lead(&crm, 1, at(2, 10, 0)).lead;
    assert_eq!(web.owner_id, Some(a.id));
    let mut phone = web_lead("Caller", "+380509876543");
    phone.channel = Channel::Phone;
    let phone = crm.capture_lead(phone, at(2, 10, 0)).unwrap().lead;
    assert_eq!(phone.owner_id, Some(b.id));

    assert_eq!(
        crm.run_due(at(2, 10, 29)).unwrap(),
        DueRun::new(at(2, 10, 29))
    );
    let run = crm.run_due(at(2, 11, 0)).unwrap();
    // By deadline: the phone call's 30 minutes ran out first.
    assert_eq!(run.breached, [phone.id, web.id]);
    assert_eq!(run.escalations.len(), 1);
    assert_eq!(run.escalations[0].manager_id, Some(b.id), "never back to A");
    assert_eq!(run.escalations[0].via, AssignedVia::Escalation);
    assert_eq!(run.tasks.len(), 1);
    assert_eq!(run.tasks[0].manager_id, Some(lead_of_team.id));
    assert_eq!(run.tasks[0].lead_id, Some(phone.id));
    // Twice at the same time, or later: nothing more.
    for t in [at(2, 11, 0), at(3, 9, 0)] {
        let again = crm.run_due(t).unwrap();
        assert!(
            again.breached.is_empty() && again.tasks.is_empty() && again.escalations.is_empty()
        );
    }
    assert_eq!(
        crm.list_tasks(Some(lead_of_team.id), true).unwrap().len(),
        1
    );
    let task = run.tasks[0].id;
    let done = crm
        .close_task(task, TaskStatus::Done, at(3, 10, 0))
        .unwrap();
    assert_eq!(
        (done.status, done.closed_at),
        (TaskStatus::Done, Some(at(3, 10, 0)))
    );
    assert_eq!(
        crm.close_task(task, TaskStatus::Done, at(3, 11, 0))
            .unwrap(),
        done
    );
    expect_err(
        crm.close_task(task, TaskStatus::Cancelled, at(3, 11, 0)),
        ErrorKind::InvalidTransition,
        None,
    );
    expect_err(
        crm.close_task(task, TaskStatus::Open, at(3, 11, 0)),
        ErrorKind::Validation,
        Some("status"),
    );
    assert!(
        crm.list_tasks(Some(lead_of_team.id), true)
            .unwrap()
            .is_empty()
    );
    assert_eq!(crm.list_tasks(None, false).unwrap(), vec![done]);
    let stored = crm.get_lead(web.id).unwrap();
    assert_eq!(stored.sla_breached_at, Some(at(2, 11, 0)));
    assert_eq!(
        crm.lead_sla_status(web.id, at(3, 9, 0)).unwrap().state,
        SlaState::Breached
    );
    let kinds: Vec<String> = crm
        .history("lead", web.id.0)
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert!(kinds.contains(&"sla_breached".to_string()), "{kinds:?}");
}

#[test]
fn a_client_is_locked_to_its_owner_after_a_contact_unless_forced_with_a_reason() {
    let crm = mem();
    let owner = manager(&crm, "Owner", "sales");
    let other = manager(&crm, "Other", "sales");
    let mut c = NewClient::new(ClientKind::Company, "Romashka");
    c.owner_id = Some(owner.id);
    let client = crm.add_client(c, at(1, 9, 0)).unwrap();
    // No contact yet: not locked.
    crm.assign_client(client.id, other.id, None, at(2, 9, 0))
        .unwrap();
    crm.assign_client(client.id, owner.id, None, at(2, 9, 1))
        .unwrap();
    let mut call = NewActivity::new(ActivityKind::Call, Some(Direction::Out));
    call.client_id = Some(client.id);
    call.manager_id = Some(owner.id);
    crm.log_activity(call, at(3, 9, 0)).unwrap();
    let err = expect_err(
        crm.assign_client(client.id, other.id, None, at(4, 9, 0)),
        ErrorKind::Conflict,
        None,
    );
    assert!(err.to_string().contains("locked to manager"), "{err}");
    let patch = ClientPatch {
        owner_id: Some(Some(other.id)),
        ..Default::default()
    };
    expect_err(
        crm.update_client(client.id, patch, at(4, 9, 0)),
        ErrorKind::Conflict,
        None,
    );
    // A lead of the locked client cannot be moved to another manager by the rules without a reason.
    rule(&crm, "all", Strategy::RoundRobin);
    let mut new = web_lead("Romashka", "+380501234567");
    new.client_id = Some(client.id);
    let l = crm.capture_lead(new, at(4, 8, 0)).unwrap().lead;
    assert_eq!(l.owner_id, Some(owner.id));
    expect_err(
        crm.reassign_lead(l.id, None, None, at(4, 8, 30)),
        ErrorKind::Conflict,
        None,
    );
    let moved = crm
        .reassign_lead(l.id, None, Some("owner overloaded"), at(4, 8, 31))
        .unwrap();
    assert_eq!(moved.manager_id, Some(other.id));
    let a = crm
        .assign_client(client.id, other.id, Some("the owner asked"), at(4, 9, 1))
        .unwrap();
    assert!(
        a.reason.starts_with("forced over the ownership lock"),
        "{}",
        a.reason
    );
    assert_eq!(crm.get_client(client.id).unwrap().owner_id, Some(other.id));
    // The lock runs out 30 days after the contact.
    crm.assign_client(client.id, owner.id, Some("back"), at(5, 9, 0))
        .unwrap();
    crm.assign_client(client.id, other.id, None, at(3, 9, 0) + TimeDelta::days(31))
        .unwrap();
    assert_eq!(crm.client_assignments(client.id).unwrap().len(), 5);
    let settings = crm
        .set_ownership_settings(OwnershipSettings { lock_days: 0 }, at(6, 9, 0))
        .unwrap();
    assert_eq!(crm.ownership_settings().unwrap(), settings);
}

#[test]
fn hand_over_moves_open_leads_and_clients_with_their_deals() {
    let crm = mem();
    let leaving = manager(&crm, "Leaving", "sales");
    let stay = manager(&crm, "Stay", "sales");
    let mut r = NewRoutingRule::new("all", Strategy::RoundRobin);
    r.managers = vec![leaving.id, stay.id];
    crm.add_routing_rule(r, at(1, 8, 0)).unwrap();
    let mut mine = Vec::new();
    for i in 0..4 {
        let c = lead(&crm, i, at(2, 10, i as u32));
        if c.lead.owner_id == Some(leaving.id) {
            mine.push(c.lead.id);
        }
    }
    let mut c = NewClient::new(ClientKind::Company, "Romashka");
    c.owner_id = Some(leaving.id);
    let client = crm.add_client(c, at(2, 9, 0)).unwrap();
    let deal = NewDeal {
        client_id: client.id,
        title: "chairs".into(),
        amount: Money::from_units(100).unwrap(),
        owner_id: Some(leaving.id),
        stage: None,
        expected_close: None,
    };
    let deal = crm.open_deal(deal, at(2, 9, 0)).unwrap();
    let done = crm
        .hand_over(
            leaving.id,
            HandOverOptions {
                clients: true,
                deactivate: true,
            },
            at(3, 9, 0),
        )
        .unwrap();
    assert_eq!(done.assignments.len(), mine.len() + 1);
    assert!(
        done.assignments
            .iter()
            .all(|a| a.manager_id == Some(stay.id)
                && a.previous_id == Some(leaving.id)
                && a.via == AssignedVia::HandOver)
    );
    for id in mine {
        assert_eq!(crm.get_lead(id).unwrap().owner_id, Some(stay.id));
    }
    assert_eq!(crm.get_client(client.id).unwrap().owner_id, Some(stay.id));
    assert_eq!(done.deals_moved, [deal.id]);
    assert_eq!(crm.get_deal(deal.id).unwrap().owner_id, Some(stay.id));
    assert!(!crm.get_manager(leaving.id).unwrap().active);
}

#[test]
fn reassigning_a_lead_by_the_rules_never_gives_it_back_and_records_why() {
    let crm = mem();
    let a = manager(&crm, "A", "sales");
    let b = manager(&crm, "B", "sales");
    rule(&crm, "all", Strategy::RoundRobin);
    let l = lead(&crm, 1, at(2, 10, 0)).lead;
    assert_eq!(l.owner_id, Some(a.id));
    let r = crm
        .reassign_lead(l.id, None, Some("A is overloaded"), at(2, 11, 0))
        .unwrap();
    assert_eq!((r.manager_id, r.previous_id), (Some(b.id), Some(a.id)));
    assert!(
        r.reason.starts_with("A is overloaded; rule 'all'"),
        "{}",
        r.reason
    );
    let back = crm
        .reassign_lead(l.id, Some(a.id), None, at(2, 12, 0))
        .unwrap();
    assert_eq!(back.reason, "chosen by a person");
    assert_eq!(crm.lead_assignments(l.id).unwrap().len(), 3);
    crm.set_manager_active(b.id, false, at(2, 12, 0)).unwrap();
    let err = expect_err(
        crm.reassign_lead(l.id, None, None, at(2, 13, 0)),
        ErrorKind::Conflict,
        None,
    );
    assert!(err.to_string().contains("no eligible manager"), "{err}");
}

#[test]
fn daily_caps_count_the_managers_own_day() {
    let crm = mem();
    crm.set_calendar(None, Some(kyiv()), at(1, 8, 0)).unwrap();
    let mut capped = NewManager::new("Capped");
    capped.daily_cap = Some(2);
    let capped = crm.add_manager(capped, at(1, 8, 0)).unwrap();
    let spare = manager(&crm, "Spare", "sales");
    let mut r = NewRoutingRule::new("capped first", Strategy::RoundRobin);
    r.managers = vec![capped.id];
    crm.add_routing_rule(r, at(1, 8, 0)).unwrap();
    let owners: Vec<Option<ManagerId>> = (0..3)
        .map(|i| lead(&crm, i, utc(2, 8 + i as u32, 0)).lead.owner_id)
        .collect();
    assert_eq!(owners, [Some(capped.id), Some(capped.id), None]);
    // 22:30 UTC on the 2nd is already the 3rd in Kyiv: a new day.
    assert_eq!(lead(&crm, 5, utc(2, 22, 30)).lead.owner_id, Some(capped.id));
    let _ = spare;
}

#[test]
fn working_hours_only_rules_skip_managers_off_hours() {
    let crm = mem();
    crm.set_calendar(None, Some(kyiv()), at(1, 8, 0)).unwrap();
    let day_shift = manager(&crm, "Day", "sales");
    let night = manager(&crm, "Night", "sales");
    let night_hours = CalendarSpec::new("Europe/Kyiv")
        .hours("mon-sun", &[("00:00", "09:00"), ("18:00", "24:00")]);
    crm.set_calendar(Some(night.id), Some(night_hours.clone()), at(1, 8, 0))
        .unwrap();
    assert_eq!(crm.calendar(Some(night.id)).unwrap(), Some(night_hours));
    let mut r = NewRoutingRule::new("on duty", Strategy::RoundRobin);
    r.working_hours_only = true;
    crm.add_routing_rule(r, at(1, 8, 0)).unwrap();
    // Monday 2 November 12:00 Kyiv = 10:00 UTC; 21:00 Kyiv = 19:00 UTC.
    assert_eq!(
        lead(&crm, 1, utc(2, 10, 0)).lead.owner_id,
        Some(day_shift.id)
    );
    let c = lead(&crm, 2, utc(2, 19, 0));
    assert_eq!(c.lead.owner_id, Some(night.id));
    let s = &c.assignment.unwrap().skipped;
    assert_eq!(
        (s[0].manager_id, s[0].reason),
        (day_shift.id, SkipReason::OffHours)
    );
}

#[test]
fn rules_and_policies_are_checked_and_replaced_by_name() {
    let crm = mem();
    let mut bad = NewRoutingRule::new("bad", Strategy::RoundRobin);
    bad.when = Some("intrest = 'x'".into());
    expect_err(
        crm.add_routing_rule(bad, at(1, 8, 0)),
        ErrorKind::Validation,
        Some("when"),
    );
    let mut bad = NewRoutingRule::new("bad", Strategy::RoundRobin);
    bad.managers = vec![ManagerId(42)];
    expect_err(
        crm.add_routing_rule(bad, at(1, 8, 0)),
        ErrorKind::Validation,
        Some("managers[0]"),
    );
    expect_err(
        crm.set_response_sla(NewSlaPolicy::new("x", "2d"), at(1, 8, 0)),
        ErrorKind::Validation,
        Some("first_response"),
    );
    let mut task = NewSlaPolicy::new("x", "2h");
    task.escalation = Escalation::Task;
    expect_err(
        crm.set_response_sla(task, at(1, 8, 0)),
        ErrorKind::Validation,
        Some("escalate_to"),
    );
    expect_err(
        crm.set_calendar(None, Some(CalendarSpec::new("Europe/Kiev2")), at(1, 8, 0)),
        ErrorKind::Validation,
        Some("timezone"),
    );
    let mut r = NewRoutingRule::new("x", Strategy::RoundRobin);
    r.when = Some("REGION = 'Kyiv'".into());
    let first = crm.add_routing_rule(r.clone(), at(1, 8, 0)).unwrap();
    assert_eq!(first.when.as_deref(), Some("region = 'Kyiv'"));
    r.strategy = Strategy::Weighted;
    let second = crm.add_routing_rule(r, at(1, 9, 0)).unwrap();
    assert_eq!((second.id, second.strategy), (first.id, Strategy::Weighted));
    assert_eq!(crm.routing_rules().unwrap(), vec![second]);
    let p = crm
        .set_response_sla(NewSlaPolicy::new("default", "90m"), at(1, 8, 0))
        .unwrap();
    assert_eq!(
        (p.first_response.as_str(), p.first_response_secs),
        ("1h30m", 5_400)
    );
    assert_eq!(crm.response_slas().unwrap(), vec![p]);
    expect_err(
        crm.remove_routing_rule("nope", at(1, 8, 0)),
        ErrorKind::NotFound,
        None,
    );
}

#[test]
fn lead_hour_and_weekday_read_the_stores_time_zone() {
    let crm = mem();
    crm.set_calendar(None, Some(kyiv()), at(1, 8, 0)).unwrap();
    let night = manager(&crm, "Night", "sales");
    let day_m = manager(&crm, "Day", "sales");
    let mut r = NewRoutingRule::new("night", Strategy::RoundRobin);
    r.when = Some("hour < 9 or hour >= 18".into());
    r.managers = vec![night.id];
    crm.add_routing_rule(r, at(1, 8, 0)).unwrap();
    let mut r = NewRoutingRule::new("day", Strategy::RoundRobin);
    r.managers = vec![day_m.id];
    r.priority = 1;
    crm.add_routing_rule(r, at(1, 8, 0)).unwrap();
    // 06:30 UTC is 08:30 in Kyiv: night; 07:30 UTC is 09:30: day.
    assert_eq!(lead(&crm, 1, utc(2, 6, 30)).lead.owner_id, Some(night.id));
    assert_eq!(lead(&crm, 2, utc(2, 7, 30)).lead.owner_id, Some(day_m.id));
}

#[test]
fn a_merge_takes_the_assignment_log_and_tasks_along_and_unmerge_brings_them_back() {
    let crm = mem();
    let m = manager(&crm, "A", "sales");
    rule(&crm, "all", Strategy::RoundRobin);
    let a = crm
        .add_client(NewClient::new(ClientKind::Company, "Alpha"), at(1, 9, 0))
        .unwrap();
    let b = crm
        .add_client(
            NewClient::new(ClientKind::Company, "Alpha LLC"),
            at(1, 9, 0),
        )
        .unwrap();
    crm.assign_client(b.id, m.id, None, at(1, 10, 0)).unwrap();
    let merge = crm.merge_clients(a.id, b.id, at(2, 9, 0)).unwrap();
    assert_eq!(merge.moved.assignments.len(), 1);
    assert_eq!(crm.client_assignments(a.id).unwrap().len(), 1);
    crm.unmerge(merge.id, at(2, 10, 0)).unwrap();
    assert_eq!(crm.client_assignments(b.id).unwrap().len(), 1);
    assert!(crm.client_assignments(a.id).unwrap().is_empty());
}

#[test]
fn the_routing_set_up_is_never_stale_after_a_rollback_or_another_handles_change() {
    let dir = std::env::temp_dir().join(format!("crmkit-routing-cache-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("store.crm");
    let one = Crm::open(&path).unwrap();
    let two = Crm::open(&path).unwrap();
    let a = manager(&one, "A", "sales");
    let b = manager(&one, "B", "sales");
    let mut only_a = NewRoutingRule::new("only A", Strategy::RoundRobin);
    only_a.managers = vec![a.id];
    one.add_routing_rule(only_a, at(1, 8, 0)).unwrap();
    assert_eq!(lead(&one, 1, at(2, 9, 0)).lead.owner_id, Some(a.id));
    // A rule added and used inside a transaction that rolls back leaves no trace in the cache.
    let rolled: Result<(), Error> = one.transaction(|tx| {
        let mut first_b = NewRoutingRule::new("first B", Strategy::RoundRobin);
        first_b.managers = vec![b.id];
        first_b.priority = -1;
        tx.add_routing_rule(first_b, at(2, 9, 0))?;
        let c = tx.capture_lead(web_lead("Inside", "+380671111111"), at(2, 9, 1))?;
        assert_eq!(c.lead.owner_id, Some(b.id));
        Err(Error::Conflict("roll back".into()))
    });
    assert!(rolled.is_err());
    assert_eq!(lead(&one, 2, at(2, 9, 2)).lead.owner_id, Some(a.id));
    // Another handle (another process, say) changes the rules: this handle sees it at once.
    let mut only_b = NewRoutingRule::new("only A", Strategy::RoundRobin);
    only_b.managers = vec![b.id];
    two.add_routing_rule(only_b, at(2, 10, 0)).unwrap();
    assert_eq!(lead(&one, 3, at(2, 10, 1)).lead.owner_id, Some(b.id));
    // And a manager made inactive elsewhere is not given work.
    two.set_manager_active(b.id, false, at(2, 11, 0)).unwrap();
    let c = lead(&one, 4, at(2, 11, 1));
    assert_eq!(c.lead.owner_id, None);
    assert_eq!(
        c.assignment.unwrap().skipped[0].reason,
        SkipReason::Inactive
    );
    drop((one, two));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_queued_lead_makes_a_task_for_the_team_lead_closed_when_someone_takes_it() {
    let crm = mem();
    let head = manager(&crm, "Head", "leads");
    let mut m = NewManager::new("Only");
    m.team = Some("sales".into());
    m.capacity = Some(1);
    let m = crm.add_manager(m, at(1, 8, 0)).unwrap();
    let mut r = NewRoutingRule::new("sales", Strategy::RoundRobin);
    r.team = Some("sales".into());
    crm.add_routing_rule(r, at(1, 8, 0)).unwrap();
    let mut p = NewSlaPolicy::new("default", "2h");
    p.escalation = Escalation::Task;
    p.escalate_to = Some(head.id);
    crm.set_response_sla(p, at(1, 8, 0)).unwrap();
    let first = lead(&crm, 1, at(2, 10, 0)).lead;
    assert_eq!(first.owner_id, Some(m.id));
    let waiting = lead(&crm, 2, at(2, 10, 1)).lead;
    assert!(waiting.queued_reason.is_some());
    let tasks = crm.list_tasks(Some(head.id), true).unwrap();
    assert_eq!(tasks.len(), 1);
    assert_eq!(
        (tasks[0].kind.as_str(), tasks[0].lead_id),
        ("queued_lead", Some(waiting.id))
    );
    assert!(tasks[0].title.contains("at_capacity"), "{}", tasks[0].title);
    // Still queued after another try: no second task.
    crm.assign_queued(at(2, 10, 30)).unwrap();
    assert_eq!(crm.list_tasks(Some(head.id), false).unwrap().len(), 1);
    crm.lose_lead(first.id, "price", None, at(2, 10, 40))
        .unwrap();
    crm.assign_queued(at(2, 10, 41)).unwrap();
    let task = crm.get_task(tasks[0].id).unwrap();
    assert_eq!(
        (task.status, task.closed_at),
        (TaskStatus::Done, Some(at(2, 10, 41)))
    );
}
