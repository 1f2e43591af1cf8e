"""Duplicates from Python: a capture linked to a known client by a phone written another way, a weaker
match only suggested, searching by details, pairs across scripts, a merge that moves the history and an
unmerge that restores it exactly, the settings, transactions, and the errors."""

from __future__ import annotations

import math
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Dict, List

import pytest

import crmkit

UTC = timezone.utc
T = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def at(hours: float) -> datetime:
    return T + timedelta(hours=hours)


def test_a_known_phone_in_another_format_links_the_capture(crm: crmkit.Crm) -> None:
    ivan = crm.add_client(name="Іван Петренко", kind="person", phone="+380 67 123-45-67", at=at(0))
    capture = crm.capture_lead(channel="phone", phone="0671234567", at=at(1))
    assert capture.auto_linked
    assert capture.lead.client_id == ivan.id
    assert [m.client_id for m in capture.matches] == [ivan.id]
    assert capture.matches[0].keys == ("phone",)
    assert 0.9 <= capture.matches[0].score <= 1
    assert isinstance(capture.matches[0], crmkit.Match)
    assert capture.to_dict()["matches"] == [capture.matches[0].to_dict()]


def test_a_company_name_alone_is_suggested_not_linked(crm: crmkit.Crm) -> None:
    romashka = crm.add_client(name="ТОВ «Ромашка»", at=at(0))
    capture = crm.capture_lead(channel="web", company="Romashka LLC", email="buyer@gmail.com", at=at(1))
    assert not capture.auto_linked
    assert capture.lead.client_id is None, "a person decides"
    assert [(m.client_id, m.keys) for m in capture.matches] == [(romashka.id, ("company",))]
    assert crm.dedup_settings().suggest <= capture.matches[0].score < crm.dedup_settings().auto_link


def test_a_request_that_names_its_client_is_not_matched(crm: crmkit.Crm) -> None:
    ivan = crm.add_client(name="Іван Петренко", kind="person", phone="+380671234567", at=at(0))
    other = crm.add_client(name="Олена Коваль", kind="person", at=at(0))
    capture = crm.capture_lead(channel="email", phone="0671234567", client_id=other.id, at=at(1))
    assert (capture.matches, capture.auto_linked, capture.lead.client_id) == ((), False, other.id)
    assert ivan.id != other.id


def test_find_duplicates_by_any_details(crm: crmkit.Crm) -> None:
    romashka = crm.add_client(
        name="ТОВ «Ромашка»", tax_id="12345678", email="office@romashka.ua", phone="+380441234567", at=at(0)
    )
    ivan = crm.add_client(
        name="Петренко Іван", kind="person", phone="+380671234567", birth_date=date(1990, 5, 17), at=at(0)
    )
    crm.add_client(name="Одеса Маркет", at=at(0))

    by_tax_id = crm.find_duplicates(tax_id="12345678")
    assert [(m.client_id, m.keys) for m in by_tax_id] == [(romashka.id, ("tax_id",))]
    assert crm.find_duplicates(email="OFFICE@romashka.ua")[0].client_id == romashka.id
    assert crm.find_duplicates(name="Romashka", kind="company")[0].client_id == romashka.id

    found = crm.find_duplicates(name="Ivan Petrenko", phone="067 123 45 67", email="ivan@example.com")
    assert found[0].client_id == ivan.id
    assert found[0].keys[:2] == ("phone", "name")
    assert found == sorted(found, key=lambda m: (-m.score, m.client_id)), "best first"
    assert crm.find_duplicates(name="Хтось Зовсім Інший", phone="+48 601 234 567") == []

    with pytest.raises(crmkit.ValidationError) as nothing:
        crm.find_duplicates()
    assert nothing.value.field == "probe"
    with pytest.raises(crmkit.ValidationError) as kind:
        crm.find_duplicates(name="Ivan", kind="robot")  # type: ignore[arg-type]
    assert kind.value.field == "kind"


def test_duplicate_pairs_across_scripts(crm: crmkit.Crm) -> None:
    latin = crm.add_client(name="Ivan Petrenko", kind="person", phone="+380 (67) 123 45 67", at=at(0))
    cyrillic = crm.add_client(name="Петренко Іван", kind="person", phone="067-123-45-67", at=at(0))
    crm.add_client(name="Олена Коваль", kind="person", phone="+380501112233", at=at(0))
    crm.add_client(name="ТОВ «Ромашка»", at=at(0))

    pairs = crm.duplicate_pairs(min_score=0.9)
    assert [(p.a, p.b) for p in pairs] == [(latin.id, cyrillic.id)]
    pair = pairs[0]
    assert isinstance(pair, crmkit.DuplicatePair)
    assert set(pair.keys) == {"phone", "name"} and pair.score >= 0.9
    assert crm.duplicate_pairs() == pairs, "0.9 is the default"
    assert crm.duplicate_pairs(1) == [p for p in pairs if p.score >= 1]
    assert [m.client_id for m in crm.client_duplicates(latin.id)] == [cyrillic.id]
    assert crm.client_duplicates(cyrillic.id)[0].score == pair.score

    for bad in (1.5, -0.1):
        with pytest.raises(crmkit.ValidationError) as caught:
            crm.duplicate_pairs(bad)
        assert caught.value.field == "min_score"
    with pytest.raises(crmkit.ValidationError) as nan:
        crm.duplicate_pairs(math.nan)
    assert nan.value.field == "min_score" and "finite" in nan.value.rule
    with pytest.raises(crmkit.NotFoundError):
        crm.client_duplicates(99)


def shop(crm: crmkit.Crm) -> Dict[str, int]:
    """Client ``kept`` (a company with one order) and its duplicate ``merged`` (with a phone, a tag, a
    contact, two orders, a lead and a deal, an activity)."""
    kept = crm.add_client(name="ТОВ «Ромашка»", email="office@romashka.ua", tags=["опт"], at=at(0)).id
    merged = crm.add_client(
        name="Romashka LLC",
        phone="+380441234567",
        email="sales@romashka.ua",
        region="Київ",
        tags=["vip"],
        at=at(0),
    ).id
    crm.add_contact(client_id=merged, name="Олена Іваненко", phones=["+380501112233"], at=at(1))
    crm.record_order(client_id=kept, total=Decimal("100.00"), at=at(2))
    crm.record_order(client_id=merged, total=Decimal("250.50"), at=at(3))
    crm.record_order(client_id=merged, total=Decimal("49.50"), at=at(4))
    lead = crm.capture_lead(channel="web", client_id=merged, at=at(5)).lead.id
    crm.log_activity(kind="call", direction="out", lead_id=lead, client_id=merged, at=at(6))
    crm.qualify_lead(lead, at=at(7))
    crm.convert_lead(lead, amount=Decimal("5000"), at=at(8))
    return {"kept": kept, "merged": merged, "lead": lead}


def test_merge_moves_the_history_and_unmerge_restores_it_exactly(crm: crmkit.Crm) -> None:
    ids = shop(crm)
    kept, merged = ids["kept"], ids["merged"]
    kept_before = crm.get_client(kept)
    merged_before = crm.get_client(merged)
    contacts_before = crm.list_contacts(merged)
    orders_before = crm.list_orders(client_id=merged)
    rollup_kept, rollup_merged = crm.client_rollup(kept), crm.client_rollup(merged)

    merge = crm.merge_clients(keep=kept, merge=merged, at=at(10))
    assert isinstance(merge, crmkit.Merge)
    assert (merge.kept_id, merge.merged_id, merge.at, merge.undone_at) == (kept, merged, at(10), None)
    assert merge.actor == "system"
    assert set(merge.moved.orders) == {o.id for o in orders_before}
    assert merge.moved.leads == (ids["lead"],) and len(merge.moved.deals) == 1
    assert len(merge.moved.activities) == 1 and len(merge.moved.contacts) == 1
    assert isinstance(merge.moved, crmkit.Moved)
    assert {"phone", "region"} <= set(merge.filled)
    assert merge.added_tags == ("vip",)
    assert [(c.field, c.kept, c.merged) for c in merge.conflicts] == [
        ("email", "office@romashka.ua", "sales@romashka.ua")
    ]
    assert all(isinstance(c, crmkit.MergeConflict) for c in merge.conflicts)
    assert merge.contact_id is not None, "the other e-mail is kept as a contact"

    # The history moved over: the rollup of the kept client adds up, the merged one is gone.
    rollup = crm.client_rollup(kept)
    assert rollup.revenue == rollup_kept.revenue + rollup_merged.revenue == Decimal("400.00")
    assert rollup.orders == 3
    assert {o.client_id for o in crm.list_orders()} == {kept}
    assert crm.get_lead(ids["lead"]).client_id == kept
    assert [c.id for c in crm.list_clients()] == [kept]
    survivor = crm.get_client(kept)
    assert survivor.phone == "+380441234567" and set(survivor.tags) == {"опт", "vip"}
    with pytest.raises(crmkit.NotFoundError, match="merged into client") as gone:
        crm.get_client(merged)
    assert gone.value.entity == "client" and f"merged into client {kept}" in str(gone.value)
    assert crm.get_merge(merge.id) == merge
    assert crm.list_merges(merged) == crm.list_merges(kept) == crm.list_merges() == [merge]

    undone = crm.unmerge(merge.id, at=at(11))
    assert undone.undone_at == at(11)
    assert undone == crm.get_merge(merge.id)
    assert crm.get_client(merged) == merged_before
    assert crm.get_client(kept) == kept_before
    assert crm.list_contacts(merged) == contacts_before
    assert crm.list_contacts(kept) == []
    assert crm.list_orders(client_id=merged) == orders_before
    assert crm.client_rollup(kept) == rollup_kept
    assert crm.client_rollup(merged) == rollup_merged
    assert crm.get_lead(ids["lead"]).client_id == merged
    kinds = [e.kind for e in crm.history("client", merged)]
    assert kinds[-2:] == ["merged_away", "restored"]

    with pytest.raises(crmkit.ConflictError, match="undone already"):
        crm.unmerge(merge.id, at=at(12))
    with pytest.raises(crmkit.NotFoundError) as missing:
        crm.unmerge(99, at=at(12))
    assert missing.value.entity == "merge"
    with pytest.raises(crmkit.NotFoundError):
        crm.get_merge(99)


def test_a_merge_is_refused_when_it_makes_no_sense(crm: crmkit.Crm) -> None:
    client = crm.add_client(name="Romashka", at=at(0)).id
    with pytest.raises(crmkit.ValidationError) as itself:
        crm.merge_clients(keep=client, merge=client, at=at(1))
    assert itself.value.field == "merge"
    with pytest.raises(crmkit.NotFoundError):
        crm.merge_clients(keep=client, merge=99, at=at(1))
    assert crm.list_merges() == []


def test_a_merge_in_a_failed_transaction_is_rolled_back(crm: crmkit.Crm) -> None:
    ids = shop(crm)
    kept, merged = ids["kept"], ids["merged"]
    merged_before = crm.get_client(merged)
    last = crm.last_seq()

    class Abort(Exception):
        pass

    def body(tx: crmkit.Transaction) -> None:
        merge = tx.merge_clients(keep=kept, merge=merged, at=at(10))
        assert tx.get_merge(merge.id) == merge, "readers see the transaction's writes"
        assert tx.client_rollup(kept).orders == 3
        with pytest.raises(crmkit.NotFoundError, match="merged into client"):
            tx.get_client(merged)
        raise Abort

    with pytest.raises(Abort):
        crm.transaction(body)
    assert crm.get_client(merged) == merged_before
    assert crm.client_rollup(kept).orders == 1
    assert crm.list_merges() == [] and crm.last_seq() == last

    def refused(tx: crmkit.Transaction) -> int:
        merge = tx.merge_clients(keep=kept, merge=merged, at=at(10))
        tx.unmerge(merge.id, at=at(11))
        with pytest.raises(crmkit.ConflictError):
            tx.unmerge(merge.id, at=at(12))
        return merge.id

    merge_id = crm.transaction(refused)
    assert crm.get_merge(merge_id).undone_at == at(11), "the failed second unmerge left nothing of itself"
    assert crm.get_client(merged) == merged_before


def test_dedup_inside_a_transaction(crm: crmkit.Crm) -> None:
    def body(tx: crmkit.Transaction) -> List[int]:
        a = tx.add_client(name="Ivan Petrenko", kind="person", phone="+380671234567", at=at(0)).id
        b = tx.add_client(name="Петренко Іван", kind="person", phone="0671234567", at=at(0)).id
        assert [m.client_id for m in tx.find_duplicates(phone="067 123 4567")] == [a, b]
        assert [(p.a, p.b) for p in tx.duplicate_pairs(0.9)] == [(a, b)]
        assert tx.client_duplicates(a)[0].client_id == b
        settings = tx.set_dedup_settings(auto_link=0.95, at=at(1))
        assert tx.dedup_settings() == settings
        assert tx.rebuild_match_keys(at=at(1)) == 2
        merge = tx.merge_clients(keep=a, merge=b, at=at(2))
        assert tx.list_merges(a) == [merge]
        return [merge.id]

    assert crm.transaction(body) == [1]
    assert crm.dedup_settings().auto_link == 0.95
    assert crm.get_merge(1).kept_id == 1


def test_settings_round_trip(crm: crmkit.Crm) -> None:
    defaults = crm.dedup_settings()
    assert defaults == crmkit.DedupSettings(auto_link=0.9, suggest=0.5, key_limit=20, default_country="UA")

    changed = crm.set_dedup_settings(suggest=0.6, key_limit=5, at=at(0))
    assert changed == crmkit.DedupSettings(auto_link=0.9, suggest=0.6, key_limit=5, default_country="UA")
    assert crm.dedup_settings() == changed
    assert crm.set_dedup_settings(at=at(1)) == changed, "nothing given, nothing changes"
    again = crm.set_dedup_settings(auto_link=1, default_country="pl", at=at(2))
    assert again == crmkit.DedupSettings(auto_link=1.0, suggest=0.6, key_limit=5, default_country="PL")
    assert isinstance(again.auto_link, float)
    assert [e.kind for e in crm.history("settings", 0)] == ["dedup_set", "dedup_set"]
    assert again.to_dict() == {"auto_link": 1.0, "suggest": 0.6, "key_limit": 5, "default_country": "PL"}


def test_the_default_country_reads_local_phones(crm: crmkit.Crm) -> None:
    polish = crm.add_client(name="Jan Kowalski", kind="person", phone="+48 601 234 567", at=at(0))
    assert crm.find_duplicates(phone="601234567") == []
    crm.set_dedup_settings(default_country="PL", at=at(1))
    assert [m.client_id for m in crm.find_duplicates(phone="601 234 567")] == [polish.id]
    assert crm.rebuild_match_keys(at=at(2)) == 1


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"auto_link": 1.5}, "auto_link"),
        ({"auto_link": -0.1}, "auto_link"),
        ({"auto_link": math.inf}, "auto_link"),
        ({"suggest": math.nan}, "suggest"),
        ({"suggest": 0.95}, "suggest"),
        ({"auto_link": 0.4}, "suggest"),
        ({"key_limit": 0}, "key_limit"),
        ({"key_limit": -1}, "key_limit"),
        ({"key_limit": 10_001}, "key_limit"),
        ({"default_country": "XX"}, "default_country"),
        ({"default_country": ""}, "default_country"),
    ],
)
def test_bad_settings_are_validation_errors_naming_the_field(
    crm: crmkit.Crm, change: Dict[str, Any], field: str
) -> None:
    with pytest.raises(crmkit.ValidationError) as caught:
        crm.set_dedup_settings(at=at(0), **change)
    assert caught.value.field == field, caught.value
    assert crm.dedup_settings() == crmkit.DedupSettings(0.9, 0.5, 20, "UA"), "nothing was written"


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda c: c.find_duplicates(name=7), "name"),
        (lambda c: c.find_duplicates(phone=380671234567), "phone"),
        (lambda c: c.find_duplicates(birth_date="1990-05-17"), "birth_date"),
        (lambda c: c.client_duplicates("1"), "client_id"),
        (lambda c: c.duplicate_pairs("0.9"), "min_score"),
        (lambda c: c.duplicate_pairs(True), "min_score"),
        (lambda c: c.duplicate_pairs(Decimal("0.9")), "min_score"),
        (lambda c: c.merge_clients(keep="1", merge=2), "keep"),
        (lambda c: c.merge_clients(keep=1, merge=2.0), "merge"),
        (lambda c: c.merge_clients(keep=1, merge=2, at="now"), "at"),
        (lambda c: c.unmerge(None), "merge_id"),
        (lambda c: c.get_merge("1"), "merge_id"),
        (lambda c: c.list_merges("1"), "client_id"),
        (lambda c: c.set_dedup_settings(auto_link="0.9"), "auto_link"),
        (lambda c: c.set_dedup_settings(key_limit=2.5), "key_limit"),
        (lambda c: c.set_dedup_settings(default_country=380), "default_country"),
        (lambda c: c.rebuild_match_keys(at=date(2026, 3, 2)), "at"),
    ],
)
def test_wrong_types_are_type_errors_naming_the_argument(crm: crmkit.Crm, call: Any, field: str) -> None:
    with pytest.raises(TypeError) as caught:
        call(crm)
    assert str(caught.value).startswith(f"{field}: "), caught.value


def test_merge_arguments_are_keywords(crm: crmkit.Crm) -> None:
    with pytest.raises(TypeError):
        crm.merge_clients(1, 2)  # type: ignore[call-arg]


def test_results_are_frozen_and_exported(crm: crmkit.Crm) -> None:
    a = crm.add_client(name="Ivan Petrenko", kind="person", phone="+380671234567", at=at(0)).id
    b = crm.add_client(name="Петренко Іван", kind="person", phone="0671234567", at=at(0)).id
    match = crm.client_duplicates(a)[0]
    with pytest.raises(AttributeError):
        match.score = 1.0  # type: ignore[misc]
    merge = crm.merge_clients(keep=a, merge=b, at=at(1))
    with pytest.raises(AttributeError):
        merge.kept_id = b  # type: ignore[misc]
    data = merge.to_dict()
    assert data["moved"]["orders"] == [] and data["at"] == at(1)
    for name in ("Match", "DuplicatePair", "Merge", "MergeConflict", "Moved", "DedupSettings"):
        assert name in crmkit.__all__
    for command in ("merge_clients", "unmerge", "find_duplicates", "duplicate_pairs", "set_dedup_settings"):
        assert command in crmkit._crmkit.COMMANDS
    assert "settings" in crmkit._crmkit.ENTITIES
