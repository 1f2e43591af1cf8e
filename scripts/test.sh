#!/usr/bin/env bash
# The one test command: what CI runs and what a new user runs. It installs what it needs on a fresh
# machine (the machine brings a Rust toolchain, gcc, valgrind and python3 with pip), then checks formatting and lints and
# runs every test: Rust, then C (scripts/test-c.sh), then Python (scripts/test-python.sh).
set -euo pipefail
cd "$(dirname "$0")/.."

step() { printf '\n==> %s\n' "$*"; }

step "toolchain components"
for component in rustfmt clippy; do
  if ! rustup component list --installed 2>/dev/null | grep -q "^${component}"; then
    rustup component add "$component"
  fi
done

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo test"
cargo test --workspace --locked

step "examples (run as a new user would, in a scratch directory)"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
manifest="$PWD/Cargo.toml"
(cd "$scratch" && cargo run --quiet --locked --manifest-path "$manifest" --example quickstart >/dev/null)
(cd "$scratch" && cargo run --quiet --locked --release --manifest-path "$manifest" --example tour)
python3 - "$scratch/tour.crm" <<'PY'
# tour.crm must open in any SQLite tool: check it with Python's own sqlite3, not with crmkit.
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok", "integrity_check failed"
version = db.execute("PRAGMA user_version").fetchone()[0]
assert version >= 1, f"user_version {version}"
leads = db.execute("SELECT count(*) FROM leads").fetchone()[0]
print(f"tour.crm read by sqlite3 {sqlite3.sqlite_version}: integrity ok, user_version {version}, {leads} leads")
PY

step "C: header, tests and quickstart (scripts/test-c.sh)"
scripts/test-c.sh

step "Python: pip install ./crm-py, stubtest, mypy, pytest and quickstart (scripts/test-python.sh)"
scripts/test-python.sh
