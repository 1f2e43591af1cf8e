"""Import of spreadsheets through Python: CSV in UTF-8 with a BOM and in Windows-1251, XLSX (a workbook
written here with the standard library), upsert with conflicts, dry run, undo, the progress callable
(cancel by ``False``, cancel by an exception, tqdm's way of calling it), and errors naming the option."""

from __future__ import annotations

import dataclasses
import threading
import io
import zipfile
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import List, Optional, Sequence, Tuple, Union
from xml.sax.saxutils import escape

import crmkit
import pytest
from crmkit import Crm, ImportReport, RowConflict, RowError, UndoReport

T = datetime(2026, 11, 2, 9, 30, tzinfo=timezone.utc)
LATER = T + timedelta(days=1)

# Excel's "CSV UTF-8" in a Ukrainian locale: a BOM, semicolons; a duplicate inside the file (row 3 is the
# client of row 2, its phone written differently), a bad date (row 4), and a client the store has (row 5:
# it gets the e-mail it lacked; its region differs and is reported, not overwritten).
CLIENTS = (
    "Назва;Телефон;E-mail;Birth date;Region\r\n"
    "ТОВ Альфа;067 123 45 67;info@alfa.ua;;Kyiv\r\n"
    "ТОВ Альфа;+380671234567;;;\r\n"
    "ТОВ Бета;050 111 22 33;beta@example.com;31.02.1990;\r\n"
    "ТОВ Гамма;093 000 00 01;gamma@example.com;;Lviv\r\n"
).encode("utf-8-sig")


def with_gamma(crm: Crm) -> crmkit.Client:
    return crm.add_client(name="ТОВ Гамма", phone="+380930000001", region="Kyiv", at=T)


def counts(report: ImportReport) -> Tuple[int, int, int, int, int, int]:
    return (report.total, report.created, report.updated, report.unchanged, report.skipped, report.failed)


def statuses(report: ImportReport) -> List[Tuple[int, str]]:
    return [(row.row, row.status) for row in report.rows]


def test_a_bom_semicolon_file_with_a_duplicate_and_a_bad_row(crm: Crm, tmp_path: Path) -> None:
    gamma = with_gamma(crm)
    path = tmp_path / "clients.csv"
    path.write_bytes(CLIENTS)
    report = crm.import_csv(path, kind="clients", match_on=["tax_id", "email", "phone"], at=T)

    assert counts(report) == (4, 1, 1, 1, 0, 1)
    assert statuses(report) == [(2, "created"), (3, "unchanged"), (4, "failed"), (5, "updated")]
    assert (report.encoding, report.delimiter, report.header_row) == ("utf-8-bom", ";", 1)
    assert report.committed and not report.cancelled and not report.dry_run
    assert report.mapping == {
        "Назва": "name",
        "Телефон": "phone",
        "E-mail": "email",
        "Birth date": "birth_date",
        "Region": "region",
    }
    assert all(column.guessed for column in report.columns)
    (error,) = report.errors
    assert isinstance(error, RowError)
    assert (error.row, error.column, error.field) == (4, "Birth date", "birth_date")
    assert "day" in error.message
    assert report.conflicts == (
        RowConflict(row=5, entity="client", id=gamma.id, field="region", stored="Kyiv", incoming="Lviv"),
    )

    alfa = crm.get_client(report.rows[0].id or 0)
    assert (alfa.name, alfa.phone, alfa.email, alfa.region) == (
        "ТОВ Альфа",
        "067 123 45 67",
        "info@alfa.ua",
        "Kyiv",
    )
    assert report.rows[1].id == alfa.id
    stored_gamma = crm.get_client(gamma.id)
    assert (stored_gamma.email, stored_gamma.region) == ("gamma@example.com", "Kyiv")
    assert [c.name for c in crm.list_clients()] == ["ТОВ Гамма", "ТОВ Альфа"]

    assert report.batch_id is not None
    batch = crm.get_import(report.batch_id)
    assert (batch.kind, batch.file_name, batch.at, batch.actor, batch.undone_at) == (
        "clients",
        "clients.csv",
        T,
        "system",
        None,
    )
    assert (
        batch.total,
        batch.created,
        batch.updated,
        batch.unchanged,
        batch.skipped,
        batch.failed,
    ) == counts(report)
    assert crm.list_imports() == [batch]
    assert [e.kind for e in crm.history("import", report.batch_id)] == ["created"]


def test_a_dry_run_reports_the_same_and_writes_nothing(crm: Crm) -> None:
    with_gamma(crm)
    seq = crm.last_seq()
    dry = crm.import_bytes(CLIENTS, file_name="clients.csv", dry_run=True, at=T)
    assert dry.dry_run and not dry.committed and dry.batch_id is None
    assert crm.last_seq() == seq
    assert len(crm.list_clients()) == 1
    assert crm.get_client(1).email is None
    assert crm.list_imports() == []

    real = crm.import_bytes(CLIENTS, file_name="clients.csv", at=T)
    assert real.batch_id == 1
    assert dataclasses.replace(real, dry_run=True, committed=False, batch_id=None) == dry


def test_all_or_nothing_writes_nothing_when_one_row_fails(crm: Crm) -> None:
    with_gamma(crm)
    seq = crm.last_seq()
    report = crm.import_bytes(CLIENTS, all_or_nothing=True, at=T)
    assert (report.committed, report.batch_id, report.failed, len(report.errors)) == (False, None, 1, 1)
    assert crm.last_seq() == seq and len(crm.list_clients()) == 1


def test_overwrite_writes_the_incoming_value_and_still_reports_the_conflict(crm: Crm) -> None:
    gamma = with_gamma(crm)
    report = crm.import_bytes(CLIENTS, on_conflict="overwrite", at=T)
    assert [c.field for c in report.conflicts] == ["region"]
    assert crm.get_client(gamma.id).region == "Lviv"


def test_undo_takes_the_import_back_once(crm: Crm) -> None:
    gamma = with_gamma(crm)
    report = crm.import_bytes(CLIENTS, at=T)
    assert report.batch_id is not None
    undo = crm.undo_import(report.batch_id, at=LATER)
    assert undo == UndoReport(batch_id=report.batch_id, undone=True, removed=1, restored=1, blocked=())
    assert [c.id for c in crm.list_clients()] == [gamma.id]
    assert crm.get_client(gamma.id).email is None
    assert crm.get_import(report.batch_id).undone_at == LATER
    with pytest.raises(crmkit.InvalidTransitionError):
        crm.undo_import(report.batch_id, at=LATER)
    with pytest.raises(crmkit.NotFoundError):
        crm.undo_import(99, at=LATER)
    with pytest.raises(crmkit.NotFoundError):
        crm.get_import(99)


def test_undo_is_blocked_by_a_later_order_and_names_the_record(crm: Crm) -> None:
    report = crm.import_bytes(CLIENTS, at=T)
    assert report.batch_id is not None
    alfa = report.rows[0].id
    assert alfa is not None
    order = crm.record_order(client_id=alfa, total=10, at=T + timedelta(hours=1))
    undo = crm.undo_import(report.batch_id, at=LATER)
    assert (undo.undone, undo.removed, undo.restored) == (False, 0, 0)
    (block,) = undo.blocked
    assert (block.entity, block.id) == ("client", alfa)
    assert str(order.id) in block.reason
    assert [c.name for c in crm.list_clients()] == ["ТОВ Альфа", "ТОВ Гамма"]


def many_clients(n: int) -> bytes:
    return ("Name,Email\n" + "".join(f"Client {i},c{i}@example.com\n" for i in range(n))).encode()


def test_progress_is_called_with_monotonic_values_ending_at_the_total(crm: Crm) -> None:
    calls: List[Tuple[int, int]] = []
    # list.append returns None: None goes on.
    report = crm.import_bytes(
        many_clients(250), progress=lambda done, total: calls.append((done, total)), at=T
    )
    assert report.created == 250 and not report.cancelled
    assert len(calls) >= 100
    assert all(a[0] < b[0] for a, b in zip(calls, calls[1:]))
    assert {total for _, total in calls} == {250}
    assert calls[-1] == (250, 250)


class FakeBar:
    """What tqdm's bar does with the values the documented lambda gives it."""

    def __init__(self) -> None:
        self.total: Optional[int] = None
        self.n = 0
        self.updates: List[int] = []

    def update(self, k: int) -> Optional[bool]:
        self.n += k
        self.updates.append(k)
        return None


def test_tqdm_works_with_the_documented_lambda(crm: Crm) -> None:
    try:
        from tqdm import tqdm  # type: ignore[import-not-found, import-untyped, unused-ignore]
    except ImportError:
        bar = FakeBar()
        crm.import_bytes(
            many_clients(40),
            progress=lambda done, total: (setattr(bar, "total", total), bar.update(done - bar.n)),  # type: ignore[func-returns-value]
            at=T,
        )
        assert (bar.total, bar.n) == (40, 40)
        assert all(k > 0 for k in bar.updates)
        return
    with tqdm(total=0, file=io.StringIO()) as real:
        crm.import_bytes(
            many_clients(40),
            progress=lambda done, total: (setattr(real, "total", total), real.update(done - real.n)),  # type: ignore[func-returns-value]
            at=T,
        )
        assert (real.total, real.n) == (40, 40)


def test_returning_false_cancels_and_writes_nothing(crm: Crm) -> None:
    seq = crm.last_seq()
    calls: List[int] = []

    def progress(done: int, total: int) -> bool:
        calls.append(done)
        return len(calls) < 3

    report = crm.import_bytes(many_clients(250), progress=progress, at=T)
    assert report.cancelled and not report.committed and report.batch_id is None
    assert len(calls) == 3
    assert crm.last_seq() == seq and crm.list_clients() == [] and crm.list_imports() == []
    # A falsy value other than False goes on.
    report = crm.import_bytes(many_clients(5), progress=lambda done, total: 0, at=T)
    assert report.created == 5 and not report.cancelled


class Stop(Exception):
    pass


def test_an_exception_in_progress_cancels_and_is_raised(crm: Crm) -> None:
    seq = crm.last_seq()
    calls: List[int] = []

    def progress(done: int, total: int) -> None:
        calls.append(done)
        if len(calls) == 2:
            raise Stop(f"stopped at {done} of {total}")

    with pytest.raises(Stop, match="stopped at 4 of 250"):
        crm.import_bytes(many_clients(250), progress=progress, at=T)
    assert len(calls) == 2
    assert crm.last_seq() == seq and crm.list_clients() == []
    # The store goes on.
    assert crm.import_bytes(many_clients(3), at=T).created == 3


def test_an_import_inside_a_transaction_goes_with_it(crm: Crm) -> None:
    calls: List[Tuple[int, int]] = []

    def body(tx: crmkit.Transaction) -> ImportReport:
        report = tx.import_bytes(CLIENTS, progress=lambda d, t: calls.append((d, t)), at=T)
        assert len(tx.list_clients()) == 2
        raise Stop("roll back")

    with pytest.raises(Stop):
        crm.transaction(body)
    assert crm.list_clients() == [] and crm.list_imports() == []
    assert calls[-1] == (4, 4)

    report = crm.transaction(lambda tx: tx.import_bytes(CLIENTS, at=T))
    assert report.created == 2 and crm.list_imports()[0].id == report.batch_id

    def raising(tx: crmkit.Transaction) -> ImportReport:
        return tx.import_bytes(CLIENTS, progress=lambda d, t: 1 / 0, at=T)

    with pytest.raises(ZeroDivisionError):
        crm.transaction(raising)
    assert len(crm.list_imports()) == 1


def test_a_windows_1251_file(crm: Crm, tmp_path: Path) -> None:
    text = (
        "Назва;Телефон;ЄДРПОУ;Email;Регіон\r\n"
        "ТОВ Ромашка;067 123 45 67;31234568;info@romashka.ua;Київ\r\n"
        "ТОВ Лілея;050 111 22 33;;;Одеса\r\n"
        "ТОВ Ромашка;+380671234567;;;Київ\r\n"
    )
    path = tmp_path / "клієнти.csv"
    path.write_bytes(text.encode("cp1251"))
    report = crm.import_csv(str(path), at=T)
    assert (report.encoding, report.delimiter) == ("windows-1251", ";")
    assert statuses(report) == [(2, "created"), (3, "created"), (4, "unchanged")]
    client = crm.get_client(report.rows[0].id or 0)
    assert (client.name, client.tax_id, client.region) == ("ТОВ Ромашка", "31234568", "Київ")
    assert report.batch_id is not None
    assert crm.get_import(report.batch_id).file_name == "клієнти.csv"
    # The encoding can be forced: read as UTF-8 the same bytes are not text.
    with pytest.raises(crmkit.CrmError):
        crm.import_csv(path, encoding="utf-8", dry_run=True, at=T)


def test_committed_fixtures_import_with_their_quirks(crm: Crm) -> None:
    data = Path(__file__).resolve().parents[2] / "crm-core" / "tests" / "data" / "import"
    report = crm.import_csv(data / "clients_title_empty_rows.csv", at=T)
    # A title line and empty rows above the header; the manager named in row 5 does not exist.
    assert (report.header_row, report.delimiter) == (4, ";")
    assert counts(report) == (2, 1, 0, 0, 0, 1)
    (error,) = report.errors
    assert (error.row, error.column, error.field) == (5, "Менеджер", "owner")
    report = crm.import_csv(data / "clients_quoted_newlines.csv", at=T)
    assert counts(report) == (2, 2, 0, 0, 0, 0)
    # An address typed with line breaks in one quoted cell is one cell (its breaks become spaces).
    assert crm.get_client(report.rows[0].id or 0).address == "м. Київ, вул. Хрещатик, 1, оф. 5"


Cell = Union[str, int, None]


def xlsx(sheets: Sequence[Tuple[str, Sequence[Sequence[Cell]]]]) -> bytes:
    """A minimal XLSX workbook (inline strings and numbers), written with the standard library."""
    ns = "http://schemas.openxmlformats.org"
    rel = f"{ns}/officeDocument/2006/relationships"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        overrides = "".join(
            f'<Override PartName="/xl/worksheets/sheet{i}.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            for i in range(1, len(sheets) + 1)
        )
        z.writestr(
            "[Content_Types].xml",
            f'<Types xmlns="{ns}/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            f"{overrides}</Types>",
        )
        z.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{ns}/package/2006/relationships">'
            f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
        )
        names = "".join(
            f'<sheet name="{escape(name)}" sheetId="{i}" r:id="rId{i}"/>'
            for i, (name, _) in enumerate(sheets, 1)
        )
        z.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{ns}/spreadsheetml/2006/main" xmlns:r="{rel}"><sheets>{names}</sheets></workbook>',
        )
        targets = "".join(
            f'<Relationship Id="rId{i}" Type="{rel}/worksheet" Target="worksheets/sheet{i}.xml"/>'
            for i in range(1, len(sheets) + 1)
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{ns}/package/2006/relationships">{targets}</Relationships>',
        )
        for i, (_, rows) in enumerate(sheets, 1):
            xml_rows = []
            for r, row in enumerate(rows, 1):
                cells = []
                for c, value in enumerate(row):
                    ref = f"{chr(ord('A') + c)}{r}"
                    if isinstance(value, int):
                        cells.append(f'<c r="{ref}"><v>{value}</v></c>')
                    elif value is not None:
                        cells.append(f'<c r="{ref}" t="inlineStr"><is><t>{escape(value)}</t></is></c>')
                xml_rows.append(f'<row r="{r}">{"".join(cells)}</row>')
            z.writestr(
                f"xl/worksheets/sheet{i}.xml",
                f'<worksheet xmlns="{ns}/spreadsheetml/2006/main"><sheetData>{"".join(xml_rows)}</sheetData></worksheet>',
            )
    return buffer.getvalue()


WORKBOOK = xlsx(
    [
        ("Notes", [["exported from the old CRM"]]),
        (
            "Клієнти",
            [
                ["Назва", "ЄДРПОУ", "Телефон"],
                ["ТОВ Альфа", 12345678, "067 123 45 67"],
                [None, None, "050 111 22 33"],
                ["ТОВ Бета", None, "050 222 33 44"],
            ],
        ),
    ]
)


def test_an_xlsx_file_by_sheet_name(crm: Crm, tmp_path: Path) -> None:
    path = tmp_path / "base.xlsx"
    path.write_bytes(WORKBOOK)
    report = crm.import_xlsx(path, sheet="Клієнти", at=T)
    assert (report.encoding, report.delimiter, report.header_row) == ("xlsx", None, 1)
    assert counts(report) == (3, 2, 0, 0, 0, 1)
    (error,) = report.errors
    assert (error.row, error.column, error.field) == (3, "Назва", "name")
    alfa = crm.get_client(report.rows[0].id or 0)
    assert (alfa.name, alfa.tax_id) == ("ТОВ Альфа", "12345678")
    assert report.batch_id is not None and crm.get_import(report.batch_id).file_name == "base.xlsx"

    with pytest.raises(crmkit.ValidationError) as refused:
        crm.import_xlsx(path, sheet="Sheet9", at=T)
    assert refused.value.field == "sheet"
    # The same workbook as an upload: told apart by its content.
    upload = crm.import_bytes(bytearray(WORKBOOK), sheet="Клієнти", file_name="upload.xlsx", at=T)
    assert (upload.created, upload.unchanged, upload.failed) == (0, 2, 1)
    assert upload.batch_id is not None and crm.get_import(upload.batch_id).file_name == "upload.xlsx"


@pytest.mark.parametrize(
    ("options", "field"),
    [
        ({"kind": "deals"}, "kind"),
        ({"match_on": ["name"]}, "match_on[0]"),
        ({"delimiter": ";;"}, "delimiter"),
        ({"on_conflict": "merge"}, "on_conflict"),
        ({"mapping": {"Назва": "nmae"}}, "mapping"),
        ({"mapping": {"Title": "name"}}, "mapping"),
        ({"header_row": -1}, "header_row"),
    ],
)
def test_bad_options_are_validation_errors_naming_the_option(
    crm: Crm, options: dict[str, object], field: str
) -> None:
    with pytest.raises(crmkit.ValidationError) as refused:
        crm.import_bytes(CLIENTS, at=T, **options)  # type: ignore[arg-type]
    assert refused.value.field == field
    assert crm.list_clients() == []


def test_wrong_types_and_a_missing_file(crm: Crm) -> None:
    with pytest.raises(TypeError, match="progress"):
        crm.import_bytes(CLIENTS, progress=42, at=T)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="data"):
        crm.import_bytes("Name\nX\n", at=T)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="path"):
        crm.import_csv(42, at=T)  # type: ignore[arg-type]
    with pytest.raises(crmkit.StorageError):
        crm.import_csv("/nonexistent/clients.csv", at=T)
    # A mapping of None ignores the column.
    report = crm.import_bytes(b"Name,Note\nX,hello\n", mapping={"Note": None}, at=T)
    assert report.mapping == {"Name": "name", "Note": None} and report.created == 1


def test_results_are_frozen_values_with_to_dict(crm: Crm) -> None:
    report = crm.import_bytes(CLIENTS, at=T)
    with pytest.raises(dataclasses.FrozenInstanceError):
        report.created = 9  # type: ignore[misc]
    as_dict = report.to_dict()
    assert as_dict["errors"] == [
        {"row": 4, "column": "Birth date", "field": "birth_date", "message": report.errors[0].message}
    ]
    assert as_dict["rows"][0] == {"row": 2, "status": "created", "entity": "client", "id": 1}
    assert "ImportReport(batch_id=1, kind='clients'" in repr(report)
    assert crm.import_bytes(CLIENTS, dry_run=True, at=T) != report


def test_progress_runs_on_the_calling_thread_and_the_store_is_busy_meanwhile(crm: Crm) -> None:
    threads = set()

    def progress(done: int, total: int) -> None:
        threads.add(threading.get_ident())
        crm.list_clients()  # the store is inside the import's transaction: use a Transaction for that

    with pytest.raises(crmkit.ConflictError, match="inside a transaction"):
        crm.import_bytes(many_clients(10), progress=progress, at=T)
    assert threads == {threading.get_ident()}
    assert crm.list_clients() == []
    # Inside a transaction, the progress callable may read through it.
    seen: List[int] = []
    report = crm.transaction(
        lambda tx: tx.import_bytes(
            many_clients(10), progress=lambda done, total: seen.append(len(tx.list_clients())), at=T
        )
    )
    assert report.created == 10 and seen[-1] == 10
