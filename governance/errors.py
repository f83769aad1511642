"""Every error meshgov raises on purpose, under one root: `MeshgovError`.

A front end catches `MeshgovError` to tell a person what was wrong and what to do; anything
else escaping is a bug. Each class also keeps the built-in base it always had (ValueError,
LookupError, PermissionError, ...), so code that caught those goes on working.

Messages are for people: what was wrong, where (file, line, field), what to do.
"""

from __future__ import annotations

# Reasons quote the file's own text; they are stored and shown, so they are kept short.
MAX_REASON_CHARS = 1000
MAX_POSITION_CHARS = 300


def storable(text: str, limit: int) -> str:
    """Text that every store can hold and a person can read: no NUL, no lone surrogate, short.

    Reasons quote hostile files (a NUL byte, undecodable names); PostgreSQL refuses NUL in
    text, and a reason it refuses would cost the whole batch's log, not just the file.
    """
    text = str(text)
    if "\0" in text:
        text = text.replace("\0", "\\x00")
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        text = text.encode("utf-8", "backslashreplace").decode("utf-8")
    return text if len(text) <= limit else text[: limit - 3] + "..."


class MeshgovError(Exception):
    """The root of every error meshgov raises on purpose; str() is the message for a person."""


# --- workspace and store ---------------------------------------------------------------


class WorkspaceError(MeshgovError, ValueError):
    """The workspace file cannot be read; the message names the file and the problem."""


class StoreNotInitialised(MeshgovError, RuntimeError):
    """The store has no schema, or an older one: run `meshgov init`."""


# --- reading evidence (collectors) -----------------------------------------------------


class CollectorParseError(MeshgovError, ValueError):
    """The file cannot be read as this collector's format; the message says why.

    `position` says where (e.g. "line 12", "Records[3]") when the format has positions.
    """

    def __init__(self, reason: str, position: str | None = None) -> None:
        self.reason = storable(reason, MAX_REASON_CHARS)
        self.position = storable(position, MAX_POSITION_CHARS) if position else position
        super().__init__(f"{self.position}: {self.reason}" if position else self.reason)


class NotEvidence(MeshgovError, ValueError):
    """The file is recognisably not evidence (e.g. a tool's own configuration): skip it, say why."""

    def __init__(self, reason: str) -> None:
        super().__init__(storable(reason, MAX_REASON_CHARS))


class UnknownCollector(MeshgovError, LookupError):
    """No collector of that name is installed."""


class JsonRefused(MeshgovError, ValueError):
    """The text is not JSON that can be read and stored; the message says why."""


class EventError(MeshgovError, ValueError):
    """One OpenLineage event cannot be read; the message names the field."""


class ObjectRefused(MeshgovError, ValueError):
    """One OpenSLO object breaks the specification; the message names the field."""


class Unreadable(MeshgovError, ValueError):
    """A part of an OTLP request cannot be read; the message names the field."""


class OutsideFolder(MeshgovError, PermissionError):
    """A descriptor's evidence path leads outside the descriptor's folder."""


class FetchError(MeshgovError, RuntimeError):
    """The endpoint could not be read; the message says what happened on the last attempt."""


# --- registering products and contracts ------------------------------------------------


class DescriptorError(MeshgovError, ValueError):
    """A descriptor or contract that cannot be registered, with where and why."""

    def __init__(self, path: str, field: str | None, problem: str) -> None:
        self.path = path
        self.field = field
        self.problem = problem
        where = f"{path}: {field}: " if field else f"{path}: "
        super().__init__(where + problem)


# --- the engine ------------------------------------------------------------------------


class PolicyFileError(MeshgovError, ValueError):
    """A policy that cannot be loaded: the message says which field and why."""


class ExpressionRefused(MeshgovError, ValueError):
    """An expression the sandbox will not run: the message says what and the limit."""


class FactsNotPlain(MeshgovError, TypeError):
    """Facts holding something other than JSON-like data (the path and type say where)."""


class PermissionDenied(MeshgovError, PermissionError):
    """An action the principal's roles do not allow; str() is the reason."""


class IllegalMove(MeshgovError, ValueError):
    """A move the item's state does not allow; the message says what is allowed."""


# --- the service -----------------------------------------------------------------------


class NotEvaluated(MeshgovError, LookupError):
    """The store holds no evaluation yet."""


class UnknownProduct(MeshgovError, LookupError):
    """A product id that is not registered."""


class Conflict(MeshgovError, RuntimeError):
    """Someone else changed the item first; the message says who and what to do."""


class OutOfScope(MeshgovError, PermissionError):
    """Pushed evidence names a product its token may not write for."""


class ItemNotFound(MeshgovError, LookupError):
    """No review item with that id."""


class CheckSetupError(MeshgovError, ValueError):
    """The descriptor or an evidence argument cannot be used; the message says why."""


class ScaffoldError(MeshgovError, ValueError):
    """The name, domain or target folder cannot be used."""
