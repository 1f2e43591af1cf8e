"""crmkit from Python: open a store, capture a web request as a lead, work it, convert it to a client and
a deal, record the client's order, and print the client's history. The same story as
examples/c/quickstart.c and examples/quickstart.rs.

    pip install ./crm-py
    python examples/python/quickstart.py [store.crm]     # default: a new file in a temporary directory
"""

from __future__ import annotations

import sys
import tempfile
from datetime import datetime, timezone
from decimal import Decimal
from pathlib import Path

import crmkit


def main() -> int:
    if len(sys.argv) > 1:
        return run(Path(sys.argv[1]))
    with tempfile.TemporaryDirectory(prefix="crmkit-") as scratch:
        return run(Path(scratch) / "quickstart.crm")


def run(path: Path) -> int:
    print(f"crmkit {crmkit.__version__}, store {path}")

    with crmkit.Crm.open(path) as crm:  # creates or migrates; ":memory:" works too
        crm.set_actor("web shop")
        olena = crm.add_manager(
            name="Olena Koval", team="sales", at=datetime(2026, 11, 2, 8, 0)
        )
        ads = crm.add_source(
            name="Google Ads",
            channel="ads",
            campaign="winter",
            at=datetime(2026, 11, 2, 8, 0),
        )

        # Stage 2: a web request, captured at once (a naive datetime is UTC).
        capture = crm.capture_lead(
            source=ads.id,
            channel="web",
            at=datetime(2026, 11, 2, 9, 30),
            name="Ivan Petrenko",
            company="Romashka LLC",
            phone="+380671234567",
            email="ivan@romashka.example",
            need="50 office chairs",
            estimated_value=Decimal("18000.00"),
            owner_id=olena.id,
            external_ref="WEB-1001",
        )
        lead = capture.lead
        print(
            f"captured lead {lead.id} ({lead.status}), warnings: {list(capture.warnings)}"
        )

        # Stage 3: the first call (the response clock stops), qualification, conversion.
        crm.log_activity(
            kind="call",
            direction="out",
            lead_id=lead.id,
            manager_id=olena.id,
            outcome="wants an offer",
            at=datetime(2026, 11, 2, 9, 45, tzinfo=timezone.utc),
        )
        crm.qualify_lead(lead.id, at=datetime(2026, 11, 2, 10, 0, tzinfo=timezone.utc))
        conv = crm.convert_lead(
            lead.id,
            at=datetime(2026, 11, 3, 12, 0, tzinfo=timezone.utc),
            amount="18000.00",
        )
        print(f"converted: client {conv.client_id}, deal {conv.deal_id}")
        crm.win_deal(conv.deal_id, at=datetime(2026, 11, 5, 15, 0, tzinfo=timezone.utc))

        # Stage 4: the order, idempotent by its external reference.
        order = crm.record_order(
            client_id=conv.client_id,
            deal_id=conv.deal_id,
            at=datetime(2026, 11, 6, 10, 0, tzinfo=timezone.utc),
            total=Decimal("18000.00"),
            lines=[("CHAIR-7", 50, Decimal("360.00"))],
            external_ref="WEB-5531",
        )
        rollup = crm.client_rollup(conv.client_id)
        print(
            f"order {order.id} recorded; client revenue {rollup.revenue} in {rollup.orders} order(s)"
        )

        # The history: who changed what, and when.
        records: list[tuple[crmkit.Entity, int]] = [
            ("lead", lead.id),
            ("client", conv.client_id),
            ("deal", conv.deal_id),
        ]
        for entity, entity_id in records:
            for event in crm.history(entity, entity_id):
                print(f"  {event.at:%Y-%m-%d %H:%M} {event.actor}: {entity} {entity_id} {event.kind}")

        # A mistake is an exception, never a crash: winning the deal twice.
        try:
            crm.win_deal(
                conv.deal_id, at=datetime(2026, 11, 7, 10, 0, tzinfo=timezone.utc)
            )
        except crmkit.InvalidTransitionError as error:
            print(f"winning it again: {type(error).__name__} ({error})")
        else:
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
