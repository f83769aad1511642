"""The conformance harness: every manifest entry through the reader a user's file goes through.

Each standard has a folder with a MANIFEST.yaml (see README.md here). Its `files` are written
for meshgov and committed beside the manifest; its `upstream` entries name official files of
the standard's own projects by (repo, commit, path) and are read at test time from a fetched
mirror of those repositories (MESHGOV_CONFORMANCE_MIRROR, default /work/.mirror), never
committed. A verdict is what the store and the run log say after the real reader ran:
accepted with the rows stored per table, refused with field or position and reason, skipped
(not evidence), or crashed (an exception escaped a parser).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import Table, func, select

from collectors.runner import run_sources
from collectors.sources import Source
from governance.descriptors import DescriptorError, parse_contract
from governance.service.registration import register_paths
from governance.store import Store
from governance.store.schema.tables import (
    audit_events,
    check_results,
    collector_files,
    contract_columns,
    contracts,
    log_records,
    observed_lineage,
    pipeline_runs,
    ports,
    products,
    sli_samples,
    slo_definitions,
)
from governance.store.write.registry import write_contract

HERE = Path(__file__).parent
MIRROR = Path(os.environ.get("MESHGOV_CONFORMANCE_MIRROR", "/work/.mirror"))
EVIDENCE_TABLES: tuple[Table, ...] = (
    check_results,
    pipeline_runs,
    observed_lineage,
    log_records,
    audit_events,
    slo_definitions,
    sli_samples,
)
CRASH_PREFIX = "collector {name} failed:"


@dataclass(frozen=True)
class Origin:
    """Where an official file lives upstream."""

    repo: str
    commit: str
    path: str

    def __str__(self) -> str:
        return f"{self.repo}@{self.commit[:10]}:{self.path}"

    @property
    def git_dir(self) -> Path:
        return MIRROR / self.repo.replace("/", "+") / "repo"


@dataclass(frozen=True)
class Entry:
    """One file of a standard's manifest and what must happen to it."""

    standard: str
    folder: Path
    reader: str
    name: str  # where it is laid out for the reader, relative to the standard's folder
    expect: str  # accept | refuse | skip
    upstream: Origin | None = None
    counts: dict[str, int] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()
    field: str | None = None
    position: str | None = None
    reason: str | None = None
    together_with: tuple[str, ...] = ()
    # Read in a folder and store of its own: for a file that repeats another file's records
    # (the same checks at the same time, the same run id), whose counts would depend on order.
    alone: bool = False

    @property
    def id(self) -> str:
        kind = "upstream" if self.upstream else "file"
        return f"{self.folder.name}/{kind}:{self.name}"

    def missing_reason(self) -> str | None:
        """Why this entry's bytes cannot be had here (an upstream file without its mirror)."""
        if self.upstream is None:
            path = self.folder / self.name
            return None if path.is_file() else f"{path} is listed in the manifest but missing"
        return mirror_missing(self.upstream)

    def content(self) -> bytes:
        """The file's bytes, from the folder or from the mirror."""
        if self.upstream is None:
            return (self.folder / self.name).read_bytes()
        return mirror_read(self.upstream)


@dataclass
class Verdict:
    """What meshgov did with one file."""

    status: str  # accepted | refused | skipped | crashed
    counts: dict[str, int] = field(default_factory=dict)
    field: str | None = None
    position: str | None = None
    reason: str | None = None
    warnings: str = ""

    def describe(self) -> str:
        where = self.field or self.position
        said = f" ({where})" if where else ""
        return f"{self.status}{said}: {self.reason or ''} counts={self.counts}"


@dataclass
class StandardRun:
    """Every available entry of one standard, read once."""

    standard: str
    entries: list[Entry]
    verdicts: dict[str, Verdict]
    unavailable: dict[str, str]  # entry id -> why it was not read
    recollected_new: int = 0  # records a second collection added (must be 0)


# --- manifests -------------------------------------------------------------------------


def manifests() -> list[Path]:
    """Every standard's manifest, in a stable order."""
    return sorted(HERE.glob("*/MANIFEST.yaml"))


@cache
def load_manifest(path: Path) -> tuple[str, str, tuple[str, ...], tuple[Entry, ...]]:
    """(standard, reader, versions, entries) of one manifest."""
    document = yaml.safe_load(path.read_text())
    standard, reader = document["standard"], document["reader"]
    folder = path.parent
    entries: list[Entry] = []
    for item in document.get("files") or []:
        entries.append(_entry(standard, folder, reader, item, item["file"], None))
    for item in document.get("upstream") or []:
        origin = Origin(**item["origin"])
        name = item.get("name") or origin.path
        layout = f"upstream/{origin.repo.replace('/', '+')}/{name}"
        entries.append(_entry(standard, folder, reader, item, layout, origin))
    names = [e.name for e in entries]
    duplicates = {n for n in names if names.count(n) > 1}
    if duplicates:
        raise ValueError(f"{path}: entries laid out twice: {sorted(duplicates)}")
    return standard, reader, tuple(document.get("versions") or ()), tuple(entries)


def _entry(
    standard: str,
    folder: Path,
    reader: str,
    item: dict[str, Any],
    name: str,
    origin: Origin | None,
) -> Entry:
    expect = item["expect"]
    if expect not in ("accept", "refuse", "skip"):
        raise ValueError(f"{folder}/MANIFEST.yaml: {name}: expect must be accept, refuse or skip")
    if expect == "refuse" and not item.get("reason"):
        raise ValueError(f"{folder}/MANIFEST.yaml: {name}: a refusal needs its reason")
    return Entry(
        standard=standard,
        folder=folder,
        reader=reader,
        name=name,
        expect=expect,
        upstream=origin,
        counts=dict(item.get("counts") or {}),
        warnings=tuple(item.get("warnings") or ()),
        field=item.get("field"),
        position=item.get("position"),
        reason=item.get("reason"),
        together_with=tuple(item.get("with") or ()),
        alone=bool(item.get("alone", False)),
    )


# --- the mirror --------------------------------------------------------------------------


@cache
def mirror_missing(origin: Origin) -> str | None:
    """None when the mirror holds the file at its commit, else why not."""
    if not origin.git_dir.is_dir():
        return f"no mirror of {origin.repo} at {origin.git_dir} (set MESHGOV_CONFORMANCE_MIRROR)"
    found = subprocess.run(
        [
            "git",
            "--git-dir",
            str(origin.git_dir),
            "cat-file",
            "-e",
            f"{origin.commit}:{origin.path}",
        ],
        capture_output=True,
    )
    return None if found.returncode == 0 else f"the mirror of {origin.repo} lacks {origin}"


def mirror_read(origin: Origin) -> bytes:
    """An upstream file's bytes at its commit."""
    return subprocess.run(
        ["git", "--git-dir", str(origin.git_dir), "show", f"{origin.commit}:{origin.path}"],
        capture_output=True,
        check=True,
    ).stdout


# --- readers -----------------------------------------------------------------------------


def run_standard(manifest: Path, workdir: Path) -> StandardRun:
    """Lay out every available entry of a standard and read it the way users' files are read.

    The entries are read together, in one folder and store, except those marked `alone`,
    each read in a folder and store of its own.
    """
    standard, reader, _, entries = load_manifest(manifest)
    unavailable = {e.id: why for e in entries if (why := e.missing_reason())}
    present = [e for e in entries if e.id not in unavailable]
    groups = [[e for e in present if not e.alone]] + [[e] for e in present if e.alone]
    verdicts: dict[str, Verdict] = {}
    again = 0
    for index, group in enumerate(g for g in groups if g):
        found, added = _read_group(manifest, reader, group, workdir / f"group-{index}")
        verdicts |= found
        again += added
    return StandardRun(standard, list(entries), verdicts, unavailable, again)


def _read_group(
    manifest: Path, reader: str, entries: list[Entry], workdir: Path
) -> tuple[dict[str, Verdict], int]:
    tree = workdir / "files"
    for entry in entries:
        target = tree / entry.name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(entry.content())
    store = Store(f"sqlite:///{workdir / 'store.db'}")
    store.init()
    try:
        if reader.startswith("collector:"):
            return _collect(store, reader.split(":", 1)[1], tree, entries)
        if reader == "contracts":
            return _contracts(store, tree, entries), 0
        if reader == "products":
            return _products(store, workdir, tree, entries), 0
        raise ValueError(f"{manifest}: unknown reader {reader!r}")
    finally:
        store.dispose()


def _collect(
    store: Store, collector: str, tree: Path, entries: list[Entry]
) -> tuple[dict[str, Verdict], int]:
    source = Source(collector=collector, location=str(tree))
    report = run_sources(store, [source], pipeline=False)
    by_path = {o.path: o for s in report.sources for o in s.outcomes}
    crash = CRASH_PREFIX.format(name=collector)
    verdicts: dict[str, Verdict] = {}
    with store.read() as connection:
        for entry in entries:
            path = str(tree / entry.name)
            outcome = by_path.get(path)
            if outcome is None:
                verdicts[entry.id] = Verdict("skipped", reason="the runner did not read this file")
                continue
            status = {"ok": "accepted", "partial": "accepted", "skipped": "skipped"}.get(
                outcome.status, "refused"
            )
            if status == "refused" and (outcome.reason or "").startswith(crash):
                status = "crashed"
            counts = {
                table.name: n
                for table in EVIDENCE_TABLES
                if (n := _count(connection, table, table.c.source == path))
            }
            row = connection.execute(
                select(collector_files.c.warnings).where(collector_files.c.path == path)
            ).first()
            verdicts[entry.id] = Verdict(
                status,
                counts,
                position=outcome.position,
                reason=outcome.reason,
                warnings=(row.warnings if row else None) or "",
            )
    again = run_sources(store, [source], pipeline=False)
    return verdicts, again.records_new


def _count(connection: Any, table: Table, condition: Any) -> int:
    return connection.scalar(select(func.count()).select_from(table).where(condition)) or 0


def _contracts(store: Store, tree: Path, entries: list[Entry]) -> dict[str, Verdict]:
    """Each contract alone, as `meshgov register` writes a contract no product serves."""
    verdicts: dict[str, Verdict] = {}
    for entry in entries:
        path = tree / entry.name
        warnings: list[str] = []
        try:
            contract = parse_contract(path.read_bytes(), str(path), warnings=warnings)
        except DescriptorError as error:
            verdicts[entry.id] = Verdict("refused", field=error.field, reason=error.problem)
            continue
        except Exception as exc:  # what a user would see as a crash of `meshgov register`
            verdicts[entry.id] = Verdict("crashed", reason=f"{type(exc).__name__}: {exc}")
            continue
        with store.engine.connect() as connection:
            transaction = connection.begin()
            write_contract(connection, contract)
            key = (contracts.c.id == contract.id) & (contracts.c.version == contract.version)
            column_key = (contract_columns.c.contract_id == contract.id) & (
                contract_columns.c.contract_version == contract.version
            )
            counts = {
                "contracts": _count(connection, contracts, key),
                "contract_columns": _count(connection, contract_columns, column_key),
            }
            transaction.rollback()  # the next file starts from an empty store again
        verdicts[entry.id] = Verdict(
            "accepted", {k: v for k, v in counts.items() if v}, warnings=_joined(warnings)
        )
    return verdicts


def _products(store: Store, workdir: Path, tree: Path, entries: list[Entry]) -> dict[str, Verdict]:
    """Each product with the files it names, registered by `register_paths` into its own store."""
    verdicts: dict[str, Verdict] = {}
    for index, entry in enumerate(entries):
        own = Store(f"sqlite:///{workdir / f'product-{index}.db'}")
        own.init()
        try:
            verdicts[entry.id] = _register_one(own, tree, entry)
        finally:
            own.dispose()
    return verdicts


def _register_one(store: Store, tree: Path, entry: Entry) -> Verdict:
    path = tree / entry.name
    others = [entry.folder / name for name in entry.together_with]
    try:
        report = register_paths(store, [path, *others])
    except Exception as exc:
        return Verdict("crashed", reason=f"{type(exc).__name__}: {exc}")
    warnings = _joined(report.warnings)
    mine = [e for e in report.refused if Path(e.path) == path]
    if mine:
        error = mine[0]
        return Verdict("refused", field=error.field, reason=error.problem, warnings=warnings)
    with store.read() as connection:
        product_ids = list(
            connection.scalars(select(products.c.id).where(products.c.descriptor_path == str(path)))
        )
        counts = {
            "products": len(product_ids),
            "ports": _count(connection, ports, ports.c.product_id.in_(product_ids)),
        }
    if not product_ids:
        return Verdict("skipped", reason="nothing of this file was registered", warnings=warnings)
    return Verdict("accepted", {k: v for k, v in counts.items() if v}, warnings=warnings)


def _joined(warnings: Iterable[Any]) -> str:
    return "; ".join(str(w) for w in warnings)


# --- judging -----------------------------------------------------------------------------


def judge(entry: Entry, verdict: Verdict) -> list[str]:
    """What is wrong with a verdict for this entry (empty: as the manifest says)."""
    wrong: list[str] = []
    wanted = {"accept": "accepted", "refuse": "refused", "skip": "skipped"}[entry.expect]
    if verdict.status != wanted:
        return [f"expected {wanted}, got {verdict.describe()}"]
    if entry.expect == "accept" and verdict.counts != entry.counts:
        wrong.append(f"stored counts {verdict.counts} differ from the file's {entry.counts}")
    if entry.expect == "refuse":
        if entry.reason and entry.reason.lower() not in (verdict.reason or "").lower():
            wrong.append(f"reason {verdict.reason!r} does not say {entry.reason!r}")
        if entry.field is not None and verdict.field != entry.field:
            wrong.append(f"refused at field {verdict.field!r}, expected {entry.field!r}")
        if entry.position and entry.position not in (verdict.position or ""):
            wrong.append(f"refused at {verdict.position!r}, expected {entry.position!r}")
    for needed in entry.warnings:
        if needed.lower() not in verdict.warnings.lower():
            wrong.append(f"no warning saying {needed!r} (warnings: {verdict.warnings!r})")
    return wrong


def summary_line(run: StandardRun) -> str:
    """One line per standard: files, accepted, refused, crashed (and skipped, unavailable)."""
    statuses = [v.status for v in run.verdicts.values()]
    upstream = sum(1 for e in run.entries if e.upstream and e.id in run.verdicts)
    parts = [
        f"{run.standard}: {len(statuses)} files ({upstream} upstream)",
        f"{statuses.count('accepted')} accepted",
        f"{statuses.count('refused')} refused",
        f"{statuses.count('crashed')} crashed",
    ]
    if statuses.count("skipped"):
        parts.append(f"{statuses.count('skipped')} skipped")
    if run.unavailable:
        parts.append(f"{len(run.unavailable)} not read (no mirror)")
    return ", ".join(parts)
