"""Evidence sources: where a collector reads from, and how a run is split into shards."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Source:
    """One place a collector reads: a file, a folder (recursive), a glob, or an http(s) URL."""

    collector: str
    location: str
    product: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    origin: str = "ad hoc"  # meshgov.yaml, a product descriptor, or the command line

    @property
    def is_url(self) -> bool:
        """True for sources scraped over HTTP."""
        return self.location.startswith(("http://", "https://"))


@dataclass(frozen=True)
class Shard:
    """Shard `index` of `count` (1-based), as given by `--shard i/n`."""

    index: int = 1
    count: int = 1

    @classmethod
    def parse(cls, text: str) -> Shard:
        """Read 'i/n'; refuse anything else with a message that says what is expected."""
        match = re.fullmatch(r"\s*(\d+)\s*/\s*(\d+)\s*", text)
        if not match:
            raise ValueError(f"--shard {text!r}: expected i/n, e.g. 2/4")
        index, count = int(match[1]), int(match[2])
        if not 1 <= index <= count:
            raise ValueError(f"--shard {text!r}: i must be between 1 and n")
        return cls(index, count)

    def owns(self, collector: str, path: str) -> bool:
        """Deterministic, overlap-free: each (collector, file) belongs to exactly one shard."""
        if self.count == 1:
            return True
        digest = hashlib.sha256(f"{collector}\0{path}".encode()).digest()
        return int.from_bytes(digest[:8], "big") % self.count == self.index - 1


def expand(source: Source, suffixes: Sequence[str], base: Path | None = None) -> list[Path]:
    """The files of a local source: the file itself, a folder's files, or a glob's matches."""
    location = Path(source.location)
    if base is not None and not location.is_absolute():
        location = base / location
    if any(ch in source.location for ch in "*?["):
        anchor = Path(location.anchor) if location.is_absolute() else (base or Path.cwd())
        pattern = str(location.relative_to(anchor)) if location.is_absolute() else source.location
        matches = sorted(anchor.glob(pattern))
        return [f for m in matches for f in (_folder_files(m, suffixes) if m.is_dir() else [m])]
    if location.is_dir():
        return _folder_files(location, suffixes)
    return [location]


def _folder_files(folder: Path, suffixes: Sequence[str]) -> list[Path]:
    endings = tuple(s.lower() for s in suffixes)
    return sorted(
        path for path in folder.rglob("*") if path.is_file() and path.name.lower().endswith(endings)
    )


def descriptor_sources(
    products: Iterable[tuple[str, str, Mapping[str, Any]]],
) -> list[Source]:
    """Sources products declare in their descriptor's customProperties `evidence` list.

    Each entry is {type, path, options?}; a relative path is relative to the descriptor.
    """
    sources = []
    for product_id, descriptor_path, custom in products:
        for entry in custom.get("evidence") or []:
            if not isinstance(entry, Mapping) or not entry.get("type") or not entry.get("path"):
                continue  # registration validates these; an old row is not worth a crash
            location = str(entry["path"])
            if (
                not location.startswith(("http://", "https://"))
                and not Path(location).is_absolute()
            ):
                location = str(Path(descriptor_path).parent / location)
            sources.append(
                Source(
                    collector=str(entry["type"]),
                    location=location,
                    product=product_id,
                    options=dict(entry.get("options") or {}),
                    origin=f"descriptor of {product_id}",
                )
            )
    return sources
