"""Typed domain records shared by the descriptors, the collectors, the engine and the store."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from json.encoder import encode_basestring_ascii as _json_text
from typing import Any

from governance.model.vocabulary import (
    OWNER_ROLES,
    BudgetingMethod,
    CheckStatus,
    PortKind,
    RunState,
)


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


@dataclass(frozen=True)
class ContractVersion:
    """One registered version of a contract, with its columns as (object, column) → shape."""

    contract_id: str
    version: str
    product_id: str | None
    columns: Mapping[tuple[str, str], Mapping[str, Any]]  # logical_type, physical_type, class.


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
    # check_key, once computed: a collector dedupes by it, then the store writes by it.
    _check_key: str | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def natural_key(self) -> str:
        """The key the store dedupes by (the same as check_key)."""
        return self.check_key

    @property
    def check_key(self) -> str:
        """Natural key: the same check of the same batch at the same time is one fact."""
        key = self._check_key
        if key is None:
            key = self._identity_key()
            object.__setattr__(self, "_check_key", key)
        return key

    def _identity_key(self) -> str:
        # Hot path (hundreds of thousands per collect): one join, JSON only for the params.
        params = self.details.get("params")
        identity = "\x1f".join(
            (
                self.product_id or "",
                self.port or "",
                self.source_tool,
                self.suite,
                self.check,
                self.column or "",
                repr(sorted(params.items())) if isinstance(params, dict) else repr(params),
                _iso(self.run_time, self.run_time.tzinfo),
            )
        )
        digest = hashlib.sha256(identity.encode()).hexdigest()
        # Still 64 hex characters, but led by the product and the run time: one product's
        # results land side by side in the unique index instead of scattered across it,
        # which halves the insert cost on a large store (benchmarks/README.md).
        return f"{_key_prefix(self.product_id or '', self.run_time)}{digest[: 64 - 8 - 10]}"


@lru_cache(maxsize=4096)  # the results of one run share a run time
def _iso(moment: datetime, zone: Any) -> str:
    # The zone is part of the cache key: equal instants in two zones print differently.
    return moment.isoformat()


@lru_cache(maxsize=4096)
def _key_prefix(product_id: str, run_time: datetime) -> str:
    seconds = int(run_time.timestamp()) & 0xFF_FFFF_FFFF  # 10 hex digits, any year
    return f"{_product_prefix(product_id)}{seconds:010x}"


@lru_cache(maxsize=65536)
def _product_prefix(product_id: str) -> str:
    return hashlib.sha256(product_id.encode()).hexdigest()[:8]


def _key(*parts: Any) -> str:
    """A stable natural key: SHA-256 over the canonical JSON of the identifying parts."""
    try:
        # Hot path (every record, several times a second per event pushed): parts that are
        # all text or None, encoded exactly as json.dumps would, at a third of its cost.
        canonical = "[" + ",".join([_json_text(p) if p is not None else "null" for p in parts])
        canonical += "]"
    except TypeError:  # a number, a time or a mapping among the parts
        canonical = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class PipelineRun:
    """One run of a job that builds a product (a dbt model, an OpenLineage job run)."""

    product_id: str | None
    job: str
    run_id: str
    state: RunState
    started_at: datetime | None
    ended_at: datetime | None
    source_tool: str
    source: str
    details: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def natural_key(self) -> str:
        """One row per tool, job and run, however many events report it."""
        return _key(self.source_tool, self.job, self.run_id)


@dataclass(frozen=True, slots=True)
class LineageObservation:
    """Data observed flowing from one product to another through a dataset, at run time."""

    upstream_product: str | None
    downstream_product: str | None
    dataset: str  # namespace/name as the producer reports it
    job: str
    observed_at: datetime
    source_tool: str
    source: str
    # natural_key, once computed: a collector dedupes by it, then the store writes by it.
    _edge_key: str | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def natural_key(self) -> str:
        """One row per (upstream, downstream, dataset, job); the latest sighting is kept."""
        key = self._edge_key
        if key is None:
            key = _edge_key(self.upstream_product, self.downstream_product, self.dataset, self.job)
            object.__setattr__(self, "_edge_key", key)
        return key


@lru_cache(maxsize=65536)  # a job reads the same datasets run after run: one edge, many sightings
def _edge_key(upstream: str | None, downstream: str | None, dataset: str, job: str) -> str:
    return _key(upstream, downstream, dataset, job)


@dataclass(frozen=True, slots=True)
class LogRecord:
    """One log record a product's pipeline emitted (OTLP)."""

    product_id: str | None
    time: datetime
    severity_number: int | None  # 1-24, OTLP's scale
    severity_text: str | None
    body: str
    trace_id: str | None
    span_id: str | None
    run_id: str | None
    service: str | None
    source: str
    attributes: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def natural_key(self) -> str:
        """The same record exported twice (a re-shipped file) is one record."""
        return _key(
            self.product_id,
            self.run_id,
            self.service,
            self.time.isoformat(),
            self.severity_number,
            self.body,
            self.trace_id,
            self.span_id,
            self.attributes,
        )


@dataclass(frozen=True, slots=True)
class AuditEvent:
    """Who did what to which product, when; read or change."""

    product_id: str | None
    time: datetime
    actor: str
    action: str
    resource: str
    read_only: bool
    source_tool: str  # cloudtrail | pgaudit | jsonl
    source: str
    event_id: str | None = None
    details: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def natural_key(self) -> str:
        """The tool's own event id where it has one, else the event's content."""
        if self.event_id:
            return _key(self.source_tool, self.event_id)
        return _key(self.source_tool, self.time.isoformat(), self.actor, self.action, self.resource)


@dataclass(frozen=True, slots=True)
class SloDefinition:
    """A service level objective a product declares (OpenSLO or ODCS slaProperties)."""

    product_id: str | None
    name: str
    indicator: str  # what is measured: the SLI's name or metric
    target: float  # 0..1
    window: str  # e.g. "28d", as declared
    budgeting_method: BudgetingMethod
    source_tool: str
    source: str
    details: dict[str, Any] = field(default_factory=dict, compare=False, hash=False)

    @property
    def natural_key(self) -> str:
        """One definition per product and SLO name; a changed file updates it.

        Unattributed SLOs are told apart by their file too: two teams' "freshness" SLOs
        that matched no product must not overwrite each other.
        """
        if self.product_id is None:
            return _key(None, self.name, self.source)
        return _key(self.product_id, self.name)


@dataclass(frozen=True, slots=True)
class SliSample:
    """A measurement of a service level indicator: good/total events or a gauge value."""

    product_id: str | None
    indicator: str
    time: datetime
    source_tool: str
    source: str
    slo: str | None = None
    good: float | None = None
    total: float | None = None
    value: float | None = None
    labels: dict[str, str] = field(default_factory=dict, compare=False, hash=False)

    @property
    def natural_key(self) -> str:
        """One sample per product, indicator, labels and time."""
        return _key(self.product_id, self.indicator, self.slo, self.labels, self.time.isoformat())


def normalise_alias(alias: str) -> str:
    """Dataset names and locations compare case-insensitively, without trailing slashes."""
    return alias.strip().lower().rstrip("/")


@dataclass(frozen=True)
class ProductDirectory:
    """Which product a piece of evidence belongs to: pure lookup data built from the registry.

    `aliases` maps normalised dataset names and locations (an output port's table, topic,
    path; what a descriptor declares) to product ids.
    """

    products: frozenset[str] = frozenset()
    aliases: Mapping[str, str] = field(default_factory=dict)

    def product_for(self, *candidates: str | None) -> str | None:
        """The product named by the first candidate that is a product id or a known alias."""
        for candidate in candidates:
            if not candidate:
                continue
            if candidate in self.products:
                return candidate
            found = self.aliases.get(normalise_alias(candidate))
            if found:
                return found
        return None


# What a collector's parse step may return.
Record = (
    CheckResult
    | PipelineRun
    | LineageObservation
    | LogRecord
    | AuditEvent
    | SloDefinition
    | SliSample
)
