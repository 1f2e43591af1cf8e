"""The dormancy states of crmkit against DuckDB and pandas on the same orders, in the same run.

    .venv/bin/python tests/bench/retention_compare.py --dir DIR --crmkit FILE [--runs R]

Run by scripts/bench.sh after `cargo bench --bench retention`, which times `run_due` and the dormancy
report on a copy of the analytics store in DIR, writes the report's states to
`DIR/results/dormancy_states.csv` and prints JSON lines into FILE. Here `DIR/orders.csv` (client_id,
ordered_at as a UTC date, total: the completed orders, exported by the analytics bench) is loaded into
memory once (not timed), and every client's state as of 2026-11-01 is computed the way crm-core
documents it (crm-core/src/retention/dormancy.rs, default settings):

- purchase days: the distinct UTC days of a client's orders; L the last one, d = 2026-11-01 - L in days;
- one purchase day: cooling when d >= 60, dormant when d >= 120, lost when d >= 365;
- otherwise g = the median of the gaps between consecutive purchase days (the mean of the two middle
  ones for an even count), at least 7; cooling when d >= ceil(1.5 g), dormant when d >= ceil(3 g), lost
  when d >= ceil(6 g); else active.

One warm-up, then the median of R runs, each timed from the in-memory orders to the per-client states
materialised. Prints one JSON object: the timings, ratio = other / crmkit (above 1: crmkit faster),
`agree` (every client's state equal), and the counts per state.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

try:
    import duckdb
    import numpy as np
    import pandas as pd
except ImportError:
    sys.exit("duckdb, pandas and numpy are missing; run this with the repo's .venv (scripts/bench.sh)")

AS_OF = "2026-11-01"
STATES = ["active", "cooling", "dormant", "lost"]

SQL = f"""
WITH d AS (SELECT DISTINCT client_id, ordered_at FROM orders),
g AS (
    SELECT client_id, ordered_at,
           date_diff('day', lag(ordered_at) OVER (PARTITION BY client_id ORDER BY ordered_at), ordered_at) AS gap
    FROM d),
s AS (
    SELECT client_id, count(*) AS n, max(ordered_at) AS last,
           greatest(coalesce(quantile_cont(gap, 0.5), 0), 7) AS g
    FROM g GROUP BY client_id),
t AS (SELECT client_id, n, g, date_diff('day', last, DATE '{AS_OF}') AS since FROM s)
SELECT client_id,
       (CASE WHEN n = 1 THEN
            CASE WHEN since >= 365 THEN 3 WHEN since >= 120 THEN 2 WHEN since >= 60 THEN 1 ELSE 0 END
        ELSE
            CASE WHEN since >= ceil(6 * g) THEN 3 WHEN since >= ceil(3 * g) THEN 2
                 WHEN since >= ceil(1.5 * g) THEN 1 ELSE 0 END
        END)::TINYINT AS state
FROM t ORDER BY client_id
"""


def states_duckdb(con: Any) -> dict[str, np.ndarray]:
    return con.execute(SQL).fetchnumpy()


def states_pandas(df: pd.DataFrame) -> dict[str, np.ndarray]:
    d = df[["client_id", "ordered_at"]].drop_duplicates().sort_values(["client_id", "ordered_at"])
    days = d["ordered_at"].to_numpy().astype("datetime64[D]").astype(np.int64)
    ids = d["client_id"].to_numpy()
    gaps = np.diff(days).astype(np.float64)
    same = ids[1:] == ids[:-1]
    gap_frame = pd.DataFrame({"client_id": ids[1:][same], "gap": gaps[same]})
    med = gap_frame.groupby("client_id", sort=True)["gap"].median()
    last = d.groupby("client_id", sort=True)["ordered_at"].max()
    n = d.groupby("client_id", sort=True).size()
    client = last.index.to_numpy()
    as_of = np.datetime64(AS_OF, "D").astype(np.int64)
    since = as_of - last.to_numpy().astype("datetime64[D]").astype(np.int64)
    g = np.maximum(med.reindex(last.index).fillna(0).to_numpy(), 7.0)
    single = n.to_numpy() == 1
    flat = np.select([since >= 365, since >= 120, since >= 60], [3, 2, 1], 0)
    rhythm = np.select(
        [since >= np.ceil(6 * g), since >= np.ceil(3 * g), since >= np.ceil(1.5 * g)], [3, 2, 1], 0
    )
    return {"client_id": client, "state": np.where(single, flat, rhythm).astype(np.int8)}


def timed(fn: Callable[[], Any], runs: int) -> tuple[Any, float]:
    answer = fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return answer, statistics.median(times)


def ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None or b <= 0 else round(a / b, 2)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", type=Path, required=True)
    ap.add_argument("--crmkit", type=Path, required=True)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()

    lines = [json.loads(line) for line in args.crmkit.read_text().splitlines() if line.strip()]
    for line in lines:
        print(json.dumps(line))
    crmkit = {line.get("bench"): line for line in lines}
    report_s = crmkit.get("dormancy_report", {}).get("crmkit_s")
    first_s = crmkit.get("run_due_first", {}).get("crmkit_s")

    started = time.perf_counter()
    df = pd.read_csv(args.dir / "orders.csv", usecols=["client_id", "ordered_at"], parse_dates=["ordered_at"])
    con = duckdb.connect()
    con.execute("CREATE TABLE orders AS SELECT client_id, ordered_at::DATE AS ordered_at FROM df")
    load_s = time.perf_counter() - started

    ours = pd.read_csv(args.dir / "results" / "dormancy_states.csv")
    ours_state = ours["state"].map({s: i for i, s in enumerate(STATES)}).to_numpy()
    duck, duck_s = timed(lambda: states_duckdb(con), args.runs)
    pan, pan_s = timed(lambda: states_pandas(df), args.runs)

    def agree(other: dict[str, np.ndarray]) -> bool:
        return bool(
            len(other["client_id"]) == len(ours)
            and np.array_equal(other["client_id"], ours["client_id"].to_numpy())
            and np.array_equal(other["state"].astype(np.int64), ours_state.astype(np.int64))
        )

    counts = {s: int((duck["state"] == i).sum()) for i, s in enumerate(STATES)}
    print(
        json.dumps(
            {
                "bench": "dormancy_states_1m",
                "clients": int(len(duck["client_id"])),
                "crmkit_s": report_s,
                "duckdb_s": round(duck_s, 3),
                "pandas_s": round(pan_s, 3),
                "ratio_duckdb": ratio(duck_s, report_s),
                "ratio_pandas": ratio(pan_s, report_s),
                "agree_duckdb": agree(duck),
                "agree_pandas": agree(pan),
                "counts_duckdb": counts,
                "run_due_first_s": first_s,
                "ratio_duckdb_vs_run_due_first": ratio(duck_s, first_s),
                "load_s_not_timed": round(load_s, 3),
                "runs": args.runs,
            }
        )
    )


if __name__ == "__main__":
    main()
