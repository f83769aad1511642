"""The review queue's triggers applied: what the newest results call for, opened or closed.

The triggers themselves are pure (governance/engine/triggers.py); this module reads their
inputs from the store, applies their plan through the workflow, and records the global
policy files it saw, so that a changed pack opens a policy_change item once.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from governance.engine.policies import PolicyPack, policy_files
from governance.engine.triggers import TriggerInputs, desired_items, plan_queue
from governance.service import workflow
from governance.service.context import SYSTEM_ACTOR
from governance.service.notify import Delivery
from governance.store import Connection
from governance.store.read import board_items, board_queries, judgements
from governance.store.write import board as board_store
from governance.store.write import ledger


@dataclass
class SyncReport:
    """What a trigger sync did to the queue."""

    opened: list[dict[str, Any]] = field(default_factory=list)
    closed: list[tuple[int, str]] = field(default_factory=list)
    policy_changes: list[str] = field(default_factory=list)
    notifications: list[Delivery] = field(default_factory=list)


def sync_items(
    connection: Connection, pack: PolicyPack, files: dict[str, str], now: datetime
) -> SyncReport:
    """Open and close items as the triggers plan, in the caller's transaction (locked)."""
    report = SyncReport()
    ledger.lock(connection)
    known = board_queries.known_policy_files(connection)
    inputs = TriggerInputs(
        products=board_queries.product_briefs(connection),
        policy_results=judgements.latest_policy_results(connection),
        policy_titles={p.id: p.title for p in pack.policies},
        slo_status=judgements.latest_slo_status(connection),
        contracts=board_queries.contract_versions(connection),
        baseline=board_queries.first_evaluation_at(connection),
        policy_files=files,
        known_policy_files=known,
    )
    plan = plan_queue(desired_items(inputs), board_items.queued_items(connection), inputs)
    report.opened, report.closed = workflow.apply_plan(
        connection, plan, actor=SYSTEM_ACTOR, now=now
    )
    report.policy_changes = _record_policy_files(connection, known, files, now)
    return report


def global_policy_files(roots: Sequence[Path]) -> dict[str, str]:
    """The mesh-wide policy files (label → sha256); domain policies are the domain's to change."""
    found = {}
    for root in roots:
        if not root.exists():
            continue
        for path in policy_files(root):
            relative = path.relative_to(root).as_posix()
            if relative.split("/")[0] == "domains":
                continue  # domain policies are the domain's to change
            label = f"global/{relative}" if root.name == "global" else relative
            found[label] = hashlib.sha256(path.read_bytes()).hexdigest()
    return found


def _record_policy_files(
    connection: Connection,
    known: dict[str, str] | None,
    files: dict[str, str],
    now: datetime,
) -> list[str]:
    if known == files:
        return []
    changed = sorted(
        p for p in set(files) | set(known or {}) if (known or {}).get(p) != files.get(p)
    )
    board_store.replace_policy_files(connection, files, now)
    ledger.append(
        connection,
        actor=SYSTEM_ACTOR,
        action="policy.baseline" if known is None else "policy.changed",
        subject="policy_rules",
        payload={p: {"before": (known or {}).get(p), "after": files.get(p)} for p in changed},
        time=now,
    )
    return changed
