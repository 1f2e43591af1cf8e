#!/usr/bin/env bash
# The Python package's checks, as a user meets the package: `pip install ./crm-py` into a virtual
# environment (.venv in the repository, ignored by git; made here when missing), then the type stubs
# against the built module, the type checker over the tests and the example, the test suite, and the
# quickstart in a scratch directory. Needs python3 with venv and pip, cargo, and PyPI (maturin, pytest,
# mypy). Runnable by hand from any directory.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

step() { printf '\n==> %s\n' "$*"; }

venv="$root/.venv"
python="$venv/bin/python"
if [[ ! -x "$python" ]]; then
  step "python3 -m venv .venv"
  python3 -m venv "$venv"
fi

step "test tools into .venv"
# Pinned, so that a new release of a checker cannot turn a passing tree red overnight.
"$python" -m pip install --quiet --disable-pip-version-check "pytest==9.2.0" "mypy==2.4.1"

step "pip install ./crm-py (the user's path: maturin builds the wheel from the current sources)"
# pip builds a local directory afresh every time and reinstalls it; cargo rebuilds only what changed.
"$python" -m pip install --quiet --disable-pip-version-check ./crm-py
wheel_so=$("$python" -c 'import crmkit._crmkit as m; print(m.__file__)')
echo "crmkit $("$python" -c 'import crmkit; print(crmkit.__version__)') installed: $wheel_so"

scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT

step "python -m mypy.stubtest crmkit (the stubs against the built module)"
# From a scratch directory, so that `crmkit` is the installed package and not a source folder.
(cd "$scratch" && "$python" -m mypy.stubtest crmkit --mypy-config-file "$root/crm-py/pyproject.toml")

step "mypy --strict over the tests and the example (the typed API as a user's type checker sees it)"
"$python" -m mypy --config-file crm-py/pyproject.toml --cache-dir "$venv/.mypy_cache" \
  crm-py/tests crm-py/bench examples/python

step "pytest crm-py/tests (warnings are errors)"
"$python" -m pytest -p no:cacheprovider crm-py/tests

step "examples/python/quickstart.py (run as a new user would, in a scratch directory)"
(cd "$scratch" && "$python" "$root/examples/python/quickstart.py" quickstart.crm)
test -s "$scratch/quickstart.crm"

step "examples/python/import_excel.py on a committed legacy export (a title line, empty rows, a bad row)"
# Exit 0 with the bad row reported and the good one kept; then the batch is taken back.
(cd "$scratch" && "$python" "$root/examples/python/import_excel.py" import.crm \
  "$root/crm-core/tests/data/import/clients_title_empty_rows.csv" 2>/dev/null) | tee "$scratch/import.out"
grep -q "rows: 2 total, 1 created, 0 updated, 0 unchanged, 0 skipped, 1 failed" "$scratch/import.out"
grep -q "row 5, column 'Менеджер'" "$scratch/import.out"
(cd "$scratch" && "$python" "$root/examples/python/import_excel.py" import.crm --undo 1) >"$scratch/undo.out"
cat "$scratch/undo.out"
grep -q "batch 1 undone: 1 records removed" "$scratch/undo.out"

step "README's Python block runs as shown (in a scratch directory)"
"$python" - "$root/README.md" >"$scratch/readme_block.py" <<'PY'
import re, sys
blocks = re.findall(r"```python\n(.*?)```", open(sys.argv[1], encoding="utf-8").read(), re.S)
assert blocks, "README.md has no Python block"
print(blocks[0])
PY
(cd "$scratch" && "$python" readme_block.py >/dev/null)
echo "ok"
