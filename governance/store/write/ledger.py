"""The governance log in the store: append-only, every entry chained to the one before by SHA-256.

Each entry's hash covers its sequence number, time, actor, action, subject, payload and the
previous entry's hash, so editing, deleting or reordering any entry breaks the chain from
there on; the head row (seq and hash of the newest entry) catches entries cut off the end.
`verify` walks the chain and names the first entry that does not hold. Appends run in the
caller's transaction, behind the log's lock (`lock`), so governance writes queue up.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, select, update

from governance.store.schema.board_tables import governance_log, governance_log_head
from governance.store.schema.types import utcnow

GENESIS = "0" * 64


@dataclass(frozen=True)
class LogEntry:
    """One governance action as recorded."""

    seq: int
    time: datetime
    actor: str
    action: str
    subject: str
    payload: dict[str, Any]
    prev_hash: str
    hash: str

    def as_dict(self) -> dict[str, Any]:
        """The entry as plain data (for JSON output)."""
        return {
            "seq": self.seq,
            "time": self.time.isoformat(),
            "actor": self.actor,
            "action": self.action,
            "subject": self.subject,
            "payload": self.payload,
            "prev_hash": self.prev_hash,
            "hash": self.hash,
        }


def canonical(payload: Mapping[str, Any]) -> str:
    """The payload as canonical JSON: sorted keys, no spaces, dates as ISO strings."""
    return json.dumps(payload, sort_keys=True, separators=(",", ":"), default=_jsonable)


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.astimezone(UTC).isoformat()
    if isinstance(value, set | frozenset | tuple):
        return sorted(value) if isinstance(value, set | frozenset) else list(value)
    return str(value)


def entry_hash(
    seq: int, time: datetime, actor: str, action: str, subject: str, payload: str, prev: str
) -> str:
    """SHA-256 over an entry's fields and the previous hash (fields joined by NUL)."""
    stamp = time.astimezone(UTC).isoformat(timespec="microseconds")
    fields = (str(seq), stamp, actor, action, subject, payload, prev)
    return hashlib.sha256("\0".join(fields).encode("utf-8")).hexdigest()


def lock(connection: Connection) -> None:
    """Take the log's write lock for this transaction; governance writes queue up behind it.

    On PostgreSQL the UPDATE locks the head row until commit; on SQLite it takes the
    database's write lock. Either way the head read afterwards is the true newest entry.
    """
    touched = connection.execute(
        update(governance_log_head)
        .where(governance_log_head.c.id == 1)
        .values(seq=governance_log_head.c.seq)
    ).rowcount
    if not touched:  # a store created without migration 0004's seed row
        connection.execute(insert(governance_log_head), {"id": 1, "seq": 0, "hash": GENESIS})


def head(connection: Connection) -> tuple[int, str]:
    """(seq, hash) of the newest entry; (0, GENESIS) for an empty log."""
    row = connection.execute(
        select(governance_log_head.c.seq, governance_log_head.c.hash).where(
            governance_log_head.c.id == 1
        )
    ).first()
    return (row.seq, row.hash) if row is not None else (0, GENESIS)


def append(
    connection: Connection,
    *,
    actor: str,
    action: str,
    subject: str,
    payload: Mapping[str, Any] | None = None,
    time: datetime | None = None,
) -> LogEntry:
    """Append one entry in the caller's transaction (which it locks until commit)."""
    lock(connection)
    previous_seq, previous_hash = head(connection)
    seq = previous_seq + 1
    # Microseconds are what both backends keep; the hash must survive the round trip.
    stamp = (time or utcnow()).astimezone(UTC)
    text = canonical(dict(payload or {}))
    digest = entry_hash(seq, stamp, actor, action, subject, text, previous_hash)
    connection.execute(
        insert(governance_log),
        {
            "seq": seq,
            "time": stamp,
            "actor": actor,
            "action": action,
            "subject": subject,
            "payload": text,
            "prev_hash": previous_hash,
            "hash": digest,
        },
    )
    connection.execute(
        update(governance_log_head)
        .where(governance_log_head.c.id == 1)
        .values(seq=seq, hash=digest)
    )
    return LogEntry(seq, stamp, actor, action, subject, json.loads(text), previous_hash, digest)


def entries(
    connection: Connection,
    *,
    since: datetime | None = None,
    subject: str | None = None,
    limit: int | None = None,
) -> list[LogEntry]:
    """Entries in order, optionally from a time on, about one subject, the newest `limit`."""
    query = select(governance_log)
    if since is not None:
        query = query.where(governance_log.c.time >= since)
    if subject is not None:
        query = query.where(governance_log.c.subject == subject)
    if limit is not None:
        query = query.order_by(governance_log.c.seq.desc()).limit(limit)
        rows = list(connection.execute(query))[::-1]
    else:
        rows = list(connection.execute(query.order_by(governance_log.c.seq)))
    return [_entry(row) for row in rows]


def _entry(row: Any) -> LogEntry:
    try:
        payload = json.loads(row.payload)
    except ValueError:
        payload = {"unreadable": row.payload}
    return LogEntry(
        row.seq, row.time, row.actor, row.action, row.subject, payload, row.prev_hash, row.hash
    )


@dataclass(frozen=True)
class Verification:
    """The outcome of walking the chain."""

    ok: bool
    entries: int
    head_seq: int
    head_hash: str
    first_bad_seq: int | None = None
    problem: str | None = None


def _broken_link(row: Any, expected_seq: int, previous: str) -> str | None:
    """Why this entry does not continue the chain, or None when it does."""
    if row.seq != expected_seq:
        return (
            f"entry {expected_seq} is missing (the next one is {row.seq}): "
            "entries were deleted or renumbered"
        )
    if row.prev_hash != previous:
        return (
            f"entry {row.seq} does not follow entry {row.seq - 1}: its prev_hash "
            f"{row.prev_hash[:12]}… is not {previous[:12]}…; an entry was removed, "
            "replaced or moved"
        )
    recomputed = entry_hash(
        row.seq, row.time, row.actor, row.action, row.subject, row.payload, row.prev_hash
    )
    if recomputed != row.hash:
        return (
            f"entry {row.seq} ({row.action} by {row.actor} on {row.subject}) was changed: "
            "its content no longer matches its hash"
        )
    return None


def verify(connection: Connection, anchor: tuple[int, str] | None = None) -> Verification:
    """Walk the whole chain; the first entry that does not hold is named with the reason.

    `anchor` is a (seq, hash) pair recorded elsewhere (the board's minutes): it proves the
    log still holds that entry unchanged, which the head row alone cannot once an attacker
    rewrites the head too.
    """
    head_seq, head_hash = head(connection)
    expected_seq, previous, count = 1, GENESIS, 0
    rows = connection.execute(select(governance_log).order_by(governance_log.c.seq))
    anchor_seen = False
    for row in rows:
        count += 1
        problem = _broken_link(row, expected_seq, previous)
        if problem is None and anchor is not None and row.seq == anchor[0]:
            anchor_seen = True
            if row.hash != anchor[1]:
                problem = f"entry {row.seq} differs from the anchor {anchor[1][:12]}…"
        if problem is not None:
            bad_seq = expected_seq if row.seq != expected_seq else row.seq
            return Verification(False, count, head_seq, head_hash, bad_seq, problem)
        previous, expected_seq = row.hash, expected_seq + 1
    last_seq = expected_seq - 1
    if (last_seq, previous) != (head_seq, head_hash):
        return Verification(
            False,
            count,
            head_seq,
            head_hash,
            last_seq + 1 if head_seq > last_seq else head_seq,
            f"the log ends at entry {last_seq} but its head records entry {head_seq} "
            f"({head_hash[:12]}…): entries were cut off the end or the head was altered",
        )
    if anchor is not None and not anchor_seen:
        return Verification(
            False,
            count,
            head_seq,
            head_hash,
            anchor[0],
            f"the anchor names entry {anchor[0]}, but the log ends at entry {last_seq}: "
            "entries were cut off the end",
        )
    return Verification(True, count, head_seq, head_hash)
