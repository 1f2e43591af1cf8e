"""Opening, reopening and closing stores; the handle's settings."""

from __future__ import annotations

import sqlite3
from decimal import Decimal
from pathlib import Path

import pytest

import crmkit
from conftest import at


def test_a_file_store_keeps_everything_across_reopening(store_path: Path) -> None:
    with crmkit.Crm.open(store_path) as crm:
        assert crm.path == str(store_path)
        crm.set_actor("1C exchange")
        client = crm.add_client(name="ТОВ Ромашка", external_ref="1C-000123", at=at())
        crm.record_order(
            client_id=client.id, total=Decimal("245.90"), lines=[("SKU-1", 1, "245.90")], at=at(1)
        )
        lead = crm.capture_lead(channel="web", phone="+380671234567", at=at()).lead
        seq = crm.last_seq()
    assert crm.closed

    with crmkit.Crm.open(str(store_path)) as again:
        assert again.get_client(client.id) == client
        assert again.get_lead(lead.id) == lead
        assert again.client_rollup(client.id).revenue == Decimal("245.90")
        assert again.last_seq() == seq
        assert again.history("client", client.id)[0].actor == "1C exchange"
        assert again.actor == "system", "the actor belongs to a handle, not to the file"
        assert again.schema_version() == crmkit.SCHEMA_VERSION
        assert again.integrity_check() == ["ok"]


def test_closing_writes_the_log_back_so_the_file_alone_is_complete(store_path: Path) -> None:
    crm = crmkit.Crm.open(store_path)
    crm.add_client(name="Romashka", at=at())
    crm.close()
    assert not Path(str(store_path) + "-wal").exists() or Path(str(store_path) + "-wal").stat().st_size == 0
    with sqlite3.connect(store_path) as db:
        assert db.execute("SELECT name FROM clients").fetchall() == [("Romashka",)]
    db.close()


def test_close_is_idempotent_and_repr_says_so(store_path: Path) -> None:
    crm = crmkit.Crm.open(store_path)
    assert repr(crm) == f"<crmkit.Crm {str(store_path)!r}>" and not crm.closed
    crm.close()
    crm.close()
    assert crm.closed and repr(crm).endswith(" closed>")
    with pytest.raises(crmkit.StorageError):
        crm.get_client(1)


def test_the_context_manager_closes_on_an_exception_too(store_path: Path) -> None:
    with pytest.raises(KeyError):
        with crmkit.Crm.open(store_path) as crm:
            raise KeyError("boom")
    assert crm.closed


def test_memory_stores_are_private() -> None:
    with crmkit.Crm.open(":memory:") as one, crmkit.Crm.open(":memory:") as two:
        one.add_client(name="Romashka", at=at())
        assert two.list_clients() == [] and len(one.list_clients()) == 1


def test_open_refuses_what_is_not_a_path() -> None:
    with pytest.raises(TypeError, match="path"):
        crmkit.Crm.open(42)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match=r"crmkit.Crm.open\(path\)"):
        crmkit.Crm("shop.crm", "shop.crm")  # type: ignore[arg-type]


def test_strict_mode_is_per_handle(store_path: Path) -> None:
    with crmkit.Crm.open(store_path) as crm:
        assert not crm.strict
        crm.set_strict(True)
        assert crm.strict
        with pytest.raises(crmkit.ValidationError):
            crm.add_client(name="R", email="not-an-email", at=at())
        crm.set_strict(False)
        assert crm.add_client(name="R", email="not-an-email", at=at()).email_quality == "invalid"


def test_the_package_says_what_it_is() -> None:
    assert crmkit.__version__.count(".") == 2
    assert isinstance(crmkit.SCHEMA_VERSION, int) and crmkit.SCHEMA_VERSION >= 1
    assert set(crmkit.__all__) <= set(dir(crmkit))
    assert "capture_lead" in crmkit._crmkit.COMMANDS


def test_every_native_command_is_reachable_from_python() -> None:
    # The facade's commands and readers, by the name the native module knows them under, each have a
    # method of the same name on Crm and Transaction.
    for name in crmkit._crmkit.COMMANDS:
        assert callable(getattr(crmkit.Crm, name)), name
        assert callable(getattr(crmkit.Transaction, name)), name
    assert callable(crmkit.Crm.record_orders) and callable(crmkit.Transaction.record_orders)
