//! Telephony through the public API: call events from a PBX become activities, leads and call-back
//! tasks once each, in any order; the call report counts answers, misses and call-backs by line and
//! hour.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use chrono::{DateTime, TimeDelta, Utc};
use common::{at, expect_err, mem};
use crm_core::calendar::CalendarSpec;
use crm_core::*;

/// Monday to Friday 09:00-18:00 in Kyiv (UTC+2 in November).
fn kyiv() -> CalendarSpec {
    CalendarSpec::new("Europe/Kyiv").hours("mon-fri", &[("09:00", "18:00")])
}

/// A Kyiv wall-clock time in November 2026 (UTC+2). 27 November 2026 is a Friday.
fn kv(day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
    at(day, hour, minute) - TimeDelta::hours(2)
}

fn ev(call_id: &str, event: CallEventKind, when: DateTime<Utc>, caller: &str) -> CallEvent {
    CallEvent {
        call_id: call_id.into(),
        event,
        at: when,
        direction: Direction::In,
        caller: caller.into(),
        line: Some("+380441112233".into()),
        extension: None,
        duration_seconds: None,
        recording: None,
    }
}

/// A report row as line, hour, calls, answered, missed, in time, late, not called back.
type Row = (Option<String>, u32, u64, u64, u64, u64, u64, u64);

struct Setup {
    crm: Crm,
    olena: ManagerId,
    petro: ManagerId,
    source: SourceId,
    client: ClientId,
}

/// A store with a Kyiv calendar, two managers (Olena has extension 101, Petro 102), a line advertised
/// in a Google Ads campaign with a 1h call-back, and a client of Petro's with phone 067 123 45 67.
fn setup() -> Setup {
    let crm = mem();
    let t = at(2, 8, 0);
    crm.set_calendar(None, Some(kyiv()), t).unwrap();
    let olena = crm.add_manager(NewManager::new("Olena"), t).unwrap().id;
    let petro = crm.add_manager(NewManager::new("Petro"), t).unwrap().id;
    crm.set_phone_extension(olena, "101", t).unwrap();
    crm.set_phone_extension(petro, "102", t).unwrap();
    let source = crm
        .add_source(
            NewSource {
                name: "Google Ads".into(),
                channel: Channel::Ads,
                campaign: Some("winter".into()),
            },
            t,
        )
        .unwrap()
        .id;
    crm.set_phone_line(
        NewPhoneLine {
            line: "+380441112233".into(),
            source_id: Some(source),
            callback_within: Some("1h".into()),
        },
        t,
    )
    .unwrap();
    let mut c = NewClient::new(ClientKind::Company, "Romashka");
    c.phone = Some("067 123 45 67".into());
    c.owner_id = Some(petro);
    let client = crm.add_client(c, t).unwrap().id;
    Setup {
        crm,
        olena,
        petro,
        source,
        client,
    }
}

#[test]
fn set_up_extensions_and_lines() {
    let s = setup();
    let exts = s.crm.list_phone_extensions().unwrap();
    assert_eq!(
        exts.iter()
            .map(|e| (e.extension.as_str(), e.manager_id))
            .collect::<Vec<_>>(),
        vec![("101", s.olena), ("102", s.petro)]
    );
    // Re-setting moves the extension to the other manager.
    let moved = s
        .crm
        .set_phone_extension(s.petro, "101", at(3, 8, 0))
        .unwrap();
    assert_eq!(moved.manager_id, s.petro);
    assert_eq!(
        s.crm.list_phone_extensions().unwrap()[0].manager_id,
        s.petro
    );
    let removed = s.crm.remove_phone_extension("102", at(3, 8, 0)).unwrap();
    assert_eq!(removed.manager_id, s.petro);
    assert_eq!(s.crm.list_phone_extensions().unwrap().len(), 1);
    expect_err(
        s.crm.remove_phone_extension("102", at(3, 8, 0)),
        ErrorKind::NotFound,
        None,
    );
    let lines = s.crm.list_phone_lines().unwrap();
    assert_eq!(lines.len(), 1);
    assert_eq!(lines[0].callback_within, "1h");
    assert_eq!(lines[0].source_id, Some(s.source));
    // Defaults and bad input.
    let plain = s
        .crm
        .set_phone_line(
            NewPhoneLine {
                line: "trunk-2".into(),
                source_id: None,
                callback_within: None,
            },
            at(3, 8, 0),
        )
        .unwrap();
    assert_eq!(plain.callback_within, "1h");
    let bad = NewPhoneLine {
        line: "trunk-3".into(),
        source_id: None,
        callback_within: Some("soon".into()),
    };
    expect_err(
        s.crm.set_phone_line(bad, at(3, 8, 0)),
        ErrorKind::Validation,
        Some("callback_within"),
    );
    expect_err(
        s.crm.set_phone_extension(s.olena, "  ", at(3, 8, 0)),
        ErrorKind::Validation,
        Some("extension"),
    );
}

#[test]
fn answered_call_from_a_client_is_one_activity_by_the_extension_manager() {
    let s = setup();
    let crm = &s.crm;
    let caller = "+380671234567";
    let mut events = vec![
        ev("c1", CallEventKind::Started, kv(2, 10, 0), caller),
        ev(
            "c1",
            CallEventKind::Answered,
            kv(2, 10, 0) + TimeDelta::seconds(12),
            caller,
        ),
        ev("c1", CallEventKind::Finished, kv(2, 10, 5), caller),
    ];
    events[1].extension = Some("101".into());
    events[2].duration_seconds = Some(288);
    events[2].recording = Some("rec/c1.mp3".into());
    let mut last = None;
    for e in &events {
        last = Some(crm.record_call(e.clone()).unwrap());
    }
    let call = last.unwrap();
    assert_eq!(call.status, CallStatus::Completed);
    assert_eq!(call.client_id, Some(s.client));
    assert_eq!(call.manager_id, Some(s.olena));
    assert_eq!(call.duration_seconds, Some(288));
    let activities = crm
        .list_activities(&ActivityQuery {
            client_id: Some(s.client),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(activities.len(), 1);
    let a = &activities[0];
    assert_eq!(a.kind, ActivityKind::Call);
    assert_eq!(a.direction, Some(Direction::In));
    assert_eq!(a.manager_id, Some(s.olena));
    assert_eq!(a.duration_seconds, Some(288));
    assert_eq!(a.document_ref.as_deref(), Some("rec/c1.mp3"));
    assert_eq!(a.at, kv(2, 10, 0) + TimeDelta::seconds(12));
    assert_eq!(call.activity_id, Some(a.id));

    // Every event again: nothing changes, nothing is written.
    let seq = crm.last_seq().unwrap();
    for e in &events {
        assert_eq!(crm.record_call(e.clone()).unwrap(), call);
    }
    assert_eq!(crm.last_seq().unwrap(), seq);
    assert_eq!(crm.list_calls(&CallQuery::default()).unwrap().len(), 1);
    assert_eq!(crm.get_call(call.id).unwrap(), call);
    let kinds: Vec<String> = crm
        .history("call", call.id.0)
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    assert_eq!(kinds, ["created", "answered", "completed"]);
}

#[test]
fn missed_call_from_an_unknown_number_is_a_lead_due_in_working_time() {
    let s = setup();
    let crm = &s.crm;
    // Friday 17:30 in Kyiv, 1h to call back: 30 minutes on Friday, 30 on Monday → Monday 09:30.
    let caller = "050 765 43 21";
    crm.record_call(ev("m1", CallEventKind::Started, kv(27, 17, 29), caller))
        .unwrap();
    let call = crm
        .record_call(ev("m1", CallEventKind::Missed, kv(27, 17, 30), caller))
        .unwrap();
    assert_eq!(call.status, CallStatus::Missed);
    assert_eq!(call.callback_due, Some(kv(30, 9, 30)));
    assert_eq!(call.task_id, None);
    let lead = crm.get_lead(call.lead_id.unwrap()).unwrap();
    assert_eq!(lead.channel, Channel::Phone);
    assert_eq!(lead.source_id, Some(s.source));
    assert_eq!(lead.phone.as_deref(), Some(caller));
    assert_eq!(lead.first_response_due, Some(kv(30, 9, 30)));

    // A second missed call from the same number makes no second lead: it shares the first's call-back.
    let again = crm
        .record_call(ev(
            "m2",
            CallEventKind::Finished,
            kv(27, 17, 45),
            "+380507654321",
        ))
        .unwrap();
    assert_eq!(again.status, CallStatus::Missed);
    assert_eq!(again.lead_id, Some(lead.id));
    assert_eq!(again.linked_to, Some(call.id));
    assert_eq!(again.callback_due, Some(kv(30, 9, 30)));
    assert_eq!(crm.list_leads(&LeadQuery::default()).unwrap().len(), 1);
    assert!(crm.list_tasks(None, true).unwrap().is_empty());
}

#[test]
fn missed_call_from_a_client_is_a_call_back_task_for_its_owner() {
    let s = setup();
    let crm = &s.crm;
    let caller = "0671234567";
    let call = crm
        .record_call(ev("k1", CallEventKind::Missed, kv(2, 11, 0), caller))
        .unwrap();
    assert_eq!(call.client_id, Some(s.client));
    assert_eq!(call.lead_id, None);
    assert_eq!(call.callback_due, Some(kv(2, 12, 0)));
    assert!(crm.list_leads(&LeadQuery::default()).unwrap().is_empty());
    let tasks = crm.list_tasks(None, true).unwrap();
    assert_eq!(tasks.len(), 1);
    assert_eq!(tasks[0].kind, "call_back");
    assert_eq!(tasks[0].manager_id, Some(s.petro));
    assert_eq!(tasks[0].client_id, Some(s.client));
    assert_eq!(tasks[0].due_at, Some(kv(2, 12, 0)));
    assert_eq!(call.task_id, Some(tasks[0].id));
    // A second miss while the first waits: linked, no second task.
    let second = crm
        .record_call(ev("k2", CallEventKind::Missed, kv(2, 11, 20), caller))
        .unwrap();
    assert_eq!(second.linked_to, Some(call.id));
    assert_eq!(second.task_id, Some(tasks[0].id));
    assert_eq!(crm.list_tasks(None, false).unwrap().len(), 1);

    // Petro calls back (an outbound call): both are called back, the task is done.
    let mut out = ev("o1", CallEventKind::Started, kv(2, 11, 40), caller);
    out.direction = Direction::Out;
    out.extension = Some("102".into());
    crm.record_call(out.clone()).unwrap();
    out.event = CallEventKind::Answered;
    out.at = kv(2, 11, 41);
    crm.record_call(out.clone()).unwrap();
    out.event = CallEventKind::Finished;
    out.at = kv(2, 11, 44);
    out.duration_seconds = Some(180);
    let done = crm.record_call(out).unwrap();
    assert_eq!(done.status, CallStatus::Completed);
    assert_eq!(
        crm.get_call(call.id).unwrap().called_back_at,
        Some(kv(2, 11, 40))
    );
    assert_eq!(
        crm.get_call(second.id).unwrap().called_back_at,
        Some(kv(2, 11, 40))
    );
    let task = crm.get_task(tasks[0].id).unwrap();
    assert_eq!(task.status, TaskStatus::Done);
    let activity = crm.get_activity(done.activity_id.unwrap()).unwrap();
    assert_eq!(activity.direction, Some(Direction::Out));
    assert_eq!(activity.manager_id, Some(s.petro));
    assert_eq!(activity.client_id, Some(s.client));
}

#[test]
fn missed_call_from_an_open_lead_is_a_task_not_a_new_lead() {
    let s = setup();
    let crm = &s.crm;
    let mut new = NewLead::new(Channel::Web);
    new.phone = Some("063 111 22 33".into());
    new.owner_id = Some(s.olena);
    let lead = crm.capture_lead(new, kv(2, 9, 0)).unwrap().lead;
    let call = crm
        .record_call(ev(
            "l1",
            CallEventKind::Missed,
            kv(2, 10, 0),
            "+380631112233",
        ))
        .unwrap();
    assert_eq!(call.lead_id, Some(lead.id));
    assert_eq!(crm.list_leads(&LeadQuery::default()).unwrap().len(), 1);
    let task = crm.get_task(call.task_id.unwrap()).unwrap();
    assert_eq!(task.kind, "call_back");
    assert_eq!(task.manager_id, Some(s.olena));
    assert_eq!(task.lead_id, Some(lead.id));
    assert_eq!(task.due_at, Some(kv(2, 11, 0)));
}

#[test]
fn call_report_counts_call_backs_in_time_and_late_by_line_and_hour() {
    let s = setup();
    let crm = &s.crm;
    // 10:xx Kyiv: one answered after 20 s, one answered after 40 s, one missed and called back in time.
    let mut a = ev("r1", CallEventKind::Started, kv(2, 10, 0), "0671234567");
    crm.record_call(a.clone()).unwrap();
    a.event = CallEventKind::Answered;
    a.at = kv(2, 10, 0) + TimeDelta::seconds(20);
    crm.record_call(a).unwrap();
    let mut b = ev("r2", CallEventKind::Started, kv(2, 10, 10), "0501111111");
    crm.record_call(b.clone()).unwrap();
    b.event = CallEventKind::Answered;
    b.at = kv(2, 10, 10) + TimeDelta::seconds(40);
    crm.record_call(b).unwrap();
    crm.record_call(ev("r3", CallEventKind::Missed, kv(2, 10, 30), "0502222222"))
        .unwrap();
    let mut back = ev("r4", CallEventKind::Started, kv(2, 11, 0), "0502222222");
    back.direction = Direction::Out;
    crm.record_call(back).unwrap();
    // 14:xx Kyiv: one missed called back late (by an activity on its lead), one never called back.
    let late = crm
        .record_call(ev("r5", CallEventKind::Missed, kv(2, 14, 0), "0503333333"))
        .unwrap();
    let mut call_back = NewActivity::new(ActivityKind::Call, Some(Direction::Out));
    call_back.lead_id = late.lead_id;
    crm.log_activity(call_back, kv(2, 16, 0)).unwrap();
    crm.record_call(ev("r6", CallEventKind::Missed, kv(2, 14, 30), "0504444444"))
        .unwrap();
    // Another line without set-up, and a call outside the period.
    let mut other = ev("r7", CallEventKind::Missed, kv(2, 14, 45), "0505555555");
    other.line = None;
    crm.record_call(other).unwrap();
    crm.record_call(ev("r8", CallEventKind::Missed, kv(3, 10, 0), "0506666666"))
        .unwrap();

    let report = crm
        .call_report(&CallReportQuery {
            start: kv(2, 0, 0),
            end: kv(3, 0, 0),
            line: None,
        })
        .unwrap();
    let line = Some("+380441112233".to_string());
    let rows: Vec<Row> = report
        .rows
        .iter()
        .map(|r| {
            let f = &r.figures;
            (
                r.line.clone(),
                r.hour,
                f.calls,
                f.answered,
                f.missed,
                f.called_back_in_time,
                f.called_back_late,
                f.not_called_back,
            )
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            (line.clone(), 10, 3, 2, 1, 1, 0, 0),
            (line.clone(), 14, 2, 0, 2, 0, 1, 1),
            (None, 14, 1, 0, 1, 0, 0, 1),
        ]
    );
    assert_eq!(report.rows[0].figures.median_wait_seconds, Some(20));
    assert_eq!(report.rows[1].figures.median_wait_seconds, None);
    assert_eq!(report.total.calls, 6);
    assert_eq!(report.total.answered, 2);
    assert_eq!(report.total.missed, 4);
    assert_eq!(report.total.called_back_in_time, 1);
    assert_eq!(report.total.called_back_late, 1);
    assert_eq!(report.total.not_called_back, 2);
    assert_eq!(report.total.answer_rate, Some(2.0 / 6.0));
    // One line only.
    let only = crm
        .call_report(&CallReportQuery {
            start: kv(2, 0, 0),
            end: kv(3, 0, 0),
            line: line.clone(),
        })
        .unwrap();
    assert_eq!(only.total.calls, 5);
    expect_err(
        crm.call_report(&CallReportQuery {
            start: kv(3, 0, 0),
            end: kv(2, 0, 0),
            line: None,
        }),
        ErrorKind::Validation,
        Some("end"),
    );
}

#[test]
fn events_out_of_order_are_handled() {
    let s = setup();
    let crm = &s.crm;
    let caller = "0671234567";
    // `finished` arrives first: taken as missed (a call-back task)...
    let mut fin = ev("x1", CallEventKind::Finished, kv(2, 10, 5), caller);
    fin.duration_seconds = Some(240);
    let first = crm.record_call(fin).unwrap();
    assert_eq!(first.status, CallStatus::Missed);
    let task = first.task_id.unwrap();
    // ...then `answered` (with the extension) and `started`: completed, one activity, task cancelled.
    let mut ans = ev("x1", CallEventKind::Answered, kv(2, 10, 1), caller);
    ans.extension = Some("101".into());
    let call = crm.record_call(ans).unwrap();
    assert_eq!(call.status, CallStatus::Completed);
    assert_eq!(call.callback_due, None);
    assert_eq!(crm.get_task(task).unwrap().status, TaskStatus::Cancelled);
    let call = crm
        .record_call(ev("x1", CallEventKind::Started, kv(2, 10, 0), caller))
        .unwrap();
    assert_eq!(call.started_at, kv(2, 10, 0));
    assert_eq!(call.ended_at, Some(kv(2, 10, 5)));
    assert_eq!(call.manager_id, Some(s.olena));
    let activity = crm.get_activity(call.activity_id.unwrap()).unwrap();
    assert_eq!(activity.duration_seconds, Some(240));
    assert_eq!(activity.manager_id, Some(s.olena));
    let all = crm
        .list_activities(&ActivityQuery {
            client_id: Some(s.client),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(all.len(), 1);
    // A `missed` after the answer changes nothing but is remembered.
    let after = crm
        .record_call(ev("x1", CallEventKind::Missed, kv(2, 10, 6), caller))
        .unwrap();
    assert_eq!(after, call);
}

#[test]
fn bad_events_name_the_field() {
    let s = setup();
    let crm = &s.crm;
    let good = ev("b1", CallEventKind::Started, kv(2, 10, 0), "0671234567");
    let mut e = good.clone();
    e.call_id = " ".into();
    expect_err(crm.record_call(e), ErrorKind::Validation, Some("call_id"));
    let mut e = good.clone();
    e.caller = "12ab".into();
    expect_err(crm.record_call(e), ErrorKind::Validation, Some("caller"));
    let mut e = good.clone();
    e.duration_seconds = Some(-1);
    expect_err(
        crm.record_call(e),
        ErrorKind::Validation,
        Some("duration_seconds"),
    );
    // An unknown event in JSON is refused by the type, naming the codes.
    let json = r#"{"call_id": "b1", "event": "ringing", "at": "2026-11-02T08:00:00Z", "caller": "0671234567"}"#;
    assert!(serde_json::from_str::<CallEvent>(json).is_err());
    // An unknown extension: stored without a manager (strict mode refuses it).
    let mut e = good.clone();
    e.extension = Some("999".into());
    let call = crm.record_call(e.clone()).unwrap();
    assert_eq!(call.extension.as_deref(), Some("999"));
    assert_eq!(call.manager_id, None);
    crm.set_strict(true);
    e.call_id = "b2".into();
    expect_err(crm.record_call(e), ErrorKind::Validation, Some("extension"));
    crm.set_strict(false);
    // The same call id with another caller is a conflict.
    let mut e = good;
    e.event = CallEventKind::Answered;
    e.caller = "0501234567".into();
    expect_err(crm.record_call(e), ErrorKind::Conflict, None);
}
