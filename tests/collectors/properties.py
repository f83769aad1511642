"""What the collector tests share: any-JSON strategies, JSON paths and the bad-input corpus."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pytest
from hypothesis import strategies as st

from collectors import Parsed
from governance.errors import CollectorParseError

BAD_INPUTS = Path(__file__).parent.parent / "fixtures" / "bad_inputs"


def json_values(max_leaves: int = 20) -> st.SearchStrategy:
    """Any JSON value (no NaN), nested up to max_leaves leaves."""
    return st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
        lambda children: st.lists(children) | st.dictionaries(st.text(), children),
        max_leaves=max_leaves,
    )


JSON = json_values()


def json_paths(document: object, max_items: int | None = None) -> list[tuple]:
    """Every key and index path into document, () first; only max_items of each list entered."""
    paths = [()]
    if isinstance(document, dict):
        children = list(document.items())
    elif isinstance(document, list):
        children = list(enumerate(document[:max_items]))
    else:
        return paths
    for key, child in children:
        paths += [(key, *path) for path in json_paths(child, max_items)]
    return paths


def _parent(document: object, path: tuple) -> object:
    for step in path[:-1]:
        document = document[step]
    return document


def replaced(document: object, path: tuple, value: object) -> object:
    """A deep copy of document with the value at path (all of it for ()) set to value."""
    if not path:
        return value
    copied = copy.deepcopy(document)
    _parent(copied, path)[path[-1]] = value
    return copied


def dropped(document: object, path: tuple) -> object:
    """A deep copy of document without the object key or list item at path."""
    copied = copy.deepcopy(document)
    del _parent(copied, path)[path[-1]]
    return copied


def mutated(document: object, path: tuple, value: object, drop: bool) -> object:
    """dropped() when drop and path ends at an object key, else replaced()."""
    if drop and path and isinstance(_parent(document, path), dict):
        return dropped(document, path)
    return replaced(document, path, value)


@cache
def _expected(collector: str) -> dict[str, dict]:
    return json.loads((BAD_INPUTS / collector / "EXPECTED.json").read_text())


def bad_input_names(collector: str) -> list[str]:
    """The collector's bad-input files that EXPECTED.json lists, sorted, for parametrize."""
    return sorted(_expected(collector))


def check_bad_inputs_listed(collector: str) -> None:
    """Assert that EXPECTED.json lists every bad-input file of the collector, six at least."""
    files = {p.name for p in (BAD_INPUTS / collector).iterdir() if p.name != "EXPECTED.json"}
    assert files == set(_expected(collector)) and len(files) >= 6, files ^ set(_expected(collector))


def check_bad_input(parse: Callable[[bytes], object], collector: str, name: str) -> None:
    """Assert that parse meets EXPECTED.json's outcome and reason for one bad-input file."""
    expected = _expected(collector)[name]
    outcome, reason = expected["outcome"], expected.get("reason_contains")
    content = (BAD_INPUTS / collector / name).read_bytes()
    if outcome == "refused":
        with pytest.raises(CollectorParseError) as refused:
            parse(content)
        assert reason in refused.value.reason, refused.value
        return
    result = parse(content)
    problems = result.problems if isinstance(result, Parsed) else []
    records = result.records if isinstance(result, Parsed) else result
    assert records, f"{name}: a partial or ok read keeps what it could read"
    if outcome == "partial":
        assert any(reason in p.reason for p in problems), (name, problems)
    else:
        assert outcome == "ok" and problems == [], (name, outcome, problems)
