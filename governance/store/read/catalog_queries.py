"""Read models of the catalog and collectors pages: what consumers search, and whether to trust it.

Every function here takes a connection and returns plain records; the pages never see a row
of raw evidence, only per-product or per-source aggregates, so they cost the same at 30 or
900 days of history.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Table, func, select

from governance.model.vocabulary import LEVELS, NO_LEVEL, SLO_STATE_SEVERITY
from governance.store.read.judgements import latest_evaluation, latest_scores
from governance.store.schema.engine_tables import slo_status
from governance.store.schema.tables import (
    audit_events,
    check_results,
    collector_runs,
    contract_columns,
    domains,
    log_records,
    pipeline_runs,
    ports,
    products,
    sli_samples,
)

NOT_EVALUATED = "not evaluated"
NO_SLOS = "no SLOs"
TRUST_LEVELS = (*reversed(LEVELS), NO_LEVEL)  # highest first, as the catalog filters them
STALE_AFTER = timedelta(days=2)

# The evidence whose age says whether a product's figures are current. Audit events are left
# out: they record what consumers did, not whether the product's pipeline still runs.
FRESHNESS_KINDS: dict[str, tuple[Table, Any]] = {
    "checks": (check_results, check_results.c.run_time),
    "runs": (pipeline_runs, func.coalesce(pipeline_runs.c.ended_at, pipeline_runs.c.started_at)),
    "logs": (log_records, log_records.c.time),
    "sli": (sli_samples, sli_samples.c.time),
}

# Evidence tables whose product may be NULL (collected, but nobody claimed it).
ATTRIBUTABLE_KINDS: dict[str, Table] = {
    "checks": check_results,
    "runs": pipeline_runs,
    "logs": log_records,
    "audit": audit_events,
    "sli": sli_samples,
}


# --- catalog ----------------------------------------------------------------------------


@dataclass(frozen=True)
class CatalogEntry:
    """One product as the catalog shows it: what it is, who owns it, and how far to trust it."""

    id: str
    name: str
    domain_id: str
    domain_name: str
    status: str
    tier: str | None
    description: str
    owner: str | None
    owner_name: str | None
    tags: tuple[str, ...]
    columns: tuple[str, ...]  # column names of its output contracts, for search
    score: float | None  # None: not evaluated, never a healthy default
    grade: str | None
    trust_level: str  # gold | silver | bronze | none | not evaluated
    slo_status: str  # the worst SLO status, NO_SLOS, or NOT_EVALUATED
    slo_counts: Mapping[str, int] = field(default_factory=dict)
    last_evidence: datetime | None = None

    @property
    def evaluated(self) -> bool:
        """True when the newest evaluation judged this product."""
        return self.score is not None


def catalog_entries(connection: Connection) -> list[CatalogEntry]:
    """Every registered product with its score, trust level, worst SLO status and last evidence."""
    scores = {row["product_id"]: row for row in latest_scores(connection)}
    slo_counts = _slo_counts(connection)
    columns = _output_columns(connection)
    newest = newest_evidence(connection)
    query = (
        select(products, domains.c.name.label("domain_name"))
        .select_from(products.join(domains, domains.c.id == products.c.domain_id))
        .order_by(products.c.domain_id, products.c.id)
    )
    entries = []
    for row in connection.execute(query):
        score = scores.get(row.id)
        counts = slo_counts.get(row.id, {})
        if score is None:
            slo = NOT_EVALUATED
        else:
            slo = worst_slo_status(counts) if counts else NO_SLOS
        times = [t for t in newest.get(row.id, {}).values() if t is not None]
        entries.append(
            CatalogEntry(
                id=row.id,
                name=row.name,
                domain_id=row.domain_id,
                domain_name=row.domain_name or row.domain_id,
                status=row.status,
                tier=row.tier,
                description=row.description or "",
                owner=row.owner,
                owner_name=row.owner_name,
                tags=tuple(str(t) for t in row.tags or ()),
                columns=columns.get(row.id, ()),
                score=score["score"] if score else None,
                grade=score["grade"] if score else None,
                trust_level=score["level"] if score else NOT_EVALUATED,
                slo_status=slo,
                slo_counts=counts,
                last_evidence=max(times) if times else None,
            )
        )
    return entries


def worst_slo_status(counts: Mapping[str, int]) -> str:
    """The most severe status among those counted (unknown statuses rank as the worst)."""
    present = [status for status, n in counts.items() if n]
    if not present:
        return NO_SLOS
    rank = {status: i for i, status in enumerate(SLO_STATE_SEVERITY)}
    return min(present, key=lambda status: rank.get(status, -1))


def _slo_counts(connection: Connection) -> dict[str, dict[str, int]]:
    evaluation = latest_evaluation(connection)
    if evaluation is None:
        return {}
    query = (
        select(slo_status.c.product_id, slo_status.c.status, func.count().label("slos"))
        .where(slo_status.c.evaluation_id == evaluation["id"])
        .group_by(slo_status.c.product_id, slo_status.c.status)
    )
    counts: dict[str, dict[str, int]] = {}
    for row in connection.execute(query):
        counts.setdefault(row.product_id, {})[row.status] = int(row.slos)
    return counts


def _output_columns(connection: Connection) -> dict[str, tuple[str, ...]]:
    query = (
        select(ports.c.product_id, contract_columns.c.name)
        .select_from(
            ports.join(contract_columns, contract_columns.c.contract_id == ports.c.contract_id)
        )
        .where(ports.c.kind == "output")
        .distinct()
        .order_by(ports.c.product_id, contract_columns.c.name)
    )
    found: dict[str, list[str]] = {}
    for row in connection.execute(query):
        found.setdefault(row.product_id, []).append(row.name)
    return {product_id: tuple(names) for product_id, names in found.items()}


@dataclass(frozen=True)
class CatalogSearch:
    """What a consumer asked the catalog for; empty fields match everything."""

    text: str = ""
    domains: Sequence[str] = ()
    tags: Sequence[str] = ()
    trust_levels: Sequence[str] = ()
    owners: Sequence[str] = ()  # owner emails (or names when there is no email)


def search_catalog(entries: Iterable[CatalogEntry], search: CatalogSearch) -> list[CatalogEntry]:
    """The entries that match every given criterion; text matches id, name, description, tags
    and column names, case-insensitively, every word somewhere."""
    words = search.text.lower().split()
    found = []
    for entry in entries:
        if search.domains and entry.domain_id not in search.domains:
            continue
        if search.tags and not set(search.tags) & set(entry.tags):
            continue
        if search.trust_levels and entry.trust_level not in search.trust_levels:
            continue
        if search.owners and owner_key(entry) not in search.owners:
            continue
        haystack = " ".join(
            (entry.id, entry.name, entry.description, *entry.tags, *entry.columns)
        ).lower()
        if all(word in haystack for word in words):
            found.append(entry)
    return found


def owner_key(entry: CatalogEntry) -> str | None:
    """The owner a catalog filter selects on: the email, else the name."""
    return entry.owner or entry.owner_name


# --- evidence freshness -----------------------------------------------------------------


def newest_evidence(connection: Connection) -> dict[str, dict[str, datetime | None]]:
    """Per product and evidence kind (checks, runs, logs, sli): the newest evidence time."""
    newest: dict[str, dict[str, datetime | None]] = {}
    for kind, (table, moment) in FRESHNESS_KINDS.items():
        query = (
            select(table.c.product_id, func.max(moment).label("newest"))
            .where(table.c.product_id.is_not(None))
            .group_by(table.c.product_id)
        )
        for row in connection.execute(query):
            newest.setdefault(row.product_id, {})[kind] = _as_utc(row.newest)
    return newest


@dataclass(frozen=True)
class EvidenceAge:
    """How old one kind of a product's evidence is."""

    kind: str
    newest: datetime | None  # None: this kind was never collected for the product
    hours: float | None
    stale: bool


@dataclass(frozen=True)
class ProductFreshness:
    """A product's evidence ages, kind by kind, and whether any of it has gone stale."""

    product_id: str
    domain_id: str
    ages: tuple[EvidenceAge, ...]

    @property
    def stale(self) -> bool:
        """True when some kind of evidence the product has stopped arriving."""
        return any(age.stale for age in self.ages)

    @property
    def stale_kinds(self) -> list[str]:
        """The kinds whose newest evidence is older than the threshold."""
        return [age.kind for age in self.ages if age.stale]

    @property
    def hours_since_last(self) -> float | None:
        """Hours since the newest evidence of any kind (None: no evidence at all)."""
        hours = [age.hours for age in self.ages if age.hours is not None]
        return min(hours) if hours else None

    @property
    def hours_since_oldest_kind(self) -> float | None:
        """Hours since the newest evidence of the kind that stopped longest ago."""
        hours = [age.hours for age in self.ages if age.hours is not None]
        return max(hours) if hours else None


def evidence_freshness(
    connection: Connection, now: datetime | None = None, stale_after: timedelta = STALE_AFTER
) -> list[ProductFreshness]:
    """Every registered product's evidence ages at `now`; a kind older than `stale_after` is stale.

    A kind a product never reported is shown as missing, not stale: nothing stopped.
    """
    now = _as_utc(now) or datetime.now(UTC)
    newest = newest_evidence(connection)
    query = select(products.c.id, products.c.domain_id).order_by(products.c.id)
    found = []
    for row in connection.execute(query):
        ages = []
        for kind in FRESHNESS_KINDS:
            moment = newest.get(row.id, {}).get(kind)
            # Evidence stamped after `now` (clock skew, a day's schedule) is fresh, not negative.
            hours = max((now - moment).total_seconds() / 3600, 0.0) if moment else None
            stale = moment is not None and now - moment > stale_after
            ages.append(EvidenceAge(kind, moment, hours, stale))
        found.append(ProductFreshness(row.id, row.domain_id, tuple(ages)))
    return found


def _as_utc(moment: datetime | None) -> datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=UTC)  # the store keeps UTC; some backends drop the zone


# --- collectors -------------------------------------------------------------------------


@dataclass(frozen=True)
class SourceRun:
    """The newest collector run of one source."""

    collector: str
    source: str
    product_id: str | None
    status: str  # ok | partial | failed
    error: str | None
    files_read: int
    files_unchanged: int
    files_skipped: int
    files_refused: int
    records_read: int
    records_new: int
    started_at: datetime
    finished_at: datetime


def last_run_per_source(connection: Connection) -> list[SourceRun]:
    """Per (collector, source): its newest run, failed and partial ones first."""
    newest = (
        select(func.max(collector_runs.c.id).label("id"))
        .group_by(collector_runs.c.collector, collector_runs.c.source)
        .subquery()
    )
    query = select(collector_runs).join(newest, newest.c.id == collector_runs.c.id)
    runs = [
        SourceRun(
            collector=row.collector,
            source=row.source,
            product_id=row.product_id,
            status=row.status,
            error=row.error,
            files_read=row.files_read,
            files_unchanged=row.files_unchanged,
            files_skipped=row.files_skipped,
            files_refused=row.files_refused,
            records_read=row.records_read,
            records_new=row.records_new,
            started_at=row.started_at,
            finished_at=row.finished_at,
        )
        for row in connection.execute(query)
    ]
    order = {"failed": 0, "partial": 1}
    return sorted(runs, key=lambda r: (order.get(r.status, 2), r.collector, r.source))


@dataclass(frozen=True)
class UnattributedEvidence:
    """Evidence of one kind that no product claimed, with the sources it came from."""

    kind: str
    records: int
    examples: tuple[tuple[str, int], ...]  # (source, records), the largest first


def unattributed_evidence(connection: Connection, examples: int = 5) -> list[UnattributedEvidence]:
    """Per kind (checks, runs, logs, audit, sli): how many records have no product, and from where."""
    found = []
    for kind, table in ATTRIBUTABLE_KINDS.items():
        orphan = table.c.product_id.is_(None)
        records = connection.scalar(select(func.count()).select_from(table).where(orphan)) or 0
        top: tuple[tuple[str, int], ...] = ()
        if records:
            per_source = (
                select(table.c.source, func.count().label("records"))
                .where(orphan)
                .group_by(table.c.source)
                .order_by(func.count().desc(), table.c.source)
                .limit(examples)
            )
            top = tuple((row.source, int(row.records)) for row in connection.execute(per_source))
        found.append(UnattributedEvidence(kind, int(records), top))
    return found
