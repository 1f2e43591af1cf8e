"""Every exception class, reached on purpose, with the attributes a caller acts on."""

from __future__ import annotations

import pickle
import sqlite3
from pathlib import Path

import pytest

import crmkit
from conftest import at


def test_the_hierarchy_has_one_root_and_the_standard_bases() -> None:
    for cls in (
        crmkit.ValidationError,
        crmkit.NotFoundError,
        crmkit.InvalidTransitionError,
        crmkit.ConflictError,
        crmkit.StorageError,
        crmkit.SchemaTooNewError,
        crmkit.InternalError,
    ):
        assert issubclass(cls, crmkit.CrmError)
    assert issubclass(crmkit.ValidationError, ValueError)
    assert issubclass(crmkit.NotFoundError, LookupError)
    assert issubclass(crmkit.SchemaTooNewError, crmkit.StorageError)
    assert issubclass(crmkit.InternalError, RuntimeError)
    assert not issubclass(crmkit.CrmError, ValueError)


def test_validation_error_names_the_field_and_the_rule(crm: crmkit.Crm) -> None:
    client = crm.add_client(name="Romashka", at=at())
    with pytest.raises(crmkit.ValidationError) as caught:
        crm.record_order(client_id=client.id, total=10, lines=[("SKU-1", 1, 10), ("SKU-2", 0, 0)], at=at())
    error = caught.value
    assert (error.field, error.rule) == ("lines[1].quantity", "must be greater than zero")
    assert str(error) == "lines[1].quantity: must be greater than zero"
    assert error.kind == "validation" and error.entity is None
    assert isinstance(error, ValueError)

    with pytest.raises(crmkit.ValidationError) as empty:
        crm.add_client(name="  ", at=at())
    assert empty.value.field == "name"

    with pytest.raises(crmkit.ValidationError) as nothing:
        crm.capture_lead(channel="web", name="Nobody", at=at())
    assert nothing.value.field == "contact"

    with pytest.raises(crmkit.ValidationError) as code:
        crm.capture_lead(channel="pigeon", phone="+380671234567", at=at())  # type: ignore[arg-type]
    assert code.value.field == "channel" and "unknown variant" in code.value.rule

    with pytest.raises(crmkit.ValidationError) as entity:
        crm.history("clients", 1)  # type: ignore[arg-type]
    assert entity.value.field == "entity"


def test_not_found_names_the_entity_and_the_key(crm: crmkit.Crm) -> None:
    with pytest.raises(crmkit.NotFoundError) as caught:
        crm.get_lead(42)
    assert (caught.value.entity, caught.value.key, caught.value.field) == ("lead", "42", None)
    assert isinstance(caught.value, LookupError) and caught.value.kind == "not_found"

    lead = crm.capture_lead(channel="web", phone="+380671234567", at=at()).lead
    crm.start_lead(lead.id, at=at())
    with pytest.raises(crmkit.ValidationError) as reason:
        crm.lose_lead(lead.id, reason="weather", at=at(1))
    assert reason.value.field == "reason", "a reason must be a code of the catalogue"

    with pytest.raises(crmkit.NotFoundError) as contact:
        crm.add_contact(client_id=3, name="Ivan", at=at())
    assert (contact.value.entity, contact.value.key) == ("client", "3")

    with pytest.raises(crmkit.NotFoundError) as client:
        crm.record_order(client_id=7, total=1, at=at())
    assert client.value.entity == "client"


def test_invalid_transition_says_from_and_to(crm: crmkit.Crm) -> None:
    lead = crm.capture_lead(channel="web", phone="+380671234567", at=at()).lead
    with pytest.raises(crmkit.InvalidTransitionError) as caught:
        crm.convert_lead(lead.id, at=at(1))
    error = caught.value
    assert (error.entity, error.from_state, error.to_state) == ("lead", "new", "converted")
    assert error.kind == "invalid_transition"

    client = crm.add_client(name="Romashka", at=at())
    deal = crm.open_deal(client_id=client.id, title="Chairs", at=at())
    crm.win_deal(deal.id, at=at(1))
    with pytest.raises(crmkit.InvalidTransitionError) as closed:
        crm.move_deal(deal.id, stage="proposal", at=at(2))
    assert closed.value.entity == "deal"


def test_conflicts(crm: crmkit.Crm) -> None:
    crm.add_source(name="Google Ads", channel="ads", at=at())
    with pytest.raises(crmkit.ConflictError) as caught:
        crm.add_source(name="Google Ads", channel="ads", at=at())
    assert caught.value.kind == "conflict" and "source" in str(caught.value)

    client = crm.add_client(name="Romashka", at=at())
    crm.record_order(client_id=client.id, total=10, external_ref="WEB-1", at=at())
    with pytest.raises(crmkit.ConflictError):
        crm.record_order(client_id=client.id, total=11, external_ref="WEB-1", at=at())


def test_storage_errors_closed_store_and_a_foreign_file(tmp_path: Path) -> None:
    crm = crmkit.Crm.open(":memory:")
    crm.close()
    with pytest.raises(crmkit.StorageError, match="closed"):
        crm.list_clients()
    with pytest.raises(crmkit.StorageError):
        crm.set_actor("olena")

    foreign = tmp_path / "other.db"
    with sqlite3.connect(foreign) as db:
        db.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY)")
    db.close()
    with pytest.raises(crmkit.StorageError, match="not a crmkit store") as caught:
        crmkit.Crm.open(foreign)
    assert type(caught.value) is crmkit.StorageError

    with pytest.raises(crmkit.StorageError):
        crmkit.Crm.open(tmp_path / "no" / "such" / "dir" / "shop.crm")


def test_schema_too_new_leaves_the_file_alone(store_path: Path) -> None:
    crmkit.Crm.open(store_path).close()
    with sqlite3.connect(store_path) as db:
        db.execute("PRAGMA user_version = 999")
    db.close()
    with pytest.raises(crmkit.SchemaTooNewError) as caught:
        crmkit.Crm.open(store_path)
    assert (caught.value.found, caught.value.supported) == (999, crmkit.SCHEMA_VERSION)
    assert isinstance(caught.value, crmkit.StorageError) and caught.value.kind == "schema_too_new"
    with sqlite3.connect(store_path) as db:
        assert db.execute("PRAGMA user_version").fetchone()[0] == 999
    db.close()


def test_a_panic_in_rust_is_an_internal_error_not_a_panic_exception(crm: crmkit.Crm) -> None:
    with pytest.raises(crmkit.InternalError, match="boom") as caught:
        crmkit._crmkit._panic("boom")
    assert isinstance(caught.value, Exception), "pyo3's PanicException is a BaseException; this is not"
    assert crm.capture_lead(channel="web", phone="+380671234567", at=at()).lead.id == 1


def test_errors_survive_pickling(crm: crmkit.Crm) -> None:
    with pytest.raises(crmkit.NotFoundError) as caught:
        crm.get_client(5)
    copy = pickle.loads(pickle.dumps(caught.value))
    assert type(copy) is crmkit.NotFoundError
    assert (str(copy), copy.entity, copy.key) == ("client 5 not found", "client", "5")
