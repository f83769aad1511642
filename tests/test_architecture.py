"""The layers of governance/ hold: each folder imports only what sits below it.

The rules live in the nested ruff.toml files (ruff's banned-api, as sqlmesh does for its
LSP package); these tests fail on a new violation, on a rule that goes missing, and on a
forbidden import that sneaks in through another module (which ruff cannot see).
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
RUFF = shutil.which("ruff")
needs_ruff = pytest.mark.skipif(
    RUFF is None, reason="ruff is not installed (pip install -e '.[test]')"
)

# (where a module lives, an import it must not make)
FORBIDDEN = [
    ("governance/model/probe.py", "import sqlalchemy"),
    ("governance/model/probe.py", "from governance.engine import scoring"),
    ("governance/model/probe.py", "from governance.store import Store"),
    ("governance/engine/probe.py", "import sqlalchemy"),
    ("governance/engine/probe.py", "from sqlalchemy import select"),
    ("governance/engine/probe.py", "from governance.store import Store"),
    ("governance/engine/probe.py", "from governance.store.read import judgements"),
    ("governance/engine/probe.py", "import streamlit"),
    ("governance/engine/probe.py", "from governance.service import MeshgovService"),
    ("governance/engine/policies/probe.py", "import sqlalchemy"),
    ("governance/descriptors/probe.py", "from governance.store.write import registry"),
    ("governance/store/probe.py", "from governance.engine import scoring"),
    ("governance/store/read/probe.py", "from governance.engine.triggers import plan_queue"),
    ("governance/store/write/probe.py", "from governance.service import MeshgovService"),
    ("governance/store/probe.py", "import streamlit"),
    ("governance/service/probe.py", "import streamlit"),
    ("governance/service/probe.py", "from governance.ui import components"),
    ("governance/cli/probe.py", "import streamlit"),
    ("collectors/probe.py", "import streamlit"),
    ("collectors/probe.py", "from governance.engine import scoring"),
    ("governance/ui/probe.py", "from sqlalchemy import select"),
    ("governance/ui/probe.py", "from governance.store.write import judgements"),
    ("governance/ingest/probe.py", "from sqlalchemy import select"),
    ("governance/ingest/probe.py", "from governance.store.write import evidence"),
    ("governance/ingest/probe.py", "from collectors import get_collector"),
    ("governance/ingest/probe.py", "import streamlit"),
    ("governance/clients/probe.py", "from governance.store import Store"),
    ("governance/clients/probe.py", "from governance.service import MeshgovService"),
    ("governance/clients/probe.py", "import sqlalchemy"),
    ("governance/mcp_server/probe.py", "from governance.store.write import judgements"),
    ("governance/mcp_server/probe.py", "from sqlalchemy import select"),
    ("governance/mcp_server/probe.py", "import streamlit"),
]

# imports each layer makes on purpose: the rules must not forbid them
ALLOWED = [
    ("governance/engine/probe.py", "from governance.model.records import CheckResult"),
    ("governance/store/probe.py", "from governance.model.records import CheckResult"),
    ("governance/ui/probe.py", "import streamlit"),
    ("governance/ui/probe.py", "from governance.store.read import overview_queries"),
    ("governance/service/probe.py", "from governance.engine import scoring"),
    ("app.py", "import streamlit"),
    ("governance/ingest/probe.py", "from governance.service import MeshgovService"),
    ("governance/clients/probe.py", "import requests"),
    ("governance/mcp_server/probe.py", "from governance.store.read import catalog_queries"),
    ("governance/mcp_server/probe.py", "from mcp.server import MCPServer"),
]


def banned(path: str, source: str) -> list[str]:
    """The banned-api findings ruff reports for `source` placed at `path` in this checkout."""
    result = subprocess.run(
        [
            RUFF,
            "check",
            "--select",
            "TID251",
            "--output-format",
            "json",
            "--stdin-filename",
            path,
            "-",
        ],
        input=f"{source}  # noqa: F401\n",
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode in (0, 1), result.stderr
    return [finding["message"] for finding in json.loads(result.stdout)]


@needs_ruff
def test_no_module_breaks_a_layer_rule() -> None:
    result = subprocess.run(
        [RUFF, "check", "--select", "TID251", "governance", "collectors", "app.py"],
        capture_output=True,
        text=True,
        cwd=ROOT,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@needs_ruff
@pytest.mark.parametrize(("path", "source"), FORBIDDEN)
def test_a_forbidden_import_is_refused(path: str, source: str) -> None:
    assert banned(path, source), f"{path} may `{source}`: a layer rule is missing"


@needs_ruff
@pytest.mark.parametrize(("path", "source"), ALLOWED)
def test_an_intended_import_is_allowed(path: str, source: str) -> None:
    assert banned(path, source) == []


def modules_loaded_by(packages: list[str]) -> set[str]:
    """Every module a fresh interpreter holds after importing all modules of `packages`."""
    script = (
        "import importlib, json, pkgutil, sys\n"
        f"for name in {packages!r}:\n"
        "    package = importlib.import_module(name)\n"
        "    for found in pkgutil.walk_packages(getattr(package, '__path__', []), name + '.'):\n"
        "        if '.migrations' not in found.name and not found.name.endswith('__main__'):\n"
        "            importlib.import_module(found.name)\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, env=env
    )
    assert result.returncode == 0, result.stderr
    return set(json.loads(result.stdout.splitlines()[-1]))


def under(loaded: set[str], prefixes: tuple[str, ...]) -> list[str]:
    return sorted(m for m in loaded if m.split(".")[0] in prefixes or m.startswith(prefixes))


def test_the_engine_and_model_load_no_database_and_no_ui() -> None:
    loaded = modules_loaded_by(["governance.model", "governance.engine", "governance.descriptors"])
    assert under(loaded, ("sqlalchemy", "streamlit", "altair")) == []
    assert under(loaded, ("governance.store", "governance.service", "governance.ui")) == []
    assert under(loaded, ("governance.cli", "collectors")) == []


def test_the_store_loads_neither_engine_nor_service() -> None:
    loaded = modules_loaded_by(["governance.store"])
    assert under(loaded, ("governance.engine", "governance.service", "governance.ui")) == []
    assert under(loaded, ("streamlit", "governance.cli", "collectors")) == []


def test_only_the_pages_load_streamlit() -> None:
    loaded = modules_loaded_by(["governance.service", "governance.cli", "collectors"])
    assert under(loaded, ("streamlit", "governance.ui")) == []


def imported_modules(path: Path) -> set[str]:
    """The modules a file imports, by their full dotted names (submodules named in a
    `from governance.cli import ...` count as imported)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            if node.module == "governance.cli":  # `from governance.cli import board`
                found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_cli_command_groups_share_helpers_without_a_loop() -> None:
    """Command modules import the shared helpers only, never each other nor the package."""
    shared = {"governance.cli.common", "governance.cli.output"}
    cli = ROOT / "governance" / "cli"
    groups = [p for p in cli.glob("*.py") if p.stem not in {"__init__", "__main__"}]
    assert len(groups) > 4
    for path in groups:
        reached = {
            m
            for m in imported_modules(path)
            if m == "governance.cli" or m.startswith("governance.cli.")
        }
        allowed = shared - {f"governance.cli.{path.stem}"}
        assert reached <= allowed, f"{path.name} imports {sorted(reached - allowed)}"
