"""The whole lifecycle through the Python API: set-up, capture, work, conversion, the deal, orders,
rollups, and what the event log says about it."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

import crmkit
from conftest import T0, at


def test_a_request_becomes_a_client_with_a_won_deal_and_orders(crm: crmkit.Crm) -> None:
    olena = crm.add_manager(
        name="Olena Koval",
        team="sales",
        capacity=40,
        skills=["wholesale"],
        regions=["Kyiv"],
        languages=["uk"],
        at=at(),
    )
    assert olena.skills == ("wholesale",) and olena.active and olena.capacity == 40
    ads = crm.add_source(name="Google Ads", channel="ads", campaign="winter", at=at())
    spend = crm.add_spend(source=ads.id, on=date(2026, 11, 1), amount=Decimal("1200"), at=at())
    assert spend.amount == Decimal("1200.00") and spend.on == date(2026, 11, 1)
    assert crm.add_lost_reason("slow", "We answered too late", at=at()).code == "slow"

    capture = crm.capture_lead(
        source=ads.id,
        channel="web",
        at=at(1),
        name="Ivan Petrenko",
        company="ТОВ Ромашка",
        phone="067 123 45 67",
        email="Ivan.Petrenko@romashka.ua",
        need="50 chairs for an office",
        region="Kyiv",
        owner_id=olena.id,
    )
    lead = capture.lead
    assert capture.warnings == ()
    assert (lead.status, lead.source_id, lead.owner_id) == ("new", ads.id, olena.id)
    assert lead.company == "ТОВ Ромашка" and lead.received_at == at(1)

    call = crm.log_activity(
        lead_id=lead.id, kind="call", direction="out", manager_id=olena.id, at=at(5), duration_seconds=90
    )
    assert call.direction == "out" and call.duration_seconds == 90
    answered = crm.get_lead(lead.id)
    assert answered.status == "in_progress"
    assert answered.first_response_at == at(5) and answered.first_response_by == olena.id

    assert crm.qualify_lead(lead.id, at=at(10)).status == "qualified"
    conv = crm.convert_lead(lead.id, at=at(20), amount=Decimal("18000"))
    assert conv.client_created and conv.client.name == "ТОВ Ромашка" and conv.lead_id == lead.id
    deal = crm.get_deal(conv.deal_id)
    assert deal.amount == Decimal("18000.00") and deal.status == "open"
    assert deal.stage == crm.pipeline()[0].code

    crm.move_deal(conv.deal_id, stage="proposal", at=at(30))
    won = crm.win_deal(conv.deal_id, at=at(40))
    assert won.status == "won" and won.closed_at == at(40)
    assert [v.stage for v in crm.deal_history(conv.deal_id)][-2:] == ["proposal", "proposal"]
    assert [v.status for v in crm.deal_history(conv.deal_id)][-1] == "won"

    order = crm.record_order(
        client_id=conv.client_id,
        at=at(60),
        total=Decimal("245.90"),
        lines=[("SKU-1", 2, Decimal("100.00")), ("SKU-7", 1, Decimal("45.90"))],
        external_ref="WEB-5531",
    )
    assert order.total == Decimal("245.90") and order.status == "completed"
    assert order.lines[1] == crmkit.OrderLine(sku="SKU-7", quantity=1, unit_price=Decimal("45.90"))
    again = crm.record_order(
        client_id=conv.client_id,
        at=at(61),
        total="245.9",
        lines=[("SKU-1", 2, 100), crmkit.OrderLine("SKU-7", 1, Decimal("45.9"))],
        external_ref="WEB-5531",
    )
    assert again == order, "recording the same external_ref again returns the stored order"

    rollup = crm.client_rollup(conv.client_id)
    assert (rollup.revenue, rollup.orders, rollup.first_order_at) == (Decimal("245.90"), 1, at(60))
    months = crm.client_monthly_revenue(conv.client_id)
    assert [(m.month, m.revenue) for m in months] == [("2026-11", Decimal("245.90"))]

    cancelled = crm.set_order_status(order.id, status="cancelled", at=at(70))
    assert cancelled.status == "cancelled"
    assert crm.client_rollup(conv.client_id).revenue == Decimal("0.00")

    kinds = [(e.entity, e.kind) for e in crm.history("lead", lead.id)]
    assert kinds[0] == ("lead", "captured") and ("lead", "first_response") in kinds
    transitions = crm.lead_transitions(lead.id)
    assert [(t.from_status, t.to_status) for t in transitions] == [
        (None, "new"),
        ("new", "in_progress"),
        ("in_progress", "qualified"),
        ("qualified", "converted"),
    ]
    assert crm.history("order", order.id)[-1].data == {"from": "completed", "to": "cancelled"}


def test_leads_are_lost_junked_and_reopened_with_reasons(crm: crmkit.Crm) -> None:
    lead = crm.capture_lead(channel="phone", phone="+380671234567", at=at()).lead
    crm.start_lead(lead.id, at=at(1))
    lost = crm.lose_lead(lead.id, reason="price", at=at(2), note="chose a cheaper supplier")
    assert (lost.status, lost.lost_reason, lost.close_note) == ("lost", "price", "chose a cheaper supplier")
    assert crm.lead_transitions(lead.id)[-1].reason == "price"
    reopened = crm.reopen_lead(lead.id, at=at(3))
    assert reopened.status == "in_progress" and reopened.lost_reason is None

    spam = crm.capture_lead(channel="web", email="bot@example.com", at=at()).lead
    junk = crm.junk_lead(spam.id, kind="spam", at=at(1))
    assert (junk.status, junk.junk_kind) == ("junk", "spam")
    assert [r.code for r in crm.lost_reasons()][:1] and "price" in [r.code for r in crm.lost_reasons()]


def test_a_malformed_contact_is_stored_and_reported_not_refused(crm: crmkit.Crm) -> None:
    capture = crm.capture_lead(channel="web", name="Ivan", phone="067 12", email="ivan@", source=999, at=at())
    assert capture.lead.phone == "067 12" and capture.lead.phone_quality == "invalid"
    assert capture.lead.source_id is None
    fields = {w.field for w in capture.warnings}
    assert fields == {"phone", "email", "source"}, "warnings name the Python keyword (source, not source_id)"
    assert all(isinstance(w, crmkit.CaptureWarning) and w.message for w in capture.warnings)

    crm.set_strict(True)
    assert crm.strict
    with pytest.raises(crmkit.ValidationError) as refused:
        crm.capture_lead(channel="web", phone="067 12", at=at())
    assert refused.value.field == "phone"


def test_a_known_clients_request_goes_to_the_clients_owner(crm: crmkit.Crm) -> None:
    owner = crm.add_manager(name="Taras", at=at())
    client = crm.add_client(name="Romashka", owner_id=owner.id, tax_id="12345678", at=at())
    lead = crm.capture_lead(channel="email", client_id=client.id, at=at(1)).lead
    assert lead.owner_id == owner.id and lead.client_id == client.id


def test_the_same_external_ref_is_one_request(crm: crmkit.Crm) -> None:
    first = crm.capture_lead(channel="web", phone="+380671234567", external_ref="form-1", at=at())
    again = crm.capture_lead(channel="web", phone="+380671234567", external_ref="form-1", at=at(1))
    assert again.lead == first.lead
    assert [w.field for w in again.warnings] == ["external_ref"]


def test_clients_contacts_and_patches(crm: crmkit.Crm) -> None:
    olena = crm.add_manager(name="Olena", at=at())
    client = crm.add_client(
        kind="company",
        name="ТОВ Ромашка",
        tax_id="12345678",
        phone="+380441234567",
        email="office@romashka.ua",
        address="Kyiv, Khreshchatyk 1",
        tags=["vip", "wholesale"],
        attributes={"segment": "b2b", "employees": 40},
        external_ref="1C-000123",
        owner_id=olena.id,
        at=at(),
    )
    assert client.tags == ("vip", "wholesale") and client.attributes == {"segment": "b2b", "employees": 40}
    person = crm.add_client(kind="person", name="Ivan", birth_date=date(1990, 5, 17), at=at())
    assert person.kind == "person" and person.birth_date == date(1990, 5, 17)

    contact = crm.add_contact(
        client_id=client.id, name="Ivan", position="buyer", phones=["+380671234567"], at=at(1)
    )
    assert crm.list_contacts(client.id) == [contact] and crm.get_contact(contact.id) == contact

    unchanged = crm.update_client(client.id, at=at(2))
    assert unchanged == client, "a patch that changes nothing writes nothing"
    patched = crm.update_client(client.id, phone=None, region="Kyiv", name="Romashka LLC", at=at(3))
    assert (patched.phone, patched.region, patched.name) == (None, "Kyiv", "Romashka LLC")
    assert patched.email == client.email and patched.owner_id == olena.id
    assert crm.history("client", client.id)[-1].kind == "updated"

    with pytest.raises(TypeError, match="name: cannot be cleared"):
        crm.update_client(client.id, name=None)  # type: ignore[arg-type]

    assert crm.list_clients(external_ref="1C-000123") == [patched]
    assert [c.id for c in crm.list_clients(kind="person")] == [person.id]
    assert [c.id for c in crm.list_clients(tag="vip")] == [client.id]
    assert [c.id for c in crm.list_clients(owner_id=olena.id)] == [client.id]


def test_deals_open_move_update_and_lose(crm: crmkit.Crm) -> None:
    client = crm.add_client(name="Romashka", at=at())
    deal = crm.open_deal(client_id=client.id, title="Repeat order", amount="500", at=at(1))
    assert deal.amount == Decimal("500.00") and deal.lead_id is None
    updated = crm.update_deal(deal.id, amount=Decimal("650.50"), expected_close=date(2026, 12, 1), at=at(2))
    assert updated.amount == Decimal("650.50") and updated.expected_close == date(2026, 12, 1)
    cleared = crm.update_deal(deal.id, expected_close=None, at=at(3))
    assert cleared.expected_close is None and cleared.amount == Decimal("650.50")
    lost = crm.lose_deal(deal.id, reason="price", note="too expensive", at=at(4))
    assert (lost.status, lost.lost_reason, lost.lost_note) == ("lost", "price", "too expensive")
    assert crm.list_deals(status="lost") == [lost]
    assert crm.list_deals(client_id=client.id, status="open") == []


def test_pipeline_and_managers(crm: crmkit.Crm) -> None:
    stages = crm.set_pipeline(
        [("first_call", "First call", 10), {"code": "offer", "label": "Offer", "probability": 50}], at=at()
    )
    assert [(s.code, s.position) for s in stages] == [("first_call", 0), ("offer", 1)]
    assert crm.pipeline() == stages
    assert crm.set_pipeline(stages, at=at(1)) == stages, "Stage objects are accepted as input"

    m = crm.add_manager(name="Olena", at=at())
    inactive = crm.set_manager_active(m.id, active=False, at=at(1))
    assert not inactive.active and crm.get_manager(m.id) == inactive
    assert crm.list_managers() == [inactive]
    src = crm.add_source(name="Referral", channel="referral", at=at())
    assert crm.get_source(src.id) == src and crm.list_sources() == [src]
    crm.add_spend(source=src.id, on=date(2026, 10, 31), amount=100, at=at())
    crm.add_spend(source=src.id, on=date(2026, 11, 2), amount="20.5", note="inv 7", at=at())
    spent = crm.list_spend(start=date(2026, 11, 1), end=date(2026, 11, 30), source=src.id)
    assert [(s.on, s.amount, s.note) for s in spent] == [(date(2026, 11, 2), Decimal("20.50"), "inv 7")]


def test_readers_page_by_id_and_iterate_every_page(crm: crmkit.Crm) -> None:
    def capture(tx: crmkit.Transaction) -> None:
        for i in range(25):
            tx.capture_lead(channel="web", phone=f"+38067{i:07d}", at=at(i))

    crm.transaction(capture)
    first = crm.list_leads(limit=10)
    assert [lead.id for lead in first] == list(range(1, 11))
    second = crm.list_leads(after=first[-1].id, limit=10)
    assert second[0].id == 11
    assert [lead.id for lead in crm.iter_leads(page_size=7)] == list(range(1, 26))
    assert [lead.id for lead in crm.iter_leads(received_from=at(20), page_size=2)] == [21, 22, 23, 24, 25]
    assert len(crm.list_leads()) == 25, "the default page is 100"
    assert [lead.id for lead in crm.list_leads(received_to=at(2))] == [1, 2]
    assert crm.list_leads(status="qualified") == []

    clients = [crm.add_client(name=f"Client {i}", at=at()) for i in range(5)]
    for c in clients:
        crm.record_order(client_id=c.id, total=10, at=at(1))
        crm.log_activity(kind="note", client_id=c.id, at=at(1))
        crm.open_deal(client_id=c.id, title="More", at=at(1))
    assert [c.id for c in crm.iter_clients(page_size=2)] == [c.id for c in clients]
    assert len(list(crm.iter_orders(page_size=2))) == 5
    assert len(list(crm.iter_activities(page_size=3))) == 5
    assert len(list(crm.iter_deals(page_size=4))) == 5
    assert [r.client_id for r in crm.iter_rollups(page_size=2)] == [c.id for c in clients]
    assert len(crm.list_rollups(limit=3)) == 3
    assert [o.client_id for o in crm.list_orders(ordered_from=at(1), client_id=clients[0].id)] == [
        clients[0].id
    ]
    assert crm.list_orders(ordered_to=at(1)) == []
    assert len(crm.list_activities(client_id=clients[1].id)) == 1
    assert crm.get_activity(crm.list_activities(limit=1)[0].id).kind == "note"
    assert crm.get_order(crm.list_orders(limit=1)[0].id).total == Decimal("10.00")


def test_history_and_change_feed(crm: crmkit.Crm) -> None:
    assert crm.last_seq() == 0
    crm.set_actor("olena")
    assert crm.actor == "olena"
    client = crm.add_client(name="Romashka", external_ref="1C-1", at=at())
    crm.update_client(client.id, region="Lviv", at=at(1))
    crm.set_actor("")
    assert crm.actor == "system"
    crm.record_order(client_id=client.id, total=5, at=at(2))

    history = crm.history("client", client.id)
    assert [(e.kind, e.actor, e.at) for e in history] == [
        ("created", "olena", at()),
        ("updated", "olena", at(1)),
    ]
    assert history[0].data["external_ref"] == "1C-1" and history[0].entity_id == client.id

    feed = crm.changes_since(0)
    assert [e.seq for e in feed] == sorted(e.seq for e in feed) and feed[-1].seq == crm.last_seq()
    assert [e.entity for e in feed[-3:]] == ["client", "client", "order"]
    assert crm.changes_since(feed[-2].seq) == feed[-1:]
    assert crm.changes_since(0, limit=2) == feed[:2]
    assert list(crm.iter_changes(page_size=1)) == feed
    assert list(crm.iter_changes(feed[0].seq, page_size=2)) == feed[1:]
    assert crm.history("pipeline", 0) == []


def test_times_in_results_are_utc_and_match_what_went_in(crm: crmkit.Crm) -> None:
    lead = crm.capture_lead(channel="web", phone="+380671234567", at=T0.replace(microsecond=123456)).lead
    assert lead.received_at == T0.replace(microsecond=123456)
    assert lead.received_at.tzinfo is not None and lead.received_at.utcoffset() == timedelta(0)
