"""The board part of the service: identities, requests, moves, decisions, the queue and its sync.

Every action checks the permission first (governance/engine/roles.py), then changes the store and
writes the governance log in one transaction (governance/service/workflow.py). A refused action is
refused here, whatever the front end showed, and the refusal itself is logged.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from governance.engine.policies import load_pack
from governance.engine.review import priority
from governance.engine.roles import Identity, Principal, RoleMapping, Scope
from governance.errors import WorkspaceError
from governance.model.vocabulary import ACTIVE_ITEM_STATES
from governance.service import requests, workflow
from governance.service.context import MeshContext
from governance.service.notify import Notify
from governance.service.queue_sync import SyncReport, global_policy_files, sync_items
from governance.store.read import board_queries
from governance.store.schema.types import utcnow
from governance.store.write import board as board_store
from governance.store.write import ledger


def item_scope(item: Mapping[str, Any]) -> Scope:
    """The scope an item's actions are checked against: its domain, requester and decider."""
    return Scope(item["domain_id"], item["requested_by"], workflow.decider_of(item))


class Board:
    """The board part of MeshgovService: the workflow of the governance board."""

    def __init__(self, context: MeshContext, notify: Notify) -> None:
        self._context = context
        self._store = context.store
        self._notify = notify

    # --- identities -----------------------------------------------------------------

    def role_mapping(self) -> RoleMapping:
        """Identities → roles, from meshgov.yaml `roles:`."""
        workspace = self._context.workspace
        try:
            return RoleMapping.from_settings(
                workspace.settings.get("roles"), str(workspace.config_file)
            )
        except ValueError as exc:
            raise WorkspaceError(str(exc)) from exc

    def principal(
        self, email: str, groups: Iterable[str] = (), name: str | None = None
    ) -> Principal:
        """Who `email` (with these group claims) is in this mesh."""
        return self.role_mapping().resolve(Identity(email, frozenset(groups), name))

    def _authorize(self, who: Principal, action: str, scope: Scope, subject: str) -> None:
        self._context.authorize(who, action, scope, subject)

    def _item_scope(self, item_id: int) -> tuple[dict[str, Any], Scope]:
        with self._store.read() as connection:
            item = workflow.load_item(connection, item_id)
        return item, item_scope(item)

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
        pack = load_pack(self._context.policy_roots())
        policy = next((p for p in pack.policies if p.id == policy_id), None)
        if policy is None:
            raise ValueError(f"no policy {policy_id!r} in force; `meshgov policies` lists them")
        if not reason.strip():
            raise ValueError("a waiver request needs a reason the board can weigh")
        if expires_at <= now:
            raise ValueError(f"the waiver's expiry {expires_at:%Y-%m-%d} is not in the future")
        with self._store.begin() as connection:
            item = requests.open_waiver_request(
                connection, who.email, product, policy, reason, expires_at, now
            )
        self._notify.opened([item])
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
        with self._store.read() as connection:
            exists, classification = board_queries.output_port_classification(
                connection, product_id, port
            )
            known_ports = board_queries.output_ports(connection, product_id)
        if not exists:
            raise ValueError(
                f"{product_id} has no output port {port!r}; its ports: {', '.join(known_ports)}"
            )
        with self._store.begin() as connection:
            item = requests.open_access_request(
                connection, who.email, product, port, classification, purpose, now
            )
        self._notify.opened([item])
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
        with self._store.begin() as connection:
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
        with self._store.begin() as connection:
            moved = workflow.move_item(
                connection,
                item_id,
                "close",
                actor=who.email,
                now=now,
                body=f"withdrawn by {who.email}" + (f": {reason}" if reason else ""),
            )
            requests.withdraw_subject(connection, item["subject"] or {}, now)
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
        with self._store.begin() as connection:
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
        with self._store.begin() as connection:
            ledger.lock(connection)
            done = board_store.update_waiver(
                connection,
                waiver_id,
                {"status": "revoked", "decided_at": now or utcnow()},
                status="approved",
            )
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
        with self._store.begin() as connection:
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
        pack = load_pack(self._context.policy_roots())
        files = global_policy_files(self._context.policy_roots())
        with self._store.begin() as connection:
            report = sync_items(connection, pack, files, now)
        report.notifications = self._notify.opened(report.opened)
        return report

    # --- reading --------------------------------------------------------------------

    def queue(
        self,
        *,
        states: Sequence[str] = ACTIVE_ITEM_STATES,
        product_id: str | None = None,
        domain_id: str | None = None,
        kind: str | None = None,
        now: datetime | None = None,
    ) -> list[dict[str, Any]]:
        """Review items with their priority, highest first."""
        now = now or utcnow()
        with self._store.read() as connection:
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
        with self._store.read() as connection:
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

    def waivers(self, product_id: str | None = None) -> list[dict[str, Any]]:
        """Waivers of every status, newest first."""
        with self._store.read() as connection:
            return board_queries.waiver_rows(connection, product_id)

    def access_requests(self, product_id: str | None = None) -> list[dict[str, Any]]:
        """Access requests with their grants, newest first."""
        with self._store.read() as connection:
            return board_queries.access_rows(connection, product_id)

    def _product(self, product_id: str) -> dict[str, Any]:
        with self._store.read() as connection:
            product = board_queries.product_brief(connection, product_id)
        if product is None:
            raise LookupError(f"no product {product_id!r} is registered")
        return product
