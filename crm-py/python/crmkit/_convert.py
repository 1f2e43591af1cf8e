"""Python values to the JSON the native module reads, checked at the edge.

A value of the wrong type is a ``TypeError`` naming the argument, as for any Python function. Three
rules are crmkit's own and raise ``ValidationError``: money given as a ``float`` (it cannot be exact),
a ``datetime`` that cannot be expressed in UTC, and a score that is not a finite number (NaN has no
JSON). Everything else — the format of an amount, the range of a time or a score, the codes a field
allows — is checked once, by the core, and its error names the field too.
"""

from __future__ import annotations

import enum
import math
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Any, Iterable, List, Mapping, Optional, Union

from ._errors import ValidationError

Money = Union[Decimal, int, str]
"""An amount of money as crmkit takes it: a ``Decimal``, an ``int`` or decimal text (``"1234.50"``).
At most two decimals; never a ``float``."""


class Keep(enum.Enum):
    """The default of a patch argument: leave the field as it is (``None`` clears it)."""

    KEEP = "keep"

    def __repr__(self) -> str:
        return "KEEP"


KEEP = Keep.KEEP
"""Leave this field as it is (the default of every argument of ``update_client``/``update_deal``)."""


def _type_error(field: str, expected: str, value: Any) -> TypeError:
    return TypeError(f"{field}: must be {expected}, not {type(value).__name__}")


def invalid(field: str, rule: str) -> ValidationError:
    """A validation error raised at the Python edge, shaped like the core's."""
    return ValidationError(f"{field}: {rule}", field=field, rule=rule)


def time(field: str, value: Optional[datetime]) -> str:
    """An instant as RFC 3339 UTC text. ``None`` is now; a naive ``datetime`` is taken as UTC; an aware
    one in any zone is converted."""
    if value is None:
        value = datetime.now(timezone.utc)
    elif not isinstance(value, datetime):
        raise _type_error(field, "a datetime", value)
    elif value.tzinfo is None or value.utcoffset() is None:
        value = value.replace(tzinfo=timezone.utc)
    else:
        try:
            value = value.astimezone(timezone.utc)
        except OverflowError:
            raise invalid(field, "is out of range in UTC") from None
    return value.isoformat()


def as_of(field: str, value: Union[datetime, date, None]) -> str:
    """The evaluation time of a report or segment: a ``datetime`` as :func:`time`, or a ``date``, which
    means the end of that day in UTC (everything on that day counts; its date is the evaluation date)."""
    if isinstance(value, date) and not isinstance(value, datetime):
        return value.isoformat() + "T23:59:59.999999999Z"
    if value is not None and not isinstance(value, datetime):
        raise _type_error(field, "a datetime or a date", value)
    return time(field, value)


def optional_time(field: str, value: Optional[datetime]) -> Optional[str]:
    """Like :func:`time`, but ``None`` stays ``None``."""
    return None if value is None else time(field, value)


def day(field: str, value: date) -> str:
    """A calendar day as ``YYYY-MM-DD``; a ``datetime`` is refused (it would lose its time silently)."""
    if isinstance(value, datetime) or not isinstance(value, date):
        raise _type_error(field, "a date", value)
    return value.isoformat()


def optional_day(field: str, value: Optional[date]) -> Optional[str]:
    return None if value is None else day(field, value)


def money(field: str, value: Money) -> str:
    """An amount as decimal text. A ``float`` is refused with a ``ValidationError``: ``0.1 + 0.2`` is not
    ``0.3``, and money must add up to the cent."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        raise _type_error(field, "a Decimal, an int or a str", value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise invalid(field, "must be a finite amount")
        return format(value, "f")
    if isinstance(value, float):
        raise invalid(
            field,
            "must not be a float (it cannot be exact): pass a Decimal, an int or a str, "
            'like Decimal("1234.50")',
        )
    raise _type_error(field, "a Decimal, an int or a str", value)


def optional_money(field: str, value: Optional[Money]) -> Optional[str]:
    return None if value is None else money(field, value)


def number(field: str, value: float) -> float:
    """A score or threshold: an ``int`` or a ``float``; NaN and infinities are refused with a
    ``ValidationError`` (the range is the core's to check)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _type_error(field, "a float", value)
    try:
        number = float(value)
    except OverflowError:
        number = math.inf
    if not math.isfinite(number):
        raise invalid(field, "must be a finite number")
    return number


def optional_number(field: str, value: Optional[float]) -> Optional[float]:
    return None if value is None else number(field, value)


def text(field: str, value: str) -> str:
    if not isinstance(value, str):
        raise _type_error(field, "a str", value)
    return value


def optional_text(field: str, value: Optional[str]) -> Optional[str]:
    if value is None or isinstance(value, str):
        return value
    raise _type_error(field, "a str or None", value)


def integer(field: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _type_error(field, "an int", value)
    return value


def optional_integer(field: str, value: Optional[int]) -> Optional[int]:
    return None if value is None else integer(field, value)


def flag(field: str, value: bool) -> bool:
    if not isinstance(value, bool):
        raise _type_error(field, "a bool", value)
    return value


def texts(field: str, values: Iterable[str]) -> List[str]:
    """A sequence of strings (a lone ``str`` is refused: it would be read letter by letter)."""
    if isinstance(values, (str, bytes)) or not _iterable(values):
        raise _type_error(field, "a list of str", values)
    out = list(values)
    for i, v in enumerate(out):
        text(f"{field}[{i}]", v)
    return out


def mapping(field: str, value: Optional[Mapping[str, Any]]) -> Optional[Mapping[str, Any]]:
    if value is None or isinstance(value, Mapping):
        return value
    raise _type_error(field, "a dict or None", value)


def limit(field: str, value: int) -> int:
    integer(field, value)
    if value < 1:
        raise invalid(field, "must be at least 1")
    return value


def _iterable(value: Any) -> bool:
    try:
        iter(value)
    except TypeError:
        return False
    return True


def iterable(field: str, values: Any) -> List[Any]:
    if isinstance(values, (str, bytes, Mapping)) or not _iterable(values):
        raise _type_error(field, "a list", values)
    return list(values)


def order_line(field: str, line: Any) -> dict[str, Any]:
    """An order line: an ``OrderLine``, a ``(sku, quantity, unit_price)`` tuple or a mapping with those
    keys."""
    from ._model import OrderLine

    if isinstance(line, OrderLine):
        sku, quantity, unit_price = line.sku, line.quantity, line.unit_price
    elif isinstance(line, Mapping):
        unknown = set(line) - {"sku", "quantity", "unit_price"}
        if unknown:
            raise TypeError(f"{field}: unknown keys {sorted(unknown)}")
        try:
            sku, quantity, unit_price = line["sku"], line["quantity"], line["unit_price"]
        except KeyError as missing:
            raise TypeError(f"{field}: missing key {missing}") from None
    elif isinstance(line, (tuple, list)) and len(line) == 3:
        sku, quantity, unit_price = line
    else:
        raise _type_error(field, "an OrderLine or a (sku, quantity, unit_price) tuple", line)
    return {
        "sku": text(f"{field}.sku", sku),
        "quantity": integer(f"{field}.quantity", quantity),
        "unit_price": money(f"{field}.unit_price", unit_price),
    }


def stage(field: str, value: Any) -> dict[str, Any]:
    """A pipeline stage: a ``Stage``, a ``(code, label, probability)`` tuple or a mapping with those
    keys."""
    from ._model import Stage

    if isinstance(value, Stage):
        code, label, probability = value.code, value.label, value.probability
    elif isinstance(value, Mapping):
        unknown = set(value) - {"code", "label", "probability"}
        if unknown:
            raise TypeError(f"{field}: unknown keys {sorted(unknown)}")
        try:
            code, label, probability = value["code"], value["label"], value["probability"]
        except KeyError as missing:
            raise TypeError(f"{field}: missing key {missing}") from None
    elif isinstance(value, (tuple, list)) and len(value) == 3:
        code, label, probability = value
    else:
        raise _type_error(field, "a Stage or a (code, label, probability) tuple", value)
    probability = integer(f"{field}.probability", probability)
    if not 0 <= probability <= 100:
        raise invalid(f"{field}.probability", "must be from 0 to 100")
    return {
        "code": text(f"{field}.code", code),
        "label": text(f"{field}.label", label),
        "probability": probability,
    }


def _span(field: str, value: Any) -> List[str]:
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise _type_error(field, 'a ("HH:MM", "HH:MM") pair', value)
    return [text(f"{field}[0]", value[0]), text(f"{field}[1]", value[1])]


def spans(field: str, value: Any) -> List[List[str]]:
    """The working spans of a day: one ``("09:00", "18:00")`` pair, or a list of pairs (a lunch break:
    ``[("09:00", "13:00"), ("14:00", "18:00")]``); an empty list is a day off."""
    if isinstance(value, (tuple, list)) and len(value) == 2 and all(isinstance(v, str) for v in value):
        return [_span(field, value)]
    return [_span(f"{field}[{i}]", v) for i, v in enumerate(iterable(field, value))]


def week(field: str, value: Mapping[str, Any]) -> dict[str, List[List[str]]]:
    """Weekly working hours: weekday keys (``mon-fri``, ``sat``, ``sat,sun``) to spans."""
    if not isinstance(value, Mapping):
        raise _type_error(field, "a dict", value)
    return {text(field, key): spans(f"{field}.{key}", v) for key, v in value.items()}


def special_days(field: str, value: Optional[Mapping[date, Any]]) -> dict[str, List[List[str]]]:
    """Special days: dates to their own spans (an empty list is a day off)."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise _type_error(field, "a dict of date to spans", value)
    out = {}
    for key, v in value.items():
        name = day(field, key)
        out[name] = spans(f"{field}.{name}", v)
    return out


def duration(field: str, value: Any) -> str:
    """An amount of working time: text (``"2h"``, ``"1h30m"``) or a ``timedelta`` of whole minutes."""
    if isinstance(value, str):
        return value
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
        if seconds % 60:
            raise invalid(field, "must be whole minutes")
        minutes = int(seconds // 60)
        if minutes <= 0:
            raise invalid(field, "must be greater than zero")
        hours, minutes = divmod(minutes, 60)
        return f"{hours}h{minutes}m"
    raise _type_error(field, "a str or a timedelta", value)


def share(field: str, value: float) -> int:
    """A share from 0 (exclusive) to 1 as basis points (0.8 → 8000)."""
    number(field, value)
    if not 0 < value <= 1:
        raise invalid(field, "must be a share greater than 0 and at most 1 (0.8 = 80 %)")
    return round(value * 10000)


def report_day(field: str, value: Union[date, datetime, None]) -> Optional[str]:
    """A day of a report's period or its ``as_of``: a ``date``, or a ``datetime``, which means its UTC
    date (a naive one is UTC). ``None`` stays ``None``."""
    if value is None:
        return None
    if isinstance(value, datetime):
        if value.tzinfo is not None and value.utcoffset() is not None:
            try:
                value = value.astimezone(timezone.utc)
            except OverflowError:
                raise invalid(field, "is out of range in UTC") from None
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    raise _type_error(field, "a date or a datetime", value)


def report_as_of(field: str, value: Union[date, datetime, None]) -> str:
    """The day a report is made as of: like :func:`report_day`; ``None`` is today (UTC)."""
    day = report_day(field, value)
    return datetime.now(timezone.utc).date().isoformat() if day is None else day


def cents(field: str, value: Money) -> int:
    """An amount as an integer number of cents (minor units); at most two decimals."""
    text = money(field, value)
    try:
        amount = Decimal(text.strip())
    except ArithmeticError:
        raise invalid(field, f"must be an amount, not {text!r}") from None
    minor = amount.scaleb(2)
    if not minor.is_finite() or minor != minor.to_integral_value():
        raise invalid(field, "must be an amount with at most two decimals")
    return int(minor)


def rfm_thresholds(field: str, value: Optional[Mapping[str, Any]]) -> Optional[dict[str, List[int]]]:
    """Fixed RFM score bounds: a mapping with ``recency_days``, ``frequency`` (four ascending ints each)
    and ``monetary`` (four ascending amounts), or ``None``."""
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise _type_error(field, "a dict or None", value)
    unknown = set(value) - {"recency_days", "frequency", "monetary"}
    if unknown:
        raise TypeError(f"{field}: unknown keys {sorted(unknown)}")
    out: dict[str, List[int]] = {}
    for key in ("recency_days", "frequency", "monetary"):
        if key not in value:
            raise TypeError(f"{field}: missing key {key!r}")
        name = f"{field}.{key}"
        items = iterable(name, value[key])
        if key == "monetary":
            out[key] = [cents(f"{name}[{i}]", v) for i, v in enumerate(items)]
        else:
            out[key] = [integer(f"{name}[{i}]", v) for i, v in enumerate(items)]
    return out


def month(field: str, value: Union[str, date]) -> str:
    """A calendar month: ``"2026-12"`` (checked by the core), or a ``date``/``datetime``, which means its
    month."""
    if isinstance(value, str):
        return value
    if isinstance(value, date):
        return f"{value.year:04}-{value.month:02}"
    raise _type_error(field, 'a "YYYY-MM" str or a date', value)


def optional_month(field: str, value: Union[str, date, None]) -> Optional[str]:
    return None if value is None else month(field, value)


def period_day(field: str, value: Union[date, datetime]) -> str:
    """A required day of a report's period (see :func:`report_day`)."""
    day = report_day(field, value)
    if day is None:
        raise _type_error(field, "a date or a datetime", value)
    return day


def _whole_minutes(field: str, value: timedelta) -> int:
    seconds = value.total_seconds()
    if seconds % 60:
        raise invalid(field, "must be whole minutes")
    if seconds < 0:
        raise invalid(field, "must not be negative")
    return int(seconds // 60)


def clock_time(field: str, value: Any) -> str:
    """Round-the-clock time in hours and minutes: text (``"24h"``, ``"2h30m"``, checked by the core) or a
    ``timedelta`` of whole minutes."""
    if isinstance(value, str):
        return value
    if isinstance(value, timedelta):
        hours, minutes = divmod(_whole_minutes(field, value), 60)
        return f"{hours}h{minutes}m" if hours else f"{minutes}m"
    raise _type_error(field, "a str or a timedelta", value)


def calendar_time(field: str, value: Any) -> str:
    """Calendar time with days: text (``"2d"``, ``"1d12h"``, ``"1w"``, ``"0h"``, checked by the core) or
    a ``timedelta`` of whole minutes."""
    if isinstance(value, str):
        return value
    if isinstance(value, timedelta):
        days, rest = divmod(_whole_minutes(field, value), 24 * 60)
        hours, minutes = divmod(rest, 60)
        parts = [f"{n}{unit}" for n, unit in ((days, "d"), (hours, "h"), (minutes, "m")) if n]
        return "".join(parts) or "0h"
    raise _type_error(field, "a str or a timedelta", value)


def complaint_targets(field: str, value: Any) -> Optional[dict[str, str]]:
    """A priority's complaint deadlines: a ``ComplaintTargets``, a ``(first_response, resolution)`` pair
    or a mapping with those keys, each working time as text or a ``timedelta``; ``None`` stays ``None``
    (the default)."""
    if value is None:
        return None
    first = getattr(value, "first_response", None)
    resolution = getattr(value, "resolution", None)
    if isinstance(value, Mapping):
        unknown = set(value) - {"first_response", "resolution"}
        if unknown:
            raise TypeError(f"{field}: unknown keys {sorted(unknown)}")
        first, resolution = value.get("first_response"), value.get("resolution")
    elif isinstance(value, tuple):
        if len(value) != 2:
            raise _type_error(field, "a (first_response, resolution) pair", value)
        first, resolution = value
    elif first is None:
        raise _type_error(field, "a (first_response, resolution) pair", value)
    return {
        "first_response": duration(f"{field}.first_response", first),
        "resolution": duration(f"{field}.resolution", resolution),
    }


def assignee(field: str, value: Any) -> Union[str, int]:
    """Who gets a rule's task: ``"owner"`` or a manager's id."""
    if value == "owner" and isinstance(value, str):
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    raise _type_error(field, '"owner" or a manager id', value)


_ACTION_KEYS = {
    "task": ("task_kind", "title", "due_in", "to"),
    "tag": ("tag",),
    "mailing": ("segment",),
    "reassign": ("manager",),
}


def rule_action(field: str, value: Any) -> dict[str, Any]:
    """A retention rule's action: a ``TaskAction``, ``TagAction``, ``MailingAction`` or
    ``ReassignAction``, or a mapping with ``kind`` and that action's keys."""
    if not isinstance(value, Mapping):
        to_dict = getattr(value, "to_dict", None)
        if not callable(to_dict) or not hasattr(value, "kind"):
            raise _type_error(field, "a TaskAction, TagAction, MailingAction, ReassignAction or dict", value)
        value = to_dict()
    kind = value.get("kind")
    if not isinstance(kind, str) or kind not in _ACTION_KEYS:
        raise invalid(f"{field}.kind", "must be one of: task tag mailing reassign")
    keys = _ACTION_KEYS[kind]
    unknown = set(value) - set(keys) - {"kind"}
    if unknown:
        raise TypeError(f"{field}: unknown keys {sorted(unknown)} for a {kind} action")
    out: dict[str, Any] = {"kind": kind}
    if kind == "task":
        for key in ("task_kind", "title", "due_in"):
            if key not in value:
                raise TypeError(f"{field}: missing key {key!r}")
        out["task_kind"] = text(f"{field}.task_kind", value["task_kind"])
        out["title"] = text(f"{field}.title", value["title"])
        out["due_in"] = calendar_time(f"{field}.due_in", value["due_in"])
        out["to"] = assignee(f"{field}.to", value.get("to", "owner"))
    elif kind == "tag":
        out["tag"] = text(f"{field}.tag", value.get("tag"))
    elif kind == "mailing":
        out["segment"] = text(f"{field}.segment", value.get("segment"))
    else:
        out["manager"] = optional_integer(f"{field}.manager", value.get("manager"))
    return out


def instant(field: str, value: datetime) -> str:
    """A required instant (a bound of a period): a ``datetime`` as :func:`time`; ``None`` is refused."""
    if not isinstance(value, datetime):
        raise _type_error(field, "a datetime", value)
    return time(field, value)


def column_mapping(field: str, value: Optional[Mapping[str, Optional[str]]]) -> dict[str, str]:
    """An import's column mapping: header text to field; ``None`` (or ``""``) ignores the column."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise _type_error(field, "a dict of header to field", value)
    out = {}
    for header, target in value.items():
        text(f"{field} key", header)
        out[header] = "" if target is None else text(f"{field}[{header!r}]", target)
    return out


def _json(field: str, value: Any) -> Any:
    """A JSON-like value as the core reads it: ``Decimal`` as decimal text, ``datetime`` as RFC 3339 UTC,
    ``date`` as ``YYYY-MM-DD``; a ``float`` is refused (money must be exact)."""
    if value is None or isinstance(value, (str, bool, int)):
        return value
    if isinstance(value, float):
        raise invalid(field, "must not be a float (it cannot be exact): pass a Decimal, an int or a str")
    if isinstance(value, Decimal):
        return money(field, value)
    if isinstance(value, datetime):
        return time(field, value)
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {text(f"{field} key", k): _json(f"{field}.{k}" if field else k, v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json(f"{field}[{i}]", v) for i, v in enumerate(value)]
    raise _type_error(field, "a JSON-like value (str, int, Decimal, datetime, dict, list)", value)


def web_order(field: str, value: Mapping[str, Any]) -> dict[str, Any]:
    """A web order as a shop sends it: a dict in the shape of its JSON (amounts as ``str``, ``Decimal`` or
    ``int``; ``placed_at`` as a ``datetime`` or RFC 3339 text). A line may also be a ``(sku, quantity,
    price)`` tuple. Fields the core does not know are left for it to refuse, by name."""
    if not isinstance(value, Mapping):
        raise _type_error(field, "a dict", value)
    out: dict[str, Any] = {}
    for key, item in value.items():
        text(f"{field} key", key)
        if key in ("total", "shipping") and item is not None:
            out[key] = money(key, item)
        elif key == "placed_at" and isinstance(item, datetime):
            out[key] = time(key, item)
        elif key == "lines" and item is not None:
            lines = []
            for i, line in enumerate(iterable("lines", item)):
                name = f"lines[{i}]"
                if isinstance(line, (tuple, list)):
                    if len(line) != 3:
                        raise _type_error(name, "a (sku, quantity, price) tuple or a dict", line)
                    line = {"sku": line[0], "quantity": line[1], "price": line[2]}
                elif not isinstance(line, Mapping):
                    raise _type_error(name, "a (sku, quantity, price) tuple or a dict", line)
                converted = _json(name, {k: v for k, v in line.items() if k != "price"})
                if "price" in line:
                    converted["price"] = money(f"{name}.price", line["price"])
                lines.append(converted)
            out[key] = lines
        else:
            out[key] = _json(key, item)
    return out
