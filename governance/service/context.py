"""What every part of the service works on: one workspace, its store, and where policies are."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from governance.config import Workspace
from governance.engine.policies import DEFAULT_POLICY_RULES
from governance.engine.roles import Principal, Scope, permits
from governance.errors import PermissionDenied, UnknownProduct
from governance.store import Store
from governance.store.read.registry_queries import product_registered
from governance.store.write import ledger

SYSTEM_ACTOR = "meshgov"  # the identity of automatic moves (triggers, auto-close, register)


@dataclass(frozen=True)
class MeshContext:
    """One workspace and its store, shared by the parts of MeshgovService."""

    workspace: Workspace
    store: Store

    def policy_roots(self) -> list[Path]:
        """Where policies come from: meshgov.yaml `policy_rules:`, ./policy_rules, or the default pack."""
        configured = self.workspace.settings.get("policy_rules")
        if configured:
            paths = configured if isinstance(configured, list) else [configured]
            return [self.workspace.root / str(p) for p in paths]
        local = self.workspace.root / "policy_rules"
        return [local] if local.is_dir() else [DEFAULT_POLICY_RULES / "global"]

    def require_product(self, product_id: str) -> None:
        """Refuse a product id that is not registered, saying how to find the right one."""
        with self.store.read() as connection:
            found = product_registered(connection, product_id)
        if not found:
            raise UnknownProduct(
                f"no product {product_id!r} is registered; run `meshgov register` first "
                "or check `meshgov export products`"
            )

    def authorize(self, who: Principal, action: str, scope: Scope, subject: str) -> None:
        """Raise PermissionDenied unless `who` may; a refusal is written on the governance log."""
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
