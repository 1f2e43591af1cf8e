"""The analytics reports of crmkit against DuckDB and pandas on the same data, in the same run.

    .venv/bin/python tests/bench/analytics_compare.py --dir DIR --crmkit FILE [--runs R]

Run by scripts/bench.sh after `cargo bench --bench analytics`, which builds (or reuses) the store in
DIR, exports `orders.csv` (client_id, ordered_at as a UTC date, total in minor units: the completed
orders, read back from the store) and `lead_steps.csv`, times each crmkit report and writes its answer
to `DIR/results/`, and prints JSON lines into FILE.

Here the CSVs are loaded into memory once — a DuckDB in-memory table and a pandas DataFrame (load time
reported, not counted) — and each report is computed from the orders the way a SQL or pandas user
would: one warm-up, then the median of R runs, timed from the in-memory orders to the per-client answer
materialised (DuckDB: fetched as NumPy arrays; pandas: arrays). crmkit reads its per-client rollups from
the SQLite file (one thread); DuckDB uses every core it finds.

Conventions (as crm-core documents them): ABC ranks clients by completed revenue, largest first, ties
by client id; class A when the cumulative value including the row is below 80 % of the total, B below
95 %, else C, compared exactly in integers. RFM as of 2026-11-01: recency in days from the last order's
UTC date, frequency the completed orders, monetary the revenue; scores are SQL NTILE(5) over the
clients ordered worst first (recency descending, frequency and monetary ascending), ties by client id.
XYZ over the calendar months 2025-11 .. 2026-10: revenue per month (0 for a month without orders), from
the month of the client's first order ever when that is later; CV = population std / mean; X when
CV <= 0.10, Y when <= 0.25, else Z; fewer than 3 months or no revenue: no class. The funnel counts, of
the leads received 2026-01-01 .. 2026-09-30, how many reached each step (a later step implies the
earlier ones) and how many were lost at their furthest step.

Prints one JSON object per line, each report with crmkit_s, duckdb_s, pandas_s, the ratios
(ratio_duckdb = duckdb_s / crmkit_s: above 1 means crmkit is faster) and `agree`.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

PINNED = ["duckdb==2.0.1", "pandas==2.3.3", "numpy==2.4.6"]


def ensure_packages() -> None:
    try:
        import duckdb  # noqa: F401
        import numpy  # noqa: F401
        import pandas  # noqa: F401
    except ImportError:
        if sys.prefix == sys.base_prefix:
            sys.exit("duckdb, pandas and numpy are missing; run this with the repo's .venv (scripts/bench.sh)")
        print(f"installing {' '.join(PINNED)} into {sys.prefix}", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *PINNED], check=True)


ensure_packages()

import duckdb  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

AS_OF = "2026-11-01"
XYZ_START, XYZ_END = "2025-11-01", "2026-10-31"
XYZ_MONTHS = 12  # 2025-11 .. 2026-10
FUNNEL_START, FUNNEL_END = "2026-01-01", "2026-09-30"
# The funnel's steps and the furthest-step index (of the generator) at which each is reached.
STEPS = [
    ("received", 0),
    ("in_progress", 1),
    ("qualified", 2),
    ("converted", 3),
    ("qualification", 3),
    ("proposal", 4),
    ("negotiation", 5),
    ("contract", 6),
    ("won", 6),
]
# The step a lead stopped at, by its furthest index (won has no stop).
STOP_STEP = {0: "received", 1: "in_progress", 2: "qualified", 3: "qualification", 4: "proposal", 5: "negotiation"}


def log(msg: str) -> None:
    print(f"analytics compare: {msg}", file=sys.stderr)


def timed(fn: Callable[[], Any], runs: int) -> tuple[Any, float]:
    answer = fn()  # warm-up
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append(time.perf_counter() - started)
    return answer, statistics.median(times)


def ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b <= 0:
        return None
    return round(a / b, 2)


# --- ABC ---------------------------------------------------------------------------------------------------

ABC_SQL = """
WITH v AS (SELECT client_id, sum(total)::BIGINT AS value FROM orders GROUP BY client_id),
r AS (
    SELECT client_id,
           sum(value) OVER (ORDER BY value DESC, client_id ROWS UNBOUNDED PRECEDING) AS cum,
           sum(value) OVER () AS tot
    FROM v)
SELECT client_id,
       CASE WHEN cum * 10000 < tot * 8000 THEN 0 WHEN cum * 10000 < tot * 9500 THEN 1 ELSE 2 END::TINYINT AS class
FROM r ORDER BY client_id
"""


def abc_duckdb(con: Any) -> dict[str, np.ndarray]:
    return con.execute(ABC_SQL).fetchnumpy()


def abc_pandas(df: pd.DataFrame) -> dict[str, np.ndarray]:
    v = df.groupby("client_id", sort=True)["total"].sum()
    ids = v.index.to_numpy()
    vals = v.to_numpy()
    order = np.lexsort((ids, -vals))  # value descending, then id ascending
    cum = np.cumsum(vals[order])
    tot = int(vals.sum())
    cls_sorted = np.where(cum * 10000 < tot * 8000, 0, np.where(cum * 10000 < tot * 9500, 1, 2))
    cls = np.empty_like(cls_sorted)
    cls[order] = cls_sorted
    return {"client_id": ids, "class": cls.astype(np.int8)}


# --- RFM ---------------------------------------------------------------------------------------------------

RFM_SQL = f"""
WITH c AS (
    SELECT client_id, DATE '{AS_OF}' - max(ordered_at) AS recency_days, count(*) AS frequency,
           sum(total)::BIGINT AS monetary
    FROM orders GROUP BY client_id)
SELECT client_id, recency_days, frequency, monetary,
       ntile(5) OVER (ORDER BY recency_days DESC, client_id) AS r,
       ntile(5) OVER (ORDER BY frequency, client_id) AS f,
       ntile(5) OVER (ORDER BY monetary, client_id) AS m
FROM c ORDER BY client_id
"""


def ntile5(order: np.ndarray) -> np.ndarray:
    """SQL NTILE(5) scores (1..5) of rows, given their ranking `order` (worst first)."""
    n = len(order)
    size, larger = divmod(n, 5)
    pos = np.arange(n)
    big = larger * (size + 1)
    bucket = np.where(pos < big, pos // (size + 1), larger + (pos - big) // max(size, 1))
    scores = np.empty(n, dtype=np.int8)
    scores[order] = bucket + 1
    return scores


def rfm_pandas(df: pd.DataFrame) -> dict[str, np.ndarray]:
    g = df.groupby("client_id", sort=True).agg(last=("ordered_at", "max"), frequency=("total", "size"), monetary=("total", "sum"))
    ids = g.index.to_numpy()
    recency = (np.datetime64(AS_OF, "D") - g["last"].to_numpy().astype("datetime64[D]")).astype(np.int64)
    freq = g["frequency"].to_numpy()
    mon = g["monetary"].to_numpy()
    return {
        "client_id": ids,
        "recency_days": recency,
        "frequency": freq,
        "monetary": mon,
        "r": ntile5(np.lexsort((ids, -recency))),
        "f": ntile5(np.lexsort((ids, freq))),
        "m": ntile5(np.lexsort((ids, mon))),
    }


# --- XYZ ---------------------------------------------------------------------------------------------------

XYZ_SQL = f"""
WITH firsts AS (SELECT client_id, min(ordered_at) AS first FROM orders GROUP BY client_id),
m AS (
    SELECT client_id, date_trunc('month', ordered_at) AS month, sum(total)::DOUBLE AS rev
    FROM orders WHERE ordered_at BETWEEN DATE '{XYZ_START}' AND DATE '{XYZ_END}' GROUP BY ALL),
a AS (
    SELECT m.client_id,
           date_diff('month', greatest(date_trunc('month', f.first), DATE '{XYZ_START}'), DATE '{XYZ_END}') + 1 AS periods,
           sum(m.rev) AS s, sum(m.rev * m.rev) AS s2
    FROM m JOIN firsts f USING (client_id) GROUP BY ALL),
s AS (SELECT client_id, periods, s / periods AS mean, s2 / periods AS m2 FROM a)
SELECT client_id, periods, sqrt(greatest(m2 - mean * mean, 0)) / mean AS cv,
       CASE WHEN periods < 3 THEN -1
            WHEN sqrt(greatest(m2 - mean * mean, 0)) / mean <= 0.10 THEN 0
            WHEN sqrt(greatest(m2 - mean * mean, 0)) / mean <= 0.25 THEN 1 ELSE 2 END::TINYINT AS class
FROM s ORDER BY client_id
"""


def xyz_pandas(df: pd.DataFrame) -> dict[str, np.ndarray]:
    first = df.groupby("client_id", sort=True)["ordered_at"].min()
    w = df[(df["ordered_at"] >= XYZ_START) & (df["ordered_at"] <= XYZ_END)]
    month = w["ordered_at"].dt.year * 12 + w["ordered_at"].dt.month
    m = w.groupby([w["client_id"], month.rename("month")], sort=False)["total"].sum()
    ids_m = m.index.get_level_values(0).to_numpy()
    rev = m.to_numpy().astype(np.float64)
    tmp = pd.DataFrame({"client_id": ids_m, "s": rev, "s2": rev * rev})
    a = tmp.groupby("client_id", sort=True).sum()
    ids = a.index.to_numpy()
    f = first.reindex(ids)
    start_k = 2025 * 12 + 11
    end_k = 2026 * 12 + 10
    first_k = (f.dt.year * 12 + f.dt.month).to_numpy()
    periods = end_k - np.maximum(first_k, start_k) + 1
    mean = a["s"].to_numpy() / periods
    var = np.maximum(a["s2"].to_numpy() / periods - mean * mean, 0.0)
    cv = np.sqrt(var) / mean
    cls = np.where(periods < 3, -1, np.where(cv <= 0.10, 0, np.where(cv <= 0.25, 1, 2))).astype(np.int8)
    return {"client_id": ids, "periods": periods, "cv": cv, "class": cls}


# --- funnel ------------------------------------------------------------------------------------------------

_ENTERED = ", ".join(f'count(*) FILTER (WHERE furthest >= {k}) AS "{code}"' for code, k in STEPS)
_LOST = ", ".join(
    f'count(*) FILTER (WHERE furthest = {k} AND lost_reason IS NOT NULL) AS "lost_{code}"' for k, code in STOP_STEP.items()
)
FUNNEL_SQL = (
    f"SELECT {_ENTERED}, {_LOST} FROM leads WHERE received BETWEEN DATE '{FUNNEL_START}' AND DATE '{FUNNEL_END}'"
)


def funnel_duckdb(con: Any) -> dict[str, int]:
    cur = con.execute(FUNNEL_SQL)
    row = cur.fetchone()
    names = [d[0] for d in cur.description]
    return dict(zip(names, (int(x) for x in row)))


def funnel_pandas(leads: pd.DataFrame) -> dict[str, int]:
    c = leads[(leads["received"] >= FUNNEL_START) & (leads["received"] <= FUNNEL_END)]
    fur = c["furthest"].to_numpy()
    lost = c["lost_reason"].notna().to_numpy()
    out = {code: int((fur >= k).sum()) for code, k in STEPS}
    out.update({f"lost_{code}": int(((fur == k) & lost).sum()) for k, code in STOP_STEP.items()})
    return out


# --- comparing ---------------------------------------------------------------------------------------------


def read_results(path: Path, columns: dict[str, Any]) -> pd.DataFrame | None:
    if not path.is_file():
        return None
    return pd.read_csv(path, dtype=columns, keep_default_na=True)


def same(a: np.ndarray, b: np.ndarray) -> bool:
    return len(a) == len(b) and bool(np.array_equal(a, b))


def counts(classes: np.ndarray, names: list[str], codes: list[int]) -> dict[str, int]:
    return {n: int((classes == c).sum()) for n, c in zip(names, codes)}


def load_env() -> dict[str, Any]:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = None
    try:
        mem = round(os.sysconf("SC_PHYS_PAGES") * os.sysconf("SC_PAGE_SIZE") / 2**30, 1)
    except (ValueError, OSError):
        pass
    rustc = subprocess.run(["rustc", "-V"], stdout=subprocess.PIPE, text=True).stdout.strip()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": mem,
        "os": platform.platform(),
        "rustc": rustc,
        "python": platform.python_version(),
        "duckdb": duckdb.__version__,
        "pandas": pd.__version__,
        "numpy": np.__version__,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", type=Path, required=True)
    parser.add_argument("--crmkit", type=Path, required=True, help="the JSON lines cargo bench printed")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    d: Path = args.dir
    lines = [json.loads(l) for l in args.crmkit.read_text().splitlines() if l.strip().startswith("{")]
    by_bench = {l.get("bench"): l for l in lines}

    env = dict(by_bench.get("env", {"bench": "env"}))
    env.update(load_env())
    try:
        env["load_average"] = [round(x, 2) for x in os.getloadavg()]
    except OSError:
        pass

    # Load the data once (not timed in the reports).
    started = time.perf_counter()
    con = duckdb.connect(":memory:")
    orders_csv = str(d / "orders.csv").replace("'", "''")
    con.execute(
        f"CREATE TABLE orders AS SELECT * FROM read_csv('{orders_csv}', header = true, "
        "columns = {'client_id': 'BIGINT', 'ordered_at': 'DATE', 'total': 'BIGINT'})"
    )
    leads_csv = str(d / "lead_steps.csv").replace("'", "''")
    con.execute(
        f"CREATE TABLE leads AS SELECT * FROM read_csv('{leads_csv}', header = true, "
        "columns = {'lead_id': 'BIGINT', 'received': 'DATE', 'furthest': 'INTEGER', 'lost_reason': 'VARCHAR'})"
    )
    duck_load_s = time.perf_counter() - started
    started = time.perf_counter()
    df = pd.read_csv(d / "orders.csv", dtype={"client_id": np.int64, "total": np.int64}, parse_dates=["ordered_at"])
    leads = pd.read_csv(d / "lead_steps.csv", dtype={"lead_id": np.int64, "furthest": np.int64, "lost_reason": object})
    leads["received"] = pd.to_datetime(leads["received"])
    pandas_load_s = time.perf_counter() - started
    threads = con.execute("SELECT current_setting('threads')").fetchone()
    env.update(
        {
            "duckdb_threads": threads[0] if threads else None,
            "duckdb_load_s": round(duck_load_s, 3),
            "pandas_load_s": round(pandas_load_s, 3),
            "orders_in_memory": int(len(df)),
            "timed": (
                "crmkit: the report call on a store opened fresh from its file (one thread, SQLite, "
                "per-client rollups); DuckDB: the SQL from an in-memory orders table to the per-client "
                "answer fetched as NumPy; pandas: from the in-memory DataFrame to per-client arrays. "
                "One warm-up, median of the runs; CSV loading not counted."
            ),
        }
    )
    print(json.dumps(env, ensure_ascii=False), flush=True)
    for name in ("load", "record_order_single"):
        if name in by_bench:
            print(json.dumps(by_bench[name]), flush=True)

    failures = []
    suffix = next((k.split("_", 1)[1] for k in by_bench if k and k.startswith("abc_")), "1m")

    def report(name: str, duck_fn: Callable[[], Any], pandas_fn: Callable[[], Any], check: Callable[[Any, Any, dict[str, Any]], dict[str, Any]]) -> None:
        crm = by_bench.get(name, {"bench": name, "error": "not run by the Rust bench"})
        log(f"{name}: duckdb")
        duck, duck_s = timed(duck_fn, args.runs)
        log(f"{name}: pandas")
        pand, pandas_s = timed(pandas_fn, args.runs)
        line: dict[str, Any] = {"bench": name}
        crm_s = crm.get("crmkit_s")
        line["crmkit_s"] = crm_s
        line["duckdb_s"] = round(duck_s, 4)
        line["pandas_s"] = round(pandas_s, 4)
        line["ratio_duckdb"] = ratio(duck_s, crm_s)
        line["ratio_pandas"] = ratio(pandas_s, crm_s)
        try:
            line.update(check(duck, pand, crm))
        except Exception as e:  # noqa: BLE001 - a failed check is reported, not raised
            line["agree"] = False
            line["check_error"] = f"{type(e).__name__}: {e}"
        for k, v in crm.items():
            if k not in line and k != "bench":
                line[f"crmkit_{k}" if not k.startswith("crmkit") else k] = v
        if not line.get("agree"):
            failures.append(name)
        print(json.dumps(line, ensure_ascii=False), flush=True)

    # ABC
    def abc_check(duck: Any, pand: Any, crm: dict[str, Any]) -> dict[str, Any]:
        names, codes = ["A", "B", "C"], [0, 1, 2]
        out: dict[str, Any] = {
            "duckdb_classes": counts(duck["class"], names, codes),
            "pandas_classes": counts(pand["class"], names, codes),
        }
        engines = same(duck["client_id"], pand["client_id"]) and same(duck["class"], pand["class"])
        res = read_results(d / "results" / "abc.csv", {"client_id": np.int64, "class": str})
        if res is None or "error" in crm:
            out["agree"] = False
            out["duckdb_pandas_agree"] = engines
            return out
        res = res.sort_values("client_id")
        cls = res["class"].map({"A": 0, "B": 1, "C": 2}).to_numpy().astype(np.int8)
        out["crmkit_classes"] = counts(cls, names, codes)
        out["agree"] = engines and same(res["client_id"].to_numpy(), duck["client_id"]) and same(cls, duck["class"])
        if not out["agree"]:
            out["rows_differing"] = int((cls != duck["class"]).sum()) if len(cls) == len(duck["class"]) else None
        return out

    report(f"abc_{suffix}", lambda: abc_duckdb(con), lambda: abc_pandas(df), abc_check)

    # RFM
    def rfm_check(duck: Any, pand: Any, crm: dict[str, Any]) -> dict[str, Any]:
        cols = ["client_id", "recency_days", "frequency", "monetary", "r", "f", "m"]
        engines = all(same(np.asarray(duck[c]).astype(np.int64), np.asarray(pand[c]).astype(np.int64)) for c in cols)
        out: dict[str, Any] = {"duckdb_pandas_agree": engines}
        res = read_results(d / "results" / "rfm.csv", {c: np.int64 for c in cols} | {"segment": str})
        if res is None or "error" in crm:
            out["agree"] = False
            return out
        res = res.sort_values("client_id")
        diff = {c: int((res[c].to_numpy() != np.asarray(duck[c]).astype(np.int64)).sum()) for c in cols if len(res) == len(duck["client_id"])}
        out["agree"] = engines and len(res) == len(duck["client_id"]) and not any(diff.values())
        if not out["agree"]:
            out["rows_differing"] = diff
        out["crmkit_segments"] = {k: int(v) for k, v in res["segment"].value_counts().sort_index().items()}
        return out

    report(f"rfm_{suffix}", lambda: con.execute(RFM_SQL).fetchnumpy(), lambda: rfm_pandas(df), rfm_check)

    # XYZ
    def xyz_check(duck: Any, pand: Any, crm: dict[str, Any]) -> dict[str, Any]:
        names, codes = ["X", "Y", "Z", "none"], [0, 1, 2, -1]
        engines = same(duck["client_id"], pand["client_id"]) and same(duck["class"], pand["class"])
        out: dict[str, Any] = {
            "duckdb_classes": counts(duck["class"], names, codes),
            "pandas_classes": counts(pand["class"], names, codes),
            "duckdb_pandas_agree": engines,
        }
        res = read_results(d / "results" / "xyz.csv", {"client_id": np.int64, "periods": np.int64, "class": str})
        if res is None or "error" in crm:
            out["agree"] = False
            return out
        # crmkit lists every client it measured; the engines list those with revenue in the window.
        res = res.sort_values("client_id")
        cls = res["class"].fillna("none").map({"X": 0, "Y": 1, "Z": 2, "none": -1}).to_numpy().astype(np.int8)
        out["crmkit_classes"] = counts(cls, names, codes)
        with_class_c = res["client_id"].to_numpy()[cls >= 0]
        with_class_d = duck["client_id"][duck["class"] >= 0]
        same_ids = same(with_class_c, with_class_d)
        out["agree"] = engines and same_ids and same(cls[cls >= 0], duck["class"][duck["class"] >= 0])
        if not out["agree"]:
            out["classified_crmkit"] = int(len(with_class_c))
            out["classified_duckdb"] = int(len(with_class_d))
            if same_ids:
                out["rows_differing"] = int((cls[cls >= 0] != duck["class"][duck["class"] >= 0]).sum())
        return out

    report(f"xyz_{suffix}", lambda: con.execute(XYZ_SQL).fetchnumpy(), lambda: xyz_pandas(df), xyz_check)

    # Funnel
    def funnel_check(duck: Any, pand: Any, crm: dict[str, Any]) -> dict[str, Any]:
        out: dict[str, Any] = {"duckdb_pandas_agree": duck == pand, "expected": duck}
        path = d / "results" / "funnel.json"
        if not path.is_file() or "error" in crm:
            out["agree"] = False
            return out
        got = json.loads(path.read_text())
        out["crmkit"] = got
        out["agree"] = duck == pand and all(got.get(k) == v for k, v in duck.items())
        return out

    report("funnel", lambda: funnel_duckdb(con), lambda: funnel_pandas(leads), funnel_check)

    for name, line in by_bench.items():
        if name and name not in ("env", "load", "record_order_single") and not name.startswith(("abc_", "rfm_", "xyz_", "funnel")):
            print(json.dumps(line), flush=True)  # reports measured by crmkit only (p_alive)
    if failures:
        log(f"disagreements or errors: {', '.join(failures)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
