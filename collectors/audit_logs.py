"""Audit trails: who did what to which product, when. Three forms, told apart by content.

Any of them may be gzip-compressed (decompressed up to 256 MiB); an empty file is refused.

1. **CloudTrail** log files, ``{"Records": [...]}`` (``.json.gz`` as CloudTrail delivers
   them to S3). See ``collectors/audit_cloudtrail.py``. A bad record is a problem at
   ``Records[i]`` naming the field; the other records land. ``{"Records": []}`` is a valid
   file with no events; digest files and Insights-only files are skipped as not evidence.
2. **pgaudit** entries in a PostgreSQL server log (stderr format); every line that is not
   an ``AUDIT:`` entry is skipped, a log with none is skipped as not evidence. Option
   ``log_line_prefix`` (the server's; default ``'%m [%p] %q%u@%d '``). See
   ``collectors/audit_pgaudit.py``. Actor = user (%u), action = pgaudit COMMAND,
   resource = OBJECT_NAME (else the database), read_only = CLASS is READ. Bytes that are
   not UTF-8 (a LATIN1 database's statements) are read as U+FFFD, not refused.
3. **Generic JSON lines**, one object per line::

       {"time": "2026-11-24T03:00:00Z", "actor": "ana@example.com", "action": "download",
        "resource": "s3://lake/orders/", "product": "orders", "read_only": true, "id": "e-1"}

   ``time`` (ISO 8601 with a zone), ``actor``, ``action`` and ``resource`` (strings) are
   required; ``product`` (id or dataset alias; else the resource is looked up),
   ``read_only`` (true/false; when absent, actions whose verb is read, select, get, list,
   query, describe, head, view or download count as reads: the last ``.``/``:``/``/``
   segment's first word, so ``s3:GetObject`` and ``orders.read`` are reads) and ``id`` (the
   event's own id, string or integer) are optional. Other keys are kept as details.

Option ``format`` (``cloudtrail``, ``pgaudit`` or ``jsonl``) forces one form instead of
recognising it. The same event twice (same id, or same time, actor, action and resource)
is one event; the same id with different content refuses the later one. Events whose
product the directory does not know are kept unattributed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from itertools import chain
from typing import Any

from collectors import Parsed, SourceContext
from collectors.audit_cloudtrail import is_digest, parse_cloudtrail
from collectors.audit_pgaudit import parse_pgaudit
from collectors.json_lines import (
    gave_up,
    gunzip_if_compressed,
    json_objects,
    json_type,
    parse_zoned_time,
    partial_read,
    strict_json,
    text_field,
)
from governance.errors import CollectorParseError, NotEvidence
from governance.model.records import AuditEvent

FORMATS = ("cloudtrail", "pgaudit", "jsonl")
READ_VERBS = frozenset(
    {"read", "select", "get", "list", "query", "describe", "head", "view", "download"}
)
_PGAUDIT_MARK = re.compile(rb"(?:LOG|INFO|NOTICE|WARNING|DEBUG[1-5]?):  AUDIT: ")
_CLOUDTRAIL_START = re.compile(rb'\{\s*"Records"\s*:')
_WORD = re.compile(r"[A-Z]?[a-z]+|[A-Z]+(?![a-z])|[0-9]+")
_JSONL_FIELDS = ("time", "actor", "action", "resource", "product", "read_only", "id")


class AuditLogsCollector:
    """CloudTrail files, pgaudit server logs and generic audit JSON lines."""

    name = "audit_logs"
    description = (
        "Audit trails: CloudTrail Records (.json, .json.gz), pgaudit log lines, JSON lines"
    )
    file_suffixes = (".json", ".json.gz", ".jsonl", ".ndjson", ".log", ".gz")

    def parse(self, content: bytes, source: SourceContext) -> list[AuditEvent] | Parsed:
        """AuditEvents from whichever of the three forms the file is."""
        content = gunzip_if_compressed(content)
        if not content.strip():
            raise CollectorParseError("the file is empty: no audit events")
        form = source.options.get("format") or _recognise(content)
        if form not in FORMATS:
            raise CollectorParseError(f"options.format {form!r} is not one of {', '.join(FORMATS)}")
        if form == "cloudtrail":
            return _cloudtrail(content, source)
        if form == "pgaudit":
            return _pgaudit(content, source)
        return _collect(_jsonl(content, source), "audit events (JSON lines)")


def _recognise(content: bytes) -> str:
    head = content.lstrip(b"\xef\xbb\xbf \t\r\n")
    if _CLOUDTRAIL_START.match(head):
        return "cloudtrail"  # even when truncated: say what is wrong with the CloudTrail file
    if head.startswith(b"{"):
        try:
            document = strict_json(content.decode("utf-8-sig"))
        except (ValueError, RecursionError):
            return "jsonl"  # not one JSON document: one per line, or broken lines to report
        if isinstance(document, dict) and "Records" in document:
            return "cloudtrail"
        if isinstance(document, dict) and is_digest(document):
            raise NotEvidence("a CloudTrail digest file (log file hashes, not events)")
        if isinstance(document, dict) and b"\n" in content.strip():
            raise CollectorParseError(
                "a JSON document that is not a CloudTrail file (no 'Records' list); "
                "JSON lines need one audit event per line"
            )
        return "jsonl"
    if _PGAUDIT_MARK.search(content):
        return "pgaudit"
    raise CollectorParseError(
        'not an audit log: neither a CloudTrail file ({"Records": [...]}), pgaudit entries '
        "('LOG:  AUDIT: ...') nor JSON lines; set options.format to say which it is"
    )


def _cloudtrail(content: bytes, source: SourceContext) -> list[AuditEvent] | Parsed:
    try:
        document = strict_json(content.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise CollectorParseError(f"not UTF-8 text: {exc.reason} at byte {exc.start}") from exc
    except RecursionError as exc:
        raise CollectorParseError("not valid JSON: nested too deeply") from exc
    except ValueError as exc:
        raise CollectorParseError(f"not valid JSON: {exc}") from exc
    if not isinstance(document, dict) or "Records" not in document:
        raise CollectorParseError("not a CloudTrail file: expected an object with 'Records'")
    entries = list(parse_cloudtrail(document, source))
    if not entries and isinstance(document["Records"], list) and document["Records"]:
        raise NotEvidence("CloudTrail Insights events only (no API calls)")
    if not entries:
        return []  # CloudTrail's own empty delivery: a valid file with no events
    return _collect(entries, "CloudTrail records")


def _pgaudit(content: bytes, source: SourceContext) -> list[AuditEvent] | Parsed:
    # Statements keep the client's bytes (a LATIN1 database writes non-UTF-8 text), and
    # most lines are skipped anyway: decode leniently rather than refuse the log.
    text = content.removeprefix(b"\xef\xbb\xbf").decode("utf-8", "replace")
    entries = parse_pgaudit(text, source)
    first = next(entries, None)
    if first is None:
        raise NotEvidence(
            "a PostgreSQL log without pgaudit entries ('LOG:  AUDIT: ...'); is pgaudit.log set?"
        )
    # Lazily: a log of millions of bad entries stops at MAX_PROBLEMS, not after all of them.
    return _collect(chain([first], entries), "pgaudit entries")


def _jsonl(content: bytes, source: SourceContext) -> Iterable[tuple[str, Any]]:
    for number, entry in json_objects(content):
        where = f"line {number}"
        if isinstance(entry, CollectorParseError):
            yield where, entry
            continue
        try:
            yield where, _jsonl_event(entry, source)
        except ValueError as exc:
            yield where, CollectorParseError(str(exc), where)


def _jsonl_event(entry: dict[str, Any], source: SourceContext) -> AuditEvent:
    if "time" not in entry:
        raise ValueError("'time' is missing")
    try:
        time = parse_zoned_time(entry["time"])
    except ValueError as exc:
        raise ValueError(f"'time': {exc}") from None
    actor = text_field(entry, "actor") or ""
    action = text_field(entry, "action") or ""
    resource = text_field(entry, "resource") or ""
    product = text_field(entry, "product", required=False)
    read_only = entry.get("read_only")
    details: dict[str, Any] = {k: v for k, v in entry.items() if k not in _JSONL_FIELDS}
    if read_only is None:
        read_only = is_read_action(action)
        details["read_only_inferred"] = True
    elif not isinstance(read_only, bool):
        raise ValueError(f"'read_only' must be true or false, found {json_type(read_only)}")
    attributed = source.attribute(product, resource)
    if product and product != attributed:
        details["product"] = product  # named but unknown (or overruled): keep it visible
    event_id = entry.get("id")
    if event_id is not None:
        if isinstance(event_id, bool) or not isinstance(event_id, str | int) or event_id == "":
            raise ValueError(f"'id' must be a non-empty string or an integer, found {event_id!r}")
        event_id = str(event_id)
    return AuditEvent(
        product_id=attributed,
        time=time,
        actor=actor,
        action=action,
        resource=resource,
        read_only=read_only,
        source_tool="jsonl",
        source=source.path,
        event_id=event_id,
        details=details,
    )


def is_read_action(action: str) -> bool:
    """Whether an action's verb reads: the last segment's first word (s3:GetObject, orders.read)."""
    segment = re.split(r"[.:/]", action.strip())[-1]
    words = _WORD.findall(segment)
    return bool(words) and words[0].lower() in READ_VERBS


def _collect(
    entries: Iterable[tuple[str, AuditEvent | CollectorParseError]], what: str
) -> list[AuditEvent] | Parsed:
    """Events with duplicates folded: identical repeats are one event, conflicting ids refused."""
    records: list[AuditEvent] = []
    problems: list[CollectorParseError] = []
    seen: dict[str, tuple[str, tuple[Any, ...]]] = {}
    for where, entry in entries:
        if gave_up(problems, where):
            break
        if isinstance(entry, CollectorParseError):
            problems.append(entry)
            continue
        content = (
            entry.time,
            entry.actor,
            entry.action,
            entry.resource,
            entry.read_only,
            entry.product_id,
            entry.details.get("product"),
        )
        key = entry.natural_key
        if key in seen:
            first, first_content = seen[key]
            if first_content != content:
                identity = (
                    f"event id {entry.event_id!r}"
                    if entry.event_id
                    else "time, actor, action and resource"
                )
                problems.append(
                    CollectorParseError(
                        f"same {identity} as {first} but a different event; "
                        "an event's identity must be unique",
                        where,
                    )
                )
            continue
        seen[key] = (where, content)
        records.append(entry)
    return partial_read(records, problems, what)
