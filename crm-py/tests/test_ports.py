"""The web-shop and ERP ports through Python: ``record_web_order`` (a dict as the shop sends it, or
keywords; idempotent by the shop's id; a new client's first order also a converted lead), and
``upsert_counterparty`` / ``upsert_order`` keyed by the ERP's reference."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Dict

import crmkit
import pytest
from crmkit import Crm, OrderLine, Upserted, WebOrderResult

T = datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc)


def shop_order(**changes: Any) -> Dict[str, Any]:
    """An order as a shop's JSON has it: amounts as text, Decimal or int."""
    order: Dict[str, Any] = {
        "id": "5531",
        "customer": {"name": "Ivan Petrenko", "phone": "067 123 45 67", "email": "ivan@example.com"},
        "lines": [
            {"sku": "SKU-1", "name": "Chair", "quantity": 2, "price": "100.00"},
            {"sku": "SKU-7", "quantity": 1, "price": Decimal("45.90")},
        ],
        "shipping": 30,
        "total": "275.90",
        "currency": "UAH",
        "utm": {"source": "google", "medium": "cpc", "campaign": "winter"},
        "note": "call before delivery",
    }
    order.update(changes)
    return order


def test_a_first_web_order_makes_a_client_a_source_and_a_converted_lead(crm: Crm) -> None:
    result = crm.record_web_order(shop_order(), at=T)
    assert isinstance(result, WebOrderResult)
    assert (result.client_created, result.duplicate) == (True, False)
    order = result.order
    assert (order.client_id, order.total, order.external_ref, order.ordered_at, order.status) == (
        result.client_id,
        Decimal("275.90"),
        "5531",
        T,
        "completed",
    )
    assert order.lines == (
        OrderLine(sku="SKU-1", quantity=2, unit_price=Decimal("100.00")),
        OrderLine(sku="SKU-7", quantity=1, unit_price=Decimal("45.90")),
        OrderLine(sku="shipping", quantity=1, unit_price=Decimal("30.00")),
    )
    client = crm.get_client(result.client_id)
    assert (client.kind, client.name, client.phone, client.email) == (
        "person",
        "Ivan Petrenko",
        "067 123 45 67",
        "ivan@example.com",
    )
    (source,) = crm.list_sources()
    assert (source.id, source.name, source.channel, source.campaign) == (
        result.source_id,
        "google",
        "ads",
        "winter",
    )
    assert result.lead_id is not None and result.deal_id is not None
    lead = crm.get_lead(result.lead_id)
    assert (lead.status, lead.channel, lead.source_id, lead.client_id, lead.need, lead.estimated_value) == (
        "converted",
        "shop",
        source.id,
        result.client_id,
        "call before delivery",
        Decimal("275.90"),
    )
    deal = crm.get_deal(result.deal_id)
    assert (deal.status, deal.amount) == ("won", Decimal("275.90"))
    assert crm.client_rollup(result.client_id).revenue == Decimal("275.90")


def test_the_same_web_order_again_is_a_repeat_that_writes_nothing(crm: Crm) -> None:
    first = crm.record_web_order(shop_order(), at=T)
    seq = crm.last_seq()
    again = crm.record_web_order(shop_order(), at=T + timedelta(hours=1))
    assert again.duplicate
    assert dataclasses.replace(again, duplicate=False, client_created=True) == first
    assert crm.last_seq() == seq
    assert len(crm.list_orders()) == 1 and len(crm.list_leads()) == 1
    # Only a changed status is applied.
    cancelled = crm.record_web_order(shop_order(status="cancelled"), at=T + timedelta(hours=2))
    assert (cancelled.duplicate, cancelled.order.status) == (True, "cancelled")
    assert crm.client_rollup(first.client_id).revenue == Decimal("0")


def test_a_known_clients_order_in_keyword_form_is_only_an_order(crm: Crm) -> None:
    first = crm.record_web_order(shop_order(), at=T)
    second = crm.record_web_order(
        id="5532",
        customer={"name": "Ivan", "email": "IVAN@example.com"},
        lines=[("SKU-1", 1, 100)],
        total=Decimal("100"),
        placed_at=T + timedelta(days=1),
        at=T + timedelta(days=1, hours=1),
    )
    assert (second.client_id, second.client_created, second.lead_id, second.deal_id) == (
        first.client_id,
        False,
        None,
        None,
    )
    assert (second.order.ordered_at, second.order.external_ref) == (T + timedelta(days=1), "5532")
    assert len(crm.list_leads()) == 1
    # A shop of several: the reference carries the shop's name.
    other = crm.record_web_order(shop_order(shop="outlet", utm=None, customer={"name": "Olha", "phone": "093 123 45 67"}), at=T)
    assert other.order.external_ref == "outlet:5531" and other.client_created


def test_bad_web_orders_name_the_field(crm: Crm) -> None:
    with pytest.raises(crmkit.ValidationError) as refused:
        crm.record_web_order(shop_order(total="1.00"), at=T)
    assert refused.value.field == "total"
    assert "275.90" in str(refused.value)
    with pytest.raises(crmkit.ValidationError) as refused:
        crm.record_web_order(shop_order(total=275.9), at=T)
    assert refused.value.field == "total"
    with pytest.raises(crmkit.ValidationError) as refused:
        crm.record_web_order(
            shop_order(lines=[{"sku": "A", "quantity": 1, "price": 1.5}], total="1.50"), at=T
        )
    assert refused.value.field == "lines[0].price"
    with pytest.raises(crmkit.ValidationError) as refused:
        crm.record_web_order(shop_order(customer={"name": "", "phone": "067 123 45 67"}), at=T)
    assert refused.value.field == "customer.name"
    # Without a phone or an e-mail a buyer cannot be told from another of the same name.
    with pytest.raises(crmkit.ValidationError) as refused:
        crm.record_web_order(shop_order(customer={"name": "Ivan"}), at=T)
    assert refused.value.field == "customer"
    with pytest.raises(crmkit.ValidationError) as refused:
        crm.record_web_order(shop_order(colour="red"), at=T)
    assert refused.value.field == "colour"
    with pytest.raises(crmkit.ValidationError) as refused:
        crm.record_web_order(customer={"name": "X"}, total=0, at=T)
    assert refused.value.field == "id"
    with pytest.raises(TypeError, match="not both"):
        crm.record_web_order(shop_order(), id="1", at=T)
    assert crm.list_orders() == [] and crm.list_clients() == []
    # Other content under the same id is a conflict.
    crm.record_web_order(shop_order(), at=T)
    with pytest.raises(crmkit.ConflictError):
        crm.record_web_order(shop_order(lines=[{"sku": "SKU-1", "quantity": 1, "price": "245.90"}]), at=T)


def test_upsert_counterparty_creates_updates_and_leaves_unchanged(crm: Crm) -> None:
    created = crm.upsert_counterparty(external_ref="1C-000123", name="ТОВ Ромашка", tax_id="12345678", at=T)
    assert isinstance(created, Upserted)
    assert (created.action, created.record.name, created.record.kind, created.record.external_ref) == (
        "created",
        "ТОВ Ромашка",
        "company",
        "1C-000123",
    )
    seq = crm.last_seq()
    same = crm.upsert_counterparty(external_ref="1C-000123", name="ТОВ Ромашка", tax_id="12345678", at=T)
    assert same == Upserted(record=created.record, action="unchanged")
    assert crm.last_seq() == seq
    later = T + timedelta(hours=1)
    updated = crm.upsert_counterparty(
        external_ref="1C-000123", phone="+380671112233", tags=["wholesale"], at=later
    )
    assert (updated.action, updated.record.phone, updated.record.tax_id, updated.record.tags) == (
        "updated",
        "+380671112233",
        "12345678",
        ("wholesale",),
    )
    cleared = crm.upsert_counterparty(external_ref="1C-000123", phone=None, at=later)
    assert (cleared.action, cleared.record.phone) == ("updated", None)
    assert cleared.to_dict()["record"]["external_ref"] == "1C-000123"
    assert len(crm.list_clients()) == 1


def test_a_first_erp_sync_links_a_client_kept_by_hand_by_tax_id(crm: Crm) -> None:
    by_hand = crm.add_client(name="Romashka", tax_id="12345678", at=T)
    linked = crm.upsert_counterparty(external_ref="1C-7", name="ТОВ Ромашка", tax_id="12345678", at=T)
    assert (linked.action, linked.record.id, linked.record.name) == ("updated", by_hand.id, "ТОВ Ромашка")


def test_upsert_counterparty_errors_name_the_field(crm: Crm) -> None:
    with pytest.raises(crmkit.ValidationError) as refused:
        crm.upsert_counterparty(external_ref="1C-2", at=T)
    assert refused.value.field == "name"
    with pytest.raises(crmkit.ValidationError) as refused:
        crm.upsert_counterparty(external_ref="1C-2", name="X", kind="robot", at=T)  # type: ignore[arg-type]
    assert refused.value.field == "kind"
    with pytest.raises(TypeError, match="tags"):
        crm.upsert_counterparty(external_ref="1C-2", name="X", tags=None, at=T)  # type: ignore[arg-type]


def test_upsert_order_creates_leaves_unchanged_and_corrects(crm: Crm) -> None:
    buyer = crm.upsert_counterparty(external_ref="1C-1", name="ТОВ Ромашка", at=T).record
    created = crm.upsert_order(
        external_ref="ЦБ-000123", counterparty_ref="1C-1", total="200", lines=[("A4", 2, 100)], at=T
    )
    assert (created.action, created.record.client_id, created.record.total, created.record.external_ref) == (
        "created",
        buyer.id,
        Decimal("200.00"),
        "ЦБ-000123",
    )
    seq = crm.last_seq()
    same = crm.upsert_order(
        external_ref="ЦБ-000123",
        counterparty_ref="1C-1",
        total=200,
        lines=[OrderLine("A4", 2, Decimal(100))],
        at=T,
    )
    assert same == Upserted(record=created.record, action="unchanged") and crm.last_seq() == seq
    status = crm.upsert_order(
        external_ref="ЦБ-000123",
        counterparty_ref="1C-1",
        total="200",
        lines=[("A4", 2, 100)],
        status="cancelled",
        at=T,
    )
    assert (status.action, status.record.status) == ("updated", "cancelled")
    corrected = crm.upsert_order(
        external_ref="ЦБ-000123",
        counterparty_ref="1C-1",
        total="300",
        lines=[("A4", 3, 100)],
        status="completed",
        at=T,
    )
    assert (corrected.action, corrected.record.id, corrected.record.total) == (
        "updated",
        created.record.id,
        Decimal("300.00"),
    )
    assert crm.client_rollup(buyer.id).revenue == Decimal("300.00")
    assert len(crm.list_orders()) == 1


def test_upsert_order_errors(crm: Crm) -> None:
    with pytest.raises(crmkit.NotFoundError):
        crm.upsert_order(external_ref="ЦБ-2", counterparty_ref="1C-404", total="1", at=T)
    crm.upsert_counterparty(external_ref="1C-1", name="X", at=T)
    with pytest.raises(crmkit.ValidationError) as refused:
        crm.upsert_order(
            external_ref="ЦБ-2", counterparty_ref="1C-1", total="1", lines=[("A", 1, "1.005")], at=T
        )
    assert refused.value.field == "lines[0].unit_price"
    with pytest.raises(crmkit.ValidationError) as refused:
        crm.upsert_order(external_ref="ЦБ-2", counterparty_ref="1C-1", total="-1", at=T)
    assert refused.value.field == "total"
    assert crm.list_orders() == []


def test_ports_run_inside_a_transaction(crm: Crm) -> None:
    def exchange(tx: crmkit.Transaction) -> None:
        tx.upsert_counterparty(external_ref="1C-1", name="X", at=T)
        tx.upsert_order(external_ref="ЦБ-1", counterparty_ref="1C-1", total="10", at=T)
        tx.record_web_order(shop_order(), at=T)
        raise RuntimeError("the ERP document was incomplete")

    with pytest.raises(RuntimeError):
        crm.transaction(exchange)
    assert crm.list_clients() == [] and crm.list_orders() == []
