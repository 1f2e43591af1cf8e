#!/usr/bin/env bash
# The one test command: what CI runs and what a new user runs. It installs what it needs on a fresh
# machine (the machine brings a Rust toolchain), then checks formatting and lints and runs every test.
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
if [ -f examples/tour.rs ]; then
  (cd "$scratch" && cargo run --quiet --locked --release --manifest-path "$manifest" --example tour)
fi
