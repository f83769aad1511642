"""Conformance runs: each standard's corpus is read once per session, then judged per file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conformance import harness

_RUNS: dict[Path, harness.StandardRun] = {}


def standard_run(manifest: Path, factory: pytest.TempPathFactory) -> harness.StandardRun:
    """The one reading of a standard's corpus in this session."""
    if manifest not in _RUNS:
        workdir = factory.mktemp(f"conformance-{manifest.parent.name}")
        _RUNS[manifest] = harness.run_standard(manifest, workdir)
    return _RUNS[manifest]


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line per standard read in this session: files, accepted, refused, crashed."""
    if not _RUNS:
        return
    terminalreporter.section("conformance")
    for manifest in sorted(_RUNS):
        terminalreporter.write_line(harness.summary_line(_RUNS[manifest]))
