"""The pipeline reports through Python: the funnel, sources, the forecast, offers and objections, sales
plans and the manager report — on one March of a small shop whose figures are worked out by hand."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Dict, List, Optional

import pytest

import crmkit
from crmkit import Crm


def at(month: int, day: int, hour: int = 9, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=timezone.utc)


MARCH = (date(2026, 3, 1), date(2026, 3, 31))


@dataclasses.dataclass
class Shop:
    crm: Crm
    olena: int
    ivan: int
    ads: int
    expo: int
    leads: Dict[str, int]
    clients: Dict[str, int]
    deals: Dict[str, int]


def lead(
    crm: Crm, n: int, *, channel: crmkit.Channel, source: Optional[int], owner: Optional[int], when: datetime
) -> int:
    capture = crm.capture_lead(
        channel=channel,
        name=f"Person {n}",
        phone=f"+38050{1_000_000 + n * 7_919:07}",
        source=source,
        owner_id=owner,
        at=when,
    )
    return capture.lead.id


@pytest.fixture
def shop(crm: Crm) -> Shop:
    """March 2026: seven leads from two sources and none, two managers, a two-stage pipeline.

    | lead | source | owner | path |
    |---|---|---|---|
    | L1 | Ads | Olena | 02 received, started, 03 qualified, 04 converted (D1 1000.00), 06 contract, 10 won |
    | L2 | Ads | Ivan | 05 received, started, qualified, 06 converted (D2 2000.00), 20 won from proposal |
    | L3 | Ads | Olena | 08 received, started, 09 lost (price) |
    | L4 | Expo | Ivan | 10 received, junk |
    | L5 | none (phone) | none | 12 received, started, 13 qualified, 14 converted (D3 500.00), 18 deal lost |
    | L6 | Expo | Olena | 15 received, still new |
    | L8 | Ads | Olena | 20 received (client C1 again), started, 21 qualified, converted (D4 800.00, open) |
    | L7 | Ads | Olena | 2 April: outside March |
    """
    setup = at(2, 27)
    crm.set_pipeline([("proposal", "Proposal sent", 30), ("contract", "Contract", 80)], at=setup)
    olena = crm.add_manager(name="Olena", at=setup).id
    ivan = crm.add_manager(name="Ivan", at=setup).id
    ads = crm.add_source(name="Google Ads", channel="ads", campaign="spring", at=setup).id
    expo = crm.add_source(name="Expo", channel="other", at=setup).id
    for source, on, amount in [
        (ads, date(2026, 3, 5), "300.00"),
        (ads, date(2026, 3, 20), "100.00"),
        (ads, date(2026, 4, 2), "700.00"),
        (expo, date(2026, 3, 10), "50.00"),
    ]:
        crm.add_spend(source=source, on=on, amount=amount, at=setup)

    l1 = lead(crm, 1, channel="web", source=ads, owner=olena, when=at(3, 2))
    crm.start_lead(l1, at=at(3, 2, 10))
    crm.qualify_lead(l1, at=at(3, 3))
    conv1 = crm.convert_lead(l1, amount=Decimal("1000.00"), at=at(3, 4))
    crm.move_deal(conv1.deal_id, stage="contract", at=at(3, 6))
    crm.win_deal(conv1.deal_id, at=at(3, 10))

    l2 = lead(crm, 2, channel="web", source=ads, owner=ivan, when=at(3, 5))
    crm.start_lead(l2, at=at(3, 5, 9, 30))
    crm.qualify_lead(l2, at=at(3, 5, 12))
    conv2 = crm.convert_lead(l2, amount=Decimal("2000.00"), at=at(3, 6))
    crm.win_deal(conv2.deal_id, at=at(3, 20))

    l3 = lead(crm, 3, channel="web", source=ads, owner=olena, when=at(3, 8))
    crm.start_lead(l3, at=at(3, 8, 11))
    crm.lose_lead(l3, reason="price", at=at(3, 9))

    l4 = lead(crm, 4, channel="web", source=expo, owner=ivan, when=at(3, 10))
    crm.junk_lead(l4, kind="spam", at=at(3, 10, 10))

    l5 = lead(crm, 5, channel="phone", source=None, owner=None, when=at(3, 12))
    crm.start_lead(l5, at=at(3, 12))
    crm.qualify_lead(l5, at=at(3, 13))
    conv5 = crm.convert_lead(l5, amount=Decimal("500.00"), at=at(3, 14))
    crm.lose_deal(conv5.deal_id, reason="competitor", at=at(3, 18))

    l6 = lead(crm, 6, channel="web", source=expo, owner=olena, when=at(3, 15))

    l8 = crm.capture_lead(
        channel="web", client_id=conv1.client_id, source=ads, owner_id=olena, at=at(3, 20)
    ).lead.id
    crm.start_lead(l8, at=at(3, 20, 13))
    crm.qualify_lead(l8, at=at(3, 21, 8))
    conv8 = crm.convert_lead(l8, amount=Decimal("800.00"), at=at(3, 21))
    assert conv8.client_id == conv1.client_id
    crm.update_deal(conv8.deal_id, expected_close=date(2026, 4, 15), at=at(3, 21, 10))

    lead(crm, 7, channel="web", source=ads, owner=olena, when=at(4, 2))

    # Repeat sales in the pipeline: one overdue in the contract stage, one without a date.
    d5 = crm.open_deal(
        client_id=conv2.client_id,
        title="Second line",
        amount=Decimal("1000.00"),
        stage="contract",
        expected_close=date(2026, 3, 25),
        at=at(3, 22),
    )
    assert d5.stage == "contract"
    crm.open_deal(client_id=conv5.client_id, title="Spare parts", amount=Decimal("333.33"), at=at(3, 22))

    # Orders: C1 twice in the horizon and once after it, C2 once (and a cancelled one), C3 once.
    c1, c2, c3 = conv1.client_id, conv2.client_id, conv5.client_id
    crm.record_order(client_id=c1, total="500.00", at=at(3, 15))
    crm.record_order(client_id=c1, total="200.00", at=at(3, 22))
    crm.record_order(client_id=c1, total="999.00", at=at(3, 5, 12) + timedelta(days=365))
    crm.record_order(client_id=c2, total="1500.00", at=at(3, 25))
    crm.record_order(client_id=c2, total="999.00", status="cancelled", at=at(3, 26))
    crm.record_order(client_id=c3, total="100.00", at=at(3, 16))

    # Offers and objections.
    kp = "KP-wholesale-2026"
    crm.log_activity(kind="document", direction="out", lead_id=l1, offer=kp, at=at(3, 2, 11))
    crm.log_activity(kind="document", direction="out", lead_id=l3, offer=kp, at=at(3, 8, 12))
    crm.log_activity(kind="document", direction="out", lead_id=l3, offer=kp, at=at(3, 8, 15))
    d1, d2, d3, d4 = conv1.deal_id, conv2.deal_id, conv5.deal_id, conv8.deal_id
    crm.log_activity(kind="email", direction="out", deal_id=d2, offer="KP-retail", at=at(3, 7))
    crm.log_activity(kind="email", direction="out", deal_id=d4, offer="KP-retail", at=at(4, 2))
    te = "too_expensive"
    crm.log_activity(kind="call", direction="out", lead_id=l3, objection=te, argument="roi", at=at(3, 8, 16))
    crm.log_activity(kind="call", direction="out", deal_id=d1, objection=te, argument="roi", at=at(3, 5, 10))
    crm.log_activity(kind="call", direction="out", deal_id=d3, objection=te, at=at(3, 15))
    crm.log_activity(
        kind="call",
        direction="out",
        deal_id=d2,
        objection="has_supplier",
        argument="delivery_included",
        at=at(3, 8),
    )
    return Shop(
        crm=crm,
        olena=olena,
        ivan=ivan,
        ads=ads,
        expo=expo,
        leads={"L1": l1, "L2": l2, "L3": l3, "L4": l4, "L5": l5, "L6": l6, "L8": l8},
        clients={"C1": c1, "C2": c2, "C3": c3},
        deals={"D1": d1, "D2": d2, "D3": d3, "D4": d4, "D5": d5.id},
    )


# --- activities carry offers, objections and arguments -----------------------------------------------------


def test_activities_keep_the_offer_objection_and_argument(shop: Shop) -> None:
    calls = shop.crm.list_activities(deal_id=shop.deals["D2"])
    by_kind = {a.kind: a for a in calls}
    assert by_kind["email"].offer == "KP-retail" and by_kind["email"].objection is None
    assert (by_kind["call"].objection, by_kind["call"].argument) == ("has_supplier", "delivery_included")
    assert by_kind["call"].to_dict()["argument"] == "delivery_included"
    with pytest.raises(crmkit.ValidationError) as error:
        shop.crm.log_activity(kind="call", direction="out", lead_id=shop.leads["L6"], offer="x" * 201)
    assert error.value.field == "offer"


# --- funnel ------------------------------------------------------------------------------------------------


def test_cohort_funnel_counts_reached_steps_drops_and_reasons(shop: Shop) -> None:
    report = shop.crm.funnel(*MARCH)
    assert isinstance(report, crmkit.FunnelReport)
    assert (report.mode, report.start, report.end, report.as_of, report.by) == (
        "cohort",
        date(2026, 3, 1),
        date(2026, 3, 31),
        None,
        None,
    )
    assert report.groups == ()
    s = report.steps
    assert [x.code for x in s] == [
        "received",
        "in_progress",
        "qualified",
        "converted",
        "proposal",
        "contract",
        "won",
    ]
    assert (s[4].kind, s[4].label, s[6].kind) == ("stage", "Proposal sent", "won")
    # L2 skipped the contract stage but passed it: it counts there.
    assert [x.entered for x in s] == [7, 5, 4, 4, 4, 2, 2]
    assert s[0].conversion_from_previous is None
    assert s[1].conversion_from_previous == pytest.approx(5 / 7)
    assert s[2].conversion_from_previous == pytest.approx(0.8)
    assert s[6].conversion_from_first == pytest.approx(2 / 7)
    assert [x.dropped for x in s] == [2, 1, 0, 0, 2, 0, 0]
    # Received: L4 junk, L6 never answered. In progress: L3 lost for the price.
    assert (s[0].junk, s[0].open, s[0].lost) == (1, 1, 0)
    assert report.step("in_progress").lost_reasons == (crmkit.ReasonCount(reason="price", count=1),)
    # Proposal: D3 lost to a competitor, D4 still open there.
    proposal = report.step("proposal")
    assert proposal.lost_reasons == (crmkit.ReasonCount(reason="competitor", count=1),)
    assert (proposal.lost, proposal.open) == (1, 1)
    assert [x.current for x in s] == [1, 0, 0, 0, 1, 0, 2]
    # Times: received → next took 0, 30 min, 1 h, 1 h, 2 h, 4 h: median 1 h, p90 4 h.
    assert (s[0].timed, s[0].median_seconds, s[0].p90_seconds) == (6, 3600, 4 * 3600)
    assert (s[6].timed, s[6].median_seconds) == (0, None)
    data = report.to_dict()
    assert data["steps"][1]["lost_reasons"] == [{"reason": "price", "count": 1}]
    with pytest.raises(KeyError):
        report.step("delivery")


def test_snapshot_funnel_and_as_of(shop: Shop) -> None:
    report = shop.crm.funnel(date(2026, 3, 1), date(2026, 3, 9), mode="snapshot")
    assert report.as_of == at(3, 10, 0)
    assert [x.current for x in report.steps] == [0, 0, 0, 0, 1, 1, 0]
    assert [x.entered for x in report.steps] == [3, 3, 2, 2, 2, 1, 0]
    # A snapshot before L3 arrived leaves it out.
    early = shop.crm.funnel(date(2026, 3, 1), date(2026, 3, 9), mode="snapshot", as_of=at(3, 8, 0))
    assert early.steps[0].entered == 2


def test_funnel_split_by_manager_source_and_channel(shop: Shop) -> None:
    report = shop.crm.funnel(*MARCH, by="manager")
    assert report.by == "manager"
    assert [g.key for g in report.groups] == [str(shop.olena), str(shop.ivan), "none"]
    olena = report.group(shop.olena)
    assert (olena.label, olena.manager_id) == ("Olena", shop.olena)
    # Olena: L1, L3, L6, L8; one won.
    assert [x.entered for x in olena.steps] == [4, 3, 2, 2, 2, 1, 1]
    for i, step in enumerate(report.steps):
        assert sum(g.steps[i].entered for g in report.groups) == step.entered

    by_source = shop.crm.funnel(*MARCH, by="source")
    assert [g.source_id for g in by_source.groups] == [shop.ads, shop.expo, None]
    assert by_source.groups[0].label == "Google Ads (spring)"
    assert by_source.group(shop.ads).step("won").entered == 2
    assert by_source.group(shop.expo).step("received").junk == 1

    by_channel = shop.crm.funnel(*MARCH, by="channel")
    assert [g.channel for g in by_channel.groups] == ["phone", "web"]
    assert by_channel.group("phone").steps[0].entered == 1


def test_funnel_arguments_are_checked(shop: Shop) -> None:
    for kwargs, field in [
        ({"by": "region"}, "by"),
        ({"mode": "live"}, "mode"),
    ]:
        with pytest.raises(crmkit.ValidationError) as error:
            shop.crm.funnel(*MARCH, **kwargs)  # type: ignore[arg-type]
        assert error.value.field == field
    with pytest.raises(crmkit.ValidationError) as error:
        shop.crm.funnel(date(2026, 3, 31), date(2026, 3, 1))
    assert error.value.field == "end"
    with pytest.raises(TypeError, match="start"):
        shop.crm.funnel(None, date(2026, 3, 1))  # type: ignore[arg-type]


# --- sources -----------------------------------------------------------------------------------------------


def test_source_report_counts_spend_once_with_cac_and_romi(shop: Shop) -> None:
    rows = shop.crm.source_report(*MARCH)
    assert [r.source_id for r in rows] == [shop.ads, shop.expo, None]
    ads = rows[0]
    assert (ads.name, ads.campaign, ads.channel) == ("Google Ads", "spring", "ads")
    assert (ads.leads, ads.qualified, ads.converted, ads.conversion_rate) == (4, 3, 3, 0.75)
    # C1 converted twice (L1, L8) is one client; C2 the other. Both won.
    assert (ads.clients, ads.clients_won) == (2, 2)
    # Spend in March only: 300 + 100. Revenue: C1 500 + 200 (not the order a year later), C2 1500.
    assert ads.spend == Decimal("400.00") and ads.revenue == Decimal("2200.00")
    assert (ads.cost_per_lead, ads.cac, ads.romi) == (Decimal("100.00"), Decimal("200.00"), 4.5)
    expo = rows[1]
    assert (expo.leads, expo.junk, expo.qualified, expo.spend) == (2, 1, 0, Decimal("50.00"))
    assert (expo.cost_per_lead, expo.cac, expo.romi) == (Decimal("25.00"), None, -1.0)
    none = rows[2]
    assert (none.name, none.leads, none.converted, none.clients, none.clients_won) == ("none", 1, 1, 1, 0)
    assert (none.revenue, none.spend) == (Decimal("100.00"), Decimal("0.00"))
    assert (none.cost_per_lead, none.cac, none.romi) == (None, None, None)
    # A longer horizon takes in C1's order a year later.
    assert shop.crm.source_report(*MARCH, horizon_days=800)[0].revenue == Decimal("3199.00")
    with pytest.raises(crmkit.ValidationError) as error:
        shop.crm.source_report(*MARCH, horizon_days=-1)
    assert error.value.field == "horizon_days"


# --- forecast ----------------------------------------------------------------------------------------------


def test_forecast_weights_by_stage_and_by_history_per_month(shop: Shop) -> None:
    report = shop.crm.forecast(at(4, 1, 10))
    assert (report.as_of, report.history_start) == (at(4, 1, 10), date(2025, 4, 1))
    proposal, contract = report.stages
    # History: D1 won (proposal, contract), D2 won (proposal), D3 lost (proposal).
    assert (proposal.stage, proposal.probability) == ("proposal", 30)
    assert (proposal.history_won, proposal.history_closed) == (2, 3)
    assert contract.history_rate == 1.0
    # Open: D4 800.00 in proposal (15 April), D5 1000.00 in contract (25 March: overdue), 333.33 in
    # proposal without a date. Weighted 30 %: 240.00 + 100.00; historic 2/3: 533.33 + 222.22.
    assert (proposal.deals, proposal.amount) == (2, Decimal("1133.33"))
    assert (proposal.weighted, proposal.historic) == (Decimal("340.00"), Decimal("755.55"))
    assert (contract.weighted, contract.historic) == (Decimal("800.00"), Decimal("1000.00"))
    assert [m.month for m in report.months] == ["2026-04", None]
    april = report.months[0]
    assert (april.deals, april.overdue, april.amount) == (2, 1, Decimal("1800.00"))
    assert (april.weighted, april.historic) == (Decimal("1040.00"), Decimal("1533.33"))
    assert report.total == crmkit.ForecastFigures(
        deals=3,
        amount=Decimal("2133.33"),
        weighted=Decimal("1140.00"),
        historic=Decimal("1755.55"),
    )
    # A history window that starts after the deals closed has no rates; a date is the end of that day.
    late = shop.crm.forecast(date(2026, 4, 1), history_start=date(2026, 3, 21))
    assert late.as_of == datetime(2026, 4, 1, 23, 59, 59, 999999, tzinfo=timezone.utc)
    assert late.stages[0].history_rate is None and late.total.historic == Decimal("0.00")
    assert late.total.weighted == Decimal("1140.00")


# --- offers and objections ---------------------------------------------------------------------------------


def test_offer_report_credits_sales_after_the_offer_and_objections_by_argument(shop: Shop) -> None:
    report = shop.crm.offer_report(*MARCH)
    assert (report.start, report.end) == MARCH
    assert [o.offer for o in report.offers] == ["KP-wholesale-2026", "KP-retail"]
    kp, retail = report.offers
    # Sent three times on L1 (converted) and L3 (lost).
    assert (kp.sent, kp.leads, kp.deals, kp.leads_converted, kp.conversion_rate) == (3, 2, 0, 1, 0.5)
    # Sent on D2 (won); the April send on D4 is outside the period.
    assert (retail.sent, retail.deals, retail.deals_won, retail.conversion_rate) == (1, 1, 1, 1.0)
    assert [o.objection for o in report.objections] == ["too_expensive", "has_supplier"]
    te = report.objections[0]
    assert (te.met, te.tracked, te.overcome) == (3, 3, 1)
    assert [a.argument for a in te.arguments] == ["roi", None]
    # "roi": on L3 (lost) and on D1 (won after it).
    assert te.arguments[0] == crmkit.ArgumentRow(argument="roi", used=2, tracked=2, overcome=1, rate=0.5)
    assert te.arguments[1].rate == 0.0
    assert report.objections[1].rate == 1.0


# --- plans and the manager report --------------------------------------------------------------------------


def test_plans_are_set_replaced_listed_and_removed(shop: Shop) -> None:
    crm = shop.crm
    plan = crm.set_plan(shop.olena, month="2026-03", revenue=Decimal("1400"), deals=2, at=at(2, 27))
    assert plan == crmkit.Plan(manager_id=shop.olena, month="2026-03", revenue=Decimal("1400.00"), deals=2)
    crm.set_plan(shop.ivan, month=date(2026, 4, 1), revenue="5000", deals=3, at=at(2, 27))
    crm.set_plan(shop.olena, month="2026-04", revenue=100, at=at(2, 27))
    # Replacing the month's plan.
    assert crm.set_plan(shop.olena, month="2026-04", revenue=900, deals=1, at=at(2, 28)).revenue == Decimal(
        "900.00"
    )
    assert [(p.manager_id, p.month) for p in crm.plans()] == [
        (shop.olena, "2026-03"),
        (shop.olena, "2026-04"),
        (shop.ivan, "2026-04"),
    ]
    assert [p.month for p in crm.plans(shop.olena, from_month="2026-04")] == ["2026-04"]
    assert [p.month for p in crm.plans(to_month=date(2026, 3, 31))] == ["2026-03"]
    removed = crm.remove_plan(shop.olena, month="2026-04", at=at(3, 1))
    assert removed.deals == 1
    with pytest.raises(crmkit.NotFoundError):
        crm.remove_plan(shop.olena, month="2026-04", at=at(3, 1))
    for kwargs, field in [({"month": "March"}, "month"), ({"month": "2026-03", "revenue": -1}, "revenue")]:
        with pytest.raises(crmkit.ValidationError) as error:
            crm.set_plan(shop.olena, **kwargs)  # type: ignore[arg-type]
        assert error.value.field == field
    with pytest.raises(crmkit.NotFoundError):
        crm.set_plan(999, month="2026-03", revenue=1)


def test_manager_report_puts_the_plan_beside_the_actuals(shop: Shop) -> None:
    crm = shop.crm
    crm.set_plan(shop.olena, month="2026-03", revenue=Decimal("1400"), deals=2, at=at(2, 27))
    rows = crm.manager_report(*MARCH)
    assert [r.manager_id for r in rows] == [shop.olena, shop.ivan]
    olena, ivan = rows
    # Olena received L1, L3, L6, L8: converted L1 and L8, lost L3.
    assert (olena.name, olena.active, olena.received) == ("Olena", True, 4)
    assert (olena.converted, olena.lost, olena.junk, olena.conversion_rate) == (2, 1, 0, 0.5)
    assert olena.answered + olena.unanswered == olena.received
    # D1 won (1,000.00); her client C1 ordered 500.00 and 200.00 in March.
    assert (olena.deals_won, olena.won_amount) == (1, Decimal("1000.00"))
    assert (olena.orders, olena.revenue, olena.average_order) == (2, Decimal("700.00"), Decimal("350.00"))
    assert olena.promises_kept is None
    (march,) = olena.months
    assert march == crmkit.PlanMonth(
        month="2026-03",
        start=date(2026, 3, 1),
        end=date(2026, 3, 31),
        plan_revenue=Decimal("1400.00"),
        plan_deals=2,
        revenue=Decimal("700.00"),
        deals=1,
        revenue_achieved=0.5,
        deals_achieved=0.5,
    )
    # Ivan: L2 converted, L4 junk (left out of the rate); D2 won; C2's 1,500.00 (the cancelled not).
    assert (ivan.received, ivan.converted, ivan.junk, ivan.conversion_rate) == (2, 1, 1, 1.0)
    assert (ivan.deals_won, ivan.won_amount, ivan.orders, ivan.revenue) == (
        1,
        Decimal("2000.00"),
        1,
        Decimal("1500.00"),
    )
    assert ivan.months[0].plan_revenue is None and ivan.months[0].revenue_achieved is None
    # A period ending mid-month shows the month so far.
    half = crm.manager_report(date(2026, 3, 1), datetime(2026, 3, 15, 23, 0, tzinfo=timezone.utc))
    assert half[0].months[0].end == date(2026, 3, 15)
    assert half[0].months[0].revenue == Decimal("500.00")
    assert half[0].to_dict()["months"][0]["start"] == date(2026, 3, 1)
    with pytest.raises(crmkit.ValidationError) as error:
        crm.manager_report(date(2026, 3, 31), date(2026, 3, 1))
    assert error.value.field == "end"


def test_reports_run_in_a_transaction(shop: Shop) -> None:
    def body(tx: crmkit.Transaction) -> List[crmkit.SourceRow]:
        tx.add_spend(source=shop.expo, on=date(2026, 3, 11), amount="50", at=at(3, 11))
        return tx.source_report(*MARCH)

    rows = shop.crm.transaction(body)
    assert rows[1].spend == Decimal("100.00")
