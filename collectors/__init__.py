"""Collectors: the Collector protocol and the one registry built-ins and plugins share.

A collector turns the bytes of one evidence file into records. It does no I/O of its own:
the runner reads files, hands over the bytes with a SourceContext, and writes what comes
back. Collectors are found through the entry point group ``meshgov.collectors``; meshgov's
own collectors are registered there by its pyproject.toml, exactly like a third party's.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from importlib.metadata import entry_points
from typing import Any, Protocol, runtime_checkable

# The errors and `storable` are re-exported: collectors (and plugins) raise them from here.
from governance.errors import MAX_POSITION_CHARS as MAX_POSITION_CHARS
from governance.errors import MAX_REASON_CHARS as MAX_REASON_CHARS
from governance.errors import CollectorParseError as CollectorParseError
from governance.errors import NotEvidence as NotEvidence
from governance.errors import UnknownCollector as UnknownCollector
from governance.errors import storable as storable

# ProductDirectory is re-exported: collectors receive it in their SourceContext.
from governance.model.records import ProductDirectory as ProductDirectory
from governance.model.records import Record
from governance.model.records import normalise_alias as normalise_alias

ENTRY_POINT_GROUP = "meshgov.collectors"


@dataclass(frozen=True)
class SourceContext:
    """What the runner knows about a file besides its bytes."""

    path: str  # as shown to people and stored as the record's source
    product_id: str | None = None  # from --product or the source's configuration
    relative_path: str | None = None  # path below the collected folder, for layout hints
    directory: ProductDirectory = field(default_factory=ProductDirectory)
    options: Mapping[str, Any] = field(default_factory=dict)  # the source's `options:`
    fetched_at: datetime | None = None  # when the runner read or scraped the bytes (UTC)

    def attribute(self, *candidates: str | None) -> str | None:
        """The source's product if it has one, else the first candidate the directory knows.

        What matches no product returns None: the record is kept unattributed, never dropped.
        Formats that name several datasets per record (OpenLineage inputs and outputs) should
        ask `directory.product_for` per dataset first, or --product would claim them all.
        """
        return self.product_id or self.directory.product_for(*candidates)


@runtime_checkable
class Collector(Protocol):
    """Hook: a source format. `parse` is pure: bytes + context in, records out, or it raises."""

    name: str
    description: str
    file_suffixes: tuple[str, ...]

    def parse(self, content: bytes, source: SourceContext) -> list[Record] | Parsed:
        """Turn one file into records; raise CollectorParseError for what it cannot read."""
        ...


@dataclass
class Parsed:
    """A partial read: the records that could be read, and what was refused and where.

    Line-oriented formats (JSON lines, log files) return this so that one bad line costs
    that line, not the file. A parser that can read nothing raises CollectorParseError.
    A parser that reads a valid file but cannot use all of it returns its `warnings`.
    """

    records: list[Record] = field(default_factory=list)
    problems: list[CollectorParseError] = field(default_factory=list)
    # What was read but cannot be used (a field meshgov has no place for, a kind it does not
    # evaluate): said once per file and kind, never a refusal. Stored with the file's outcome.
    warnings: list[str] = field(default_factory=list)


@cache
def _load_registry() -> tuple[dict[str, type[Collector]], dict[str, str]]:
    found: dict[str, type[Collector]] = {}
    broken: dict[str, str] = {}
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        try:
            found[entry_point.name] = entry_point.load()
        except Exception as exc:  # a broken plugin must not take the other collectors down
            broken[entry_point.name] = f"{entry_point.value}: {type(exc).__name__}: {exc}"
    return found, broken


def available_collectors() -> dict[str, type[Collector]]:
    """Installed collector classes by name, from the entry point group (loaded lazily)."""
    return dict(_load_registry()[0])


def broken_collectors() -> dict[str, str]:
    """Collectors that are registered but failed to load, with the reason."""
    return dict(_load_registry()[1])


def get_collector(name: str) -> Collector:
    """An instance of the collector registered under `name`."""
    collectors, broken = _load_registry()
    if name in broken:
        raise UnknownCollector(
            f"collector {name!r} is installed but failed to load: {broken[name]}"
        )
    if name not in collectors:
        known = ", ".join(sorted(collectors)) or "none (is meshgov installed with pip?)"
        raise UnknownCollector(f"no collector named {name!r}; installed: {known}")
    return collectors[name]()
