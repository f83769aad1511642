"""A SQLite writer's WAL checkpoints, taken off its path: run on a thread beside its writes.

In WAL mode every commit appends pages to the `-wal` file, and the commit that takes it past
1,000 pages also copies them back into the database and syncs both files to disk (a
checkpoint): tens of milliseconds, mostly waiting for the disk. For a writer that commits
small groups all day (the ingest worker) that wait was a third of the cost of writing
(benchmarks/README.md). `WalCheckpoints` turns the writer's automatic checkpoints off and
runs them on a thread with a connection of its own, while the writer goes on (SQLite
releases the GIL while it works and waits).

A checkpoint copies the pages committed before it began. The WAL starts again from its
beginning only when a write begins after a checkpoint has copied everything, so now and
then (when the WAL has grown to `most` pages) the writer waits for the running checkpoint
and copies what came after it before writing on; the WAL stays bounded as it would with
SQLite's own checkpoints, at a few times their size.

Nothing about durability changes: checkpoints copy committed pages, and a kill at any
moment leaves a WAL that SQLite recovers on the next open, as it always does.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

from sqlalchemy import Connection

log = logging.getLogger("meshgov.store")

WAL_PAGES = 1_000  # a checkpoint starts past this many new pages (SQLite's own default)
MOST_PAGES = 4_000  # past this many pages the writer waits for the WAL to start over


class WalCheckpoints:
    """Checkpoints of one SQLite database for one writer connection, taken on a thread.

    The writer calls `adopt` on its connection, `before_write` before each transaction and
    `committed` after each commit, and `release` before it gives the connection back.
    """

    def __init__(self, database: Path, pages: int = WAL_PAGES, most: int = MOST_PAGES) -> None:
        self._database, self._pages, self._most = database, pages, most
        self._thread: threading.Thread | None = None
        self._connection: sqlite3.Connection | None = None
        self._pending = 0  # commits no checkpoint has begun to copy
        self._in_wal = 0  # commits since the WAL last started over
        self._per_commit = 50.0  # pages a commit adds: learnt from each checkpoint
        self._result: tuple[int, int] | None = None  # the last checkpoint's (commits, pages)

    def adopt(self, connection: Connection) -> None:
        """Take over a writer connection's checkpoints (it no longer takes them itself)."""
        connection.exec_driver_sql("PRAGMA wal_autocheckpoint=0")
        connection.commit()  # the statement began a transaction

    def release(self, connection: Connection) -> None:
        """Give a writer connection its own checkpoints back (it returns to the pool)."""
        self._join()
        connection.exec_driver_sql(f"PRAGMA wal_autocheckpoint={WAL_PAGES}")
        connection.commit()

    def committed(self) -> None:
        """After each commit: start a checkpoint once enough new pages have gathered."""
        self._pending += 1
        self._in_wal += 1
        if self._thread is None and self._pending * self._per_commit >= self._pages:
            self._thread = threading.Thread(
                target=self._run, args=(self._in_wal,), name="meshgov-checkpoint"
            )
            self._pending = 0
            self._thread.start()

    def before_write(self) -> None:
        """Before each transaction: start the WAL over when it has grown past `most`."""
        if self._thread is not None and not self._thread.is_alive():
            self._join()
        if self._thread is None and self._pending == 0:
            self._in_wal = 0  # everything is copied: this write starts the WAL over
        elif self._in_wal * self._per_commit >= self._most:
            self._join()
            if self._pending:
                self._run(self._in_wal)  # the pages since the last one began, on this thread
                self._learn()
                self._pending = 0
            self._in_wal = 0

    def close(self) -> None:
        self._join()
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _join(self) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            thread.join()
            self._learn()

    def _learn(self) -> None:
        if self._result is not None:
            commits, pages = self._result
            self._result = None
            if commits and pages > 0:
                self._per_commit = max(pages / commits, 1.0)

    def _run(self, commits: int) -> None:
        try:
            if self._connection is None:
                self._connection = sqlite3.connect(
                    self._database, timeout=30, check_same_thread=False, isolation_level=None
                )
                self._connection.execute("PRAGMA synchronous=NORMAL")
            [(_, pages, _)] = self._connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            self._result = (commits, pages)
        except sqlite3.Error as exc:  # SQLite's data is untouched; the next one may succeed
            log.warning("a WAL checkpoint of %s failed: %s", self._database, exc)
