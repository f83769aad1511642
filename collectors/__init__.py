"""Collectors: the Collector protocol and the one registry built-ins and plugins share.

A collector turns the bytes of one evidence file into records. It does no I/O of its own:
the runner reads files, hands over the bytes with a SourceContext, and writes what comes
back. Collectors are found through the entry point group ``meshgov.collectors``; meshgov's
own collectors are registered there by its pyproject.toml, exactly like a third party's.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib.metadata import entry_points
from typing import Protocol, runtime_checkable

from governance.model import Record

ENTRY_POINT_GROUP = "meshgov.collectors"


class CollectorParseError(ValueError):
    """The file cannot be read as this collector's format; the message says why."""


class NotEvidence(ValueError):
    """The file is recognisably not evidence (e.g. a tool's own configuration): skip it, say why."""


@dataclass(frozen=True)
class SourceContext:
    """What the runner knows about a file besides its bytes."""

    path: str  # as shown to people and stored as the record's source
    product_id: str | None = None  # from --product or the source's configuration
    relative_path: str | None = None  # path below the collected folder, for layout hints


@runtime_checkable
class Collector(Protocol):
    """Hook: a source format. `parse` is pure: bytes + context in, records out, or it raises."""

    name: str
    description: str
    file_suffixes: tuple[str, ...]

    def parse(self, content: bytes, source: SourceContext) -> list[Record]:
        """Turn one file into records; raise CollectorParseError for what it cannot read."""
        ...


class UnknownCollector(LookupError):
    """No collector of that name is installed."""


@cache
def available_collectors() -> dict[str, type[Collector]]:
    """Installed collector classes by name, from the entry point group (loaded lazily)."""
    found: dict[str, type[Collector]] = {}
    for entry_point in entry_points(group=ENTRY_POINT_GROUP):
        found[entry_point.name] = entry_point.load()
    return found


def get_collector(name: str) -> Collector:
    """An instance of the collector registered under `name`."""
    collectors = available_collectors()
    if name not in collectors:
        known = ", ".join(sorted(collectors)) or "none (is meshgov installed with pip?)"
        raise UnknownCollector(f"no collector named {name!r}; installed: {known}")
    return collectors[name]()
