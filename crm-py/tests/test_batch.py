"""record_orders: one transaction for many orders, a bad item kept apart at its position."""

from __future__ import annotations

from decimal import Decimal

import pytest

import crmkit
from conftest import at


def test_bad_items_are_reported_at_their_position_and_good_ones_kept(crm: crmkit.Crm) -> None:
    client = crm.add_client(name="Romashka", at=at())
    results = crm.record_orders(
        [
            {"client_id": client.id, "total": Decimal("10.00"), "at": at(), "external_ref": "A"},
            {"client_id": client.id, "total": 10.0, "at": at()},  # a float
            {"client_id": 999, "total": 5, "at": at()},  # no such client
            {"client_id": client.id, "total": "1.005", "at": at()},  # a third decimal
            {"client_id": client.id, "total": 10, "lines": [("SKU", 1, 9)], "at": at()},  # lines != total
            {"client_id": client.id, "total": 3, "lines": [("SKU", 3, 1)], "at": at(1), "external_ref": "B"},
            {"client_id": client.id, "total": Decimal("10"), "at": at(2), "external_ref": "A"},  # a replay
        ]
    )
    assert len(results) == 7
    first, floated, missing, guessed, unequal, second, replay = results
    assert isinstance(first, crmkit.Order) and first.total == Decimal("10.00")
    assert isinstance(floated, crmkit.ValidationError) and floated.field == "total"
    assert isinstance(missing, crmkit.NotFoundError) and missing.entity == "client"
    assert isinstance(guessed, crmkit.ValidationError) and guessed.field == "total"
    assert isinstance(unequal, crmkit.ValidationError) and unequal.field == "total"
    assert isinstance(second, crmkit.Order) and second.lines[0].quantity == 3
    assert replay == first
    assert [o.external_ref for o in crm.list_orders()] == ["A", "B"]
    assert crm.client_rollup(client.id).revenue == Decimal("13.00")


def test_a_malformed_batch_is_refused_whole_before_anything_is_written(crm: crmkit.Crm) -> None:
    client = crm.add_client(name="Romashka", at=at())
    good = {"client_id": client.id, "total": 1, "at": at()}
    with pytest.raises(TypeError, match=r"orders\[1\]"):
        crm.record_orders([good, {"client_id": client.id, "total": 1, "colour": "red"}])
    with pytest.raises(TypeError, match=r"orders\[1\]"):
        crm.record_orders([good, {"total": 1}])
    with pytest.raises(TypeError, match=r"orders\[0\]: must be a mapping"):
        crm.record_orders([(client.id, 1)])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="orders"):
        crm.record_orders({"client_id": client.id, "total": 1})  # type: ignore[dict-item]
    assert crm.list_orders() == []


def test_an_empty_batch_is_an_empty_list(crm: crmkit.Crm) -> None:
    assert crm.record_orders([]) == []
    assert crm.record_orders(iter(())) == []
