"""Several commands as one: commit on return, roll back on an exception, and misuse refused."""

from __future__ import annotations

import threading
from decimal import Decimal
from pathlib import Path
from typing import List

import pytest

import crmkit
from conftest import at


def test_a_transaction_commits_and_returns_what_the_body_returned(crm: crmkit.Crm) -> None:
    def sale(tx: crmkit.Transaction) -> int:
        client = tx.add_client(name="Romashka", at=at())
        tx.add_contact(client_id=client.id, name="Ivan", at=at())
        tx.record_order(client_id=client.id, total=Decimal("99.50"), at=at())
        assert tx.client_rollup(client.id).orders == 1, "readers see the transaction's own writes"
        return client.id

    client_id = crm.transaction(sale)
    assert crm.client_rollup(client_id).revenue == Decimal("99.50")
    assert len(crm.list_contacts(client_id)) == 1


def test_an_exception_rolls_everything_back_and_comes_out_as_it_is(crm: crmkit.Crm) -> None:
    class Abort(Exception):
        pass

    before = crm.last_seq()

    def failing(tx: crmkit.Transaction) -> None:
        client = tx.add_client(name="Romashka", at=at())
        tx.record_order(client_id=client.id, total=10, at=at())
        raise Abort("the ERP document was incomplete")

    with pytest.raises(Abort, match="incomplete"):
        crm.transaction(failing)
    assert crm.list_clients() == [] and crm.list_orders() == [] and crm.last_seq() == before


def test_a_crmkit_error_from_a_command_rolls_back_when_not_handled(crm: crmkit.Crm) -> None:
    def body(tx: crmkit.Transaction) -> None:
        tx.add_client(name="Romashka", at=at())
        tx.get_lead(99)

    with pytest.raises(crmkit.NotFoundError):
        crm.transaction(body)
    assert crm.list_clients() == []


def test_a_failed_command_can_be_handled_and_the_rest_commits(crm: crmkit.Crm) -> None:
    def body(tx: crmkit.Transaction) -> List[str]:
        client = tx.add_client(name="Romashka", at=at())
        refused = []
        try:
            tx.record_order(client_id=client.id, total=10, lines=[("A", 1, 9)], at=at())
        except crmkit.ValidationError as error:
            refused.append(error.field or "")
        tx.record_order(client_id=client.id, total=10, at=at())
        return refused

    assert crm.transaction(body) == ["total"]
    assert len(crm.list_orders()) == 1


def test_batches_inside_a_transaction(crm: crmkit.Crm) -> None:
    client = crm.add_client(name="Romashka", at=at())
    results = crm.transaction(
        lambda tx: tx.record_orders(
            [{"client_id": client.id, "total": 1, "at": at()}, {"client_id": 99, "total": 1}]
        )
    )
    assert isinstance(results[0], crmkit.Order) and isinstance(results[1], crmkit.NotFoundError)


def test_the_actor_of_a_transaction_is_its_own(crm: crmkit.Crm) -> None:
    crm.set_actor("olena")
    client = crm.transaction(lambda tx: tx.add_client(name="Romashka", at=at()), actor="1C exchange")
    other = crm.transaction(lambda tx: tx.add_client(name="Lileya", at=at()))
    assert crm.history("client", client.id)[0].actor == "1C exchange"
    assert crm.history("client", other.id)[0].actor == "olena"
    assert crm.actor == "olena"


def test_the_store_inside_its_own_transaction_is_refused_not_deadlocked(crm: crmkit.Crm) -> None:
    def calls_the_store(tx: crmkit.Transaction) -> None:
        tx.add_client(name="Romashka", at=at())
        crm.list_clients()

    with pytest.raises(crmkit.ConflictError, match="inside a transaction"):
        crm.transaction(calls_the_store)
    with pytest.raises(crmkit.ConflictError):
        crm.transaction(lambda tx: crm.transaction(lambda inner: None))
    with pytest.raises(crmkit.ConflictError, match="close the store after the transaction"):
        crm.transaction(lambda tx: crm.close())
    assert crm.list_clients() == [] and not crm.closed


def test_a_transaction_handle_is_dead_after_its_transaction(crm: crmkit.Crm) -> None:
    kept = crm.transaction(lambda tx: tx)
    assert not kept.active and "over" in repr(kept)
    with pytest.raises(crmkit.ConflictError, match="transaction is over"):
        kept.list_clients()
    with pytest.raises(crmkit.ConflictError):
        kept.record_orders([])


def test_a_transaction_handle_belongs_to_its_thread(crm: crmkit.Crm) -> None:
    errors: List[BaseException] = []

    def body(tx: crmkit.Transaction) -> None:
        assert tx.active
        worker = threading.Thread(target=lambda: _try(lambda: tx.list_clients(), errors))
        worker.start()
        worker.join(10)

    crm.transaction(body)
    assert len(errors) == 1 and isinstance(errors[0], crmkit.ConflictError)
    assert "thread" in str(errors[0])


def _try(call: object, errors: List[BaseException]) -> None:
    try:
        call()  # type: ignore[operator]
    except BaseException as error:  # noqa: BLE001 - the test inspects it
        errors.append(error)


def test_a_rolled_back_transaction_leaves_the_file_as_it_was(store_path: Path) -> None:
    with crmkit.Crm.open(store_path) as crm:
        crm.add_client(name="Kept", at=at())
        with pytest.raises(ZeroDivisionError):
            crm.transaction(lambda tx: (tx.add_client(name="Gone", at=at()), 1 / 0))
    with crmkit.Crm.open(store_path) as again:
        assert [c.name for c in again.list_clients()] == ["Kept"]
