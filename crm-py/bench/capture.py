"""What ``capture_lead`` costs when called from Python, next to the same call in Rust.

    python crm-py/bench/capture.py            # Python only: file store and in-memory store
    python crm-py/bench/capture.py --rust     # also runs `cargo bench --bench core -- --only capture`
    python crm-py/bench/capture.py --quick    # 2 000 leads instead of 20 000 (both sides)

Prints one JSON object. The Python side does exactly what the Rust benchmark (tests/bench/core.rs)
does — the same leads, one transaction each, into a new file store in WAL mode — so the difference is
the price of the binding: keyword arguments checked, JSON both ways, the GIL released and taken back,
the typed result built. A benchmark measures; it does not pass or fail.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Dict, Optional

import crmkit

ROOT = Path(__file__).resolve().parents[2]
START = datetime(2026, 7, 1, 9, 0, tzinfo=timezone.utc)


def capture_per_second(path: str, n: int) -> float:
    """Leads per second through ``capture_lead``, one transaction each (as tests/bench/core.rs)."""
    with crmkit.Crm.open(path) as crm:
        started = time.perf_counter()
        for i in range(n):
            crm.capture_lead(
                channel="web",
                name=f"Client {i}",
                phone=f"+38067{i % 10_000_000:07d}",
                email=f"client{i}@example.com",
                need="office chairs",
                at=START + timedelta(seconds=i),
            )
        return n / (time.perf_counter() - started)


def native_only_per_second(n: int) -> float:
    """The same leads straight into the native module with their JSON made beforehand: what the core
    and the native boundary (JSON read and written in Rust, the GIL released) cost without the Python
    layer (keyword checks, ``json`` both ways, the typed result)."""
    store = crmkit._crmkit.Store.open(":memory:")
    args = [
        json.dumps(
            {
                "new": {
                    "channel": "web",
                    "name": f"Client {i}",
                    "phone": f"+38067{i % 10_000_000:07d}",
                    "email": f"client{i}@example.com",
                    "need": "office chairs",
                },
                "at": (START + timedelta(seconds=i)).isoformat(),
            }
        )
        for i in range(n)
    ]
    call = store.call
    started = time.perf_counter()
    for text in args:
        call("capture_lead", text)
    elapsed = time.perf_counter() - started
    store.close()
    return n / elapsed


def rust_per_second(quick: bool) -> Optional[Dict[str, Any]]:
    """The Rust benchmark's own report of the same call, or None when cargo cannot run it."""
    command = ["cargo", "bench", "--quiet", "--bench", "core", "--", "--only", "capture"]
    if quick:
        command.append("--quick")
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        print(done.stderr, file=sys.stderr)
        return None
    report: Dict[str, Any] = json.loads(done.stdout)["capture_lead"]
    return report


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="2 000 leads instead of 20 000")
    parser.add_argument("--rust", action="store_true", help="also run the Rust benchmark (needs cargo)")
    args = parser.parse_args()
    n = 2_000 if args.quick else 20_000

    with tempfile.TemporaryDirectory(prefix="crmkit-bench-") as scratch:
        capture_per_second(":memory:", min(n, 1_000))  # warm up
        file_store = capture_per_second(str(Path(scratch) / "py.crm"), n)
        in_memory = capture_per_second(":memory:", n)
        native_only = native_only_per_second(n)

    report: Dict[str, Any] = {
        "benchmark": "capture_lead from Python vs the same call in Rust, one transaction each",
        "crmkit_version": crmkit.__version__,
        "python": sys.version.split()[0],
        "n": n,
        "python_file_store_per_s": round(file_store),
        "python_file_store_us_per_call": round(1e6 / file_store, 1),
        "python_in_memory_per_s": round(in_memory),
        "python_in_memory_us_per_call": round(1e6 / in_memory, 1),
        "native_module_only_in_memory_us_per_call": round(1e6 / native_only, 1),
        "python_layer_us_per_call": round(1e6 / in_memory - 1e6 / native_only, 1),
    }
    if args.rust:
        rust = rust_per_second(args.quick)
        if rust is not None:
            rust_rate = float(rust["crmkit_per_s"])
            report["rust_file_store_per_s"] = round(rust_rate)
            report["rust_file_store_us_per_call"] = round(1e6 / rust_rate, 1)
            report["binding_cost_us_per_call"] = round(1e6 / file_store - 1e6 / rust_rate, 1)
            report["ratio_rust_over_python"] = round(rust_rate / file_store, 2)
            report["rust_command"] = "cargo bench --bench core -- --only capture" + (" --quick" if args.quick else "")
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
