//! Promises and complaints through the public API: lifecycles, deadlines in working time with pauses,
//! what `run_due` does about them (once), the complaint report, merges, history, the manager report.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{DateTime, NaiveDate, TimeDelta, TimeZone, Utc};
use common::{at, expect_err, mem};
use crm_core::calendar::CalendarSpec;
use crm_core::*;

/// Monday to Friday 09:00-18:00 in Kyiv (UTC+2 in November: 09:00 Kyiv = 07:00 UTC).
fn kyiv() -> CalendarSpec {
    CalendarSpec::new("Europe/Kyiv").hours("mon-fri", &[("09:00", "18:00")])
}

/// A Kyiv wall-clock time in November 2026 (UTC+2).
fn kv(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    at(day, hour, minute) - TimeDelta::hours(2)
}

fn oct(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 10, day, hour, 0, 0).unwrap()
}

fn day(m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, m, d).unwrap()
}

fn manager(crm: &Crm, name: &str) -> ManagerId {
    crm.add_manager(NewManager::new(name), oct(1, 8))
        .unwrap()
        .id
}

fn client(crm: &Crm, name: &str, owner: Option<ManagerId>) -> ClientId {
    let mut c = NewClient::new(ClientKind::Company, name);
    c.owner_id = owner;
    crm.add_client(c, oct(1, 8)).unwrap().id
}

fn new_promise(client_id: ClientId, what: &str, due_at: DateTime<Utc>) -> NewPromise {
    NewPromise {
        client_id,
        what: what.into(),
        due_at,
        ..Default::default()
    }
}

fn new_complaint(client_id: ClientId, priority: ComplaintPriority) -> NewComplaint {
    NewComplaint {
        client_id,
        subject: "broken delivery".into(),
        priority: Some(priority),
        ..Default::default()
    }
}

fn kinds(crm: &Crm, entity: &str, id: i64) -> Vec<String> {
    crm.history(entity, id)
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect()
}

fn is_quiet(run: &DueRun) -> bool {
    run.tasks.is_empty()
        && run.complaints_breached.is_empty()
        && run.promises_reminded.is_empty()
        && run.promises_broken.is_empty()
}

#[test]
fn promise_lifecycle_and_validation() {
    let crm = mem();
    let olena = manager(&crm, "Olena");
    let other = manager(&crm, "Petro");
    let romashka = client(&crm, "Romashka", Some(olena));
    let stranger = client(&crm, "Stranger", None);
    let call = crm
        .log_activity(
            NewActivity {
                client_id: Some(romashka),
                ..NewActivity::new(ActivityKind::Call, Some(Direction::Out))
            },
            at(2, 9, 0),
        )
        .unwrap();
    let foreign_call = crm
        .log_activity(
            NewActivity {
                client_id: Some(stranger),
                ..NewActivity::new(ActivityKind::Call, Some(Direction::Out))
            },
            at(2, 9, 0),
        )
        .unwrap();

    let now = at(2, 10, 0);
    let p = new_promise(romashka, "send the corrected invoice", at(4, 12, 0));
    expect_err(
        crm.promise(new_promise(romashka, "x", at(2, 9, 59)), now),
        ErrorKind::Validation,
        Some("due_at"),
    );
    expect_err(
        crm.promise(new_promise(romashka, "  ", at(4, 12, 0)), now),
        ErrorKind::Validation,
        Some("what"),
    );
    expect_err(
        crm.promise(new_promise(ClientId(999), "x", at(4, 12, 0)), now),
        ErrorKind::NotFound,
        None,
    );
    expect_err(
        crm.promise(
            NewPromise {
                activity_id: Some(foreign_call.id),
                ..p.clone()
            },
            now,
        ),
        ErrorKind::Validation,
        Some("activity_id"),
    );
    expect_err(
        crm.promise(
            NewPromise {
                activity_id: Some(ActivityId(999)),
                ..p.clone()
            },
            now,
        ),
        ErrorKind::NotFound,
        None,
    );
    crm.set_manager_active(other, false, now).unwrap();
    expect_err(
        crm.promise(
            NewPromise {
                manager_id: Some(other),
                ..p.clone()
            },
            now,
        ),
        ErrorKind::Validation,
        Some("manager_id"),
    );

    let made = crm
        .promise(
            NewPromise {
                activity_id: Some(call.id),
                ..p.clone()
            },
            now,
        )
        .unwrap();
    assert_eq!(
        made.manager_id,
        Some(olena),
        "the client's owner by default"
    );
    assert_eq!(made.status, PromiseStatus::Open);
    assert_eq!(made.activity_id, Some(call.id));
    assert_eq!(crm.get_promise(made.id).unwrap(), made);

    let kept = crm
        .keep_promise(made.id, Some("sent by e-mail"), at(3, 9, 0))
        .unwrap();
    assert_eq!(kept.status, PromiseStatus::Kept);
    assert_eq!(kept.closed_at, Some(at(3, 9, 0)));
    // Keeping again is a no-op: nothing changes, no event.
    let again = crm.keep_promise(made.id, None, at(3, 10, 0)).unwrap();
    assert_eq!(again, kept);
    expect_err(
        crm.cancel_promise(made.id, "changed our mind", at(3, 10, 0)),
        ErrorKind::InvalidTransition,
        None,
    );

    let second = crm.promise(p.clone(), now).unwrap();
    expect_err(
        crm.cancel_promise(second.id, " ", at(3, 10, 0)),
        ErrorKind::Validation,
        Some("reason"),
    );
    let cancelled = crm
        .cancel_promise(second.id, "client withdrew the order", at(3, 10, 0))
        .unwrap();
    assert_eq!(cancelled.status, PromiseStatus::Cancelled);
    assert_eq!(cancelled.note.as_deref(), Some("client withdrew the order"));
    expect_err(
        crm.keep_promise(second.id, None, at(3, 11, 0)),
        ErrorKind::InvalidTransition,
        None,
    );
    expect_err(
        crm.keep_promise(PromiseId(999), None, at(3, 11, 0)),
        ErrorKind::NotFound,
        None,
    );

    let kept_list = crm
        .list_promises(&PromiseQuery {
            client_id: Some(romashka),
            status: Some(PromiseStatus::Kept),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(kept_list, vec![kept]);
    let all = crm
        .list_promises(&PromiseQuery {
            manager_id: Some(olena),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(
        all.iter().map(|p| p.id).collect::<Vec<_>>(),
        [made.id, second.id]
    );
    assert_eq!(kinds(&crm, "promise", made.id.0), ["made", "kept"]);
    assert_eq!(kinds(&crm, "promise", second.id.0), ["made", "cancelled"]);
}

#[test]
fn run_due_reminds_then_breaks_a_promise_once() {
    let crm = mem();
    let olena = manager(&crm, "Olena");
    let romashka = client(&crm, "Romashka", Some(olena));
    assert_eq!(crm.promise_settings().unwrap().remind_before, "24h");
    expect_err(
        crm.set_promise_settings(
            PromiseSettings {
                remind_before: "soon".into(),
            },
            at(1, 0, 0),
        ),
        ErrorKind::Validation,
        Some("remind_before"),
    );
    let due = at(5, 12, 0);
    let p = crm
        .promise(
            new_promise(romashka, "call back with a price", due),
            at(2, 9, 0),
        )
        .unwrap();

    // More than a day before: nothing.
    assert!(is_quiet(&crm.run_due(at(4, 11, 59)).unwrap()));
    // A day before: one reminder task for the maker, due when the promise is.
    let run = crm.run_due(at(4, 12, 0)).unwrap();
    assert_eq!(run.promises_reminded, [p.id]);
    assert!(run.promises_broken.is_empty());
    assert_eq!(run.tasks.len(), 1);
    let task = &run.tasks[0];
    assert_eq!(task.kind, "promise");
    assert_eq!(task.promise_id, Some(p.id));
    assert_eq!(task.manager_id, Some(olena));
    assert_eq!(task.client_id, Some(romashka));
    assert_eq!(task.due_at, Some(due));
    assert_eq!(
        task.origin.as_deref(),
        Some(format!("promise:{}", p.id).as_str())
    );
    // The same now again, and every minute up to the due time: nothing more.
    assert!(is_quiet(&crm.run_due(at(4, 12, 0)).unwrap()));
    let mut t = at(4, 12, 1);
    while t <= due {
        assert!(is_quiet(&crm.run_due(t).unwrap()), "at {t}");
        t += TimeDelta::minutes(30);
    }
    assert!(is_quiet(&crm.run_due(due).unwrap()), "due, not yet past");
    assert_eq!(crm.get_promise(p.id).unwrap().status, PromiseStatus::Open);
    // Past due: broken, once.
    let run = crm.run_due(due + TimeDelta::minutes(1)).unwrap();
    assert_eq!(run.promises_broken, [p.id]);
    assert!(run.tasks.is_empty());
    for minute in 2..10 {
        assert!(is_quiet(
            &crm.run_due(due + TimeDelta::minutes(minute)).unwrap()
        ));
    }
    let broken = crm.get_promise(p.id).unwrap();
    assert_eq!(broken.status, PromiseStatus::Broken);
    expect_err(
        crm.keep_promise(p.id, None, due + TimeDelta::hours(1)),
        ErrorKind::InvalidTransition,
        None,
    );
    assert_eq!(crm.list_tasks(Some(olena), false).unwrap().len(), 1);
    assert_eq!(
        kinds(&crm, "promise", p.id.0),
        ["made", "reminded", "broken"]
    );

    // Kept before its due time: the reminder task is done with it.
    let q = crm
        .promise(
            new_promise(romashka, "send samples", at(10, 12, 0)),
            at(9, 9, 0),
        )
        .unwrap();
    let run = crm.run_due(at(9, 13, 0)).unwrap();
    assert_eq!(run.promises_reminded, [q.id]);
    let task_id = run.tasks[0].id;
    crm.keep_promise(q.id, None, at(9, 14, 0)).unwrap();
    assert_eq!(crm.get_task(task_id).unwrap().status, TaskStatus::Done);
    assert!(is_quiet(&crm.run_due(at(11, 0, 0)).unwrap()));
}

#[test]
fn complaint_deadlines_count_working_time_and_a_weekend_pause_moves_them_exactly() {
    let crm = mem();
    crm.set_calendar(None, Some(kyiv()), oct(1, 8)).unwrap();
    let olena = manager(&crm, "Olena");
    let boss = manager(&crm, "Boss");
    let romashka = client(&crm, "Romashka", Some(olena));
    crm.set_complaint_sla(
        ComplaintSla {
            escalate_to: Some(boss),
            ..ComplaintSla::default()
        },
        oct(1, 9),
    )
    .unwrap();

    // High: 2h to respond, 16h to resolve. Friday 6 November 10:00 Kyiv.
    let c = crm
        .open_complaint(
            new_complaint(romashka, ComplaintPriority::High),
            kv(6, 10, 0),
        )
        .unwrap();
    assert_eq!(c.owner_id, Some(olena));
    assert_eq!(c.status, ComplaintStatus::Open);
    assert_eq!(c.response_due, kv(6, 12, 0));
    // Friday 10-18 (8h) + Monday 9-17 (8h).
    assert_eq!(c.resolution_due, kv(9, 17, 0));

    let c = crm.take_complaint(c.id, kv(6, 11, 0)).unwrap();
    assert_eq!(c.status, ComplaintStatus::InProgress);
    assert_eq!(c.responded_at, Some(kv(6, 11, 0)));
    // Friday 16:00: a question to the client; the clock stops over the weekend and Monday.
    let c = crm.wait_for_client(c.id, kv(6, 16, 0)).unwrap();
    assert_eq!(c.paused_at, Some(kv(6, 16, 0)));
    expect_err(
        crm.wait_for_client(c.id, kv(6, 17, 0)),
        ErrorKind::InvalidTransition,
        None,
    );
    // Past the old deadline while paused: not breached.
    let run = crm.run_due(kv(9, 18, 0)).unwrap();
    assert!(run.complaints_breached.is_empty(), "{run:?}");

    // Tuesday 11:00: work resumes. Paused: Friday 16-18, Monday 9-18, Tuesday 9-11 = 13 working hours.
    let old_due = c.resolution_due;
    let c = crm.resume_complaint(c.id, kv(10, 11, 0)).unwrap();
    assert_eq!(c.paused_at, None);
    assert_eq!(c.paused_secs, 13 * 3600);
    // 10 working hours were left at the pause: Tuesday 11-18 (7h) + Wednesday 9-12 (3h).
    assert_eq!(c.resolution_due, kv(11, 12, 0));
    assert_eq!(
        crm.working_time(None, old_due, c.resolution_due).unwrap(),
        c.paused_secs,
        "the deadline moved by exactly the paused working time"
    );

    // The new deadline passes: breached once, one escalation task to the boss.
    assert!(
        crm.run_due(kv(11, 11, 59))
            .unwrap()
            .complaints_breached
            .is_empty()
    );
    let run = crm.run_due(kv(11, 12, 0)).unwrap();
    assert_eq!(
        run.complaints_breached,
        [ComplaintBreach {
            complaint_id: c.id,
            milestone: ComplaintMilestone::Resolution,
            due: kv(11, 12, 0),
            escalated_to: Some(boss),
        }]
    );
    assert_eq!(run.tasks.len(), 1);
    let task = &run.tasks[0];
    assert_eq!(task.kind, "complaint_escalation");
    assert_eq!(task.complaint_id, Some(c.id));
    assert_eq!(task.manager_id, Some(boss));
    assert_eq!(task.client_id, Some(romashka));
    assert_eq!(
        task.origin.as_deref(),
        Some(format!("complaint:{}:resolution", c.id).as_str())
    );
    for minute in 0..15 {
        let run = crm.run_due(kv(11, 12, minute)).unwrap();
        assert!(is_quiet(&run), "minute {minute}: {run:?}");
    }
    assert_eq!(
        crm.get_complaint(c.id).unwrap().resolution_breached_at,
        Some(kv(11, 12, 0))
    );

    // Resolved Wednesday 12:30: working time open → resolved (Fri 8 + Mon 9 + Tue 9 + Wed 3.5 = 29.5h)
    // less 13h paused.
    let c = crm
        .resolve_complaint(c.id, "replacement sent", kv(11, 12, 30))
        .unwrap();
    assert_eq!(c.status, ComplaintStatus::Resolved);
    assert_eq!(c.resolve_secs, Some(16 * 3600 + 1800));
    let c = crm.close_complaint(c.id, kv(11, 13, 0)).unwrap();
    assert_eq!(c.status, ComplaintStatus::Closed);
    expect_err(
        crm.reopen_complaint(c.id, kv(11, 14, 0)),
        ErrorKind::InvalidTransition,
        None,
    );
    assert_eq!(
        kinds(&crm, "complaint", c.id.0),
        [
            "opened",
            "taken",
            "waiting",
            "resumed",
            "sla_breached",
            "resolved",
            "closed"
        ]
    );
}

#[test]
fn an_unanswered_complaint_breaches_its_first_response_once_and_escalates_to_the_owner() {
    let crm = mem();
    crm.set_calendar(None, Some(kyiv()), oct(1, 8)).unwrap();
    let olena = manager(&crm, "Olena");
    let romashka = client(&crm, "Romashka", Some(olena));
    // Critical: 1h / 8h. Monday 9 November 17:30 Kyiv: the hour runs to Tuesday 09:30, the eight hours
    // (0.5 on Monday, 7.5 on Tuesday) to Tuesday 16:30.
    let c = crm
        .open_complaint(
            new_complaint(romashka, ComplaintPriority::Critical),
            kv(9, 17, 30),
        )
        .unwrap();
    assert_eq!(c.response_due, kv(10, 9, 30));
    assert_eq!(c.resolution_due, kv(10, 16, 30));
    assert!(
        crm.run_due(kv(10, 9, 0))
            .unwrap()
            .complaints_breached
            .is_empty()
    );
    let run = crm.run_due(kv(10, 9, 31)).unwrap();
    assert_eq!(run.complaints_breached.len(), 1);
    assert_eq!(
        run.complaints_breached[0].milestone,
        ComplaintMilestone::FirstResponse
    );
    assert_eq!(run.complaints_breached[0].escalated_to, Some(olena));
    assert!(is_quiet(&crm.run_due(kv(10, 9, 31)).unwrap()));
    assert!(is_quiet(&crm.run_due(kv(10, 9, 32)).unwrap()));
    // Answered late; then the resolution deadline passes too: a second, different escalation.
    crm.take_complaint(c.id, kv(10, 10, 0)).unwrap();
    let run = crm.run_due(kv(10, 16, 30)).unwrap();
    assert_eq!(run.complaints_breached.len(), 1);
    assert_eq!(
        run.complaints_breached[0].milestone,
        ComplaintMilestone::Resolution
    );
    let tasks = crm.list_tasks(Some(olena), true).unwrap();
    let origins: Vec<_> = tasks.iter().filter_map(|t| t.origin.clone()).collect();
    assert_eq!(
        origins,
        [
            format!("complaint:{}:first_response", c.id),
            format!("complaint:{}:resolution", c.id)
        ]
    );
    let breached = crm.get_complaint(c.id).unwrap();
    assert_eq!(breached.response_breached_at, Some(kv(10, 9, 30)));
    assert_eq!(breached.resolution_breached_at, Some(kv(10, 16, 30)));
}

#[test]
fn complaint_transitions_and_validation() {
    let crm = mem();
    let olena = manager(&crm, "Olena");
    let petro = manager(&crm, "Petro");
    let idle = manager(&crm, "Idle");
    crm.set_manager_active(idle, false, oct(1, 9)).unwrap();
    let romashka = client(&crm, "Romashka", Some(olena));
    let other = client(&crm, "Other", None);
    let order = crm
        .record_order(
            NewOrder {
                client_id: other,
                total: Money::parse("10.00").unwrap(),
                ..Default::default()
            },
            oct(2, 9),
        )
        .unwrap();
    let now = at(2, 9, 0);
    let base = new_complaint(romashka, ComplaintPriority::Normal);
    expect_err(
        crm.open_complaint(
            NewComplaint {
                subject: "".into(),
                ..base.clone()
            },
            now,
        ),
        ErrorKind::Validation,
        Some("subject"),
    );
    expect_err(
        crm.open_complaint(
            NewComplaint {
                order_id: Some(order.id),
                ..base.clone()
            },
            now,
        ),
        ErrorKind::Validation,
        Some("order_id"),
    );
    expect_err(
        crm.open_complaint(
            NewComplaint {
                order_id: Some(OrderId(999)),
                ..base.clone()
            },
            now,
        ),
        ErrorKind::NotFound,
        None,
    );
    expect_err(
        crm.open_complaint(
            NewComplaint {
                owner_id: Some(idle),
                ..base.clone()
            },
            now,
        ),
        ErrorKind::Validation,
        Some("owner_id"),
    );
    let mut bad = ComplaintSla::default();
    bad.high.resolution = "1h".into();
    expect_err(
        crm.set_complaint_sla(bad, now),
        ErrorKind::Validation,
        Some("high.resolution"),
    );
    assert_eq!(crm.complaint_sla().unwrap(), ComplaintSla::default());

    // Without a calendar deadlines run round the clock; normal is 4h / 24h.
    let c = crm
        .open_complaint(
            NewComplaint {
                priority: None,
                ..base.clone()
            },
            now,
        )
        .unwrap();
    assert_eq!(c.priority, ComplaintPriority::Normal);
    assert_eq!(c.response_due, at(2, 13, 0));
    assert_eq!(c.resolution_due, at(3, 9, 0));
    expect_err(
        crm.close_complaint(c.id, now),
        ErrorKind::InvalidTransition,
        None,
    );
    expect_err(
        crm.resume_complaint(c.id, now),
        ErrorKind::InvalidTransition,
        None,
    );
    expect_err(
        crm.take_complaint(c.id, at(2, 8, 0)),
        ErrorKind::Validation,
        Some("at"),
    );
    // Waiting straight away answers the client and puts it in progress.
    let c = crm.wait_for_client(c.id, at(2, 10, 0)).unwrap();
    assert_eq!(c.status, ComplaintStatus::InProgress);
    assert_eq!(c.responded_at, Some(at(2, 10, 0)));
    expect_err(
        crm.take_complaint(c.id, at(2, 11, 0)),
        ErrorKind::InvalidTransition,
        None,
    );
    expect_err(
        crm.resolve_complaint(c.id, "  ", at(2, 11, 0)),
        ErrorKind::Validation,
        Some("resolution"),
    );
    // Resolving while waiting ends the pause: 1h paused, the deadline one hour later.
    let c = crm.resolve_complaint(c.id, "refund", at(2, 11, 0)).unwrap();
    assert_eq!(c.paused_at, None);
    assert_eq!(c.paused_secs, 3600);
    assert_eq!(c.resolution_due, at(3, 10, 0));
    assert_eq!(c.resolve_secs, Some(3600));
    // Reopened 3h later: the 23h that were left count from now; the 3h it sat resolved are paused.
    let c = crm.reopen_complaint(c.id, at(2, 14, 0)).unwrap();
    assert_eq!(c.status, ComplaintStatus::InProgress);
    assert_eq!(c.resolution_due, at(3, 13, 0));
    assert_eq!(c.paused_secs, 4 * 3600);
    assert_eq!(c.resolution, None);
    expect_err(
        crm.assign_complaint(c.id, idle, at(2, 15, 0)),
        ErrorKind::Validation,
        Some("manager"),
    );
    let c = crm.assign_complaint(c.id, petro, at(2, 15, 0)).unwrap();
    assert_eq!(c.owner_id, Some(petro));
    let same = crm.assign_complaint(c.id, petro, at(2, 16, 0)).unwrap();
    assert_eq!(same, c);
    let c = crm
        .resolve_complaint(c.id, "refund sent", at(2, 16, 0))
        .unwrap();
    // 7h open less 4h paused.
    assert_eq!(c.resolve_secs, Some(3 * 3600));

    let r = crm.open_complaint(base.clone(), at(2, 9, 0)).unwrap();
    expect_err(
        crm.reject_complaint(r.id, "", at(2, 10, 0)),
        ErrorKind::Validation,
        Some("reason"),
    );
    let r = crm
        .reject_complaint(r.id, "the goods were used", at(2, 10, 0))
        .unwrap();
    assert_eq!(r.status, ComplaintStatus::Rejected);
    assert_eq!(r.closed_at, Some(at(2, 10, 0)));
    expect_err(
        crm.take_complaint(r.id, at(2, 11, 0)),
        ErrorKind::InvalidTransition,
        None,
    );
    expect_err(
        crm.take_complaint(ComplaintId(999), at(2, 11, 0)),
        ErrorKind::NotFound,
        None,
    );

    let petros = crm
        .list_complaints(&ComplaintQuery {
            owner_id: Some(petro),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(petros.iter().map(|c| c.id).collect::<Vec<_>>(), [c.id]);
    let rejected = crm
        .list_complaints(&ComplaintQuery {
            client_id: Some(romashka),
            status: Some(ComplaintStatus::Rejected),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(rejected.iter().map(|c| c.id).collect::<Vec<_>>(), [r.id]);
    assert_eq!(
        kinds(&crm, "complaint", c.id.0),
        [
            "opened", "waiting", "resolved", "reopened", "assigned", "resolved"
        ]
    );
    assert_eq!(kinds(&crm, "complaint", r.id.0), ["opened", "rejected"]);
}

#[test]
fn the_complaint_report_adds_up_a_hand_computed_week() {
    let crm = mem();
    let a = manager(&crm, "A");
    let b = manager(&crm, "B");
    let ca = client(&crm, "Client of A", Some(a));
    let cb = client(&crm, "Client of B", Some(b));
    let nobody = client(&crm, "Nobody's", None);
    use ComplaintPriority as P;
    // Round the clock (no calendar). The week of Monday 2 to Sunday 8 November.
    // c1 normal (4h/24h), A: answered in time, resolved after 10h, in time.
    let c1 = crm
        .open_complaint(new_complaint(ca, P::Normal), at(2, 9, 0))
        .unwrap();
    crm.take_complaint(c1.id, at(2, 10, 0)).unwrap();
    crm.resolve_complaint(c1.id, "ok", at(2, 19, 0)).unwrap();
    // c2 high (2h/16h), A: answered late, resolved after 27h, late.
    let c2 = crm
        .open_complaint(new_complaint(ca, P::High), at(3, 9, 0))
        .unwrap();
    crm.take_complaint(c2.id, at(3, 12, 0)).unwrap();
    crm.resolve_complaint(c2.id, "ok", at(4, 12, 0)).unwrap();
    // c3 low (8h/40h), B: a question at once, 10h paused, resolved after 35h less 10h = 25h, in time.
    let c3 = crm
        .open_complaint(new_complaint(cb, P::Low), at(4, 9, 0))
        .unwrap();
    crm.wait_for_client(c3.id, at(4, 10, 0)).unwrap();
    crm.resume_complaint(c3.id, at(4, 20, 0)).unwrap();
    crm.resolve_complaint(c3.id, "ok", at(5, 20, 0)).unwrap();
    // c4 normal, B: rejected within the hour.
    let c4 = crm
        .open_complaint(new_complaint(cb, P::Normal), at(5, 9, 0))
        .unwrap();
    crm.reject_complaint(c4.id, "unfounded", at(5, 10, 0))
        .unwrap();
    // c5 normal, A: opened the Friday before, resolved on Monday 09:00 after 72h, late.
    let c5 = crm
        .open_complaint(new_complaint(ca, P::Normal), oct(30, 9))
        .unwrap();
    crm.resolve_complaint(c5.id, "late", at(2, 9, 0)).unwrap();
    // c6 normal, no owner: still open. c7: after the period.
    crm.open_complaint(new_complaint(nobody, P::Normal), at(7, 9, 0))
        .unwrap();
    crm.open_complaint(new_complaint(nobody, P::Critical), at(9, 0, 0))
        .unwrap();

    expect_err(
        crm.complaint_report(&ComplaintReportQuery {
            start: day(11, 8),
            end: day(11, 2),
        }),
        ErrorKind::Validation,
        Some("end"),
    );
    let r = crm
        .complaint_report(&ComplaintReportQuery {
            start: day(11, 2),
            end: day(11, 8),
        })
        .unwrap();
    let t = &r.total;
    assert_eq!((t.opened, t.responded_within_sla), (5, 3));
    assert_eq!((t.resolved, t.resolved_within_sla), (4, 2));
    assert_eq!(t.resolved_within_sla_share, Some(0.5));
    assert_eq!(t.rejected, 1);
    // Times 10h, 25h, 27h, 72h: the median by nearest rank is the 2nd, p90 the 4th.
    assert_eq!(t.median_resolve_secs, Some(25 * 3600));
    assert_eq!(t.p90_resolve_secs, Some(72 * 3600));

    let prio: Vec<_> = r.by_priority.iter().map(|row| row.key).collect();
    assert_eq!(prio, [P::Low, P::Normal, P::High, P::Critical]);
    let normal = &r.by_priority[1].figures;
    assert_eq!((normal.opened, normal.responded_within_sla), (3, 2));
    assert_eq!(
        (normal.resolved, normal.resolved_within_sla, normal.rejected),
        (2, 1, 1)
    );
    assert_eq!(normal.median_resolve_secs, Some(10 * 3600));
    let high = &r.by_priority[2].figures;
    assert_eq!(
        (high.opened, high.responded_within_sla, high.resolved),
        (1, 0, 1)
    );
    assert_eq!(high.resolved_within_sla_share, Some(0.0));
    assert_eq!(r.by_priority[3].figures, ComplaintFigures::default());

    let owners: Vec<_> = r.by_owner.iter().map(|row| row.key).collect();
    assert_eq!(owners, [Some(a), Some(b), None]);
    let fa = &r.by_owner[0].figures;
    assert_eq!(
        (
            fa.opened,
            fa.responded_within_sla,
            fa.resolved,
            fa.resolved_within_sla
        ),
        (2, 1, 3, 1)
    );
    assert_eq!(fa.median_resolve_secs, Some(27 * 3600));
    let fb = &r.by_owner[1].figures;
    assert_eq!(
        (fb.opened, fb.responded_within_sla, fb.resolved, fb.rejected),
        (2, 2, 1, 1)
    );
    assert_eq!(fb.median_resolve_secs, Some(25 * 3600));
    assert_eq!(r.by_owner[2].figures.opened, 1);
}

#[test]
fn a_merge_moves_promises_and_complaints_and_an_unmerge_takes_them_back() {
    let crm = mem();
    let olena = manager(&crm, "Olena");
    let keep = client(&crm, "Romashka LLC", Some(olena));
    let merge = client(&crm, "Romashka", Some(olena));
    crm.record_order(
        NewOrder {
            client_id: merge,
            total: Money::parse("10.00").unwrap(),
            ..Default::default()
        },
        oct(2, 9),
    )
    .unwrap();
    let p = crm
        .promise(new_promise(merge, "discount", at(9, 9, 0)), at(2, 9, 0))
        .unwrap();
    let c = crm
        .open_complaint(new_complaint(merge, ComplaintPriority::Low), at(2, 9, 0))
        .unwrap();
    // A run first, so that the merged client has its derived rows (rhythm, reminders) too.
    crm.run_due(at(8, 12, 0)).unwrap();
    let m = crm.merge_clients(keep, merge, at(8, 13, 0)).unwrap();
    assert_eq!(m.moved.promises, [p.id]);
    assert_eq!(m.moved.complaints, [c.id]);
    assert_eq!(crm.get_promise(p.id).unwrap().client_id, keep);
    assert_eq!(crm.get_complaint(c.id).unwrap().client_id, keep);
    let of_keep = crm
        .list_promises(&PromiseQuery {
            client_id: Some(keep),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(of_keep.len(), 1);
    assert_eq!(crm.integrity_check().unwrap(), ["ok"]);

    crm.unmerge(m.id, at(8, 14, 0)).unwrap();
    assert_eq!(crm.get_promise(p.id).unwrap().client_id, merge);
    assert_eq!(crm.get_complaint(c.id).unwrap().client_id, merge);
    assert_eq!(crm.integrity_check().unwrap(), ["ok"]);
}

#[test]
fn the_manager_report_shows_the_share_of_promises_kept() {
    let crm = mem();
    let olena = manager(&crm, "Olena");
    let petro = manager(&crm, "Petro");
    let romashka = client(&crm, "Romashka", Some(olena));
    let made = at(2, 9, 0);
    let promise = |what: &str, due: DateTime<Utc>| {
        crm.promise(new_promise(romashka, what, due), made)
            .unwrap()
            .id
    };
    let kept1 = promise("one", at(5, 12, 0));
    let kept2 = promise("two", at(6, 12, 0));
    let _broken = promise("three", at(10, 12, 0));
    let cancelled = promise("four", at(11, 12, 0));
    let december = promise("five", Utc.with_ymd_and_hms(2026, 12, 3, 12, 0, 0).unwrap());
    crm.keep_promise(kept1, None, at(4, 9, 0)).unwrap();
    crm.keep_promise(kept2, None, at(4, 9, 0)).unwrap();
    crm.cancel_promise(cancelled, "not needed", at(4, 9, 0))
        .unwrap();
    crm.keep_promise(december, None, at(4, 9, 0)).unwrap();
    crm.run_due(at(20, 0, 0)).unwrap();

    let rows = crm
        .manager_report(&ManagerReportQuery {
            start: day(11, 1),
            end: day(11, 30),
        })
        .unwrap();
    let row = |id| rows.iter().find(|r| r.manager_id == id).unwrap();
    // Two kept, one broken; the cancelled one and December's do not count.
    assert_eq!(row(olena).promises_kept, Some(2.0 / 3.0));
    assert_eq!(row(petro).promises_kept, None);
}

#[test]
fn a_zero_reminder_lead_reminds_only_when_due_and_json_needs_the_required_fields() {
    let crm = mem();
    let m = manager(&crm, "Olena");
    let c = client(&crm, "Romashka", Some(m));
    let zero = PromiseSettings {
        remind_before: "0m".into(),
    };
    assert_eq!(
        crm.set_promise_settings(zero, oct(1, 9))
            .unwrap()
            .remind_before,
        "0m"
    );
    let p = crm
        .promise(new_promise(c, "send the invoice", oct(5, 12)), oct(1, 10))
        .unwrap();
    assert!(
        crm.run_due(oct(5, 11))
            .unwrap()
            .promises_reminded
            .is_empty()
    );
    assert_eq!(crm.run_due(oct(5, 12)).unwrap().promises_reminded, [p.id]);

    // A promise or complaint read from JSON without a required field is refused, naming it — never a
    // promise due in 1970 or a complaint from client 0.
    let missing = serde_json::from_str::<NewPromise>(r#"{"client_id": 1, "what": "call back"}"#)
        .unwrap_err()
        .to_string();
    assert!(missing.contains("due_at"), "{missing}");
    let missing = serde_json::from_str::<NewComplaint>(r#"{"subject": "late"}"#)
        .unwrap_err()
        .to_string();
    assert!(missing.contains("client_id"), "{missing}");
    let optional: NewComplaint =
        serde_json::from_str(r#"{"client_id": 1, "subject": "late"}"#).unwrap();
    assert_eq!(optional.priority, None);
}
