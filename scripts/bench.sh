#!/usr/bin/env bash
# The analytics benchmark (issue 8): generates orders for clients with a fixed seed, loads them through
# crmkit (`record_orders` batches; raw SQLite inserting the same rows is the floor, in the same run),
# then times ABC, RFM, XYZ and the funnel in crmkit and the same computations in DuckDB and pandas over
# the same data. Then the retention benchmark (issue 9) on a copy of that store: `run_due` the first
# time, again, a minute and a day later, after a day of orders, and the dormancy states against DuckDB
# and pandas. Then the import benchmark (issue 10): a million-row client CSV loaded, and a second million
# upserted by e-mail and phone into that store of a million, against raw SQLite on the same rows. Not a test: it prints one JSON object per line on stdout (progress on stderr) and
# never fails on a machine's speed.
#
#   scripts/bench.sh                      1,000,000 clients, 10,000,000 orders (the store is cached in
#                                         target/bench-analytics/<N>x<M>; building it takes a while)
#   scripts/bench.sh --quick              20,000 clients, 200,000 orders: under a minute after the build
#   scripts/bench.sh --clients N --orders M [--runs R] [--batch B] [--single S] [--leads L] [--rebuild]
#
# Needs cargo and python3 with venv; installs pinned duckdb, pandas and numpy into .venv when missing.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

clients=1000000
orders=10000000
import_rows=1000000
runs=5
extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --quick) clients=20000; orders=200000; import_rows=20000; extra+=(--single 5000) ;;
    --clients) clients=$2; shift ;;
    --orders) orders=$2; shift ;;
    --runs) runs=$2; shift ;;
    --batch|--single|--leads) extra+=("$1" "$2"); shift ;;
    --rebuild) extra+=(--rebuild) ;;
    -h|--help) sed -n '2,13p' "$0"; exit 0 ;;
    *) echo "bench.sh: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

venv="$root/.venv"
python="$venv/bin/python"
if [[ ! -x "$python" ]]; then
  echo "bench.sh: python3 -m venv .venv" >&2
  python3 -m venv "$venv"
fi
if ! "$python" -c 'import duckdb, pandas, numpy' 2>/dev/null; then
  echo "bench.sh: installing duckdb, pandas, numpy into .venv" >&2
  "$python" -m pip install --quiet --disable-pip-version-check "duckdb==2.0.1" "pandas==2.3.3" "numpy==2.4.6"
fi

dir="$root/target/bench-analytics/${clients}x${orders}"
mkdir -p "$dir"
out="$dir/crmkit.jsonl"
echo "bench.sh: cargo bench --bench analytics (release) for $clients clients, $orders orders" >&2
cargo bench --bench analytics -- --clients "$clients" --orders "$orders" --runs "$runs" --dir "$dir" \
  ${extra[@]+"${extra[@]}"} >"$out"
"$python" tests/bench/analytics_compare.py --dir "$dir" --crmkit "$out" --runs "$runs"

retention="$dir/retention.jsonl"
echo "bench.sh: cargo bench --bench retention (release) on a copy of $dir/store.crm" >&2
cargo bench --bench retention -- --dir "$dir" >"$retention"
"$python" tests/bench/retention_compare.py --dir "$dir" --crmkit "$retention"

echo "bench.sh: cargo bench --bench import (release) for $import_rows rows" >&2
cargo bench --bench import -- --rows "$import_rows" --dir "$root/target/bench-import"
