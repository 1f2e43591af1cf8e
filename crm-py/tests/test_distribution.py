"""Distribution: working calendars, absences, routing rules and strategies, the queue, response-time
policies, ``run_due``, the ownership lock, hand-over, reassignment and the explanations."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import List, Optional

import pytest

import crmkit
from crmkit import Crm


def utc(day: int, hour: int, minute: int = 0) -> datetime:
    """An instant in November 2026, UTC (Monday 2 November is a working day; Friday 27 too)."""
    return datetime(2026, 11, day, hour, minute, tzinfo=timezone.utc)


SETUP = utc(1, 8)

KYIV = {"mon-fri": ("09:00", "18:00")}


def managers(crm: Crm, *names: str, team: str = "sales") -> List[crmkit.Manager]:
    return [crm.add_manager(name=name, team=team, at=SETUP) for name in names]


def web_lead(
    crm: Crm, i: int, at: datetime, interest: Optional[str] = None, region: Optional[str] = None
) -> crmkit.Capture:
    return crm.capture_lead(
        channel="web",
        name=f"Person {i}",
        phone=f"+38067{1_000_000 + i:07}",
        interest=interest,
        region=region,
        at=at,
    )


# --- calendars and working time ---------------------------------------------------------------------------


def test_a_deadline_counts_working_hours_of_the_kyiv_calendar(crm: Crm) -> None:
    cal = crm.set_calendar(timezone="Europe/Kyiv", working_hours=KYIV, at=SETUP)
    assert cal == crmkit.Calendar(
        timezone="Europe/Kyiv",
        working_hours={"mon-fri": (("09:00", "18:00"),)},
        holidays=(),
        days={},
    )
    assert crm.calendar() == cal
    # Friday 2026-11-27 17:30 in Kyiv (UTC+2) is 15:30 UTC; two working hours later is Monday 10:30.
    friday = datetime(2026, 11, 27, 17, 30, tzinfo=timezone(timedelta(hours=2)))
    due = crm.working_deadline(friday, "2h")
    assert due == datetime(2026, 11, 30, 8, 30, tzinfo=timezone.utc)
    assert crm.working_deadline(friday, timedelta(hours=2)) == due
    assert crm.working_time(utc(27, 15), utc(30, 8)) == timedelta(hours=2)

    # A policy's deadline is set on capture, in the same working time.
    managers(crm, "A")
    crm.add_routing_rule(name="all", strategy="round_robin", at=SETUP)
    policy = crm.set_response_sla(first_response="2h", at=SETUP)
    assert (policy.name, policy.when, policy.first_response_secs, policy.at_risk) == (
        "default",
        None,
        7200,
        0.8,
    )
    lead = web_lead(crm, 1, friday).lead
    assert lead.first_response_due == due
    assert lead.sla_policy == "default"


def test_a_calendar_takes_lists_of_spans_holidays_special_days_and_a_managers_own(crm: Crm) -> None:
    (m,) = managers(crm, "Night")
    cal = crm.set_calendar(
        timezone="Europe/Kyiv",
        working_hours={"mon-fri": [("09:00", "13:00"), ("14:00", "18:00")], "sat": ("10:00", "14:00")},
        holidays=[date(2026, 12, 25)],
        days={date(2026, 12, 31): [("09:00", "16:00")], date(2026, 12, 26): []},
        at=SETUP,
    )
    assert cal.working_hours["mon-fri"] == (("09:00", "13:00"), ("14:00", "18:00"))
    assert cal.holidays == (date(2026, 12, 25),)
    assert cal.days == {date(2026, 12, 26): (), date(2026, 12, 31): (("09:00", "16:00"),)}
    assert cal.to_dict()["holidays"] == [date(2026, 12, 25)]

    own = crm.set_calendar(working_hours={"mon-sun": ("00:00", "24:00")}, manager=m.id, at=SETUP)
    assert own.timezone == "UTC"
    assert crm.calendar(m.id) == own
    # Monday 09:00 UTC + 1h: round the clock for the manager, 10:00 Kyiv + 1h for the store.
    assert crm.working_deadline(utc(2, 7), "1h", manager=m.id) == utc(2, 8)
    assert crm.working_deadline(utc(2, 5), "1h") == utc(2, 8)
    crm.clear_calendar(manager=m.id, at=SETUP)
    assert crm.calendar(m.id) is None
    crm.clear_calendar(at=SETUP)
    assert crm.calendar() is None
    # No calendar at all: round the clock in UTC.
    assert crm.working_deadline(utc(2, 5), "1h30m") == utc(2, 6, 30)


# --- routing ------------------------------------------------------------------------------------------------


def test_round_robin_takes_turns_over_three_managers(crm: Crm) -> None:
    ms = managers(crm, "M0", "M1", "M2")
    rule = crm.add_routing_rule(name="everyone", strategy="round_robin", team="sales", at=SETUP)
    assert rule.strategy == "round_robin" and rule.team == "sales"
    assert crm.routing_rules() == [rule]
    owners = [web_lead(crm, i, utc(2, 10, i)).lead.owner_id for i in range(7)]
    ids = [m.id for m in ms]
    assert owners == [ids[0], ids[1], ids[2], ids[0], ids[1], ids[2], ids[0]]


def test_a_capture_explains_its_assignment(crm: Crm) -> None:
    managers(crm, "A", "B")
    crm.add_routing_rule(name="everyone", strategy="round_robin", at=SETUP)
    capture = web_lead(crm, 1, utc(2, 10))
    a = capture.assignment
    assert isinstance(a, crmkit.Assignment)
    assert isinstance(a.id, int) and a.id > 0  # its entry in the assignment log
    assert a.lead_id == capture.lead.id
    assert a.manager_id == capture.lead.owner_id
    assert (a.via, a.rule, a.strategy) == ("rule", "everyone", "round_robin")
    assert a.reason == "rule 'everyone' (round_robin): first in turn, among 2 eligible"
    assert a.skipped == ()
    assert a.at == utc(2, 10)
    assert crm.lead_assignments(capture.lead.id) == [a]
    assert capture.to_dict()["assignment"]["rule"] == "everyone"
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.reason = "x"  # type: ignore[misc]
    second = web_lead(crm, 2, utc(2, 10, 1)).assignment
    assert second is not None and "next in turn" in second.reason
    assert second.id is not None and second.id > a.id


def test_a_rule_that_matches_nothing_queues_the_lead_with_that_reason(crm: Crm) -> None:
    managers(crm, "A")
    crm.add_routing_rule(name="export", when="interest = 'export'", strategy="round_robin", at=SETUP)
    capture = web_lead(crm, 1, utc(2, 10), interest="retail")
    a = capture.assignment
    assert a is not None
    assert (a.manager_id, a.via, a.rule_id, a.rule) == (None, "queued", None, None)
    assert a.reason == "no routing rule matches the request"
    assert capture.lead.queued_reason == a.reason
    assert [lead.id for lead in crm.queue()] == [capture.lead.id]
    matched = web_lead(crm, 2, utc(2, 10, 1), interest="export")
    assert matched.assignment is not None and matched.assignment.rule == "export"


def test_an_absent_manager_is_skipped_with_the_reason_absent(crm: Crm) -> None:
    a, b = managers(crm, "A", "B")
    crm.add_routing_rule(name="all", strategy="round_robin", at=SETUP)
    absence = crm.add_absence(
        a.id, start=date(2026, 11, 2), end=date(2026, 11, 3), reason="vacation", at=SETUP
    )
    assert (absence.manager_id, absence.start, absence.end, absence.reason) == (
        a.id,
        date(2026, 11, 2),
        date(2026, 11, 3),
        "vacation",
    )
    for i in range(3):
        capture = web_lead(crm, i, utc(2 + i % 2, 10))
        assert capture.lead.owner_id == b.id
        assert capture.assignment is not None
        (skipped,) = capture.assignment.skipped
        assert (skipped.manager_id, skipped.reason) == (a.id, "absent")
        assert isinstance(skipped, crmkit.Skipped) and skipped.detail
    assert web_lead(crm, 10, utc(4, 10)).lead.owner_id == a.id
    assert crm.list_absences(a.id) == [absence]
    assert crm.list_absences(b.id) == []
    assert crm.remove_absence(absence.id, at=utc(4, 11)) == absence
    assert crm.list_absences() == []


def test_weighted_shares_follow_the_weights(crm: Crm) -> None:
    heavy = crm.add_manager(name="Heavy", weight=3, at=SETUP)
    light = crm.add_manager(name="Light", at=SETUP)
    crm.add_routing_rule(name="weighted", strategy="weighted", at=SETUP)
    owners = [web_lead(crm, i, utc(2, 10, i)).lead.owner_id for i in range(8)]
    assert owners.count(heavy.id) == 6
    assert owners.count(light.id) == 2


def test_least_loaded_fills_relative_to_capacity_then_queues(crm: Crm) -> None:
    big = crm.add_manager(name="Big", capacity=4, at=SETUP)
    small = crm.add_manager(name="Small", capacity=2, at=SETUP)
    crm.add_routing_rule(name="load", strategy="least_loaded", at=SETUP)
    owners = [web_lead(crm, i, utc(2, 10, i)).lead.owner_id for i in range(6)]
    assert owners.count(big.id) == 4
    assert owners.count(small.id) == 2
    full = web_lead(crm, 6, utc(2, 11))
    assert full.lead.owner_id is None
    assert full.assignment is not None and full.assignment.via == "queued"
    assert {s.reason for s in full.assignment.skipped} == {"at_capacity"}


def test_nobody_eligible_queues_the_lead_until_assign_queued_finds_someone(crm: Crm) -> None:
    only = crm.add_manager(name="Only", capacity=1, at=SETUP)
    crm.add_routing_rule(name="all", strategy="least_loaded", at=SETUP)
    first = web_lead(crm, 1, utc(2, 10))
    assert first.lead.owner_id == only.id
    second = web_lead(crm, 2, utc(2, 10, 1))
    a = second.assignment
    assert a is not None
    assert (a.manager_id, a.via) == (None, "queued")
    assert "1 at_capacity" in a.reason
    assert second.lead.queued_reason == a.reason
    assert [lead.id for lead in crm.queue()] == [second.lead.id]
    assert crm.assign_queued(utc(2, 11)) == []

    crm.lose_lead(first.lead.id, reason="price", at=utc(2, 12))
    done = crm.assign_queued(utc(2, 12, 1))
    assert len(done) == 1
    assert (done[0].lead_id, done[0].manager_id, done[0].via) == (second.lead.id, only.id, "queue")
    stored = crm.get_lead(second.lead.id)
    assert (stored.owner_id, stored.queued_reason) == (only.id, None)
    assert crm.queue() == []

    crm.remove_routing_rule("all", at=utc(3, 8))
    assert crm.routing_rules() == []
    # Without any rule routing is off: the lead is left for the host, not queued.
    third = web_lead(crm, 3, utc(3, 9))
    assert (third.lead.owner_id, third.lead.queued_reason, third.assignment) == (None, None, None)
    assert crm.queue() == []


def test_a_known_clients_later_request_goes_to_its_owner(crm: Crm) -> None:
    owner, _other = managers(crm, "Owner", "Other")
    crm.add_routing_rule(name="all", strategy="round_robin", at=SETUP)
    client = crm.add_client(
        kind="person", name="Ivan Petrenko", phone="+380671112233", owner_id=owner.id, at=utc(1, 9)
    )
    for i in range(3):
        capture = crm.capture_lead(
            channel="web", name="Ivan Petrenko", phone="067 111 22 33", at=utc(2, 10, i)
        )
        assert capture.lead.client_id == client.id
        assert capture.assignment is not None
        assert (capture.assignment.manager_id, capture.assignment.via) == (owner.id, "owner")


def test_the_first_matching_rule_wins_and_names_who_it_passed_over(crm: Crm) -> None:
    kyiv = crm.add_manager(name="Wholesale Kyiv", skills=["wholesale"], regions=["Kyiv"], at=SETUP)
    lviv = crm.add_manager(name="Wholesale Lviv", skills=["wholesale"], regions=["Lviv"], at=SETUP)
    retail = crm.add_manager(name="Retail", at=SETUP)
    rule = crm.add_routing_rule(
        name="wholesale",
        when="INTEREST = 'wholesale'",
        strategy="least_loaded",
        skills=["wholesale"],
        match_region=True,
        priority=10,
        at=SETUP,
    )
    assert rule.when == "interest = 'wholesale'"
    assert (rule.skills, rule.match_region, rule.priority) == (("wholesale",), True, 10)
    crm.add_routing_rule(name="retail", strategy="round_robin", managers=[retail.id], priority=100, at=SETUP)
    capture = web_lead(crm, 1, utc(2, 10), interest="wholesale", region="Lviv")
    assert capture.lead.owner_id == lviv.id
    a = capture.assignment
    assert a is not None and a.rule == "wholesale" and a.strategy == "least_loaded"
    assert [(s.manager_id, s.reason) for s in a.skipped] == [
        (kyiv.id, "other_region"),
        (retail.id, "lacking_skill"),
    ]
    assert web_lead(crm, 2, utc(2, 10, 5)).lead.owner_id == retail.id


def test_update_manager_changes_and_clears_limits(crm: Crm) -> None:
    m = crm.add_manager(name="A", capacity=5, daily_cap=10, at=SETUP)
    assert (m.capacity, m.daily_cap) == (5, 10)
    changed = crm.update_manager(m.id, daily_cap=2, skills=["b2b"], at=utc(1, 9))
    assert (changed.capacity, changed.daily_cap, changed.skills) == (5, 2, ("b2b",))
    cleared = crm.update_manager(m.id, capacity=None, team="vip", at=utc(1, 10))
    assert (cleared.capacity, cleared.daily_cap, cleared.team) == (None, 2, "vip")
    assert crm.get_manager(m.id) == cleared
    with pytest.raises(TypeError, match="weight"):
        crm.update_manager(m.id, weight=None)  # type: ignore[arg-type]
    with pytest.raises(crmkit.NotFoundError):
        crm.update_manager(999, team="x", at=utc(1, 10))


# --- response-time policies and run_due ---------------------------------------------------------------------


def test_sla_status_goes_pending_at_risk_breached_and_met(crm: Crm) -> None:
    (m,) = managers(crm, "A")
    crm.add_routing_rule(name="all", strategy="round_robin", at=SETUP)
    crm.set_response_sla(first_response="1h", at=SETUP)
    lead = web_lead(crm, 1, utc(2, 10)).lead
    assert lead.first_response_due == utc(2, 11)
    pending = crm.lead_sla_status(lead.id, utc(2, 10, 10))
    assert (pending.state, pending.policy, pending.due) == ("pending", "default", utc(2, 11))
    assert crm.lead_sla_status(lead.id, utc(2, 10, 50)).state == "at_risk"
    breached = crm.lead_sla_status(lead.id, utc(2, 11, 30))
    assert (breached.state, breached.used_secs, breached.left_secs) == ("breached", 5400, -1800)
    assert breached.used_share == pytest.approx(1.5)

    other = web_lead(crm, 2, utc(2, 10)).lead
    crm.log_activity(lead_id=other.id, kind="call", direction="out", manager_id=m.id, at=utc(2, 10, 20))
    met = crm.lead_sla_status(other.id, utc(2, 15))
    assert (met.state, met.used_secs, met.responded_at) == ("met", 1200, utc(2, 10, 20))

    # A lead without a policy has no deadline.
    crm.remove_response_sla("default", at=utc(2, 16))
    assert crm.response_slas() == []
    free = web_lead(crm, 3, utc(2, 16)).lead
    assert free.first_response_due is None
    assert crm.lead_sla_status(free.id, utc(2, 17)).state == "none"


def test_run_due_marks_breaches_once_and_escalates_with_a_task_or_a_reassignment(crm: Crm) -> None:
    a, b = managers(crm, "A", "B")
    (team_lead,) = managers(crm, "Team lead", team="leads")
    crm.add_routing_rule(name="sales", strategy="round_robin", team="sales", at=SETUP)
    reassign = crm.set_response_sla(first_response="1h", escalation="reassign", at=SETUP)
    assert reassign.escalation == "reassign"
    task_policy = crm.set_response_sla(
        name="phone",
        when="channel = 'phone'",
        first_response="30m",
        escalation="task",
        escalate_to=team_lead.id,
        at_risk=0.5,
        at=SETUP,
    )
    assert (task_policy.at_risk, task_policy.escalate_to) == (0.5, team_lead.id)
    assert [p.name for p in crm.response_slas()] == ["phone", "default"]

    web = web_lead(crm, 1, utc(2, 10)).lead
    assert web.owner_id == a.id
    phone = crm.capture_lead(channel="phone", name="Caller", phone="+380509876543", at=utc(2, 10)).lead
    assert phone.owner_id == b.id

    nothing = crm.run_due(utc(2, 10, 29))
    assert nothing == crmkit.DueRun(at=utc(2, 10, 29), breached=(), escalations=(), tasks=(), assigned=())

    run = crm.run_due(utc(2, 11))
    assert run.breached == (phone.id, web.id)
    (escalation,) = run.escalations
    assert (escalation.lead_id, escalation.manager_id, escalation.previous_id) == (web.id, b.id, a.id)
    assert escalation.via == "escalation"
    (task,) = run.tasks
    assert isinstance(task, crmkit.Task)
    assert (task.manager_id, task.lead_id, task.status, task.kind) == (
        team_lead.id,
        phone.id,
        "open",
        "sla_escalation",
    )
    # Idempotent: again at the same time, or later, nothing more.
    for now in (utc(2, 11), utc(3, 9)):
        again = crm.run_due(now)
        assert (again.breached, again.escalations, again.tasks) == ((), (), ())
    assert crm.list_tasks(team_lead.id) == [task]
    assert crm.list_tasks(a.id) == []
    assert crm.list_tasks(open_only=False) == [task]
    assert crm.get_task(task.id) == task and task.closed_at is None
    assert crm.get_lead(web.id).sla_breached_at == utc(2, 11)
    assert crm.lead_sla_status(web.id, utc(3, 9)).state == "breached"
    assert "sla_breached" in [e.kind for e in crm.history("lead", web.id)]


def test_a_task_is_closed_once_as_done_or_cancelled(crm: Crm) -> None:
    (a,) = managers(crm, "A")
    (team_lead,) = managers(crm, "Team lead", team="leads")
    crm.add_routing_rule(name="sales", strategy="round_robin", team="sales", at=SETUP)
    crm.set_response_sla(first_response="30m", escalation="task", escalate_to=team_lead.id, at=SETUP)
    first = web_lead(crm, 1, utc(2, 10)).lead
    second = web_lead(crm, 2, utc(2, 10)).lead
    run = crm.run_due(utc(2, 11))
    assert run.at == utc(2, 11) and isinstance(run.at, datetime)
    one, two = run.tasks
    assert (one.lead_id, two.lead_id) == (first.id, second.id)
    assert (one.status, one.closed_at) == ("open", None)

    with pytest.raises(crmkit.ValidationError) as caught:
        crm.close_task(one.id, status="open", at=utc(2, 12))  # a task is not reopened
    assert caught.value.field == "status"
    with pytest.raises(crmkit.ValidationError) as caught:
        crm.close_task(one.id, status="finished", at=utc(2, 12))  # type: ignore[arg-type]
    assert caught.value.field == "status"
    with pytest.raises(crmkit.NotFoundError):
        crm.close_task(999, at=utc(2, 12))
    with pytest.raises(crmkit.NotFoundError):
        crm.get_task(999)

    done = crm.close_task(one.id, at=utc(2, 12))  # done by default
    assert (done.id, done.status, done.closed_at) == (one.id, "done", utc(2, 12))
    assert done == dataclasses.replace(one, status="done", closed_at=utc(2, 12))
    assert crm.get_task(one.id) == done
    # The same status again changes nothing (the first closing time stays); the other one is refused.
    seq = crm.last_seq()
    assert crm.close_task(one.id, status="done", at=utc(2, 13)) == done
    assert crm.last_seq() == seq
    with pytest.raises(crmkit.InvalidTransitionError):
        crm.close_task(one.id, status="cancelled", at=utc(2, 13))

    cancelled = crm.close_task(two.id, status="cancelled", at=utc(2, 13))
    assert (cancelled.status, cancelled.closed_at) == ("cancelled", utc(2, 13))
    assert crm.list_tasks(team_lead.id) == []
    assert crm.list_tasks(team_lead.id, open_only=False) == [done, cancelled]
    closed = [e for e in crm.history("task", one.id) if e.kind == "closed"]
    assert [e.data for e in closed] == [{"status": "done"}]


def test_run_due_routes_queued_leads(crm: Crm) -> None:
    only = crm.add_manager(name="Only", capacity=1, at=SETUP)
    crm.add_routing_rule(name="all", strategy="least_loaded", at=SETUP)
    first = web_lead(crm, 1, utc(2, 10)).lead
    queued = web_lead(crm, 2, utc(2, 10, 1)).lead
    assert queued.owner_id is None
    crm.update_manager(only.id, capacity=2, at=utc(2, 11))
    run = crm.run_due(utc(2, 12))
    assert [(x.lead_id, x.manager_id, x.via) for x in run.assigned] == [(queued.id, only.id, "queue")]
    assert crm.run_due(utc(2, 12)).assigned == ()
    assert first.owner_id == only.id


# --- ownership, reassignment, hand-over ---------------------------------------------------------------------


def test_a_locked_client_needs_a_reason_to_change_owner(crm: Crm) -> None:
    owner, other = managers(crm, "Owner", "Other")
    assert crm.ownership_settings() == crmkit.OwnershipSettings(lock_days=30)
    client = crm.add_client(kind="company", name="Romashka", owner_id=owner.id, at=utc(1, 9))
    crm.log_activity(client_id=client.id, kind="call", direction="out", manager_id=owner.id, at=utc(3, 9))
    with pytest.raises(crmkit.ConflictError, match="locked to manager"):
        crm.assign_client(client.id, other.id, at=utc(4, 9))
    assert crm.get_client(client.id).owner_id == owner.id
    forced = crm.assign_client(client.id, other.id, reason="the owner asked", at=utc(4, 9, 1))
    assert forced.reason.startswith("forced over the ownership lock")
    assert (forced.client_id, forced.manager_id, forced.previous_id) == (client.id, other.id, owner.id)
    assert crm.get_client(client.id).owner_id == other.id
    assert forced.id is not None
    assert crm.client_assignments(client.id) == [forced]
    # The owner again: nothing changes, nothing is recorded, so the assignment has no id.
    same = crm.assign_client(client.id, other.id, at=utc(4, 9, 2))
    assert (same.id, same.manager_id, same.previous_id) == (None, other.id, other.id)
    assert crm.client_assignments(client.id) == [forced]

    settings = crm.set_ownership_settings(lock_days=0, at=utc(5, 9))
    assert settings == crmkit.OwnershipSettings(lock_days=0) == crm.ownership_settings()
    crm.assign_client(client.id, owner.id, at=utc(5, 10))
    with pytest.raises(crmkit.ValidationError) as caught:
        crm.set_ownership_settings(lock_days=100_000, at=utc(5, 11))
    assert caught.value.field == "lock_days"


def test_a_merge_names_the_assignment_log_entries_it_moved(crm: Crm) -> None:
    (owner,) = managers(crm, "Owner")
    keep = crm.add_client(kind="company", name="Romashka", at=utc(1, 9))
    gone = crm.add_client(kind="company", name="Romashka LLC", at=utc(1, 9))
    given = crm.assign_client(gone.id, owner.id, at=utc(2, 9))
    assert given.id is not None
    merge = crm.merge_clients(keep=keep.id, merge=gone.id, at=utc(2, 10))
    assert merge.moved.assignments == (given.id,)
    assert [a.id for a in crm.client_assignments(keep.id)] == [given.id]


def test_reassign_lead_by_the_rules_or_to_a_named_manager(crm: Crm) -> None:
    a, b = managers(crm, "A", "B")
    crm.add_routing_rule(name="all", strategy="round_robin", at=SETUP)
    lead = web_lead(crm, 1, utc(2, 10)).lead
    assert lead.owner_id == a.id
    moved = crm.reassign_lead(lead.id, reason="A is overloaded", at=utc(2, 11))
    assert (moved.manager_id, moved.previous_id, moved.via) == (b.id, a.id, "reassign")
    assert moved.reason.startswith("A is overloaded; rule 'all'")
    back = crm.reassign_lead(lead.id, a.id, at=utc(2, 12))
    assert back.reason == "chosen by a person"
    assert crm.get_lead(lead.id).owner_id == a.id
    assert len(crm.lead_assignments(lead.id)) == 3
    crm.set_manager_active(b.id, active=False, at=utc(2, 12))
    with pytest.raises(crmkit.ConflictError, match="no eligible manager"):
        crm.reassign_lead(lead.id, at=utc(2, 13))


def test_hand_over_moves_leads_clients_and_deals_and_deactivates(crm: Crm) -> None:
    leaving, stay = managers(crm, "Leaving", "Stay")
    crm.add_routing_rule(name="all", strategy="round_robin", managers=[leaving.id, stay.id], at=SETUP)
    captures = [web_lead(crm, i, utc(2, 10, i)) for i in range(4)]
    mine = [c.lead.id for c in captures if c.lead.owner_id == leaving.id]
    assert len(mine) == 2
    client = crm.add_client(kind="company", name="Romashka", owner_id=leaving.id, at=utc(2, 9))
    deal = crm.open_deal(
        client_id=client.id, title="chairs", amount=Decimal(100), owner_id=leaving.id, at=utc(2, 9)
    )
    done = crm.hand_over(leaving.id, clients=True, deactivate=True, at=utc(3, 9))
    assert isinstance(done, crmkit.HandOver)
    assert done.manager_id == leaving.id
    assert len(done.assignments) == len(mine) + 1
    assert all(
        (x.manager_id, x.previous_id, x.via) == (stay.id, leaving.id, "hand_over") for x in done.assignments
    )
    assert done.deals_moved == (deal.id,)
    assert all(crm.get_lead(i).owner_id == stay.id for i in mine)
    assert crm.get_client(client.id).owner_id == stay.id
    assert crm.get_deal(deal.id).owner_id == stay.id
    assert not crm.get_manager(leaving.id).active


def test_hand_over_without_clients_moves_only_leads(crm: Crm) -> None:
    away, stay = managers(crm, "Away", "Stay")
    crm.add_routing_rule(name="all", strategy="round_robin", at=SETUP)
    lead = web_lead(crm, 1, utc(2, 10)).lead
    assert lead.owner_id == away.id
    client = crm.add_client(kind="company", name="Romashka", owner_id=away.id, at=utc(2, 9))
    done = crm.hand_over(away.id, at=utc(3, 9))
    assert [(x.lead_id, x.manager_id) for x in done.assignments] == [(lead.id, stay.id)]
    assert crm.get_client(client.id).owner_id == away.id
    assert crm.get_manager(away.id).active


# --- validation ---------------------------------------------------------------------------------------------


def _field(error: pytest.ExceptionInfo[crmkit.ValidationError]) -> Optional[str]:
    return error.value.field


def test_bad_settings_are_validation_errors_naming_the_field(crm: Crm) -> None:
    with pytest.raises(crmkit.ValidationError) as e:
        crm.set_calendar(timezone="Europe/Kiev2", working_hours=KYIV, at=SETUP)
    assert _field(e) == "timezone"
    with pytest.raises(crmkit.ValidationError) as e:
        crm.set_calendar(working_hours={"mon-fri": ("18:00", "09:00")}, at=SETUP)
    assert _field(e) == "working_hours.mon-fri"
    with pytest.raises(crmkit.ValidationError) as e:
        crm.add_routing_rule(name="x", strategy="random", at=SETUP)  # type: ignore[arg-type]
    assert _field(e) == "strategy"
    with pytest.raises(crmkit.ValidationError) as e:
        crm.add_routing_rule(name="x", strategy="round_robin", when="intrest = 'x'", at=SETUP)
    assert _field(e) == "when"
    with pytest.raises(crmkit.ValidationError) as e:
        crm.set_response_sla(first_response="2d", at=SETUP)
    assert _field(e) == "first_response"
    assert "hours" in str(e.value)
    with pytest.raises(crmkit.ValidationError) as e:
        crm.set_response_sla(first_response="2h", escalation="task", at=SETUP)
    assert _field(e) == "escalate_to"
    with pytest.raises(crmkit.ValidationError) as e:
        crm.set_response_sla(first_response="2h", escalation="shout", at=SETUP)  # type: ignore[arg-type]
    assert _field(e) == "escalation"
    with pytest.raises(crmkit.ValidationError) as e:
        crm.set_response_sla(first_response="2h", at_risk=1.5, at=SETUP)
    assert _field(e) == "at_risk"
    with pytest.raises(crmkit.ValidationError) as e:
        crm.set_response_sla(first_response="2h", when="channel = 'web'", at=SETUP)
    assert _field(e) == "name"
    with pytest.raises(crmkit.ValidationError) as e:
        crm.working_deadline(utc(2, 9), "soon")
    assert _field(e) == "amount"
    (m,) = managers(crm, "A")
    with pytest.raises(crmkit.ValidationError) as e:
        crm.add_absence(m.id, start=date(2026, 12, 14), end=date(2026, 12, 1), at=SETUP)
    assert _field(e) == "end"
    with pytest.raises(TypeError, match="holidays"):
        crm.set_calendar(working_hours=KYIV, holidays=[datetime(2026, 12, 25)], at=SETUP)
    with pytest.raises(crmkit.NotFoundError):
        crm.remove_routing_rule("nope", at=SETUP)
    with pytest.raises(crmkit.NotFoundError):
        crm.lead_sla_status(404, utc(2, 9))


def test_distribution_works_inside_a_transaction(crm: Crm) -> None:
    def setup(tx: crmkit.Transaction) -> crmkit.Assignment:
        m = tx.add_manager(name="A", at=SETUP)
        tx.set_calendar(timezone="Europe/Kyiv", working_hours=KYIV, at=SETUP)
        tx.add_routing_rule(name="all", strategy="round_robin", at=SETUP)
        tx.set_response_sla(first_response="2h", at=SETUP)
        capture = tx.capture_lead(channel="web", phone="+380671234567", at=utc(2, 10))
        assert capture.assignment is not None and capture.assignment.manager_id == m.id
        return capture.assignment

    assignment = crm.transaction(setup)
    assert assignment.lead_id is not None
    assert crm.lead_assignments(assignment.lead_id) == [assignment]
    assert crm.get_lead(assignment.lead_id).first_response_due == utc(2, 12)
