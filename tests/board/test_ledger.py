"""The governance log: a hash chain that names the first entry edited, deleted, moved or cut."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, text, update
from sqlalchemy.exc import DBAPIError

from governance.store.schema.board_tables import governance_log, governance_log_head
from governance.store.write import ledger

T0 = datetime(2026, 11, 24, 9, 0, 0, 123456, tzinfo=UTC)


def write_entries(store, count=5):
    with store.begin() as connection:
        for n in range(1, count + 1):
            ledger.append(
                connection,
                actor=f"person{n}@harmonia.example",
                action="item.commented",
                subject=f"item:{n}",
                payload={"comment": f"comment {n} — ünïcode", "n": n, "at": T0},
                time=T0 + timedelta(minutes=n),
            )


def verify(store, anchor=None):
    with store.read() as connection:
        return ledger.verify(connection, anchor)


def tamper(store, statement):
    """Change the log behind meshgov's back (on PostgreSQL its trigger must be lifted first)."""
    with store.begin() as connection:
        if store.backend == "postgresql":
            connection.execute(text("ALTER TABLE governance_log DISABLE TRIGGER USER"))
        connection.execute(statement)
        if store.backend == "postgresql":
            connection.execute(text("ALTER TABLE governance_log ENABLE TRIGGER USER"))


def test_an_untouched_chain_verifies_and_round_trips_its_payload(store):
    write_entries(store)
    result = verify(store)
    assert result.ok and result.entries == 5 and result.head_seq == 5
    with store.read() as connection:
        entries = ledger.entries(connection)
    assert [e.seq for e in entries] == [1, 2, 3, 4, 5]
    assert entries[0].prev_hash == ledger.GENESIS
    assert all(b.prev_hash == a.hash for a, b in zip(entries, entries[1:], strict=False))
    assert entries[2].payload == {"comment": "comment 3 — ünïcode", "n": 3, "at": T0.isoformat()}


def test_an_empty_log_verifies(store):
    result = verify(store)
    assert result.ok and result.entries == 0 and result.head_hash == ledger.GENESIS


def test_an_edited_payload_is_named(store):
    write_entries(store)
    tamper(
        store, update(governance_log).where(governance_log.c.seq == 3).values(payload='{"n":33}')
    )
    result = verify(store)
    assert not result.ok and result.first_bad_seq == 3
    assert (
        "entry 3 (item.commented by person3@harmonia.example on item:3) was changed"
        in result.problem
    )


@pytest.mark.parametrize("column", ["actor", "action", "subject"])
def test_any_edited_field_breaks_the_entry(store, column):
    write_entries(store)
    tamper(store, update(governance_log).where(governance_log.c.seq == 2).values({column: "x"}))
    assert verify(store).first_bad_seq == 2


def test_an_edited_time_breaks_the_entry(store):
    write_entries(store)
    tamper(
        store,
        update(governance_log).where(governance_log.c.seq == 4).values(time=T0 - timedelta(days=1)),
    )
    assert verify(store).first_bad_seq == 4


def test_an_entry_rehashed_after_editing_breaks_the_next_link(store):
    write_entries(store)
    with store.read() as connection:
        entry = ledger.entries(connection)[1]
    forged = ledger.entry_hash(
        2,
        entry.time,
        "mallory@evil.example",
        entry.action,
        entry.subject,
        ledger.canonical(entry.payload),
        entry.prev_hash,
    )
    tamper(
        store,
        update(governance_log)
        .where(governance_log.c.seq == 2)
        .values(actor="mallory@evil.example", hash=forged),
    )
    result = verify(store)
    assert result.first_bad_seq == 3 and "does not follow entry 2" in result.problem


def test_a_deleted_entry_is_named(store):
    write_entries(store)
    tamper(store, delete(governance_log).where(governance_log.c.seq == 2))
    result = verify(store)
    assert not result.ok and result.first_bad_seq == 2
    assert "entry 2 is missing" in result.problem


def test_reordered_entries_are_named(store):
    write_entries(store)
    # Swap entries 2 and 3 by renumbering them (through a free number).
    tamper(store, update(governance_log).where(governance_log.c.seq == 2).values(seq=99))
    tamper(store, update(governance_log).where(governance_log.c.seq == 3).values(seq=2))
    tamper(store, update(governance_log).where(governance_log.c.seq == 99).values(seq=3))
    result = verify(store)
    assert not result.ok and result.first_bad_seq == 2
    assert "does not follow entry 1" in result.problem


def test_a_truncated_log_is_caught_by_the_head(store):
    write_entries(store)
    tamper(store, delete(governance_log).where(governance_log.c.seq >= 4))
    result = verify(store)
    assert not result.ok
    assert "ends at entry 3 but its head records entry 5" in result.problem


def test_a_truncation_that_also_rewrites_the_head_is_caught_by_the_minutes_anchor(store):
    write_entries(store)
    with store.read() as connection:
        anchor = (5, ledger.entries(connection)[4].hash)
        third = ledger.entries(connection)[2].hash
    assert verify(store, anchor).ok
    tamper(store, delete(governance_log).where(governance_log.c.seq >= 4))
    with store.begin() as connection:
        connection.execute(update(governance_log_head).values(seq=3, hash=third))
    assert verify(store).ok  # the chain alone looks whole...
    result = verify(store, anchor)  # ...but not against what the minutes recorded
    assert not result.ok and "the anchor names entry 5" in result.problem


def test_an_anchor_that_does_not_match_is_named(store):
    write_entries(store)
    result = verify(store, (2, "f" * 64))
    assert (
        not result.ok and result.first_bad_seq == 2 and "differs from the anchor" in result.problem
    )


def test_a_rolled_back_action_leaves_no_entry(store):
    write_entries(store, 1)
    with pytest.raises(RuntimeError), store.begin() as connection:
        ledger.append(connection, actor="a@x", action="item.decided", subject="item:1")
        raise RuntimeError("the decision failed after logging")
    assert verify(store).entries == 1 and verify(store).ok


def test_postgresql_refuses_update_delete_and_truncate_on_the_log(pg_url):
    from governance.store import Store

    store = Store(pg_url)
    store.init()
    write_entries(store, 2)
    for statement in (
        update(governance_log).values(actor="mallory"),
        delete(governance_log),
        text("TRUNCATE governance_log"),
    ):
        with pytest.raises(DBAPIError, match="append-only"), store.begin() as connection:
            connection.execute(statement)
    assert verify(store).ok and verify(store).entries == 2
    store.dispose()
