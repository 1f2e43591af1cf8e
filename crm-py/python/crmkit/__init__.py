"""crmkit: an embeddable CRM — the whole client lifecycle in one SQLite file, no server.

>>> import crmkit
>>> from decimal import Decimal
>>> with crmkit.Crm.open(":memory:") as crm:
...     capture = crm.capture_lead(channel="web", name="Ivan Petrenko", phone="+380671234567")
...     crm.start_lead(capture.lead.id)
...     lead = crm.qualify_lead(capture.lead.id)
...     conversion = crm.convert_lead(lead.id, amount=Decimal("18000"))
...     crm.win_deal(conversion.deal_id).status
'won'

Times are ``datetime`` (aware; a naive one is UTC; ``at=None`` is now), money is ``Decimal`` (``int`` and
``str`` accepted; a ``float`` is refused), results are frozen dataclasses, and every error is a
``crmkit.CrmError``.
"""

from __future__ import annotations

# The exceptions first: the native module maps its errors onto these classes when it loads.
from ._errors import (
    ConflictError,
    CrmError,
    InternalError,
    InvalidTransitionError,
    NotFoundError,
    SchemaTooNewError,
    StorageError,
    ValidationError,
)
from . import _crmkit
from ._convert import KEEP, Keep, Money
from ._crm import Crm, ExportTarget, LineInput, SpansInput, StageInput, Transaction
from ._model import (
    Absence,
    Activity,
    ActivityKind,
    AssignedVia,
    Assignment,
    Calendar,
    Capture,
    CaptureWarning,
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
    FieldType,
    HandOver,
    JunkKind,
    Lead,
    LeadStatus,
    LeadTransition,
    LostReason,
    Manager,
    Match,
    Merge,
    MergeConflict,
    MonthRevenue,
    Moved,
    Order,
    OrderLine,
    OrderStatus,
    OwnershipSettings,
    Quality,
    RoutingRule,
    Segment,
    SegmentChange,
    SkipReason,
    Skipped,
    SlaPolicy,
    SlaState,
    SlaStatus,
    Source,
    Span,
    Spend,
    Stage,
    StageVisit,
    Strategy,
    Subject,
    Task,
    TaskStatus,
)

__version__: str = _crmkit.__version__
"""The version of crmkit (the same for the Rust core, the C library and this package)."""

SCHEMA_VERSION: int = _crmkit.SCHEMA_VERSION
"""The newest store schema this version reads and writes."""

__all__ = [
    "Crm",
    "Transaction",
    "KEEP",
    "Keep",
    "Money",
    "LineInput",
    "StageInput",
    "SpansInput",
    "Span",
    "ExportTarget",
    "SCHEMA_VERSION",
    # exceptions
    "CrmError",
    "ValidationError",
    "NotFoundError",
    "InvalidTransitionError",
    "ConflictError",
    "StorageError",
    "SchemaTooNewError",
    "InternalError",
    # results
    "Absence",
    "Activity",
    "Assignment",
    "Calendar",
    "Capture",
    "CaptureWarning",
    "Client",
    "ClientRollup",
    "Contact",
    "Conversion",
    "Deal",
    "DedupSettings",
    "DueRun",
    "DuplicatePair",
    "Event",
    "Field",
    "HandOver",
    "Lead",
    "LeadTransition",
    "LostReason",
    "Manager",
    "Match",
    "Merge",
    "MergeConflict",
    "MonthRevenue",
    "Moved",
    "Order",
    "OrderLine",
    "OwnershipSettings",
    "RoutingRule",
    "Segment",
    "SegmentChange",
    "Skipped",
    "SlaPolicy",
    "SlaStatus",
    "Source",
    "Spend",
    "Stage",
    "StageVisit",
    "Task",
    # codes
    "ActivityKind",
    "AssignedVia",
    "Channel",
    "ClientKind",
    "DealStatus",
    "Direction",
    "Entity",
    "Escalation",
    "FieldType",
    "JunkKind",
    "LeadStatus",
    "OrderStatus",
    "Quality",
    "SkipReason",
    "SlaState",
    "Strategy",
    "Subject",
    "TaskStatus",
]
