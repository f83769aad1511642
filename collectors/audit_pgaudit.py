"""pgaudit entries in a PostgreSQL server log (stderr log format), for the audit_logs collector.

A server log line is ``<log_line_prefix><LEVEL>:  AUDIT: <CSV>``; the CSV columns are
AUDIT_TYPE (SESSION|OBJECT), STATEMENT_ID, SUBSTATEMENT_ID, CLASS (READ, WRITE, FUNCTION,
ROLE, DDL, MISC, MISC_SET), COMMAND, OBJECT_TYPE, OBJECT_NAME, STATEMENT, PARAMETER and,
with ``pgaudit.log_rows``, ROWS. A statement that spans lines continues on lines that
PostgreSQL starts with a tab. Every other line of the server log is skipped.

The prefix is the server's ``log_line_prefix``, given as the source's
``options.log_line_prefix``; the default ``'%m [%p] %q%u@%d '`` is what Debian and Ubuntu
clusters are created with (PostgreSQL's own default since 10 is ``'%m [%p] '``, which
names no user: add ``%u``). It must contain ``%u`` and a time (``%m``, ``%t`` or ``%n``).
Escapes read: %m %t %n %s %p %u %d %a %h %r %l %c %v %x %e %i %b %Q %q %% (with optional
padding such as ``%-10u``). Times must be UTC/GMT or a numeric offset (``-03``,
``+0530``), as ``log_timezone`` writes them; other zone abbreviations (CET, EST, ...) are
ambiguous and refuse the line: set ``log_timezone = 'UTC'``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta, timezone

from collectors import SourceContext
from governance.errors import CollectorParseError
from governance.model.records import AuditEvent

DEFAULT_LOG_LINE_PREFIX = "%m [%p] %q%u@%d "
# pgaudit.log_level: any of these, LOG by default. Two spaces follow the colon.
_AUDIT_MARK = re.compile(r"(?P<level>LOG|INFO|NOTICE|WARNING|DEBUG[1-5]?):  AUDIT: ")
# A line with an AUDIT mark and the tab-started lines that continue it, found in the whole
# log at once: a server log is mostly other lines, and iterating over millions of them in
# Python (or splitting the log into a list of them) costs more than the entries do.
_ENTRY = re.compile(
    r"(?m)^[^\n]*?(?:LOG|INFO|NOTICE|WARNING|DEBUG[1-5]?):  AUDIT: [^\n]*(?:\n\t[^\n]*)*"
)
_STAMP = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d"
_ZONE = r"[A-Za-z][A-Za-z0-9_/+-]*|[+-]\d\d(?::?\d\d)?"
_ESCAPES: dict[str, tuple[str, str | None]] = {
    # escape: (pattern, group name or None when the value is not used)
    "m": (rf"{_STAMP}\.\d{{3}} (?:{_ZONE})", "time"),
    "t": (rf"{_STAMP} (?:{_ZONE})", "time"),
    "n": (r"\d+\.\d{3}", "epoch"),
    "s": (rf"{_STAMP} (?:{_ZONE})", None),
    "p": (r"\d+", "pid"),
    "u": (r".*?", "user"),
    "d": (r".*?", "database"),
    "a": (r".*?", "application"),
    "h": (r"\S*?", "host"),
    "r": (r"\S*?", "host"),
    "l": (r"\d+", None),
    "c": (r"[0-9a-f]+\.[0-9a-f]+", "session"),
    "v": (r"\S*?", None),
    "x": (r"\d+", None),
    "e": (r"[0-9A-Z]{5}", None),
    "i": (r".*?", None),
    "b": (r".*?", None),
    "Q": (r"-?\d+", None),
}
# Escapes whose values are free text: two in a row could be split anywhere.
_FREE_TEXT = frozenset("udahrvib")
_UTC_NAMES = {"UTC", "GMT", "UCT", "Z", "ZULU", "ETC/UTC", "ETC/GMT", "UNIVERSAL"}
_OFFSET = re.compile(r"^([+-])(\d\d):?(\d\d)?$")


def prefix_pattern(prefix: str) -> re.Pattern[str]:
    """The regex for what a log_line_prefix writes before the level (e.g. 'LOG:  ')."""
    parts: list[str] = []
    optional_from: int | None = None
    used: set[str] = set()
    previous_free: str | None = None  # the text escape just before, if nothing followed it
    index = 0
    while index < len(prefix):
        char = prefix[index]
        if char != "%":
            parts.append(re.escape(char))
            previous_free = None
            index += 1
            continue
        match = re.match(r"%(-?\d+)?(.)", prefix[index:])
        if not match:
            raise CollectorParseError(f"options.log_line_prefix {prefix!r} ends with a lone '%'")
        padding, escape = match.group(1), match.group(2)
        index += match.end()
        if escape == "%":
            parts.append("%")
            previous_free = None
        elif escape == "q":
            optional_from = len(parts)  # non-session processes stop here; AUDIT lines do not
        elif escape in _ESCAPES:
            if escape in _FREE_TEXT and previous_free:
                raise CollectorParseError(
                    f"options.log_line_prefix {prefix!r}: %{previous_free} and %{escape} follow "
                    "each other with nothing between, so their values cannot be told apart"
                )
            pattern, group = _ESCAPES[escape]
            if group and group not in used:
                used.add(group)
                pattern = f"(?P<{group}>{pattern})"
            parts.append(rf" *{pattern} *" if padding else pattern)
            previous_free = escape if escape in _FREE_TEXT else None
            continue
        else:
            raise CollectorParseError(
                f"options.log_line_prefix {prefix!r}: unknown escape %{escape}"
            )
    if "user" not in used:
        raise CollectorParseError(
            f"options.log_line_prefix {prefix!r} has no %u: pgaudit lines would name no actor; "
            "add %u to the server's log_line_prefix (and to options.log_line_prefix)"
        )
    if not used & {"time", "epoch"}:
        raise CollectorParseError(
            f"options.log_line_prefix {prefix!r} has no time (%m, %t or %n); add one"
        )
    if optional_from is not None:
        parts[optional_from:] = ["(?:" + "".join(parts[optional_from:]) + ")?"]
    return re.compile("".join(parts))


def parse_pgaudit(
    text: str, source: SourceContext
) -> Iterator[tuple[str, AuditEvent | CollectorParseError]]:
    """Each AUDIT entry's position and event (or the problem with it); other lines skipped."""
    configured = source.options.get("log_line_prefix", DEFAULT_LOG_LINE_PREFIX)
    if not isinstance(configured, str):
        raise CollectorParseError("options.log_line_prefix must be a string")
    pattern = prefix_pattern(configured)
    for number, entry in _entries(text):
        where = f"line {number}"
        mark = _AUDIT_MARK.search(entry)
        # Only the text before the mark is the prefix: matching it alone keeps the lazy
        # groups (%u, %d, %a) from backtracking through a long statement.
        match = pattern.fullmatch(entry[: mark.start()]) if mark else None
        if not mark or not match:
            yield (
                where,
                CollectorParseError(
                    f"an AUDIT line that does not start with log_line_prefix {configured!r}; "
                    "set options.log_line_prefix to the server's log_line_prefix",
                    where,
                ),
            )
            continue
        try:
            yield where, _event(match, mark.group("level"), entry[mark.end() :], source)
        except ValueError as exc:
            yield where, CollectorParseError(str(exc), where)


def _entries(text: str) -> Iterator[tuple[int, str]]:
    """AUDIT entries with their tab-continued lines joined back with newlines."""
    number, counted_to = 1, 0
    for match in _ENTRY.finditer(text):
        number += text.count("\n", counted_to, match.start())
        counted_to = match.start()
        first, *continued = match.group().split("\n")
        lines = [first.rstrip("\r")] + [line.rstrip("\r")[1:] for line in continued]
        yield number, "\n".join(lines)


def _event(match: re.Match[str], level: str, audit: str, source: SourceContext) -> AuditEvent:
    fields = match.groupdict()
    try:
        rows = list(csv.reader(io.StringIO(audit, newline=""), strict=True))
    except csv.Error as exc:
        raise ValueError(f"AUDIT entry is not valid CSV: {exc}") from None
    if len(rows) != 1 or len(rows[0]) not in (9, 10):
        count = sum(len(r) for r in rows)
        raise ValueError(
            f"AUDIT entry has {count} fields; pgaudit writes 9 (10 with pgaudit.log_rows)"
        )
    audit_type, statement_id, substatement_id, klass, command, object_type, object_name = rows[0][
        :7
    ]
    statement, parameter = rows[0][7:9]
    if audit_type not in ("SESSION", "OBJECT"):
        raise ValueError(f"AUDIT_TYPE {audit_type!r} is not SESSION or OBJECT")
    if not (statement_id.isdigit() and substatement_id.isdigit()):
        raise ValueError(
            f"STATEMENT_ID and SUBSTATEMENT_ID must be numbers, not "
            f"{statement_id!r} and {substatement_id!r}"
        )
    if not klass or not command:
        raise ValueError("AUDIT entry has no CLASS or COMMAND")
    user = (fields.get("user") or "").strip()
    if not user:
        raise ValueError("no user name where log_line_prefix has %u")
    time = _time(fields)
    database = (fields.get("database") or "").strip() or None
    resource = object_name or database or "(no object)"
    details = {
        "audit_type": audit_type,
        "class": klass,
        "object_type": object_type or None,
        "database": database,
        "statement": statement,
        "parameter": parameter,
        "level": level,
    }
    for key in ("pid", "session", "application", "host"):
        if fields.get(key):
            details[key] = fields[key].strip()
    if len(rows[0]) == 10:
        details["rows"] = rows[0][9]
    # pid (or session id) + time is the backend call; statement/substatement ids and the
    # object tell apart the entries pgaudit writes for one call (one per relation).
    identity = [
        fields.get("session") or fields.get("pid") or "",
        time.isoformat(),
        audit_type,
        f"{statement_id}.{substatement_id}",
        object_name,
    ]
    return AuditEvent(
        product_id=source.attribute(
            f"{database}.{object_name}" if database and object_name else None,
            object_name or None,
            database,
        ),
        time=time,
        actor=user,
        action=command,
        resource=resource,
        read_only=klass == "READ",
        source_tool="pgaudit",
        source=source.path,
        event_id=":".join(identity),
        details={k: v for k, v in details.items() if v is not None},
    )


def _time(fields: dict[str, str | None]) -> datetime:
    if fields.get("epoch"):
        try:
            return datetime.fromtimestamp(float(fields["epoch"] or 0), UTC)
        except (OverflowError, OSError, ValueError):
            raise ValueError(f"epoch time {fields['epoch']!r} is out of range") from None
    stamp = fields.get("time") or ""
    clock, _, zone = stamp.rpartition(" ")
    fmt = "%Y-%m-%d %H:%M:%S.%f" if "." in clock else "%Y-%m-%d %H:%M:%S"
    try:
        local = datetime.strptime(clock, fmt)
    except ValueError:
        raise ValueError(f"time {stamp!r} is not a valid date and time") from None
    return local.replace(tzinfo=_zone(zone)).astimezone(UTC)


def _zone(zone: str) -> timezone:
    if zone.upper() in _UTC_NAMES:
        return UTC
    offset = _OFFSET.match(zone)
    if offset:
        sign = -1 if offset.group(1) == "-" else 1
        delta = timedelta(hours=int(offset.group(2)), minutes=int(offset.group(3) or 0))
        if delta < timedelta(hours=24):
            return timezone(sign * delta)
    raise ValueError(
        f"time zone {zone!r} is ambiguous or unknown (abbreviations like CET or EST mean "
        "different offsets in different places); set log_timezone = 'UTC' on the server"
    )
