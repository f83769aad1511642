"""The ledger part of the service: the governance log read back and its hash chain verified.

The log itself (appends, the lock, the chain's hashing and its walk) is the store's:
governance/store/write/ledger.py.
"""

from __future__ import annotations

from governance.service.context import MeshContext
from governance.store.write import ledger
from governance.store.write.ledger import LogEntry, Verification


class Ledger:
    """The ledger part of MeshgovService: what the governance log holds, and whether it holds."""

    def __init__(self, context: MeshContext) -> None:
        self._store = context.store

    def verify(self, anchor: tuple[int, str] | None = None) -> Verification:
        """Walk the governance log's hash chain."""
        with self._store.read() as connection:
            return ledger.verify(connection, anchor)

    def entries(self, *, subject: str | None = None, limit: int | None = None) -> list[LogEntry]:
        """Governance log entries, oldest first (the newest `limit`)."""
        with self._store.read() as connection:
            return ledger.entries(connection, subject=subject, limit=limit)
