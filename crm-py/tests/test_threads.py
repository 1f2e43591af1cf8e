"""One Crm shared by threads: the GIL is released around store work and nothing is lost."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import List

import crmkit
from conftest import at

THREADS = 4
LEADS_EACH = 150


def test_four_threads_capture_into_one_store_without_losing_a_write(store_path: Path) -> None:
    errors: List[BaseException] = []
    ids: List[List[int]] = [[] for _ in range(THREADS)]
    start = threading.Barrier(THREADS)

    with crmkit.Crm.open(store_path) as crm:

        def capture(worker: int) -> None:
            try:
                start.wait()
                for i in range(LEADS_EACH):
                    lead = crm.capture_lead(
                        channel="web",
                        phone=f"+38067{worker}{i:06d}",
                        external_ref=f"w{worker}-{i}",
                        at=at(i),
                    ).lead
                    ids[worker].append(lead.id)
            except BaseException as error:  # noqa: BLE001 - reported below
                errors.append(error)

        threads = [threading.Thread(target=capture, args=(w,)) for w in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert not any(thread.is_alive() for thread in threads)
        assert errors == []
        every_id = [i for worker in ids for i in worker]
        assert len(every_id) == len(set(every_id)) == THREADS * LEADS_EACH
        assert len(list(crm.iter_leads())) == THREADS * LEADS_EACH
        assert crm.last_seq() == THREADS * LEADS_EACH

    with crmkit.Crm.open(store_path) as again:
        refs = {lead.external_ref for lead in again.iter_leads(page_size=250)}
        assert refs == {f"w{w}-{i}" for w in range(THREADS) for i in range(LEADS_EACH)}


# The transaction's thread holds the store while it waits for the other thread to be inside a store
# call. That call must wait for the store with the GIL released: if it held the GIL, the transaction
# could never run on and finish, and the process would hang — so it runs in a child process with a
# time limit.
GIL_SCENARIO = """
import threading, time
import crmkit

crm = crmkit.Crm.open(":memory:")
inside, waiting, order = threading.Event(), threading.Event(), []

def body(tx):
    tx.add_client(name="First")
    inside.set()
    assert waiting.wait(10)
    time.sleep(0.2)  # the other thread is now blocked on the store
    order.append("transaction")

def other():
    assert inside.wait(10)
    waiting.set()
    crm.add_client(name="Second")
    order.append("other")

worker = threading.Thread(target=other)
worker.start()
crm.transaction(body)
worker.join(10)
assert order == ["transaction", "other"], order
assert [c.name for c in crm.list_clients()] == ["First", "Second"]
print("ok")
"""


def test_a_thread_waiting_for_the_store_does_not_hold_the_gil() -> None:
    done = subprocess.run(
        [sys.executable, "-c", GIL_SCENARIO], capture_output=True, text=True, timeout=60, check=False
    )
    assert (done.returncode, done.stdout.strip()) == (0, "ok"), done.stderr


def test_close_waits_for_a_call_in_flight_on_another_thread(store_path: Path) -> None:
    crm = crmkit.Crm.open(store_path)
    inside = threading.Event()
    release = threading.Event()
    done: List[str] = []

    def body(tx: crmkit.Transaction) -> None:
        tx.add_client(name="Late", at=at())
        inside.set()
        assert release.wait(10)

    def commit() -> None:
        crm.transaction(body)
        done.append("committed")

    worker = threading.Thread(target=commit)
    worker.start()
    assert inside.wait(10)
    closer = threading.Thread(target=crm.close)
    closer.start()
    time.sleep(0.1)
    assert closer.is_alive(), "close waits for the transaction in flight"
    release.set()
    worker.join(10)
    closer.join(10)
    assert done == ["committed"] and crm.closed
    with crmkit.Crm.open(store_path) as again:
        assert [c.name for c in again.list_clients()] == ["Late"]
