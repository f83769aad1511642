"""The facts schema (governance/engine/facts_schema.py) describes every field policies can read.

Real facts documents come from the demo workspace's latest evaluation, plus one document
built by governance.engine.facts.build_facts with waivers (the demo records none).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from governance.engine import facts_schema
from governance.engine.facts import build_facts
from governance.engine.facts_fields import DIMENSION, FIELDS, SECTIONS, TYPES
from governance.engine.facts_schema import (
    documented_paths,
    leaf_paths,
    leaf_values,
    matches_type,
    render_markdown,
)
from governance.engine.policies import load_pack
from governance.engine.sli import attach_slos
from governance.model.vocabulary import CHECK_DIMENSIONS as DIMENSIONS
from governance.service import MeshgovService
from governance.store.read.fact_queries import read_evidence
from governance.store.read.judgements import latest_facts

REPO = Path(__file__).resolve().parents[2]
FIX = "add them to governance/engine/facts_fields.py and re-run `python -m governance.engine.facts_schema`"

# Documented paths the demo's facts may lack, and why. Each must occur in the document
# built with waivers instead (see `waiver_facts`).
NOT_IN_DEMO: dict[str, str] = {
    path: "the demo records no waivers"
    for path in (
        "waivers[].policy_id",
        "waivers[].reason",
        "waivers[].approved_by",
        "waivers[].expires_at",
        "waivers[].active",
    )
}


@pytest.fixture(scope="module")
def demo_service(demo_workspace: Path) -> Any:
    service = MeshgovService.open(demo_workspace)
    yield service
    service.store.dispose()


@pytest.fixture(scope="module")
def demo_facts(demo_service: MeshgovService) -> dict[str, dict[str, Any]]:
    """Each demo product's facts from the latest evaluation."""
    with demo_service.store.read() as connection:
        found = {p["id"]: latest_facts(connection, p["id"]) for p in demo_service.products()}
    assert found and all(found.values())
    return found


@pytest.fixture(scope="module")
def waiver_facts(
    demo_service: MeshgovService, demo_facts: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    """A demo product's facts built from the store with two waivers (one active)."""
    pid = next(iter(demo_facts))
    now = datetime.fromisoformat(demo_facts[pid]["now"])
    waivers = [
        {"policy_id": "quality-pass-rate", "product_id": pid, "reason": "backfill running"}
        | {"status": "approved", "approved_by": "board", "expires_at": now + timedelta(days=9)},
        {"policy_id": "tagged", "product_id": pid, "reason": "tags come with v2"}
        | {"status": "requested", "approved_by": None, "expires_at": None},
    ]
    with demo_service.store.read() as connection:
        evidence = read_evidence(connection, now, waivers={pid: waivers})
    document = build_facts(evidence, now)[pid]
    attach_slos(document, evidence, now)
    assert [w["active"] for w in document["waivers"]] == [True, False]
    return document


def all_documents(
    demo_facts: dict[str, dict[str, Any]], waiver_facts: dict[str, Any]
) -> dict[str, dict[str, Any]]:
    return demo_facts | {"(built with waivers)": waiver_facts}


def test_the_schema_is_well_formed():
    paths = [f.path for f in FIELDS]
    assert len(paths) == len(set(paths)), "a path is described twice"
    assert {f.type for f in FIELDS} <= set(TYPES)
    assert all(f.description.strip().endswith(".") for f in FIELDS)
    assert {facts_schema.section_of(p) for p in paths} == set(SECTIONS)
    assert all(matches_type(f.example, f.type) for f in FIELDS if f.example is not None)
    for field in FIELDS:  # every list or object below the top level has its own row
        parent = field.path.rsplit(".", 1)[0] if "." in field.path else None
        if parent and parent not in SECTIONS:
            assert parent in paths, f"{field.path}: describe {parent} too"


def test_leaf_paths_notation():
    document = {
        "product": {"id": "a", "tags": ["x"]},
        "owners": [{"username": "u", "role": None}],
        "waivers": [],
        "slo_summary": {},
        "quality": {"dimensions": {"validity": {"latest_checks": 1}, "novel": {"x": 1}}},
    }
    assert leaf_paths(document) == {
        "product.id",
        "product.tags[]",
        "owners[]",
        "owners[].username",
        "owners[].role",
        "waivers[]",
        "slo_summary",
        f"quality.dimensions.{DIMENSION}.latest_checks",
        "quality.dimensions.novel.x",  # not a known dimension: shows up as undocumented
    }


def test_every_field_of_the_facts_is_documented(demo_facts, waiver_facts):
    documented = documented_paths()
    undocumented: dict[str, str] = {}  # path → the first document that has it
    for pid, document in all_documents(demo_facts, waiver_facts).items():
        for path in sorted(leaf_paths(document) - documented):
            undocumented.setdefault(path, pid)
    found = [f"{path} (e.g. in {pid})" for path, pid in sorted(undocumented.items())]
    assert not found, f"undocumented facts fields: {', '.join(found)}; {FIX}"


def test_documented_types_match_the_values(demo_facts, waiver_facts):
    types = {f.path: f.type for f in FIELDS}
    wrong: dict[str, str] = {}
    for pid, document in all_documents(demo_facts, waiver_facts).items():
        for path, value in leaf_values(document):
            if path in types and not matches_type(value, types[path]):
                wrong.setdefault(path, f"{path}: documented {types[path]}, {pid} has {value!r}")
    assert not wrong, "; ".join(wrong[p] for p in sorted(wrong))


def test_quality_dimensions_have_every_key(demo_facts):
    for document in demo_facts.values():
        # As a set: PostgreSQL's JSONB keeps no key order, and no reader relies on it.
        assert set(document["quality"]["dimensions"]) == set(DIMENSIONS)


def test_every_documented_field_occurs(demo_facts, waiver_facts):
    in_demo = set().union(*(leaf_paths(d) for d in demo_facts.values()))
    objects = {f.path for f in FIELDS if f.type == "object"}

    def occurs(path: str, found: set[str]) -> bool:
        return path in found or (path in objects and any(p.startswith(f"{path}.") for p in found))

    stale = sorted(p for p in documented_paths() - NOT_IN_DEMO.keys() if not occurs(p, in_demo))
    assert not stale, f"documented but in no demo product's facts: {stale}"
    assert NOT_IN_DEMO.keys() <= documented_paths()
    missing = sorted(p for p in NOT_IN_DEMO if not occurs(p, leaf_paths(waiver_facts)))
    assert not missing, f"documented but not produced even with waivers: {missing}"


def test_the_reference_is_up_to_date():
    path = REPO / "docs" / "facts.md"
    assert path.exists(), "run `python -m governance.engine.facts_schema`"
    assert path.read_text(encoding="utf-8") == render_markdown(), (
        "docs/facts.md is out of date: run `python -m governance.engine.facts_schema`"
    )


def test_check_mode(tmp_path, capsys):
    output = tmp_path / "facts.md"
    assert facts_schema.main(["--check", "--output", str(output)]) == 1
    assert facts_schema.main(["--output", str(output)]) == 0
    assert facts_schema.main(["--check", "--output", str(output)]) == 0
    output.write_text(output.read_text() + "edited\n")
    assert facts_schema.main(["--check", "--output", str(output)]) == 1
    assert "out of date" in capsys.readouterr().err


def _without_lists(path: str) -> str:
    return path.replace("[]", "")


def _cited_as_documented(cited: str) -> str:
    """`facts.quality.dimensions.validity.x` → `quality.dimensions.<dimension>.x`."""
    parts = cited.removeprefix("facts.").split(".")
    if parts[:2] == ["quality", "dimensions"] and len(parts) > 2 and parts[2] in DIMENSIONS:
        parts[2] = DIMENSION
    return ".".join(parts)


def test_every_path_a_policy_cites_is_documented():
    pack = load_pack(REPO / "policy_rules")
    assert pack.policies
    documented = {_without_lists(p) for p in documented_paths()}
    # an object is documented through its fields: `facts.ports` or `facts.contracts[0].sla`
    documented |= {p.rsplit(".", n)[0] for p in set(documented) for n in range(1, p.count(".") + 1)}
    undocumented = sorted(
        f"{policy.id} ({policy.path}): {cited}"
        for policy in pack.policies
        for cited in policy.cited
        if _cited_as_documented(cited) not in documented
    )
    assert not undocumented, f"policies cite undocumented facts: {undocumented}"
