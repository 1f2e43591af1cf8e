"""The segment language from Python: expressions over a small shop with known answers, history (as_of),
saved segments and their refresh events, CSV export to a path and to file objects, the field catalogue,
errors with their position, and the same calls inside a transaction."""

from __future__ import annotations

import io
import pickle
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, List, Union

import pytest

import crmkit

UTC = timezone.utc
START = datetime(2025, 1, 1, 10, 0, tzinfo=UTC)
"""When the managers, the source and the first five clients were added."""
AS_OF = datetime(2026, 11, 2, 12, 0, tzinfo=UTC)
"""The evaluation time of most tests (a Monday)."""
BEFORE = datetime(2026, 9, 1, tzinfo=UTC)
"""An earlier evaluation time: before client 1's second order, client 2's first and client 6 itself."""

HEADER = (
    "client_id,name,kind,email,phone,contact_name,contact_email,contact_phone,region,industry,owner_id,tags\r\n"
)


@dataclass(frozen=True)
class Shop:
    crm: crmkit.Crm
    lead: int
    """A web request from Kyiv, received on Monday 2026-11-02 at 10:15 UTC."""


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def build(crm: Union[crmkit.Crm, crmkit.Transaction]) -> int:
    """Managers 1 and 2, a source, clients 1 to 6, and two leads: one of client 2 (from the source) and one
    web request (its id is returned)."""
    olena = crm.add_manager(name="Olena Koval", at=START).id
    taras = crm.add_manager(name="Taras Shevchenko", at=START).id
    ads = crm.add_source(name="Google Ads", channel="ads", at=START).id

    # 1: a wholesale company in Kyiv, two orders (the second after BEFORE).
    c1 = crm.add_client(
        name="ТОВ Ромашка",
        region="Київ",
        industry="retail",
        email="office@romashka.ua",
        owner_id=olena,
        tags=["vip", "Опт"],
        attributes={"loyalty": "gold", "employees": 120, "verified": True},
        at=START,
    ).id
    crm.add_contact(
        client_id=c1,
        name="Олена Іваненко",
        phones=["+380501112233"],
        emails=["olena@romashka.ua"],
        at=START,
    )
    crm.record_order(client_id=c1, total=Decimal("1000.00"), at=utc(2025, 3, 1, 12))
    crm.record_order(client_id=c1, total=Decimal("2500.50"), at=utc(2026, 9, 15, 12))
    # 2: a person in Lviv who came through Google Ads; one small recent order.
    c2 = crm.add_client(
        name="Іван Петренко",
        kind="person",
        region="Львів",
        phone="+380671234567",
        owner_id=taras,
        tags=["newsletter"],
        attributes={"loyalty": "silver", "employees": 1},
        at=START,
    ).id
    crm.capture_lead(channel="ads", source=ads, client_id=c2, at=utc(2025, 2, 1, 9))
    crm.record_order(client_id=c2, total=Decimal("99.99"), at=utc(2026, 10, 30, 12))
    # 3: a big client in Kyiv (Latin name with a comma) who has not ordered for a long time.
    c3 = crm.add_client(
        name="Kyiv Trading, LLC",
        region="Київ",
        tags=["VIP"],
        attributes={"loyalty": "gold", "card": {"level": 2}},
        at=START,
    ).id
    crm.record_order(client_id=c3, total=Decimal("150000.00"), at=utc(2025, 6, 1, 12))
    # 4: no region, no orders, no attributes.
    c4 = crm.add_client(name="Oleksa O'Brien", industry="it", at=START).id
    # 5: Odesa; one completed order and one cancelled (which does not count).
    c5 = crm.add_client(name="Одеса Маркет", region="Одеса", attributes={"employees": 45.5}, at=START).id
    crm.record_order(client_id=c5, total=Decimal("500.00"), at=utc(2026, 8, 10, 12))
    cancelled = crm.record_order(client_id=c5, total=Decimal("300.00"), at=utc(2026, 10, 1, 12))
    crm.set_order_status(cancelled.id, status="cancelled", at=utc(2026, 10, 2, 12))
    # 6: added after BEFORE, in Kyiv.
    c6 = crm.add_client(name="Новий Клієнт", region="Київ", at=utc(2026, 10, 1, 9)).id
    crm.record_order(client_id=c6, total=Decimal("10.00"), at=utc(2026, 10, 15, 12))
    assert [c1, c2, c3, c4, c5, c6] == [1, 2, 3, 4, 5, 6]

    lead = crm.capture_lead(
        channel="web",
        source=ads,
        phone="+380671112233",
        region="Київ",
        interest="wholesale",
        estimated_value=Decimal("1500.50"),
        owner_id=olena,
        at=utc(2026, 11, 2, 10, 15),
    ).lead.id
    return lead


@pytest.fixture
def shop(crm: crmkit.Crm) -> Shop:
    return Shop(crm, build(crm))


# Every expression with the exact members as of AS_OF.
CASES = [
    # equality, and/or/not, precedence, comments, case of keywords and fields
    ("region = 'Київ'", [1, 3, 6]),
    ("region = 'Київ' and orders >= 2", [1]),
    ("REGION = 'Київ' AND Orders >= 2  -- the wholesale regulars", [1]),
    ("region = 'Київ' or region = 'Одеса'", [1, 3, 5, 6]),
    ("has tag 'vip' or region = 'Одеса' and orders = 0", [1, 3]),
    ("(has tag 'vip' or region = 'Одеса') and orders >= 1", [1, 3, 5]),
    ("not (region = 'Київ')", [2, 5]),
    ("region != 'Київ'", [2, 5]),
    ("region != 'Київ' or region is null", [2, 4, 5]),
    ("region is null", [4]),
    ("region is not null and not region in ('Київ')", [2, 5]),
    # in / not in
    ("region in ('Львів', 'Одеса')", [2, 5]),
    ("region not in ('Київ')", [2, 5]),
    ("kind = 'person'", [2]),
    ("kind in ('company')", [1, 3, 4, 5, 6]),
    # text: contains / starts with, case-insensitive in any script; quotes inside text
    ("region contains 'київ'", [1, 3, 6]),
    ("name contains 'РОМАШКА'", [1]),
    ("name contains 'trading'", [3]),
    ("name not contains '\u043e'", [3, 4]),  # a Cyrillic o
    ("name starts with 'оде'", [5]),
    ("name not starts with 'ТОВ'", [2, 3, 4, 5, 6]),
    ("name = 'Oleksa O''Brien'", [4]),
    ("email is not null", [1]),
    ("phone is not null", [2]),
    ("industry = 'it' or industry = 'retail'", [1, 4]),
    # tags, case-insensitive (Cyrillic too)
    ("has tag 'vip'", [1, 3]),
    ("has tag 'VIP'", [1, 3]),
    ("has tag 'опт'", [1]),
    ("not has tag 'vip'", [2, 4, 5, 6]),
    # money: exact decimals; a client without orders has revenue 0
    ("revenue >= 3500.50", [1, 3]),
    ("revenue > 3500.50", [3]),
    ("revenue = 3500.5", [1]),
    ("revenue = 99.99", [2]),
    ("revenue between 100 and 5000", [1, 5]),
    ("revenue not between 100 and 5000", [2, 3, 4, 6]),
    ("revenue < 100", [2, 4, 6]),
    ("average_order = 1750.25", [1]),
    ("average_order is null", [4]),
    ("revenue_90d >= 500", [1, 5]),
    ("revenue_90d = 0", [3, 4]),
    ("revenue_365d > 1000", [1]),
    # counts; a cancelled order does not count
    ("orders = 0", [4]),
    ("orders = 1", [2, 3, 5, 6]),
    ("orders in (2, 3)", [1]),
    # dates, relative dates, days since the last order (UTC dates)
    ("days_since_last_order > 90", [3]),
    ("days_since_last_order > 30", [1, 3, 5]),
    ("days_since_last_order <= 7", [2]),
    ("days_since_last_order between 40 and 90", [1, 5]),
    ("days_since_last_order > 12w", [3]),
    ("days_since_last_order is null", [4]),
    ("last_order < 90d ago", [3]),
    ("last_order >= 30d ago", [2, 6]),
    ("last_order >= 2026-10-01", [2, 6]),
    ("last_order = 2026-10-30", [2]),
    ("first_order between 2025-01-01 and 2025-12-31", [1, 3]),
    ("created >= 2026-01-01", [6]),
    ("created = 2025-01-01", [1, 2, 3, 4, 5]),
    # attributes: by JSON type; a missing key or another type is unknown
    ("attributes.loyalty = 'gold'", [1, 3]),
    ("attributes.loyalty in ('gold', 'silver')", [1, 2, 3]),
    ("attributes.loyalty contains 'OL'", [1, 3]),
    ("attributes.loyalty is null", [4, 5, 6]),
    ("attributes.employees > 40", [1, 5]),
    ("attributes.employees between 1 and 50", [2, 5]),
    ("attributes.employees = 45.5", [5]),
    ("attributes.verified = true", [1]),
    ("attributes.card.level = 2", [3]),
    ("attributes.loyalty = 120 or attributes.employees = 'gold'", []),
    # managers and sources by name or id
    ("owner = 'Olena Koval'", [1]),
    ("owner = 'olena koval'", [1]),
    ("owner = 2", [2]),
    ("owner is null", [3, 4, 5, 6]),
    ("source = 'Google Ads'", [2]),
    ("source is null", [1, 3, 4, 5, 6]),
]


@pytest.mark.parametrize(("expression", "members"), CASES)
def test_expressions_select_exactly_their_clients(shop: Shop, expression: str, members: List[int]) -> None:
    crm = shop.crm
    assert crm.segment(expression, as_of=AS_OF) == members
    assert crm.segment_count(expression, as_of=AS_OF) == len(members)
    # The in-memory evaluation of one client agrees with the SQL over all of them.
    for client_id in range(1, 7):
        assert crm.client_matches(expression, client_id, as_of=AS_OF) == (client_id in members), client_id


def test_results_are_plain_ints_and_now_is_the_default(shop: Shop) -> None:
    ids = shop.crm.segment("has tag 'vip'")
    assert ids == [1, 3] and all(type(i) is int for i in ids)
    assert shop.crm.segment_count("has tag 'vip'") == 2
    assert shop.crm.client_matches("has tag 'vip'", 1) is True


def test_history_as_of_counts_only_what_had_happened(shop: Shop) -> None:
    crm = shop.crm
    # Client 1's second order (2026-09-15) had not been placed; client 6 did not exist yet.
    assert crm.segment("orders >= 2", as_of=BEFORE) == []
    assert crm.segment("orders >= 2", as_of=AS_OF) == [1]
    assert crm.segment("revenue > 2000", as_of=BEFORE) == [3]
    assert crm.segment("revenue > 2000", as_of=AS_OF) == [1, 3]
    assert crm.segment("region = 'Київ'", as_of=BEFORE) == [1, 3]
    assert crm.segment_count("region = 'Київ'", as_of=BEFORE) == 2
    # As of BEFORE: client 1's last order was 2025-03-01, client 5's 2026-08-10, client 2 had none.
    assert crm.segment("days_since_last_order > 90", as_of=BEFORE) == [1, 3]
    assert crm.segment("days_since_last_order = 22", as_of=BEFORE) == [5]
    assert crm.segment("orders = 0", as_of=BEFORE) == [2, 4]
    assert crm.segment("revenue_90d > 0", as_of=BEFORE) == [5]
    assert crm.client_matches("orders >= 2", 1, as_of=BEFORE) is False
    assert crm.client_matches("orders >= 2", 1, as_of=AS_OF) is True
    assert crm.client_matches("region = 'Київ'", 6, as_of=BEFORE) is False, "not a client yet"
    # Exactly at an order's time it counts; a second before, it does not.
    placed = utc(2026, 9, 15, 12)
    assert crm.client_matches("orders = 2", 1, as_of=placed) is True
    assert crm.client_matches("orders = 2", 1, as_of=placed - timedelta(seconds=1)) is False


def test_a_date_as_of_means_the_end_of_that_day(shop: Shop) -> None:
    crm = shop.crm
    # Client 1's second order was placed at 12:00 on 2026-09-15: a date counts the whole day.
    assert crm.client_matches("orders = 2", 1, as_of=date(2026, 9, 15)) is True
    assert crm.client_matches("orders = 2", 1, as_of=date(2026, 9, 14)) is False
    assert crm.segment("orders >= 2", as_of=date(2026, 9, 15)) == [1]
    assert crm.segment("days_since_last_order = 0", as_of=date(2026, 9, 15)) == [1]
    with pytest.raises(TypeError, match="as_of"):
        crm.segment("orders >= 2", as_of="2026-09-15")  # type: ignore[arg-type]


def test_saved_segments_are_saved_replaced_listed_and_deleted(shop: Shop) -> None:
    crm = shop.crm
    t = utc(2026, 11, 1, 8)
    vip = crm.save_segment("vip", "has tag 'vip'", at=t)
    assert (vip.name, vip.expression, vip.created_at, vip.updated_at) == ("vip", "has tag 'vip'", t, t)
    assert (vip.refreshed_at, vip.members) == (None, 0)
    assert crm.get_segment("vip") == vip
    assert crm.segment("vip", as_of=AS_OF) == [1, 3], "a saved name is used as its expression"
    assert crm.save_segment("vip", "has tag 'vip'", at=t + timedelta(hours=1)) == vip, "unchanged"

    replaced = crm.save_segment("vip", "has tag 'vip' and orders >= 2", at=t + timedelta(hours=2))
    assert (replaced.id, replaced.created_at, replaced.updated_at) == (vip.id, t, t + timedelta(hours=2))
    assert crm.segment("vip", as_of=AS_OF) == [1]
    assert crm.segment_count("vip", as_of=AS_OF) == 1

    kyiv = crm.save_segment("kyiv-clients", "region = 'Київ'", at=t)
    assert [s.name for s in crm.list_segments()] == ["kyiv-clients", "vip"]
    assert kyiv.to_dict()["refreshed_at"] is None and kyiv.to_dict()["created_at"] == t

    with pytest.raises(crmkit.ValidationError) as named:
        crm.save_segment("region = 'Київ'", "orders > 1", at=t)
    assert named.value.field == "name" and "expression" in named.value.rule
    with pytest.raises(crmkit.ValidationError) as broken:
        crm.save_segment("broken", "orders >", at=t)
    assert broken.value.field == "expression" and broken.value.line == 1
    with pytest.raises(crmkit.NotFoundError) as missing:
        crm.segment("nosuch", as_of=AS_OF)
    assert (missing.value.entity, missing.value.key) == ("segment", "nosuch")

    deleted = crm.delete_segment("vip", at=t + timedelta(hours=3))
    assert deleted == replaced
    with pytest.raises(crmkit.NotFoundError):
        crm.get_segment("vip")
    with pytest.raises(crmkit.NotFoundError):
        crm.delete_segment("vip", at=t + timedelta(hours=3))
    assert [s.name for s in crm.list_segments()] == ["kyiv-clients"]
    kinds = [e.kind for e in crm.history("segment", vip.id)]
    assert kinds == ["created", "updated", "deleted"]


def test_refresh_records_who_entered_and_who_left(shop: Shop) -> None:
    crm = shop.crm
    crm.save_segment("dormant", "days_since_last_order > 60", at=START)

    first = crm.refresh_segment("dormant", as_of=BEFORE)
    assert (first.entered, first.left, first.members) == ((1, 3), (), 2)
    assert (first.name, first.as_of) == ("dormant", BEFORE)
    # Client 1 ordered on 2026-09-15 and left; client 5's last order grew older than 60 days.
    second = crm.refresh_segment("dormant", as_of=AS_OF)
    assert (second.entered, second.left, second.members) == ((5,), (1,), 2)
    assert second.segment_id == first.segment_id
    assert second.to_dict()["entered"] == [5]

    saved = crm.get_segment("dormant")
    assert (saved.refreshed_at, saved.members) == (AS_OF, 2)

    again = crm.refresh_segment("dormant", as_of=AS_OF)
    assert (again.entered, again.left, again.members) == ((), (), 2)
    with pytest.raises(crmkit.ValidationError) as back:
        crm.refresh_segment("dormant", as_of=BEFORE)
    assert back.value.field == "as_of" and back.value.line is None

    def membership(client_id: int) -> List[Any]:
        return [
            (e.kind, e.at, e.data["segment"])
            for e in crm.history("client", client_id)
            if e.kind.startswith("segment_")
        ]

    assert membership(1) == [("segment_entered", BEFORE, "dormant"), ("segment_left", AS_OF, "dormant")]
    assert membership(3) == [("segment_entered", BEFORE, "dormant")]
    assert membership(5) == [("segment_entered", AS_OF, "dormant")]
    assert membership(2) == []


def kyiv_rows() -> str:
    return HEADER + (
        "1,ТОВ Ромашка,company,office@romashka.ua,,Олена Іваненко,olena@romashka.ua,+380501112233,"
        "Київ,retail,1,vip;Опт\r\n"
        '3,"Kyiv Trading, LLC",company,,,,,,Київ,,,VIP\r\n'
        "6,Новий Клієнт,company,,,,,,Київ,,,\r\n"
    )


def test_export_to_a_path_writes_the_csv_natively(shop: Shop, tmp_path: Path) -> None:
    target = tmp_path / "kyiv.csv"
    assert shop.crm.export_segment("region = 'Київ'", target, as_of=AS_OF) == 3
    assert target.read_bytes().decode("utf-8") == kyiv_rows()
    # str paths too, and a segment with no members is a header alone.
    empty = tmp_path / "empty.csv"
    assert shop.crm.export_segment("orders > 100", str(empty), as_of=AS_OF) == 0
    assert empty.read_bytes() == HEADER.encode("utf-8")
    # An existing file is replaced.
    assert shop.crm.export_segment("region = 'Одеса'", target, as_of=AS_OF) == 1
    assert target.read_bytes().decode("utf-8") == HEADER + "5,Одеса Маркет,company,,,,,,Одеса,,,\r\n"


def test_a_failed_export_leaves_the_file_as_it_was(shop: Shop, tmp_path: Path) -> None:
    target = tmp_path / "kept.csv"
    target.write_text("keep me", encoding="utf-8")
    with pytest.raises(crmkit.ValidationError):
        shop.crm.export_segment("regoin = 'Київ'", target, as_of=AS_OF)
    with pytest.raises(crmkit.NotFoundError):
        shop.crm.export_segment("nosuch", target, as_of=AS_OF)
    assert target.read_text(encoding="utf-8") == "keep me"
    fresh = tmp_path / "fresh.csv"
    with pytest.raises(crmkit.ValidationError):
        shop.crm.export_segment("orders >", fresh, as_of=AS_OF)
    assert not fresh.exists(), "no file for an export that never started"
    with pytest.raises(crmkit.StorageError, match="no-such-dir"):
        shop.crm.export_segment("orders > 0", tmp_path / "no-such-dir" / "x.csv", as_of=AS_OF)


def test_export_to_file_objects(shop: Shop, tmp_path: Path) -> None:
    text = io.StringIO()
    assert shop.crm.export_segment("region = 'Київ'", text, as_of=AS_OF) == 3
    assert text.getvalue() == kyiv_rows()

    binary = io.BytesIO()
    assert shop.crm.export_segment("region = 'Київ'", binary, as_of=AS_OF) == 3
    assert binary.getvalue() == kyiv_rows().encode("utf-8")

    opened = tmp_path / "opened.csv"
    with open(opened, "w", encoding="utf-8", newline="") as out:
        out.write("# prefix kept\r\n")
        assert shop.crm.export_segment("region = 'Київ'", out, as_of=AS_OF) == 3
    assert opened.read_bytes().decode("utf-8") == "# prefix kept\r\n" + kyiv_rows()
    with open(opened, "wb") as raw:
        assert shop.crm.export_segment("region = 'Київ'", raw, as_of=AS_OF) == 3
    assert opened.read_bytes() == kyiv_rows().encode("utf-8")

    with pytest.raises(TypeError, match="^path_or_file: "):
        shop.crm.export_segment("orders > 0", 42, as_of=AS_OF)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="^path_or_file: "):
        shop.crm.export_segment("orders > 0", b"/tmp/x.csv", as_of=AS_OF)  # type: ignore[arg-type]


def test_fields_list_the_catalogue(crm: crmkit.Crm) -> None:
    clients = crm.fields()
    assert clients == crm.fields("clients") == crm.fields(subject="client")  # type: ignore[arg-type]
    by_name = {f.name: f for f in clients}
    assert list(by_name)[:2] == ["name", "kind"]
    for name in ("region", "revenue", "revenue_90d", "orders", "days_since_last_order", "attributes.<key>"):
        assert name in by_name, name
    assert by_name["kind"].type == "choice" and by_name["kind"].values == ("company", "person")
    assert (by_name["region"].type, by_name["region"].nullable, by_name["region"].values) == ("text", True, ())
    assert (by_name["name"].nullable, by_name["revenue"].type) == (False, "money")
    assert by_name["days_since_last_order"].type == "days"
    assert by_name["tags"].type == "tags" and by_name["attributes.<key>"].type == "attribute"
    assert all(f.doc for f in clients)
    assert by_name["region"].to_dict() == {
        "name": "region",
        "type": "text",
        "values": [],
        "nullable": True,
        "doc": by_name["region"].doc,
    }

    leads = {f.name: f for f in crm.fields("leads")}
    assert "web" in leads["channel"].values and leads["channel"].type == "choice"
    assert (leads["hour"].type, leads["weekday"].type, leads["estimate"].type) == ("hour", "weekday", "money")
    assert "revenue" not in leads

    with pytest.raises(crmkit.ValidationError) as subject:
        crm.fields("deals")  # type: ignore[arg-type]
    assert subject.value.field == "subject"
    with pytest.raises(TypeError, match="^subject: "):
        crm.fields(1)  # type: ignore[arg-type]


def test_check_expression_returns_the_canonical_form(shop: Shop) -> None:
    crm = shop.crm
    assert crm.check_expression("region = 'Київ'  AND (orders>=2)") == "region = 'Київ' and orders >= 2"
    assert crm.check_expression("owner = 'Olena Koval'") == "owner = 'Olena Koval'"
    assert crm.check_expression("channel = 'web'", subject="leads") == "channel = 'web'"
    with pytest.raises(crmkit.ValidationError) as unknown:
        crm.check_expression("owner = 'Olena Kowal'")
    assert "no manager is named 'Olena Kowal'" in str(unknown.value)
    assert "did you mean 'Olena Koval'?" in str(unknown.value)
    with pytest.raises(crmkit.ValidationError):
        crm.check_expression("revenue > 1", subject="leads")


def test_an_unknown_field_is_named_with_a_suggestion_and_a_position(shop: Shop) -> None:
    with pytest.raises(crmkit.ValidationError) as caught:
        shop.crm.segment("regoin = 'Kyiv'", as_of=AS_OF)
    error = caught.value
    assert "unknown field 'regoin'" in str(error) and "did you mean 'region'?" in str(error)
    assert (error.field, error.line, error.column) == ("expression", 1, 1)
    assert error.rule in str(error) and isinstance(error, ValueError)

    with pytest.raises(crmkit.ValidationError) as second_line:
        shop.crm.segment("region = 'Київ'\n  and revenu > 5", as_of=AS_OF)
    assert (second_line.value.line, second_line.value.column) == (2, 7)
    assert "did you mean 'revenue'?" in str(second_line.value)

    with pytest.raises(crmkit.ValidationError) as cyrillic:
        shop.crm.segment("region = 'Київ' and регіон = 'Київ'", as_of=AS_OF)
    assert cyrillic.value.column == 21, "columns count characters, not bytes"
    assert 'fields("clients")' in str(cyrillic.value), "no close name: the hint says where the fields are"

    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is crmkit.ValidationError
    assert (str(copy), copy.field, copy.rule, copy.line, copy.column) == (
        str(error),
        "expression",
        error.rule,
        1,
        1,
    )


@pytest.mark.parametrize(
    ("expression", "column", "words"),
    [
        ("revenue > 'abc'", 11, "money"),
        ("name = 'Ромашка", 8, "not closed"),
        ("revenue = 10.505", 11, "two decimal places"),
        ("created > 2026-02-30", 11, "not a date in the calendar"),
        ("orders >", 9, "expected a value"),
        ("region = Київ", 10, "single quotes"),
        ("region = \"Київ\"", 10, "single quotes"),
        ("has tag 5", 9, "a tag is text"),
        ("kind = 'persn'", 8, "did you mean 'person'?"),
        ("orders >= 2 and", 16, "the end of the expression"),
        ("", 1, "expected a condition such as"),
        ("(" * 65 + "orders > 1" + ")" * 65, 66, "nested deeper than 64 levels"),
        ("not " * 65 + "orders > 1", 261, "nested deeper than 64 levels"),
        ("(" * 10_000 + "orders > 1" + ")" * 10_000, 66, "nested deeper than 64 levels"),
    ],
)
def test_errors_say_what_and_where(shop: Shop, expression: str, column: int, words: str) -> None:
    with pytest.raises(crmkit.ValidationError) as caught:
        shop.crm.segment(expression, as_of=AS_OF)
    error = caught.value
    assert words in str(error), str(error)
    assert (error.line, error.column) == (1, column), str(error)
    assert f"at 1:{column}" in str(error)


def test_nesting_up_to_the_limit_is_fine(shop: Shop) -> None:
    assert shop.crm.segment("(" * 64 + "orders > 1" + ")" * 64, as_of=AS_OF) == [1]
    assert shop.crm.segment("not " * 63 + "orders > 1", as_of=AS_OF) == [2, 3, 4, 5, 6]


def test_other_validation_errors_have_no_position(crm: crmkit.Crm) -> None:
    with pytest.raises(crmkit.ValidationError) as caught:
        crm.add_client(name="  ", at=START)
    assert (caught.value.line, caught.value.column) == (None, None)
    with pytest.raises(crmkit.ValidationError) as empty:
        crm.save_segment("empty", "  ", at=START)
    assert empty.value.field == "expression" and empty.value.line is None


def test_values_cannot_change_the_statement(shop: Shop) -> None:
    crm = shop.crm
    assert crm.segment("name = 'x''); DROP TABLE clients; --'", as_of=AS_OF) == []
    assert crm.segment("name contains ''' OR 1=1 --'", as_of=AS_OF) == []
    assert crm.segment("attributes.\"a') OR 1=1 --\" = 'x'", as_of=AS_OF) == []
    assert crm.segment("has tag 'x'') OR 1=1 --'", as_of=AS_OF) == []
    assert len(crm.list_clients()) == 6 and crm.integrity_check() == ["ok"]
    assert crm.segment("name = 'Oleksa O''Brien'", as_of=AS_OF) == [4]


def test_lead_matches_a_routing_condition(shop: Shop) -> None:
    crm, lead = shop.crm, shop.lead
    assert crm.lead_matches("channel in ('web', 'phone') and hour between 9 and 17", lead) is True
    assert crm.lead_matches("channel = 'phone' or hour >= 18", lead) is False
    assert crm.lead_matches("estimate >= 1500.50 and not (estimate > 1500.50)", lead) is True
    assert crm.lead_matches("weekday = 'mon' and weekday = 1", lead, as_of=AS_OF) is True
    assert crm.lead_matches("source = 'Google Ads' and owner = 'Olena Koval'", lead) is True
    assert crm.lead_matches("region contains 'КИЇВ' and interest starts with 'whole'", lead) is True
    assert crm.lead_matches("status = 'new' and client is null", lead) is True
    assert crm.lead_matches("received = 2026-11-02 and received > 1d ago", lead, as_of=AS_OF) is True
    assert crm.lead_matches("language is null", lead) is True
    with pytest.raises(crmkit.ValidationError, match="have no tags"):
        crm.lead_matches("has tag 'vip'", lead)
    with pytest.raises(crmkit.ValidationError, match="did you mean 'web'"):
        crm.lead_matches("channel = 'webb'", lead)
    with pytest.raises(crmkit.ValidationError, match="unknown field 'revenue' for leads"):
        crm.lead_matches("revenue > 1", lead)
    with pytest.raises(crmkit.NotFoundError) as missing:
        crm.lead_matches("channel = 'web'", 99)
    assert (missing.value.entity, missing.value.key) == ("lead", "99")
    with pytest.raises(crmkit.NotFoundError):
        crm.client_matches("orders > 0", 99, as_of=AS_OF)


def test_segments_inside_a_transaction(crm: crmkit.Crm) -> None:
    def body(tx: crmkit.Transaction) -> List[int]:
        build(tx)
        tx.save_segment("kyiv", "region = 'Київ'", at=AS_OF)
        added = tx.add_client(name="Київська Пекарня", region="Київ", at=AS_OF - timedelta(hours=1))
        assert tx.segment("kyiv", as_of=AS_OF) == [1, 3, 6, added.id], "readers see the transaction's writes"
        assert tx.segment_count("region contains 'київ'", as_of=AS_OF) == 4
        assert tx.client_matches("region = 'Київ'", added.id, as_of=AS_OF)
        assert tx.check_expression("orders>1") == "orders > 1"
        assert tx.fields()[0].name == "name"
        out = io.StringIO()
        assert tx.export_segment("kyiv", out, as_of=AS_OF) == 4
        assert out.getvalue().endswith(f"{added.id},Київська Пекарня,company,,,,,,Київ,,,\r\n")
        change = tx.refresh_segment("kyiv", as_of=AS_OF)
        assert tx.lead_matches("channel = 'web'", 2)
        return list(change.entered)

    assert crm.transaction(body) == [1, 3, 6, 7]
    assert crm.get_segment("kyiv").members == 4

    class Abort(Exception):
        pass

    def failing(tx: crmkit.Transaction) -> None:
        tx.save_segment("gone", "orders > 0", at=AS_OF)
        assert tx.get_segment("gone").name == "gone"
        raise Abort

    with pytest.raises(Abort):
        crm.transaction(failing)
    assert [s.name for s in crm.list_segments()] == ["kyiv"]

    def refused(tx: crmkit.Transaction) -> str:
        with pytest.raises(crmkit.ValidationError) as caught:
            tx.save_segment("bad", "regoin = 'x'", at=AS_OF)
        assert caught.value.column == 1
        return tx.save_segment("good", "orders > 0", at=AS_OF).name

    assert crm.transaction(refused) == "good"
    assert [s.name for s in crm.list_segments()] == ["good", "kyiv"]


def test_fields_inside_a_transaction_need_no_store_call(crm: crmkit.Crm) -> None:
    names = crm.transaction(lambda tx: [f.name for f in tx.fields("leads")])
    assert names == [f.name for f in crm.fields("leads")]


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c: c.segment(42), "which"),
        (lambda c: c.segment("orders > 1", as_of="2026-11-02"), "as_of"),
        (lambda c: c.segment_count(None), "which"),
        (lambda c: c.check_expression(b"orders > 1"), "expression"),
        (lambda c: c.check_expression("orders > 1", subject=None), "subject"),
        (lambda c: c.save_segment("vip", 42), "expression"),
        (lambda c: c.save_segment(1, "orders > 1"), "name"),
        (lambda c: c.refresh_segment("vip", as_of=1), "as_of"),
        (lambda c: c.client_matches("orders > 1", "1"), "client_id"),
        (lambda c: c.lead_matches("channel = 'web'", 1.0), "lead_id"),
        (lambda c: c.export_segment(7, io.StringIO()), "which"),
    ],
)
def test_wrong_types_are_type_errors_naming_the_argument(crm: crmkit.Crm, call: Any, field: str) -> None:
    with pytest.raises(TypeError) as caught:
        call(crm)
    assert str(caught.value).startswith(f"{field}: "), caught.value


def test_results_are_frozen_and_exported(shop: Shop) -> None:
    segment = shop.crm.save_segment("vip", "has tag 'vip'", at=AS_OF)
    with pytest.raises(AttributeError):
        segment.name = "other"  # type: ignore[misc]
    assert isinstance(segment, crmkit.Segment)
    assert isinstance(shop.crm.refresh_segment("vip", as_of=AS_OF), crmkit.SegmentChange)
    assert isinstance(shop.crm.fields()[0], crmkit.Field)
    assert "segment" in crmkit._crmkit.ENTITIES
