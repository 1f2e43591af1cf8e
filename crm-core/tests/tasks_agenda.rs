#![allow(clippy::unwrap_used, clippy::expect_used)]
//! Tasks people add, reschedule and complete, and a manager's agenda, through the public API.

mod common;

use chrono::{DateTime, TimeZone, Utc};
use crm_core::calendar::CalendarSpec;
use crm_core::{
    ActivityKind, ClientKind, CompleteTask, Crm, Direction, ErrorKind, ManagerId, NewClient,
    NewManager, NewTask, TaskId, TaskStatus,
};

use common::{at, capture, mem};

fn manager(crm: &Crm, name: &str) -> ManagerId {
    crm.add_manager(
        NewManager {
            name: name.into(),
            ..Default::default()
        },
        at(1, 8, 0),
    )
    .unwrap()
    .id
}

fn task(kind: &str, manager: ManagerId, due: Option<DateTime<Utc>>) -> NewTask {
    NewTask {
        kind: kind.into(),
        title: format!("{kind} task"),
        manager_id: Some(manager),
        due_at: due,
        ..Default::default()
    }
}

#[test]
fn a_task_is_validated_and_linked() {
    let crm = mem();
    let m = manager(&crm, "Olena");
    let client = crm
        .add_client(NewClient::new(ClientKind::Company, "Romashka"), at(1, 9, 0))
        .unwrap()
        .id;
    let other = crm
        .add_client(NewClient::new(ClientKind::Company, "Other"), at(1, 9, 0))
        .unwrap()
        .id;
    let lead = capture(&crm, "Ivan", "+380671234567", at(2, 9, 0));

    for (new, field) in [
        (
            NewTask {
                kind: "Call Back".into(),
                ..task("x", m, None)
            },
            "kind",
        ),
        (
            NewTask {
                title: "  ".into(),
                ..task("call_back", m, None)
            },
            "title",
        ),
    ] {
        let e = crm.add_task(new, at(2, 10, 0)).unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Validation);
        assert!(e.to_string().contains(field), "{e}");
    }
    let e = crm
        .add_task(
            NewTask {
                manager_id: Some(ManagerId(99)),
                ..task("call_back", m, None)
            },
            at(2, 10, 0),
        )
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);

    // The lead's client is taken when no client is given; a client that disagrees is refused.
    crm.convert_lead(lead.id, Default::default(), at(2, 9, 30))
        .map(|_| ())
        .ok();
    let lead_client = crm.get_lead(lead.id).unwrap().client_id;
    if let Some(lc) = lead_client {
        let t = crm
            .add_task(
                NewTask {
                    lead_id: Some(lead.id),
                    ..task("call_back", m, None)
                },
                at(2, 10, 0),
            )
            .unwrap();
        assert_eq!(t.client_id, Some(lc));
        let e = crm
            .add_task(
                NewTask {
                    lead_id: Some(lead.id),
                    client_id: Some(if lc == other { client } else { other }),
                    ..task("call_back", m, None)
                },
                at(2, 10, 0),
            )
            .unwrap_err();
        assert_eq!(e.kind(), ErrorKind::Validation);
    }

    let t = crm
        .add_task(
            NewTask {
                client_id: Some(client),
                ..task("send_offer", m, Some(at(5, 12, 0)))
            },
            at(2, 10, 0),
        )
        .unwrap();
    assert_eq!(t.status, TaskStatus::Open);
    assert_eq!(crm.get_task(t.id).unwrap(), t);
    let created = crm.history("task", t.id.0).unwrap();
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].kind, "created");
}

#[test]
fn completing_records_the_outcome_as_an_activity() {
    let crm = mem();
    let m = manager(&crm, "Olena");
    let lead = capture(&crm, "Ivan", "+380671234567", at(2, 9, 0));
    let t = crm
        .add_task(
            NewTask {
                lead_id: Some(lead.id),
                ..task("call_back", m, Some(at(2, 12, 0)))
            },
            at(2, 9, 5),
        )
        .unwrap();
    let e = crm
        .complete_task(t.id, CompleteTask::default(), at(2, 11, 0))
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::Validation);
    assert!(e.to_string().contains("outcome"), "{e}");

    let done = crm
        .complete_task(
            t.id,
            CompleteTask {
                outcome: "reached, sends the spec tomorrow".into(),
                note: Some("wants 20 units".into()),
                ..Default::default()
            },
            at(2, 11, 0),
        )
        .unwrap();
    assert_eq!(done.status, TaskStatus::Done);
    assert_eq!(done.closed_at, Some(at(2, 11, 0)));
    assert_eq!(
        done.outcome.as_deref(),
        Some("reached, sends the spec tomorrow")
    );
    let activity = crm.get_activity(done.activity_id.unwrap()).unwrap();
    assert_eq!(activity.kind, ActivityKind::Call, "a call-back is a call");
    assert_eq!(activity.direction, Some(Direction::Out));
    assert_eq!(activity.manager_id, Some(m));
    assert_eq!(activity.lead_id, Some(lead.id));
    assert_eq!(
        activity.outcome.as_deref(),
        Some("reached, sends the spec tomorrow")
    );
    assert_eq!(activity.body.as_deref(), Some("wants 20 units"));
    // The call answered the request: the existing activity path ran.
    assert_eq!(
        crm.get_lead(lead.id).unwrap().first_response_at,
        Some(at(2, 11, 0))
    );
    let kinds: Vec<String> = crm
        .history("task", t.id.0)
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, ["created", "completed"]);

    // Done is final.
    let again = crm.complete_task(
        t.id,
        CompleteTask {
            outcome: "x".into(),
            ..Default::default()
        },
        at(2, 12, 0),
    );
    assert_eq!(again.unwrap_err().kind(), ErrorKind::InvalidTransition);
    assert_eq!(
        crm.reschedule_task(t.id, None, at(2, 12, 0))
            .unwrap_err()
            .kind(),
        ErrorKind::InvalidTransition
    );
}

#[test]
fn a_failed_completion_leaves_nothing_behind_and_an_unlinked_task_needs_no_activity() {
    let crm = mem();
    let m = manager(&crm, "Olena");
    let t = crm.add_task(task("review", m, None), at(2, 9, 0)).unwrap();
    let done = crm
        .complete_task(
            t.id,
            CompleteTask {
                outcome: "done".into(),
                ..Default::default()
            },
            at(2, 10, 0),
        )
        .unwrap();
    assert_eq!(done.activity_id, None);
    assert_eq!(done.status, TaskStatus::Done);
    let e = crm
        .complete_task(
            TaskId(999),
            CompleteTask {
                outcome: "x".into(),
                ..Default::default()
            },
            at(2, 10, 0),
        )
        .unwrap_err();
    assert_eq!(e.kind(), ErrorKind::NotFound);
}

#[test]
fn the_agenda_is_most_urgent_first_in_the_managers_day() {
    let crm = mem();
    let m = manager(&crm, "Olena");
    let other = manager(&crm, "Taras");
    // Kyiv is UTC+2 in November: the manager's day 10 November ends at 22:00 UTC.
    crm.set_calendar(
        Some(m),
        Some(CalendarSpec::new("Europe/Kyiv").hours("mon-fri", &[("09:00", "18:00")])),
        at(1, 8, 0),
    )
    .unwrap();
    let add = |due: Option<DateTime<Utc>>, who: ManagerId| {
        crm.add_task(task("call_back", who, due), at(1, 9, 0))
            .unwrap()
            .id
    };
    let old = add(Some(at(3, 9, 0)), m);
    let recent = add(Some(at(10, 9, 0)), m);
    let tonight = add(Some(at(10, 21, 30)), m);
    let after_midnight_kyiv = add(Some(at(10, 22, 30)), m);
    let next_week = add(Some(at(17, 21, 0)), m);
    let too_far = add(Some(at(17, 22, 0)), m);
    let undated = add(None, m);
    let someone_elses = add(Some(at(10, 13, 0)), other);
    let rescheduled = add(Some(at(2, 9, 0)), m);
    let closed = add(Some(at(4, 9, 0)), m);
    crm.close_task(closed, TaskStatus::Cancelled, at(4, 10, 0))
        .unwrap();

    let now = at(10, 12, 0);
    let moved = crm
        .reschedule_task(rescheduled, Some(at(10, 15, 0)), at(10, 11, 0))
        .unwrap();
    assert_eq!(moved.due_at, Some(at(10, 15, 0)));
    let ev = crm.history("task", rescheduled.0).unwrap();
    assert_eq!(ev.last().unwrap().kind, "rescheduled");
    // The same due time again writes nothing.
    crm.reschedule_task(rescheduled, Some(at(10, 15, 0)), at(10, 11, 0))
        .unwrap();
    assert_eq!(crm.history("task", rescheduled.0).unwrap().len(), ev.len());

    let agenda = crm.agenda(m, now).unwrap();
    let ids = |v: &[crm_core::Task]| v.iter().map(|t| t.id).collect::<Vec<_>>();
    assert_eq!(ids(&agenda.overdue), [old, recent]);
    assert_eq!(ids(&agenda.today), [rescheduled, tonight]);
    assert_eq!(ids(&agenda.upcoming), [after_midnight_kyiv, next_week]);
    assert_eq!(ids(&agenda.undated), [undated]);
    assert!(!ids(&agenda.upcoming).contains(&too_far));
    assert!(!ids(&agenda.today).contains(&someone_elses));
    assert_eq!(agenda.manager_id, m);
    assert_eq!(agenda.now, now);

    // Without a calendar the day is UTC's: 22:30 UTC is still today.
    let utc = crm.agenda(other, Utc.with_ymd_and_hms(2026, 11, 10, 12, 0, 0).unwrap());
    assert_eq!(ids(&utc.unwrap().today), [someone_elses]);
    assert_eq!(
        crm.agenda(ManagerId(99), now).unwrap_err().kind(),
        ErrorKind::NotFound
    );
}

#[test]
fn a_task_is_not_completed_before_it_was_made() {
    let crm = crm_core::Crm::open(":memory:").unwrap();
    let at = chrono::TimeZone::with_ymd_and_hms(&chrono::Utc, 2026, 3, 2, 9, 0, 0).unwrap();
    let task = crm
        .add_task(
            crm_core::NewTask {
                kind: "call_back".into(),
                title: "Call back".into(),
                ..Default::default()
            },
            at,
        )
        .unwrap();
    let done = crm_core::CompleteTask {
        outcome: "called".into(),
        ..Default::default()
    };
    let err = crm
        .complete_task(task.id, done.clone(), at - chrono::Duration::hours(1))
        .unwrap_err();
    assert_eq!(err.field(), Some("at"));
    assert_eq!(
        crm.complete_task(task.id, done, at).unwrap().status,
        crm_core::TaskStatus::Done
    );
}
