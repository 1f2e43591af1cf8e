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
    List,
    Literal,
    Mapping,
    Optional,
    Tuple,
    Type,
    TypeVar,
    Union,
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
    Literal["client"],
    Literal["contact"],
    Literal["deal"],
    Literal["lead"],
    Literal["lost_reason"],
    Literal["manager"],
    Literal["order"],
    Literal["pipeline"],
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
]
"""The type of a field an expression may name: which values and tests it takes (see ``Crm.fields``)."""

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


@dataclass(frozen=True)
class MonthRevenue(_Result):
    """A client's revenue in one calendar month (UTC)."""

    _convert = {"revenue": Decimal}

    client_id: int
    month: str
    """The month as ``YYYY-MM``."""
    revenue: Decimal
    orders: int


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
    """A to-do item for a manager (an escalation of a missed response deadline)."""

    _convert = {"due_at": _time_or_none, "created_at": _time, "closed_at": _time_or_none}

    id: int
    kind: str
    """What kind: ``sla_escalation`` (a missed first response) or ``queued_lead`` (a lead waits for a manager)."""
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
    """When it was done or cancelled (``Crm.close_task``); ``None`` while open."""


def _tasks(values: Any) -> Tuple[Task, ...]:
    return tuple(Task._from_json(v) for v in values)


@dataclass(frozen=True)
class DueRun(_Result):
    """What ``run_due`` did, each sequence by id."""

    _convert = {
        "at": _time,
        "breached": tuple,
        "escalations": _assignments,
        "tasks": _tasks,
        "assigned": _assignments,
    }

    at: datetime
    """The time it ran for."""
    breached: Tuple[int, ...]
    """Leads whose first-response deadline passed unanswered (marked breached now)."""
    escalations: Tuple[Assignment, ...]
    """Reassignments made by escalation."""
    tasks: Tuple[Task, ...]
    """Tasks created (escalation tasks)."""
    assigned: Tuple[Assignment, ...]
    """Queued leads that found a manager."""


def _list_of(cls: Type[_R], values: List[Any]) -> List[_R]:
    return [cls._from_json(v) for v in values]
