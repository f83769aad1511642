"""Hostile files and paths rather than contents: sizes, pipes, devices, names, symlink loops,
deep trees, and evidence paths that climb out of a product's folder.

What is allowed: a source in meshgov.yaml (or on the command line) is the operator's and may
name any path, outside the workspace too. A product descriptor's `evidence` paths must stay
inside the descriptor's folder (collectors/sources.py says why).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from collectors.runner import run_sources
from collectors.sources import Shard, Source, descriptor_sources, expand
from governance.errors import OutsideFolder
from tests.hostile.seeds import FIXTURES

GX = (FIXTURES / "gx" / "validation_result_0_18.json").read_bytes()
GX_RECORDS = 3


def outcomes(report) -> dict[str, tuple[str, str]]:
    return {o.path: (o.status, o.reason or "") for s in report.sources for o in s.outcomes}


def valid_gx(folder: Path, name: str = "valid.json") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(GX)
    return folder / name


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(store, tmp_path):
    huge = tmp_path / "huge.json"
    with huge.open("wb") as handle:
        handle.truncate(300 * 1024 * 1024)  # sparse: 300 MiB of zeros that take no disk
    valid = valid_gx(tmp_path)
    started = time.perf_counter()
    report = run_sources(store, [Source("great_expectations", str(p)) for p in (huge, valid)])
    assert time.perf_counter() - started < 5  # hashing 300 MiB alone would take longer
    got = outcomes(report)
    status, reason = got[str(huge)]
    assert status == "refused" and "300.0 MiB, over the 256.0 MiB limit" in reason, reason
    assert "options.max_file_bytes" in reason
    assert got[str(valid)][0] == "ok" and report.records_new == GX_RECORDS


@pytest.mark.parametrize(
    ("limit", "status", "phrase"),
    [
        (100, "refused", "over the 100 bytes limit"),
        (len(GX), "ok", ""),
        ("256MB", "refused", "options.max_file_bytes must be a positive integer"),
        (0, "refused", "options.max_file_bytes must be a positive integer"),
        (True, "refused", "options.max_file_bytes must be a positive integer"),
    ],
)
def test_the_size_limit_is_a_source_option(store, tmp_path, limit, status, phrase):
    valid = valid_gx(tmp_path)
    source = Source("great_expectations", str(valid), options={"max_file_bytes": limit})
    got = outcomes(run_sources(store, [source]))[str(valid)]
    assert got[0] == status and phrase in got[1], got


def test_pipes_and_devices_are_refused_without_blocking(store, tmp_path):
    fifo = tmp_path / "pipe.json"
    os.mkfifo(fifo)
    valid = valid_gx(tmp_path)
    locations = [str(fifo), "/dev/zero", "/dev/null", str(valid)]
    started = time.perf_counter()
    report = run_sources(store, [Source("great_expectations", p) for p in locations])
    assert time.perf_counter() - started < 5
    got = outcomes(report)
    for location in locations[:3]:
        assert got[location] == (
            "refused",
            "not a regular file (a folder, pipe, socket or device); not read",
        )
    assert got[str(valid)][0] == "ok"
    # In a folder, a pipe is not even listed: only regular files are evidence.
    assert expand(Source("great_expectations", str(tmp_path)), [".json"]) == [valid]


def test_unreadable_names_are_refused_under_a_readable_spelling(store, tmp_path):
    folder = tmp_path / "names"
    folder.mkdir()
    not_utf8 = os.fsdecode(b"caf\xe9.json")  # Latin-1 on disk: a surrogate escape in Python
    (folder / not_utf8).write_bytes(GX)
    odd = ["new\nline.json", "esc\x1b[31mred.json", "tab\there.json", " lead.json", "é.json"]
    for name in odd:
        (folder / name).write_bytes(GX.replace(b"order_id", json.dumps(name)[1:-1].encode()))
    report = run_sources(
        store,
        [
            Source("great_expectations", str(folder)),
            Source("great_expectations", str(tmp_path / "nul\0byte.json")),
        ],
    )
    assert all(s.error is None for s in report.sources), [s.error for s in report.sources]
    got = outcomes(report)
    assert got[str(folder / "caf\\xe9.json")] == (
        "refused",
        "the file name is not UTF-8; rename the file",
    )
    assert got[str(tmp_path / "nul\\x00byte.json")] == ("refused", "no such file or folder")
    for name in odd:
        assert got[str(folder / name)][0] == "ok", (name, got[str(folder / name)])
    assert Shard(1, 3).owns("great_expectations", str(folder / not_utf8)) in (True, False)


def test_symlink_loops_and_deep_trees_are_walked_to_the_end(store, tmp_path):
    folder = tmp_path / "evidence"
    valid = valid_gx(folder)
    (folder / "self").symlink_to(folder)  # a folder that contains itself
    (folder / "up").symlink_to(tmp_path)  # and one that contains its parent
    (folder / "a.json").symlink_to(folder / "b.json")  # files that point at each other
    (folder / "b.json").symlink_to(folder / "a.json")
    (folder / "dangling.json").symlink_to(tmp_path / "gone.json")
    (folder / "alias.json").symlink_to(valid)  # a link to a file is that file
    deep = folder
    for _ in range(1500):  # deeper than any recursion limit (mkdir(parents=True) recurses)
        deep = deep / "d"
        deep.mkdir()
    valid_gx(deep, "deep.json")
    try:
        walk_loops_and_depth(store, tmp_path, folder, valid, deep)
    finally:
        (deep / "deep.json").unlink()
        while deep != folder:  # shutil.rmtree (pytest's clean-up) recurses: remove it here
            deep.rmdir()
            deep = deep.parent


def walk_loops_and_depth(store, tmp_path: Path, folder: Path, valid: Path, deep: Path) -> None:
    started = time.perf_counter()
    files = expand(Source("great_expectations", str(folder)), [".json"])
    assert time.perf_counter() - started < 5
    assert files == sorted([valid, folder / "alias.json", deep / "deep.json"])
    report = run_sources(store, [Source("great_expectations", str(folder))])
    assert report.sources[0].error is None
    got = outcomes(report)
    assert got.pop(str(valid)) == got.pop(str(folder / "alias.json")) == ("ok", "")
    status, reason = got.pop(str(deep / "deep.json"))
    # PostgreSQL keeps sources in varchar(1000): a 3,000-character path is refused there.
    assert status == "ok" or "value too long" in reason, reason
    # A loop given as the source itself is refused as a file, not followed.
    got = outcomes(run_sources(store, [Source("great_expectations", str(folder / "a.json"))]))
    assert got[str(folder / "a.json")] == (
        "refused",
        "cannot read: Too many levels of symbolic links",
    )


@pytest.fixture
def product_folder(tmp_path: Path) -> Path:
    """A product's folder with its descriptor and evidence, and a secret beside it."""
    folder = tmp_path / "mesh" / "orders"
    valid_gx(folder / "evidence")
    (folder / "orders.yaml").write_text("id: orders\n")
    (tmp_path / "secret.json").write_bytes(GX)
    (folder / "evidence" / "leak.json").symlink_to(tmp_path / "secret.json")
    return folder


def declared(folder: Path, *paths: str) -> list[Source]:
    entries = [{"type": "great_expectations", "path": p} for p in paths]
    return descriptor_sources([("orders", str(folder / "orders.yaml"), {"evidence": entries})])


@pytest.mark.parametrize(
    "path",
    [
        "../../../../../../../../etc/passwd",
        "/etc/passwd",
        "evidence/../../../secret.json",
        "../*.json",
        "evidence",  # holds a symlink that leads out
        "evidence/leak.json",
    ],
)
def test_a_descriptor_cannot_name_evidence_outside_its_folder(store, product_folder, path):
    (source,) = declared(product_folder, path)
    with pytest.raises(OutsideFolder, match="leads outside the descriptor's folder"):
        expand(source, [".json"])
    report = run_sources(store, [source])
    assert "leads outside the descriptor's folder" in (report.sources[0].error or "")
    assert "descriptor of orders" in report.sources[0].error
    assert not report.sources[0].outcomes and report.records_new == 0
    # Without the link that leads out, the product's own evidence is read as usual.
    (product_folder / "evidence" / "leak.json").unlink()
    report = run_sources(store, declared(product_folder, "evidence"))
    assert report.sources[0].error is None and report.records_new == GX_RECORDS


def test_a_descriptor_may_name_evidence_inside_its_folder_and_urls(product_folder):
    (product_folder / "evidence" / "leak.json").unlink()
    inside, absolute, url = declared(
        product_folder,
        "evidence/./valid.json",
        str(product_folder / "evidence"),
        "https://example.com/metrics",
    )
    assert expand(inside, [".json"]) == [product_folder / "evidence" / "valid.json"]
    assert expand(absolute, [".json"]) == [product_folder / "evidence" / "valid.json"]
    assert url.is_url and url.confined_to is None


def test_the_operator_may_name_any_path(store, tmp_path):
    """meshgov.yaml's sources are the operator's: outside the workspace is their choice."""
    workspace = tmp_path / "workspace"
    workspace.mkdir()
    outside = valid_gx(tmp_path / "elsewhere")
    source = Source("great_expectations", "../elsewhere/valid.json", origin="meshgov.yaml")
    report = run_sources(store, [source], base=workspace)
    assert report.sources[0].error is None and report.records_new == GX_RECORDS
    assert outcomes(report) == {str(workspace / "../elsewhere/valid.json"): ("ok", "")}
    assert outside.exists()
