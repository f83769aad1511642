"""A SQLite writer's WAL checkpoints on a thread (store/checkpoint.py): bounded, complete, undone.

The ingest worker commits small groups all day; its checkpoints run beside its writes
instead of inside them. What a user relies on: nothing committed is lost or altered, the
`-wal` file stays bounded as it would with SQLite's own checkpoints, and the connection the
worker gives back to the pool checkpoints for itself again.
"""

from __future__ import annotations

import os
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from governance.model.tokens import TokenScope
from governance.store import Store
from governance.store.checkpoint import MOST_PAGES, WalCheckpoints
from governance.store.schema.tables import pipeline_runs
from tests.ingest.events import orders_json
from tests.ingest.workspace import workspace_for

FRAME = 4096 + 24  # a page and its frame header in the WAL
PAGES, MOST = 40, 160  # small thresholds, so a short test goes round many times


def _writer(tmp_path: Path) -> tuple[Store, Path]:
    database = tmp_path / "meshgov.db"
    store = Store(f"sqlite:///{database}")
    with store.engine.begin() as connection:
        connection.exec_driver_sql("CREATE TABLE facts (key TEXT PRIMARY KEY, body TEXT)")
    return store, database


def _commit_groups(store: Store, checkpoints: WalCheckpoints | None, groups: int) -> int:
    """Commit `groups` groups of 20 rows of 1 KB (about 6 pages each); the WAL's largest size."""
    wal = Path(f"{store.engine.url.database}-wal")
    largest = 0
    with store.engine.connect() as connection:
        if checkpoints is not None:
            checkpoints.adopt(connection)
        else:
            connection.exec_driver_sql("PRAGMA wal_autocheckpoint=0")
            connection.commit()
        for group in range(groups):
            if checkpoints is not None:
                checkpoints.before_write()
            with connection.begin():
                rows = [(f"{group:05d}-{row:02d}", os.urandom(512).hex()) for row in range(20)]
                connection.exec_driver_sql("INSERT INTO facts VALUES (?, ?)", rows)
            if checkpoints is not None:
                checkpoints.committed()
            largest = max(largest, wal.stat().st_size)
        if checkpoints is not None:
            checkpoints.release(connection)
            checkpoints.close()
    return largest


def test_checkpoints_on_a_thread_keep_the_wal_bounded_and_every_row(tmp_path):
    store, database = _writer(tmp_path)
    largest = _commit_groups(store, WalCheckpoints(database, pages=PAGES, most=MOST), 400)

    # 400 groups wrote about 2,400 pages; the WAL started over again and again instead.
    assert largest <= 2 * MOST * FRAME, f"the WAL grew to {largest // FRAME} pages"
    # The pages were copied into the database file itself, not left in the WAL.
    assert database.stat().st_size > 8_000 * 1024
    with sqlite3.connect(database) as reader:
        assert reader.execute("SELECT count(*), count(DISTINCT key) FROM facts").fetchone() == (
            8_000,
            8_000,
        )
        assert reader.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    store.engine.dispose()


def test_without_them_the_same_writes_grow_the_wal_without_bound(tmp_path):
    """The bound above is the checkpoints' doing: the writer alone never copies a page."""
    store, _ = _writer(tmp_path)
    largest = _commit_groups(store, None, 400)
    assert largest > 10 * MOST * FRAME
    store.engine.dispose()


def test_the_connection_given_back_checkpoints_for_itself_again(tmp_path):
    store, database = _writer(tmp_path)
    checkpoints = WalCheckpoints(database)
    with store.engine.connect() as connection:
        checkpoints.adopt(connection)
        assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
        connection.commit()
        checkpoints.release(connection)
        assert connection.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 1000
    checkpoints.close()
    store.engine.dispose()


def test_the_push_writer_checkpoints_beside_its_writes_and_gives_them_back(tmp_path):
    """Push.hold_connection (the ingest worker's writer) on SQLite: every run stored, the WAL
    bounded, and the connection it gives back checkpoints for itself again."""
    service = workspace_for(tmp_path, f"sqlite:///{tmp_path / 'meshgov.db'}")
    scope = TokenScope("t1", "bench", "sales", None)
    start = datetime(2026, 11, 24, 3, tzinfo=UTC)
    push = service.push
    push.hold_connection()
    wal, largest = tmp_path / "meshgov.db-wal", 0
    for group in range(150):
        deliveries = [
            push.parse(
                "openlineage",
                orders_json(
                    f"0192d5a0-0000-7000-8000-{group * 16 + event:012x}",
                    when=(start + timedelta(seconds=group * 16 + event)).isoformat(),
                ).encode(),
                scope,
                f"request {group}.{event}",
            )
            for event in range(16)
        ]
        # A new run and two new checks each; the lineage edge is new once, then widened.
        new = [outcome.records_new for outcome in push.write(deliveries)]
        assert new == ([4] + [3] * 15 if group == 0 else [3] * 16)
        largest = max(largest, wal.stat().st_size)
    assert push._held is not None
    pooled = push._held.connection.driver_connection  # the sqlite3 connection it wrote on
    # It took no checkpoint itself: the bound below is the thread's doing.
    assert pooled.execute("PRAGMA wal_autocheckpoint").fetchone() == (0,)
    push.release_connection()

    assert largest <= 2 * MOST_PAGES * FRAME, f"the WAL grew to {largest // FRAME} pages"
    with service.store.read() as connection:
        assert connection.scalar(select(func.count()).select_from(pipeline_runs)) == 2_400
        assert connection.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
    # Back in the pool, that connection checkpoints for itself again.
    assert pooled.execute("PRAGMA wal_autocheckpoint").fetchone() == (1000,)
    service.store.dispose()
