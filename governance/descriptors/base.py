"""What ODPS descriptors and ODCS contracts share: YAML loading, errors, warnings, field paths.

A refusal is a DescriptorError naming the file, the field (as a path like
``outputPorts[1].version``) and what is wrong. A warning is a string of the same shape,
``"path: field: message"``: the file registers, but meshgov says what it did not use.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

import yaml
from pydantic import ValidationError

from governance.errors import DescriptorError


class _TextDatesLoader(yaml.SafeLoader):
    """A safe loader that leaves dates and times as the text the author wrote.

    The standards type `dateIn`, `productCreatedTs` or `examples` as strings (JSON has no
    date); PyYAML would turn an unquoted ``2023-01-15`` into a date and the file would be
    refused for a form the standard allows.
    """


_TextDatesLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_yaml_document(content: bytes, path: str) -> dict[str, Any]:
    """Parse one YAML (or JSON) document; anything but a mapping is refused."""
    try:
        document = yaml.load(content, Loader=_TextDatesLoader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else None
        raise DescriptorError(path, where, f"not valid YAML: {exc}") from exc
    if not isinstance(document, dict):
        raise DescriptorError(path, None, "expected a mapping at the top level")
    return document


def sha256_of(content: bytes) -> str:
    """Content hash used to tell an unchanged file from a changed one."""
    return hashlib.sha256(content).hexdigest()


def field_path(loc: Iterable[Any]) -> str:
    """A validation location as the path a person reads: ``schema[0].properties[2].name``."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part).rstrip("_")
    return out or "(document)"


def first_error(path: str, exc: ValidationError) -> DescriptorError:
    """The first problem Pydantic found, as a refusal naming its field."""
    errors = exc.errors()
    err = errors[0]
    more = len(errors) - 1
    problem = err["msg"] + (f" (and {more} more problem{'s' * (more > 1)})" if more else "")
    if err["type"] == "extra_forbidden":
        problem = "unknown field; check its spelling against the standard"
    # A union (team: object | list) reports its branch's name in the location; drop it.
    loc = tuple(part for part in err["loc"] if not _is_branch_name(part))
    return DescriptorError(path, field_path(loc), problem)


def _is_branch_name(part: Any) -> bool:
    return isinstance(part, str) and (
        part.startswith(("list[", "function-", "_")) or part[:1].isupper()
    )


class WarningSink:
    """Collects "path: field: message" warnings, once per field and message."""

    def __init__(self, path: str, into: list[str] | None) -> None:
        self.path = path
        self.into = into
        self._seen: set[str] = set()

    def add(self, field: str, message: str) -> None:
        """Say that meshgov read the file but did not use (or could not use) a field."""
        if self.into is None:
            return
        line = f"{self.path}: {field}: {message}"
        if line not in self._seen:
            self._seen.add(line)
            self.into.append(line)
