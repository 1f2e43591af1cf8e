"""Telephony through Python: extensions and lines, ``record_call`` (an answered call an activity, a missed
call from an unknown number a lead, from a client a call-back task; replays change nothing), the call-back
by an outbound call, and the call report by line and hour."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone
from typing import Tuple

import crmkit
import pytest
from crmkit import Call, CallFigures, Crm

T = datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc)  # a Monday
LINE = "+380441234567"


def minutes(n: int) -> datetime:
    return T + timedelta(minutes=n)


def setup(crm: Crm) -> Tuple[crmkit.Manager, crmkit.Source, crmkit.Client]:
    manager = crm.add_manager(name="Olena Koval", at=T)
    billboard = crm.add_source(name="Billboard", channel="ads", at=T)
    ext = crm.set_phone_extension("101", manager_id=manager.id, at=T)
    assert (ext.extension, ext.manager_id, ext.set_at) == ("101", manager.id, T)
    line = crm.set_phone_line(LINE, source=billboard.id, callback_within=timedelta(minutes=30), at=T)
    assert (line.line, line.source_id, line.set_at) == (LINE, billboard.id, T)
    client = crm.add_client(name="Romashka", phone="+380671234567", owner_id=manager.id, at=T)
    return manager, billboard, client


def test_extensions_and_lines_are_set_listed_and_removed(crm: Crm) -> None:
    manager, billboard, _ = setup(crm)
    (line,) = crm.list_phone_lines()
    assert line.callback_within == "30m"
    other = crm.set_phone_line("trunk-2", at=T)
    assert (other.source_id, other.callback_within) == (None, "1h")
    assert [x.line for x in crm.list_phone_lines()] == [LINE, "trunk-2"]
    crm.set_phone_extension("102", manager_id=manager.id, at=T)
    assert [e.extension for e in crm.list_phone_extensions()] == ["101", "102"]
    removed = crm.remove_phone_extension("102", at=minutes(1))
    assert (removed.extension, removed.manager_id) == ("102", manager.id)
    assert [e.extension for e in crm.list_phone_extensions()] == ["101"]
    with pytest.raises(crmkit.NotFoundError):
        crm.remove_phone_extension("102", at=minutes(2))
    with pytest.raises(crmkit.NotFoundError):
        crm.set_phone_extension("103", manager_id=99, at=T)
    with pytest.raises(crmkit.ValidationError) as refused:
        crm.set_phone_line("trunk-3", callback_within="0m", at=T)
    assert refused.value.field == "callback_within"


def test_an_answered_call_becomes_one_activity_and_a_replay_changes_nothing(crm: Crm) -> None:
    manager, _, client = setup(crm)
    ringing = crm.record_call(call_id="c1", event="started", caller="067 123 45 67", line=LINE, at=T)
    assert (ringing.status, ringing.client_id, ringing.started_at, ringing.direction) == (
        "ringing",
        client.id,
        T,
        "in",
    )
    crm.record_call(
        call_id="c1", event="answered", caller="067 123 45 67", line=LINE, extension="101", at=minutes(1)
    )
    done = crm.record_call(
        call_id="c1",
        event="finished",
        caller="067 123 45 67",
        line=LINE,
        extension="101",
        duration_seconds=120,
        recording="rec/c1.wav",
        at=minutes(5),
    )
    assert isinstance(done, Call)
    assert (
        done.id,
        done.status,
        done.manager_id,
        done.answered_at,
        done.ended_at,
        done.duration_seconds,
    ) == (
        ringing.id,
        "completed",
        manager.id,
        minutes(1),
        minutes(5),
        120,
    )
    assert done.activity_id is not None
    activity = crm.get_activity(done.activity_id)
    assert (
        activity.kind,
        activity.direction,
        activity.client_id,
        activity.manager_id,
        activity.document_ref,
    ) == (
        "call",
        "in",
        client.id,
        manager.id,
        "rec/c1.wav",
    )
    seq = crm.last_seq()
    replay = crm.record_call(
        call_id="c1",
        event="finished",
        caller="067 123 45 67",
        line=LINE,
        extension="101",
        duration_seconds=120,
        recording="rec/c1.wav",
        at=minutes(5),
    )
    assert replay == done and crm.last_seq() == seq
    assert crm.get_call(done.id) == done
    assert len(crm.list_activities(client_id=client.id)) == 1
    assert [e.kind for e in crm.history("call", done.id)] == ["created", "answered", "completed"]


def test_a_missed_call_from_an_unknown_number_is_a_lead_with_a_call_back_deadline(crm: Crm) -> None:
    _, billboard, _ = setup(crm)
    missed = crm.record_call(call_id="c2", event="missed", caller="050 999 88 77", line=LINE, at=minutes(10))
    assert (missed.status, missed.client_id, missed.task_id, missed.callback_due) == (
        "missed",
        None,
        None,
        minutes(40),
    )
    assert missed.lead_id is not None
    lead = crm.get_lead(missed.lead_id)
    assert (lead.status, lead.channel, lead.source_id, lead.phone, lead.first_response_due) == (
        "new",
        "phone",
        billboard.id,
        "050 999 88 77",
        minutes(40),
    )
    # A second missed call from the number shares the first one's call-back: no second lead.
    again = crm.record_call(call_id="c2b", event="missed", caller="+380509998877", line=LINE, at=minutes(12))
    assert (again.linked_to, again.lead_id, again.callback_due) == (missed.id, missed.lead_id, minutes(40))
    assert len(crm.list_leads()) == 1
    # The outbound call to the number is the call-back.
    crm.record_call(
        call_id="c4", event="answered", direction="out", caller="0509998877", extension="101", at=minutes(25)
    )
    assert crm.get_call(missed.id).called_back_at == minutes(25)


def test_a_missed_call_from_a_client_is_a_call_back_task_for_its_owner(crm: Crm) -> None:
    manager, _, client = setup(crm)
    missed = crm.record_call(call_id="c3", event="missed", caller="+380671234567", line=LINE, at=minutes(20))
    assert (missed.client_id, missed.lead_id, missed.callback_due) == (client.id, None, minutes(50))
    assert missed.task_id is not None
    task = crm.get_task(missed.task_id)
    assert (task.kind, task.manager_id, task.client_id, task.due_at, task.status) == (
        "call_back",
        manager.id,
        client.id,
        minutes(50),
        "open",
    )
    assert crm.list_leads() == []
    assert crm.list_calls(client_id=client.id) == [missed]


def test_the_call_report_counts_by_line_and_hour(crm: Crm) -> None:
    setup(crm)
    crm.record_call(
        call_id="a", event="answered", caller="0671234567", line=LINE, extension="101", at=minutes(1)
    )
    crm.record_call(call_id="a", event="started", caller="0671234567", line=LINE, at=T)
    crm.record_call(call_id="b", event="missed", caller="0509998877", line=LINE, at=minutes(10))
    crm.record_call(call_id="c", event="missed", caller="0931112233", line=LINE, at=minutes(40))
    crm.record_call(call_id="d", event="missed", caller="0632223344", at=minutes(45))
    # b is called back in time (within 30 minutes), c late.
    crm.record_call(call_id="o1", event="answered", direction="out", caller="0509998877", at=minutes(20))
    crm.record_call(call_id="o2", event="answered", direction="out", caller="0931112233", at=minutes(200))
    report = crm.call_report(start=T, end=T + timedelta(days=1))
    assert len(report) == 3
    assert [(row.line, row.hour, row.calls) for row in report] == [(LINE, 9, 2), (LINE, 10, 1), (None, 10, 1)]
    nine = report.row(LINE, 9)
    assert (
        nine.answered,
        nine.missed,
        nine.called_back_in_time,
        nine.answer_rate,
        nine.median_wait_seconds,
    ) == (
        1,
        1,
        1,
        0.5,
        60,
    )
    assert report.total == CallFigures(
        calls=4,
        answered=1,
        missed=3,
        called_back_in_time=1,
        called_back_late=1,
        not_called_back=1,
        answer_rate=0.25,
        median_wait_seconds=60,
    )
    only = crm.call_report(start=T, end=T + timedelta(days=1), line=LINE)
    assert only.total.calls == 3
    with pytest.raises(KeyError):
        report.row("nope", 9)
    assert report.to_dict()["total"]["missed"] == 3
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.total.calls = 0  # type: ignore[misc]


def test_bad_events_name_the_field(crm: Crm) -> None:
    setup(crm)
    bad = [
        ({"call_id": "", "caller": "0501112233"}, "call_id"),
        ({"call_id": "x", "caller": "hello"}, "caller"),
        ({"call_id": "x", "caller": "0501112233", "duration_seconds": -1}, "duration_seconds"),
    ]
    for fields, field in bad:
        with pytest.raises(crmkit.ValidationError) as refused:
            crm.record_call(event="finished", at=T, **fields)  # type: ignore[arg-type]
        assert refused.value.field == field
    with pytest.raises(crmkit.ValidationError) as refused:
        crm.record_call(call_id="x", event="hung_up", caller="0501112233", at=T)  # type: ignore[arg-type]
    assert refused.value.field == "event"
    with pytest.raises(crmkit.ValidationError) as refused:
        crm.record_call(call_id="x", event="missed", caller="0501112233", direction="sideways", at=T)  # type: ignore[arg-type]
    assert refused.value.field == "direction"
    with pytest.raises(crmkit.ValidationError) as refused:
        crm.call_report(start=T, end=T)
    assert refused.value.field == "end"
    with pytest.raises(TypeError, match="start"):
        crm.call_report(start=None, end=T)  # type: ignore[arg-type]
    assert crm.list_calls() == []
    crm.record_call(call_id="c1", event="missed", caller="0501112233", at=T)
    with pytest.raises(crmkit.ConflictError):
        crm.record_call(call_id="c1", event="missed", caller="0671234567", at=T)


def test_calls_inside_a_transaction_and_pages(crm: Crm) -> None:
    setup(crm)

    def burst(tx: crmkit.Transaction) -> None:
        for i in range(5):
            tx.record_call(call_id=f"m{i}", event="missed", caller=f"050{i:07}", line=LINE, at=minutes(i))

    crm.transaction(burst)
    assert [c.call_id for c in crm.iter_calls(page_size=2)] == [f"m{i}" for i in range(5)]
    assert [c.call_id for c in crm.list_calls(after=2, limit=2)] == ["m2", "m3"]
    assert len(crm.list_calls(status="missed", line=LINE)) == 5
