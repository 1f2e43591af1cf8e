"""crmkit segments against DuckDB on the same data, in the same run.

    .venv/bin/python tests/bench/segment_duckdb.py [--clients N] [--runs R] [--dir DIR] [--rebuild]

Runs `cargo bench --bench segment -- --clients N --dir DIR --expressions FILE`, which builds the store
through crm-core's API (or reuses the one cached in DIR), exports it as CSV and times `Crm::segment` and
`Crm::segment_count` for every expression below. Then loads the same CSVs into an in-memory DuckDB, runs
each expression's SQL (written by hand beside it) the same way — one warm-up, the median of R runs, the
ids fetched as a NumPy array, the count with count(*) — and checks that both sides return the same
clients: the same count and the same ids in the same (ascending) order. Prints one JSON object; exits 1
when anything disagrees (listed under "mismatches") or an expression fails on either side.

The SQL mirrors the segment semantics: only clients created at or before as_of; revenue and orders count
completed orders only and are 0 (not null) for a client without any; revenue_365d and revenue_90d sum the
completed orders with ordered_at in (as_of - N days, as_of]; days_since_last_order is as_of's UTC date
minus the last completed order's UTC date, null (never matching) without orders; `contains`, `starts with`
and `has tag` ignore case (Unicode, not only ASCII); money compares in minor units; a comparison with a
null never matches, `not` included (SQL's three-valued logic).

Installs duckdb and numpy (pinned) into the running virtual environment when they are missing.
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
from typing import Any

PINNED = ["duckdb==2.0.1", "numpy==2.4.6"]


def ensure_packages() -> None:
    try:
        import duckdb  # noqa: F401
        import numpy  # noqa: F401
    except ImportError:
        if sys.prefix == sys.base_prefix:
            sys.exit(
                "duckdb and numpy are missing; run this with the repo's virtual environment "
                "(.venv/bin/python tests/bench/segment_duckdb.py), which it installs them into"
            )
        print(f"installing {' '.join(PINNED)} into {sys.prefix}", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *PINNED], check=True)


ensure_packages()

import duckdb  # noqa: E402
import numpy as np  # noqa: E402

# as_of and the window starts, as DuckDB literals. Stored times are UTC; TIMESTAMP_NS keeps them exact.
AS_OF = "TIMESTAMP_NS '2026-11-01 00:00:00'"
AS_OF_DATE = "DATE '2026-11-01'"
MINUS_365D = "TIMESTAMP_NS '2025-11-01 00:00:00'"  # as_of - 365 days
MINUS_90D = "TIMESTAMP_NS '2026-08-03 00:00:00'"  # as_of - 90 days

ALIVE = f"c.created_at <= {AS_OF}"  # clients created after as_of are never in a segment
ROLLUPS = "LEFT JOIN rollups r ON r.client_id = c.id"


def window(start: str) -> str:
    """Completed revenue per client with ordered_at in (start, as_of]."""
    return (
        "LEFT JOIN (SELECT o.client_id, sum(o.total) AS revenue FROM orders o "
        f"WHERE o.status = 'completed' AND o.ordered_at > {start} AND o.ordered_at <= {AS_OF} "
        "GROUP BY o.client_id) w ON w.client_id = c.id"
    )


def tagged(tag: str) -> str:
    return f"(SELECT t.client_id FROM client_tags t WHERE lower(t.tag) = lower('{tag}'))"


DAYS_SINCE = f"({AS_OF_DATE} - CAST(r.last_order_at AS DATE))"

# (group, expression, FROM ... WHERE ... by hand). "core" is the suggested set; "probe" checks an edge
# of the semantics (case folding beyond ASCII, nulls, clients without orders, window boundaries).
EXPRESSIONS: list[tuple[str, str, str]] = [
    ("core", "region = 'Kyiv'", f"FROM clients c WHERE {ALIVE} AND c.region = 'Kyiv'"),
    ("core", "owner = 17", f"FROM clients c WHERE {ALIVE} AND c.owner_id = 17"),
    ("core", "has tag 'vip'", f"FROM clients c WHERE {ALIVE} AND c.id IN {tagged('vip')}"),
    (
        "core",
        "revenue > 50000",
        f"FROM clients c {ROLLUPS} WHERE {ALIVE} AND coalesce(r.revenue, 0) > 5000000",
    ),
    (
        "core",
        "orders >= 2 and days_since_last_order > 90",
        f"FROM clients c {ROLLUPS} WHERE {ALIVE} AND coalesce(r.orders, 0) >= 2 AND {DAYS_SINCE} > 90",
    ),
    (
        "core",
        "region in ('Kyiv', 'Lviv') and kind = 'company'",
        f"FROM clients c WHERE {ALIVE} AND c.region IN ('Kyiv', 'Lviv') AND c.kind = 'company'",
    ),
    (
        "core",
        "revenue_365d > 10000",
        f"FROM clients c {window(MINUS_365D)} WHERE {ALIVE} AND coalesce(w.revenue, 0) > 1000000",
    ),
    (
        "core",
        "name contains 'ко'",
        f"FROM clients c WHERE {ALIVE} AND contains(lower(c.name), lower('ко'))",
    ),
    (
        "core",
        "attributes.loyalty = 'gold' and orders >= 3",
        f"FROM clients c {ROLLUPS} WHERE {ALIVE} AND c.id IN (SELECT a.client_id FROM client_attributes a "
        "WHERE a.key = 'loyalty' AND a.type = 'text' AND a.value = 'gold') AND coalesce(r.orders, 0) >= 3",
    ),
    # --- probes ---
    (
        "probe",
        "has tag 'VIP'",  # tags typed 'VIP' and 'vip' both count, and a client with both counts once
        f"FROM clients c WHERE {ALIVE} AND c.id IN {tagged('VIP')}",
    ),
    ("probe", "not has tag 'vip'", f"FROM clients c WHERE {ALIVE} AND c.id NOT IN {tagged('vip')}"),
    (
        "probe",
        "name contains 'КО'",  # Cyrillic capitals: the same clients as 'ко'
        f"FROM clients c WHERE {ALIVE} AND contains(lower(c.name), lower('КО'))",
    ),
    (
        "probe",
        "revenue = 0",  # clients without orders, or with only cancelled or returned ones
        f"FROM clients c {ROLLUPS} WHERE {ALIVE} AND coalesce(r.revenue, 0) = 0",
    ),
    (
        "probe",
        "revenue_90d >= 5000",
        f"FROM clients c {window(MINUS_90D)} WHERE {ALIVE} AND coalesce(w.revenue, 0) >= 500000",
    ),
    (
        "probe",
        "days_since_last_order <= 90",  # null (no orders) never matches
        f"FROM clients c {ROLLUPS} WHERE {ALIVE} AND {DAYS_SINCE} <= 90",
    ),
    (
        "probe",
        "days_since_last_order = 0",  # orders dated exactly as_of
        f"FROM clients c {ROLLUPS} WHERE {ALIVE} AND {DAYS_SINCE} = 0",
    ),
    (
        "probe",
        "average_order > 5000",  # exact: revenue / orders > 5000.00, no rounding
        f"FROM clients c {ROLLUPS} WHERE {ALIVE} AND r.orders > 0 AND r.revenue > 500000 * r.orders",
    ),
    (
        "probe",
        "orders between 2 and 5",
        f"FROM clients c {ROLLUPS} WHERE {ALIVE} AND coalesce(r.orders, 0) BETWEEN 2 AND 5",
    ),
    (
        "probe",
        "industry != 'Retail'",  # a client without industry does not match
        f"FROM clients c WHERE {ALIVE} AND c.industry <> 'Retail'",
    ),
    (
        "probe",
        "not (region = 'Kyiv' or region = 'Lviv')",  # three-valued: a client without region does not match
        f"FROM clients c WHERE {ALIVE} AND NOT (c.region = 'Kyiv' OR c.region = 'Lviv')",
    ),
    ("probe", "email is null", f"FROM clients c WHERE {ALIVE} AND c.email IS NULL"),
    (
        "probe",
        "phone starts with '+38067'",
        f"FROM clients c WHERE {ALIVE} AND starts_with(lower(c.phone), lower('+38067'))",
    ),
    (
        "probe",
        "owner = 17 or has tag 'vip'",
        f"FROM clients c WHERE {ALIVE} AND (c.owner_id = 17 OR c.id IN {tagged('vip')})",
    ),
]

# The CSVs the Rust side writes, with their column types.
TABLES: dict[str, dict[str, str]] = {
    "clients": {
        "id": "BIGINT",
        "kind": "VARCHAR",
        "name": "VARCHAR",
        "email": "VARCHAR",
        "phone": "VARCHAR",
        "region": "VARCHAR",
        "industry": "VARCHAR",
        "owner_id": "BIGINT",
        "created_at": "TIMESTAMP_NS",
    },
    "client_tags": {"client_id": "BIGINT", "tag": "VARCHAR"},
    "client_attributes": {"client_id": "BIGINT", "key": "VARCHAR", "type": "VARCHAR", "value": "VARCHAR"},
    "rollups": {
        "client_id": "BIGINT",
        "revenue": "BIGINT",
        "orders": "BIGINT",
        "first_order_at": "TIMESTAMP_NS",
        "last_order_at": "TIMESTAMP_NS",
    },
    "orders": {
        "id": "BIGINT",
        "client_id": "BIGINT",
        "ordered_at": "TIMESTAMP_NS",
        "status": "VARCHAR",
        "total": "BIGINT",
    },
}


def ms(seconds: float) -> float:
    return round(seconds * 1e3, 3)


def ratio(a: float | None, b: float | None) -> float | None:
    if a is None or b is None or b <= 0:
        return None
    return round(a / b, 2)


def run_crmkit(repo: Path, args: argparse.Namespace, data_dir: Path) -> dict[str, Any]:
    expressions_file = data_dir / "expressions.txt"
    expressions_file.write_text("".join(f"{e}\n" for _, e, _ in EXPRESSIONS), encoding="utf-8")
    cmd = [
        "cargo",
        "bench",
        "--bench",
        "segment",
        "--",
        "--clients",
        str(args.clients),
        "--dir",
        str(data_dir),
        "--runs",
        str(args.runs),
        "--expressions",
        str(expressions_file),
    ]
    if args.rebuild:
        cmd.append("--rebuild")
    print("running: " + " ".join(cmd), file=sys.stderr)
    started = time.perf_counter()
    done = subprocess.run(cmd, cwd=repo, stdout=subprocess.PIPE, text=True)  # stderr: the terminal
    if done.returncode != 0:
        sys.exit(f"cargo bench failed with exit code {done.returncode}")
    report: dict[str, Any] = json.loads(done.stdout)
    report["wall_s"] = round(time.perf_counter() - started, 1)
    return report


def load(con: duckdb.DuckDBPyConnection, data_dir: Path) -> dict[str, Any]:
    times = {}
    for table, columns in TABLES.items():
        path = str(data_dir / f"{table}.csv").replace("'", "''")
        types = ", ".join(f"'{name}': '{ty}'" for name, ty in columns.items())
        started = time.perf_counter()
        con.execute(
            f"CREATE TABLE {table} AS SELECT * FROM read_csv('{path}', header = true, delim = ',', "
            f"quote = '\"', escape = '\"', allow_quoted_nulls = false, columns = {{{types}}})"
        )
        times[table] = round(time.perf_counter() - started, 3)
    return {"total_s": round(sum(times.values()), 3), "tables_s": times}


def data_checks(con: duckdb.DuckDBPyConnection) -> dict[str, Any]:
    """Checks the exported rollups against the exported orders: the DuckDB side reads rollups as crmkit
    does, so they must be what the completed orders add up to."""
    off = con.execute(
        """
        SELECT count(*) FROM rollups r FULL OUTER JOIN (
            SELECT client_id, sum(total) AS revenue, count(*) AS orders,
                   min(ordered_at) AS first_order_at, max(ordered_at) AS last_order_at
            FROM orders WHERE status = 'completed' GROUP BY client_id) o ON o.client_id = r.client_id
        WHERE r.client_id IS NULL OR o.client_id IS NULL OR r.revenue <> o.revenue OR r.orders <> o.orders
           OR r.first_order_at <> o.first_order_at OR r.last_order_at <> o.last_order_at
        """
    ).fetchone()
    rows = {t: con.execute(f"SELECT count(*) FROM {t}").fetchone() for t in TABLES}
    late = con.execute(
        f"SELECT count(*) FROM orders WHERE ordered_at > {AS_OF}"
    ).fetchone()
    return {
        "rows": {t: (r[0] if r else None) for t, r in rows.items()},
        "rollups_disagreeing_with_orders": off[0] if off else None,
        "orders_after_as_of": late[0] if late else None,
    }


def time_duckdb(con: duckdb.DuckDBPyConnection, body: str, runs: int) -> tuple[Any, int, float, float]:
    ids_sql = f"SELECT c.id {body} ORDER BY c.id"
    count_sql = f"SELECT count(*) {body}"
    ids = con.execute(ids_sql).fetchnumpy()["id"]  # warm-up
    row = con.execute(count_sql).fetchone()
    count = int(row[0]) if row else -1
    ids_t, count_t = [], []
    for _ in range(runs):
        started = time.perf_counter()
        con.execute(ids_sql).fetchnumpy()["id"]
        ids_t.append(time.perf_counter() - started)
        started = time.perf_counter()
        con.execute(count_sql).fetchone()
        count_t.append(time.perf_counter() - started)
    return np.asarray(ids, dtype=np.int64), count, statistics.median(ids_t), statistics.median(count_t)


def sample(a: Any, n: int = 5) -> list[int]:
    return [int(x) for x in a[:n]]


def compare(
    group: str, expr: str, crm: dict[str, Any] | None, duck: tuple[Any, int, float, float]
) -> tuple[dict[str, Any], str | None]:
    ids, count, ids_s, count_s = duck
    entry: dict[str, Any] = {"expression": expr, "group": group, "rows": int(count)}
    entry["duckdb"] = {"ids_ms": ms(ids_s), "count_ms": ms(count_s), "count": int(count)}
    if crm is None or "error" in crm:
        error = crm.get("error") if crm else "not run by the Rust bench"
        entry["crmkit"] = {"error": error}
        entry["check"] = "crmkit error"
        return entry, f"{expr}: crmkit error: {error}"
    entry["crmkit"] = {
        "ids_ms": crm["ids_ms"],
        "count_ms": crm["count_ms"],
        "count": crm["count"],
    }
    entry["ratio_crmkit_over_duckdb"] = {
        "ids": ratio(crm["ids_ms"], ms(ids_s)),
        "count": ratio(crm["count_ms"], ms(count_s)),
    }
    problems = []
    if crm["count"] != count:
        problems.append(f"count: crmkit {crm['count']}, duckdb {count}")
    if crm["ids"] != crm["count"]:
        problems.append(f"crmkit segment gave {crm['ids']} ids but segment_count {crm['count']}")
    if not crm.get("ids_ascending", False):
        problems.append("crmkit ids are not in ascending order")
    if not crm.get("same_result_every_run", False):
        problems.append("crmkit gave different results in different runs")
    ids_file = Path(crm.get("ids_file", ""))
    if ids_file.is_file():
        theirs = np.fromfile(ids_file, dtype="<i8")
        if not np.array_equal(theirs, ids):
            only_crm = np.setdiff1d(theirs, ids)
            only_duck = np.setdiff1d(ids, theirs)
            problems.append(
                f"ids differ: {len(only_crm)} only in crmkit (first {sample(only_crm)}), "
                f"{len(only_duck)} only in duckdb (first {sample(only_duck)})"
            )
            entry["only_in_crmkit"] = {"n": int(len(only_crm)), "first": sample(only_crm)}
            entry["only_in_duckdb"] = {"n": int(len(only_duck)), "first": sample(only_duck)}
    else:
        problems.append(f"crmkit ids file missing: {ids_file}")
    entry["check"] = "ok" if not problems else "MISMATCH: " + "; ".join(problems)
    return entry, (f"{expr}: " + "; ".join(problems)) if problems else None


def load_average() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def machine(con: duckdb.DuckDBPyConnection, load_before: float | None) -> dict[str, Any]:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gib = None
    try:
        pages, size = os.sysconf("SC_PHYS_PAGES"), os.sysconf("SC_PAGE_SIZE")
        mem_gib = round(pages * size / 2**30, 1)
    except (ValueError, OSError):
        pass
    rustc = subprocess.run(["rustc", "-V"], stdout=subprocess.PIPE, text=True).stdout.strip()

    threads = con.execute("SELECT current_setting('threads')").fetchone()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": mem_gib,
        "os": platform.platform(),
        "python": platform.python_version(),
        "rustc": rustc,
        "duckdb": duckdb.__version__,
        "duckdb_threads": threads[0] if threads else None,
        # 1-minute load averages; well above 1 means something else shared the two cores meanwhile
        "load_average_before": load_before,
        "load_average_after": load_average(),
        "note": (
            "crmkit: one thread, SQLite file store (warm page cache after the warm-up run), ids as "
            "Vec<ClientId>; DuckDB: in-memory tables loaded from the CSV export, all threads listed, ids "
            "as a NumPy array. Medians of the runs after one warm-up."
        ),
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--clients", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--dir", type=Path, help="default: target/bench-segment/<N>")
    parser.add_argument("--rebuild", action="store_true", help="build the store even if one is cached")
    parser.add_argument("--duckdb-threads", type=int, help="default: DuckDB's own (all cores)")
    args = parser.parse_args()

    repo = Path(__file__).absolute().parents[2]
    data_dir = (args.dir or repo / "target" / "bench-segment" / str(args.clients)).absolute()
    data_dir.mkdir(parents=True, exist_ok=True)

    load_before = load_average()
    crmkit = run_crmkit(repo, args, data_dir)
    by_expression = {s["expression"]: s for s in crmkit.get("segments", [])}

    con = duckdb.connect(":memory:")
    if args.duckdb_threads:
        con.execute(f"SET threads = {int(args.duckdb_threads)}")
    loaded = load(con, data_dir)
    checks = data_checks(con)
    failures = []
    if checks["rollups_disagreeing_with_orders"] != 0:
        failures.append(f"data: {checks['rollups_disagreeing_with_orders']} rollups disagree with the orders")
    if checks["rows"]["clients"] != args.clients:
        failures.append(f"data: {checks['rows']['clients']} clients in the export, {args.clients} asked for")

    results = []
    for group, expr, body in EXPRESSIONS:
        print(f"duckdb: {expr}", file=sys.stderr)
        duck = time_duckdb(con, body, args.runs)
        entry, problem = compare(group, expr, by_expression.get(expr), duck)
        results.append(entry)
        if problem:
            failures.append(problem)

    csv_bytes = sum((data_dir / f"{t}.csv").stat().st_size for t in TABLES)
    report = {
        "benchmark": "crmkit segments vs DuckDB, same data, same run",
        "ok": not failures,
        "mismatches": failures,
        "clients": args.clients,
        "as_of": crmkit.get("as_of"),
        "runs": args.runs,
        "expressions": results,
        "data": crmkit.get("data"),
        "data_checks": checks,
        "store": {
            "dir": str(data_dir),
            "store_bytes": crmkit.get("store_bytes"),
            "csv_bytes": csv_bytes,
            "built_this_run": crmkit.get("store_built_this_run"),
            "build_s": crmkit.get("build"),
            "crmkit_open_ms": crmkit.get("open_ms"),
            "schema_version": crmkit.get("schema_version"),
        },
        "duckdb_load": loaded,
        "cargo_bench_wall_s": crmkit.get("wall_s"),
        "machine": machine(con, load_before),
    }
    print(json.dumps(report, indent=2, ensure_ascii=False))
    if failures:
        print(f"\n{len(failures)} MISMATCH(ES) between crmkit and DuckDB:", file=sys.stderr)
        for f in failures:
            print(f"  {f}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
