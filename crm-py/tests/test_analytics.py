"""Client analytics through Python: ABC, XYZ, ABC×XYZ, RFM, P(alive), repeat sales, product pairs and
cross-sell — on a small store whose every figure is worked out by hand below, and on the CDNOW purchase
history (23,570 customers, 69,659 purchases) against the reference answers of other tools
(``crm-core/tests/data/cdnow``, see its README)."""

from __future__ import annotations

import csv
import dataclasses
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Dict, Iterator, List, Tuple

import pytest

import crmkit
from crmkit import Crm

CDNOW = Path(__file__).resolve().parents[2] / "crm-core/tests/data/cdnow"


def utc(month: int, day: int) -> datetime:
    """Noon of a day of 2026, UTC."""
    return datetime(2026, month, day, 12, tzinfo=timezone.utc)


AS_OF = date(2026, 3, 31)

# The small store. Revenue (total 1,000.00):
#   client 1: 400.00 on 01-10 (CHAIR ×4), 100.00 on 02-10 (DESK)               -> 500.00, 2 orders
#   client 2: 100.00 on 01-05 (CHAIR), 02-05 (DESK), 03-01 (LAMP ×2)          -> 300.00, 3 orders
#   client 3:  50.00 on 01-15 (LAMP), 50.00 on 03-15 (CHAIR)                  -> 100.00, 2 orders
#   client 4:  50.00 on 02-20 (LAMP)                                          ->  50.00, 1 order
#   client 5:  50.00 on 03-25 (PEN ×10)                                       ->  50.00, 1 order
#   client 6: 999.00 on 01-20, cancelled                                      -> nothing counts
ORDERS: List[Tuple[int, datetime, str, List[Tuple[str, int, str]]]] = [
    (1, utc(1, 10), "400", [("CHAIR", 4, "100")]),
    (1, utc(2, 10), "100", [("DESK", 1, "100")]),
    (2, utc(1, 5), "100", [("CHAIR", 1, "100")]),
    (2, utc(2, 5), "100", [("DESK", 1, "100")]),
    (2, utc(3, 1), "100", [("LAMP", 2, "50")]),
    (3, utc(1, 15), "50", [("LAMP", 1, "50")]),
    (3, utc(3, 15), "50", [("CHAIR", 1, "50")]),
    (4, utc(2, 20), "50", [("LAMP", 1, "50")]),
    (5, utc(3, 25), "50", [("PEN", 10, "5")]),
]


@pytest.fixture
def shop(crm: Crm) -> Crm:
    for i in range(1, 7):
        assert crm.add_client(kind="person", name=f"Client {i}", at=utc(1, 1)).id == i
    for client_id, at, total, lines in ORDERS:
        crm.record_order(client_id=client_id, total=total, lines=lines, at=at)
    cancelled = crm.record_order(client_id=6, total="999", at=utc(1, 20))
    crm.set_order_status(cancelled.id, status="cancelled", at=utc(1, 21))
    return crm


# --- ABC ---------------------------------------------------------------------------------------------------


def classes(report: crmkit.AbcReport) -> Dict[int, str]:
    return {row.client_id: row.klass for row in report}


def test_abc_ranks_by_revenue_and_classes_under_each_rule(shop: Crm) -> None:
    report = shop.abc()
    # Ranked 500, 300, 100, 50, 50 of 1,000: cumulative 0.5, 0.8, 0.9, 0.95, 1.0.
    assert isinstance(report, crmkit.AbcReport)
    assert len(report) == 5
    assert [row.client_id for row in report] == [1, 2, 3, 4, 5]
    assert report[0] == crmkit.AbcRow(
        client_id=1, value=Decimal("500.00"), share=0.5, cumulative_share=0.5, klass="A"
    )
    assert [row.value for row in report] == [Decimal(v) for v in ("500", "300", "100", "50", "50")]
    assert [row.cumulative_share for row in report] == pytest.approx([0.5, 0.8, 0.9, 0.95, 1.0])
    # Inclusive: A below 80 %, so client 2 (exactly 80 %) is B; client 4 (exactly 95 %) is C.
    assert classes(report) == {1: "A", 2: "B", 3: "B", 4: "C", 5: "C"}
    assert report.summary.a == crmkit.AbcClassSummary(count=1, value=Decimal("500.00"), share=0.5)
    assert report.summary.of("B") == crmkit.AbcClassSummary(count=2, value=Decimal("400.00"), share=0.4)
    assert report.summary.c.count == 2 and report.summary.c.value == Decimal("100.00")
    # Exclusive: the client that reaches a threshold stays in the upper class.
    assert classes(shop.abc(rule="exclusive")) == {1: "A", 2: "A", 3: "B", 4: "B", 5: "C"}
    # Tie group: clients 4 and 5 have equal revenue and share the class of the group's end (100 %).
    assert classes(shop.abc(rule="tie_group")) == {1: "A", 2: "B", 3: "B", 4: "C", 5: "C"}
    # Other thresholds.
    assert classes(shop.abc(a=0.5, b=0.9)) == {1: "B", 2: "B", 3: "C", 4: "C", 5: "C"}


def test_abc_reads_like_a_list_and_is_a_frozen_value(shop: Crm) -> None:
    report = shop.abc()
    assert list(report) == list(report.rows)
    assert report[-1].client_id == 5
    assert report[1:3] == report.rows[1:3]
    assert report == shop.abc() and report != shop.abc(rule="exclusive")
    assert report.rows[0] in report
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.measure = "orders"  # type: ignore[misc]
    data = report.to_dict()
    assert data["measure"] == "revenue"
    assert data["rows"][0] == {
        "client_id": 1,
        "value": Decimal("500.00"),
        "share": 0.5,
        "cumulative_share": 0.5,
        "klass": "A",
    }
    assert data["summary"]["b"] == {"count": 2, "value": Decimal("400.00"), "share": 0.4}
    assert "AbcRow(client_id=1, value=Decimal('500.00')" in repr(report)


def test_abc_by_orders_counts_completed_orders_as_ints(shop: Crm) -> None:
    report = shop.abc(measure="orders")
    # 3, 2, 2, 1, 1 of 9: cumulative 3/9, 5/9, 7/9 (below 80 %), 8/9, 9/9.
    assert [(row.client_id, row.value) for row in report] == [(2, 3), (1, 2), (3, 2), (4, 1), (5, 1)]
    assert all(type(row.value) is int for row in report)
    assert classes(report) == {2: "A", 1: "A", 3: "A", 4: "B", 5: "C"}
    a = report.summary.a
    assert (a.count, a.value) == (3, 7) and a.share == pytest.approx(7 / 9)


def test_abc_over_a_period_counts_only_its_orders(shop: Crm) -> None:
    # February and March: 200 (client 2), 100 (1), 50, 50, 50 of 450.
    report = shop.abc(date(2026, 2, 1), date(2026, 3, 31))
    assert [(row.client_id, row.value) for row in report] == [
        (2, Decimal("200.00")),
        (1, Decimal("100.00")),
        (3, Decimal("50.00")),
        (4, Decimal("50.00")),
        (5, Decimal("50.00")),
    ]
    assert classes(report) == {2: "A", 1: "A", 3: "A", 4: "B", 5: "C"}
    # A datetime means its UTC day (a naive one is UTC).
    assert shop.abc(start=date(2026, 2, 1), end=datetime(2026, 3, 31, 23, 0)) == report
    kyiv = timezone(timedelta(hours=2))
    february = shop.abc(date(2026, 2, 1), end=datetime(2026, 3, 1, 1, 0, tzinfo=kyiv))  # 28 Feb in UTC
    assert [(row.client_id, row.value) for row in february] == [
        (1, Decimal("100.00")),
        (2, Decimal("100.00")),
        (4, Decimal("50.00")),
    ]
    assert february == shop.abc(date(2026, 2, 1), date(2026, 2, 28))
    # Nothing bought in the period: an empty report.
    empty = shop.abc(date(2027, 1, 1), date(2027, 12, 31))
    assert len(empty) == 0 and list(empty) == [] and empty.summary.a.count == 0


def test_abc_arguments_are_checked_and_errors_name_the_keyword(shop: Crm) -> None:
    cases: List[Tuple[Dict[str, Any], str]] = [
        ({"a": 1.5}, "a"),
        ({"b": -0.1}, "b"),
        ({"a": 0.9, "b": 0.8}, "b"),
        ({"rule": "median"}, "rule"),
        ({"measure": "profit"}, "measure"),
        ({"start": date(2026, 3, 1), "end": date(2026, 1, 1)}, "end"),
        ({"a": float("nan")}, "a"),
    ]
    for kwargs, field in cases:
        with pytest.raises(crmkit.ValidationError) as error:
            shop.abc(**kwargs)
        assert error.value.field == field, kwargs
    with pytest.raises(TypeError, match="start"):
        shop.abc(start="2026-01-01")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="a"):
        shop.abc(a="0.8")  # type: ignore[arg-type]


# --- XYZ and the matrix ------------------------------------------------------------------------------------


def test_xyz_measures_each_client_from_its_first_month(shop: Crm) -> None:
    report = shop.xyz()
    # The twelve months ending with the month of the last order.
    assert report.months == tuple(f"2025-{m:02}" for m in range(4, 13)) + ("2026-01", "2026-02", "2026-03")
    rows = {row.client_id: row for row in report}
    assert list(rows) == [1, 2, 3, 4, 5]
    # Client 2: 100, 100, 100 -> CV 0, X.
    assert rows[2] == crmkit.XyzRow(client_id=2, periods=3, mean=Decimal("100.00"), cv=0.0, klass="X")
    # Client 1: 400, 100, 0 -> mean 166.67, CV 1.0198; client 3: 50, 0, 50 -> CV 0.7071; both Z.
    assert rows[1].periods == 3 and rows[1].mean == Decimal("166.67") and rows[1].klass == "Z"
    mean = 500 / 3
    sigma = (((400 - mean) ** 2 + (100 - mean) ** 2 + mean**2) / 3) ** 0.5
    assert rows[1].cv == pytest.approx(sigma / mean)
    assert rows[3].cv == pytest.approx(2**-0.5) and rows[3].klass == "Z"
    # Clients 4 (two months) and 5 (one) are too young to class.
    assert (rows[4].periods, rows[4].klass) == (2, None) and rows[4].cv == pytest.approx(1.0)
    assert (rows[5].periods, rows[5].klass) == (1, None)
    # Wider thresholds make the irregular clients fluctuating.
    wide = {row.client_id: row.klass for row in shop.xyz(x=0.1, y=1.1)}
    assert wide == {1: "Y", 2: "X", 3: "Y", 4: None, 5: None}
    # An explicit window: the months of start to end.
    q1 = shop.xyz(date(2026, 1, 15), date(2026, 3, 2))
    assert q1.months == ("2026-01", "2026-02", "2026-03") and len(q1) == 5
    with pytest.raises(crmkit.ValidationError) as error:
        shop.xyz(x=0.3, y=0.2)
    assert error.value.field == "y"


def test_abc_xyz_matrix_has_twelve_cells(shop: Crm) -> None:
    matrix = shop.abc_xyz()
    assert len(matrix.cells) == 12
    assert [(c.abc, c.xyz) for c in matrix.cells[:4]] == [("A", "X"), ("A", "Y"), ("A", "Z"), ("A", None)]
    assert matrix.cell("A", "Z") == crmkit.AbcXyzCell(abc="A", xyz="Z", clients=1, revenue=Decimal("500.00"))
    assert matrix.cell("B", "X").clients == 1 and matrix.cell("B", "X").revenue == Decimal("300.00")
    assert matrix.cell("B", "Z").revenue == Decimal("100.00")
    assert matrix.cell("C", None).clients == 2 and matrix.cell("C", None).revenue == Decimal("100.00")
    assert sum(c.clients for c in matrix.cells) == 5
    assert matrix.cell("A", "X").clients == 0
    with pytest.raises(KeyError):
        matrix.cell("D", "X")  # type: ignore[arg-type]
    with pytest.raises(crmkit.ValidationError) as error:
        shop.abc_xyz(rule="median")  # type: ignore[arg-type]
    assert error.value.field == "rule"
    with pytest.raises(crmkit.ValidationError) as error:
        shop.abc_xyz(a=2)
    assert error.value.field == "a"


# --- RFM ---------------------------------------------------------------------------------------------------


def test_rfm_scores_quintiles_and_names_segments(shop: Crm) -> None:
    report = shop.rfm(as_of=AS_OF)
    assert report.as_of == AS_OF and len(report) == 5
    rows = {row.client_id: row for row in report}
    # Recency (days to 31 March): 49, 30, 16, 39, 6; frequency 2, 3, 2, 1, 1; monetary as above.
    assert rows[1] == crmkit.RfmRow(
        client_id=1,
        recency_days=49,
        frequency=2,
        monetary=Decimal("500.00"),
        r=1,
        f=3,
        m=5,
        segment="at_risk",
    )
    # NTILE over five clients: one per score, ties by client id.
    scores = {c: (r.r, r.f, r.m, r.segment) for c, r in rows.items()}
    assert scores == {
        1: (1, 3, 5, "at_risk"),
        2: (3, 5, 4, "loyal"),
        3: (4, 4, 3, "loyal"),
        4: (2, 1, 1, "hibernating"),
        5: (5, 2, 2, "potential"),
    }
    sizes = {s.segment: (s.clients, s.monetary) for s in report.segments}
    assert list(sizes) == [
        "champions",
        "loyal",
        "potential",
        "new",
        "at_risk",
        "cant_lose",
        "hibernating",
        "lost",
    ]
    assert sizes["loyal"] == (2, Decimal("400.00")) and sizes["champions"] == (0, Decimal("0.00"))
    assert report.segment("at_risk").clients == 1
    # Equal values sharing a score: frequency 1, 1 -> 1; 2, 2 -> 3; monetary 50, 50 -> 1.
    tie = {r.client_id: (r.r, r.f, r.m, r.segment) for r in shop.rfm(as_of=AS_OF, tie_rule="tie_shared")}
    assert tie == {
        1: (1, 3, 5, "at_risk"),
        2: (3, 5, 4, "loyal"),
        3: (4, 3, 3, "potential"),
        4: (2, 1, 1, "hibernating"),
        5: (5, 1, 1, "new"),
    }


def test_rfm_with_fixed_thresholds_and_as_of(shop: Crm) -> None:
    thresholds = {
        "recency_days": [10, 20, 40, 60],
        "frequency": [2, 3, 4, 5],
        "monetary": [Decimal("100"), 200, "300.00", 1000],
    }
    report = shop.rfm(as_of=datetime(2026, 3, 31, 20, tzinfo=timezone.utc), thresholds=thresholds)
    scores = {r.client_id: (r.r, r.f, r.m) for r in report}
    assert scores == {1: (2, 2, 4), 2: (3, 3, 4), 3: (4, 2, 2), 4: (3, 1, 1), 5: (5, 1, 1)}
    # Orders after as_of are not seen.
    february = shop.rfm(as_of=date(2026, 2, 28))
    assert [r.client_id for r in february] == [1, 2, 3, 4]
    assert february[1].frequency == 2 and february[1].monetary == Decimal("200.00")
    with pytest.raises(crmkit.ValidationError) as error:
        shop.rfm(as_of=AS_OF, thresholds={**thresholds, "frequency": [1, 2, 3]})
    assert error.value.field == "thresholds.frequency"
    with pytest.raises(crmkit.ValidationError) as error:
        shop.rfm(as_of=AS_OF, thresholds={**thresholds, "monetary": [1, 2, 3, "4.005"]})
    assert error.value.field == "thresholds.monetary[3]"
    with pytest.raises(crmkit.ValidationError) as error:
        shop.rfm(as_of=AS_OF, tie_rule="dense")  # type: ignore[arg-type]
    assert error.value.field == "tie_rule"
    with pytest.raises(TypeError, match="unknown keys"):
        shop.rfm(as_of=AS_OF, thresholds={**thresholds, "tenure": [1, 2, 3, 4]})


# --- repeat sales, pairs, cross-sell -----------------------------------------------------------------------


def test_repeat_sales(shop: Crm) -> None:
    assert shop.repeat_sales() == crmkit.RepeatReport(
        clients=5,
        repeat_clients=3,
        repeat_rate=0.6,
        orders=9,
        revenue=Decimal("1000.00"),
        average_order=Decimal("111.11"),
    )
    march = shop.repeat_sales(date(2026, 3, 1), date(2026, 3, 31))
    assert (march.clients, march.repeat_clients, march.orders) == (3, 0, 3)
    assert march.revenue == Decimal("200.00") and march.average_order == Decimal("66.67")
    none = shop.repeat_sales(start=date(2027, 1, 1))
    assert none.clients == 0 and none.repeat_rate is None and none.average_order is None
    with pytest.raises(crmkit.ValidationError) as error:
        shop.repeat_sales(date(2026, 3, 1), date(2026, 1, 1))
    assert error.value.field == "end"


def test_product_pairs_and_cross_sell(shop: Crm) -> None:
    pairs = shop.product_pairs()
    # Client sets: {CHAIR, DESK}, {CHAIR, DESK, LAMP}, {CHAIR, LAMP}, {LAMP}, {PEN}.
    assert pairs.clients == 5
    assert [(r.if_bought, r.then, r.count) for r in pairs] == [
        ("DESK", "CHAIR", 2),
        ("CHAIR", "DESK", 2),
        ("CHAIR", "LAMP", 2),
        ("LAMP", "CHAIR", 2),
    ]
    best = pairs[0]
    assert (best.support, best.confidence) == (0.4, 1.0) and best.lift == pytest.approx(5 / 3)
    assert pairs[2].confidence == pytest.approx(2 / 3) and pairs[2].lift == pytest.approx(10 / 9)
    assert len(shop.product_pairs(min_count=1)) == 6
    assert len(shop.product_pairs(date(2026, 3, 1), date(2026, 3, 31))) == 0

    lamp_buyer = shop.cross_sell(4)
    assert lamp_buyer == [crmkit.Suggestion(product="CHAIR", because=pairs[3])]
    assert [s.product for s in shop.cross_sell(1)] == ["LAMP"]
    assert shop.cross_sell(5) == [] and shop.cross_sell(4, limit=0) == []
    with pytest.raises(crmkit.NotFoundError):
        shop.cross_sell(99)
    with pytest.raises(crmkit.ValidationError) as error:
        shop.product_pairs(min_count=-1)
    assert error.value.field == "min_count"


def test_p_alive_needs_history_and_the_reports_work_in_a_transaction(shop: Crm) -> None:
    with pytest.raises(crmkit.ValidationError) as error:
        shop.p_alive(as_of=date(2025, 12, 31))
    assert error.value.field == "as_of"
    with pytest.raises(crmkit.ValidationError) as error:
        shop.p_alive(as_of=AS_OF, horizon_days=-1)
    assert error.value.field == "horizon_days"

    def body(tx: crmkit.Transaction) -> Tuple[crmkit.AbcReport, crmkit.RfmReport]:
        tx.record_order(client_id=5, total="1000", at=utc(3, 30))
        return tx.abc(), tx.rfm(as_of=AS_OF)

    abc, rfm = shop.transaction(body)
    assert abc[0].client_id == 5 and abc[0].value == Decimal("1050.00")
    assert rfm[4].frequency == 2


def test_segments_read_the_scores_as_of_a_day(shop: Crm) -> None:
    as_of = datetime(2026, 3, 31, 23, 0, tzinfo=timezone.utc)
    abc = shop.abc(end=AS_OF)
    assert shop.segment("abc = 'A'", as_of=as_of) == sorted(r.client_id for r in abc if r.klass == "A")
    rfm = shop.rfm(as_of=AS_OF)
    at_risk = sorted(r.client_id for r in rfm if r.segment == "at_risk")
    assert shop.segment("rfm_segment = 'at risk'", as_of=as_of) == at_risk
    # Five buyers over three months are too few to fit BG/NBD: p_alive raises, and in a segment the
    # score is missing (null), which no comparison matches.
    with pytest.raises(crmkit.ValidationError):
        shop.p_alive(as_of=AS_OF)
    assert shop.segment("p_alive < 0.9", as_of=as_of) == []
    assert shop.segment("p_alive is null and orders >= 1", as_of=as_of) == [1, 2, 3, 4, 5]
    fields = {f.name: f for f in shop.fields("clients")}
    assert fields["p_alive"].type == "probability"
    assert fields["abc"].values == ("A", "B", "C")
    with pytest.raises(crmkit.ValidationError):
        shop.segment("p_alive < 1.5", as_of=as_of)


def test_rollups_carry_purchase_days_and_months_their_last_order(shop: Crm) -> None:
    shop.record_order(client_id=4, total="10", at=utc(2, 20) + timedelta(hours=3))
    rollup = shop.client_rollup(4)
    assert (rollup.orders, rollup.purchase_days) == (2, 1)
    assert shop.client_rollup(2).purchase_days == 3
    months = shop.client_monthly_revenue(4)
    assert [(m.month, m.orders, m.days, m.last_order_at) for m in months] == [
        ("2026-02", 2, 1, utc(2, 20) + timedelta(hours=3))
    ]


# --- CDNOW -------------------------------------------------------------------------------------------------


def read_csv(name: str) -> List[Dict[str, str]]:
    with open(CDNOW / name, newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


END = date(1998, 6, 30)


@pytest.fixture(scope="module")
def cdnow() -> Iterator[Crm]:
    """The whole CDNOW history in a store: one client per customer, added in customer order (so client
    ids are customer ids), every purchase row a completed order at midnight UTC of its day."""
    rows = read_csv("cdnow_transactions.csv")
    first: Dict[int, date] = {}
    purchases: List[Tuple[int, date, str]] = []
    for r in rows:
        customer, day = int(r["customer_id"]), date.fromisoformat(r["date"])
        first[customer] = min(first.get(customer, day), day)
        purchases.append((customer, day, r["amount"]))

    def midnight(d: date) -> datetime:
        return datetime(d.year, d.month, d.day, tzinfo=timezone.utc)

    with Crm.open(":memory:") as crm:

        def add_clients(tx: crmkit.Transaction) -> None:
            for customer in sorted(first):
                client = tx.add_client(kind="person", name=f"CDNOW {customer}", at=midnight(first[customer]))
                assert client.id == customer

        crm.transaction(add_clients)
        purchases.sort(key=lambda p: p[1])
        for start in range(0, len(purchases), 20_000):
            batch: List[Dict[str, Any]] = [
                {"client_id": c, "total": amount, "at": midnight(d)}
                for c, d, amount in purchases[start : start + 20_000]
            ]
            for outcome in crm.record_orders(batch):
                assert isinstance(outcome, crmkit.Order), outcome
        yield crm


@pytest.mark.parametrize(
    ("rule", "column", "counts"),
    [
        ("inclusive", "class_inclusive", (7_694, 8_044, 7_832)),
        ("exclusive", "class_exclusive", (7_695, 8_044, 7_831)),
        ("tie_group", "class_tie_group", (7_694, 8_034, 7_842)),
    ],
)
def test_cdnow_abc_matches_the_reference_for_every_customer(
    cdnow: Crm, rule: crmkit.AbcRule, column: str, counts: Tuple[int, int, int]
) -> None:
    truth = read_csv("cdnow_abc_truth.csv")
    report = cdnow.abc(rule=rule)
    s = report.summary
    assert (s.a.count, s.b.count, s.c.count) == counts
    assert s.a.value + s.b.value + s.c.value == Decimal("2500315.63")
    assert len(report) == len(truth) == 23_570
    # The same ranking, row by row, with the reference's revenue, cumulative share and class.
    for row, t in zip(report, truth):
        assert row.client_id == int(t["customer_id"]), t["rank"]
        assert row.value == Decimal(t["revenue"]), t["customer_id"]
        assert row.cumulative_share == pytest.approx(float(t["cum_share"]), abs=1e-9)
        assert row.klass == t[column], (t["customer_id"], column)


def test_cdnow_rfm_scores_match_the_reference_under_both_tie_rules(cdnow: Crm) -> None:
    truth = read_csv("cdnow_rfm_scores_truth.csv")
    assert len(truth) == 23_570
    rules: List[Tuple[crmkit.RfmTieRule, str]] = [("ntile", ""), ("tie_shared", "_tie")]
    for tie_rule, suffix in rules:
        report = cdnow.rfm(as_of=END, tie_rule=tie_rule)
        assert report.as_of == END and len(report) == 23_570
        rows = {row.client_id: row for row in report}
        for t in truth:
            row = rows[int(t["customer_id"])]
            assert row.recency_days == int(t["recency_days"])
            assert row.frequency == int(t["frequency"])
            assert row.monetary == Decimal(t["monetary"])
            want = tuple(int(t[f"{c}_score{suffix}"]) for c in "rfm")
            assert (row.r, row.f, row.m) == want, (t["customer_id"], tie_rule)
        assert sum(s.clients for s in report.segments) == 23_570
    # Under shared ties the 11,908 one-time buyers all get F = 1 and nobody F = 2.
    shared = cdnow.rfm(as_of=END, tie_rule="tie_shared")
    assert sum(1 for r in shared if r.f == 1) == 11_908 and not any(r.f == 2 for r in shared)


def test_cdnow_p_alive_matches_lifetimes_for_every_customer(cdnow: Crm) -> None:
    report = cdnow.p_alive(as_of=END)
    assert report.as_of == END and report.horizon_days == 90
    p = report.params
    assert p.r == pytest.approx(0.267128, abs=1e-3)
    assert p.alpha == pytest.approx(41.905448, abs=1e-3)
    assert p.a == pytest.approx(0.483517, abs=1e-3)
    assert p.b == pytest.approx(2.111608, abs=1e-3)
    assert report.log_likelihood == pytest.approx(-259_086.827, abs=1e-2)
    truth = read_csv("cdnow_bgnbd_master_days_palive.csv")
    assert len(report) == len(truth) == 23_570
    rows = {row.client_id: row for row in report}
    worst_p = worst_e = 0.0
    for t in truth:
        row = rows[int(t["customer_id"])]
        worst_p = max(worst_p, abs(row.p_alive - float(t["p_alive"])))
        worst_e = max(worst_e, abs(row.expected - float(t["expected_purchases_next_90d"])))
    assert worst_p < 1e-4, f"P(alive) differs by {worst_p}"
    assert worst_e < 1e-3, f"expected purchases differ by {worst_e}"
    assert sum(r.p_alive for r in report) / len(report) == pytest.approx(0.796959, abs=1e-4)


def test_cdnow_repeat_sales_and_xyz(cdnow: Crm) -> None:
    repeat = cdnow.repeat_sales()
    assert (repeat.clients, repeat.orders, repeat.revenue) == (23_570, 69_659, Decimal("2500315.63"))
    # 11,908 customers bought once (one row): the others bought again.
    assert repeat.repeat_clients == 23_570 - 11_908
    xyz = cdnow.xyz()
    assert xyz.months[0] == "1997-07" and xyz.months[-1] == "1998-06"
    assert all(row.klass in ("X", "Y", "Z", None) for row in xyz)
