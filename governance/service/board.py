"""The board's side of the facade: requests, agenda, decisions, the queue and the log.

Every action checks the permission first (governance/engine/roles.py), then changes the store and
writes the governance log in one transaction (governance/service/workflow.py). A refused action is
refused here, whatever the front end showed, and the refusal itself is logged.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

from sqlalchemy import insert, update

from governance.config import Workspace
from governance.engine.policies import load_pack, policy_files
from governance.engine.review import ItemSpec, evidence, priority
from governance.engine.roles import Identity, Principal, RoleMapping, Scope, permits
from governance.engine.triggers import TriggerInputs, desired_items, plan_queue
from governance.errors import PermissionDenied, WorkspaceError
from governance.service import ledger, reports, workflow
from governance.service.notify import Delivery, WebhookConfig, notify_opened
from governance.store import Store
from governance.store.read import board_queries, judgements
from governance.store.schema.board_tables import access_requests, policy_file_state
from governance.store.schema.engine_tables import waivers
from governance.store.schema.types import utcnow

SYSTEM_ACTOR = "meshgov"  # the identity of automatic moves (triggers, auto-close)
ACTIVE_STATES = ("open", "on_agenda", "decided")


@dataclass
class SyncReport:
    """What a trigger sync did to the queue."""

    opened: list[dict[str, Any]] = field(default_factory=list)
    closed: list[tuple[int, str]] = field(default_factory=list)
    policy_changes: list[str] = field(default_factory=list)
    notifications: list[Delivery] = field(default_factory=list)


class BoardActions:
    """Mixed into MeshgovService: the workflow of the governance board."""

    workspace: Workspace
    store: Store

    def policy_roots(self) -> list[Path]:  # provided by MeshgovService
        raise NotImplementedError

    # --- identities -----------------------------------------------------------------

    def role_mapping(self) -> RoleMapping:
        """Identities → roles, from meshgov.yaml `roles:`."""
        try:
            return RoleMapping.from_settings(
                self.workspace.settings.get("roles"), str(self.workspace.config_file)
            )
        except ValueError as exc:
            raise WorkspaceError(str(exc)) from exc

    def principal(
        self, email: str, groups: Iterable[str] = (), name: str | None = None
    ) -> Principal:
        """Who `email` (with these group claims) is in this mesh."""
        return self.role_mapping().resolve(Identity(email, frozenset(groups), name))

    def webhook(self) -> WebhookConfig | None:
        """The webhook meshgov.yaml `notifications:` configures, if any."""
        try:
            return WebhookConfig.from_settings(
                self.workspace.settings.get("notifications"), str(self.workspace.config_file)
            )
        except ValueError as exc:
            raise WorkspaceError(str(exc)) from exc

    def _authorize(self, who: Principal, action: str, scope: Scope, subject: str) -> None:
        verdict = permits(who, action, scope)
        if verdict.allowed:
            return
        with self.store.begin() as connection:
            ledger.append(
                connection,
                actor=who.email,
                action="refused",
                subject=subject,
                payload={"action": action, "reason": verdict.reason},
            )
        raise PermissionDenied(verdict.reason)

    def _item_scope(self, item_id: int) -> tuple[dict[str, Any], Scope]:
        with self.store.read() as connection:
            item = workflow.load_item(connection, item_id)
        scope = Scope(item["domain_id"], item["requested_by"], workflow.decider_of(item))
        return item, scope

    # --- requests -------------------------------------------------------------------

    def request_waiver(
        self,
        who: Principal,
        product_id: str,
        policy_id: str,
        reason: str,
        expires_at: datetime,
        now: datetime | None = None,
    ) -> dict[str, Any]:
        """A domain owner asks the board to waive a policy for a product until a date."""
        now = now or utcnow()
        product = self._product(product_id)
        self._authorize(who, "request_waiver", Scope(product["domain_id"]), f"product:{product_id}")
        pack = load_pack(self.policy_roots())
        policy = next((p for p in pack.policies if p.id == policy_id), None)
        if policy is None:
            raise ValueError(f"no policy {policy_id!r} in force; `meshgov policies` lists them")
        if not reason.strip():
            raise ValueError("a waiver request needs a reason the board can weigh")
        if expires_at <= now:
            raise ValueError(f"the waiver's expiry {expires_at:%Y-%m-%d} is not in the future")
        with self.store.begin() as connection:
            ledger.lock(connection)
            waiver_id = connection.execute(
                insert(waivers).returning(waivers.c.id),
                {
                    "policy_id": policy_id,
                    "product_id": product_id,
                    "reason": reason,
                    "status": "requested",
                    "expires_at": expires_at,
                    "requested_by": who.email,
                    "created_at": now,
                },
            ).scalar_one()
            spec = ItemSpec(
                key=f"waiver:{waiver_id}",
                kind="waiver_request",
                product_id=product_id,
                domain_id=product["domain_id"],
                tier=product["tier"],
                title=f"{product_id}: waive {policy_id} until {expires_at:%Y-%m-%d}",
                summary=reason,
                severity=policy.severity,
                decision_asked=(
                    f"Approve or reject a waiver of {policy_id} ({policy.title}) for "
                    f"{product_id} until {expires_at:%Y-%m-%d}"
                ),
                evidence=[
                    evidence("policy", policy_id, policy.title, f"severity {policy.severity}"),
                    evidence("waiver", str(waiver_id), f"Waiver request #{waiver_id}", reason),
                ],
                subject={
                    "waiver_id": waiver_id,
                    "policy_id": policy_id,
                    "expires_at": expires_at.isoformat(),
                },
            )
            item = workflow.open_item(
                connection, spec, actor=who.email, now=now, requested_by=who.email
            )
            connection.execute(
                update(waivers).where(waivers.c.id == waiver_id).values(item_id=item["id"])
            )
        self._notify([item])
        return item

    def request_access(
        self,
        who: Principal,
        product_id: str,
        port: str,
        purpose: str,
        now: datetime | None = None,
    ) -> dict[str, Any]:
        """Anyone asks for access to an output port; restricted data goes to the board."""
        now = now or utcnow()
        product = self._product(product_id)
        self._authorize(who, "request_access", Scope(product["domain_id"]), f"product:{product_id}")
        if not purpose.strip():
            raise ValueError("an access request needs a purpose: what will the data be used for?")
        with self.store.read() as connection:
            exists, classification = board_queries.output_port_classification(
                connection, product_id, port
            )
            known_ports = board_queries.output_ports(connection, product_id)
        if not exists:
            raise ValueError(
                f"{product_id} has no output port {port!r}; its ports: {', '.join(known_ports)}"
            )
        sensitive = classification in ("restricted", "confidential")
        with self.store.begin() as connection:
            ledger.lock(connection)
            request_id = connection.execute(
                insert(access_requests).returning(access_requests.c.id),
                {
                    "product_id": product_id,
                    "port": port,
                    "classification": classification,
                    "requester": who.email,
                    "purpose": purpose,
                    "status": "requested",
                    "requested_at": now,
                },
            ).scalar_one()
            label = classification or "unclassified"
            spec = ItemSpec(
                key=f"access:{request_id}",
                kind="access_request",
                product_id=product_id,
                domain_id=product["domain_id"],
                tier=product["tier"],
                title=f"{who.email} asks for access to {product_id}/{port} ({label})",
                summary=purpose,
                severity="major" if sensitive else "minor",
                decider="board" if sensitive else "domain_owner",
                decision_asked=(
                    f"Grant {who.email} access to {product_id}/{port} for the stated purpose, "
                    "with an expiry and a reassessment date, or reject"
                ),
                evidence=[
                    evidence("port", f"{product_id}/{port}", f"Port {port}", f"data is {label}"),
                    evidence("access_request", str(request_id), "Purpose", purpose),
                ],
                subject={"access_request_id": request_id, "port": port, "classification": label},
            )
            item = workflow.open_item(
                connection, spec, actor=who.email, now=now, requested_by=who.email
            )
        self._notify([item])
        return item

    # --- moves ----------------------------------------------------------------------

    def set_agenda(
        self,
        who: Principal,
        item_id: int,
        on: bool = True,
        *,
        expected_version: int | None = None,
        now: datetime | None = None,
    ) -> dict[str, Any]:
        """Put an item on the board's agenda (or take it off)."""
        return self._move(
            who, item_id, "agenda" if on else "unagenda", "set_agenda", None, expected_version, now
        )

    def comment(
        self, who: Principal, item_id: int, body: str, now: datetime | None = None
    ) -> dict[str, Any]:
        """Add a comment to an item."""
        if not body.strip():
            raise ValueError("an empty comment says nothing")
        return self._move(who, item_id, "comment", "comment", body, None, now)

    def assign(
        self,
        who: Principal,
        item_id: int,
        assignee: str,
        *,
        expected_version: int | None = None,
        now: datetime | None = None,
    ) -> dict[str, Any]:
        """Make someone responsible for preparing an item."""
        _, scope = self._item_scope(item_id)
        self._authorize(who, "assign", scope, f"item:{item_id}")
        with self.store.begin() as connection:
            return workflow.move_item(
                connection,
                item_id,
                "assign",
                actor=who.email,
                now=now or utcnow(),
                assignee=assignee.strip().lower() or None,
                expected_version=expected_version,
            )

    def reopen(
        self, who: Principal, item_id: int, reason: str, *, now: datetime | None = None
    ) -> dict[str, Any]:
        """Bring a deferred item, or one sent back with changes requested, back to the queue."""
        return self._move(who, item_id, "reopen", "reopen", reason, None, now)

    def close_item(
        self, who: Principal, item_id: int, reason: str, *, now: datetime | None = None
    ) -> dict[str, Any]:
        """Close an item by hand, saying why."""
        if not reason.strip():
            raise ValueError("closing an item by hand needs a reason for the log")
        return self._move(who, item_id, "close", "close_item", reason, None, now)

    def withdraw(
        self, who: Principal, item_id: int, reason: str = "", *, now: datetime | None = None
    ) -> dict[str, Any]:
        """The requester takes back a waiver or access request."""
        item, scope = self._item_scope(item_id)
        self._authorize(who, "withdraw", scope, f"item:{item_id}")
        now = now or utcnow()
        with self.store.begin() as connection:
            moved = workflow.move_item(
                connection,
                item_id,
                "close",
                actor=who.email,
                now=now,
                body=f"withdrawn by {who.email}" + (f": {reason}" if reason else ""),
            )
            subject = item["subject"] or {}
            if "waiver_id" in subject:
                connection.execute(
                    update(waivers)
                    .where(waivers.c.id == subject["waiver_id"], waivers.c.status == "requested")
                    .values(status="withdrawn", decided_at=now)
                )
            if "access_request_id" in subject:
                connection.execute(
                    update(access_requests)
                    .where(
                        access_requests.c.id == subject["access_request_id"],
                        access_requests.c.status == "requested",
                    )
                    .values(status="withdrawn", decided_at=now)
                )
        return moved

    def decide(
        self,
        who: Principal,
        item_id: int,
        outcome: str,
        rationale: str,
        *,
        expires_at: datetime | None = None,
        reassess_at: datetime | None = None,
        expected_version: int | None = None,
        now: datetime | None = None,
    ) -> dict[str, Any]:
        """Decide an item; returns the decision record (record_id, effects, item)."""
        _, scope = self._item_scope(item_id)
        self._authorize(who, "decide", scope, f"item:{item_id}")
        with self.store.begin() as connection:
            return workflow.decide_item(
                connection,
                item_id,
                outcome=outcome,
                rationale=rationale,
                actor=who.email,
                now=now or utcnow(),
                terms=workflow.DecisionTerms(expires_at, reassess_at),
                expected_version=expected_version,
            )

    def revoke_waiver(
        self, who: Principal, waiver_id: int, reason: str, now: datetime | None = None
    ) -> None:
        """End an approved waiver before its expiry."""
        self._authorize(who, "revoke_waiver", Scope(), f"waiver:{waiver_id}")
        with self.store.begin() as connection:
            ledger.lock(connection)
            done = connection.execute(
                update(waivers)
                .where(waivers.c.id == waiver_id, waivers.c.status == "approved")
                .values(status="revoked", decided_at=now or utcnow())
            ).rowcount
            if not done:
                raise ValueError(f"no approved waiver #{waiver_id} to revoke")
            ledger.append(
                connection,
                actor=who.email,
                action="waiver.revoked",
                subject=f"waiver:{waiver_id}",
                payload={"reason": reason},
                time=now,
            )

    def _move(
        self,
        who: Principal,
        item_id: int,
        move: str,
        action: str,
        body: str | None,
        expected_version: int | None,
        now: datetime | None,
    ) -> dict[str, Any]:
        _, scope = self._item_scope(item_id)
        self._authorize(who, action, scope, f"item:{item_id}")
        with self.store.begin() as connection:
            return workflow.move_item(
                connection,
                item_id,
                move,
                actor=who.email,
                now=now or utcnow(),
                body=body,
                expected_version=expected_version,
            )

    # --- triggers -------------------------------------------------------------------

    def sync_queue(self, now: datetime | None = None) -> SyncReport:
        """Open the items the newest results call for and close those whose cause is gone."""
        now = now or utcnow()
        report = SyncReport()
        pack = load_pack(self.policy_roots())
        files = self._global_policy_files()
        with self.store.begin() as connection:
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
            plan = plan_queue(desired_items(inputs), workflow.queued_items(connection), inputs)
            report.opened, report.closed = workflow.apply_plan(
                connection, plan, actor=SYSTEM_ACTOR, now=now
            )
            report.policy_changes = self._record_policy_files(connection, known, files, now)
        report.notifications = self._notify(report.opened)
        return report

    def _global_policy_files(self) -> dict[str, str]:
        found = {}
        for root in self.policy_roots():
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
        self,
        connection: Any,
        known: dict[str, str] | None,
        files: dict[str, str],
        now: datetime,
    ) -> list[str]:
        if known == files:
            return []
        changed = sorted(
            p for p in set(files) | set(known or {}) if (known or {}).get(p) != files.get(p)
        )
        connection.execute(policy_file_state.delete())
        if files:
            connection.execute(
                insert(policy_file_state),
                [{"path": p, "sha256": s, "seen_at": now} for p, s in sorted(files.items())],
            )
        ledger.append(
            connection,
            actor=SYSTEM_ACTOR,
            action="policy.baseline" if known is None else "policy.changed",
            subject="policy_rules",
            payload={p: {"before": (known or {}).get(p), "after": files.get(p)} for p in changed},
            time=now,
        )
        return changed

    def _notify(self, opened: Sequence[dict[str, Any]]) -> list[Delivery]:
        return notify_opened(self.webhook(), opened) if opened else []

    # --- reading --------------------------------------------------------------------

    def queue(
        self,
        *,
        states: Sequence[str] = ACTIVE_STATES,
        product_id: str | None = None,
        domain_id: str | None = None,
        kind: str | None = None,
        now: datetime | None = None,
    ) -> list[dict[str, Any]]:
        """Review items with their priority, highest first."""
        now = now or utcnow()
        with self.store.read() as connection:
            rows = board_queries.items(
                connection, states=states, product_id=product_id, domain_id=domain_id, kind=kind
            )
        for row in rows:
            row["priority"] = priority(row["severity"], row["tier"], row["opened_at"], now)
            row["overdue"] = row["state"] != "closed" and row["due_at"] < now
        return sorted(rows, key=lambda r: (-r["priority"], r["due_at"], r["id"]))

    def item_detail(self, item_id: int, now: datetime | None = None) -> dict[str, Any]:
        """An item with its history, decisions and log entries."""
        now = now or utcnow()
        with self.store.read() as connection:
            item = workflow.load_item(connection, item_id)
            item["priority"] = priority(item["severity"], item["tier"], item["opened_at"], now)
            item["events"] = board_queries.item_events(connection, item_id)
            item["decisions"] = board_queries.item_decisions(connection, item_id)
            item["comments"] = [
                {"time": e["time"], "actor": e["actor"], "body": e["body"]}
                for e in item["events"]
                if e["action"] == "comment"
            ]
            item["log"] = ledger.entries(connection, subject=f"item:{item_id}")
        return item

    def board_agenda(self, fmt: str = "md", now: datetime | None = None) -> str:
        """The board pack's agenda: items on the agenda, highest priority first."""
        now = now or utcnow()
        return reports.render_agenda(
            self.queue(states=("on_agenda",), now=now),
            mesh=self.workspace.name,
            generated_at=now,
            fmt=fmt,
        )

    def board_minutes(self, since: date, fmt: str = "md", now: datetime | None = None) -> str:
        """The board pack's minutes: decisions since a day, with the log's head as anchor."""
        now = now or utcnow()
        with self.store.read() as connection:
            found = board_queries.decisions_since(
                connection, datetime.combine(since, time.min, tzinfo=UTC)
            )
            seq, digest = ledger.head(connection)
        return reports.render_minutes(
            found,
            mesh=self.workspace.name,
            since=since,
            generated_at=now,
            log_head={"seq": seq, "hash": digest} if seq else None,
            fmt=fmt,
        )

    def verify_log(self, anchor: tuple[int, str] | None = None) -> ledger.Verification:
        """Walk the governance log's hash chain."""
        with self.store.read() as connection:
            return ledger.verify(connection, anchor)

    def log_entries(
        self, *, subject: str | None = None, limit: int | None = None
    ) -> list[ledger.LogEntry]:
        """Governance log entries, oldest first (the newest `limit`)."""
        with self.store.read() as connection:
            return ledger.entries(connection, subject=subject, limit=limit)

    def waivers(self, product_id: str | None = None) -> list[dict[str, Any]]:
        """Waivers of every status, newest first."""
        with self.store.read() as connection:
            return board_queries.waiver_rows(connection, product_id)

    def access_requests(self, product_id: str | None = None) -> list[dict[str, Any]]:
        """Access requests with their grants, newest first."""
        with self.store.read() as connection:
            return board_queries.access_rows(connection, product_id)

    def _product(self, product_id: str) -> dict[str, Any]:
        with self.store.read() as connection:
            product = board_queries.product_brief(connection, product_id)
        if product is None:
            raise LookupError(f"no product {product_id!r} is registered")
        return product
