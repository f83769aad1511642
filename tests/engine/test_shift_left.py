"""`meshgov new product` and `meshgov check`: the scaffold passes the bronze gate for real."""

from __future__ import annotations

import json
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from typer.testing import CliRunner

from governance.cli import app


def _run(*args: str):
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


@pytest.fixture(scope="module")
def scaffold(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("scaffold")
    result = _run(
        "new",
        "product",
        "order-events",
        "--domain",
        "sales",
        "--owner",
        "ana@example.com",
        "--dir",
        str(root),
    )
    assert result.exit_code == 0, result.output
    return root / "order-events"


def _check(descriptor: Path, *extra: str) -> tuple[int, dict]:
    result = _run("check", str(descriptor), "--format", "json", *extra)
    return result.exit_code, json.loads(result.output)


def test_without_check_results_the_gate_fails_on_quality(scaffold: Path) -> None:
    code, verdict = _check(scaffold / "dataproduct.yaml")
    assert code == 1
    assert verdict["blocking"] == ["quality-checks-present"]


def test_after_a_real_gx_run_every_enforced_bronze_policy_passes(scaffold: Path) -> None:
    run = subprocess.run(
        [sys.executable, str(scaffold / "gx" / "validate.py")],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stderr[-2000:]
    code, verdict = _check(scaffold / "dataproduct.yaml")
    assert code == 0, verdict["blocking"]
    bronze = [
        r for r in verdict["results"] if r["level"] == "bronze" and r["lifecycle"] == "enforced"
    ]
    assert bronze and all(r["outcome"] in ("pass", "not_applicable") for r in bronze), bronze
    assert verdict["score"]["level"] in ("bronze", "silver", "gold")
    assert verdict["evidence_refusals"] == []


def test_junit_output_lists_failures(scaffold: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    text = (scaffold / "dataproduct.yaml").read_text().replace("role: owner", "role: engineer")
    (broken / "dataproduct.yaml").write_text(text)
    (broken / "contracts").mkdir()
    contract = scaffold / "contracts" / "order-events.yaml"
    (broken / "contracts" / contract.name).write_text(contract.read_text())
    result = _run("check", str(broken / "dataproduct.yaml"), "--format", "junit")
    assert result.exit_code == 1
    suite = ET.fromstring(result.output.split("?>", 1)[1]).find("testsuite")
    failed = {c.get("name") for c in suite.iter("testcase") if c.find("failure") is not None}
    assert {"owner-present", "quality-checks-present"} <= failed
    assert int(suite.get("failures")) == len(failed)


def test_scaffold_refuses_bad_names_and_non_empty_folders(scaffold: Path) -> None:
    assert _run("new", "product", "Bad Name", "--domain", "sales").exit_code == 2
    again = _run(
        "new", "product", "order-events", "--domain", "sales", "--dir", str(scaffold.parent)
    )
    assert again.exit_code == 2 and "not empty" in again.output


def test_check_names_a_missing_descriptor(tmp_path: Path) -> None:
    result = _run("check", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 2 and "no such descriptor" in result.output
