"""``Crm``, an open store, and ``Transaction``, several commands as one: the whole facade of crm-core with
keyword arguments, ``datetime`` and ``Decimal``.

Every command that changes something takes ``at=``, the time it happened: an aware ``datetime`` (a naive
one is taken as UTC; any zone is converted to UTC); ``None``, the default, is now. Every command is one
transaction: it happens fully (rows, history event, rollups) or not at all.
"""

from __future__ import annotations

import io
import json
import os
from datetime import date, datetime, timedelta
from typing import (
    IO,
    Any,
    Callable,
    Dict,
    Iterable,
    Iterator,
    List,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    TypeVar,
    Union,
)

from . import _convert as cv
from . import _crmkit
from ._convert import KEEP, Keep, Money
from ._errors import CrmError, ValidationError
from ._model import (
    AbcMeasure,
    Agenda,
    Call,
    CallEventKind,
    CallReport,
    CallStatus,
    ImportBatch,
    ImportKind,
    ImportReport,
    MatchKey,
    OnConflict,
    PhoneExtension,
    PhoneLine,
    UndoReport,
    Upserted,
    WebOrderResult,
    Complaint,
    ComplaintPriority,
    ComplaintReport,
    ComplaintSla,
    ComplaintStatus,
    ComplaintTargets,
    DormancyCounts,
    DormancyReport,
    DormancySettings,
    Promise,
    PromiseSettings,
    PromiseStatus,
    RetentionReport,
    RetentionRule,
    Rhythm,
    RuleAction,
    AbcReport,
    AbcRule,
    AbcXyzMatrix,
    Absence,
    Activity,
    ActivityKind,
    Assignment,
    Calendar,
    Capture,
    Channel,
    Client,
    ClientKind,
    ClientRollup,
    Contact,
    Conversion,
    Deal,
    DealStatus,
    DedupSettings,
    Direction,
    DueRun,
    DuplicatePair,
    Entity,
    Escalation,
    Event,
    Field,
    ForecastReport,
    FunnelBy,
    FunnelMode,
    FunnelReport,
    HandOver,
    JunkKind,
    Lead,
    LeadStatus,
    LeadTransition,
    LostReason,
    Manager,
    ManagerRow,
    Match,
    Merge,
    MonthRevenue,
    OfferReport,
    Order,
    OrderLine,
    OrderStatus,
    OwnershipSettings,
    PAliveReport,
    PairReport,
    Plan,
    RepeatReport,
    RfmReport,
    RfmTieRule,
    RoutingRule,
    Segment,
    SegmentChange,
    SlaPolicy,
    SlaStatus,
    Source,
    SourceRow,
    Span,
    Spend,
    Stage,
    StageVisit,
    Strategy,
    Subject,
    Suggestion,
    Task,
    TaskStatus,
    XyzReport,
    _list_of,
    _time,
)

__all__ = [
    "Crm",
    "Transaction",
    "ExportTarget",
    "ProgressCallback",
    "SpansInput",
    "TargetsInput",
    "ActionInput",
]

T = TypeVar("T")

_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode
_loads = json.loads

LineInput = Union[OrderLine, Tuple[str, int, Money], Mapping[str, Any]]
"""An order line as ``record_order`` takes it: an ``OrderLine``, a ``(sku, quantity, unit_price)`` tuple
or a mapping with those keys."""
StageInput = Union[Stage, Tuple[str, str, int], Mapping[str, Any]]
"""A pipeline stage as ``set_pipeline`` takes it: a ``Stage``, a ``(code, label, probability)`` tuple or
a mapping with those keys."""
SpansInput = Union[Span, Sequence[Span]]
"""The working spans of a day as ``set_calendar`` takes them: one ``("09:00", "18:00")`` pair or a list
of pairs; an empty list is a day off."""
TargetsInput = Union[ComplaintTargets, Tuple[Union[str, timedelta], Union[str, timedelta]], Mapping[str, Any]]
"""A priority's complaint deadlines as ``set_complaint_sla`` takes them: a ``ComplaintTargets``, a
``(first_response, resolution)`` pair of working time (``"2h"``, ``timedelta(hours=2)``) or a mapping
with those keys."""
ActionInput = Union[RuleAction, Mapping[str, Any]]
"""A retention rule's action as ``add_retention_rule`` takes it: a ``TaskAction``, ``TagAction``,
``MailingAction`` or ``ReassignAction``, or a mapping with ``kind`` (``"task"``, ``"tag"``,
``"mailing"``, ``"reassign"``) and that action's keys."""
ProgressCallback = Callable[[int, int], object]
"""An import's progress callable: ``progress(done, total)`` with rows done and rows in all; a return of
``False`` cancels the import (anything else, ``None`` included, goes on)."""
ExportTarget = Union[str, "os.PathLike[str]", IO[str], IO[bytes]]
"""Where ``export_segment`` writes: a path (the file is written by the native library, without the GIL)
or an open file object, text (``io.StringIO``, ``open(p, "w", newline="")``) or binary (UTF-8)."""

# Where a Python keyword differs from the core's field name, errors are reported under the keyword.
_SOURCE = {"source_id": "source"}
_ORDER_TIMES = {"from": "ordered_from", "to": "ordered_to"}
_SLA = {"at_risk_bp": "at_risk"}
_MANAGER = {"manager": "manager_id"}
_CLIENT = {"id": "client_id"}
_DUE = {"due_at": "due"}
_BATCH = {"id": "batch_id"}


def _renamed(error: ValidationError, names: Mapping[str, str], *, strip: bool = False) -> ValidationError:
    """Reports ``error`` under the Python keyword: the first part of its field renamed by ``names``
    (with ``strip``, a first part in ``names`` is dropped: ``abc.rule`` → ``rule``)."""
    field = error.field or ""
    head, dot, rest = field.partition(".")
    if head in names and (not strip or rest):
        error.field = rest if strip else names[head] + dot + rest
        error.message = f"{error.field}: {error.rule}"
        error.args = (error.message,)
    return error


def _order_args(
    *,
    client_id: int,
    total: Money,
    lines: Iterable[LineInput] = (),
    status: Optional[OrderStatus] = None,
    deal_id: Optional[int] = None,
    external_ref: Optional[str] = None,
    at: Optional[datetime] = None,
) -> Dict[str, Any]:
    return {
        "new": {
            "client_id": cv.integer("client_id", client_id),
            "total": cv.money("total", total),
            "lines": [
                cv.order_line(f"lines[{i}]", line) for i, line in enumerate(cv.iterable("lines", lines))
            ],
            "status": cv.optional_text("status", status),
            "deal_id": cv.optional_integer("deal_id", deal_id),
            "external_ref": cv.optional_text("external_ref", external_ref),
        },
        "at": cv.time("at", at),
    }


def _path(field: str, value: Union[str, "os.PathLike[str]"]) -> str:
    if not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{field}: must be a str or a path, not {type(value).__name__}")
    return os.fspath(value)


def _page(after: Optional[int], limit: int) -> Dict[str, Any]:
    return {"after": cv.optional_integer("after", after), "limit": cv.limit("limit", limit)}


def _patch(field: str, value: Any, convert: Callable[[str, Any], Any], patch: Dict[str, Any]) -> None:
    """Puts a patch field into ``patch`` unless it is ``KEEP``; ``None`` clears it."""
    if value is KEEP:
        return
    patch[field] = None if value is None else convert(field, value)


class _Commands:
    """The commands and readers a ``Crm`` and a ``Transaction`` share."""

    __slots__ = ()

    def _run(self, command: str, args: str) -> str:
        raise NotImplementedError

    def _run_batch(self, args: str) -> List[Any]:
        raise NotImplementedError

    def _call(self, command: str, args: Dict[str, Any], names: Optional[Mapping[str, str]] = None) -> Any:
        try:
            return _loads(self._run(command, _dumps(args)))
        except ValidationError as error:
            if names:
                raise _renamed(error, names) from None
            raise

    # --- set-up ---------------------------------------------------------------------------------------------

    def add_manager(
        self,
        *,
        name: str,
        email: Optional[str] = None,
        team: Optional[str] = None,
        capacity: Optional[int] = None,
        daily_cap: Optional[int] = None,
        weight: int = 1,
        skills: Sequence[str] = (),
        regions: Sequence[str] = (),
        languages: Sequence[str] = (),
        active: bool = True,
        at: Optional[datetime] = None,
    ) -> Manager:
        """Adds a sales manager. ``capacity`` is the most open leads and deals the manager should hold
        (``None``: no limit); ``daily_cap`` the most new requests routed to them per day (``None``: no
        cap); ``weight`` is the share in weighted distribution."""
        new = {
            "name": cv.text("name", name),
            "email": cv.optional_text("email", email),
            "team": cv.optional_text("team", team),
            "capacity": cv.optional_integer("capacity", capacity),
            "daily_cap": cv.optional_integer("daily_cap", daily_cap),
            "weight": cv.integer("weight", weight),
            "skills": cv.texts("skills", skills),
            "regions": cv.texts("regions", regions),
            "languages": cv.texts("languages", languages),
            "active": cv.flag("active", active),
        }
        return Manager._from_json(self._call("add_manager", {"new": new, "at": cv.time("at", at)}))

    def set_manager_active(self, manager_id: int, *, active: bool, at: Optional[datetime] = None) -> Manager:
        """Marks a manager active or inactive (an inactive manager gets no new work)."""
        args = {
            "id": cv.integer("manager_id", manager_id),
            "active": cv.flag("active", active),
            "at": cv.time("at", at),
        }
        return Manager._from_json(self._call("set_manager_active", args))

    def add_source(
        self,
        *,
        name: str,
        channel: Channel,
        campaign: Optional[str] = None,
        at: Optional[datetime] = None,
    ) -> Source:
        """Adds a marketing source. A second source with the same name and campaign is a
        ``ConflictError``."""
        new = {
            "name": cv.text("name", name),
            "channel": cv.text("channel", channel),
            "campaign": cv.optional_text("campaign", campaign),
        }
        return Source._from_json(self._call("add_source", {"new": new, "at": cv.time("at", at)}))

    def add_spend(
        self,
        *,
        source: int,
        on: date,
        amount: Money,
        note: Optional[str] = None,
        at: Optional[datetime] = None,
    ) -> Spend:
        """Records money spent on a source, booked on the day ``on``."""
        new = {
            "source_id": cv.integer("source", source),
            "on": cv.day("on", on),
            "amount": cv.money("amount", amount),
            "note": cv.optional_text("note", note),
        }
        args = {"new": new, "at": cv.time("at", at)}
        return Spend._from_json(self._call("add_spend", args, _SOURCE))

    def add_lost_reason(self, code: str, label: str, *, at: Optional[datetime] = None) -> LostReason:
        """Adds a lost reason to the catalogue (``"price"``, ``"Price too high"``), or relabels an
        existing code."""
        args = {"code": cv.text("code", code), "label": cv.text("label", label), "at": cv.time("at", at)}
        return LostReason._from_json(self._call("add_lost_reason", args))

    def set_pipeline(self, stages: Iterable[StageInput], *, at: Optional[datetime] = None) -> List[Stage]:
        """Replaces the deal pipeline with ``stages``, in order. A stage that open deals are still in
        cannot be removed (``ConflictError``); ``won`` and ``lost`` are statuses, not stages."""
        args = {
            "stages": [cv.stage(f"stages[{i}]", s) for i, s in enumerate(cv.iterable("stages", stages))],
            "at": cv.time("at", at),
        }
        return _list_of(Stage, self._call("set_pipeline", args))

    # --- clients ------------------------------------------------------------------------------------------

    def add_client(
        self,
        *,
        name: str,
        kind: Optional[ClientKind] = None,
        tax_id: Optional[str] = None,
        phone: Optional[str] = None,
        email: Optional[str] = None,
        website: Optional[str] = None,
        industry: Optional[str] = None,
        region: Optional[str] = None,
        address: Optional[str] = None,
        birth_date: Optional[date] = None,
        owner_id: Optional[int] = None,
        tags: Sequence[str] = (),
        attributes: Optional[Mapping[str, Any]] = None,
        external_ref: Optional[str] = None,
        at: Optional[datetime] = None,
    ) -> Client:
        """Adds a client (a company unless ``kind="person"``). A malformed phone, e-mail or tax id is
        stored with quality ``invalid`` (refused in strict mode). An ``external_ref`` (the client's id in
        an ERP) already used by another client is a ``ConflictError``."""
        new = {
            "kind": cv.optional_text("kind", kind),
            "name": cv.text("name", name),
            "tax_id": cv.optional_text("tax_id", tax_id),
            "phone": cv.optional_text("phone", phone),
            "email": cv.optional_text("email", email),
            "website": cv.optional_text("website", website),
            "industry": cv.optional_text("industry", industry),
            "region": cv.optional_text("region", region),
            "address": cv.optional_text("address", address),
            "birth_date": cv.optional_day("birth_date", birth_date),
            "owner_id": cv.optional_integer("owner_id", owner_id),
            "tags": cv.texts("tags", tags),
            "attributes": cv.mapping("attributes", attributes),
            "external_ref": cv.optional_text("external_ref", external_ref),
        }
        return Client._from_json(self._call("add_client", {"new": new, "at": cv.time("at", at)}))

    def update_client(
        self,
        client_id: int,
        *,
        kind: Union[ClientKind, Keep] = KEEP,
        name: Union[str, Keep] = KEEP,
        tax_id: Union[str, None, Keep] = KEEP,
        phone: Union[str, None, Keep] = KEEP,
        email: Union[str, None, Keep] = KEEP,
        website: Union[str, None, Keep] = KEEP,
        industry: Union[str, None, Keep] = KEEP,
        region: Union[str, None, Keep] = KEEP,
        address: Union[str, None, Keep] = KEEP,
        birth_date: Union[date, None, Keep] = KEEP,
        owner_id: Union[int, None, Keep] = KEEP,
        tags: Union[Sequence[str], Keep] = KEEP,
        attributes: Union[Mapping[str, Any], Keep] = KEEP,
        external_ref: Union[str, None, Keep] = KEEP,
        at: Optional[datetime] = None,
    ) -> Client:
        """Changes a client's details: an argument left out stays as it is, ``None`` clears the field
        (the kind, name, tags and attributes cannot be cleared). A patch that changes nothing writes
        nothing. The event records the fields that changed."""
        patch: Dict[str, Any] = {}
        for field, value in (("kind", kind), ("name", name), ("tags", tags), ("attributes", attributes)):
            if value is None:
                raise TypeError(f"{field}: cannot be cleared; leave it out to keep it")
        _patch("kind", kind, cv.text, patch)
        _patch("name", name, cv.text, patch)
        _patch("tax_id", tax_id, cv.text, patch)
        _patch("phone", phone, cv.text, patch)
        _patch("email", email, cv.text, patch)
        _patch("website", website, cv.text, patch)
        _patch("industry", industry, cv.text, patch)
        _patch("region", region, cv.text, patch)
        _patch("address", address, cv.text, patch)
        _patch("birth_date", birth_date, cv.day, patch)
        _patch("owner_id", owner_id, cv.integer, patch)
        _patch("tags", tags, cv.texts, patch)
        _patch("attributes", attributes, cv.mapping, patch)
        _patch("external_ref", external_ref, cv.text, patch)
        args = {"id": cv.integer("client_id", client_id), "patch": patch, "at": cv.time("at", at)}
        return Client._from_json(self._call("update_client", args))

    def add_contact(
        self,
        *,
        client_id: int,
        name: str,
        position: Optional[str] = None,
        phones: Sequence[str] = (),
        emails: Sequence[str] = (),
        at: Optional[datetime] = None,
    ) -> Contact:
        """Adds a contact person to a client."""
        new = {
            "client_id": cv.integer("client_id", client_id),
            "name": cv.text("name", name),
            "position": cv.optional_text("position", position),
            "phones": cv.texts("phones", phones),
            "emails": cv.texts("emails", emails),
        }
        return Contact._from_json(self._call("add_contact", {"new": new, "at": cv.time("at", at)}))

    # --- leads --------------------------------------------------------------------------------------------

    def capture_lead(
        self,
        *,
        channel: Channel,
        source: Optional[int] = None,
        at: Optional[datetime] = None,
        name: Optional[str] = None,
        company: Optional[str] = None,
        phone: Optional[str] = None,
        email: Optional[str] = None,
        messenger: Optional[str] = None,
        need: Optional[str] = None,
        interest: Optional[str] = None,
        region: Optional[str] = None,
        language: Optional[str] = None,
        estimated_value: Optional[Money] = None,
        owner_id: Optional[int] = None,
        client_id: Optional[int] = None,
        external_ref: Optional[str] = None,
    ) -> Capture:
        """Captures an incoming request as a new lead (``source`` is the id of its marketing source).

        Refused only when the request is meaningless: no way at all to reach the person (phone, e-mail,
        messenger or a known ``client_id``). A malformed phone or e-mail is kept with quality ``invalid``
        and listed in ``Capture.warnings``; a source, owner or client that does not exist is dropped with a
        warning. Strict mode (``crm.set_strict(True)``) refuses all of these instead. A known client's
        request goes to the client's owner when no ``owner_id`` is given. Capturing the same
        ``external_ref`` again returns the stored lead; the same reference with other details is a
        ``ConflictError``.

        ``Capture.matches`` lists the existing clients the sender looks like (a phone in another format,
        the same e-mail, tax id or company name), best first; when the best one is sure enough (the
        ``auto_link`` setting) and the only one that is, the lead is linked to it (``Capture.auto_linked``,
        and ``lead.client_id`` is set). A request that names its ``client_id`` is not matched.
        """
        new = {
            "channel": cv.text("channel", channel),
            "source_id": cv.optional_integer("source", source),
            "name": cv.optional_text("name", name),
            "company": cv.optional_text("company", company),
            "phone": cv.optional_text("phone", phone),
            "email": cv.optional_text("email", email),
            "messenger": cv.optional_text("messenger", messenger),
            "need": cv.optional_text("need", need),
            "interest": cv.optional_text("interest", interest),
            "region": cv.optional_text("region", region),
            "language": cv.optional_text("language", language),
            "estimated_value": cv.optional_money("estimated_value", estimated_value),
            "owner_id": cv.optional_integer("owner_id", owner_id),
            "client_id": cv.optional_integer("client_id", client_id),
            "external_ref": cv.optional_text("external_ref", external_ref),
        }
        result = self._call("capture_lead", {"new": new, "at": cv.time("at", at)}, _SOURCE)
        for warning in result["warnings"]:
            if warning["field"] == "source_id":
                warning["field"] = "source"
        return Capture._from_json(result)

    def start_lead(self, lead_id: int, *, at: Optional[datetime] = None) -> Lead:
        """Starts work on a new lead (new → in progress). Logging the first outbound activity does this
        too."""
        args = {"id": cv.integer("lead_id", lead_id), "at": cv.time("at", at)}
        return Lead._from_json(self._call("start_lead", args))

    def qualify_lead(self, lead_id: int, *, at: Optional[datetime] = None) -> Lead:
        """Marks a lead in progress qualified: a real need with a budget. Only a qualified lead
        converts."""
        args = {"id": cv.integer("lead_id", lead_id), "at": cv.time("at", at)}
        return Lead._from_json(self._call("qualify_lead", args))

    def lose_lead(
        self,
        lead_id: int,
        *,
        reason: str,
        at: Optional[datetime] = None,
        note: Optional[str] = None,
    ) -> Lead:
        """Loses a lead. ``reason`` is a code of the lost-reason catalogue (``lost_reasons()``) and is
        required."""
        args = {
            "id": cv.integer("lead_id", lead_id),
            "reason": cv.text("reason", reason),
            "note": cv.optional_text("note", note),
            "at": cv.time("at", at),
        }
        return Lead._from_json(self._call("lose_lead", args))

    def junk_lead(
        self,
        lead_id: int,
        *,
        kind: JunkKind,
        at: Optional[datetime] = None,
        note: Optional[str] = None,
    ) -> Lead:
        """Marks a lead as junk: ``"spam"``, ``"test"`` or ``"duplicate"``."""
        args = {
            "id": cv.integer("lead_id", lead_id),
            "kind": cv.text("kind", kind),
            "note": cv.optional_text("note", note),
            "at": cv.time("at", at),
        }
        return Lead._from_json(self._call("junk_lead", args))

    def reopen_lead(self, lead_id: int, *, at: Optional[datetime] = None) -> Lead:
        """Brings a lost or junk lead back to work (→ in progress); its lost reason is cleared."""
        args = {"id": cv.integer("lead_id", lead_id), "at": cv.time("at", at)}
        return Lead._from_json(self._call("reopen_lead", args))

    def convert_lead(
        self,
        lead_id: int,
        *,
        at: Optional[datetime] = None,
        amount: Optional[Money] = None,
        client_id: Optional[int] = None,
        title: Optional[str] = None,
        stage: Optional[str] = None,
    ) -> Conversion:
        """Converts a qualified lead: links its client (``client_id``, the lead's own, or a new one made
        from the lead's details) and opens a deal of ``amount`` (default: the lead's estimated value) in
        the pipeline's first stage (or ``stage``)."""
        options = {
            "client_id": cv.optional_integer("client_id", client_id),
            "amount": cv.optional_money("amount", amount),
            "title": cv.optional_text("title", title),
            "stage": cv.optional_text("stage", stage),
        }
        args = {"id": cv.integer("lead_id", lead_id), "options": options, "at": cv.time("at", at)}
        return Conversion._from_json(self._call("convert_lead", args))

    def log_activity(
        self,
        *,
        kind: ActivityKind,
        direction: Optional[Direction] = None,
        lead_id: Optional[int] = None,
        client_id: Optional[int] = None,
        deal_id: Optional[int] = None,
        manager_id: Optional[int] = None,
        subject: Optional[str] = None,
        body: Optional[str] = None,
        outcome: Optional[str] = None,
        document_ref: Optional[str] = None,
        duration_seconds: Optional[int] = None,
        offer: Optional[str] = None,
        objection: Optional[str] = None,
        argument: Optional[str] = None,
        at: Optional[datetime] = None,
    ) -> Activity:
        """Logs a call, e-mail, meeting, message, note or document sent, linked to a lead, a client or a
        deal (which must belong together). ``direction`` (``"in"``/``"out"``) is required except for a
        note and a document (sent unless said). The earliest outbound contact on an open lead is its
        first response, and moves a new lead to in progress. ``offer`` is the code of the commercial
        offer or template sent (``offer_report`` counts sends and later sales by it); ``objection`` the
        code of an objection met, ``argument`` the code of the argument used against it (at most 200
        characters each)."""
        new = {
            "kind": cv.text("kind", kind),
            "direction": cv.optional_text("direction", direction),
            "lead_id": cv.optional_integer("lead_id", lead_id),
            "client_id": cv.optional_integer("client_id", client_id),
            "deal_id": cv.optional_integer("deal_id", deal_id),
            "manager_id": cv.optional_integer("manager_id", manager_id),
            "subject": cv.optional_text("subject", subject),
            "body": cv.optional_text("body", body),
            "outcome": cv.optional_text("outcome", outcome),
            "document_ref": cv.optional_text("document_ref", document_ref),
            "duration_seconds": cv.optional_integer("duration_seconds", duration_seconds),
            "offer": cv.optional_text("offer", offer),
            "objection": cv.optional_text("objection", objection),
            "argument": cv.optional_text("argument", argument),
        }
        return Activity._from_json(self._call("log_activity", {"new": new, "at": cv.time("at", at)}))

    # --- deals --------------------------------------------------------------------------------------------

    def open_deal(
        self,
        *,
        client_id: int,
        title: str,
        amount: Money = 0,
        owner_id: Optional[int] = None,
        stage: Optional[str] = None,
        expected_close: Optional[date] = None,
        at: Optional[datetime] = None,
    ) -> Deal:
        """Opens a deal with a known client (a repeat sale); converting a lead opens one too. The owner
        defaults to the client's, the stage to the pipeline's first."""
        new = {
            "client_id": cv.integer("client_id", client_id),
            "title": cv.text("title", title),
            "amount": cv.money("amount", amount),
            "owner_id": cv.optional_integer("owner_id", owner_id),
            "stage": cv.optional_text("stage", stage),
            "expected_close": cv.optional_day("expected_close", expected_close),
        }
        return Deal._from_json(self._call("open_deal", {"new": new, "at": cv.time("at", at)}))

    def move_deal(self, deal_id: int, *, stage: str, at: Optional[datetime] = None) -> Deal:
        """Moves an open deal to another stage of the pipeline (forward or back)."""
        args = {
            "id": cv.integer("deal_id", deal_id),
            "stage": cv.text("stage", stage),
            "at": cv.time("at", at),
        }
        return Deal._from_json(self._call("move_deal", args))

    def update_deal(
        self,
        deal_id: int,
        *,
        title: Union[str, Keep] = KEEP,
        amount: Union[Money, Keep] = KEEP,
        owner_id: Union[int, None, Keep] = KEEP,
        expected_close: Union[date, None, Keep] = KEEP,
        at: Optional[datetime] = None,
    ) -> Deal:
        """Changes an open deal's title, amount, owner or expected close date: an argument left out stays
        as it is, ``None`` clears it. A closed deal does not change (``ConflictError``)."""
        patch: Dict[str, Any] = {}
        for field, value in (("title", title), ("amount", amount)):
            if value is None:
                raise TypeError(f"{field}: cannot be cleared; leave it out to keep it")
        _patch("title", title, cv.text, patch)
        _patch("amount", amount, cv.money, patch)
        _patch("owner_id", owner_id, cv.integer, patch)
        _patch("expected_close", expected_close, cv.day, patch)
        args = {"id": cv.integer("deal_id", deal_id), "patch": patch, "at": cv.time("at", at)}
        return Deal._from_json(self._call("update_deal", args))

    def win_deal(self, deal_id: int, *, at: Optional[datetime] = None) -> Deal:
        """Wins an open deal (final)."""
        args = {"id": cv.integer("deal_id", deal_id), "at": cv.time("at", at)}
        return Deal._from_json(self._call("win_deal", args))

    def lose_deal(
        self,
        deal_id: int,
        *,
        reason: str,
        at: Optional[datetime] = None,
        note: Optional[str] = None,
    ) -> Deal:
        """Loses an open deal (final). ``reason`` is a code of the lost-reason catalogue and is
        required."""
        args = {
            "id": cv.integer("deal_id", deal_id),
            "reason": cv.text("reason", reason),
            "note": cv.optional_text("note", note),
            "at": cv.time("at", at),
        }
        return Deal._from_json(self._call("lose_deal", args))

    # --- orders -------------------------------------------------------------------------------------------

    def record_order(
        self,
        *,
        client_id: int,
        total: Money,
        lines: Iterable[LineInput] = (),
        status: Optional[OrderStatus] = None,
        deal_id: Optional[int] = None,
        external_ref: Optional[str] = None,
        at: Optional[datetime] = None,
    ) -> Order:
        """Records an order placed at ``at``. ``lines`` are ``(sku, quantity, unit_price)`` tuples (or
        ``OrderLine``); their sum must equal ``total``. Idempotent by ``external_ref``: the same order
        recorded twice is stored once and the stored one is returned; the same reference with other
        content is a ``ConflictError``. A completed order (the default status) updates the client's
        rollups in the same transaction."""
        args = _order_args(
            client_id=client_id,
            total=total,
            lines=lines,
            status=status,
            deal_id=deal_id,
            external_ref=external_ref,
            at=at,
        )
        return Order._from_json(self._call("record_order", args))

    def record_orders(self, orders: Iterable[Mapping[str, Any]]) -> List[Union[Order, CrmError]]:
        """Records many orders in one transaction (an ERP exchange, a shop's backlog): far faster than one
        call each. Each item is a mapping with ``record_order``'s keyword arguments.

        Returns one entry per item, in the order given: the ``Order``, or the ``CrmError`` (a
        ``ValidationError``, ``NotFoundError``, ...) that refused that item. A refused item writes
        nothing and the good ones are kept; only a storage failure aborts the whole batch (and raises).
        An item that is not a mapping, or has an unknown or missing key, is a ``TypeError`` for the whole
        call, before anything is written.
        """
        items: List[Union[Dict[str, Any], ValidationError]] = []
        for i, item in enumerate(cv.iterable("orders", orders)):
            if not isinstance(item, Mapping):
                raise TypeError(f"orders[{i}]: must be a mapping, not {type(item).__name__}")
            try:
                items.append(_order_args(**item))
            except ValidationError as refused:
                items.append(refused)
            except TypeError as wrong:
                raise TypeError(f"orders[{i}]: {wrong}") from None
        good = [item for item in items if not isinstance(item, ValidationError)]
        outcomes = iter(self._run_batch(_dumps({"batch": good})))
        results: List[Union[Order, CrmError]] = []
        for item in items:
            if isinstance(item, ValidationError):
                results.append(item)
                continue
            outcome = next(outcomes)
            results.append(outcome if isinstance(outcome, CrmError) else Order._from_json(_loads(outcome)))
        return results

    def set_order_status(self, order_id: int, *, status: OrderStatus, at: Optional[datetime] = None) -> Order:
        """Changes an order's status (a cancellation, a return, or back to completed); the client's
        rollups follow in the same transaction."""
        args = {
            "id": cv.integer("order_id", order_id),
            "status": cv.text("status", status),
            "at": cv.time("at", at),
        }
        return Order._from_json(self._call("set_order_status", args))

    # --- readers: set-up ----------------------------------------------------------------------------------

    def get_manager(self, manager_id: int) -> Manager:
        """One manager (``NotFoundError`` when there is none with this id)."""
        return Manager._from_json(self._call("get_manager", {"id": cv.integer("manager_id", manager_id)}))

    def list_managers(self) -> List[Manager]:
        """Every manager, by id."""
        return _list_of(Manager, self._call("list_managers", {}))

    def get_source(self, source_id: int) -> Source:
        """One source."""
        return Source._from_json(self._call("get_source", {"id": cv.integer("source_id", source_id)}))

    def list_sources(self) -> List[Source]:
        """Every source, by id."""
        return _list_of(Source, self._call("list_sources", {}))

    def list_spend(self, *, start: date, end: date, source: Optional[int] = None) -> List[Spend]:
        """Spend booked from ``start`` to ``end`` inclusive, of one source or of all; by day, then id."""
        args = {
            "source_id": cv.optional_integer("source", source),
            "start": cv.day("start", start),
            "end": cv.day("end", end),
        }
        return _list_of(Spend, self._call("list_spend", args, _SOURCE))

    def lost_reasons(self) -> List[LostReason]:
        """The lost-reason catalogue, in the order the reasons were added (the defaults first)."""
        return _list_of(LostReason, self._call("lost_reasons", {}))

    def pipeline(self) -> List[Stage]:
        """The deal pipeline, in order."""
        return _list_of(Stage, self._call("pipeline", {}))

    # --- readers: clients ---------------------------------------------------------------------------------

    def get_client(self, client_id: int) -> Client:
        """One client."""
        return Client._from_json(self._call("get_client", {"id": cv.integer("client_id", client_id)}))

    def list_clients(
        self,
        *,
        owner_id: Optional[int] = None,
        kind: Optional[ClientKind] = None,
        tag: Optional[str] = None,
        external_ref: Optional[str] = None,
        after: Optional[int] = None,
        limit: int = 100,
    ) -> List[Client]:
        """A page of clients, by id: those with an id above ``after``, at most ``limit`` (10 000 at
        most). Every filter that is given must hold. ``iter_clients`` walks all pages."""
        query = {
            "owner_id": cv.optional_integer("owner_id", owner_id),
            "kind": cv.optional_text("kind", kind),
            "tag": cv.optional_text("tag", tag),
            "external_ref": cv.optional_text("external_ref", external_ref),
            "page": _page(after, limit),
        }
        return _list_of(Client, self._call("list_clients", {"query": query}))

    def iter_clients(
        self,
        *,
        owner_id: Optional[int] = None,
        kind: Optional[ClientKind] = None,
        tag: Optional[str] = None,
        external_ref: Optional[str] = None,
        page_size: int = 1000,
    ) -> Iterator[Client]:
        """Every client that passes the filters, by id, read ``page_size`` at a time."""
        return _pages(
            lambda after: self.list_clients(
                owner_id=owner_id,
                kind=kind,
                tag=tag,
                external_ref=external_ref,
                after=after,
                limit=page_size,
            ),
            page_size,
        )

    def get_contact(self, contact_id: int) -> Contact:
        """One contact person."""
        return Contact._from_json(self._call("get_contact", {"id": cv.integer("contact_id", contact_id)}))

    def list_contacts(self, client_id: int) -> List[Contact]:
        """A client's contact persons, by id."""
        args = {"client_id": cv.integer("client_id", client_id)}
        return _list_of(Contact, self._call("list_contacts", args))

    def client_rollup(self, client_id: int) -> ClientRollup:
        """A client's purchase totals over completed orders (zeros when there are none)."""
        args = {"client_id": cv.integer("client_id", client_id)}
        return ClientRollup._from_json(self._call("client_rollup", args))

    def list_rollups(self, *, after: Optional[int] = None, limit: int = 100) -> List[ClientRollup]:
        """A page of client rollups, by client id; clients who never completed an order are not
        listed."""
        return _list_of(ClientRollup, self._call("list_rollups", {"page": _page(after, limit)}))

    def iter_rollups(self, *, page_size: int = 1000) -> Iterator[ClientRollup]:
        """Every client rollup, by client id, read ``page_size`` at a time."""
        return _pages(
            lambda after: self.list_rollups(after=after, limit=page_size),
            page_size,
            key=lambda rollup: rollup.client_id,
        )

    def client_monthly_revenue(self, client_id: int) -> List[MonthRevenue]:
        """A client's revenue per calendar month (UTC), oldest first; months without orders are not
        listed."""
        args = {"client_id": cv.integer("client_id", client_id)}
        return _list_of(MonthRevenue, self._call("client_monthly_revenue", args))

    # --- readers: leads and activities --------------------------------------------------------------------

    def get_lead(self, lead_id: int) -> Lead:
        """One lead."""
        return Lead._from_json(self._call("get_lead", {"id": cv.integer("lead_id", lead_id)}))

    def list_leads(
        self,
        *,
        status: Optional[LeadStatus] = None,
        owner_id: Optional[int] = None,
        source: Optional[int] = None,
        client_id: Optional[int] = None,
        received_from: Optional[datetime] = None,
        received_to: Optional[datetime] = None,
        external_ref: Optional[str] = None,
        after: Optional[int] = None,
        limit: int = 100,
    ) -> List[Lead]:
        """A page of leads, by id (``received_from`` inclusive, ``received_to`` exclusive). Every filter
        that is given must hold. ``iter_leads`` walks all pages."""
        query = {
            "status": cv.optional_text("status", status),
            "owner_id": cv.optional_integer("owner_id", owner_id),
            "source_id": cv.optional_integer("source", source),
            "client_id": cv.optional_integer("client_id", client_id),
            "received_from": cv.optional_time("received_from", received_from),
            "received_to": cv.optional_time("received_to", received_to),
            "external_ref": cv.optional_text("external_ref", external_ref),
            "page": _page(after, limit),
        }
        return _list_of(Lead, self._call("list_leads", {"query": query}, _SOURCE))

    def iter_leads(
        self,
        *,
        status: Optional[LeadStatus] = None,
        owner_id: Optional[int] = None,
        source: Optional[int] = None,
        client_id: Optional[int] = None,
        received_from: Optional[datetime] = None,
        received_to: Optional[datetime] = None,
        external_ref: Optional[str] = None,
        page_size: int = 1000,
    ) -> Iterator[Lead]:
        """Every lead that passes the filters, by id, read ``page_size`` at a time."""
        return _pages(
            lambda after: self.list_leads(
                status=status,
                owner_id=owner_id,
                source=source,
                client_id=client_id,
                received_from=received_from,
                received_to=received_to,
                external_ref=external_ref,
                after=after,
                limit=page_size,
            ),
            page_size,
        )

    def lead_transitions(self, lead_id: int) -> List[LeadTransition]:
        """A lead's status changes, oldest first (the capture itself is the first)."""
        args = {"id": cv.integer("lead_id", lead_id)}
        return _list_of(LeadTransition, self._call("lead_transitions", args))

    def get_activity(self, activity_id: int) -> Activity:
        """One activity."""
        args = {"id": cv.integer("activity_id", activity_id)}
        return Activity._from_json(self._call("get_activity", args))

    def list_activities(
        self,
        *,
        lead_id: Optional[int] = None,
        client_id: Optional[int] = None,
        deal_id: Optional[int] = None,
        manager_id: Optional[int] = None,
        after: Optional[int] = None,
        limit: int = 100,
    ) -> List[Activity]:
        """A page of activities, by id. Every filter that is given must hold."""
        query = {
            "lead_id": cv.optional_integer("lead_id", lead_id),
            "client_id": cv.optional_integer("client_id", client_id),
            "deal_id": cv.optional_integer("deal_id", deal_id),
            "manager_id": cv.optional_integer("manager_id", manager_id),
            "page": _page(after, limit),
        }
        return _list_of(Activity, self._call("list_activities", {"query": query}))

    def iter_activities(
        self,
        *,
        lead_id: Optional[int] = None,
        client_id: Optional[int] = None,
        deal_id: Optional[int] = None,
        manager_id: Optional[int] = None,
        page_size: int = 1000,
    ) -> Iterator[Activity]:
        """Every activity that passes the filters, by id, read ``page_size`` at a time."""
        return _pages(
            lambda after: self.list_activities(
                lead_id=lead_id,
                client_id=client_id,
                deal_id=deal_id,
                manager_id=manager_id,
                after=after,
                limit=page_size,
            ),
            page_size,
        )

    # --- readers: deals and orders ------------------------------------------------------------------------

    def get_deal(self, deal_id: int) -> Deal:
        """One deal."""
        return Deal._from_json(self._call("get_deal", {"id": cv.integer("deal_id", deal_id)}))

    def list_deals(
        self,
        *,
        status: Optional[DealStatus] = None,
        stage: Optional[str] = None,
        owner_id: Optional[int] = None,
        client_id: Optional[int] = None,
        after: Optional[int] = None,
        limit: int = 100,
    ) -> List[Deal]:
        """A page of deals, by id. Every filter that is given must hold."""
        query = {
            "status": cv.optional_text("status", status),
            "stage": cv.optional_text("stage", stage),
            "owner_id": cv.optional_integer("owner_id", owner_id),
            "client_id": cv.optional_integer("client_id", client_id),
            "page": _page(after, limit),
        }
        return _list_of(Deal, self._call("list_deals", {"query": query}))

    def iter_deals(
        self,
        *,
        status: Optional[DealStatus] = None,
        stage: Optional[str] = None,
        owner_id: Optional[int] = None,
        client_id: Optional[int] = None,
        page_size: int = 1000,
    ) -> Iterator[Deal]:
        """Every deal that passes the filters, by id, read ``page_size`` at a time."""
        return _pages(
            lambda after: self.list_deals(
                status=status,
                stage=stage,
                owner_id=owner_id,
                client_id=client_id,
                after=after,
                limit=page_size,
            ),
            page_size,
        )

    def deal_history(self, deal_id: int) -> List[StageVisit]:
        """A deal's stage history, oldest first: time in a stage is the gap to the next entry."""
        return _list_of(StageVisit, self._call("deal_history", {"id": cv.integer("deal_id", deal_id)}))

    def get_order(self, order_id: int) -> Order:
        """One order with its lines."""
        return Order._from_json(self._call("get_order", {"id": cv.integer("order_id", order_id)}))

    def list_orders(
        self,
        *,
        client_id: Optional[int] = None,
        status: Optional[OrderStatus] = None,
        ordered_from: Optional[datetime] = None,
        ordered_to: Optional[datetime] = None,
        external_ref: Optional[str] = None,
        after: Optional[int] = None,
        limit: int = 100,
    ) -> List[Order]:
        """A page of orders with their lines, by id (``ordered_from`` inclusive, ``ordered_to``
        exclusive). Every filter that is given must hold."""
        query = {
            "client_id": cv.optional_integer("client_id", client_id),
            "status": cv.optional_text("status", status),
            "from": cv.optional_time("ordered_from", ordered_from),
            "to": cv.optional_time("ordered_to", ordered_to),
            "external_ref": cv.optional_text("external_ref", external_ref),
            "page": _page(after, limit),
        }
        return _list_of(Order, self._call("list_orders", {"query": query}, _ORDER_TIMES))

    def iter_orders(
        self,
        *,
        client_id: Optional[int] = None,
        status: Optional[OrderStatus] = None,
        ordered_from: Optional[datetime] = None,
        ordered_to: Optional[datetime] = None,
        external_ref: Optional[str] = None,
        page_size: int = 1000,
    ) -> Iterator[Order]:
        """Every order that passes the filters, by id, read ``page_size`` at a time."""
        return _pages(
            lambda after: self.list_orders(
                client_id=client_id,
                status=status,
                ordered_from=ordered_from,
                ordered_to=ordered_to,
                external_ref=external_ref,
                after=after,
                limit=page_size,
            ),
            page_size,
        )

    # --- readers: the event log ---------------------------------------------------------------------------

    def history(self, entity: Entity, entity_id: int) -> List[Event]:
        """Every change to one record, oldest first: who, when, what. ``entity`` is ``"client"``,
        ``"lead"``, ``"deal"``, ``"order"``, ... (any other name is a ``ValidationError``); store-wide
        records (``"pipeline"``, ``"lost_reason"``, ``"settings"``) use id 0."""
        args = {"entity": cv.text("entity", entity), "id": cv.integer("entity_id", entity_id)}
        return _list_of(Event, self._call("history", args))

    def changes_since(self, seq: int, *, limit: int = 1000) -> List[Event]:
        """The change feed: events after sequence number ``seq``, oldest first, at most ``limit`` (10 000
        at most). A host polls it with the last ``seq`` it has seen; ``iter_changes`` walks all pages."""
        args = {"seq": cv.integer("seq", seq), "limit": cv.limit("limit", limit)}
        return _list_of(Event, self._call("changes_since", args))

    def iter_changes(self, since: int = 0, *, page_size: int = 1000) -> Iterator[Event]:
        """Every event after ``since``, oldest first, read ``page_size`` at a time."""
        return _pages(
            lambda after: self.changes_since(since if after is None else after, limit=page_size),
            page_size,
            key=lambda event: event.seq,
        )

    def last_seq(self) -> int:
        """The newest sequence number in the event log (0 when it is empty)."""
        value: int = self._call("last_seq", {})
        return value

    # --- segments -----------------------------------------------------------------------------------------
    # An expression of the segment language: ``orders >= 2 and days_since_last_order > 90``,
    # ``region in ('Kyiv', 'Lviv') or has tag 'vip'``. One that does not parse or check is a
    # ``ValidationError`` with ``line`` and ``column``. ``as_of=None`` is now, like ``at=None``.

    def fields(self, subject: Subject = "clients") -> List[Field]:
        """The fields an expression about ``subject`` (``"clients"`` or ``"leads"``) may name, with their
        types, in documentation order."""
        return _list_of(Field, self._call("fields", {"subject": cv.text("subject", subject)}))

    def check_expression(self, expression: str, *, subject: Subject = "clients") -> str:
        """Checks an expression about ``subject`` (names of managers and sources included) and returns it
        in canonical form (keywords in lower case, minimal parentheses). Nothing is written."""
        args = {"subject": cv.text("subject", subject), "expression": cv.text("expression", expression)}
        value: str = self._call("check_expression", args)
        return value

    def save_segment(self, name: str, expression: str, *, at: Optional[datetime] = None) -> Segment:
        """Saves a segment of clients under ``name``; saving a name again replaces its expression (the same
        expression changes nothing). The expression is checked now. A name that itself reads as an
        expression is refused, since ``segment(which)`` could not tell the two apart."""
        args = {
            "name": cv.text("name", name),
            "expression": cv.text("expression", expression),
            "at": cv.time("at", at),
        }
        return Segment._from_json(self._call("save_segment", args))

    def delete_segment(self, name: str, *, at: Optional[datetime] = None) -> Segment:
        """Deletes a saved segment and its recorded members (the events stay); returns what was
        deleted."""
        args = {"name": cv.text("name", name), "at": cv.time("at", at)}
        return Segment._from_json(self._call("delete_segment", args))

    def refresh_segment(
        self, name: str, *, as_of: Union[datetime, date, None] = None
    ) -> SegmentChange:
        """Computes a saved segment's members as of ``as_of`` and compares them with the last refresh:
        records the members, and an event on each client who entered (``segment_entered``) or left
        (``segment_left``), dated ``as_of``. A time before the last refresh is refused."""
        args = {"name": cv.text("name", name), "as_of": cv.as_of("as_of", as_of)}
        return SegmentChange._from_json(self._call("refresh_segment", args))

    def get_segment(self, name: str) -> Segment:
        """One saved segment, by name (``NotFoundError`` when there is none)."""
        return Segment._from_json(self._call("get_segment", {"name": cv.text("name", name)}))

    def list_segments(self) -> List[Segment]:
        """Every saved segment, by name."""
        return _list_of(Segment, self._call("list_segments", {}))

    def segment(self, which: str, *, as_of: Union[datetime, date, None] = None) -> List[int]:
        """The ids of the clients in a segment as of ``as_of``, ascending. ``which`` is a saved segment's
        name or an expression; a saved name wins. Order figures count completed orders placed by
        ``as_of``, and clients added after it are not members."""
        args = {"which": cv.text("which", which), "as_of": cv.as_of("as_of", as_of)}
        ids: List[int] = self._call("segment", args)
        return ids

    def segment_count(self, which: str, *, as_of: Union[datetime, date, None] = None) -> int:
        """How many clients are in a segment as of ``as_of`` (see ``segment``)."""
        args = {"which": cv.text("which", which), "as_of": cv.as_of("as_of", as_of)}
        count: int = self._call("segment_count", args)
        return count

    def export_segment(
        self, which: str, path_or_file: ExportTarget, *, as_of: Union[datetime, date, None] = None
    ) -> int:
        """Writes a segment's members with their contact details as CSV for a mailing tool, and returns
        how many were written: a header, then one row per client by id (``client_id, name, kind, email,
        phone, contact_name, contact_email, contact_phone, region, industry, owner_id, tags``; the
        contact is the client's first contact person, tags are joined with ``;``). RFC 4180: lines end
        with ``\\r\\n``, so open a text file with ``newline=""``.

        ``path_or_file`` is a path (``str`` or ``os.PathLike``), written by the native library without
        holding the GIL (created or replaced; an expression that does not check leaves it untouched), or
        an open file object: a text one gets ``str``, a binary one UTF-8 ``bytes``.
        """
        args: Dict[str, Any] = {"which": cv.text("which", which), "as_of": cv.as_of("as_of", as_of)}
        if isinstance(path_or_file, (str, os.PathLike)):
            path = os.fspath(path_or_file)
            if not isinstance(path, str):
                raise TypeError(f"path_or_file: a path must be text, not {type(path).__name__}")
            args["path"] = path
            members: int = self._call("export_segment", args)["members"]
            return members
        write = getattr(path_or_file, "write", None)
        if not callable(write):
            kind = type(path_or_file).__name__
            raise TypeError(f"path_or_file: must be a path or a file object, not {kind}")
        args["path"] = None
        exported = self._call("export_segment", args)
        csv: str = exported["csv"]
        write(csv.encode("utf-8") if _binary(path_or_file) else csv)
        count: int = exported["members"]
        return count

    def client_matches(
        self, expression: str, client_id: int, *, as_of: Union[datetime, date, None] = None
    ) -> bool:
        """Whether one client matches an expression about clients as of ``as_of``, evaluated in memory
        from its orders (a client added after ``as_of`` does not)."""
        args = {
            "expression": cv.text("expression", expression),
            "id": cv.integer("client_id", client_id),
            "as_of": cv.as_of("as_of", as_of),
        }
        value: bool = self._call("client_matches", args)
        return value

    def lead_matches(
        self, expression: str, lead_id: int, *, as_of: Union[datetime, date, None] = None
    ) -> bool:
        """Whether one lead matches an expression about leads (a routing or response-time condition:
        ``channel in ('web', 'phone') and hour between 9 and 17``)."""
        args = {
            "expression": cv.text("expression", expression),
            "id": cv.integer("lead_id", lead_id),
            "as_of": cv.as_of("as_of", as_of),
        }
        value: bool = self._call("lead_matches", args)
        return value

    # --- duplicates ---------------------------------------------------------------------------------------
    # A match is scored from 0 to 1 by the details that agree: a tax id, a phone in any usual format, an
    # e-mail, a name (transliterated, so ``"Ivan Petrenko"`` meets ``"Петренко Іван"``), a company name
    # without its legal form (``"ТОВ «Ромашка»"`` meets ``"Romashka LLC"``), a birth date, an address.

    def find_duplicates(
        self,
        *,
        name: Optional[str] = None,
        company: Optional[str] = None,
        phone: Optional[str] = None,
        email: Optional[str] = None,
        tax_id: Optional[str] = None,
        address: Optional[str] = None,
        birth_date: Optional[date] = None,
        kind: Optional[ClientKind] = None,
    ) -> List[Match]:
        """The clients that look like the party described, scoring at least the ``suggest`` setting, best
        first (then by id), each with the fields that agreed. ``kind="company"`` compares ``name`` as a
        company name. Nothing usable given at all is a ``ValidationError`` (field ``probe``)."""
        probe = {
            "kind": cv.optional_text("kind", kind),
            "name": cv.optional_text("name", name),
            "company": cv.optional_text("company", company),
            "phone": cv.optional_text("phone", phone),
            "email": cv.optional_text("email", email),
            "tax_id": cv.optional_text("tax_id", tax_id),
            "address": cv.optional_text("address", address),
            "birth_date": cv.optional_day("birth_date", birth_date),
        }
        return _list_of(Match, self._call("find_duplicates", {"probe": probe}))

    def client_duplicates(self, client_id: int) -> List[Match]:
        """The other clients that look like this one (as ``find_duplicates``)."""
        args = {"id": cv.integer("client_id", client_id)}
        return _list_of(Match, self._call("client_duplicates", args))

    def duplicate_pairs(self, min_score: float = 0.9) -> List[DuplicatePair]:
        """Every pair of clients scoring at least ``min_score`` (from 0 to 1), best first, then by ids
        (``a < b``). The candidates come from shared matching keys, so the work grows with the base, not
        with its square."""
        args = {"min_score": cv.number("min_score", min_score)}
        return _list_of(DuplicatePair, self._call("duplicate_pairs", args))

    def merge_clients(self, *, keep: int, merge: int, at: Optional[datetime] = None) -> Merge:
        """Merges client ``merge`` into client ``keep``: its contacts, leads, deals, activities, orders
        and tags move over, empty fields of ``keep`` are filled from it (disagreements are kept in
        ``Merge.conflicts``, and a differing phone or e-mail as a contact), the rollups are recomputed,
        and ``merge`` is no longer listed (``get_client`` on it is a ``NotFoundError`` saying where it
        went). Everything needed to undo it is recorded: see ``unmerge``."""
        args = {
            "keep": cv.integer("keep", keep),
            "merge": cv.integer("merge", merge),
            "at": cv.time("at", at),
        }
        return Merge._from_json(self._call("merge_clients", args))

    def unmerge(self, merge_id: int, *, at: Optional[datetime] = None) -> Merge:
        """Undoes a merge: the merged client comes back under its old id with its own details and the
        records that moved go back; the kept client loses what it was filled with and the tags it gained
        (a field changed since keeps its later value). Records made after the merge stay with the kept
        client. Undoing a merge twice, or one whose kept client was merged again later (undo that one
        first), is a ``ConflictError``."""
        args = {"id": cv.integer("merge_id", merge_id), "at": cv.time("at", at)}
        return Merge._from_json(self._call("unmerge", args))

    def get_merge(self, merge_id: int) -> Merge:
        """One merge (``NotFoundError`` when there is none with this id)."""
        return Merge._from_json(self._call("get_merge", {"id": cv.integer("merge_id", merge_id)}))

    def list_merges(self, client_id: Optional[int] = None) -> List[Merge]:
        """The merges a client took part in, kept or merged (every merge when ``client_id`` is
        ``None``), by id; undone ones included."""
        args = {"client_id": cv.optional_integer("client_id", client_id)}
        return _list_of(Merge, self._call("list_merges", args))

    def dedup_settings(self) -> DedupSettings:
        """How duplicates are found (the defaults until set)."""
        return DedupSettings._from_json(self._call("dedup_settings", {}))

    def set_dedup_settings(
        self,
        *,
        auto_link: Optional[float] = None,
        suggest: Optional[float] = None,
        key_limit: Optional[int] = None,
        default_country: Optional[str] = None,
        at: Optional[datetime] = None,
    ) -> DedupSettings:
        """Changes how duplicates are found; a setting left out keeps its current value. ``auto_link``
        and ``suggest`` are scores from 0 to 1 (``suggest`` not above ``auto_link``), ``key_limit`` from 1
        to 10 000, ``default_country`` an ISO 3166 alpha-2 code (changing it recomputes every stored
        phone's normal form in the same transaction). Returns the settings now in force."""
        changes = {
            "auto_link": cv.optional_number("auto_link", auto_link),
            "suggest": cv.optional_number("suggest", suggest),
            "key_limit": cv.optional_integer("key_limit", key_limit),
            "default_country": cv.optional_text("default_country", default_country),
        }
        args = {"changes": changes, "at": cv.time("at", at)}
        return DedupSettings._from_json(self._call("set_dedup_settings", args))

    def rebuild_match_keys(self, *, at: Optional[datetime] = None) -> int:
        """Recomputes every client's and lead's normal forms and matching keys (after an upgrade of the
        normalisation rules, say); returns the number of clients."""
        count: int = self._call("rebuild_match_keys", {"at": cv.time("at", at)})
        return count

    # --- distribution ---------------------------------------------------------------------------------
    # Who works each request: working calendars, absences, routing rules, response-time (SLA) policies,
    # the ownership lock, the queue, hand-overs and what time passing requires (``run_due``). Every
    # decision is an ``Assignment`` that says why.

    def update_manager(
        self,
        manager_id: int,
        *,
        name: Union[str, Keep] = KEEP,
        email: Union[str, None, Keep] = KEEP,
        team: Union[str, None, Keep] = KEEP,
        capacity: Union[int, None, Keep] = KEEP,
        daily_cap: Union[int, None, Keep] = KEEP,
        weight: Union[int, Keep] = KEEP,
        skills: Union[Sequence[str], Keep] = KEEP,
        regions: Union[Sequence[str], Keep] = KEEP,
        languages: Union[Sequence[str], Keep] = KEEP,
        at: Optional[datetime] = None,
    ) -> Manager:
        """Changes a manager's details: an argument left out stays as it is; ``None`` clears the e-mail or
        the team and removes the ``capacity`` or ``daily_cap`` limit (the name, weight and lists cannot
        be cleared). The event records what changed."""
        patch: Dict[str, Any] = {}
        for field, value in (
            ("name", name),
            ("weight", weight),
            ("skills", skills),
            ("regions", regions),
            ("languages", languages),
        ):
            if value is None:
                raise TypeError(f"{field}: cannot be cleared; leave it out to keep it")
        _patch("name", name, cv.text, patch)
        _patch("email", email, cv.text, patch)
        _patch("team", team, cv.text, patch)
        _patch("capacity", capacity, cv.integer, patch)
        _patch("daily_cap", daily_cap, cv.integer, patch)
        _patch("weight", weight, cv.integer, patch)
        _patch("skills", skills, cv.texts, patch)
        _patch("regions", regions, cv.texts, patch)
        _patch("languages", languages, cv.texts, patch)
        args = {"id": cv.integer("manager_id", manager_id), "patch": patch, "at": cv.time("at", at)}
        return Manager._from_json(self._call("update_manager", args))

    def set_calendar(
        self,
        *,
        working_hours: Mapping[str, SpansInput],
        timezone: str = "UTC",
        holidays: Iterable[date] = (),
        days: Optional[Mapping[date, SpansInput]] = None,
        manager: Optional[int] = None,
        at: Optional[datetime] = None,
    ) -> Calendar:
        """Sets the store's working calendar, or with ``manager`` that manager's own (which wins for
        them). Deadlines and working-hours rules count time in it; without any calendar they run round
        the clock in UTC.

        ``working_hours`` maps weekday keys (``"mon"`` … ``"sun"``, a range ``"mon-fri"``, a list
        ``"sat,sun"``) to spans of local times: one ``("09:00", "18:00")`` pair or a list of pairs
        (a lunch break). A weekday not named is a day off. ``holidays`` are days off; ``days`` gives
        special days their own spans (``[]``: a day off), overriding the weekday and the holidays.
        ``timezone`` is an IANA name (``"Europe/Kyiv"``). Returns the calendar now in force."""
        spec = {
            "timezone": cv.text("timezone", timezone),
            "working_hours": cv.week("working_hours", working_hours),
            "holidays": [
                cv.day(f"holidays[{i}]", d) for i, d in enumerate(cv.iterable("holidays", holidays))
            ],
            "days": cv.special_days("days", days),
        }
        args = {"manager": cv.optional_integer("manager", manager), "spec": spec, "at": cv.time("at", at)}
        stored = self._call("set_calendar", args)
        return Calendar._from_json(stored)

    def clear_calendar(self, *, manager: Optional[int] = None, at: Optional[datetime] = None) -> None:
        """Removes the store's calendar (or with ``manager`` that manager's own, who then works by the
        store's)."""
        args = {"manager": cv.optional_integer("manager", manager), "spec": None, "at": cv.time("at", at)}
        self._call("set_calendar", args)

    def calendar(self, manager: Optional[int] = None) -> Optional[Calendar]:
        """The store's calendar (or with ``manager`` that manager's own), ``None`` when none is set."""
        stored = self._call("calendar", {"manager": cv.optional_integer("manager", manager)})
        return None if stored is None else Calendar._from_json(stored)

    def working_deadline(
        self, start: datetime, amount: Union[str, timedelta], *, manager: Optional[int] = None
    ) -> datetime:
        """The instant ``amount`` (``"2h"``, ``"1h30m"``, or a ``timedelta`` of whole minutes) of working
        time after ``start``, in the calendar of ``manager`` (theirs, else the store's, else round the
        clock). Days are refused: a working day has no fixed length."""
        args = {
            "manager": cv.optional_integer("manager", manager),
            "start": cv.time("start", start),
            "amount": cv.duration("amount", amount),
        }
        return _time(self._call("working_deadline", args))

    def working_time(self, start: datetime, end: datetime, *, manager: Optional[int] = None) -> timedelta:
        """The working time between two instants, in the calendar of ``manager`` (as
        ``working_deadline``)."""
        args = {
            "manager": cv.optional_integer("manager", manager),
            "start": cv.time("start", start),
            "end": cv.time("end", end),
        }
        seconds: int = self._call("working_time", args)
        return timedelta(seconds=seconds)

    def add_absence(
        self,
        manager_id: int,
        *,
        start: date,
        end: date,
        reason: Optional[str] = None,
        at: Optional[datetime] = None,
    ) -> Absence:
        """Records an absence (vacation, sick leave) from ``start`` to ``end`` inclusive, days of the
        manager's calendar: the manager gets no new requests meanwhile (their open work stays unless
        handed over: see ``hand_over``)."""
        new = {
            "manager_id": cv.integer("manager_id", manager_id),
            "start": cv.day("start", start),
            "end": cv.day("end", end),
            "reason": cv.optional_text("reason", reason),
        }
        return Absence._from_json(self._call("add_absence", {"new": new, "at": cv.time("at", at)}))

    def remove_absence(self, absence_id: int, *, at: Optional[datetime] = None) -> Absence:
        """Deletes an absence (a cancelled vacation); returns what was deleted."""
        args = {"id": cv.integer("absence_id", absence_id), "at": cv.time("at", at)}
        return Absence._from_json(self._call("remove_absence", args))

    def list_absences(self, manager: Optional[int] = None) -> List[Absence]:
        """Absences of one manager or of all, by start day, then id."""
        args = {"manager": cv.optional_integer("manager", manager)}
        return _list_of(Absence, self._call("list_absences", args))

    def add_routing_rule(
        self,
        *,
        name: str,
        strategy: Strategy,
        when: Optional[str] = None,
        team: Optional[str] = None,
        managers: Sequence[int] = (),
        priority: int = 0,
        skills: Sequence[str] = (),
        match_region: bool = False,
        match_language: bool = False,
        working_hours_only: bool = False,
        at: Optional[datetime] = None,
    ) -> RoutingRule:
        """Adds a routing rule, or replaces the rule of the same ``name`` (its rotation starts afresh).

        Rules are tried by ascending ``priority`` (then by id); the first whose ``when`` holds for the
        lead (a condition about leads: ``"interest = 'wholesale' and region = 'Kyiv'"``; ``None``: every
        lead) picks among its candidates — the managers of ``team``, or those listed in ``managers``, or
        everyone — who are active, present, under their capacity and daily cap, have the ``skills``, and
        (when asked) serve the lead's region, speak its language, or are within working hours. The
        ``strategy`` picks: ``round_robin``, ``least_loaded`` (fewest open leads relative to capacity) or
        ``weighted`` (shares proportional to the managers' weights)."""
        new = {
            "name": cv.text("name", name),
            "priority": cv.integer("priority", priority),
            "when": cv.optional_text("when", when),
            "team": cv.optional_text("team", team),
            "managers": [
                cv.integer(f"managers[{i}]", m) for i, m in enumerate(cv.iterable("managers", managers))
            ],
            "strategy": cv.text("strategy", strategy),
            "skills": cv.texts("skills", skills),
            "match_region": cv.flag("match_region", match_region),
            "match_language": cv.flag("match_language", match_language),
            "working_hours_only": cv.flag("working_hours_only", working_hours_only),
        }
        return RoutingRule._from_json(self._call("add_routing_rule", {"new": new, "at": cv.time("at", at)}))

    def remove_routing_rule(self, name: str, *, at: Optional[datetime] = None) -> RoutingRule:
        """Deletes a routing rule by name (past assignments keep its name); returns what was deleted."""
        args = {"name": cv.text("name", name), "at": cv.time("at", at)}
        return RoutingRule._from_json(self._call("remove_routing_rule", args))

    def routing_rules(self) -> List[RoutingRule]:
        """The routing rules in the order they are tried (priority, then id)."""
        return _list_of(RoutingRule, self._call("routing_rules", {}))

    def set_response_sla(
        self,
        *,
        first_response: Union[str, timedelta],
        when: Optional[str] = None,
        name: Optional[str] = None,
        priority: int = 0,
        at_risk: float = 0.8,
        escalation: Escalation = "none",
        escalate_to: Optional[int] = None,
        at: Optional[datetime] = None,
    ) -> SlaPolicy:
        """Adds a first-response policy, or replaces the one of the same ``name``: a lead gets a
        deadline ``first_response`` (``"2h"``, ``"30m"``, ``"1h30m"``) of working time after it came in,
        in the calendar of its owner (else the store's). Policies with a condition (``when``) are tried
        by ascending ``priority``; the one without (the default, named ``"default"`` unless named) last.

        ``at_risk`` is the share of the target after which an unanswered lead is at risk (0.8);
        ``escalation`` says what a breach found by ``run_due`` does: ``"none"`` (only marks it),
        ``"reassign"`` (to another eligible manager) or ``"task"`` (a task for ``escalate_to``)."""
        if name is None:
            if when is not None:
                raise cv.invalid("name", "is required for a policy with a condition")
            name = "default"
        new = {
            "name": cv.text("name", name),
            "when": cv.optional_text("when", when),
            "priority": cv.integer("priority", priority),
            "first_response": cv.duration("first_response", first_response),
            "at_risk_bp": cv.share("at_risk", at_risk),
            "escalation": cv.text("escalation", escalation),
            "escalate_to": cv.optional_integer("escalate_to", escalate_to),
        }
        args = {"new": new, "at": cv.time("at", at)}
        return SlaPolicy._from_json(self._call("set_response_sla", args, _SLA))

    def remove_response_sla(self, name: str, *, at: Optional[datetime] = None) -> SlaPolicy:
        """Deletes a first-response policy by name (deadlines already set stay); returns it."""
        args = {"name": cv.text("name", name), "at": cv.time("at", at)}
        return SlaPolicy._from_json(self._call("remove_response_sla", args))

    def response_slas(self) -> List[SlaPolicy]:
        """The first-response policies in the order they are tried (the default last)."""
        return _list_of(SlaPolicy, self._call("response_slas", {}))

    def lead_sla_status(self, lead_id: int, now: Optional[datetime] = None) -> SlaStatus:
        """Where a lead stands against its first-response deadline at ``now``: ``pending``, ``at_risk``,
        ``met``, ``breached``, or ``none`` (no policy applies)."""
        args = {"id": cv.integer("lead_id", lead_id), "now": cv.time("now", now)}
        return SlaStatus._from_json(self._call("lead_sla_status", args))

    def set_ownership_settings(self, *, lock_days: int, at: Optional[datetime] = None) -> OwnershipSettings:
        """Sets how long a client stays locked to its owner after the last meaningful contact (an
        outbound call, e-mail, meeting, message or document, or an order); 0: no lock. While locked,
        ``assign_client`` and ``reassign_lead`` to another manager need a reason."""
        settings = {"lock_days": cv.integer("lock_days", lock_days)}
        args = {"settings": settings, "at": cv.time("at", at)}
        return OwnershipSettings._from_json(self._call("set_ownership_settings", args))

    def ownership_settings(self) -> OwnershipSettings:
        """The ownership rules (the defaults until set: a 30-day lock)."""
        return OwnershipSettings._from_json(self._call("ownership_settings", {}))

    def assign_client(
        self,
        client_id: int,
        manager_id: int,
        *,
        reason: Optional[str] = None,
        at: Optional[datetime] = None,
    ) -> Assignment:
        """Makes ``manager_id`` the client's owner. A client locked to another active owner (a meaningful
        contact within the lock period) is a ``ConflictError`` unless a ``reason`` is given; the forced
        take-over and its reason are recorded."""
        args = {
            "id": cv.integer("client_id", client_id),
            "manager": cv.integer("manager_id", manager_id),
            "reason": cv.optional_text("reason", reason),
            "at": cv.time("at", at),
        }
        return Assignment._from_json(self._call("assign_client", args, _MANAGER))

    def reassign_lead(
        self,
        lead_id: int,
        manager_id: Optional[int] = None,
        *,
        reason: Optional[str] = None,
        at: Optional[datetime] = None,
    ) -> Assignment:
        """Gives an open lead to ``manager_id``, or with ``None`` to whoever the routing rules choose now
        (never the current owner). A lead of a client locked to another owner needs a ``reason``. Nobody
        eligible is a ``ConflictError`` that says why; the lead stays where it was."""
        args = {
            "id": cv.integer("lead_id", lead_id),
            "manager": cv.optional_integer("manager_id", manager_id),
            "reason": cv.optional_text("reason", reason),
            "at": cv.time("at", at),
        }
        return Assignment._from_json(self._call("reassign_lead", args, _MANAGER))

    def assign_queued(self, now: Optional[datetime] = None) -> List[Assignment]:
        """Routes every queued lead again, oldest first; returns the assignments made (the others stay
        queued, their ``queued_reason`` brought up to date)."""
        return _list_of(Assignment, self._call("assign_queued", {"now": cv.time("now", now)}))

    def hand_over(
        self,
        manager_id: int,
        *,
        clients: bool = False,
        deactivate: bool = False,
        at: Optional[datetime] = None,
    ) -> HandOver:
        """Moves a manager's open leads (and with ``clients``, their clients and those clients' open
        deals: a dismissal) to others by the routing rules, in one transaction; a lead nobody can take
        is queued, a client left without an owner, each with the reason. With ``deactivate`` the manager
        is also marked inactive."""
        options = {"clients": cv.flag("clients", clients), "deactivate": cv.flag("deactivate", deactivate)}
        args = {"manager": cv.integer("manager_id", manager_id), "options": options, "at": cv.time("at", at)}
        return HandOver._from_json(self._call("hand_over", args, _MANAGER))

    def run_due(self, now: Optional[datetime] = None) -> DueRun:
        """What time passing requires, as of ``now``, in one transaction: queued leads are routed again;
        open leads whose first-response deadline passed unanswered are marked breached and escalated by
        their policy (reassigned, or a task); complaint deadlines passed are marked and escalated (a
        ``complaint_escalation`` task); promises coming due get a reminder task for their maker, and
        those past due while open are broken; clients move down the dormancy ladder; and the active
        retention rules act on the clients they match. Idempotent: running it again at the same or a
        later ``now`` does nothing twice."""
        return DueRun._from_json(self._call("run_due", {"now": cv.time("now", now)}))

    def close_task(self, task_id: int, *, status: TaskStatus = "done", at: Optional[datetime] = None) -> Task:
        """Closes a task as ``done`` (the default) or ``cancelled``. Closing it again with the same
        status changes nothing (the task comes back as it is); closing a done task as cancelled, or the
        other way round, is an ``InvalidTransitionError``; ``open`` is a ``ValidationError`` on
        ``status`` (a task is not reopened)."""
        args = {
            "id": cv.integer("task_id", task_id),
            "status": cv.text("status", status),
            "at": cv.time("at", at),
        }
        return Task._from_json(self._call("close_task", args))

    def lead_assignments(self, lead_id: int) -> List[Assignment]:
        """Every decision about who works a lead, oldest first, each with its explanation."""
        return _list_of(Assignment, self._call("lead_assignments", {"id": cv.integer("lead_id", lead_id)}))

    def client_assignments(self, client_id: int) -> List[Assignment]:
        """Every change of a client's owner made by assignment or hand-over, oldest first."""
        args = {"id": cv.integer("client_id", client_id)}
        return _list_of(Assignment, self._call("client_assignments", args))

    def queue(self) -> List[Lead]:
        """The leads waiting for a manager, oldest first; each says why in ``queued_reason``."""
        return _list_of(Lead, self._call("queue", {}))

    def list_tasks(self, manager: Optional[int] = None, *, open_only: bool = True) -> List[Task]:
        """Tasks of one manager or of all, by id: only the open ones, or with ``open_only=False`` every
        one."""
        args = {
            "manager": cv.optional_integer("manager", manager),
            "open_only": cv.flag("open_only", open_only),
        }
        return _list_of(Task, self._call("list_tasks", args))

    def get_task(self, task_id: int) -> Task:
        """One task (``NotFoundError`` when there is none with this id)."""
        return Task._from_json(self._call("get_task", {"id": cv.integer("task_id", task_id)}))

    # --- analytics ----------------------------------------------------------------------------------------
    # A period is ``start`` and ``end``, days (UTC, both inclusive; a ``datetime`` means its UTC date);
    # ``None`` leaves that side open. Only completed orders count.

    def abc(
        self,
        start: Union[date, datetime, None] = None,
        end: Union[date, datetime, None] = None,
        *,
        measure: AbcMeasure = "revenue",
        a: float = 0.8,
        b: float = 0.95,
        rule: AbcRule = "inclusive",
    ) -> AbcReport:
        """ABC of the clients who bought in a period: ranked by revenue (``measure="revenue"``, values
        ``Decimal``) or by completed orders (``"orders"``, values ``int``), classed A up to the share
        ``a`` of the total, B up to ``b``, C the rest. ``rule`` decides the client that crosses a
        threshold and equal values (see ``AbcRule``). The report is a sequence of ``AbcRow`` in rank
        order, with the totals per class in ``.summary``."""
        query = {
            "start": cv.report_day("start", start),
            "end": cv.report_day("end", end),
            "measure": cv.text("measure", measure),
            "a": cv.number("a", a),
            "b": cv.number("b", b),
            "rule": cv.text("rule", rule),
        }
        return AbcReport._build(self._call("abc", {"query": query}), measure)

    def xyz(
        self,
        start: Union[date, datetime, None] = None,
        end: Union[date, datetime, None] = None,
        *,
        x: float = 0.10,
        y: float = 0.25,
    ) -> XyzReport:
        """XYZ of the clients with revenue in a window of calendar months (the months of ``start`` to
        ``end``, each counted whole; by default the twelve months ending with the month of the last
        order): the coefficient of variation of each client's monthly revenue, X up to ``x``, Y up to
        ``y``, Z above. A client whose first order falls inside the window is measured from its month.
        The report is a sequence of ``XyzRow`` by client id, with the window in ``.months``."""
        query = {
            "start": cv.report_day("start", start),
            "end": cv.report_day("end", end),
            "x": cv.number("x", x),
            "y": cv.number("y", y),
        }
        return XyzReport._from_json(self._call("xyz", {"query": query}))

    def abc_xyz(
        self,
        start: Union[date, datetime, None] = None,
        end: Union[date, datetime, None] = None,
        *,
        a: float = 0.8,
        b: float = 0.95,
        rule: AbcRule = "inclusive",
        x: float = 0.10,
        y: float = 0.25,
    ) -> AbcXyzMatrix:
        """The ABC×XYZ matrix over one period: ABC by revenue in the period, XYZ over its months; the
        clients and revenue of each of the twelve cells (``matrix.cell("A", "X")``; XYZ ``None`` for
        clients with too few months)."""
        query = {
            "abc": {
                "start": cv.report_day("start", start),
                "end": cv.report_day("end", end),
                "a": cv.number("a", a),
                "b": cv.number("b", b),
                "rule": cv.text("rule", rule),
            },
            "xyz": {"x": cv.number("x", x), "y": cv.number("y", y)},
        }
        try:
            return AbcXyzMatrix._from_json(self._call("abc_xyz", {"query": query}))
        except ValidationError as error:
            # The keywords are flat: ``abc.rule`` is the keyword ``rule``.
            raise _renamed(error, {"abc": "", "xyz": ""}, strip=True) from None

    def rfm(
        self,
        as_of: Union[date, datetime, None] = None,
        *,
        tie_rule: RfmTieRule = "ntile",
        thresholds: Optional[Mapping[str, Any]] = None,
    ) -> RfmReport:
        """RFM of every client with a completed order by ``as_of`` (a day; ``None`` is today, UTC):
        recency in days from the last order's UTC date, frequency (completed orders), monetary (their
        revenue), scores 1..5 and the segment. Scores are quintiles (``tie_rule``: ``"ntile"``, ties by
        client id, or ``"tie_shared"``, equal values equal scores), or with ``thresholds`` fixed bounds:
        ``{"recency_days": [30, 90, 180, 365], "frequency": [2, 3, 5, 10], "monetary": [100, 500, 1000,
        5000]}`` (four ascending bounds each; money as ``Decimal``, ``int`` or ``str``). The report is a
        sequence of ``RfmRow`` by client id, with every segment's size in ``.segments``."""
        query = {
            "as_of": cv.report_as_of("as_of", as_of),
            "tie_rule": cv.text("tie_rule", tie_rule),
            "thresholds": cv.rfm_thresholds("thresholds", thresholds),
        }
        return RfmReport._from_json(self._call("rfm", {"query": query}))

    def p_alive(self, as_of: Union[date, datetime, None] = None, *, horizon_days: int = 90) -> PAliveReport:
        """The BG/NBD model fitted by maximum likelihood on the store's purchase history up to ``as_of``
        (a day; ``None`` is today, UTC; distinct purchase days, time in days), and for each client the
        probability that it is still active and the purchase days expected in the next
        ``horizon_days``. No completed order by then, or a history that cannot be fitted, is a
        ``ValidationError`` on ``as_of``."""
        query = {
            "as_of": cv.report_as_of("as_of", as_of),
            "horizon_days": cv.integer("horizon_days", horizon_days),
        }
        return PAliveReport._from_json(self._call("p_alive", {"query": query}))

    def repeat_sales(
        self,
        start: Union[date, datetime, None] = None,
        end: Union[date, datetime, None] = None,
    ) -> RepeatReport:
        """Repeat purchases over a period: clients who bought, those who bought twice or more, the
        rate, orders, revenue and the average order."""
        period = {"start": cv.report_day("start", start), "end": cv.report_day("end", end)}
        return RepeatReport._from_json(self._call("repeat_sales", {"period": period}))

    def product_pairs(
        self,
        start: Union[date, datetime, None] = None,
        end: Union[date, datetime, None] = None,
        *,
        min_count: int = 2,
    ) -> PairReport:
        """The product pairs (order line SKUs) bought by the same clients in a period, seen with at
        least ``min_count`` clients: a sequence of directional ``PairRule`` with support, confidence and
        lift, best first."""
        query = {
            "period": {"start": cv.report_day("start", start), "end": cv.report_day("end", end)},
            "min_count": cv.integer("min_count", min_count),
        }
        return PairReport._from_json(self._call("product_pairs", {"query": query}))

    def cross_sell(
        self,
        client_id: int,
        *,
        start: Union[date, datetime, None] = None,
        end: Union[date, datetime, None] = None,
        min_count: int = 2,
        limit: int = 5,
    ) -> List[Suggestion]:
        """What to offer one client next: products it has never bought, best first, at most ``limit``,
        each with the pair rule behind it (the rules are learned from the period's purchases, as
        ``product_pairs``)."""
        args = {
            "id": cv.integer("client_id", client_id),
            "query": {
                "period": {"start": cv.report_day("start", start), "end": cv.report_day("end", end)},
                "min_count": cv.integer("min_count", min_count),
            },
            "limit": cv.integer("limit", limit),
        }
        return _list_of(Suggestion, self._call("cross_sell", args, _CLIENT))

    # --- pipeline reports and plans -----------------------------------------------------------------------

    def funnel(
        self,
        start: Union[date, datetime],
        end: Union[date, datetime],
        *,
        by: Optional[FunnelBy] = None,
        mode: FunnelMode = "cohort",
        as_of: Union[datetime, date, None] = None,
    ) -> FunnelReport:
        """The sales funnel of the leads received from ``start`` to ``end`` (UTC days, inclusive):
        received → in progress → qualified → converted → the pipeline's stages → won. Per step: how many
        reached it, the conversion from the previous step and from the first, who stopped there (lost by
        reason, junk, still open), how many are there now, and the median and 90th percentile of the
        time spent in it. ``by`` (``"manager"``, ``"source"``, ``"channel"``) adds one funnel per group.
        ``mode="cohort"`` (the default) counts each lead at the furthest step it ever reached;
        ``"snapshot"`` as it stood at ``as_of``. ``as_of`` (a ``datetime``; a ``date`` is the end of
        that day) is when the funnel is read: only what happened before it counts (default: everything
        so far for a cohort, the end of ``end`` for a snapshot)."""
        query = {
            "start": cv.period_day("start", start),
            "end": cv.period_day("end", end),
            "by": cv.optional_text("by", by),
            "mode": cv.text("mode", mode),
            "as_of": None if as_of is None else cv.as_of("as_of", as_of),
        }
        return FunnelReport._from_json(self._call("funnel", {"query": query}))

    def source_report(
        self,
        start: Union[date, datetime],
        end: Union[date, datetime],
        *,
        horizon_days: int = 365,
    ) -> List[SourceRow]:
        """Leads, conversion, clients, revenue and spend per marketing source for the leads received and
        the spend booked from ``start`` to ``end`` (UTC days, inclusive): cost per lead, CAC and ROMI,
        each source's spend counted once. Revenue is the completed orders of a converted client within
        ``horizon_days`` after its conversion. Best ROMI first; leads without a source in a row of
        their own."""
        query = {
            "start": cv.period_day("start", start),
            "end": cv.period_day("end", end),
            "horizon_days": cv.integer("horizon_days", horizon_days),
        }
        return _list_of(SourceRow, self._call("source_report", {"query": query}))

    def forecast(
        self,
        as_of: Union[datetime, date, None] = None,
        *,
        history_start: Union[date, datetime, None] = None,
    ) -> ForecastReport:
        """The open pipeline by expected close month and by stage, weighted by the stages' probabilities
        and by the historic win rates of the deals closed from ``history_start`` (default: a year before
        ``as_of``) to ``as_of`` (a ``datetime``, a ``date`` meaning the end of that day, or ``None``:
        now). Overdue deals fall in ``as_of``'s month."""
        query = {
            "as_of": cv.as_of("as_of", as_of),
            "history_start": cv.report_day("history_start", history_start),
        }
        return ForecastReport._from_json(self._call("forecast", {"query": query}))

    def offer_report(self, start: Union[date, datetime], end: Union[date, datetime]) -> OfferReport:
        """Which commercial offers sent from ``start`` to ``end`` (UTC days, inclusive; activities
        logged with ``offer=``) led to sales, which objections were met (``objection=``) and which
        arguments (``argument=``) overcame them."""
        query = {"start": cv.period_day("start", start), "end": cv.period_day("end", end)}
        return OfferReport._from_json(self._call("offer_report", {"query": query}))

    def set_plan(
        self,
        manager_id: int,
        *,
        month: Union[str, date],
        revenue: Money = 0,
        deals: int = 0,
        at: Optional[datetime] = None,
    ) -> Plan:
        """Sets a manager's sales plan for a calendar month (``"2026-12"``, or a ``date`` in it): the
        revenue (completed orders of the manager's clients) and the number of deals to win. A plan
        already set for the month is replaced."""
        new = {
            "manager_id": cv.integer("manager_id", manager_id),
            "month": cv.month("month", month),
            "revenue": cv.money("revenue", revenue),
            "deals": cv.integer("deals", deals),
        }
        return Plan._from_json(self._call("set_plan", {"new": new, "at": cv.time("at", at)}))

    def remove_plan(self, manager_id: int, *, month: Union[str, date], at: Optional[datetime] = None) -> Plan:
        """Removes a manager's plan for a month and returns it (``NotFoundError`` when there is none)."""
        args = {
            "manager_id": cv.integer("manager_id", manager_id),
            "month": cv.month("month", month),
            "at": cv.time("at", at),
        }
        return Plan._from_json(self._call("remove_plan", args))

    def plans(
        self,
        manager_id: Optional[int] = None,
        *,
        from_month: Union[str, date, None] = None,
        to_month: Union[str, date, None] = None,
    ) -> List[Plan]:
        """The sales plans of one manager (or of all) for the months ``from_month`` to ``to_month``
        (either end open with ``None``), by month, then manager."""
        args = {
            "manager": cv.optional_integer("manager_id", manager_id),
            "from_month": cv.optional_month("from_month", from_month),
            "to_month": cv.optional_month("to_month", to_month),
        }
        return _list_of(Plan, self._call("plans", args, _MANAGER))

    def manager_report(self, start: Union[date, datetime], end: Union[date, datetime]) -> List[ManagerRow]:
        """The manager report for the UTC days ``start`` to ``end`` (inclusive), one row per manager by
        id: requests received and how fast they were answered (median and 90th percentile, in working
        time when a calendar is set; the SLA kept), converted, lost; deals won; orders and revenue of
        the manager's clients; and the plan against the actuals for each month touching the period."""
        query = {"start": cv.period_day("start", start), "end": cv.period_day("end", end)}
        return _list_of(ManagerRow, self._call("manager_report", {"query": query}))

    # --- retention: promises ------------------------------------------------------------------------------
    # A promise to a client ("send the corrected invoice by Friday"): ``run_due`` reminds its maker ahead
    # of the due time (``promise_settings``) and marks it broken once the due time passed while open.

    def promise(
        self,
        *,
        client_id: int,
        what: str,
        due: datetime,
        manager_id: Optional[int] = None,
        activity_id: Optional[int] = None,
        at: Optional[datetime] = None,
    ) -> Promise:
        """Records a promise made to a client: ``what``, due at ``due`` (not before ``at``), by
        ``manager_id`` (an active manager; the client's owner when left out), made in the activity
        ``activity_id`` (one of the same client's)."""
        new = {
            "client_id": cv.integer("client_id", client_id),
            "manager_id": cv.optional_integer("manager_id", manager_id),
            "what": cv.text("what", what),
            "due_at": cv.time("due", due),
            "activity_id": cv.optional_integer("activity_id", activity_id),
        }
        return Promise._from_json(self._call("promise", {"new": new, "at": cv.time("at", at)}, _DUE))

    def keep_promise(
        self, promise_id: int, *, note: Optional[str] = None, at: Optional[datetime] = None
    ) -> Promise:
        """Marks an open promise kept (its reminder task, if open, is done). Keeping it again changes
        nothing; a broken or cancelled promise is an ``InvalidTransitionError``."""
        args = {
            "id": cv.integer("promise_id", promise_id),
            "note": cv.optional_text("note", note),
            "at": cv.time("at", at),
        }
        return Promise._from_json(self._call("keep_promise", args))

    def cancel_promise(self, promise_id: int, *, reason: str, at: Optional[datetime] = None) -> Promise:
        """Withdraws an open promise; ``reason`` is required. A cancelled promise counts neither as kept
        nor as broken; its reminder task, if open, is cancelled."""
        args = {
            "id": cv.integer("promise_id", promise_id),
            "reason": cv.text("reason", reason),
            "at": cv.time("at", at),
        }
        return Promise._from_json(self._call("cancel_promise", args))

    def get_promise(self, promise_id: int) -> Promise:
        """One promise."""
        return Promise._from_json(self._call("get_promise", {"id": cv.integer("promise_id", promise_id)}))

    def list_promises(
        self,
        *,
        client_id: Optional[int] = None,
        manager_id: Optional[int] = None,
        status: Optional[PromiseStatus] = None,
        after: Optional[int] = None,
        limit: int = 100,
    ) -> List[Promise]:
        """A page of promises, by id. Every filter that is given must hold."""
        query = {
            "client_id": cv.optional_integer("client_id", client_id),
            "manager_id": cv.optional_integer("manager_id", manager_id),
            "status": cv.optional_text("status", status),
            "page": _page(after, limit),
        }
        return _list_of(Promise, self._call("list_promises", {"query": query}))

    def iter_promises(
        self,
        *,
        client_id: Optional[int] = None,
        manager_id: Optional[int] = None,
        status: Optional[PromiseStatus] = None,
        page_size: int = 1000,
    ) -> Iterator[Promise]:
        """Every promise that passes the filters, by id, read ``page_size`` at a time."""
        return _pages(
            lambda after: self.list_promises(
                client_id=client_id, manager_id=manager_id, status=status, after=after, limit=page_size
            ),
            page_size,
        )

    def set_promise_settings(
        self, *, remind_before: Union[str, timedelta], at: Optional[datetime] = None
    ) -> PromiseSettings:
        """Sets how long before a promise's due time its maker gets a reminder task: round-the-clock
        time (``"24h"``, ``"2h30m"``, or a ``timedelta`` of whole minutes); ``"0m"`` (or
        ``timedelta(0)``) reminds only when it falls due. Returns the settings now in force."""
        settings = {"remind_before": cv.clock_time("remind_before", remind_before)}
        args = {"settings": settings, "at": cv.time("at", at)}
        return PromiseSettings._from_json(self._call("set_promise_settings", args))

    def promise_settings(self) -> PromiseSettings:
        """How promises are followed up (the default until set: a reminder 24 hours ahead)."""
        return PromiseSettings._from_json(self._call("promise_settings", {}))

    # --- retention: complaints ----------------------------------------------------------------------------
    # A complaint has two deadlines, first response and resolution, in working time of its owner's
    # calendar (``complaint_sla``). Waiting for the client stops the resolution clock; ``run_due`` marks
    # a missed deadline and escalates it with a task.

    def open_complaint(
        self,
        *,
        client_id: int,
        subject: str,
        priority: ComplaintPriority = "normal",
        order_id: Optional[int] = None,
        body: Optional[str] = None,
        owner_id: Optional[int] = None,
        at: Optional[datetime] = None,
    ) -> Complaint:
        """Opens a complaint: ``subject`` in one line, the client's words in ``body``, about the order
        ``order_id`` (one of the client's). It is handled by ``owner_id`` (an active manager) or the
        client's owner; its deadlines are its priority's targets counted from ``at``."""
        new = {
            "client_id": cv.integer("client_id", client_id),
            "order_id": cv.optional_integer("order_id", order_id),
            "subject": cv.text("subject", subject),
            "body": cv.optional_text("body", body),
            "priority": cv.text("priority", priority),
            "owner_id": cv.optional_integer("owner_id", owner_id),
        }
        return Complaint._from_json(self._call("open_complaint", {"new": new, "at": cv.time("at", at)}))

    def _complaint(self, command: str, complaint_id: int, at: Optional[datetime], **text: str) -> Complaint:
        args: Dict[str, Any] = {"id": cv.integer("complaint_id", complaint_id)}
        for field, value in text.items():
            args[field] = cv.text(field, value)
        args["at"] = cv.time("at", at)
        return Complaint._from_json(self._call(command, args))

    def take_complaint(self, complaint_id: int, *, at: Optional[datetime] = None) -> Complaint:
        """Takes an open complaint in work (→ ``in_progress``): its first response."""
        return self._complaint("take_complaint", complaint_id, at)

    def wait_for_client(self, complaint_id: int, *, at: Optional[datetime] = None) -> Complaint:
        """Waits for the client (a question asked): the resolution clock stops until
        ``resume_complaint``. Counts as the first response when there was none."""
        return self._complaint("wait_for_client", complaint_id, at)

    def resume_complaint(self, complaint_id: int, *, at: Optional[datetime] = None) -> Complaint:
        """Resumes work after waiting for the client: the resolution deadline moves on by the working
        time the pause took."""
        return self._complaint("resume_complaint", complaint_id, at)

    def resolve_complaint(
        self, complaint_id: int, *, resolution: str, at: Optional[datetime] = None
    ) -> Complaint:
        """Resolves an open or in-progress complaint; ``resolution`` is required. The time to resolve
        (working time less the paused time) is recorded."""
        return self._complaint("resolve_complaint", complaint_id, at, resolution=resolution)

    def close_complaint(self, complaint_id: int, *, at: Optional[datetime] = None) -> Complaint:
        """Closes a resolved complaint (final)."""
        return self._complaint("close_complaint", complaint_id, at)

    def reject_complaint(self, complaint_id: int, *, reason: str, at: Optional[datetime] = None) -> Complaint:
        """Rejects an open or in-progress complaint as unfounded (final); ``reason`` is required."""
        return self._complaint("reject_complaint", complaint_id, at, reason=reason)

    def reopen_complaint(self, complaint_id: int, *, at: Optional[datetime] = None) -> Complaint:
        """Reopens a resolved complaint (→ ``in_progress``): resolved in time, it gets the working time
        that was left of its resolution deadline, counted from now; resolved late, its priority's full
        resolution target afresh."""
        return self._complaint("reopen_complaint", complaint_id, at)

    def assign_complaint(
        self, complaint_id: int, manager_id: int, *, at: Optional[datetime] = None
    ) -> Complaint:
        """Gives a complaint that is not final to another (active) manager; its deadlines stay."""
        args = {
            "id": cv.integer("complaint_id", complaint_id),
            "manager": cv.integer("manager_id", manager_id),
            "at": cv.time("at", at),
        }
        return Complaint._from_json(self._call("assign_complaint", args, _MANAGER))

    def get_complaint(self, complaint_id: int) -> Complaint:
        """One complaint."""
        args = {"id": cv.integer("complaint_id", complaint_id)}
        return Complaint._from_json(self._call("get_complaint", args))

    def list_complaints(
        self,
        *,
        client_id: Optional[int] = None,
        owner_id: Optional[int] = None,
        status: Optional[ComplaintStatus] = None,
        after: Optional[int] = None,
        limit: int = 100,
    ) -> List[Complaint]:
        """A page of complaints, by id. Every filter that is given must hold."""
        query = {
            "client_id": cv.optional_integer("client_id", client_id),
            "owner_id": cv.optional_integer("owner_id", owner_id),
            "status": cv.optional_text("status", status),
            "page": _page(after, limit),
        }
        return _list_of(Complaint, self._call("list_complaints", {"query": query}))

    def iter_complaints(
        self,
        *,
        client_id: Optional[int] = None,
        owner_id: Optional[int] = None,
        status: Optional[ComplaintStatus] = None,
        page_size: int = 1000,
    ) -> Iterator[Complaint]:
        """Every complaint that passes the filters, by id, read ``page_size`` at a time."""
        return _pages(
            lambda after: self.list_complaints(
                client_id=client_id, owner_id=owner_id, status=status, after=after, limit=page_size
            ),
            page_size,
        )

    def set_complaint_sla(
        self,
        *,
        low: Optional[TargetsInput] = None,
        normal: Optional[TargetsInput] = None,
        high: Optional[TargetsInput] = None,
        critical: Optional[TargetsInput] = None,
        escalate_to: Optional[int] = None,
        at: Optional[datetime] = None,
    ) -> ComplaintSla:
        """Sets the complaint deadlines per priority, each a ``(first_response, resolution)`` pair of
        working time (``("2h", "16h")``); a priority left out takes its default (see ``complaint_sla``).
        ``escalate_to`` is who gets the escalation task of a breach (``None``: the complaint's owner).
        Complaints already open keep their deadlines. Returns the deadlines now in force."""
        settings: Dict[str, Any] = {}
        for name, value in (("low", low), ("normal", normal), ("high", high), ("critical", critical)):
            targets = cv.complaint_targets(name, value)
            if targets is not None:
                settings[name] = targets
        settings["escalate_to"] = cv.optional_integer("escalate_to", escalate_to)
        args = {"settings": settings, "at": cv.time("at", at)}
        return ComplaintSla._from_json(self._call("set_complaint_sla", args))

    def complaint_sla(self) -> ComplaintSla:
        """The complaint deadlines per priority, in working time (the defaults until set: critical 1h to
        respond and 8h to resolve, high 2h/16h, normal 4h/24h, low 8h/40h)."""
        return ComplaintSla._from_json(self._call("complaint_sla", {}))

    def complaint_report(self, start: Union[date, datetime], end: Union[date, datetime]) -> ComplaintReport:
        """The complaints of the UTC days ``start`` to ``end`` (inclusive): in total, per priority and per
        owner, the number opened and answered in time, resolved and resolved in time (and the share),
        rejected, and the median and 90th percentile time to resolve in working seconds."""
        query = {"start": cv.period_day("start", start), "end": cv.period_day("end", end)}
        return ComplaintReport._from_json(self._call("complaint_report", {"query": query}))

    # --- retention: tasks and the agenda ------------------------------------------------------------------

    def add_task(
        self,
        *,
        kind: str,
        title: str,
        manager_id: Optional[int] = None,
        client_id: Optional[int] = None,
        lead_id: Optional[int] = None,
        deal_id: Optional[int] = None,
        due: Optional[datetime] = None,
        at: Optional[datetime] = None,
    ) -> Task:
        """Adds a task (``kind`` a code: ``call_back``, ``send_offer``, ``visit``, ...) for a manager,
        about a client, lead or deal (a lead's or deal's client must be the client given; the client
        defaults to theirs), due at ``due`` or undated."""
        new = {
            "kind": cv.text("kind", kind),
            "title": cv.text("title", title),
            "manager_id": cv.optional_integer("manager_id", manager_id),
            "client_id": cv.optional_integer("client_id", client_id),
            "lead_id": cv.optional_integer("lead_id", lead_id),
            "deal_id": cv.optional_integer("deal_id", deal_id),
            "due_at": cv.optional_time("due", due),
        }
        return Task._from_json(self._call("add_task", {"new": new, "at": cv.time("at", at)}, _DUE))

    def complete_task(
        self,
        task_id: int,
        *,
        outcome: str,
        note: Optional[str] = None,
        activity_kind: Optional[ActivityKind] = None,
        direction: Optional[Direction] = None,
        at: Optional[datetime] = None,
    ) -> Task:
        """Completes an open task with its ``outcome`` (required): the outcome is recorded as an activity
        on the task's client, lead or deal by its manager (kind ``activity_kind``, by default a call for
        a task done by phone, a meeting for a visit, a document for an offer, else a note; direction
        out unless said; ``note`` as its body), and the task is done with the activity's id. A task
        already done or cancelled is an ``InvalidTransitionError``."""
        options = {
            "outcome": cv.text("outcome", outcome),
            "note": cv.optional_text("note", note),
            "activity_kind": cv.optional_text("activity_kind", activity_kind),
            "direction": cv.optional_text("direction", direction),
        }
        args = {"id": cv.integer("task_id", task_id), "options": options, "at": cv.time("at", at)}
        return Task._from_json(self._call("complete_task", args))

    def reschedule_task(
        self, task_id: int, *, due: Optional[datetime], at: Optional[datetime] = None
    ) -> Task:
        """Moves an open task's due time (``None``: undated)."""
        args = {
            "id": cv.integer("task_id", task_id),
            "due_at": cv.optional_time("due", due),
            "at": cv.time("at", at),
        }
        return Task._from_json(self._call("reschedule_task", args, _DUE))

    def agenda(self, manager_id: int, now: Optional[datetime] = None) -> Agenda:
        """What a manager must do at ``now``, most urgent first: open tasks overdue, due today (the
        manager's calendar day), upcoming (the next 7 days) and undated."""
        args = {"manager": cv.integer("manager_id", manager_id), "now": cv.time("now", now)}
        return Agenda._from_json(self._call("agenda", args, _MANAGER))

    # --- retention: dormancy ------------------------------------------------------------------------------
    # Each client is placed on a ladder (active → cooling → dormant → lost) against its own buying rhythm:
    # the expected gap between its purchase days. ``run_due`` moves clients; the segment field
    # ``dormancy`` reads the ladder.

    def set_dormancy_settings(
        self,
        *,
        min_gap_days: Optional[int] = None,
        cooling_after: Optional[float] = None,
        dormant_after: Optional[float] = None,
        lost_after: Optional[float] = None,
        single_cooling_days: Optional[int] = None,
        single_dormant_days: Optional[int] = None,
        single_lost_days: Optional[int] = None,
        at: Optional[datetime] = None,
    ) -> DormancySettings:
        """Sets how the ladder reads a rhythm; a setting left out takes its default (``dormancy_settings``
        on a new store). ``cooling_after``, ``dormant_after`` and ``lost_after`` are multiples of the
        expected gap (1.5, 3, 6), increasing; ``min_gap_days`` the gap's floor (7); the ``single_*_days``
        the flat rule of a client with one purchase day (60, 120, 365). Every placed client is
        recomputed by the next ``run_due``. Returns the settings now in force."""
        settings: Dict[str, Any] = {}
        for name, value in (
            ("min_gap_days", min_gap_days),
            ("single_cooling_days", single_cooling_days),
            ("single_dormant_days", single_dormant_days),
            ("single_lost_days", single_lost_days),
        ):
            if value is not None:
                settings[name] = cv.integer(name, value)
        for name, number in (
            ("cooling_after", cooling_after),
            ("dormant_after", dormant_after),
            ("lost_after", lost_after),
        ):
            if number is not None:
                settings[name] = cv.number(name, number)
        args = {"settings": settings, "at": cv.time("at", at)}
        return DormancySettings._from_json(self._call("set_dormancy_settings", args))

    def dormancy_settings(self) -> DormancySettings:
        """How the dormancy ladder reads a client's rhythm (the defaults until set)."""
        return DormancySettings._from_json(self._call("dormancy_settings", {}))

    def client_rhythm(self, client_id: int, *, as_of: Union[datetime, date, None] = None) -> Rhythm:
        """One client's buying rhythm as of ``as_of`` (a ``date`` is the end of that day; ``None`` now):
        its purchase days, the expected gap, days since the last purchase, the state by the rule and the
        one the last ``run_due`` stored, and the next rung with when it starts."""
        args = {"id": cv.integer("client_id", client_id), "as_of": cv.as_of("as_of", as_of)}
        return Rhythm._from_json(self._call("client_rhythm", args, _CLIENT))

    def dormancy_report(
        self, *, as_of: Union[datetime, date, None] = None, with_p_alive: bool = False
    ) -> DormancyReport:
        """Clients per state at ``as_of`` and one row per client with a completed order placed by then
        (by id), whether or not ``run_due`` ever ran: each client's state by the rule at ``as_of``, never
        above the state ``run_due`` stored once that rung was reached. With ``with_p_alive``, each
        client's P(alive) as of ``as_of``'s date (a BG/NBD fit over every client: costly on a big store;
        ``None`` when no model can be fitted)."""
        query = {"as_of": cv.as_of("as_of", as_of), "with_p_alive": cv.flag("with_p_alive", with_p_alive)}
        return DormancyReport._from_json(self._call("dormancy_report", {"query": query}))

    def dormancy_counts(self) -> DormancyCounts:
        """Clients per state as the last ``run_due`` left them."""
        return DormancyCounts._from_json(self._call("dormancy_counts", {}))

    # --- retention: rules and their report ----------------------------------------------------------------
    # A rule is a condition about clients (the segment language), an action and a cool-down; every
    # ``run_due`` runs the active rules. A store starts with five rules (``retention_rules()``).

    def add_retention_rule(
        self,
        *,
        name: str,
        condition: str,
        action: ActionInput,
        cooldown_days: int,
        daily_limit: Optional[int] = None,
        active: bool = True,
        at: Optional[datetime] = None,
    ) -> RetentionRule:
        """Adds a retention rule, or replaces the rule of the same ``name`` (keeping its id, so its
        cool-downs and its report carry on). ``condition`` is an expression about clients
        (``"dormancy = 'dormant' and abc = 'A'"``), evaluated as of each ``run_due``'s ``now``;
        ``action`` is a ``TaskAction``, ``TagAction``, ``MailingAction`` or ``ReassignAction`` (or a
        mapping with ``kind``); ``cooldown_days`` (at least 1) keeps the rule from acting on the same
        client again within that many days; ``daily_limit`` caps the clients it acts on per owner per
        UTC day (the rest wait for the next days, lowest id first), so a rule that suddenly matches many
        clients spreads the work. Adding the same rule again changes nothing."""
        new = {
            "name": cv.text("name", name),
            "condition": cv.text("condition", condition),
            "action": cv.rule_action("action", action),
            "cooldown_days": cv.integer("cooldown_days", cooldown_days),
            "daily_limit": cv.optional_integer("daily_limit", daily_limit),
            "active": cv.flag("active", active),
        }
        args = {"new": new, "at": cv.time("at", at)}
        return RetentionRule._from_json(self._call("add_retention_rule", args))

    def set_retention_rule_active(
        self, name: str, *, active: bool, at: Optional[datetime] = None
    ) -> RetentionRule:
        """Pauses (``active=False``) or resumes a rule by name."""
        args = {"name": cv.text("name", name), "active": cv.flag("active", active), "at": cv.time("at", at)}
        return RetentionRule._from_json(self._call("set_retention_rule_active", args))

    def remove_retention_rule(self, name: str, *, at: Optional[datetime] = None) -> RetentionRule:
        """Removes a rule by name and returns it; its tasks stay, and the retention report still lists
        them under its name."""
        args = {"name": cv.text("name", name), "at": cv.time("at", at)}
        return RetentionRule._from_json(self._call("remove_retention_rule", args))

    def retention_rules(self) -> List[RetentionRule]:
        """The retention rules in force (the defaults until changed), by id: the order ``run_due`` runs
        them."""
        return _list_of(RetentionRule, self._call("retention_rules", {}))

    def get_retention_rule(self, name: str) -> RetentionRule:
        """One retention rule in force, by name (``NotFoundError`` when there is none)."""
        return RetentionRule._from_json(self._call("get_retention_rule", {"name": cv.text("name", name)}))

    def retention_report(
        self, start: Union[date, datetime], end: Union[date, datetime], *, window_days: int = 30
    ) -> RetentionReport:
        """Did the retention work pay off, for the UTC days ``start`` to ``end`` (inclusive): per rule,
        per manager and in total, the tasks the rules made, how many were done, and how many were
        followed by a completed order of their client within ``window_days``; and the repeat-purchase
        rate of clients whose complaint was resolved within its deadlines against those whose was not."""
        query = {
            "start": cv.period_day("start", start),
            "end": cv.period_day("end", end),
            "window_days": cv.integer("window_days", window_days),
        }
        return RetentionReport._from_json(self._call("retention_report", {"query": query}))

    # --- import of spreadsheets ---------------------------------------------------------------------------
    # One import is one command: every row in a savepoint of its own (a bad row leaves nothing of itself and
    # never stops the good ones), the whole file in one transaction, a batch that ``undo_import`` takes back.

    def _import(
        self,
        *,
        path: Optional[str],
        data: Optional[bytes],
        kind: ImportKind,
        match_on: Optional[Sequence[MatchKey]],
        mapping: Optional[Mapping[str, Optional[str]]],
        dry_run: bool,
        all_or_nothing: bool,
        on_conflict: OnConflict,
        encoding: Optional[str],
        delimiter: Optional[str],
        sheet: Optional[str],
        header_row: Optional[int],
        file_name: Optional[str],
        default_source: Optional[str],
        progress: Optional[ProgressCallback],
        at: Optional[datetime],
    ) -> ImportReport:
        if progress is not None and not callable(progress):
            raise TypeError(f"progress: must be callable or None, not {type(progress).__name__}")
        options = {
            "kind": cv.text("kind", kind),
            "match_on": [] if match_on is None else cv.texts("match_on", match_on),
            "mapping": cv.column_mapping("mapping", mapping),
            "dry_run": cv.flag("dry_run", dry_run),
            "all_or_nothing": cv.flag("all_or_nothing", all_or_nothing),
            "on_conflict": cv.text("on_conflict", on_conflict),
            "encoding": cv.optional_text("encoding", encoding),
            "delimiter": cv.optional_text("delimiter", delimiter),
            "sheet": cv.optional_text("sheet", sheet),
            "header_row": cv.optional_integer("header_row", header_row),
            "file_name": cv.optional_text("file_name", file_name),
            "default_source": cv.optional_text("default_source", default_source),
        }
        args: Dict[str, Any] = {"options": options, "at": cv.time("at", at)}
        if path is not None:
            args["path"] = path
        return ImportReport._from_json(_loads(self._run_import(_dumps(args), data, progress)))

    def _run_import(self, args: str, data: Optional[bytes], progress: Optional[ProgressCallback]) -> str:
        raise NotImplementedError

    def import_csv(
        self,
        path: Union[str, os.PathLike[str]],
        *,
        kind: ImportKind = "clients",
        match_on: Optional[Sequence[MatchKey]] = None,
        mapping: Optional[Mapping[str, Optional[str]]] = None,
        dry_run: bool = False,
        all_or_nothing: bool = False,
        on_conflict: OnConflict = "report",
        encoding: Optional[str] = None,
        delimiter: Optional[str] = None,
        header_row: Optional[int] = None,
        default_source: Optional[str] = None,
        file_name: Optional[str] = None,
        progress: Optional[ProgressCallback] = None,
        at: Optional[datetime] = None,
    ) -> ImportReport:
        """Imports the CSV file at ``path``: clients, contacts, leads or orders (``kind``), one record per
        row (orders: one line per row; rows with the same order number make one order).

        The file is read as it comes from Excel or 1C: UTF-8 with or without a BOM, or Windows-1251
        (``encoding`` forces one); ``,``, ``;``, tab or ``|`` between cells (``delimiter`` forces one); the
        header row found below any title lines (``header_row``, 1-based, forces one); dates and amounts
        in local formats (``31.12.2025``, ``1 234,50``). Columns are mapped by ``mapping`` (header text
        → field; ``None`` or ``""`` ignores the column) and the rest guessed from their headers, in
        English, Ukrainian or Russian (``Назва``, ``Телефон``, ``ЄДРПОУ``, ``ИНН`` …). The format is
        read from the content, so an XLSX workbook passed here is imported too.

        Clients are upserted by the ``match_on`` keys, in order (default ``["external_ref", "tax_id",
        "email", "phone"]``), normalised as duplicates are: an existing client gets the fields it lacks,
        and a value that differs from the stored one is kept and reported in ``conflicts`` (written with
        ``on_conflict="overwrite"``). A bad row is reported in ``errors`` with its row, column and field
        and never stops the good ones — unless ``all_or_nothing``, when one bad row writes nothing.
        ``dry_run`` reports exactly what the import would do and writes nothing. A committed import is a
        batch (``report.batch_id``) that ``undo_import`` takes back. On a ``Crm`` the import is a
        transaction of its own, fit for a million rows; inside ``Crm.transaction`` it is a savepoint of
        the caller's transaction, and meant for small files (its cost grows faster than the rows).

        ``progress(done, total)`` is called after each chunk of rows (about every 1 %) and once at the
        end with ``(total, total)``, with the GIL held; returning ``False`` (only ``False``: ``None`` and
        anything else go on) cancels the import: nothing is written and ``report.cancelled`` is true. An
        exception raised by ``progress`` cancels it too, and is raised here. With tqdm::

            with tqdm(total=0, unit="row") as bar:
                report = crm.import_csv(
                    "clients.csv",
                    progress=lambda done, total: (setattr(bar, "total", total), bar.update(done - bar.n)),
                )

        Options that make no sense (an unknown field in ``mapping``, a mapping naming a header not in
        the file, a file of clients without a name column) raise ``ValidationError`` naming the option
        before anything is written; a file that cannot be read raises ``StorageError``.
        """
        return self._import(
            path=_path("path", path),
            data=None,
            kind=kind,
            match_on=match_on,
            mapping=mapping,
            dry_run=dry_run,
            all_or_nothing=all_or_nothing,
            on_conflict=on_conflict,
            encoding=encoding,
            delimiter=delimiter,
            sheet=None,
            header_row=header_row,
            file_name=file_name,
            default_source=default_source,
            progress=progress,
            at=at,
        )

    def import_xlsx(
        self,
        path: Union[str, os.PathLike[str]],
        *,
        kind: ImportKind = "clients",
        sheet: Optional[str] = None,
        match_on: Optional[Sequence[MatchKey]] = None,
        mapping: Optional[Mapping[str, Optional[str]]] = None,
        dry_run: bool = False,
        all_or_nothing: bool = False,
        on_conflict: OnConflict = "report",
        header_row: Optional[int] = None,
        default_source: Optional[str] = None,
        file_name: Optional[str] = None,
        progress: Optional[ProgressCallback] = None,
        at: Optional[datetime] = None,
    ) -> ImportReport:
        """Imports the XLSX workbook at ``path``: the sheet named ``sheet`` (the first when left out), as
        ``import_csv`` imports a CSV file (the same matching, report, dry run, progress and undo)."""
        return self._import(
            path=_path("path", path),
            data=None,
            kind=kind,
            match_on=match_on,
            mapping=mapping,
            dry_run=dry_run,
            all_or_nothing=all_or_nothing,
            on_conflict=on_conflict,
            encoding=None,
            delimiter=None,
            sheet=sheet,
            header_row=header_row,
            file_name=file_name,
            default_source=default_source,
            progress=progress,
            at=at,
        )

    def import_bytes(
        self,
        data: Union[bytes, bytearray, memoryview],
        *,
        kind: ImportKind = "clients",
        file_name: Optional[str] = None,
        match_on: Optional[Sequence[MatchKey]] = None,
        mapping: Optional[Mapping[str, Optional[str]]] = None,
        dry_run: bool = False,
        all_or_nothing: bool = False,
        on_conflict: OnConflict = "report",
        encoding: Optional[str] = None,
        delimiter: Optional[str] = None,
        sheet: Optional[str] = None,
        header_row: Optional[int] = None,
        default_source: Optional[str] = None,
        progress: Optional[ProgressCallback] = None,
        at: Optional[datetime] = None,
    ) -> ImportReport:
        """Imports a file held in memory (an upload): CSV or XLSX, told apart by the content, as
        ``import_csv`` and ``import_xlsx`` do. ``file_name`` is recorded in the batch."""
        if not isinstance(data, (bytes, bytearray, memoryview)):
            raise TypeError(f"data: must be bytes, not {type(data).__name__}")
        return self._import(
            path=None,
            data=data if isinstance(data, bytes) else bytes(data),
            kind=kind,
            match_on=match_on,
            mapping=mapping,
            dry_run=dry_run,
            all_or_nothing=all_or_nothing,
            on_conflict=on_conflict,
            encoding=encoding,
            delimiter=delimiter,
            sheet=sheet,
            header_row=header_row,
            file_name=file_name,
            default_source=default_source,
            progress=progress,
            at=at,
        )

    def undo_import(self, batch_id: int, *, at: Optional[datetime] = None) -> UndoReport:
        """Takes an import back: removes the clients, contacts and orders it created, closes the leads it
        created as junk (``test``; a lead's history is append-only), and gives the records it updated
        their values from before. When later changes depend on it, nothing is undone and
        ``report.blocked`` says which records (``report.undone`` is false). Undoing it twice is an
        ``InvalidTransitionError``."""
        args = {"id": cv.integer("batch_id", batch_id), "at": cv.time("at", at)}
        return UndoReport._from_json(self._call("undo_import", args, _BATCH))

    def get_import(self, batch_id: int) -> ImportBatch:
        """One committed import."""
        return ImportBatch._from_json(self._call("get_import", {"id": cv.integer("batch_id", batch_id)}))

    def list_imports(self) -> List[ImportBatch]:
        """Every committed import, by id."""
        return _list_of(ImportBatch, self._call("list_imports", {}))

    # --- web shop and ERP ports ---------------------------------------------------------------------------

    def record_web_order(
        self,
        order: Optional[Mapping[str, Any]] = None,
        *,
        id: Optional[str] = None,
        customer: Optional[Mapping[str, Any]] = None,
        total: Optional[Money] = None,
        lines: Iterable[Union[Mapping[str, Any], Tuple[str, int, Money]]] = (),
        shipping: Optional[Money] = None,
        currency: Optional[str] = None,
        status: Optional[OrderStatus] = None,
        utm: Optional[Mapping[str, Any]] = None,
        note: Optional[str] = None,
        shop: Optional[str] = None,
        placed_at: Optional[datetime] = None,
        at: Optional[datetime] = None,
    ) -> WebOrderResult:
        """Records an order as a web shop sends it: either ``order``, a dict as the shop's JSON has it
        (``{"id": "5531", "customer": {"name": ..., "phone": ..., "email": ...}, "lines": [{"sku": ...,
        "quantity": 2, "price": "100.00"}], "total": "245.90", "utm": {"source": "google", "medium":
        "cpc", "campaign": "winter"}}``; amounts as ``str``, ``Decimal`` or ``int``), or the same as
        keyword arguments (a line may then also be a ``(sku, quantity, price)`` tuple).

        Idempotent by the shop's order id (per ``shop``): the same order again returns the stored one
        with ``duplicate=True`` and writes nothing but a changed ``status``; other content under the same
        id is a ``ConflictError``. The order is matched to a client by phone and e-mail (or a new client
        is made), the UTM tags to a source (made when missing), and a new client's first order is also
        a lead converted into a won deal, so the funnel and the source report see it. ``total`` must
        equal the lines plus ``shipping`` (``ValidationError`` on ``total``)."""
        keywords: Dict[str, Any] = {
            key: value
            for key, value in (
                ("shop", shop),
                ("id", id),
                ("placed_at", placed_at),
                ("customer", customer),
                ("total", total),
                ("shipping", shipping),
                ("currency", currency),
                ("status", status),
                ("utm", utm),
                ("note", note),
            )
            if value is not None
        }
        if lines != ():
            keywords["lines"] = lines
        if order is None:
            order = keywords
        elif keywords:
            raise TypeError("record_web_order: pass the order as a dict or as keyword arguments, not both")
        new = cv.web_order("order", order)
        args = {"new": new, "at": cv.time("at", at)}
        return WebOrderResult._from_json(self._call("record_web_order", args))

    def upsert_counterparty(
        self,
        *,
        external_ref: str,
        name: Optional[str] = None,
        kind: Optional[ClientKind] = None,
        tax_id: Union[str, None, Keep] = KEEP,
        phone: Union[str, None, Keep] = KEEP,
        email: Union[str, None, Keep] = KEEP,
        website: Union[str, None, Keep] = KEEP,
        industry: Union[str, None, Keep] = KEEP,
        region: Union[str, None, Keep] = KEEP,
        address: Union[str, None, Keep] = KEEP,
        birth_date: Union[date, None, Keep] = KEEP,
        tags: Union[Sequence[str], Keep] = KEEP,
        attributes: Union[Mapping[str, Any], None, Keep] = KEEP,
        at: Optional[datetime] = None,
    ) -> Upserted[Client]:
        """Adds or updates a client from an ERP counterparty, keyed by its ``external_ref``
        (``"1C-000123"``). A known reference gets the fields given (an argument left out stays as it
        is, ``None`` clears it): ``action`` is ``"updated"``, or ``"unchanged"`` when nothing differed
        (nothing written). An unknown reference whose tax id is that of exactly one client without a
        reference links that client (``"updated"``; several are a ``ConflictError``). Else a new client
        is made (``"created"``; ``name`` is required, ``kind`` defaults to ``"company"``)."""
        new: Dict[str, Any] = {"external_ref": cv.text("external_ref", external_ref)}
        if name is not None:
            new["name"] = cv.text("name", name)
        if kind is not None:
            new["kind"] = cv.text("kind", kind)
        for field, value in (
            ("tax_id", tax_id),
            ("phone", phone),
            ("email", email),
            ("website", website),
            ("industry", industry),
            ("region", region),
            ("address", address),
        ):
            _patch(field, value, cv.text, new)
        _patch("birth_date", birth_date, cv.day, new)
        if tags is None:
            raise TypeError("tags: cannot be cleared with None; pass [] to remove every tag")
        _patch("tags", tags, cv.texts, new)
        if attributes is not KEEP:
            new["attributes"] = cv.mapping("attributes", attributes)
        data = self._call("upsert_counterparty", {"new": new, "at": cv.time("at", at)})
        return Upserted(record=Client._from_json(data["record"]), action=data["action"])

    def upsert_order(
        self,
        *,
        external_ref: str,
        counterparty_ref: str,
        total: Money,
        lines: Iterable[LineInput] = (),
        placed_at: Optional[datetime] = None,
        status: Optional[OrderStatus] = None,
        at: Optional[datetime] = None,
    ) -> Upserted[Order]:
        """Adds or corrects an order from an ERP, keyed by its ``external_ref``; the buyer is the client
        whose reference is ``counterparty_ref`` (``NotFoundError`` otherwise). A new reference is
        recorded at ``placed_at`` (default ``at``): ``"created"``. A known one as stored is
        ``"unchanged"`` (nothing written); one whose status, client, time, total or lines differ is
        corrected in place, the clients' rollups rebuilt: ``"updated"``. ``lines`` are ``(sku,
        quantity, unit_price)`` tuples (or ``OrderLine``); their sum must equal ``total``."""
        new = {
            "external_ref": cv.text("external_ref", external_ref),
            "counterparty_ref": cv.text("counterparty_ref", counterparty_ref),
            "total": cv.money("total", total),
            "lines": [
                cv.order_line(f"lines[{i}]", line) for i, line in enumerate(cv.iterable("lines", lines))
            ],
            "placed_at": cv.optional_time("placed_at", placed_at),
            "status": cv.optional_text("status", status),
        }
        data = self._call("upsert_order", {"new": new, "at": cv.time("at", at)})
        return Upserted(record=Order._from_json(data["record"]), action=data["action"])

    # --- telephony ----------------------------------------------------------------------------------------
    # The PBX's events go through ``record_call``: an answered call becomes an activity on the matched
    # client or lead, a missed call from an unknown number a lead with a call-back deadline, a missed call
    # from a client a call-back task for its owner. ``call_report`` shows where the lines are overloaded.

    def set_phone_extension(
        self, extension: str, *, manager_id: int, at: Optional[datetime] = None
    ) -> PhoneExtension:
        """Gives an internal extension (``"101"``) to an active manager; setting it again moves it."""
        args = {
            "manager": cv.integer("manager_id", manager_id),
            "extension": cv.text("extension", extension),
            "at": cv.time("at", at),
        }
        return PhoneExtension._from_json(self._call("set_phone_extension", args, _MANAGER))

    def remove_phone_extension(self, extension: str, *, at: Optional[datetime] = None) -> PhoneExtension:
        """Removes an extension and returns what it was (``NotFoundError`` when nobody has it). Calls
        already recorded keep their manager."""
        args = {"extension": cv.text("extension", extension), "at": cv.time("at", at)}
        return PhoneExtension._from_json(self._call("remove_phone_extension", args))

    def set_phone_line(
        self,
        line: str,
        *,
        source: Optional[int] = None,
        callback_within: Union[str, timedelta, None] = None,
        at: Optional[datetime] = None,
    ) -> PhoneLine:
        """Sets up a line (its advertised number, ``"+380441234567"``, or a trunk name), or replaces its
        set-up: the marketing ``source`` the number is advertised in (a lead from a missed call on it
        gets it), and how soon a missed call on it must be called back, in working time (``"30m"``,
        ``timedelta(hours=2)``; ``"1h"`` when left out)."""
        within = None if callback_within is None else cv.clock_time("callback_within", callback_within)
        new = {
            "line": cv.text("line", line),
            "source_id": cv.optional_integer("source", source),
            "callback_within": within,
        }
        args = {"new": new, "at": cv.time("at", at)}
        return PhoneLine._from_json(self._call("set_phone_line", args, _SOURCE))

    def record_call(
        self,
        *,
        call_id: str,
        event: CallEventKind,
        caller: str,
        direction: Direction = "in",
        line: Optional[str] = None,
        extension: Optional[str] = None,
        duration_seconds: Optional[int] = None,
        recording: Optional[str] = None,
        at: Optional[datetime] = None,
    ) -> Call:
        """Records one event of a call from the PBX (``"started"``, ``"answered"``, ``"missed"``,
        ``"finished"``) that happened at ``at``: ``call_id`` is the PBX's id of the call (every event of
        one call carries it; replaying an event changes nothing), ``caller`` the outside party's number
        in either direction, ``extension`` the manager's extension that answered or dialled.

        An answered call becomes an activity on the client or lead of the number; a missed inbound call
        from an unknown number becomes a lead with a call-back deadline (the line's ``callback_within``),
        from a known client a call-back task for its owner. An outbound call to the number calls the
        missed calls back."""
        new = {
            "call_id": cv.text("call_id", call_id),
            "event": cv.text("event", event),
            "at": cv.time("at", at),
            "direction": cv.text("direction", direction),
            "caller": cv.text("caller", caller),
            "line": cv.optional_text("line", line),
            "extension": cv.optional_text("extension", extension),
            "duration_seconds": cv.optional_integer("duration_seconds", duration_seconds),
            "recording": cv.optional_text("recording", recording),
        }
        return Call._from_json(self._call("record_call", {"new": new}))

    def list_phone_extensions(self) -> List[PhoneExtension]:
        """Every extension, by extension."""
        return _list_of(PhoneExtension, self._call("list_phone_extensions", {}))

    def list_phone_lines(self) -> List[PhoneLine]:
        """Every line set up, by line."""
        return _list_of(PhoneLine, self._call("list_phone_lines", {}))

    def get_call(self, call_id: int) -> Call:
        """One call, by the store's id (``Call.id``; the PBX's id is ``Call.call_id``)."""
        return Call._from_json(self._call("get_call", {"id": cv.integer("call_id", call_id)}))

    def list_calls(
        self,
        *,
        client_id: Optional[int] = None,
        lead_id: Optional[int] = None,
        line: Optional[str] = None,
        status: Optional[CallStatus] = None,
        after: Optional[int] = None,
        limit: int = 100,
    ) -> List[Call]:
        """A page of calls, by id. Every filter that is given must hold."""
        query = {
            "client_id": cv.optional_integer("client_id", client_id),
            "lead_id": cv.optional_integer("lead_id", lead_id),
            "line": cv.optional_text("line", line),
            "status": cv.optional_text("status", status),
            "page": _page(after, limit),
        }
        return _list_of(Call, self._call("list_calls", {"query": query}))

    def iter_calls(
        self,
        *,
        client_id: Optional[int] = None,
        lead_id: Optional[int] = None,
        line: Optional[str] = None,
        status: Optional[CallStatus] = None,
        page_size: int = 1000,
    ) -> Iterator[Call]:
        """Every call that passes the filters, by id, read ``page_size`` at a time."""
        return _pages(
            lambda after: self.list_calls(
                client_id=client_id, lead_id=lead_id, line=line, status=status, after=after, limit=page_size
            ),
            page_size,
        )

    def call_report(self, *, start: datetime, end: datetime, line: Optional[str] = None) -> CallReport:
        """Inbound calls started from ``start`` (included) to ``end`` (excluded), by line and hour of the
        day (in the store calendar's time zone; UTC without one): calls, answered, missed, and of the
        missed ones those called back by their deadline, later, or not (yet); the answer rate and the
        median wait to answer. ``line`` keeps one line."""
        query = {
            "start": cv.instant("start", start),
            "end": cv.instant("end", end),
            "line": cv.optional_text("line", line),
        }
        return CallReport._from_json(self._call("call_report", {"query": query}))


def _binary(file: Any) -> bool:
    """Whether a file object takes ``bytes``: by its class, else by its ``mode`` (``"wb"``)."""
    if isinstance(file, io.TextIOBase):
        return False
    if isinstance(file, (io.RawIOBase, io.BufferedIOBase)):
        return True
    mode = getattr(file, "mode", "")
    return isinstance(mode, str) and "b" in mode


def _pages(
    read: Callable[[Optional[int]], List[T]],
    page_size: int,
    key: Callable[[Any], int] = lambda row: row.id,
) -> Iterator[T]:
    """Walks keyset pages: each page starts after the last key of the one before; a short page is the
    last. The first page is read (and its arguments checked) when the iterator is first advanced."""
    cv.limit("page_size", page_size)

    def walk() -> Iterator[T]:
        after: Optional[int] = None
        while True:
            page = read(after)
            yield from page
            if len(page) < page_size:
                return
            after = key(page[-1])

    return walk()


class Transaction(_Commands):
    """Several commands as one, handed to the function given to ``Crm.transaction``: it has every command
    and reader of ``Crm``; the readers see the transaction's own writes.

    A command that fails inside leaves nothing of itself, so the function may catch its error and go on.
    The handle is valid only while that function runs, and only on its thread (``ConflictError``
    otherwise).
    """

    __slots__ = ("_tx",)

    def __init__(self, tx: _crmkit.Tx) -> None:
        self._tx = tx

    def _run(self, command: str, args: str) -> str:
        return self._tx.call(command, args)

    def _run_batch(self, args: str) -> List[Any]:
        return self._tx.record_orders(args)

    def _run_import(self, args: str, data: Optional[bytes], progress: Optional[ProgressCallback]) -> str:
        return self._tx.import_table(args, data, progress)

    @property
    def active(self) -> bool:
        """Whether the transaction is still running."""
        return self._tx.active

    def __repr__(self) -> str:
        return f"<crmkit.Transaction {'active' if self.active else 'over'}>"


class Crm(_Commands):
    """An open crmkit store: one SQLite file (or an in-memory store) with the whole client lifecycle.

    Open it with ``Crm.open(path)``; use it as a context manager to close it on exit. One ``Crm`` may be
    shared by threads: every call releases the GIL, and the calls queue on the store's connection.
    """

    __slots__ = ("_store", "_path")

    def __init__(self, store: _crmkit.Store, path: str) -> None:
        """Use ``Crm.open(path)``."""
        if not isinstance(store, _crmkit.Store):
            raise TypeError("open a store with crmkit.Crm.open(path)")
        self._store = store
        self._path = path

    @classmethod
    def open(cls, path: Union[str, os.PathLike[str]]) -> Crm:
        """Opens a store file, creating it if it does not exist and migrating it if it is older than this
        library. ``":memory:"`` opens a private in-memory store (gone when closed). A file written by a
        newer crmkit raises ``SchemaTooNewError``; a SQLite file of another application raises
        ``StorageError``; both are left untouched."""
        if not isinstance(path, (str, os.PathLike)):
            raise TypeError(f"path: must be a str or a path, not {type(path).__name__}")
        text = os.fspath(path)
        return cls(_crmkit.Store.open(text), text)

    def _run(self, command: str, args: str) -> str:
        return self._store.call(command, args)

    def _run_batch(self, args: str) -> List[Any]:
        return self._store.record_orders(args)

    def _run_import(self, args: str, data: Optional[bytes], progress: Optional[ProgressCallback]) -> str:
        return self._store.import_table(args, data, progress)

    @property
    def path(self) -> str:
        """The path the store was opened with."""
        return self._path

    @property
    def closed(self) -> bool:
        """Whether the store was closed."""
        return self._store.closed

    def close(self) -> None:
        """Closes the store: writes SQLite's log back into the file (so the file alone is complete) and
        releases it, after calls in flight on other threads finish. Closing twice does nothing; any other
        call on a closed store raises ``StorageError``."""
        self._store.close()

    def __enter__(self) -> Crm:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    def __repr__(self) -> str:
        state = " closed" if self.closed else ""
        return f"<crmkit.Crm {self._path!r}{state}>"

    def transaction(self, body: Callable[[Transaction], T], *, actor: Optional[str] = None) -> T:
        """Runs ``body(tx)`` as one transaction: all of its commands happen, or none does.

        Commits when ``body`` returns, and returns what it returned; rolls back when it raises, and
        raises the same exception. ``actor`` names the author in the event log for this transaction only
        (for a ``Crm`` shared by threads acting for different people). One transaction for many commands
        is also many times faster than one each.

        Inside ``body`` use ``tx``, not this ``Crm``: calling the store from inside its own transaction
        raises ``ConflictError`` (waiting for itself would never end).
        """
        if not callable(body):
            raise TypeError(f"body: must be callable, not {type(body).__name__}")
        actor = cv.optional_text("actor", actor)
        return self._store.transaction(lambda tx: body(Transaction(tx)), actor)

    def set_actor(self, actor: str) -> None:
        """Sets who the event log names as the author of the following commands (``"olena"``,
        ``"1C exchange"``); an empty name means ``"system"``."""
        self._store.set_actor(cv.text("actor", actor))

    @property
    def actor(self) -> str:
        """Who the event log names as the author of commands (``"system"`` unless set)."""
        return self._store.actor()

    def set_strict(self, strict: bool) -> None:
        """In strict mode a malformed phone, e-mail or tax id, or a stale reference in a captured lead, is
        refused with a ``ValidationError``/``NotFoundError`` instead of being stored with a warning. Off
        by default: a request is never lost for a typo."""
        self._store.set_strict(cv.flag("strict", strict))

    @property
    def strict(self) -> bool:
        """Whether strict mode is on."""
        return self._store.is_strict()

    def schema_version(self) -> int:
        """The schema version of the open store."""
        return self._store.schema_version()

    def integrity_check(self) -> List[str]:
        """SQLite's integrity check: ``["ok"]`` when the file is sound."""
        return self._store.integrity_check()
