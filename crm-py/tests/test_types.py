"""What goes in: keyword arguments, wrong types, missing arguments, Decimal and datetime both ways."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

import pytest

import crmkit
from conftest import T0, at

KYIV = timezone(timedelta(hours=2), "EET")


def test_missing_and_unknown_arguments_are_type_errors(crm: crmkit.Crm) -> None:
    with pytest.raises(TypeError, match="channel"):
        crm.capture_lead(phone="+380671234567")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="colour"):
        crm.add_client(name="Romashka", colour="red")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        crm.lose_lead(1, "price")  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="reason"):
        crm.lose_lead(1)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c: c.capture_lead(channel="web", phone=380671234567), "phone"),
        (lambda c: c.capture_lead(channel="web", phone="+380671234567", source="ads"), "source"),
        (lambda c: c.add_client(name=b"Romashka"), "name"),
        (lambda c: c.add_client(name="R", tags="vip"), "tags"),
        (lambda c: c.add_client(name="R", tags=["vip", 7]), "tags[1]"),
        (lambda c: c.add_client(name="R", attributes=[1, 2]), "attributes"),
        (lambda c: c.add_client(name="R", birth_date="1990-05-17"), "birth_date"),
        (lambda c: c.add_client(name="R", birth_date=datetime(1990, 5, 17)), "birth_date"),
        (lambda c: c.add_client(name="R", at="2026-11-02T09:30:00Z"), "at"),
        (lambda c: c.add_client(name="R", at=date(2026, 11, 2)), "at"),
        (lambda c: c.get_lead("1"), "lead_id"),
        (lambda c: c.get_lead(True), "lead_id"),
        (lambda c: c.record_order(client_id=1, total=True), "total"),
        (lambda c: c.record_order(client_id=1, total=[1]), "total"),
        (lambda c: c.record_order(client_id=1, total=1, lines=[("SKU", 1)]), "lines[0]"),
        (lambda c: c.record_order(client_id=1, total=1, lines=[("SKU", 1.0, 1)]), "lines[0].quantity"),
        (lambda c: c.set_manager_active(1, active=1), "active"),
        (lambda c: c.set_pipeline("abc"), "stages"),
        (lambda c: c.transaction(42), "body"),
    ],
)
def test_wrong_types_are_type_errors_naming_the_argument(crm: crmkit.Crm, call: Any, field: str) -> None:
    with pytest.raises(TypeError) as caught:
        call(crm)
    assert str(caught.value).startswith(f"{field}: "), caught.value


@pytest.mark.parametrize("amount", [18000.0, 0.1, float("nan")])
def test_a_float_amount_is_a_validation_error_naming_the_field(crm: crmkit.Crm, amount: float) -> None:
    client = crm.add_client(name="Romashka", at=at())
    with pytest.raises(crmkit.ValidationError) as total:
        crm.record_order(client_id=client.id, total=amount, at=at())  # type: ignore[arg-type]
    assert total.value.field == "total" and "float" in total.value.rule
    with pytest.raises(crmkit.ValidationError) as line:
        crm.record_order(client_id=client.id, total=1, lines=[("SKU", 1, amount)], at=at())  # type: ignore[list-item]
    assert line.value.field == "lines[0].unit_price"
    with pytest.raises(crmkit.ValidationError) as estimated:
        crm.capture_lead(channel="web", phone="+380671234567", estimated_value=amount)  # type: ignore[arg-type]
    assert estimated.value.field == "estimated_value"
    assert crm.list_orders() == [], "nothing was written"


@pytest.mark.parametrize(
    ("given", "stored"),
    [
        (Decimal("245.90"), Decimal("245.90")),
        (Decimal("245.9"), Decimal("245.90")),
        (Decimal("1E+3"), Decimal("1000.00")),
        (Decimal("0.500"), Decimal("0.50")),
        (1200, Decimal("1200.00")),
        ("18000.5", Decimal("18000.50")),
        (" 7 ", Decimal("7.00")),
        (Decimal("99999999999.99"), Decimal("99999999999.99")),
    ],
)
def test_money_round_trips_exactly(crm: crmkit.Crm, given: crmkit.Money, stored: Decimal) -> None:
    client = crm.add_client(name="Romashka", at=at())
    order = crm.record_order(client_id=client.id, total=given, at=at())
    assert order.total == stored and str(order.total) == str(stored)
    assert crm.get_order(order.id).total == stored
    assert crm.client_rollup(client.id).revenue == stored


@pytest.mark.parametrize(
    "amount", [Decimal("1.005"), "1,5", "1e3", Decimal("NaN"), Decimal("Infinity"), "-1"]
)
def test_amounts_that_would_need_guessing_are_refused(crm: crmkit.Crm, amount: crmkit.Money) -> None:
    client = crm.add_client(name="Romashka", at=at())
    with pytest.raises(crmkit.ValidationError) as caught:
        crm.record_order(client_id=client.id, total=amount, at=at())
    assert caught.value.field == "total"


def test_cents_add_up_where_floats_would_not(crm: crmkit.Crm) -> None:
    client = crm.add_client(name="Romashka", at=at())
    for _ in range(10):
        crm.record_order(client_id=client.id, total=Decimal("0.10"), at=at())
    assert crm.client_rollup(client.id).revenue == Decimal("1.00")


def test_naive_times_are_utc_and_other_zones_are_converted(crm: crmkit.Crm) -> None:
    naive = crm.capture_lead(channel="web", phone="+380671234567", at=datetime(2026, 11, 2, 9, 30)).lead
    assert naive.received_at == T0 and naive.received_at.tzinfo == timezone.utc

    kyiv = crm.capture_lead(
        channel="web", phone="+380671234568", at=datetime(2026, 11, 2, 11, 30, tzinfo=KYIV)
    )
    assert kyiv.lead.received_at == T0
    assert kyiv.lead.received_at.hour == 9, "results are in UTC"

    west = timezone(timedelta(hours=-7, minutes=-30))
    late = crm.capture_lead(
        channel="web", phone="+380671234569", at=datetime(2026, 11, 1, 23, 59, 59, 999999, tzinfo=west)
    )
    assert late.lead.received_at == datetime(2026, 11, 2, 7, 29, 59, 999999, tzinfo=timezone.utc)

    found = crm.list_leads(received_from=datetime(2026, 11, 2, 11, 30, tzinfo=KYIV))
    assert [lead.id for lead in found] == [naive.id, kyiv.lead.id]


def test_at_defaults_to_now(crm: crmkit.Crm) -> None:
    before = datetime.now(timezone.utc)
    lead = crm.capture_lead(channel="web", phone="+380671234567").lead
    after = datetime.now(timezone.utc)
    assert before <= lead.received_at <= after


def test_dates_round_trip(crm: crmkit.Crm) -> None:
    src = crm.add_source(name="Ads", channel="ads", at=at())
    spend = crm.add_spend(source=src.id, on=date(2024, 2, 29), amount=1, at=at())
    assert spend.on == date(2024, 2, 29)
    client = crm.add_client(name="R", at=at())
    deal = crm.open_deal(client_id=client.id, title="T", expected_close=date(2026, 12, 31), at=at())
    assert crm.get_deal(deal.id).expected_close == date(2026, 12, 31)


def test_times_out_of_range_are_validation_errors(crm: crmkit.Crm) -> None:
    far_east = timezone(timedelta(hours=14))
    with pytest.raises(crmkit.ValidationError) as caught:
        crm.add_client(name="R", at=datetime(1, 1, 1, 0, 0, tzinfo=far_east))
    assert caught.value.field == "at"


def test_limits_must_be_positive(crm: crmkit.Crm) -> None:
    with pytest.raises(crmkit.ValidationError) as caught:
        crm.list_clients(limit=0)
    assert caught.value.field == "limit"
    with pytest.raises(crmkit.ValidationError):
        next(crm.iter_leads(page_size=-1))
    with pytest.raises(crmkit.ValidationError) as probability:
        crm.set_pipeline([("a", "A", 101)])
    assert probability.value.field == "stages[0].probability"


def test_results_are_frozen_comparable_and_convertible(crm: crmkit.Crm) -> None:
    client = crm.add_client(name="Romashka", tags=["vip"], attributes={"a": [1, 2]}, at=at())
    order = crm.record_order(client_id=client.id, total="245.90", lines=[("SKU-1", 1, "245.90")], at=at())

    with pytest.raises(AttributeError):
        order.total = Decimal("1")  # type: ignore[misc]
    assert order == crm.get_order(order.id) and order != crm.record_order(
        client_id=client.id, total=1, at=at()
    )
    assert hash(order) == hash(crm.get_order(order.id))
    assert repr(order).startswith("Order(id=1, client_id=1, ordered_at=datetime.datetime(2026, 11, 2, 9, 30")
    assert "total=Decimal('245.90')" in repr(order)

    as_dict = order.to_dict()
    assert as_dict["total"] == Decimal("245.90") and as_dict["ordered_at"] == at()
    assert as_dict["lines"] == [{"sku": "SKU-1", "quantity": 1, "unit_price": Decimal("245.90")}]
    assert client.to_dict()["tags"] == ["vip"] and client.to_dict()["attributes"] == {"a": [1, 2]}
    capture = crm.capture_lead(channel="web", phone="+38067", at=at())
    assert capture.to_dict()["lead"]["phone"] == "+38067"
    assert capture.to_dict()["warnings"][0]["field"] == "phone"
