"""Every file of every standard's corpus: accepted with its counts, or refused saying where and why.

The corpus and its manifests are described in tests/conformance/README.md. A file the
standard allows is never refused; a file its upstream marks invalid is refused naming the
field (or position) and the reason; nothing crashes; collecting the corpus twice adds nothing.
"""

from __future__ import annotations

import pytest

from tests.conformance import harness
from tests.conformance.conftest import standard_run

ENTRIES = [
    (manifest, entry)
    for manifest in harness.manifests()
    for entry in harness.load_manifest(manifest)[3]
]


@pytest.mark.parametrize(("manifest", "entry"), ENTRIES, ids=[e.id for _, e in ENTRIES])
def test_file_is_read_as_its_standard_says(manifest, entry, tmp_path_factory):
    run = standard_run(manifest, tmp_path_factory)
    if entry.id in run.unavailable:
        pytest.skip(f"upstream file not read: {run.unavailable[entry.id]}")
    verdict = run.verdicts[entry.id]
    assert verdict.status != "crashed", f"{entry.id} crashed: {verdict.reason}"
    assert harness.judge(entry, verdict) == []


@pytest.mark.parametrize("manifest", harness.manifests(), ids=lambda m: m.parent.name)
def test_standard_summary_and_idempotence(manifest, tmp_path_factory, capsys):
    run = standard_run(manifest, tmp_path_factory)
    with capsys.disabled():
        print("\n" + harness.summary_line(run))
    crashed = [i for i, v in run.verdicts.items() if v.status == "crashed"]
    assert crashed == []
    assert run.recollected_new == 0, "collecting the same files again added records"
    committed = [e for e in run.entries if e.upstream is None]
    assert committed, "a standard needs a committed corpus that runs without the mirror"
    assert any(e.expect == "refuse" for e in committed), "and invalid files it refuses"


def test_every_manifest_names_its_versions():
    for manifest in harness.manifests():
        standard, reader, versions, _ = harness.load_manifest(manifest)
        assert versions, f"{manifest}: list the versions read (the README table shows them)"
