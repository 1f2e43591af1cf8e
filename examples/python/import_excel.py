"""Pour an old base into crmkit: import an Excel workbook (.xlsx) or a CSV export (UTF-8 or Windows-1251,
any delimiter) of clients, contacts, leads or orders, with a progress bar, and print what came of it: how
each column was read, the counts, every bad row with its row and column, every value that differed from
the store, and the batch id that takes the import back.

    pip install ./crm-py                  # tqdm, when installed, draws the progress bar
    python examples/python/import_excel.py STORE FILE [--kind clients] [--match-on tax_id,email,phone]
                                           [--dry-run] [--sheet NAME]
    python examples/python/import_excel.py STORE --undo BATCH

Exit status: 0 when the file was imported (bad rows are reported, the good ones kept), 1 when the
import was cancelled or could not run (an unreadable file, a bad option), 2 for wrong arguments.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable, List, Optional, Tuple, cast

import crmkit

KINDS = ("clients", "contacts", "leads", "orders")
KEYS = ("external_ref", "tax_id", "email", "phone")


def progress_bar() -> Tuple[Callable[[int, int], None], Callable[[], None]]:
    """A progress callable and the function that closes it: tqdm's bar when tqdm is installed, else a
    percentage printed on stderr."""
    try:
        tqdm: Any = importlib.import_module("tqdm").tqdm
    except ImportError:
        shown = [-1]

        def percent(done: int, total: int) -> None:
            pct = 100 * done // total if total else 100
            if pct != shown[0]:
                shown[0] = pct
                print(f"\r  {pct:3d}% ({done}/{total} rows)", end="", file=sys.stderr, flush=True)

        def end() -> None:
            if shown[0] >= 0:
                print(file=sys.stderr)

        return percent, end

    bar = tqdm(total=0, unit="row", file=sys.stderr)

    def update(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)

    return update, bar.close


def import_file(crm: crmkit.Crm, args: argparse.Namespace) -> crmkit.ImportReport:
    path = Path(args.file)
    # Checked by crmkit: a key it does not know is a ValidationError naming match_on.
    match_on = [cast(crmkit.MatchKey, k.strip()) for k in args.match_on.split(",")] if args.match_on else None
    progress, close = progress_bar()
    now = datetime.now(timezone.utc)
    try:
        if path.suffix.lower() in (".xlsx", ".xlsm"):
            return crm.import_xlsx(
                path,
                kind=args.kind,
                sheet=args.sheet,
                match_on=match_on,
                dry_run=args.dry_run,
                progress=progress,
                at=now,
            )
        return crm.import_csv(
            path,
            kind=args.kind,
            match_on=match_on,
            dry_run=args.dry_run,
            progress=progress,
            at=now,
        )
    finally:
        close()


def show(report: crmkit.ImportReport) -> None:
    how = (
        report.encoding if report.delimiter is None else f"{report.encoding}, delimiter {report.delimiter!r}"
    )
    print(f"read as {how}, header in row {report.header_row}")
    print("columns:")
    for column in report.columns:
        target = column.field or "(ignored)"
        print(f"  {column.header!r:32} -> {target}{'' if column.guessed else '  (given)'}")
    print(
        f"rows: {report.total} total, {report.created} created, {report.updated} updated, "
        f"{report.unchanged} unchanged, {report.skipped} skipped, {report.failed} failed"
    )
    if report.errors:
        print("errors:")
        for error in report.errors:
            where = f"row {error.row}" + (f", column {error.column!r}" if error.column else "")
            print(f"  {where}: {error.message}")
    if report.conflicts:
        print("conflicts (the stored value was kept):")
        for c in report.conflicts:
            print(f"  row {c.row}: {c.entity} {c.id} {c.field}: stored {c.stored!r}, file {c.incoming!r}")
    if report.cancelled:
        print("cancelled: nothing was written")
    elif report.dry_run:
        print("dry run: nothing was written")
    elif report.batch_id is None:
        print("nothing was written")
    else:
        print(f"batch {report.batch_id}; to take it back: --undo {report.batch_id}")


def undo(crm: crmkit.Crm, batch_id: int) -> int:
    result = crm.undo_import(batch_id, at=datetime.now(timezone.utc))
    if result.undone:
        print(f"batch {batch_id} undone: {result.removed} records removed, {result.restored} restored")
        return 0
    print(f"batch {batch_id} cannot be undone; later changes depend on it:")
    for block in result.blocked:
        print(f"  {block.entity} {block.id}: {block.reason}")
    return 1


def main(argv: Optional[List[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Import a spreadsheet (.xlsx or .csv) into a crmkit store.")
    parser.add_argument("store", help="the store file (created when missing)")
    parser.add_argument("file", nargs="?", help="the .xlsx or .csv file to import")
    parser.add_argument(
        "--kind", choices=KINDS, default="clients", help="what the rows are (default: clients)"
    )
    parser.add_argument(
        "--match-on", help=f"keys that find an existing client, in order, from {','.join(KEYS)}"
    )
    parser.add_argument(
        "--dry-run", action="store_true", help="report what the import would do; write nothing"
    )
    parser.add_argument("--sheet", help="the workbook's sheet (default: the first)")
    parser.add_argument("--undo", type=int, metavar="BATCH", help="take back an earlier import instead")
    args = parser.parse_args(argv)
    if (args.file is None) == (args.undo is None):
        parser.error("give either FILE to import or --undo BATCH")

    try:
        with crmkit.Crm.open(args.store) as crm:
            crm.set_actor("import_excel.py")
            if args.undo is not None:
                return undo(crm, args.undo)
            report = import_file(crm, args)
            show(report)
            return 1 if report.cancelled else 0
    except crmkit.ValidationError as error:
        print(f"cannot import: {error.field or 'file'}: {error.rule}", file=sys.stderr)
    except crmkit.CrmError as error:
        print(f"cannot import: {error}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
