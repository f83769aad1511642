"""Typed domain records shared by the descriptors, the collectors, the engine and the store."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

PortKind = Literal["input", "output"]
CheckStatus = Literal["pass", "fail", "warn", "error", "skipped"]


@dataclass(frozen=True, slots=True)
class TeamMember:
    """A person on a product's team, as the ODPS descriptor lists them."""

    username: str | None
    name: str | None
    role: str | None


@dataclass(frozen=True, slots=True)
class SupportChannel:
    """Where consumers get help with a product."""

    channel: str
    url: str
    tool: str | None = None
    scope: str | None = None


@dataclass(frozen=True, slots=True)
class Port:
    """An input or output port of a data product."""

    name: str
    kind: PortKind
    version: str
    contract_id: str | None = None
    type: str | None = None
    description: str | None = None


@dataclass(frozen=True, slots=True)
class ContractColumn:
    """One column (ODCS property) of a contract's schema object, with its classification."""

    object_name: str
    name: str
    logical_type: str | None
    physical_type: str | None
    classification: str | None
    required: bool
    primary_key: bool
    description: str | None
    tags: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Contract:
    """An ODCS v3 data contract, reduced to what governance needs, plus the full document."""

    id: str
    version: str
    name: str | None
    status: str
    domain: str | None
    data_product: str | None
    columns: tuple[ContractColumn, ...]
    locations: tuple[str, ...]
    source_path: str
    sha256: str
    document: dict[str, Any] = field(compare=False, hash=False)


@dataclass(frozen=True, slots=True)
class Product:
    """A data product as its ODPS v1 descriptor declares it."""

    id: str
    name: str
    domain: str
    status: str
    version: str | None
    description: str | None
    tier: str | None
    tags: tuple[str, ...]
    team: tuple[TeamMember, ...]
    support: tuple[SupportChannel, ...]
    ports: tuple[Port, ...]
    custom_properties: dict[str, Any] = field(compare=False, hash=False)
    source_path: str = ""
    sha256: str = ""

    @property
    def owner(self) -> TeamMember | None:
        """The accountable product owner, or None when the team names nobody in that role."""
        for member in self.team:
            if member.role and member.role.replace("_", " ").lower() in OWNER_ROLES:
                return member
        return None

    @property
    def input_ports(self) -> tuple[Port, ...]:
        """Ports through which the product consumes data."""
        return tuple(p for p in self.ports if p.kind == "input")

    @property
    def output_ports(self) -> tuple[Port, ...]:
        """Ports through which the product serves data."""
        return tuple(p for p in self.ports if p.kind == "output")


OWNER_ROLES = frozenset({"owner", "product owner", "productowner", "data product owner"})


@dataclass(frozen=True, slots=True)
class LineageEdge:
    """Data flows from an upstream product's output port into a downstream product's input port."""

    upstream_product: str
    upstream_port: str
    downstream_product: str
    downstream_port: str
    contract_id: str


@dataclass(frozen=True, slots=True)
class CheckResult:
    """One data quality check outcome (a GX expectation result, a dbt test, a Soda check...)."""

    product_id: str | None
    port: str | None
    source_tool: str
    suite: str
    check: str
    column: str | None
    success: bool
    status: CheckStatus
    unexpected_count: int | None
    unexpected_percent: float | None
    element_count: int | None
    run_time: datetime
    source: str
    details: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def check_key(self) -> str:
        """Natural key: the same check of the same batch at the same time is one fact."""
        identity = {
            "product": self.product_id,
            "port": self.port,
            "tool": self.source_tool,
            "suite": self.suite,
            "check": self.check,
            "column": self.column,
            "params": self.details.get("params", {}),
            "run_time": self.run_time.isoformat(),
        }
        canonical = json.dumps(identity, sort_keys=True, default=str)
        return hashlib.sha256(canonical.encode()).hexdigest()


# What a collector's parse step may return; later issues widen this union.
Record = CheckResult
