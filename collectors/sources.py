"""Evidence sources: where a collector reads from, and how a run is split into shards.

Where a source may point: meshgov.yaml and the command line are the operator's, and may
name any path (outside the workspace too). A product descriptor is its team's: its
`evidence` paths must stay inside the descriptor's own folder, so that a descriptor cannot
have meshgov read (and attribute to its product) /etc/passwd, another product's evidence or
the store. An absolute path, a `..` that climbs out, or a symlink that leads out is refused
with a source error saying so; http(s) URLs are allowed.

Folders are walked without following symlinked folders (a link back to a parent would
never end) and without recursion (a tree thousands of levels deep is walked like any other).
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from governance.errors import OutsideFolder


@dataclass(frozen=True)
class Source:
    """One place a collector reads: a file, a folder (recursive), a glob, or an http(s) URL."""

    collector: str
    location: str
    product: str | None = None
    options: Mapping[str, Any] = field(default_factory=dict)
    origin: str = "ad hoc"  # meshgov.yaml, a product descriptor, or the command line
    confined_to: str | None = None  # a descriptor's folder: files must resolve inside it

    def __post_init__(self) -> None:
        if "\0" in self.location:
            # No path can hold a NUL byte, and no store can hold one in text: keep it visible
            # (escaped) so the source is logged, found missing, and the run goes on.
            object.__setattr__(self, "location", self.location.replace("\0", "\\x00"))

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
        # surrogateescape: a file name that is not UTF-8 still belongs to exactly one shard.
        digest = hashlib.sha256(f"{collector}\0{path}".encode("utf-8", "surrogateescape")).digest()
        return int.from_bytes(digest[:8], "big") % self.count == self.index - 1


def expand(source: Source, suffixes: Sequence[str], base: Path | None = None) -> list[Path]:
    """The files of a local source: the file itself, a folder's files, or a glob's matches."""
    location = Path(source.location)
    if base is not None and not location.is_absolute():
        location = base / location
    if source.confined_to is not None:
        _check_inside(source, base, location, source.location)
    if any(ch in source.location for ch in "*?["):
        anchor = Path(location.anchor) if location.is_absolute() else (base or Path.cwd())
        pattern = str(location.relative_to(anchor)) if location.is_absolute() else source.location
        matches = sorted(anchor.glob(pattern))
        files = [f for m in matches for f in (_folder_files(m, suffixes) if m.is_dir() else [m])]
    elif location.is_dir():
        files = _folder_files(location, suffixes)
    else:
        files = [location]
    if source.confined_to is not None:
        for path in files:
            _check_inside(source, base, path, str(path))
    return files


def _check_inside(source: Source, base: Path | None, path: Path, shown: str) -> None:
    folder = Path(source.confined_to or "")
    folder = (base / folder if base is not None else folder).resolve()
    if not path.resolve().is_relative_to(folder):
        raise OutsideFolder(
            f"{source.origin}: evidence path {shown!r} leads outside the descriptor's folder "
            f"{str(folder)!r}; a descriptor may only name evidence inside its folder (an "
            "operator can add any path as a source in meshgov.yaml)"
        )


def _folder_files(folder: Path, suffixes: Sequence[str]) -> list[Path]:
    """Files below folder with one of the suffixes; symlinked files yes, symlinked folders no."""
    endings = tuple(s.lower() for s in suffixes)
    found: list[Path] = []
    pending = [str(folder)]
    while pending:
        try:
            entries = list(os.scandir(pending.pop()))
        except OSError:
            continue  # unreadable or vanished: its files cannot be read either
        for entry in entries:
            try:
                if entry.is_dir(follow_symlinks=False):
                    pending.append(entry.path)
                elif entry.name.lower().endswith(endings) and stat.S_ISREG(entry.stat().st_mode):
                    found.append(Path(entry.path))
            except OSError:
                continue  # a symlink loop or a dangling link: not a file
    return sorted(found)


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
            is_url = location.startswith(("http://", "https://"))
            sources.append(
                Source(
                    collector=str(entry["type"]),
                    location=location,
                    product=product_id,
                    options=dict(entry.get("options") or {}),
                    origin=f"descriptor of {product_id}",
                    confined_to=None if is_url else str(Path(descriptor_path).parent),
                )
            )
    return sources
