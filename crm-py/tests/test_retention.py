"""Retention through Python: promises, complaints with their working-time deadlines, tasks and the agenda,
the dormancy ladder, retention rules and their report; everything that ``run_due`` does to them, on a
store and inside ``crm.transaction()``."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, List, Tuple

import crmkit
import pytest
from crmkit import Crm


def utc(month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """An instant of 2026, UTC (Monday 2 November is a working day)."""
    return datetime(2026, month, day, hour, minute, tzinfo=timezone.utc)


SETUP = utc(8, 1)
MON = utc(11, 2, 9)

DEFAULT_RULES = [
    "reactivate dormant A-client",
    "thank after first purchase",
    "call after resolved complaint",
    "birthday",
    "re-verify stale details",
]


def shop(crm: Crm) -> Tuple[crmkit.Manager, crmkit.Client]:
    """A manager and a client of theirs."""
    m = crm.add_manager(name="Olena Koval", at=SETUP)
    client = crm.add_client(name="Romashka", owner_id=m.id, at=SETUP)
    return m, client


# --- promises ---------------------------------------------------------------------------------------------


def test_a_promise_is_reminded_ahead_then_broken_once_and_a_second_run_does_nothing(crm: Crm) -> None:
    m, client = shop(crm)
    due = MON + timedelta(days=2)  # Wednesday 09:00
    p = crm.promise(client_id=client.id, manager_id=m.id, what="send the offer", due=due, at=MON)
    assert (p.status, p.manager_id, p.due_at, p.made_at, p.reminded_at) == ("open", m.id, due, MON, None)

    # The default reminder comes 24 hours ahead: not yet on Monday evening.
    assert crm.run_due(MON + timedelta(hours=10)).is_empty()

    tuesday = MON + timedelta(days=1, hours=1)
    run = crm.run_due(tuesday)
    assert run.promises_reminded == (p.id,) and run.promises_broken == ()
    (reminder,) = run.tasks
    assert (reminder.kind, reminder.promise_id, reminder.manager_id, reminder.client_id) == (
        "promise",
        p.id,
        m.id,
        client.id,
    )
    assert reminder.due_at == due and reminder.status == "open"
    assert "send the offer" in reminder.title
    assert crm.get_promise(p.id).reminded_at == tuesday
    assert crm.run_due(tuesday).is_empty(), "a second run reminds nobody twice"

    late = due + timedelta(minutes=1)
    run = crm.run_due(late)
    assert run.promises_broken == (p.id,) and run.promises_reminded == () and run.tasks == ()
    broken = crm.get_promise(p.id)
    assert (broken.status, broken.closed_at) == ("broken", late)
    assert crm.run_due(late + timedelta(hours=1)).is_empty()
    assert [e.kind for e in crm.history("promise", p.id)] == ["made", "reminded", "broken"]

    with pytest.raises(crmkit.InvalidTransitionError):
        crm.keep_promise(p.id, at=late)
    assert crm.list_promises(status="broken") == [broken]
    assert crm.list_promises(status="open") == []
    assert list(crm.iter_promises(client_id=client.id, page_size=1)) == [broken]


def test_keeping_or_cancelling_a_promise_closes_its_reminder_and_counts_in_the_manager_report(
    crm: Crm,
) -> None:
    m, client = shop(crm)
    kept = crm.promise(client_id=client.id, what="call back", due=MON + timedelta(hours=6), at=MON)
    assert kept.manager_id == m.id, "the client's owner when nobody is named"
    cancelled = crm.promise(client_id=client.id, what="visit", due=MON + timedelta(hours=6), at=MON)
    broken = crm.promise(client_id=client.id, what="discount", due=MON + timedelta(hours=6), at=MON)
    run = crm.run_due(MON + timedelta(hours=1))
    assert run.promises_reminded == (kept.id, cancelled.id, broken.id)
    reminders = {t.promise_id: t for t in run.tasks}

    done = crm.keep_promise(kept.id, note="sent by e-mail", at=MON + timedelta(hours=2))
    assert (done.status, done.note, done.closed_at) == ("kept", "sent by e-mail", MON + timedelta(hours=2))
    assert crm.keep_promise(kept.id, at=MON + timedelta(hours=3)) == done, "keeping again changes nothing"
    assert crm.get_task(reminders[kept.id].id).status == "done"

    with pytest.raises(crmkit.ValidationError) as no_reason:
        crm.cancel_promise(cancelled.id, reason=" ", at=MON + timedelta(hours=2))
    assert no_reason.value.field == "reason"
    gone = crm.cancel_promise(cancelled.id, reason="client postponed", at=MON + timedelta(hours=2))
    assert (gone.status, gone.note) == ("cancelled", "client postponed")
    assert crm.get_task(reminders[cancelled.id].id).status == "cancelled"
    with pytest.raises(crmkit.InvalidTransitionError):
        crm.cancel_promise(kept.id, reason="too late", at=MON + timedelta(hours=3))

    assert crm.run_due(MON + timedelta(hours=7)).promises_broken == (broken.id,)
    (row,) = crm.manager_report(date(2026, 11, 1), date(2026, 11, 30))
    assert row.promises_kept == 0.5, "kept / (kept + broken); the cancelled one counts neither way"


def test_promise_arguments_are_checked_and_errors_name_the_keyword(crm: Crm) -> None:
    m, client = shop(crm)
    other = crm.add_client(name="Other", at=SETUP)
    call = crm.log_activity(kind="call", direction="out", client_id=other.id, manager_id=m.id, at=MON)

    with pytest.raises(crmkit.ValidationError) as early:
        crm.promise(client_id=client.id, what="x", due=MON - timedelta(minutes=1), at=MON)
    assert early.value.field == "due"
    with pytest.raises(crmkit.ValidationError) as empty:
        crm.promise(client_id=client.id, what="  ", due=MON, at=MON)
    assert empty.value.field == "what"
    with pytest.raises(crmkit.ValidationError) as foreign:
        crm.promise(client_id=client.id, what="x", due=MON, activity_id=call.id, at=MON)
    assert foreign.value.field == "activity_id"
    crm.set_manager_active(m.id, active=False, at=SETUP)
    with pytest.raises(crmkit.ValidationError) as inactive:
        crm.promise(client_id=client.id, manager_id=m.id, what="x", due=MON, at=MON)
    assert inactive.value.field == "manager_id"
    with pytest.raises(crmkit.NotFoundError):
        crm.promise(client_id=999, what="x", due=MON, at=MON)
    with pytest.raises(crmkit.NotFoundError):
        crm.get_promise(1)
    with pytest.raises(TypeError, match="^due: "):
        crm.promise(client_id=client.id, what="x", due=date(2026, 11, 3), at=MON)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="^promise_id: "):
        crm.keep_promise("1")  # type: ignore[arg-type]
    assert crm.list_promises() == []

    assert crm.set_promise_settings(remind_before=timedelta(hours=2), at=SETUP).remind_before == "2h"
    assert crm.set_promise_settings(remind_before="1h30m", at=SETUP) == crm.promise_settings()
    assert crm.promise_settings().remind_before == "1h30m"
    at_due = crm.set_promise_settings(remind_before=timedelta(0), at=SETUP).remind_before
    p = crm.promise(client_id=client.id, what="x", due=MON + timedelta(hours=1), at=MON)
    assert crm.run_due(MON + timedelta(minutes=59)).is_empty(), f"no reminder ahead with {at_due!r}"
    assert crm.run_due(MON + timedelta(hours=1)).promises_reminded == (p.id,), "one when it falls due"
    with pytest.raises(crmkit.ValidationError) as soon:
        crm.set_promise_settings(remind_before="soon", at=SETUP)
    assert soon.value.field == "remind_before"


# --- complaints -------------------------------------------------------------------------------------------

KYIV_WEEK = {"mon-fri": ("09:00", "18:00")}  # Kyiv is UTC+2 in November: 07:00-16:00 UTC


def test_a_complaint_lives_its_life_in_working_time_and_a_pause_moves_its_deadline(crm: Crm) -> None:
    m, client = shop(crm)
    crm.set_calendar(timezone="Europe/Kyiv", working_hours=KYIV_WEEK, at=SETUP)
    order = crm.record_order(client_id=client.id, total=Decimal("245.90"), at=utc(10, 30, 12))
    opened = utc(11, 2, 8)  # Monday 10:00 in Kyiv
    k = crm.open_complaint(
        client_id=client.id,
        subject="late delivery",
        priority="high",
        order_id=order.id,
        body="the chairs came a week late",
        at=opened,
    )
    assert (k.status, k.priority, k.owner_id, k.order_id) == ("open", "high", m.id, order.id)
    # High: 2 working hours to answer, 16 to resolve (Monday 10-18 and Tuesday 9-17 in Kyiv).
    assert k.response_due == utc(11, 2, 10)
    assert k.resolution_due == utc(11, 3, 15)

    taken = crm.take_complaint(k.id, at=utc(11, 2, 9))
    assert (taken.status, taken.responded_at) == ("in_progress", utc(11, 2, 9))
    waiting = crm.wait_for_client(k.id, at=utc(11, 2, 12))  # Monday 14:00 in Kyiv
    assert waiting.paused_at == utc(11, 2, 12) and waiting.status == "in_progress"
    with pytest.raises(crmkit.InvalidTransitionError):
        crm.wait_for_client(k.id, at=utc(11, 2, 13))
    # Resumed Tuesday 10:00 in Kyiv: 4 + 1 working hours paused, so the deadline moves 5 working hours on,
    # from Tuesday 17:00 to Wednesday 13:00 in Kyiv.
    resumed = crm.resume_complaint(k.id, at=utc(11, 3, 8))
    assert (resumed.paused_at, resumed.paused_secs) == (None, 5 * 3600)
    assert resumed.resolution_due == utc(11, 4, 11)
    run = crm.run_due(utc(11, 3, 20))
    assert run.complaints_breached == () and run.tasks == (), "the old deadline has passed, the moved one not"

    with pytest.raises(crmkit.ValidationError) as no_resolution:
        crm.resolve_complaint(k.id, resolution="", at=utc(11, 4, 10))
    assert no_resolution.value.field == "resolution"
    resolved = crm.resolve_complaint(k.id, resolution="10% off the next order", at=utc(11, 4, 10))
    # Monday 8h + Tuesday 9h + Wednesday 3h of work, less the 5h paused.
    assert (resolved.status, resolved.resolve_secs) == ("resolved", 15 * 3600)
    assert crm.segment("days_since_complaint_resolved = 0", as_of=utc(11, 4, 12)) == [client.id]
    assert crm.segment("open_complaints = 0", as_of=utc(11, 4, 12)) == [client.id]
    closed = crm.close_complaint(k.id, at=utc(11, 4, 11))
    assert (closed.status, closed.closed_at) == ("closed", utc(11, 4, 11))
    with pytest.raises(crmkit.InvalidTransitionError):
        crm.reopen_complaint(k.id, at=utc(11, 4, 12))
    assert [e.kind for e in crm.history("complaint", k.id)] == [
        "opened",
        "taken",
        "waiting",
        "resumed",
        "resolved",
        "closed",
    ]

    report = crm.complaint_report(date(2026, 11, 1), date(2026, 11, 30))
    assert report.total == crmkit.ComplaintFigures(
        opened=1,
        responded_within_sla=1,
        resolved=1,
        resolved_within_sla=1,
        resolved_within_sla_share=1.0,
        rejected=0,
        median_resolve_secs=15 * 3600,
        p90_resolve_secs=15 * 3600,
    )
    assert [row.priority for row in report.by_priority] == ["low", "normal", "high", "critical"]
    assert report.priority("high") == report.total and report.priority("low").opened == 0
    assert [(row.owner_id, row.figures.opened) for row in report.by_owner] == [(m.id, 1)]


def test_a_missed_deadline_is_escalated_by_a_task_once(crm: Crm) -> None:
    _m, client = shop(crm)
    boss = crm.add_manager(name="Boss", at=SETUP)
    sla = crm.set_complaint_sla(critical=("30m", "4h"), escalate_to=boss.id, at=SETUP)
    assert sla.critical == crmkit.ComplaintTargets(first_response="30m", resolution="4h")
    assert sla.normal == crm.complaint_sla().normal == crmkit.ComplaintTargets("4h", "24h"), "a default"
    assert sla.escalate_to == boss.id and sla.targets("critical") == sla.critical

    k = crm.open_complaint(client_id=client.id, subject="broken chair", priority="critical", at=MON)
    assert k.response_due == MON + timedelta(minutes=30), "round the clock without a calendar"
    assert crm.run_due(MON + timedelta(minutes=29)).is_empty()
    run = crm.run_due(MON + timedelta(minutes=31))
    assert run.complaints_breached == (
        crmkit.ComplaintBreach(
            complaint_id=k.id,
            milestone="first_response",
            due=MON + timedelta(minutes=30),
            escalated_to=boss.id,
        ),
    )
    (task,) = run.tasks
    assert (task.kind, task.complaint_id, task.manager_id, task.client_id) == (
        "complaint_escalation",
        k.id,
        boss.id,
        client.id,
    )
    assert crm.get_complaint(k.id).response_breached_at == MON + timedelta(minutes=30)
    assert crm.run_due(MON + timedelta(hours=1)).is_empty()

    run = crm.run_due(MON + timedelta(hours=5))
    assert [(b.milestone, b.due) for b in run.complaints_breached] == [
        ("resolution", MON + timedelta(hours=4))
    ]
    assert crm.get_complaint(k.id).resolution_breached_at == MON + timedelta(hours=4)
    assert [t.complaint_id for t in crm.agenda(boss.id, MON + timedelta(hours=5))] == [k.id, k.id]

    rejected = crm.reject_complaint(k.id, reason="not our chair", at=MON + timedelta(hours=6))
    assert (rejected.status, rejected.rejection) == ("rejected", "not our chair")
    assert crm.list_complaints(client_id=client.id, status="rejected") == [rejected]


def test_complaint_arguments_are_checked_and_errors_name_the_keyword(crm: Crm) -> None:
    m, client = shop(crm)
    other = crm.add_client(name="Other", at=SETUP)
    order = crm.record_order(client_id=other.id, total=10, at=SETUP)
    with pytest.raises(crmkit.ValidationError) as foreign:
        crm.open_complaint(client_id=client.id, subject="x", order_id=order.id, at=MON)
    assert foreign.value.field == "order_id"
    with pytest.raises(crmkit.ValidationError) as priority:
        crm.open_complaint(client_id=client.id, subject="x", priority="urgent", at=MON)  # type: ignore[arg-type]
    assert priority.value.field == "priority"
    with pytest.raises(crmkit.ValidationError) as subject:
        crm.open_complaint(client_id=client.id, subject="", at=MON)
    assert subject.value.field == "subject"
    with pytest.raises(crmkit.ValidationError) as targets:
        crm.set_complaint_sla(high=("4h", "2h"), at=SETUP)
    assert targets.value.field == "high.resolution"
    with pytest.raises(crmkit.ValidationError) as days:
        crm.set_complaint_sla(low={"first_response": "1d", "resolution": "40h"}, at=SETUP)
    assert days.value.field == "low.first_response"

    k = crm.open_complaint(client_id=client.id, subject="rude driver", at=MON)
    assert k.priority == "normal"
    assert crm.segment("open_complaints >= 1", as_of=MON) == [client.id]
    assert list(crm.iter_complaints(owner_id=m.id, page_size=1)) == [k]
    with pytest.raises(crmkit.NotFoundError):
        crm.assign_complaint(k.id, 999, at=MON)
    helper = crm.add_manager(name="Helper", at=SETUP)
    crm.set_manager_active(helper.id, active=False, at=SETUP)
    with pytest.raises(crmkit.ValidationError) as inactive:
        crm.assign_complaint(k.id, helper.id, at=MON)
    assert inactive.value.field == "manager_id"
    crm.set_manager_active(helper.id, active=True, at=SETUP)
    assert crm.assign_complaint(k.id, helper.id, at=MON).owner_id == helper.id
    with pytest.raises(crmkit.InvalidTransitionError):
        crm.close_complaint(k.id, at=MON)
    with pytest.raises(crmkit.ValidationError) as before:
        crm.take_complaint(k.id, at=MON - timedelta(hours=1))
    assert before.value.field == "at"
    resolved = crm.resolve_complaint(k.id, resolution="apologised", at=MON + timedelta(hours=1))
    reopened = crm.reopen_complaint(k.id, at=MON + timedelta(hours=2))
    assert (reopened.status, reopened.resolution, reopened.resolved_at) == ("in_progress", None, None)
    assert reopened.resolution_due == resolved.resolution_due + timedelta(hours=1), "the hour it sat resolved"
    with pytest.raises(TypeError, match="^complaint_id: "):
        crm.take_complaint(None, at=MON)  # type: ignore[arg-type]


# --- tasks and the agenda -----------------------------------------------------------------------------------


def test_a_completed_task_records_its_outcome_as_an_activity(crm: Crm) -> None:
    m, client = shop(crm)
    task = crm.add_task(
        kind="call_back",
        title="Call about the offer",
        manager_id=m.id,
        client_id=client.id,
        due=MON,
        at=SETUP,
    )
    assert (task.status, task.due_at, task.outcome, task.activity_id) == ("open", MON, None, None)

    with pytest.raises(crmkit.ValidationError) as no_outcome:
        crm.complete_task(task.id, outcome="", at=MON)
    assert no_outcome.value.field == "outcome"
    done = crm.complete_task(task.id, outcome="reached, will order next week", note="wants 50 chairs", at=MON)
    assert (done.status, done.closed_at, done.outcome) == ("done", MON, "reached, will order next week")
    assert done.activity_id is not None and crm.get_task(task.id) == done
    activity = crm.get_activity(done.activity_id)
    assert (activity.kind, activity.direction, activity.client_id, activity.manager_id) == (
        "call",
        "out",
        client.id,
        m.id,
    )
    assert (activity.subject, activity.outcome, activity.body) == (
        "Call about the offer",
        "reached, will order next week",
        "wants 50 chairs",
    )
    with pytest.raises(crmkit.InvalidTransitionError):
        crm.complete_task(task.id, outcome="again", at=MON)

    visit = crm.add_task(kind="visit", title="Visit", manager_id=m.id, client_id=client.id, at=SETUP)
    as_email = crm.complete_task(visit.id, outcome="sent photos", activity_kind="email", at=MON)
    assert crm.get_activity(as_email.activity_id or 0).kind == "email"
    loose = crm.add_task(kind="tidy_up", title="Tidy the base", manager_id=m.id, at=SETUP)
    assert crm.complete_task(loose.id, outcome="done", at=MON).activity_id is None, "linked to nothing"

    with pytest.raises(crmkit.ValidationError) as kind:
        crm.add_task(kind="Call Back", title="x", at=SETUP)
    assert kind.value.field == "kind"
    with pytest.raises(crmkit.NotFoundError):
        crm.add_task(kind="call", title="x", manager_id=999, at=SETUP)


def test_the_agenda_puts_the_most_urgent_first(crm: Crm) -> None:
    m, client = shop(crm)
    other = crm.add_manager(name="Other", at=SETUP)

    def task(title: str, due: Any, manager: int = m.id) -> crmkit.Task:
        return crm.add_task(
            kind="call", title=title, manager_id=manager, client_id=client.id, due=due, at=SETUP
        )

    late = task("late", MON - timedelta(hours=1))
    later = task("later", MON - timedelta(days=2))
    afternoon = task("afternoon", MON + timedelta(hours=5))
    noon = task("noon", MON + timedelta(hours=3))
    thursday = task("thursday", MON + timedelta(days=3))
    undated = task("undated", None)
    task("next month", MON + timedelta(days=30))
    task("someone else's", MON, manager=other.id)
    closed = task("closed", MON - timedelta(hours=2))
    crm.close_task(closed.id, at=SETUP)

    agenda = crm.agenda(m.id, MON)
    assert (agenda.manager_id, agenda.now) == (m.id, MON)
    assert [t.title for t in agenda.overdue] == ["later", "late"]
    assert [t.id for t in agenda.today] == [noon.id, afternoon.id]
    assert agenda.upcoming == (thursday,) and agenda.undated == (undated,)
    assert [t.id for t in agenda] == [later.id, late.id, noon.id, afternoon.id, thursday.id, undated.id]
    assert len(agenda) == 6

    moved = crm.reschedule_task(undated.id, due=MON + timedelta(days=1), at=MON)
    assert moved.due_at == MON + timedelta(days=1)
    assert crm.agenda(m.id, MON).upcoming == (moved, thursday)
    assert crm.reschedule_task(late.id, due=None, at=MON).due_at is None
    assert [t.id for t in crm.agenda(m.id, MON).undated] == [late.id]
    with pytest.raises(crmkit.NotFoundError):
        crm.agenda(999, MON)


def test_today_on_the_agenda_is_the_managers_calendar_day(crm: Crm) -> None:
    m, _client = shop(crm)
    crm.set_calendar(timezone="Europe/Kyiv", working_hours=KYIV_WEEK, at=SETUP)
    evening = utc(11, 2, 21, 30)  # Monday 23:30 in Kyiv
    before_midnight = crm.add_task(kind="call", title="a", manager_id=m.id, due=utc(11, 2, 21, 45), at=SETUP)
    after_midnight = crm.add_task(kind="call", title="b", manager_id=m.id, due=utc(11, 2, 22, 30), at=SETUP)
    agenda = crm.agenda(m.id, evening)
    assert (agenda.today, agenda.upcoming) == ((before_midnight,), (after_midnight,))
    assert crm.agenda(m.id, evening.replace(tzinfo=None)) == agenda, "a naive now is UTC"


# --- dormancy -----------------------------------------------------------------------------------------------


def test_a_client_buying_every_ten_days_then_silent_cools_then_goes_dormant(crm: Crm) -> None:
    m, client = shop(crm)
    once = crm.add_client(name="One-off", owner_id=m.id, at=SETUP)
    for day in (
        date(2026, 9, 1),
        date(2026, 9, 11),
        date(2026, 9, 21),
        date(2026, 10, 1),
        date(2026, 10, 11),
    ):
        crm.record_order(
            client_id=client.id, total=100, at=datetime(day.year, day.month, day.day, 12, tzinfo=timezone.utc)
        )
    crm.record_order(client_id=once.id, total=5, at=utc(10, 11, 12))

    before = crm.dormancy_report(as_of=utc(10, 12))
    assert [(row.client_id, row.state) for row in before] == [(client.id, "active"), (once.id, "active")]
    assert crm.dormancy_counts().active == 0, "nothing is stored before run_due"
    run = crm.run_due(utc(10, 12))
    assert run.dormancy == (
        crmkit.DormancyChange(client_id=client.id, from_state=None, to_state="active"),
        crmkit.DormancyChange(client_id=once.id, from_state=None, to_state="active"),
    )
    assert crm.dormancy_counts() == crmkit.DormancyCounts(active=2, cooling=0, dormant=0, lost=0)

    # Cooling after 1.5 gaps (15 days after 11 October), dormant after 3 (30 days).
    assert crm.run_due(utc(10, 25)).dormancy == ()
    assert [(c.client_id, c.from_state, c.to_state) for c in crm.run_due(utc(10, 27)).dormancy] == [
        (client.id, "active", "cooling")
    ]
    assert crm.segment("dormancy = 'cooling'", as_of=utc(10, 27)) == [client.id]
    dormant_day = utc(11, 11)
    run = crm.run_due(dormant_day)
    assert [(c.client_id, c.from_state, c.to_state) for c in run.dormancy] == [
        (client.id, "cooling", "dormant")
    ]
    assert crm.run_due(dormant_day).dormancy == (), "a second run moves nobody"
    assert crm.dormancy_counts() == crmkit.DormancyCounts(active=1, cooling=0, dormant=1, lost=0)
    assert crm.segment("dormancy = 'dormant'", as_of=dormant_day) == [client.id]
    assert crm.segment("dormancy = 'active'", as_of=dormant_day) == [once.id]

    rhythm = crm.client_rhythm(client.id, as_of=dormant_day)
    assert len(rhythm.purchase_days) == 5 and rhythm.last_purchase == date(2026, 10, 11)
    assert (rhythm.expected_gap_days, rhythm.days_since_last) == (10.0, 31)
    assert (rhythm.state, rhythm.stored_state, rhythm.next_state) == ("dormant", "dormant", "lost")
    assert rhythm.next_at is not None and rhythm.next_at.date() == date(2026, 12, 10)
    flat = crm.client_rhythm(once.id, as_of=dormant_day)
    assert (flat.expected_gap_days, flat.state, flat.next_state) == (None, "active", "cooling")

    report = crm.dormancy_report(as_of=dormant_day)
    assert report.counts == crm.dormancy_counts()
    assert [(row.client_id, row.state, row.days_since_last) for row in report] == [
        (client.id, "dormant", 31),
        (once.id, "active", 31),
    ]
    assert report[0].expected_gap_days == 10.0 and report[0].p_alive is None
    with_p_alive = crm.dormancy_report(as_of=dormant_day, with_p_alive=True)
    assert [row.state for row in with_p_alive] == ["dormant", "active"]
    assert all(row.p_alive is None or 0 <= row.p_alive <= 1 for row in with_p_alive)

    # A purchase brings the client back to the top.
    crm.record_order(client_id=client.id, total=100, at=utc(11, 12, 10))
    run = crm.run_due(utc(11, 12, 11))
    assert [(c.client_id, c.from_state, c.to_state) for c in run.dormancy] == [
        (client.id, "dormant", "active")
    ]


def test_dormancy_settings_take_their_defaults_when_left_out_and_are_checked(crm: Crm) -> None:
    defaults = crm.dormancy_settings()
    assert defaults == crmkit.DormancySettings(
        min_gap_days=7,
        cooling_after=1.5,
        dormant_after=3.0,
        lost_after=6.0,
        single_cooling_days=60,
        single_dormant_days=120,
        single_lost_days=365,
    )
    changed = crm.set_dormancy_settings(cooling_after=2, single_cooling_days=45, at=SETUP)
    assert dataclasses.replace(defaults, cooling_after=2.0, single_cooling_days=45) == changed
    assert crm.dormancy_settings() == changed
    assert crm.set_dormancy_settings(at=SETUP) == defaults, "every setting left out is its default"
    with pytest.raises(crmkit.ValidationError) as order:
        crm.set_dormancy_settings(cooling_after=4, at=SETUP)
    assert order.value.field in ("cooling_after", "dormant_after")
    with pytest.raises(crmkit.ValidationError) as nan:
        crm.set_dormancy_settings(lost_after=float("nan"), at=SETUP)
    assert nan.value.field == "lost_after"
    with pytest.raises(TypeError, match="^min_gap_days: "):
        crm.set_dormancy_settings(min_gap_days=7.5, at=SETUP)  # type: ignore[arg-type]
    assert crm.dormancy_settings() == defaults


# --- retention rules ----------------------------------------------------------------------------------------


def test_every_store_starts_with_the_default_rules(crm: Crm) -> None:
    rules = crm.retention_rules()
    assert [r.name for r in rules] == DEFAULT_RULES
    assert all(r.active and isinstance(r.action, crmkit.TaskAction) for r in rules)
    first = crm.get_retention_rule("reactivate dormant A-client")
    assert first == rules[0]
    assert first.condition == "dormancy = 'dormant' and abc = 'A'"
    assert isinstance(first.action, crmkit.TaskAction)
    assert (first.action.task_kind, first.action.due_in, first.action.to) == ("reactivate", "2d", "owner")
    assert first.to_dict()["action"]["kind"] == "task"
    assert [r.daily_limit for r in rules] == [None, None, None, None, 10]
    with pytest.raises(crmkit.NotFoundError):
        crm.get_retention_rule("no such rule")


def test_a_rule_fires_once_per_client_and_respects_its_cool_down(crm: Crm) -> None:
    m, client = shop(crm)
    crm.update_client(client.id, tags=["vip"], at=SETUP)
    crm.add_client(name="Plain", owner_id=m.id, at=SETUP)
    rule = crm.add_retention_rule(
        name="call the vips",
        condition="HAS TAG 'vip'",
        action=crmkit.TaskAction(task_kind="call", title="Call {client} ({owner})", due_in="2d"),
        cooldown_days=30,
        at=SETUP,
    )
    assert rule.condition == "has tag 'vip'" and rule.active and rule.cooldown_days == 30
    assert crm.retention_rules()[-1] == rule

    run = crm.run_due(MON)
    assert run.fired == (
        crmkit.RuleFire(rule_id=rule.id, rule="call the vips", client_id=client.id, task_id=run.tasks[0].id),
    )
    (task,) = run.tasks
    assert (task.kind, task.title, task.manager_id, task.client_id, task.rule_id) == (
        "call",
        "Call Romashka (Olena Koval)",
        m.id,
        client.id,
        rule.id,
    )
    assert task.due_at == MON + timedelta(days=2)
    assert crm.run_due(MON).is_empty(), "twice at the same time"
    assert crm.run_due(MON + timedelta(days=29)).is_empty(), "within the cool-down"
    again = crm.run_due(MON + timedelta(days=31))
    assert [f.client_id for f in again.fired] == [client.id]

    crm.set_retention_rule_active("call the vips", active=False, at=MON)
    assert crm.run_due(MON + timedelta(days=70)).is_empty()
    removed = crm.remove_retention_rule("call the vips", at=MON + timedelta(days=70))
    assert removed.name == "call the vips" and not removed.active
    with pytest.raises(crmkit.NotFoundError):
        crm.get_retention_rule("call the vips")
    assert [e.kind for e in crm.history("retention_rule", rule.id)] == [
        "created",
        "active_changed",
        "removed",
    ]


def test_a_daily_limit_spreads_a_rules_work_over_the_days(crm: Crm) -> None:
    m, first = shop(crm)
    others = [crm.add_client(name=f"Client {i}", owner_id=m.id, at=SETUP) for i in range(2)]
    for c in (first, *others):
        crm.update_client(c.id, tags=["vip"], at=SETUP)
    rule = crm.add_retention_rule(
        name="call the vips",
        condition="has tag 'vip'",
        action=crmkit.TaskAction(task_kind="call", title="Call {client}", due_in="1d"),
        cooldown_days=30,
        daily_limit=2,
        at=SETUP,
    )
    assert rule.daily_limit == 2
    assert [f.client_id for f in crm.run_due(MON).fired] == [first.id, others[0].id], "lowest ids first"
    assert crm.run_due(MON + timedelta(hours=1)).is_empty(), "the owner's share for today is done"
    assert [f.client_id for f in crm.run_due(MON + timedelta(days=1)).fired] == [others[1].id]
    with pytest.raises(crmkit.ValidationError) as zero:
        crm.add_retention_rule(
            name="call the vips",
            condition="has tag 'vip'",
            action=rule.action,
            cooldown_days=30,
            daily_limit=0,
        )
    assert zero.value.field == "daily_limit"
    assert crm.get_retention_rule("call the vips") == rule


def test_a_rule_is_replaced_by_name_and_adding_it_again_changes_nothing(crm: Crm) -> None:
    _m, client = shop(crm)
    crm.update_client(client.id, tags=["vip"], at=SETUP)
    tag = crm.add_retention_rule(
        name="mark vips",
        condition="has tag 'vip'",
        action={"kind": "tag", "tag": "cared"},
        cooldown_days=1,
        at=SETUP,
    )
    assert tag.action == crmkit.TagAction(tag="cared")
    assert (
        crm.add_retention_rule(
            name="mark vips",
            condition="has tag 'vip'",
            action=crmkit.TagAction("cared"),
            cooldown_days=1,
            at=MON,
        )
        == tag
    )
    mailing = crm.add_retention_rule(
        name="mark vips",
        condition="has tag 'vip'",
        action=crmkit.MailingAction(segment="vip mailing"),
        cooldown_days=1,
        at=MON,
    )
    assert (mailing.id, mailing.created_at, mailing.updated_at) == (tag.id, SETUP, MON)
    assert crm.get_segment("vip mailing").expression == "has tag 'vip mailing'"
    run = crm.run_due(MON)
    assert [(f.rule, f.client_id, f.task_id) for f in run.fired] == [("mark vips", client.id, None)]
    assert "vip mailing" in crm.get_client(client.id).tags
    assert crm.segment("vip mailing", as_of=MON) == [client.id]

    other = crm.add_manager(name="Taras", at=SETUP)
    moved = crm.add_retention_rule(
        name="give vips to Taras",
        condition="has tag 'vip'",
        action=crmkit.ReassignAction(manager=other.id),
        cooldown_days=365,
        active=False,
        at=MON,
    )
    assert moved.action == crmkit.ReassignAction(manager=other.id) and not moved.active
    assert crm.set_retention_rule_active("give vips to Taras", active=True, at=MON).active


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"condition": "orders >"}, "condition"),
        ({"condition": "colour = 'red'"}, "condition"),
        ({"cooldown_days": 0}, "cooldown_days"),
        ({"action": crmkit.TaskAction(task_kind="call", title="Call {nobody}", due_in="2d")}, "action.title"),
        ({"action": crmkit.TaskAction(task_kind="call", title="Call", due_in="soon")}, "action.due_in"),
        ({"action": crmkit.TaskAction(task_kind="Call!", title="Call", due_in="1d")}, "action.task_kind"),
        ({"action": crmkit.TaskAction(task_kind="call", title="Call", due_in="1d", to=999)}, "action.to"),
        ({"action": {"kind": "tag", "tag": ""}}, "action.tag"),
        ({"action": {"kind": "sms", "text": "hi"}}, "action.kind"),
        ({"name": ""}, "name"),
    ],
)
def test_a_rule_that_does_not_check_is_refused_naming_the_field(crm: Crm, changes: Any, field: str) -> None:
    args: Any = {
        "name": "r",
        "condition": "orders > 1",
        "action": {"kind": "tag", "tag": "x"},
        "cooldown_days": 7,
        "at": SETUP,
    }
    args.update(changes)
    with pytest.raises(crmkit.ValidationError) as caught:
        crm.add_retention_rule(**args)
    assert caught.value.field == field, caught.value
    assert [r.name for r in crm.retention_rules()] == DEFAULT_RULES


def test_a_due_in_given_as_a_timedelta_is_calendar_time(crm: Crm) -> None:
    rule = crm.add_retention_rule(
        name="soon",
        condition="has tag 'x'",
        action={"kind": "task", "task_kind": "call", "title": "Call", "due_in": timedelta(days=1, hours=12)},
        cooldown_days=7,
        at=SETUP,
    )
    assert isinstance(rule.action, crmkit.TaskAction) and rule.action.due_in == "1d12h"
    with pytest.raises(TypeError, match="^action: "):
        crm.add_retention_rule(name="r", condition="orders > 1", action="tag", cooldown_days=1)  # type: ignore[arg-type]


def test_the_default_rule_calls_back_a_dormant_a_client(crm: Crm) -> None:
    m, client = shop(crm)
    for day in (1, 11, 21):
        crm.record_order(client_id=client.id, total=100, at=utc(9, day, 12))
    # Four one-off buyers make the client's 30 % of the revenue an A (the inclusive rule: under 80 %).
    for i in range(4):
        small = crm.add_client(name=f"Small {i}", owner_id=m.id, at=SETUP)
        crm.record_order(client_id=small.id, total=175, at=utc(9, 1, 12))
    run = crm.run_due(utc(10, 30))
    assert [(c.client_id, c.to_state) for c in run.dormancy if c.to_state != "active"] == [
        (client.id, "dormant")
    ]
    reactivated = [f for f in run.fired if f.rule == "reactivate dormant A-client"]
    assert [f.client_id for f in reactivated] == [client.id]
    assert crm.run_due(utc(10, 31)).fired == (), "once, then the cool-down"
    (task,) = [t for t in run.tasks if t.rule_id is not None]
    assert (task.kind, task.manager_id) == ("reactivate", m.id) and "Romashka" in task.title
    assert task in crm.agenda(m.id, utc(10, 30)).upcoming


# --- the retention report -----------------------------------------------------------------------------------


def test_the_retention_report_counts_tasks_done_and_orders_that_followed(crm: Crm) -> None:
    m, client = shop(crm)
    quiet = crm.add_client(name="Quiet", owner_id=m.id, at=SETUP)
    for c in (client, quiet):
        crm.update_client(c.id, tags=["vip"], at=SETUP)
    rule = crm.add_retention_rule(
        name="call the vips",
        condition="has tag 'vip'",
        action=crmkit.TaskAction(task_kind="call", title="Call {client}", due_in="1d"),
        cooldown_days=30,
        at=SETUP,
    )
    run = crm.run_due(MON)
    tasks = {t.client_id: t for t in run.tasks}
    crm.complete_task(tasks[client.id].id, outcome="will order", at=MON + timedelta(hours=2))
    crm.record_order(client_id=client.id, total=500, at=MON + timedelta(days=5))
    crm.record_order(client_id=quiet.id, total=500, at=MON + timedelta(days=45))

    # A complaint resolved in time, its client buying again; another resolved late (``run_due`` marked
    # the missed deadlines), its client not within 30 days.
    k = crm.open_complaint(client_id=client.id, subject="scratch", at=MON)
    crm.resolve_complaint(k.id, resolution="replaced", at=MON + timedelta(hours=1))
    late = crm.open_complaint(client_id=quiet.id, subject="missing part", priority="critical", at=MON)
    assert len(crm.run_due(MON + timedelta(hours=10)).complaints_breached) == 2
    crm.resolve_complaint(late.id, resolution="sent", at=MON + timedelta(hours=30))

    report = crm.retention_report(date(2026, 11, 1), date(2026, 11, 30))
    assert (report.start, report.end, report.window_days) == (date(2026, 11, 1), date(2026, 11, 30), 30)
    assert report.rule("call the vips") == crmkit.RuleOutcome(
        rule_id=rule.id, rule="call the vips", tasks=2, done=1, ordered=1, rate=0.5
    )
    assert report.managers == (crmkit.ManagerOutcome(manager_id=m.id, tasks=2, done=1, ordered=1, rate=0.5),)
    assert report.total == crmkit.TaskOutcome(tasks=2, done=1, ordered=1, rate=0.5)
    assert report.complaints_within_sla == crmkit.RepeatOutcome(clients=1, ordered=1, rate=1.0)
    assert report.complaints_breached == crmkit.RepeatOutcome(clients=1, ordered=0, rate=0.0)
    wide = crm.retention_report(date(2026, 11, 1), date(2026, 11, 30), window_days=60)
    assert wide.total.ordered == 2 and wide.complaints_breached.ordered == 1

    with pytest.raises(crmkit.ValidationError) as backwards:
        crm.retention_report(date(2026, 11, 30), date(2026, 11, 1))
    assert backwards.value.field == "end"
    with pytest.raises(crmkit.ValidationError) as window:
        crm.retention_report(date(2026, 11, 1), date(2026, 11, 30), window_days=0)
    assert window.value.field == "window_days"


# --- in a transaction ---------------------------------------------------------------------------------------


def test_everything_runs_inside_a_transaction_and_rolls_back_with_it(crm: Crm) -> None:
    m, client = shop(crm)

    def work(tx: crmkit.Transaction) -> List[Any]:
        p = tx.promise(client_id=client.id, what="send the offer", due=MON + timedelta(hours=2), at=MON)
        k = tx.open_complaint(client_id=client.id, subject="late", priority="critical", at=MON)
        task = tx.add_task(
            kind="call_back", title="Call", manager_id=m.id, client_id=client.id, due=MON, at=MON
        )
        done = tx.complete_task(task.id, outcome="reached", at=MON)
        later = tx.add_task(kind="visit", title="Visit", manager_id=m.id, client_id=client.id, at=MON)
        assert tx.reschedule_task(later.id, due=MON + timedelta(days=1), at=MON).due_at == MON + timedelta(
            days=1
        )
        withdrawn = tx.promise(client_id=client.id, what="a visit", due=MON + timedelta(days=9), at=MON)
        assert tx.cancel_promise(withdrawn.id, reason="client away", at=MON).status == "cancelled"
        assert (
            tx.keep_promise(
                tx.promise(client_id=client.id, what="a call", due=MON + timedelta(days=9), at=MON).id, at=MON
            ).status
            == "kept"
        )
        soft = tx.open_complaint(client_id=client.id, subject="wrong colour", priority="low", at=MON)
        tx.take_complaint(soft.id, at=MON)
        tx.wait_for_client(soft.id, at=MON + timedelta(minutes=10))
        tx.resume_complaint(soft.id, at=MON + timedelta(minutes=20))
        tx.resolve_complaint(soft.id, resolution="exchanged", at=MON + timedelta(minutes=30))
        tx.reopen_complaint(soft.id, at=MON + timedelta(minutes=40))
        tx.assign_complaint(soft.id, m.id, at=MON + timedelta(minutes=40))
        tx.resolve_complaint(soft.id, resolution="exchanged again", at=MON + timedelta(minutes=50))
        assert tx.close_complaint(soft.id, at=MON + timedelta(hours=1)).status == "closed"
        assert not tx.set_retention_rule_active("birthday", active=False, at=MON).active
        rule = tx.add_retention_rule(
            name="tag all", condition="orders = 0", action=crmkit.TagAction("new"), cooldown_days=1, at=MON
        )
        tx.set_promise_settings(remind_before="4h", at=MON)
        tx.set_complaint_sla(escalate_to=m.id, at=MON)
        tx.set_dormancy_settings(min_gap_days=10, at=MON)
        run = tx.run_due(MON + timedelta(hours=3))
        assert tx.get_promise(p.id).status == "broken"
        assert [(b.complaint_id, b.milestone) for b in run.complaints_breached] == [(k.id, "first_response")]
        assert [f.rule_id for f in run.fired] == [rule.id]
        assert tx.agenda(m.id, MON + timedelta(hours=3)).overdue[0].promise_id == p.id
        assert tx.list_promises(status="broken") == [tx.get_promise(p.id)]
        assert tx.list_complaints(status="open") == [tx.get_complaint(k.id)]
        assert tx.get_retention_rule("tag all") == rule and len(tx.retention_rules()) == 6
        assert tx.promise_settings().remind_before == "4h" and tx.complaint_sla().escalate_to == m.id
        assert tx.dormancy_settings().min_gap_days == 10 and tx.dormancy_counts().active == 0
        assert tx.client_rhythm(client.id, as_of=MON).purchase_days == ()
        assert tx.dormancy_report(as_of=MON).rows == ()
        assert tx.complaint_report(date(2026, 11, 2), date(2026, 11, 2)).total.opened == 2
        assert tx.retention_report(date(2026, 11, 2), date(2026, 11, 2)).total.tasks == 0
        return [p, k, done, run]

    p, k, done, _run = crm.transaction(work)
    assert crm.get_promise(p.id).status == "broken" and crm.get_complaint(k.id) != k
    assert crm.get_task(done.id) == done and "new" in crm.get_client(client.id).tags

    class Boom(Exception):
        pass

    def fails(tx: crmkit.Transaction) -> None:
        tx.promise(client_id=client.id, what="never", due=MON, at=MON)
        tx.remove_retention_rule("birthday", at=MON)
        assert len(tx.retention_rules()) == 5
        with pytest.raises(crmkit.InvalidTransitionError):
            tx.keep_promise(p.id, at=MON + timedelta(hours=4))
        assert len(tx.list_promises()) == 4, "a failed command leaves the transaction going"
        raise Boom

    with pytest.raises(Boom):
        crm.transaction(fails)
    assert len(crm.list_promises()) == 3
    assert not crm.get_retention_rule("birthday").active, "committed by the first transaction"
    assert [r.name for r in crm.retention_rules()] == [*DEFAULT_RULES, "tag all"]


# --- types -------------------------------------------------------------------------------------------------


def test_results_are_frozen_comparable_and_convertible(crm: Crm) -> None:
    m, client = shop(crm)
    p = crm.promise(client_id=client.id, what="x", due=MON, at=MON)
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.status = "kept"  # type: ignore[misc]
    assert p == crm.get_promise(p.id) and repr(p).startswith("Promise(id=1, client_id=1, manager_id=1,")
    assert p.to_dict()["due_at"] == MON
    rule = crm.retention_rules()[0]
    assert rule.to_dict()["action"] == {
        "task_kind": "reactivate",
        "title": rule.action.title if isinstance(rule.action, crmkit.TaskAction) else None,
        "due_in": "2d",
        "to": "owner",
        "kind": "task",
    }
    agenda = crm.agenda(m.id, MON)
    assert agenda.to_dict()["undated"] == [] and hash(agenda) == hash(crm.agenda(m.id, MON))
    assert crm.dormancy_report(as_of=MON).to_dict()["counts"] == {
        "active": 0,
        "cooling": 0,
        "dormant": 0,
        "lost": 0,
    }
    for name in ("promise", "complaint", "retention_rule"):
        assert name in crmkit._crmkit.ENTITIES


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c: c.promise(client_id="1", what="x", due=MON), "client_id"),
        (lambda c: c.cancel_promise(1, reason=None), "reason"),
        (lambda c: c.list_promises(status=1), "status"),
        (lambda c: c.open_complaint(client_id=1, subject=None), "subject"),
        (lambda c: c.set_complaint_sla(high=("1h",)), "high"),
        (lambda c: c.set_complaint_sla(high={"first": "1h"}), "high"),
        (lambda c: c.add_task(kind="call", title="x", due="tomorrow"), "due"),
        (lambda c: c.complete_task(1, outcome=7), "outcome"),
        (lambda c: c.reschedule_task(1, due=date(2026, 11, 3)), "due"),
        (lambda c: c.agenda("1"), "manager_id"),
        (lambda c: c.client_rhythm(1, as_of="today"), "as_of"),
        (lambda c: c.dormancy_report(with_p_alive=1), "with_p_alive"),
        (
            lambda c: c.add_retention_rule(name="r", condition="x", action={"kind": "tag"}, cooldown_days=1),
            "action.tag",
        ),
        (
            lambda c: c.add_retention_rule(
                name="r", condition="x", action={"kind": "task", "title": "x"}, cooldown_days=1
            ),
            "action",
        ),
        (
            lambda c: c.add_retention_rule(
                name="r",
                condition="x",
                action={"kind": "task", "task_kind": "c", "title": "x", "due_in": "1d", "to": "boss"},
                cooldown_days=1,
            ),
            "action.to",
        ),
        (lambda c: c.set_retention_rule_active("r", active="yes"), "active"),
        (lambda c: c.retention_report(date(2026, 11, 1), None), "end"),
    ],
)
def test_wrong_types_are_type_errors_naming_the_argument(crm: Crm, call: Any, field: str) -> None:
    with pytest.raises(TypeError) as caught:
        call(crm)
    assert str(caught.value).startswith(f"{field}: "), caught.value
