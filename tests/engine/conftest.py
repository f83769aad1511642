"""A workspace with the fixture mesh registered, on each backend, driven through the CLI."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from governance.cli import app

FIXTURES = Path(__file__).parents[1] / "fixtures" / "mesh"


def run_cli(*args: str) -> Result:
    """`meshgov ARGS`, in-process; errors of meshgov's own show as exit codes."""
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def cli(store_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[..., Result]:
    """The fixture mesh registered in a workspace (tmp_path) on the backend under test."""
    monkeypatch.setenv("MESHGOV_DB_URL", store_url)
    monkeypatch.setenv("MESHGOV_WORKSPACE", str(tmp_path))
    shutil.copytree(FIXTURES, tmp_path / "mesh")
    assert run_cli("init").exit_code == 0
    assert run_cli("register", str(tmp_path / "mesh")).exit_code == 0
    return run_cli
