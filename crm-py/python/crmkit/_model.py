"""The typed results of crmkit: frozen dataclasses built from what the core stores.

Every result compares by value (``==``), shows all its fields in its ``repr``, cannot be changed
(``dataclasses.FrozenInstanceError``), and has ``to_dict()``. Sequences inside a result are tuples; the
lists that readers return are lists. Money is ``decimal.Decimal`` with two decimals, times are aware
``datetime`` in UTC, days are ``datetime.date``, codes (statuses, kinds, channels) are plain strings.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import (
    Any,
    Callable,
    ClassVar,
    Dict,
    Generic,
    Iterator,
    List,
    Literal,
    Mapping,
    Optional,
    Sequence,
    Tuple,
    Type,
    TypeVar,
    Union,
    overload,
)

__all__ = [
    "Channel",
    "LeadStatus",
    "JunkKind",
    "ClientKind",
    "Quality",
    "ActivityKind",
    "Direction",
    "DealStatus",
    "OrderStatus",
    "Entity",
    "Subject",
    "FieldType",
    "Manager",
    "Source",
    "Spend",
    "LostReason",
    "Stage",
    "Client",
    "Contact",
    "Lead",
    "CaptureWarning",
    "Capture",
    "Conversion",
    "LeadTransition",
    "Activity",
    "Deal",
    "StageVisit",
    "OrderLine",
    "Order",
    "ClientRollup",
    "MonthRevenue",
    "Event",
    "Field",
    "Segment",
    "SegmentChange",
    "Match",
    "DuplicatePair",
    "MergeConflict",
    "Moved",
    "Merge",
    "DedupSettings",
    "Strategy",
    "AssignedVia",
    "SkipReason",
    "Escalation",
    "SlaState",
    "TaskStatus",
    "Calendar",
    "Absence",
    "RoutingRule",
    "SlaPolicy",
    "Skipped",
    "Assignment",
    "SlaStatus",
    "OwnershipSettings",
    "HandOver",
    "Task",
    "DueRun",
    "Span",
    "AbcClass",
    "AbcMeasure",
    "AbcRule",
    "XyzClass",
    "RfmTieRule",
    "RfmSegment",
    "AbcRow",
    "AbcClassSummary",
    "AbcSummary",
    "AbcReport",
    "XyzRow",
    "XyzReport",
    "AbcXyzCell",
    "AbcXyzMatrix",
    "RfmRow",
    "RfmSegmentSize",
    "RfmReport",
    "BgNbdParams",
    "PAliveRow",
    "PAliveReport",
    "RepeatReport",
    "PairRule",
    "PairReport",
    "Suggestion",
    "FunnelMode",
    "FunnelBy",
    "FunnelStepKind",
    "ReasonCount",
    "FunnelStep",
    "FunnelGroup",
    "FunnelReport",
    "SourceRow",
    "ForecastFigures",
    "ForecastMonth",
    "ForecastStage",
    "ForecastReport",
    "OfferRow",
    "ArgumentRow",
    "ObjectionRow",
    "OfferReport",
    "Plan",
    "PlanMonth",
    "ManagerRow",
    "PromiseStatus",
    "ComplaintPriority",
    "ComplaintStatus",
    "ComplaintMilestone",
    "DormancyState",
    "Assignee",
    "RuleActionKind",
    "Promise",
    "PromiseSettings",
    "Complaint",
    "ComplaintTargets",
    "ComplaintSla",
    "ComplaintBreach",
    "ComplaintFigures",
    "ComplaintPriorityRow",
    "ComplaintOwnerRow",
    "ComplaintReport",
    "Agenda",
    "DormancyChange",
    "DormancySettings",
    "Rhythm",
    "DormancyCounts",
    "DormancyRow",
    "DormancyReport",
    "TaskAction",
    "TagAction",
    "MailingAction",
    "ReassignAction",
    "RuleAction",
    "RetentionRule",
    "RuleFire",
    "TaskOutcome",
    "RuleOutcome",
    "ManagerOutcome",
    "RepeatOutcome",
    "RetentionReport",
    "ImportKind",
    "MatchKey",
    "OnConflict",
    "RowStatus",
    "RowOutcome",
    "RowError",
    "RowConflict",
    "ColumnMapping",
    "ImportReport",
    "ImportBatch",
    "UndoBlock",
    "UndoReport",
    "UpsertAction",
    "WebOrderResult",
    "Upserted",
    "CallEventKind",
    "CallStatus",
    "Call",
    "PhoneExtension",
    "PhoneLine",
    "CallFigures",
    "CallReportRow",
    "CallReport",
]

# Each set of codes is spelled as a Union of one-value Literals (not ``Literal["a", "b"]``, which means the
# same to a type checker) so that the runtime object is a Union too, as ``mypy.stubtest`` checks.
Channel = Union[
    Literal["phone"],
    Literal["web"],
    Literal["email"],
    Literal["shop"],
    Literal["ads"],
    Literal["referral"],
    Literal["cold_call"],
    Literal["walk_in"],
    Literal["messenger"],
    Literal["other"],
]
"""How a request reached the company, or what kind of marketing source it is."""
LeadStatus = Union[
    Literal["new"],
    Literal["in_progress"],
    Literal["qualified"],
    Literal["converted"],
    Literal["lost"],
    Literal["junk"],
]
"""Where a lead stands."""
JunkKind = Union[Literal["spam"], Literal["test"], Literal["duplicate"]]
"""Why a lead is junk."""
ClientKind = Union[Literal["company"], Literal["person"]]
"""A company or a private person."""
Quality = Union[Literal["valid"], Literal["invalid"]]
"""Whether a phone, e-mail or tax id was well-formed when stored (an invalid one is kept as given)."""
ActivityKind = Union[
    Literal["call"],
    Literal["email"],
    Literal["meeting"],
    Literal["message"],
    Literal["note"],
    Literal["document"],
]
"""What kind of contact an activity is."""
Direction = Union[Literal["in"], Literal["out"]]
"""Who started a contact: the client (``in``) or we (``out``)."""
DealStatus = Union[Literal["open"], Literal["won"], Literal["lost"]]
"""Whether a deal is open; won and lost are final."""
OrderStatus = Union[Literal["completed"], Literal["cancelled"], Literal["returned"]]
"""What became of an order; only completed orders count as revenue."""
Entity = Union[
    Literal["activity"],
    Literal["call"],
    Literal["client"],
    Literal["complaint"],
    Literal["contact"],
    Literal["deal"],
    Literal["import"],
    Literal["lead"],
    Literal["lost_reason"],
    Literal["manager"],
    Literal["order"],
    Literal["pipeline"],
    Literal["promise"],
    Literal["retention_rule"],
    Literal["routing_rule"],
    Literal["segment"],
    Literal["settings"],
    Literal["sla_policy"],
    Literal["source"],
    Literal["spend"],
    Literal["task"],
]
"""The kinds of record the event log knows (``history`` takes them; store-wide records such as the
pipeline or the duplicate settings use id 0)."""
Subject = Union[Literal["clients"], Literal["leads"]]
"""What an expression of the segment language is about: clients (segments) or leads (routing and
response-time conditions)."""
Strategy = Union[Literal["round_robin"], Literal["least_loaded"], Literal["weighted"]]
"""How a routing rule picks among the eligible managers: in turn, the fewest open leads relative to
capacity, or shares proportional to the managers' weights."""
AssignedVia = Union[
    Literal["given"],
    Literal["owner"],
    Literal["rule"],
    Literal["queued"],
    Literal["queue"],
    Literal["escalation"],
    Literal["reassign"],
    Literal["hand_over"],
]
"""How an assignment came about: the caller named the manager (``given``), the client's owner got it
(``owner``), a routing rule chose (``rule``), nobody could take it (``queued``), taken from the queue
(``queue``), a missed response deadline (``escalation``), a person reassigned it (``reassign``), or a
hand-over (``hand_over``)."""
SkipReason = Union[
    Literal["inactive"],
    Literal["absent"],
    Literal["off_hours"],
    Literal["at_capacity"],
    Literal["daily_cap"],
    Literal["lacking_skill"],
    Literal["other_region"],
    Literal["other_language"],
    Literal["excluded"],
]
"""Why a manager could not take a request."""
Escalation = Union[Literal["none"], Literal["reassign"], Literal["task"]]
"""What a response-time policy does when a deadline passes unanswered."""
SlaState = Union[
    Literal["none"], Literal["pending"], Literal["at_risk"], Literal["met"], Literal["breached"]
]
"""Where a lead stands against its first-response deadline (``none``: no policy applies)."""
TaskStatus = Union[Literal["open"], Literal["done"], Literal["cancelled"]]
"""Whether a task is still to do."""
FieldType = Union[
    Literal["text"],
    Literal["choice"],
    Literal["integer"],
    Literal["money"],
    Literal["date"],
    Literal["days"],
    Literal["hour"],
    Literal["weekday"],
    Literal["source"],
    Literal["manager"],
    Literal["client"],
    Literal["tags"],
    Literal["attribute"],
    Literal["probability"],
]
"""The type of a field an expression may name: which values and tests it takes (see ``Crm.fields``)."""
PromiseStatus = Union[Literal["open"], Literal["kept"], Literal["broken"], Literal["cancelled"]]
"""Where a promise stands: ``open`` until kept or cancelled by a person, or marked ``broken`` by
``run_due`` once its due time passed while open. A cancelled promise counts neither as kept nor broken."""
ComplaintPriority = Union[Literal["low"], Literal["normal"], Literal["high"], Literal["critical"]]
"""How urgent a complaint is; it sets the complaint's deadlines (see ``Crm.complaint_sla``)."""
ComplaintStatus = Union[
    Literal["open"], Literal["in_progress"], Literal["resolved"], Literal["closed"], Literal["rejected"]
]
"""Where a complaint stands: open → in progress → resolved → closed, or rejected (closed and rejected
are final)."""
ComplaintMilestone = Union[Literal["first_response"], Literal["resolution"]]
"""Which deadline of a complaint."""
DormancyState = Union[Literal["active"], Literal["cooling"], Literal["dormant"], Literal["lost"]]
"""A client's place on the dormancy ladder, against its own buying rhythm: buying as usual (``active``),
later than usual (``cooling``), well past its rhythm (``dormant``), gone as far as the rhythm tells
(``lost``)."""
Assignee = Union[Literal["owner"], int]
"""Who gets the task a retention rule makes: ``"owner"`` (the client's owner when the rule fires) or a
manager's id."""
RuleActionKind = Union[Literal["task"], Literal["tag"], Literal["mailing"], Literal["reassign"]]
"""What a retention rule does: make a task, tag the client, put it into a mailing list, reassign it."""

_R = TypeVar("_R", bound="_Result")


_fromisoformat = datetime.fromisoformat


def _time(text: str) -> datetime:
    """RFC 3339 UTC text as the core writes it (``2026-11-02T09:30:00Z``, ``...:00.123456789Z``); a
    fraction finer than a microsecond is cut, as ``datetime`` cannot hold it."""
    if text[19] == "Z":
        return _fromisoformat(text[:19] + "+00:00")
    # ``fromisoformat`` before Python 3.11 takes neither ``Z`` nor 3 or 9 decimals.
    return _fromisoformat(f"{text[:19]}.{text[20:-1][:6]:0<6}+00:00")


_day = date.fromisoformat


def _optional(convert: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda value: None if value is None else convert(value)


def _dict_value(value: Any) -> Any:
    if isinstance(value, _Result):
        return value.to_dict()
    if isinstance(value, tuple):
        return [_dict_value(v) for v in value]
    if isinstance(value, dict):
        return {k: _dict_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_dict_value(v) for v in value]
    return value


_BUILDERS: Dict[type, Callable[[Mapping[str, Any]], Any]] = {}


class _Result:
    """What every result shares: construction from the core's JSON and ``to_dict``.

    A subclass is a frozen dataclass; ``_convert`` says how a field is read from its JSON value (when it
    is not used as it is) and ``_members`` which JSON member a field is read from (when the names
    differ).
    """

    __slots__ = ()

    _convert: ClassVar[Dict[str, Callable[[Any], Any]]] = {}
    _members: ClassVar[Dict[str, str]] = {}

    @classmethod
    def _from_json(cls: Type[_R], data: Mapping[str, Any]) -> _R:
        builder = _BUILDERS.get(cls)
        if builder is None:
            builder = _BUILDERS[cls] = _builder(cls)
        result: _R = builder(data)
        return result

    def to_dict(self) -> Dict[str, Any]:
        """The fields as a plain ``dict``: nested results become dicts and tuples lists; values keep their
        types (``Decimal``, ``datetime``, ``date``)."""
        return {
            f.name: _dict_value(getattr(self, f.name))
            for f in dataclasses.fields(self)  # type: ignore[arg-type]
        }


def _builder(cls: type) -> Callable[[Mapping[str, Any]], Any]:
    """Writes the function that makes a ``cls`` from the core's JSON, field by field, as ``dataclasses``
    writes ``__init__``. The data comes from the core and is checked there, so the frozen instance is
    filled directly."""
    names: Dict[str, Any] = {"cls": cls, "new": object.__new__}
    values = []
    for f in dataclasses.fields(cls):
        member = cls._members.get(f.name, f.name)  # type: ignore[attr-defined]
        value = f"data[{member!r}]"
        convert = cls._convert.get(f.name)  # type: ignore[attr-defined]
        if convert is not None:
            names[f"convert_{f.name}"] = convert
            value = f"convert_{f.name}({value})"
        values.append(f"{f.name!r}: {value}")
    source = (
        "def build(data):\n"
        "    result = new(cls)\n"
        f"    result.__dict__.update({{{', '.join(values)}}})\n"
        "    return result\n"
    )
    exec(source, names)  # noqa: S102 - generated from the class's own field names
    built: Callable[[Mapping[str, Any]], Any] = names["build"]
    return built


_time_or_none = _optional(_time)
_day_or_none = _optional(_day)
_money_or_none = _optional(Decimal)


@dataclass(frozen=True)
class Manager(_Result):
    """A sales manager."""

    _convert = {"skills": tuple, "regions": tuple, "languages": tuple, "created_at": _time}

    id: int
    name: str
    email: Optional[str]
    team: Optional[str]
    active: bool
    """Whether the manager takes new work."""
    capacity: Optional[int]
    """The most open leads and deals this manager should hold; ``None`` means no limit."""
    daily_cap: Optional[int]
    """The most new requests routed to this manager per day (in the manager's calendar); ``None``: no
    cap."""
    weight: int
    """Relative share in weighted distribution (at least 1)."""
    skills: Tuple[str, ...]
    regions: Tuple[str, ...]
    languages: Tuple[str, ...]
    created_at: datetime


@dataclass(frozen=True)
class Source(_Result):
    """A marketing source (a campaign within it, when ``campaign`` is set)."""

    _convert = {"created_at": _time}

    id: int
    name: str
    channel: Channel
    campaign: Optional[str]
    created_at: datetime


@dataclass(frozen=True)
class Spend(_Result):
    """Money spent on a source, booked on one day."""

    _convert = {"on": _day, "amount": Decimal, "created_at": _time}

    id: int
    source_id: int
    on: date
    amount: Decimal
    note: Optional[str]
    created_at: datetime


@dataclass(frozen=True)
class LostReason(_Result):
    """A lost reason of the catalogue: ``code`` is what commands take, ``label`` what people read."""

    code: str
    label: str


@dataclass(frozen=True)
class Stage(_Result):
    """A stage of the deal pipeline."""

    code: str
    label: str
    probability: int
    """Win probability at this stage, in percent."""
    position: int
    """Position in the pipeline, from 0."""


@dataclass(frozen=True)
class Client(_Result):
    """A client: a company or a person. A malformed phone, e-mail or tax id is kept as given, with quality
    ``invalid``."""

    _convert = {"birth_date": _day_or_none, "tags": tuple, "created_at": _time, "updated_at": _time}

    id: int
    kind: ClientKind
    name: str
    tax_id: Optional[str]
    tax_id_quality: Optional[Quality]
    phone: Optional[str]
    phone_quality: Optional[Quality]
    email: Optional[str]
    email_quality: Optional[Quality]
    website: Optional[str]
    industry: Optional[str]
    region: Optional[str]
    address: Optional[str]
    birth_date: Optional[date]
    owner_id: Optional[int]
    tags: Tuple[str, ...]
    attributes: Any
    """Free attributes: a ``dict`` (or ``None``)."""
    external_ref: Optional[str]
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class Contact(_Result):
    """A person at a client."""

    _convert = {"phones": tuple, "emails": tuple, "created_at": _time}

    id: int
    client_id: int
    name: str
    position: Optional[str]
    phones: Tuple[str, ...]
    emails: Tuple[str, ...]
    created_at: datetime


@dataclass(frozen=True)
class Lead(_Result):
    """An incoming request and where it stands."""

    _convert = {
        "received_at": _time,
        "estimated_value": _money_or_none,
        "first_response_due": _time_or_none,
        "first_response_at": _time_or_none,
        "sla_breached_at": _time_or_none,
        "status_changed_at": _time,
        "updated_at": _time,
    }

    id: int
    status: LeadStatus
    channel: Channel
    source_id: Optional[int]
    received_at: datetime
    name: Optional[str]
    company: Optional[str]
    phone: Optional[str]
    phone_quality: Optional[Quality]
    email: Optional[str]
    email_quality: Optional[Quality]
    messenger: Optional[str]
    need: Optional[str]
    interest: Optional[str]
    region: Optional[str]
    language: Optional[str]
    estimated_value: Optional[Decimal]
    owner_id: Optional[int]
    client_id: Optional[int]
    deal_id: Optional[int]
    first_response_due: Optional[datetime]
    """The first-response deadline, in working time of the owner's calendar (set by a response-time
    policy)."""
    first_response_at: Optional[datetime]
    """When the first outbound contact happened (the first response)."""
    first_response_by: Optional[int]
    sla_policy: Optional[str]
    """The response-time policy that set ``first_response_due``."""
    sla_breached_at: Optional[datetime]
    """When ``run_due`` found the deadline passed unanswered."""
    queued_reason: Optional[str]
    """Why the lead waits in the queue for a manager (``None`` when it is not queued)."""
    lost_reason: Optional[str]
    junk_kind: Optional[JunkKind]
    close_note: Optional[str]
    external_ref: Optional[str]
    status_changed_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class CaptureWarning(_Result):
    """A problem with captured data that did not stop the capture (a malformed phone is stored and
    flagged). Not an exception and not a ``warnings`` category: it is part of the result."""

    field: str
    message: str


def _warnings(values: Any) -> Tuple[CaptureWarning, ...]:
    return tuple(CaptureWarning._from_json(v) for v in values)


@dataclass(frozen=True)
class Match(_Result):
    """An existing client that looks like the same party as a request or a probe."""

    _convert = {"keys": tuple}

    client_id: int
    score: float
    """How sure, from 0 to 1 (rounded to 4 decimals)."""
    keys: Tuple[str, ...]
    """The fields that agreed, strongest first (``"tax_id"``, ``"phone"``, ``"email"``, ``"name"``,
    ``"company"``, ``"birth_date"``, ``"address"``, ``"email_domain"``): why the score is what it is."""


def _matches(values: Any) -> Tuple[Match, ...]:
    return tuple(Match._from_json(v) for v in values)


@dataclass(frozen=True)
class Skipped(_Result):
    """A manager who could not take a request, and why."""

    manager_id: int
    reason: SkipReason
    detail: str
    """The figures behind it, for people (``12 open leads, capacity 12``; ``lacks skill 'wholesale'``)."""


def _skipped(values: Any) -> Tuple[Skipped, ...]:
    return tuple(Skipped._from_json(v) for v in values)


@dataclass(frozen=True)
class Assignment(_Result):
    """One decision about who works a lead (or owns a client): the manager, or the queue, and why."""

    _convert = {"at": _time, "skipped": _skipped}

    id: Optional[int]
    """Its id in the assignment log (a merge's ``moved.assignments`` names these); ``None`` when nothing
    was recorded (``assign_client`` to the manager who already owns the client)."""
    lead_id: Optional[int]
    """The lead, when the decision is about a lead."""
    client_id: Optional[int]
    """The client, when the decision is about a client's ownership (or the lead's client)."""
    at: datetime
    manager_id: Optional[int]
    """The manager chosen; ``None``: the lead is queued (``reason`` says why)."""
    previous_id: Optional[int]
    """The manager before (a reassignment, a hand-over, an escalation)."""
    via: AssignedVia
    rule_id: Optional[int]
    """The routing rule that matched, when one did."""
    rule: Optional[str]
    """Its name."""
    strategy: Optional[Strategy]
    """Its strategy."""
    reason: str
    """Why this manager (or why nobody), for people."""
    skipped: Tuple[Skipped, ...]
    """The candidates passed over, and why."""


def _assignments(values: Any) -> Tuple[Assignment, ...]:
    return tuple(Assignment._from_json(v) for v in values)


_assignment_or_none = _optional(Assignment._from_json)


@dataclass(frozen=True)
class Capture(_Result):
    """The result of ``capture_lead``: the stored lead, what was wrong with the data, and the existing
    clients the sender looks like."""

    _convert = {
        "lead": Lead._from_json,
        "warnings": _warnings,
        "matches": _matches,
        "assignment": _assignment_or_none,
    }

    lead: Lead
    warnings: Tuple[CaptureWarning, ...]
    matches: Tuple[Match, ...]
    """Existing clients that look like the sender, best first (scoring at least the ``suggest``
    setting); empty when the request named its client."""
    auto_linked: bool
    """Whether the lead was linked to the best match automatically (its score reached ``auto_link`` and
    no other match did); a weaker match is left for a person to decide."""
    assignment: Optional[Assignment]
    """Who got the lead and why (the rule, the strategy, who was passed over), or why it is queued
    (``manager_id`` ``None``). ``None`` when nothing was decided: the same request was captured
    before, or the store has no routing rule and the request no owner (the host assigns it; routing is
    on once a rule exists)."""


@dataclass(frozen=True)
class Conversion(_Result):
    """The result of ``convert_lead``: the client the lead now belongs to and the deal opened."""

    _convert = {"client": Client._from_json}

    lead_id: int
    client_id: int
    deal_id: int
    client_created: bool
    """Whether the conversion made a new client (``False``: an existing one was linked)."""
    client: Client


@dataclass(frozen=True)
class LeadTransition(_Result):
    """A recorded change of a lead's status (the capture itself is the first: from ``None`` to
    ``new``)."""

    _convert = {"at": _time}
    _members = {"from_status": "from", "to_status": "to"}

    lead_id: int
    from_status: Optional[LeadStatus]
    to_status: LeadStatus
    at: datetime
    actor: str
    reason: Optional[str]
    """The lost reason code or junk kind, when there is one."""


@dataclass(frozen=True)
class Activity(_Result):
    """A call, e-mail, meeting, message, note or document sent."""

    _convert = {"at": _time}

    id: int
    kind: ActivityKind
    direction: Optional[Direction]
    lead_id: Optional[int]
    client_id: Optional[int]
    deal_id: Optional[int]
    manager_id: Optional[int]
    at: datetime
    subject: Optional[str]
    body: Optional[str]
    outcome: Optional[str]
    document_ref: Optional[str]
    duration_seconds: Optional[int]
    offer: Optional[str]
    """The code of the commercial offer or template the document or e-mail carried
    (``"KP-wholesale-2026"``); the offer report counts sends and later sales by it."""
    objection: Optional[str]
    """The code of an objection met (``"too_expensive"``, ``"has_supplier"``)."""
    argument: Optional[str]
    """The code of the argument used against the objection (``"delivery_included"``)."""


@dataclass(frozen=True)
class Deal(_Result):
    """A deal in the pipeline."""

    _convert = {
        "amount": Decimal,
        "expected_close": _day_or_none,
        "created_at": _time,
        "closed_at": _time_or_none,
        "stage_changed_at": _time,
    }

    id: int
    client_id: int
    lead_id: Optional[int]
    title: str
    amount: Decimal
    stage: str
    """The current stage, or for a closed deal the stage it was closed from."""
    status: DealStatus
    owner_id: Optional[int]
    expected_close: Optional[date]
    lost_reason: Optional[str]
    lost_note: Optional[str]
    created_at: datetime
    closed_at: Optional[datetime]
    stage_changed_at: datetime


@dataclass(frozen=True)
class StageVisit(_Result):
    """One entry of a deal's stage history: the deal entered ``stage`` with ``status`` at ``at``."""

    _convert = {"at": _time}

    deal_id: int
    stage: str
    status: DealStatus
    at: datetime
    actor: str


@dataclass(frozen=True)
class OrderLine(_Result):
    """One line of an order; also accepted as input by ``record_order``."""

    _convert = {"unit_price": Decimal}

    sku: str
    quantity: int
    unit_price: Decimal


def _lines(values: Any) -> Tuple[OrderLine, ...]:
    return tuple(OrderLine._from_json(v) for v in values)


@dataclass(frozen=True)
class Order(_Result):
    """An order with its lines."""

    _convert = {"ordered_at": _time, "total": Decimal, "lines": _lines}

    id: int
    client_id: int
    ordered_at: datetime
    status: OrderStatus
    total: Decimal
    lines: Tuple[OrderLine, ...]
    deal_id: Optional[int]
    external_ref: Optional[str]


@dataclass(frozen=True)
class ClientRollup(_Result):
    """A client's purchase totals over completed orders."""

    _convert = {"revenue": Decimal, "first_order_at": _time_or_none, "last_order_at": _time_or_none}

    client_id: int
    revenue: Decimal
    orders: int
    first_order_at: Optional[datetime]
    last_order_at: Optional[datetime]
    purchase_days: int
    """Distinct UTC days with a completed order (same-day orders count once)."""


@dataclass(frozen=True)
class MonthRevenue(_Result):
    """A client's revenue in one calendar month (UTC)."""

    _convert = {"revenue": Decimal, "last_order_at": _time_or_none}

    client_id: int
    month: str
    """The month as ``YYYY-MM``."""
    revenue: Decimal
    orders: int
    days: int
    """Distinct UTC days of the month with a completed order."""
    last_order_at: Optional[datetime]
    """The time of the month's last completed order."""


@dataclass(frozen=True)
class Event(_Result):
    """One entry of the append-only event log: the audit trail and the change feed."""

    _convert = {"at": _time}

    seq: int
    """Sequence number: strictly increasing, never reused."""
    at: datetime
    actor: str
    entity: str
    entity_id: int
    kind: str
    data: Any
    """Details, as decoded JSON."""


@dataclass(frozen=True)
class Field(_Result):
    """A field an expression of the segment language may name (``Crm.fields`` lists them)."""

    _convert = {"values": tuple}

    name: str
    """The name as written in expressions (``attributes.<key>`` stands for every attribute key)."""
    type: FieldType
    """Which values and tests the field takes: ``"text"``, ``"money"``, ``"date"``, ..."""
    values: Tuple[str, ...]
    """For a ``"choice"``, the codes it takes; empty otherwise."""
    nullable: bool
    """Whether the value may be missing (``is null`` can be true)."""
    doc: str
    """What the field means."""


@dataclass(frozen=True)
class Segment(_Result):
    """A segment of clients saved under a name: an expression of the segment language."""

    _convert = {"created_at": _time, "updated_at": _time, "refreshed_at": _time_or_none}

    id: int
    name: str
    expression: str
    """The expression, as it was saved."""
    created_at: datetime
    updated_at: datetime
    """When the expression last changed."""
    refreshed_at: Optional[datetime]
    """The ``as_of`` of the last ``refresh_segment``, if any."""
    members: int
    """How many members the last refresh found (0 before the first)."""


@dataclass(frozen=True)
class SegmentChange(_Result):
    """What ``refresh_segment`` found: who entered and who left the segment since its last refresh
    (everyone entered on the first). Each is also an event on the client: ``segment_entered`` or
    ``segment_left``, dated ``as_of``."""

    _convert = {"as_of": _time, "entered": tuple, "left": tuple}

    segment_id: int
    name: str
    as_of: datetime
    entered: Tuple[int, ...]
    """Ids of the clients now in the segment who were not at the last refresh, ascending."""
    left: Tuple[int, ...]
    """Ids of the clients no longer in it, ascending."""
    members: int
    """How many members it has now."""


@dataclass(frozen=True)
class DuplicatePair(_Result):
    """Two clients that look like the same party (``Crm.duplicate_pairs``)."""

    _convert = {"keys": tuple}

    a: int
    """The smaller client id."""
    b: int
    """The larger client id."""
    score: float
    """How sure, from 0 to 1 (rounded to 4 decimals)."""
    keys: Tuple[str, ...]
    """The fields that agreed, as in ``Match.keys``."""


@dataclass(frozen=True)
class MergeConflict(_Result):
    """A field where two merged clients disagreed: the kept client's value stayed; the merged one's is
    kept here (and as a contact, for a phone or an e-mail)."""

    field: str
    kept: str
    merged: str


@dataclass(frozen=True)
class Moved(_Result):
    """The ids of the records a merge moved from the merged client to the kept one."""

    _convert = {
        "contacts": tuple,
        "leads": tuple,
        "deals": tuple,
        "activities": tuple,
        "orders": tuple,
        "tasks": tuple,
        "assignments": tuple,
        "promises": tuple,
        "complaints": tuple,
    }

    contacts: Tuple[int, ...]
    leads: Tuple[int, ...]
    deals: Tuple[int, ...]
    activities: Tuple[int, ...]
    orders: Tuple[int, ...]
    """The kept client's rollups were recomputed with these."""
    tasks: Tuple[int, ...]
    """Tasks about the client."""
    assignments: Tuple[int, ...]
    """Entries of the assignment log about the client (their ``Assignment.id``)."""
    promises: Tuple[int, ...] = ()
    """Promises made to the client."""
    complaints: Tuple[int, ...] = ()
    """The client's complaints."""


def _conflicts(values: Any) -> Tuple[MergeConflict, ...]:
    return tuple(MergeConflict._from_json(v) for v in values)


@dataclass(frozen=True)
class Merge(_Result):
    """A merge of two clients, as recorded: enough to undo it exactly (``Crm.unmerge``)."""

    _convert = {
        "at": _time,
        "filled": tuple,
        "conflicts": _conflicts,
        "added_tags": tuple,
        "moved": Moved._from_json,
        "undone_at": _time_or_none,
    }

    id: int
    """Give it to ``unmerge``."""
    kept_id: int
    """The client that stayed."""
    merged_id: int
    """The client merged into it (not found, saying where it went, until the merge is undone)."""
    at: datetime
    actor: str
    filled: Tuple[str, ...]
    """The kept client's fields that were empty and were filled from the merged one."""
    conflicts: Tuple[MergeConflict, ...]
    """The fields where the two disagreed."""
    added_tags: Tuple[str, ...]
    """The tags the kept client gained."""
    contact_id: Optional[int]
    """The contact made from the merged client's own phone and e-mail, when they differed."""
    moved: Moved
    undone_at: Optional[datetime]
    """When the merge was undone, if it was."""


@dataclass(frozen=True)
class DedupSettings(_Result):
    """How duplicates are found; stored in the file, the same for every program that opens it."""

    auto_link: float
    """A capture whose best match scores at least this (and is the only one that does) is linked to that
    client automatically (default 0.9)."""
    suggest: float
    """Matches scoring at least this are returned by a capture and by ``find_duplicates`` (default
    0.5)."""
    key_limit: int
    """A matching key (a phone, an e-mail, a name) shared by more than this many clients stops counting:
    a shared office phone says nothing about who is who (default 20)."""
    default_country: str
    """The country a phone written without a country code is read in, ISO 3166 alpha-2 (default
    ``"UA"``)."""


Span = Tuple[str, str]
"""A working span of local times, ``("09:00", "18:00")``: half-open, ``24:00`` may end it."""


def _spans(values: Any) -> Tuple[Span, ...]:
    return tuple((start, end) for start, end in values)


def _week(values: Any) -> Dict[str, Tuple[Span, ...]]:
    return {key: _spans(spans) for key, spans in values.items()}


def _special_days(values: Any) -> Dict[date, Tuple[Span, ...]]:
    return {_day(key): _spans(spans) for key, spans in values.items()}


@dataclass(frozen=True)
class Calendar(_Result):
    """A working calendar as stored: deadlines and working-hours rules count time in it."""

    _convert = {
        "working_hours": _week,
        "holidays": lambda values: tuple(_day(v) for v in values),
        "days": _special_days,
    }

    timezone: str
    """An IANA time zone name (``Europe/Kyiv``)."""
    working_hours: Dict[str, Tuple[Span, ...]]
    """Working spans by weekday key (``mon-fri``, ``sat``); a weekday not named is a day off."""
    holidays: Tuple[date, ...]
    """Days off."""
    days: Dict[date, Tuple[Span, ...]]
    """Special days with their own spans (none: a day off); they override the weekday and holidays."""


@dataclass(frozen=True)
class Absence(_Result):
    """A period a manager is away (vacation, sick leave): no new requests meanwhile."""

    _convert = {"start": _day, "end": _day, "created_at": _time}

    id: int
    manager_id: int
    start: date
    """The first day away (in the manager's calendar)."""
    end: date
    """The last day away, inclusive."""
    reason: Optional[str]
    created_at: datetime


@dataclass(frozen=True)
class RoutingRule(_Result):
    """A routing rule: which leads it takes (``when``), which managers are candidates, how it picks."""

    _convert = {"managers": tuple, "skills": tuple, "created_at": _time, "updated_at": _time}

    id: int
    name: str
    priority: int
    """Rules are tried by ascending priority, then by id; the first whose condition holds wins."""
    when: Optional[str]
    """The condition about the lead, in canonical form; ``None`` for a catch-all."""
    team: Optional[str]
    managers: Tuple[int, ...]
    strategy: Strategy
    skills: Tuple[str, ...]
    match_region: bool
    match_language: bool
    working_hours_only: bool
    created_at: datetime
    updated_at: datetime


def _share(basis_points: int) -> float:
    return basis_points / 10000


@dataclass(frozen=True)
class SlaPolicy(_Result):
    """A first-response policy: the deadline a lead gets, in working time, and what a breach does."""

    _convert = {"at_risk": _share, "created_at": _time, "updated_at": _time}
    _members = {"at_risk": "at_risk_bp"}

    id: int
    name: str
    when: Optional[str]
    """The condition in canonical form; ``None`` for the default policy (tried last)."""
    priority: int
    first_response: str
    """The target in canonical text (``2h``, ``1h30m``)."""
    first_response_secs: int
    """The target in seconds of working time."""
    at_risk: float
    """The share of the target after which an unanswered lead is at risk (0.8 = 80 %)."""
    escalation: Escalation
    escalate_to: Optional[int]
    """Who gets the escalation task."""
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class SlaStatus(_Result):
    """Where a lead stands against its first-response deadline."""

    _convert = {"due": _time_or_none, "responded_at": _time_or_none}

    lead_id: int
    state: SlaState
    policy: Optional[str]
    """The policy that set the deadline."""
    due: Optional[datetime]
    responded_at: Optional[datetime]
    used_secs: int
    """Working time used so far (until the response, or until now), in seconds."""
    left_secs: int
    """Working time left until the deadline, in seconds (negative once overdue: the overrun)."""
    used_share: float
    """Share of the target used (1.0 = all of it)."""


@dataclass(frozen=True)
class OwnershipSettings(_Result):
    """Ownership rules of the store."""

    lock_days: int
    """A client stays locked to its owner for this many days after the last meaningful contact; 0: no
    lock."""


@dataclass(frozen=True)
class HandOver(_Result):
    """What ``hand_over`` did."""

    _convert = {"assignments": _assignments, "deals_moved": tuple}

    manager_id: int
    """The manager whose work moved."""
    assignments: Tuple[Assignment, ...]
    """One decision per lead and per client, leads first, each by id."""
    deals_moved: Tuple[int, ...]
    """Open deals that followed their client to its new owner."""


@dataclass(frozen=True)
class Task(_Result):
    """A to-do item for a manager: added by a person (``Crm.add_task``) or made by ``run_due`` (an
    escalation, a promise's reminder, a retention rule's task)."""

    _convert = {"due_at": _time_or_none, "created_at": _time, "closed_at": _time_or_none}

    id: int
    kind: str
    """What kind, a code: ``sla_escalation`` (a missed first response), ``queued_lead`` (a lead waits for
    a manager), ``promise`` (a promise comes due), ``complaint_escalation`` (a complaint deadline
    missed), a retention rule's kind (``reactivate``, ``thank_you``, ...) or one given to ``add_task``."""
    title: str
    manager_id: Optional[int]
    client_id: Optional[int]
    lead_id: Optional[int]
    deal_id: Optional[int]
    due_at: Optional[datetime]
    status: TaskStatus
    origin: Optional[str]
    """What made it (``sla:lead:17``): one task per origin, so running the rules twice makes one task."""
    created_at: datetime
    closed_at: Optional[datetime]
    """When it was done or cancelled (``Crm.close_task``, ``Crm.complete_task``); ``None`` while open."""
    rule_id: Optional[int] = None
    """The retention rule that made it."""
    promise_id: Optional[int] = None
    """The promise it reminds of."""
    complaint_id: Optional[int] = None
    """The complaint it is about (an escalation of a missed deadline)."""
    outcome: Optional[str] = None
    """What came of it, as recorded by ``Crm.complete_task``."""
    activity_id: Optional[int] = None
    """The activity that recorded its outcome."""


def _tasks(values: Any) -> Tuple[Task, ...]:
    return tuple(Task._from_json(v) for v in values)


@dataclass(frozen=True)
class ComplaintBreach(_Result):
    """A complaint deadline ``run_due`` found passed: marked breached (an event) and escalated by a
    ``complaint_escalation`` task."""

    _convert = {"due": _time}

    complaint_id: int
    milestone: ComplaintMilestone
    due: datetime
    """The deadline that passed."""
    escalated_to: Optional[int]
    """Who the escalation task went to (``ComplaintSla.escalate_to``, else the complaint's owner);
    ``None``: the task has no manager."""


def _complaint_breaches(values: Any) -> Tuple[ComplaintBreach, ...]:
    return tuple(ComplaintBreach._from_json(v) for v in values)


@dataclass(frozen=True)
class DormancyChange(_Result):
    """A client's move on the dormancy ladder, found by ``run_due``."""

    _members = {"from_state": "from", "to_state": "to"}

    client_id: int
    from_state: Optional[DormancyState]
    """Where it was (``None``: not placed on the ladder before)."""
    to_state: DormancyState
    """Where it is now."""


def _dormancy_changes(values: Any) -> Tuple[DormancyChange, ...]:
    return tuple(DormancyChange._from_json(v) for v in values)


@dataclass(frozen=True)
class RuleFire(_Result):
    """A retention rule acting on one client in a ``run_due``."""

    rule_id: int
    rule: str
    """The rule's name."""
    client_id: int
    task_id: Optional[int]
    """The task it made, when its action makes one."""


def _rule_fires(values: Any) -> Tuple[RuleFire, ...]:
    return tuple(RuleFire._from_json(v) for v in values)


@dataclass(frozen=True)
class DueRun(_Result):
    """What ``run_due`` did: lead breaches by deadline (then id), complaint breaches by deadline (then id),
    dormancy moves by client id, rule fires by rule then client, the other sequences in the order they
    were made."""

    _convert = {
        "at": _time,
        "breached": tuple,
        "escalations": _assignments,
        "tasks": _tasks,
        "assigned": _assignments,
        "complaints_breached": _complaint_breaches,
        "promises_reminded": tuple,
        "promises_broken": tuple,
        "dormancy": _dormancy_changes,
        "fired": _rule_fires,
    }

    at: datetime
    """The time it ran for."""
    breached: Tuple[int, ...]
    """Leads whose first-response deadline passed unanswered (marked breached now)."""
    escalations: Tuple[Assignment, ...]
    """Reassignments made by escalation."""
    tasks: Tuple[Task, ...]
    """Tasks created: escalations of leads and complaints, promise reminders, retention rules' tasks."""
    assigned: Tuple[Assignment, ...]
    """Queued leads that found a manager."""
    complaints_breached: Tuple[ComplaintBreach, ...] = ()
    """Complaint deadlines found passed (first response or resolution)."""
    promises_reminded: Tuple[int, ...] = ()
    """Open promises coming due (within ``PromiseSettings.remind_before``): a reminder task each for the
    manager who made it."""
    promises_broken: Tuple[int, ...] = ()
    """Open promises found past their due time: now broken."""
    dormancy: Tuple[DormancyChange, ...] = ()
    """Clients that moved on the dormancy ladder."""
    fired: Tuple[RuleFire, ...] = ()
    """What the retention rules did."""

    def is_empty(self) -> bool:
        """Whether the run did nothing at all: what a second run at the same time returns."""
        return not (
            self.breached
            or self.escalations
            or self.tasks
            or self.assigned
            or self.complaints_breached
            or self.promises_reminded
            or self.promises_broken
            or self.dormancy
            or self.fired
        )


def _list_of(cls: Type[_R], values: List[Any]) -> List[_R]:
    return [cls._from_json(v) for v in values]


# --- analytics -------------------------------------------------------------------------------------------

AbcClass = Union[Literal["A"], Literal["B"], Literal["C"]]
"""An ABC class: ``A`` the clients making the first 80 % (by default) of the total, ``B`` the next part up
to 95 %, ``C`` the tail."""
AbcMeasure = Union[Literal["revenue"], Literal["orders"]]
"""What ABC ranks clients by: revenue of completed orders, or their number."""
AbcRule = Union[Literal["inclusive"], Literal["exclusive"], Literal["tie_group"]]
"""Which cumulative share decides a client's class: including the client itself (``inclusive``), before
it, so the client crossing a threshold stays in the upper class (``exclusive``), or at the end of its group
of equal values, so equal values share a class (``tie_group``)."""
XyzClass = Union[Literal["X"], Literal["Y"], Literal["Z"]]
"""An XYZ class: steady (``X``), fluctuating (``Y``) or irregular (``Z``) monthly revenue."""
RfmTieRule = Union[Literal["ntile"], Literal["tie_shared"]]
"""How RFM quintile scores treat equal values: SQL ``NTILE(5)`` with the client id breaking ties
(``ntile``, every score the same size ±1), or equal values sharing the score of their group's first
position (``tie_shared``)."""
RfmSegment = Union[
    Literal["champions"],
    Literal["loyal"],
    Literal["potential"],
    Literal["new"],
    Literal["at_risk"],
    Literal["cant_lose"],
    Literal["hibernating"],
    Literal["lost"],
]
"""A named RFM segment, from the R and F scores (best first)."""

_T = TypeVar("_T")


def _cents(minor: int) -> Decimal:
    """Minor units (cents) as a ``Decimal`` with two decimals: ``1177`` → ``Decimal("11.77")``."""
    return Decimal(minor).scaleb(-2)


class _Rows(Sequence[_T]):
    """A report that reads like the list of its rows: ``len``, iteration, indexing and slicing (a slice
    is a tuple) go to the field named by ``_items``."""

    __slots__ = ()

    _items: ClassVar[str] = "rows"

    def _sequence(self) -> Tuple[_T, ...]:
        items: Tuple[_T, ...] = getattr(self, self._items)
        return items

    def __len__(self) -> int:
        return len(self._sequence())

    @overload
    def __getitem__(self, index: int) -> _T: ...

    @overload
    def __getitem__(self, index: slice) -> Tuple[_T, ...]: ...

    def __getitem__(self, index: Union[int, slice]) -> Union[_T, Tuple[_T, ...]]:
        return self._sequence()[index]

    def __iter__(self) -> Iterator[_T]:
        return iter(self._sequence())


@dataclass(frozen=True)
class AbcRow(_Result):
    """One client's place in an ABC ranking."""

    client_id: int
    value: Union[Decimal, int]
    """What the client is ranked by: its revenue in the period (``Decimal``) when the measure is
    ``"revenue"``, its number of completed orders (``int``) when it is ``"orders"``."""
    share: float
    """The value over the total of every client (0 when the total is 0)."""
    cumulative_share: float
    """The shares of every client ranked up to and including this one."""
    klass: AbcClass
    """``"A"``, ``"B"`` or ``"C"`` under the rule asked for."""


@dataclass(frozen=True)
class AbcClassSummary(_Result):
    """The totals of one ABC class."""

    count: int
    """Clients in the class."""
    value: Union[Decimal, int]
    """The sum of their values (``Decimal`` revenue, or ``int`` orders, as the rows)."""
    share: float
    """That sum over the total."""


@dataclass(frozen=True)
class AbcSummary(_Result):
    """The totals of classes A, B and C."""

    a: AbcClassSummary
    b: AbcClassSummary
    c: AbcClassSummary

    def of(self, klass: AbcClass) -> AbcClassSummary:
        """The totals of one class, by its letter."""
        if klass not in ("A", "B", "C"):
            raise ValueError(f"klass: must be 'A', 'B' or 'C', not {klass!r}")
        summary: AbcClassSummary = getattr(self, klass.lower())
        return summary


@dataclass(frozen=True)
class AbcReport(_Result, _Rows[AbcRow]):
    """The ABC ranking of the clients who bought in a period: a sequence of ``AbcRow`` in rank order
    (largest value first, equal values by client id), with the totals per class in ``summary``."""

    measure: AbcMeasure
    """What the clients are ranked by (and so the type of ``AbcRow.value``)."""
    rows: Tuple[AbcRow, ...]
    summary: AbcSummary

    @classmethod
    def _build(cls, data: Mapping[str, Any], measure: AbcMeasure) -> AbcReport:
        value: Callable[[int], Union[Decimal, int]] = int if measure == "orders" else _cents
        rows = tuple(
            AbcRow(r["client_id"], value(r["value"]), r["share"], r["cumulative_share"], r["class"])
            for r in data["rows"]
        )
        s = data["summary"]
        parts = [AbcClassSummary(s[k]["count"], value(s[k]["value"]), s[k]["share"]) for k in "abc"]
        return cls(measure, rows, AbcSummary(*parts))


def _mean(minor: float) -> Decimal:
    return (Decimal(minor) / 100).quantize(Decimal("0.01"))


@dataclass(frozen=True)
class XyzRow(_Result):
    """One client's steadiness: the coefficient of variation of its monthly revenue."""

    _convert = {"mean": _mean}
    _members = {"klass": "class"}

    client_id: int
    periods: int
    """The months it was measured over (from its first purchase when that falls inside the window)."""
    mean: Decimal
    """Mean revenue per month, rounded to the cent."""
    cv: Optional[float]
    """The coefficient of variation (standard deviation over mean); ``None`` without revenue."""
    klass: Optional[XyzClass]
    """``"X"``, ``"Y"`` or ``"Z"``; ``None`` when there is too little to say (too few months)."""


def _xyz_rows(values: Any) -> Tuple[XyzRow, ...]:
    return tuple(XyzRow._from_json(v) for v in values)


@dataclass(frozen=True)
class XyzReport(_Result, _Rows[XyzRow]):
    """XYZ over a window of calendar months: a sequence of ``XyzRow``, one per client with revenue in the
    window, by client id."""

    _convert = {"months": tuple, "rows": _xyz_rows}

    months: Tuple[str, ...]
    """The window's months, ``YYYY-MM``, oldest first."""
    rows: Tuple[XyzRow, ...]


@dataclass(frozen=True)
class AbcXyzCell(_Result):
    """One cell of the ABC×XYZ matrix."""

    _convert = {"revenue": Decimal}

    abc: AbcClass
    xyz: Optional[XyzClass]
    """``None``: the clients XYZ cannot class (too few months)."""
    clients: int
    revenue: Decimal
    """Their revenue in the period."""


def _cells(values: Any) -> Tuple[AbcXyzCell, ...]:
    return tuple(AbcXyzCell._from_json(v) for v in values)


@dataclass(frozen=True)
class AbcXyzMatrix(_Result):
    """The ABC×XYZ matrix over one period: twelve cells (A-X, A-Y, A-Z, A-None, B-X, ... C-None), each
    present even when empty."""

    _convert = {"months": tuple, "cells": _cells}

    months: Tuple[str, ...]
    """The window's months, ``YYYY-MM``, oldest first."""
    cells: Tuple[AbcXyzCell, ...]

    def cell(self, abc: AbcClass, xyz: Optional[XyzClass]) -> AbcXyzCell:
        """One cell: ``matrix.cell("A", "X")``; ``xyz=None`` is the column of clients without an XYZ
        class."""
        for c in self.cells:
            if c.abc == abc and c.xyz == xyz:
                return c
        raise KeyError((abc, xyz))


@dataclass(frozen=True)
class RfmRow(_Result):
    """One client's recency, frequency and monetary value, their scores (1..5, 5 the best) and
    segment."""

    _convert = {"monetary": _cents}
    _members = {"r": "r_score", "f": "f_score", "m": "m_score"}

    client_id: int
    recency_days: int
    """Days from the last completed order's UTC date to ``as_of``."""
    frequency: int
    """Completed orders by ``as_of``."""
    monetary: Decimal
    """Their revenue."""
    r: int
    f: int
    m: int
    segment: RfmSegment


@dataclass(frozen=True)
class RfmSegmentSize(_Result):
    """One segment's size in an RFM report."""

    _convert = {"monetary": Decimal}

    segment: RfmSegment
    clients: int
    monetary: Decimal
    """Their revenue up to ``as_of``."""


def _rfm_rows(values: Any) -> Tuple[RfmRow, ...]:
    return tuple(RfmRow._from_json(v) for v in values)


def _segment_sizes(values: Any) -> Tuple[RfmSegmentSize, ...]:
    return tuple(RfmSegmentSize._from_json(v) for v in values)


@dataclass(frozen=True)
class RfmReport(_Result, _Rows[RfmRow]):
    """RFM as of a day: a sequence of ``RfmRow``, one per client with a completed order by then, by
    client id, and the size of every segment (all eight, best first, even when empty)."""

    _convert = {"as_of": _day, "rows": _rfm_rows, "segments": _segment_sizes}

    as_of: date
    rows: Tuple[RfmRow, ...]
    segments: Tuple[RfmSegmentSize, ...]

    def segment(self, name: RfmSegment) -> RfmSegmentSize:
        """The size of one segment, by name."""
        for s in self.segments:
            if s.segment == name:
                return s
        raise KeyError(name)


@dataclass(frozen=True)
class BgNbdParams(_Result):
    """The fitted BG/NBD parameters, time in days."""

    r: float
    """Shape of the Gamma distribution of purchase rates."""
    alpha: float
    """Its scale, in days."""
    a: float
    """First shape of the Beta distribution of drop-out probabilities."""
    b: float
    """Second shape."""


@dataclass(frozen=True)
class PAliveRow(_Result):
    """One client under the fitted BG/NBD model."""

    client_id: int
    x: int
    """Repeat purchases: distinct purchase days − 1."""
    t_x: float
    """Days from the first purchase day to the last."""
    age: float
    """Days from the first purchase day to ``as_of`` (``T`` in the literature)."""
    p_alive: float
    """The probability that the client is still active."""
    expected: float
    """Purchase days expected in the horizon."""


def _p_alive_rows(values: Any) -> Tuple[PAliveRow, ...]:
    return tuple(PAliveRow._from_json(v) for v in values)


@dataclass(frozen=True)
class PAliveReport(_Result, _Rows[PAliveRow]):
    """The BG/NBD model fitted on the store's history up to ``as_of``: a sequence of ``PAliveRow``, one
    per client with a completed order by then, by client id."""

    _convert = {"as_of": _day, "params": BgNbdParams._from_json, "rows": _p_alive_rows}

    as_of: date
    horizon_days: int
    """The horizon of ``PAliveRow.expected``, days."""
    params: BgNbdParams
    log_likelihood: float
    """The log-likelihood at the fit."""
    rows: Tuple[PAliveRow, ...]


@dataclass(frozen=True)
class RepeatReport(_Result):
    """Repeat purchases over a period (completed orders)."""

    _convert = {"revenue": Decimal, "average_order": _money_or_none}

    clients: int
    """Clients with a completed order in the period."""
    repeat_clients: int
    """Of those, clients with two or more."""
    repeat_rate: Optional[float]
    """``repeat_clients / clients``; ``None`` without clients."""
    orders: int
    revenue: Decimal
    average_order: Optional[Decimal]
    """``revenue / orders`` rounded half away from zero to the cent; ``None`` without orders."""


@dataclass(frozen=True)
class PairRule(_Result):
    """A directional rule "who bought ``if_bought`` also bought ``then``", over clients."""

    if_bought: str
    then: str
    count: int
    """Clients who bought both."""
    support: float
    """``count`` over all clients with a purchase in the period."""
    confidence: float
    """``count`` over the clients who bought ``if_bought``."""
    lift: float
    """``confidence`` over the share of clients who bought ``then``."""


def _rules(values: Any) -> Tuple[PairRule, ...]:
    return tuple(PairRule._from_json(v) for v in values)


@dataclass(frozen=True)
class PairReport(_Result, _Rows[PairRule]):
    """The product pairs bought by the same clients: a sequence of ``PairRule``, best first."""

    _convert = {"rules": _rules}
    _items = "rules"

    clients: int
    """Clients with a completed order with lines in the period."""
    rules: Tuple[PairRule, ...]


@dataclass(frozen=True)
class Suggestion(_Result):
    """A product to offer a client, with the strongest rule behind it."""

    _convert = {"because": PairRule._from_json}

    product: str
    because: PairRule


# --- pipeline reports --------------------------------------------------------------------------------------

FunnelMode = Union[Literal["cohort"], Literal["snapshot"]]
"""How a funnel reads its leads: the leads received in the period, each at the furthest step it ever
reached (``cohort``), or the same leads as they stood at ``as_of`` (``snapshot``)."""
FunnelBy = Union[Literal["manager"], Literal["source"], Literal["channel"]]
"""What a funnel is split by, besides the total."""
FunnelStepKind = Union[Literal["lead"], Literal["stage"], Literal["won"]]
"""What a funnel step stands for: a lead status, a deal stage, or the deal won."""


@dataclass(frozen=True)
class ReasonCount(_Result):
    """How many of those who stopped at a funnel step were lost for one reason."""

    reason: str
    """The lost-reason code."""
    count: int


def _reasons(values: Any) -> Tuple[ReasonCount, ...]:
    return tuple(ReasonCount._from_json(v) for v in values)


@dataclass(frozen=True)
class FunnelStep(_Result):
    """One step of a funnel: how many reached it, the conversions, who stopped there and how long the
    step took."""

    _convert = {"lost_reasons": _reasons}

    code: str
    """``received``, ``in_progress``, ``qualified``, ``converted``, a stage code, or ``won``."""
    label: str
    kind: FunnelStepKind
    entered: int
    """Leads that reached this step or a later one (a step skipped on the way counts as passed)."""
    conversion_from_previous: Optional[float]
    """``entered`` over the previous step's; ``None`` for the first step or when that is 0."""
    conversion_from_first: Optional[float]
    """``entered`` over the first step's; ``None`` when that is 0."""
    dropped: int
    """Leads whose furthest step is this one (``lost + junk + open``; 0 for ``won``)."""
    lost_reasons: Tuple[ReasonCount, ...]
    """Of ``dropped``, the lost ones by reason: most frequent first, then by code."""
    lost: int
    junk: int
    open: int
    """Of ``dropped``, still open here."""
    current: int
    """Leads in this step at the moment the funnel is read (the snapshot view)."""
    timed: int
    """How many left the step: the sample of the times below."""
    median_seconds: Optional[int]
    """Median time in the step, seconds (nearest rank); ``None`` when nobody left it."""
    p90_seconds: Optional[int]
    """90th percentile of the time in the step, seconds (nearest rank)."""


def _steps(values: Any) -> Tuple[FunnelStep, ...]:
    return tuple(FunnelStep._from_json(v) for v in values)


def _step(steps: Tuple[FunnelStep, ...], code: str) -> FunnelStep:
    for s in steps:
        if s.code == code:
            return s
    raise KeyError(code)


@dataclass(frozen=True)
class FunnelGroup(_Result):
    """The funnel of one group of leads (one manager, source or channel)."""

    _convert = {"steps": _steps}

    key: str
    """A manager or source id as text, a channel code, or ``"none"`` (no owner, no source)."""
    label: str
    """The manager's name, the source's name (with its campaign), the channel code, or ``"none"``."""
    manager_id: Optional[int]
    source_id: Optional[int]
    channel: Optional[Channel]
    steps: Tuple[FunnelStep, ...]

    def step(self, code: str) -> FunnelStep:
        """One step, by code (``KeyError`` when there is none)."""
        return _step(self.steps, code)


def _groups(values: Any) -> Tuple[FunnelGroup, ...]:
    return tuple(FunnelGroup._from_json(v) for v in values)


@dataclass(frozen=True)
class FunnelReport(_Result):
    """The sales funnel of the leads received in a period: received → in progress → qualified →
    converted → the pipeline's stages → won, in total (``steps``) and per group when split
    (``groups``: ids ascending, channels in declaration order, ``"none"`` last)."""

    _convert = {
        "start": _day,
        "end": _day,
        "as_of": _time_or_none,
        "steps": _steps,
        "groups": _groups,
    }

    mode: FunnelMode
    start: date
    end: date
    """The last day of the period, inclusive."""
    as_of: Optional[datetime]
    """The moment the funnel was read at; ``None``: everything recorded so far."""
    by: Optional[FunnelBy]
    steps: Tuple[FunnelStep, ...]
    groups: Tuple[FunnelGroup, ...]

    def step(self, code: str) -> FunnelStep:
        """One step of the total, by code (``KeyError`` when there is none)."""
        return _step(self.steps, code)

    def group(self, key: Union[int, str]) -> FunnelGroup:
        """One group, by key: a manager or source id, a channel code, or ``"none"``."""
        for g in self.groups:
            if g.key == str(key):
                return g
        raise KeyError(key)


@dataclass(frozen=True)
class SourceRow(_Result):
    """One marketing source's leads, clients, revenue and spend in a period."""

    _convert = {
        "revenue": Decimal,
        "spend": Decimal,
        "cost_per_lead": _money_or_none,
        "cac": _money_or_none,
    }

    source_id: Optional[int]
    """``None`` for the row of leads without a source."""
    name: str
    campaign: Optional[str]
    channel: Optional[Channel]
    leads: int
    """Leads received in the period (junk included: they were paid for)."""
    junk: int
    qualified: int
    """Leads qualified at some point (converted ones included)."""
    converted: int
    conversion_rate: Optional[float]
    """``converted / leads``; ``None`` without leads."""
    clients: int
    """Distinct clients the converted leads became."""
    clients_won: int
    """Distinct clients with a won deal from one of the source's leads."""
    revenue: Decimal
    """Completed orders of ``clients`` within the horizon after each client's conversion."""
    spend: Decimal
    """Spend booked on the source in the period."""
    cost_per_lead: Optional[Decimal]
    cac: Optional[Decimal]
    """Client acquisition cost, ``spend / clients_won``."""
    romi: Optional[float]
    """Return on marketing investment, ``(revenue − spend) / spend``; ``None`` without spend."""


@dataclass(frozen=True)
class ForecastFigures(_Result):
    """The open pipeline's figures."""

    _convert = {"amount": Decimal, "weighted": Decimal, "historic": Decimal}

    deals: int
    amount: Decimal
    """The deals' amounts, unweighted."""
    weighted: Decimal
    """Each amount times its stage's probability."""
    historic: Decimal
    """Each amount times its stage's historic win rate."""


@dataclass(frozen=True)
class ForecastMonth(_Result):
    """The forecast for one expected close month."""

    _convert = {"amount": Decimal, "weighted": Decimal, "historic": Decimal}

    month: Optional[str]
    """``YYYY-MM``; ``None`` for the deals without an expected close date."""
    overdue: int
    """Deals whose expected close date had passed (counted in ``as_of``'s month)."""
    deals: int
    amount: Decimal
    weighted: Decimal
    historic: Decimal


@dataclass(frozen=True)
class ForecastStage(_Result):
    """The forecast for one pipeline stage, with the stage's history."""

    _convert = {"amount": Decimal, "weighted": Decimal, "historic": Decimal}

    stage: str
    label: str
    probability: int
    """The stage's win probability, in percent."""
    history_closed: int
    """Deals closed in the history window that were ever in this stage."""
    history_won: int
    history_rate: Optional[float]
    """``history_won / history_closed``; ``None`` without history."""
    deals: int
    amount: Decimal
    weighted: Decimal
    historic: Decimal


def _forecast_months(values: Any) -> Tuple[ForecastMonth, ...]:
    return tuple(ForecastMonth._from_json(v) for v in values)


def _forecast_stages(values: Any) -> Tuple[ForecastStage, ...]:
    return tuple(ForecastStage._from_json(v) for v in values)


@dataclass(frozen=True)
class ForecastReport(_Result):
    """The forecast of the open pipeline: by expected close month (oldest first, the unscheduled last),
    by stage (in pipeline order) and in total."""

    _convert = {
        "as_of": _time,
        "history_start": _day,
        "months": _forecast_months,
        "stages": _forecast_stages,
        "total": ForecastFigures._from_json,
    }

    as_of: datetime
    history_start: date
    """The first day of the history the win rates were learnt from."""
    months: Tuple[ForecastMonth, ...]
    stages: Tuple[ForecastStage, ...]
    total: ForecastFigures


@dataclass(frozen=True)
class OfferRow(_Result):
    """How one commercial offer did."""

    offer: str
    sent: int
    """Activities that carried it."""
    leads: int
    deals: int
    leads_converted: int
    """Of ``leads``, those converted at or after the offer was first sent on them."""
    deals_won: int
    """Of ``deals``, those won at or after the offer was first sent on them."""
    conversion_rate: Optional[float]


@dataclass(frozen=True)
class ArgumentRow(_Result):
    """How one argument did against one objection."""

    argument: Optional[str]
    """``None``: no argument was recorded."""
    used: int
    tracked: int
    """Of ``used``, on a lead or a deal (whose fate can be followed)."""
    overcome: int
    """Of ``tracked``, those whose lead converted or deal was won at or after the activity."""
    rate: Optional[float]


def _arguments(values: Any) -> Tuple[ArgumentRow, ...]:
    return tuple(ArgumentRow._from_json(v) for v in values)


@dataclass(frozen=True)
class ObjectionRow(_Result):
    """How often one objection was met and what overcame it."""

    _convert = {"arguments": _arguments}

    objection: str
    met: int
    tracked: int
    overcome: int
    rate: Optional[float]
    arguments: Tuple[ArgumentRow, ...]
    """By argument: most used first, then by code, "no argument" last."""


def _offers(values: Any) -> Tuple[OfferRow, ...]:
    return tuple(OfferRow._from_json(v) for v in values)


def _objections(values: Any) -> Tuple[ObjectionRow, ...]:
    return tuple(ObjectionRow._from_json(v) for v in values)


@dataclass(frozen=True)
class OfferReport(_Result):
    """Offers sent and objections met in a period: per offer (most sent first) and per objection (most
    met first)."""

    _convert = {"start": _day, "end": _day, "offers": _offers, "objections": _objections}

    start: date
    end: date
    offers: Tuple[OfferRow, ...]
    objections: Tuple[ObjectionRow, ...]


@dataclass(frozen=True)
class Plan(_Result):
    """A manager's sales plan for one calendar month."""

    _convert = {"revenue": Decimal}

    manager_id: int
    month: str
    """``YYYY-MM``."""
    revenue: Decimal
    """Revenue to reach: completed orders of the manager's clients in the month."""
    deals: int
    """Deals to win in the month."""


@dataclass(frozen=True)
class PlanMonth(_Result):
    """A manager's plan against what was achieved in one calendar month (to the report's end, when
    that comes first)."""

    _convert = {
        "start": _day,
        "end": _day,
        "plan_revenue": _money_or_none,
        "revenue": Decimal,
    }
    _members = {"start": "from", "end": "to"}

    month: str
    start: date
    """The first day counted: the month's first."""
    end: date
    """The last day counted: the month's last, or the report's end when that is earlier."""
    plan_revenue: Optional[Decimal]
    """``None`` when no plan is set for the month."""
    plan_deals: Optional[int]
    revenue: Decimal
    deals: int
    revenue_achieved: Optional[float]
    """``revenue / plan_revenue`` (1.0: the plan met); ``None`` without a plan or when it is zero."""
    deals_achieved: Optional[float]


def _plan_months(values: Any) -> Tuple[PlanMonth, ...]:
    return tuple(PlanMonth._from_json(v) for v in values)


@dataclass(frozen=True)
class ManagerRow(_Result):
    """One manager's line of the manager report: the requests received in the period and how they were
    answered and converted, the deals won and orders completed, and the plan against the actuals."""

    _convert = {
        "won_amount": Decimal,
        "revenue": Decimal,
        "average_order": _money_or_none,
        "months": _plan_months,
    }

    manager_id: int
    name: str
    active: bool
    received: int
    """Leads received in the period that the manager owns."""
    answered: int
    unanswered: int
    working_time: bool
    """Whether response times are working seconds of a calendar (else plain elapsed seconds)."""
    response_median_secs: Optional[int]
    response_p90_secs: Optional[int]
    sla_counted: int
    """Leads whose response deadline is decided."""
    sla_met: int
    sla_met_share: Optional[float]
    converted: int
    lost: int
    junk: int
    conversion_rate: Optional[float]
    """``converted / (received − junk)``."""
    deals_won: int
    won_amount: Decimal
    orders: int
    """Completed orders in the period of the clients the manager owns."""
    revenue: Decimal
    average_order: Optional[Decimal]
    promises_kept: Optional[float]
    """Of the promises the manager made that fall due in the period, the share kept: kept / (kept +
    broken), judged as they stand now (cancelled ones count neither way, open ones are undecided);
    ``None`` when none is decided."""
    months: Tuple[PlanMonth, ...]
    """One per calendar month touching the period, in order."""


# --- retention: promises, complaints, tasks, dormancy, rules ---------------------------------------------


@dataclass(frozen=True)
class Promise(_Result):
    """A promise made to a client: who promised what, due when. ``run_due`` reminds its maker ahead of
    the due time and marks it broken once the due time has passed while it is still open."""

    _convert = {
        "made_at": _time,
        "due_at": _time,
        "closed_at": _time_or_none,
        "reminded_at": _time_or_none,
    }

    id: int
    client_id: int
    manager_id: Optional[int]
    """Who made it (``None``: the client had no owner and nobody was named)."""
    what: str
    made_at: datetime
    due_at: datetime
    activity_id: Optional[int]
    """The call or e-mail where it was made."""
    status: PromiseStatus
    closed_at: Optional[datetime]
    """When it was kept, broken or cancelled."""
    note: Optional[str]
    """The note given when kept, or the reason given when cancelled."""
    reminded_at: Optional[datetime]
    """When ``run_due`` made its reminder task."""


@dataclass(frozen=True)
class PromiseSettings(_Result):
    """How promises are followed up."""

    remind_before: str
    """How long before a promise's due time its maker gets a reminder task, round-the-clock time in
    canonical text (``24h``, ``2h30m``)."""


@dataclass(frozen=True)
class Complaint(_Result):
    """A complaint (a claim) from a client, with its deadlines in working time of its owner's calendar."""

    _convert = {
        "opened_at": _time,
        "response_due": _time,
        "responded_at": _time_or_none,
        "response_breached_at": _time_or_none,
        "resolution_due": _time,
        "resolved_at": _time_or_none,
        "resolution_breached_at": _time_or_none,
        "paused_at": _time_or_none,
        "closed_at": _time_or_none,
        "updated_at": _time,
    }

    id: int
    client_id: int
    order_id: Optional[int]
    subject: str
    body: Optional[str]
    priority: ComplaintPriority
    status: ComplaintStatus
    owner_id: Optional[int]
    opened_at: datetime
    response_due: datetime
    """The first-response deadline."""
    responded_at: Optional[datetime]
    """The first response (taken in work, or a question to the client)."""
    response_breached_at: Optional[datetime]
    """Set (to the deadline) when ``run_due`` found the first response late."""
    resolution_due: datetime
    """The resolution deadline; it moves on by the paused working time when work resumes."""
    resolved_at: Optional[datetime]
    resolution_breached_at: Optional[datetime]
    """Set (to the deadline) when ``run_due`` found the resolution late."""
    paused_at: Optional[datetime]
    """Since when it waits for the client (the resolution clock stands still)."""
    paused_secs: int
    """Working seconds it has waited for the client so far (and sat resolved before a reopening)."""
    resolve_secs: Optional[int]
    """Working seconds from opening to resolution, less the paused time; set on resolution."""
    resolution: Optional[str]
    rejection: Optional[str]
    """Why it was rejected."""
    closed_at: Optional[datetime]
    """When it was closed or rejected."""
    updated_at: datetime


@dataclass(frozen=True)
class ComplaintTargets(_Result):
    """The deadlines of one priority, working time in canonical text (``4h``, ``1h30m``)."""

    first_response: str
    """From opening to the first response."""
    resolution: str
    """From opening to the resolution (paused time not counted)."""


_targets = ComplaintTargets._from_json


@dataclass(frozen=True)
class ComplaintSla(_Result):
    """The complaint deadlines per priority, and who gets the escalation task of a breach."""

    _convert = {"low": _targets, "normal": _targets, "high": _targets, "critical": _targets}

    low: ComplaintTargets
    normal: ComplaintTargets
    high: ComplaintTargets
    critical: ComplaintTargets
    escalate_to: Optional[int]
    """Who gets the escalation task of a breach; ``None``: the complaint's owner."""

    def targets(self, priority: ComplaintPriority) -> ComplaintTargets:
        """The targets of one priority."""
        if priority not in ("low", "normal", "high", "critical"):
            raise KeyError(priority)
        targets: ComplaintTargets = getattr(self, priority)
        return targets


@dataclass(frozen=True)
class ComplaintFigures(_Result):
    """Complaint figures of a period, for one group."""

    opened: int
    """Complaints opened in the period."""
    responded_within_sla: int
    """Of those, answered by their first-response deadline."""
    resolved: int
    """Complaints resolved in the period."""
    resolved_within_sla: int
    """Of those, resolved by their resolution deadline."""
    resolved_within_sla_share: Optional[float]
    """``resolved_within_sla / resolved`` (``None`` when nothing was resolved)."""
    rejected: int
    """Complaints rejected in the period."""
    median_resolve_secs: Optional[int]
    """Median time to resolve, in working seconds (nearest rank)."""
    p90_resolve_secs: Optional[int]
    """90th percentile of the same (nearest rank)."""


_figures = ComplaintFigures._from_json


@dataclass(frozen=True)
class ComplaintPriorityRow(_Result):
    """One priority's line of the complaint report."""

    _convert = {"figures": _figures}
    _members = {"priority": "key"}

    priority: ComplaintPriority
    figures: ComplaintFigures


@dataclass(frozen=True)
class ComplaintOwnerRow(_Result):
    """One owner's line of the complaint report."""

    _convert = {"figures": _figures}
    _members = {"owner_id": "key"}

    owner_id: Optional[int]
    """The owner (``None``: complaints without an owner)."""
    figures: ComplaintFigures


@dataclass(frozen=True)
class ComplaintReport(_Result):
    """The complaints of the UTC days ``start`` to ``end``: in total, per priority (low to critical,
    every one listed) and per owner (by id, complaints without an owner last; only owners with
    figures)."""

    _convert = {
        "start": _day,
        "end": _day,
        "total": _figures,
        "by_priority": lambda values: tuple(ComplaintPriorityRow._from_json(v) for v in values),
        "by_owner": lambda values: tuple(ComplaintOwnerRow._from_json(v) for v in values),
    }

    start: date
    end: date
    total: ComplaintFigures
    by_priority: Tuple[ComplaintPriorityRow, ...]
    by_owner: Tuple[ComplaintOwnerRow, ...]

    def priority(self, priority: ComplaintPriority) -> ComplaintFigures:
        """The figures of one priority."""
        for row in self.by_priority:
            if row.priority == priority:
                return row.figures
        raise KeyError(priority)


@dataclass(frozen=True)
class Agenda(_Result):
    """A manager's open tasks at a moment, most urgent first: ``overdue`` (the longest overdue first),
    due ``today`` (until the end of the manager's calendar day), ``upcoming`` (the next 7 days; both by
    due time, then id) and ``undated`` (by id). Tasks due later are not on it."""

    _convert = {
        "now": _time,
        "overdue": _tasks,
        "today": _tasks,
        "upcoming": _tasks,
        "undated": _tasks,
    }

    manager_id: int
    now: datetime
    overdue: Tuple[Task, ...]
    today: Tuple[Task, ...]
    upcoming: Tuple[Task, ...]
    undated: Tuple[Task, ...]

    def __len__(self) -> int:
        return len(self.overdue) + len(self.today) + len(self.upcoming) + len(self.undated)

    def __iter__(self) -> Iterator[Task]:
        """Every task on the agenda, in the order above."""
        yield from self.overdue
        yield from self.today
        yield from self.upcoming
        yield from self.undated


@dataclass(frozen=True)
class DormancySettings(_Result):
    """How the dormancy ladder reads a client's rhythm. A client with two or more purchase days is
    cooling after ``cooling_after`` expected gaps since its last purchase day, dormant after
    ``dormant_after``, lost after ``lost_after`` (the gap never shorter than ``min_gap_days``); a client
    with one purchase day follows the flat rule in days (``single_*_days``)."""

    min_gap_days: int
    cooling_after: float
    dormant_after: float
    lost_after: float
    single_cooling_days: int
    single_dormant_days: int
    single_lost_days: int


@dataclass(frozen=True)
class Rhythm(_Result):
    """A client's buying rhythm and place on the dormancy ladder at a time."""

    _convert = {
        "as_of": _time,
        "purchase_days": lambda values: tuple(_day(v) for v in values),
        "last_purchase": _day_or_none,
        "stored_since": _time_or_none,
        "next_at": _time_or_none,
    }

    client_id: int
    as_of: datetime
    purchase_days: Tuple[date, ...]
    """The distinct UTC days of its completed orders placed by ``as_of``, ascending."""
    last_purchase: Optional[date]
    expected_gap_days: Optional[float]
    """The expected gap between purchase days, in days (``None``: fewer than two purchase days)."""
    days_since_last: Optional[int]
    """Days from the last purchase day to ``as_of``'s date."""
    state: Optional[DormancyState]
    """The state at ``as_of`` by the rule, from these purchase days alone (``None``: no purchase)."""
    stored_state: Optional[DormancyState]
    """The state as the last ``run_due`` left it (``None``: never placed)."""
    stored_since: Optional[datetime]
    """Since when the stored state holds."""
    next_state: Optional[DormancyState]
    """The next rung down from ``state``…"""
    next_at: Optional[datetime]
    """… and the instant it is reached without a purchase."""


@dataclass(frozen=True)
class DormancyCounts(_Result):
    """How many clients stand on each rung of the dormancy ladder."""

    active: int
    cooling: int
    dormant: int
    lost: int


@dataclass(frozen=True)
class DormancyRow(_Result):
    """One client of the dormancy report."""

    _convert = {"last_purchase": _day}

    client_id: int
    state: DormancyState
    expected_gap_days: Optional[float]
    """The expected gap between purchase days (``None``: one purchase day, the flat rule)."""
    last_purchase: date
    days_since_last: int
    p_alive: Optional[float]
    """P(alive) as of the report's date, when asked for and a model could be fitted."""


@dataclass(frozen=True)
class DormancyReport(_Result, _Rows[DormancyRow]):
    """The dormancy report: a sequence of ``DormancyRow``, one per client with a completed order by its
    time (by client id), and the clients per state in ``counts``."""

    _convert = {
        "as_of": _time,
        "counts": DormancyCounts._from_json,
        "rows": lambda values: tuple(DormancyRow._from_json(v) for v in values),
    }

    as_of: datetime
    counts: DormancyCounts
    rows: Tuple[DormancyRow, ...]


@dataclass(frozen=True)
class TaskAction(_Result):
    """A retention rule's action: a task about the client for a manager.

    ``title`` is a template: ``{client}`` (the client's name), ``{client_id}``, ``{owner}`` (the owner's
    name), ``{days_since_last_order}``, ``{cross_sell}`` (the top two products to offer); ``{{`` and
    ``}}`` are braces. ``due_in`` is calendar time after the run that makes it (``"2d"``, ``"1d12h"``,
    ``"1w"``, ``"0h"``). ``to`` is ``"owner"`` or a manager's id."""

    task_kind: str
    title: str
    due_in: str
    to: Assignee = "owner"
    kind: Literal["task"] = "task"


@dataclass(frozen=True)
class TagAction(_Result):
    """A retention rule's action: a tag on the client."""

    tag: str
    kind: Literal["tag"] = "tag"


@dataclass(frozen=True)
class MailingAction(_Result):
    """A retention rule's action: the client into a mailing list, that is tagged with ``segment``, whose
    saved segment (``has tag '<segment>'``, made when the rule is added) ``export_segment`` writes."""

    segment: str
    kind: Literal["mailing"] = "mailing"


@dataclass(frozen=True)
class ReassignAction(_Result):
    """A retention rule's action: the client to another manager, ``manager`` or (``None``) whoever the
    routing rules choose. A client locked to its owner by a recent contact is left alone."""

    manager: Optional[int] = None
    kind: Literal["reassign"] = "reassign"


RuleAction = Union[TaskAction, TagAction, MailingAction, ReassignAction]
"""What a retention rule does to each client it matches."""

_ACTIONS: Dict[str, Type[_Result]] = {
    "task": TaskAction,
    "tag": TagAction,
    "mailing": MailingAction,
    "reassign": ReassignAction,
}


def _action(data: Mapping[str, Any]) -> RuleAction:
    action: RuleAction = _ACTIONS[data["kind"]]._from_json(data)  # type: ignore[assignment]
    return action


@dataclass(frozen=True)
class RetentionRule(_Result):
    """A retention rule: a condition about clients, an action, and a cool-down; ``run_due`` runs the
    active ones, by id."""

    _convert = {"action": _action, "created_at": _time, "updated_at": _time}

    id: int
    name: str
    condition: str
    """The condition about clients, in canonical form."""
    action: RuleAction
    cooldown_days: int
    """Not again for the same client within this many days."""
    daily_limit: Optional[int]
    """At most this many clients per owner per UTC day (``None``: no limit)."""
    active: bool
    created_at: datetime
    updated_at: datetime


@dataclass(frozen=True)
class TaskOutcome(_Result):
    """How the tasks made by retention rules turned out."""

    tasks: int
    """Tasks created in the period."""
    done: int
    """Of those, done."""
    ordered: int
    """Of those, the ones whose client completed an order placed within the window after the task was
    created."""
    rate: Optional[float]
    """``ordered / tasks``; ``None`` without tasks."""


@dataclass(frozen=True)
class RuleOutcome(_Result):
    """One rule's line of the retention report (a removed rule keeps its line, under its last name)."""

    rule_id: int
    rule: str
    tasks: int
    done: int
    ordered: int
    rate: Optional[float]


@dataclass(frozen=True)
class ManagerOutcome(_Result):
    """One manager's line of the retention report: their tasks of every rule."""

    manager_id: Optional[int]
    """``None``: tasks made for nobody (a client without an owner)."""
    tasks: int
    done: int
    ordered: int
    rate: Optional[float]


@dataclass(frozen=True)
class RepeatOutcome(_Result):
    """Clients whose complaint was resolved, and how many bought again within the window."""

    clients: int
    ordered: int
    rate: Optional[float]
    """``ordered / clients``; ``None`` without clients."""


@dataclass(frozen=True)
class RetentionReport(_Result):
    """Did the retention work pay off, for the UTC days ``start`` to ``end``: the rules' tasks per rule
    (by rule id), per manager (nobody first, then by id) and in total, and the repeat-purchase rate of
    clients whose last complaint resolved in the period met both its deadlines against those whose did
    not."""

    _convert = {
        "start": _day,
        "end": _day,
        "rules": lambda values: tuple(RuleOutcome._from_json(v) for v in values),
        "managers": lambda values: tuple(ManagerOutcome._from_json(v) for v in values),
        "total": TaskOutcome._from_json,
        "complaints_within_sla": RepeatOutcome._from_json,
        "complaints_breached": RepeatOutcome._from_json,
    }

    start: date
    end: date
    window_days: int
    rules: Tuple[RuleOutcome, ...]
    managers: Tuple[ManagerOutcome, ...]
    total: TaskOutcome
    complaints_within_sla: RepeatOutcome
    complaints_breached: RepeatOutcome

    def rule(self, name: str) -> RuleOutcome:
        """One rule's line, by name."""
        for row in self.rules:
            if row.rule == name:
                return row
        raise KeyError(name)


# --- import of spreadsheets ---------------------------------------------------------------------------------

ImportKind = Union[Literal["clients"], Literal["contacts"], Literal["leads"], Literal["orders"]]
"""What a spreadsheet holds: one record per row (orders: one line per row; rows with the same order number
make one order)."""
MatchKey = Union[Literal["external_ref"], Literal["tax_id"], Literal["email"], Literal["phone"]]
"""What an imported client is looked up by in the store (normalised as duplicates are)."""
OnConflict = Union[Literal["report"], Literal["overwrite"]]
"""What an import does with a value that differs from the stored one: keep the stored value and report
the difference (``report``), or write the incoming value and still report it (``overwrite``)."""
RowStatus = Union[
    Literal["created"], Literal["updated"], Literal["unchanged"], Literal["skipped"], Literal["failed"]
]
"""What became of one row of an imported file."""


@dataclass(frozen=True)
class RowOutcome(_Result):
    """What became of one row of the file."""

    row: int
    """The row number as the spreadsheet shows it."""
    status: RowStatus
    entity: str
    """``client``, ``contact``, ``lead`` or ``order``."""
    id: Optional[int]
    """The record the row made or matched, when there is one."""


@dataclass(frozen=True)
class RowError(_Result):
    """Why a row (or one cell of it) could not be imported."""

    row: int
    """The row number as the spreadsheet shows it."""
    column: Optional[str]
    """The column's header text, when one cell is at fault."""
    field: Optional[str]
    """The field, when one is at fault."""
    message: str


@dataclass(frozen=True)
class RowConflict(_Result):
    """A value in the file that differs from the stored one."""

    row: int
    entity: str
    """``client``, ``contact`` or ``order``."""
    id: int
    """The stored record."""
    field: str
    stored: str
    """The value in the store before the import."""
    incoming: str
    """The value in the file."""


@dataclass(frozen=True)
class ColumnMapping(_Result):
    """How one column of the file was read."""

    column: int
    """0-based column number."""
    header: str
    """The header text."""
    field: Optional[str]
    """The field it fills (``None``: the column is ignored)."""
    guessed: bool
    """Whether the field was guessed from the header (not given in ``mapping``)."""


@dataclass(frozen=True)
class ImportReport(_Result):
    """What an import did (or, for a dry run, would do): counts, every row, every error (by row, then
    column), every conflict, and how the file was read."""

    _convert = {
        "rows": lambda values: tuple(RowOutcome._from_json(v) for v in values),
        "errors": lambda values: tuple(RowError._from_json(v) for v in values),
        "conflicts": lambda values: tuple(RowConflict._from_json(v) for v in values),
        "columns": lambda values: tuple(ColumnMapping._from_json(v) for v in values),
    }

    batch_id: Optional[int]
    """The batch to undo with ``undo_import`` (``None`` when nothing was committed)."""
    kind: ImportKind
    dry_run: bool
    committed: bool
    """Whether the rows were written (false for a dry run, a cancel, or an all-or-nothing failure)."""
    cancelled: bool
    """Whether the progress callable cancelled the import (then nothing was written)."""
    total: int
    """Data rows read."""
    created: int
    updated: int
    unchanged: int
    skipped: int
    failed: int
    rows: Tuple[RowOutcome, ...]
    errors: Tuple[RowError, ...]
    conflicts: Tuple[RowConflict, ...]
    columns: Tuple[ColumnMapping, ...]
    encoding: str
    """How the file was read: ``utf-8``, ``utf-8-bom``, ``windows-1251`` or ``xlsx``."""
    delimiter: Optional[str]
    """The CSV delimiter (``None`` for XLSX)."""
    header_row: int
    """The 1-based header row."""

    @property
    def mapping(self) -> Dict[str, Optional[str]]:
        """Header text → the field it filled (``None``: ignored), in column order."""
        return {c.header: c.field for c in self.columns}


@dataclass(frozen=True)
class ImportBatch(_Result):
    """One committed import."""

    _convert = {"at": _time, "undone_at": _time_or_none}

    id: int
    kind: ImportKind
    file_name: Optional[str]
    at: datetime
    actor: str
    total: int
    created: int
    updated: int
    unchanged: int
    skipped: int
    failed: int
    undone_at: Optional[datetime]
    """When it was undone (``None``: it stands)."""


@dataclass(frozen=True)
class UndoBlock(_Result):
    """Something an undo could not take back."""

    entity: str
    id: int
    reason: str
    """What depends on it."""


@dataclass(frozen=True)
class UndoReport(_Result):
    """What ``undo_import`` did: all of it, or nothing and what blocks it."""

    _convert = {"blocked": lambda values: tuple(UndoBlock._from_json(v) for v in values)}

    batch_id: int
    undone: bool
    """Whether the import was undone (false when something blocks it; then nothing changed)."""
    removed: int
    """Records removed (leads the import created are closed as junk ``test`` instead)."""
    restored: int
    """Records given back their values from before the import."""
    blocked: Tuple[UndoBlock, ...]


# --- web shop and ERP ports ---------------------------------------------------------------------------------

UpsertAction = Union[Literal["created"], Literal["updated"], Literal["unchanged"]]
"""What an upsert did."""


@dataclass(frozen=True)
class WebOrderResult(_Result):
    """What ``record_web_order`` did."""

    _convert = {"order": Order._from_json}

    order: Order
    client_id: int
    client_created: bool
    """Whether the client was created by this call."""
    lead_id: Optional[int]
    """The converted lead of a new client's first order (on a repeat: the lead of the first recording)."""
    deal_id: Optional[int]
    """The won deal of that lead."""
    source_id: Optional[int]
    """The marketing source the order is attributed to."""
    duplicate: bool
    """Whether the order was recorded before (nothing new was written, except a changed status)."""


_Rec = TypeVar("_Rec")


@dataclass(frozen=True)
class Upserted(_Result, Generic[_Rec]):
    """The record an upsert left (``Client`` or ``Order``) and what it did."""

    record: _Rec
    action: UpsertAction


# --- telephony ---------------------------------------------------------------------------------------------

CallEventKind = Union[Literal["started"], Literal["answered"], Literal["missed"], Literal["finished"]]
"""What happened to a call, as the PBX tells it."""
CallStatus = Union[Literal["ringing"], Literal["answered"], Literal["missed"], Literal["completed"]]
"""Where a call stands."""


@dataclass(frozen=True)
class Call(_Result):
    """A call as recorded from the PBX's events."""

    _convert = {
        "started_at": _time,
        "answered_at": _time_or_none,
        "ended_at": _time_or_none,
        "callback_due": _time_or_none,
        "called_back_at": _time_or_none,
    }

    id: int
    call_id: str
    """The PBX's id of the call."""
    direction: Direction
    caller: str
    """The outside party's number as the PBX sent it."""
    line: Optional[str]
    extension: Optional[str]
    manager_id: Optional[int]
    """The manager of the extension (``None``: no extension, or one nobody has)."""
    status: CallStatus
    started_at: datetime
    answered_at: Optional[datetime]
    ended_at: Optional[datetime]
    duration_seconds: Optional[int]
    recording: Optional[str]
    client_id: Optional[int]
    lead_id: Optional[int]
    """The lead of the number (an open lead with that phone, or the lead a missed call made)."""
    activity_id: Optional[int]
    """The activity an answered call became."""
    task_id: Optional[int]
    """The call-back task of a missed call."""
    callback_due: Optional[datetime]
    """By when a missed inbound call must be called back."""
    called_back_at: Optional[datetime]
    linked_to: Optional[int]
    """The earlier missed call whose call-back this one shares."""


@dataclass(frozen=True)
class PhoneExtension(_Result):
    """A manager's internal extension."""

    _convert = {"set_at": _time}

    extension: str
    manager_id: int
    set_at: datetime


@dataclass(frozen=True)
class PhoneLine(_Result):
    """A line (an advertised number or a trunk) as set up."""

    _convert = {"set_at": _time}

    line: str
    source_id: Optional[int]
    """The marketing source this number is advertised in."""
    callback_within: str
    """How soon a missed call on it must be called back, in working time (``1h``)."""
    set_at: datetime


@dataclass(frozen=True)
class CallFigures(_Result):
    """The figures of a group of inbound calls."""

    calls: int
    answered: int
    missed: int
    called_back_in_time: int
    """Missed and called back by the call-back deadline."""
    called_back_late: int
    not_called_back: int
    answer_rate: Optional[float]
    """``answered / calls`` (``None`` without calls)."""
    median_wait_seconds: Optional[int]
    """The median time from start to answer of the answered calls (``None`` without any)."""


@dataclass(frozen=True)
class CallReportRow(_Result):
    """One line in one hour of the day, with the figures of its inbound calls."""

    line: Optional[str]
    """The line (``None``: calls that came without one)."""
    hour: int
    """The hour of the day the calls started, 0–23, in the store calendar's time zone (UTC without one)."""
    calls: int
    answered: int
    missed: int
    called_back_in_time: int
    called_back_late: int
    not_called_back: int
    answer_rate: Optional[float]
    median_wait_seconds: Optional[int]


@dataclass(frozen=True)
class CallReport(_Result, _Rows[CallReportRow]):
    """The call report: a sequence of ``CallReportRow``, one per line and hour that had calls (by line,
    calls without a line last, then hour), and all the calls counted in ``total``."""

    _convert = {
        "rows": lambda values: tuple(CallReportRow._from_json(v) for v in values),
        "total": CallFigures._from_json,
    }

    rows: Tuple[CallReportRow, ...]
    total: CallFigures

    def row(self, line: Optional[str], hour: int) -> CallReportRow:
        """The row of one line and hour (``KeyError`` when it had no calls)."""
        for r in self.rows:
            if r.line == line and r.hour == hour:
                return r
        raise KeyError((line, hour))
