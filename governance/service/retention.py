"""The retention part of the service: raw evidence is kept for `retention.raw_days`;
`meshgov prune` removes the rest.

What a page or a score reads survives a prune. Pages read the daily roll-ups (check_daily,
log_daily) and the snapshots (health_snapshots, domain_snapshots); scores are snapshots.
Those, the evaluation rows, decisions, review items, waivers, access, the governance log and
the source_files watermarks are kept forever. What goes, older than the cutoff:

- check_results, log_records, sli_samples, audit_events (by their time),
- pipeline_runs (by when they ended, or started), observed_lineage (by when last seen),
- collector_files of collector runs that finished before the cutoff (the run rows stay:
  one per source and run, they are the history of what was collected, with its counts),
- product_facts, policy_results and slo_status of evaluations before the cutoff, except
  the newest evaluation's, which explain, the policy pages and the exports read.

Collecting after a prune: unchanged files are skipped by their watermarks, which stay. A
file that changed is read again whole; its records older than the latest prune's cutoff
(the horizon, read from the governance log) are not written, so the roll-ups, which still
count those days, are never counted twice (governance/store/write/evidence.py). The same holds
for a new file of old evidence: evidence older than the horizon is not accepted.
A prune and a collect should not run at the same moment: a collect that read the horizon
before the prune logged it may write old rows back.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any

from governance.errors import WorkspaceError
from governance.service.context import MeshContext
from governance.store import Connection
from governance.store.schema.types import utcnow
from governance.store.write import ledger
from governance.store.write.retention_queries import (
    EVALUATION_DETAILS,
    PRUNED_ACTION,
    RAW_TABLES,
    count_evaluation_details,
    count_older,
    delete_evaluation_details,
    delete_older_batch,
    evaluations_with_old_details,
)

# Over a year: a year of trends, and every facts window, always has its raw evidence.
DEFAULT_RAW_DAYS = 400
BATCH_ROWS = 10_000  # rows per delete statement, each batch its own transaction


@dataclass(frozen=True)
class PruneReport:
    """What a prune removed (or, on a dry run, would remove), table by table."""

    cutoff: datetime
    older_than_days: int
    dry_run: bool
    counts: dict[str, int] = field(default_factory=dict)
    log_seq: int | None = None  # the governance log entry that records the prune

    @property
    def total(self) -> int:
        """Rows removed over every table."""
        return sum(self.counts.values())

    def as_dict(self) -> dict[str, Any]:
        """The report as plain data (for --json)."""
        return {
            "cutoff": self.cutoff.isoformat(),
            "older_than_days": self.older_than_days,
            "dry_run": self.dry_run,
            "counts": dict(self.counts),
            "total": self.total,
            "log_seq": self.log_seq,
        }


def raw_days(settings: Mapping[str, Any], where: str = "meshgov.yaml") -> int:
    """`retention.raw_days` from the workspace settings (default 400), validated."""
    retention = settings.get("retention")
    if retention is None:
        return DEFAULT_RAW_DAYS
    if not isinstance(retention, Mapping):
        raise WorkspaceError(f"{where}: retention: expected a mapping, e.g. {{raw_days: 400}}")
    unknown = set(retention) - {"raw_days"}
    if unknown:
        raise WorkspaceError(f"{where}: retention: unknown key(s) {', '.join(sorted(unknown))}")
    days = retention.get("raw_days", DEFAULT_RAW_DAYS)
    # bool is an int in Python; `raw_days: yes` is a mistake, not one day.
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise WorkspaceError(
            f"{where}: retention.raw_days: expected a whole number of days of at least 1, "
            f"got {days!r}"
        )
    return days


def cutoff_for(days: int, now: datetime | None = None) -> datetime:
    """Midnight (UTC) `days` days before today: whole days are kept or pruned."""
    today = (now or utcnow()).astimezone(UTC).date()
    return datetime.combine(today - timedelta(days=days), time.min, tzinfo=UTC)


class Retention:
    """The retention part of MeshgovService: pruning raw evidence past the retention period."""

    def __init__(self, context: MeshContext) -> None:
        self._context = context

    def prune(
        self,
        *,
        actor: str,
        older_than: int | None = None,
        dry_run: bool = False,
        now: datetime | None = None,
        batch_rows: int = BATCH_ROWS,
    ) -> PruneReport:
        """Delete raw evidence older than `older_than` days (default `retention.raw_days`).

        Deletes run in batches of `batch_rows`, each its own transaction, so a big prune never
        holds one long transaction; the governance log entry is written in the last batch's.
        """
        store, workspace = self._context.store, self._context.workspace
        configured = raw_days(workspace.settings, str(workspace.config_file))  # validated always
        days = older_than if older_than is not None else configured
        if days < 1:
            raise ValueError(f"--older-than needs a number of days of at least 1, got {days}")
        cutoff = cutoff_for(days, now)
        counts = dict.fromkeys(
            [t.name for t in EVALUATION_DETAILS] + [r.table.name for r in RAW_TABLES], 0
        )
        if dry_run:
            with store.read() as connection:
                old = evaluations_with_old_details(connection, cutoff)
                counts |= count_evaluation_details(connection, old)
                counts |= {
                    raw.table.name: count_older(connection, raw, cutoff) for raw in RAW_TABLES
                }
            return PruneReport(cutoff, days, True, counts)

        with store.read() as connection:
            old_evaluations = evaluations_with_old_details(connection, cutoff)
        for evaluation_id in old_evaluations:
            with store.begin() as connection:
                for name, deleted in delete_evaluation_details(connection, evaluation_id).items():
                    counts[name] += deleted
        log_seq = None
        for index, raw in enumerate(RAW_TABLES):
            last_table = index == len(RAW_TABLES) - 1
            after = 0
            while True:
                with store.begin() as connection:
                    deleted, last_id = delete_older_batch(
                        connection, raw, cutoff, after, batch_rows
                    )
                    counts[raw.table.name] += deleted
                    finished = last_id is None or deleted < batch_rows
                    if finished and last_table:
                        log_seq = _log(connection, actor, cutoff, days, counts)
                if finished:
                    break
                after = last_id
        return PruneReport(cutoff, days, False, counts, log_seq)


def _log(
    connection: Connection, actor: str, cutoff: datetime, days: int, counts: dict[str, int]
) -> int:
    # The cutoff in this entry is also the horizon collecting respects (retention_queries).
    entry = ledger.append(
        connection,
        actor=actor,
        action=PRUNED_ACTION,
        subject="store",
        payload={"cutoff": cutoff.isoformat(), "older_than_days": days, "counts": dict(counts)},
    )
    return entry.seq
