"""The exceptions of crmkit: one root, one class per kind of failure.

Which failure becomes which class is decided in one place, the native module's error mapping
(``crm-py/src/errors.rs``); the classes live here so that they can also be the standard exceptions
a Python caller expects (a ``ValidationError`` is a ``ValueError``, a ``NotFoundError`` a
``LookupError``).
"""

from __future__ import annotations

from typing import Optional

__all__ = [
    "CrmError",
    "ValidationError",
    "NotFoundError",
    "InvalidTransitionError",
    "ConflictError",
    "StorageError",
    "SchemaTooNewError",
    "InternalError",
]


class CrmError(Exception):
    """The root of every error crmkit raises.

    ``field`` names the input field a validation error is about and ``entity`` the kind of record
    (``"lead"``, ``"client"``) a not-found or transition error is about; each is ``None`` where the
    error has none. ``kind`` is the error's kind as a code (``"validation"``, ``"not_found"``, ...).
    A failed command has written nothing.
    """

    kind: str = "crm"

    def __init__(self, message: str, *, field: Optional[str] = None, entity: Optional[str] = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.entity = entity


class ValidationError(CrmError, ValueError):
    """Input broke a rule; ``field`` names it (``"phone"``, ``"lines[1].quantity"``) and ``rule`` says
    what the rule is. Also raised for a ``float`` amount of money, which cannot be exact.

    For an expression of the segment language that does not parse or check, ``line`` and ``column``
    (1-based, in characters) say where in the expression the problem is, and ``rule`` says what it is,
    with a hint when one helps (``unknown field 'regoin' for clients at 1:1; did you mean 'region'?``);
    both are ``None`` for every other validation error."""

    kind = "validation"

    def __init__(
        self,
        message: str,
        *,
        field: Optional[str] = None,
        rule: str = "",
        line: Optional[int] = None,
        column: Optional[int] = None,
    ) -> None:
        super().__init__(message, field=field)
        self.rule = rule
        self.line = line
        self.column = column


class NotFoundError(CrmError, LookupError):
    """A referenced record does not exist: ``entity`` says what was looked for and ``key`` the id or
    code."""

    kind = "not_found"

    def __init__(self, message: str, *, entity: Optional[str] = None, key: str = "") -> None:
        super().__init__(message, entity=entity)
        self.key = key


class InvalidTransitionError(CrmError):
    """A lead or deal (``entity``) cannot go from its state ``from_state`` to ``to_state``."""

    kind = "invalid_transition"

    def __init__(
        self,
        message: str,
        *,
        entity: Optional[str] = None,
        from_state: str = "",
        to_state: str = "",
    ) -> None:
        super().__init__(message, entity=entity)
        self.from_state = from_state
        self.to_state = to_state


class ConflictError(CrmError):
    """The command contradicts what is stored: an external reference reused with other content, a
    duplicate source, a stage still in use. Also raised when a transaction is misused: the store called
    from inside its own transaction, or a transaction handle used after it ended or from another
    thread."""

    kind = "conflict"


class StorageError(CrmError):
    """SQLite failed (I/O, a locked or corrupt file), the file is not a crmkit store, or the store is
    closed."""

    kind = "storage"


class SchemaTooNewError(StorageError):
    """The file was written by a newer crmkit (schema version ``found``; this one knows up to
    ``supported``); it is left untouched."""

    kind = "schema_too_new"

    def __init__(self, message: str, *, found: int = 0, supported: int = 0) -> None:
        super().__init__(message)
        self.found = found
        self.supported = supported


class InternalError(CrmError, RuntimeError):
    """A bug in crmkit (a panic in its Rust code). Nothing of the failed command was kept and the store
    stays usable; please report it."""

    kind = "internal"
