"""The `meshgov` command line, end to end on each store backend."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from governance.cli import app

COMMANDS = [
    [],
    ["init"],
    ["register"],
    ["collect"],
    ["collectors"],
    ["export"],
    ["export", "checks"],
    ["export", "products"],
    ["export", "runs"],
    ["export", "logs"],
    ["export", "audit"],
    ["export", "lineage"],
    ["export", "slos"],
    ["export", "slis"],
    ["export", "scores"],
    ["export", "policies"],
    ["export", "slo-status"],
    ["evaluate"],
    ["explain"],
    ["policies"],
    ["check"],
    ["new"],
    ["new", "product"],
    ["demo"],
    ["serve"],
    ["ingest-server"],
    ["token"],
    ["token", "create"],
    ["token", "list"],
    ["token", "revoke"],
    ["upload"],
]


@pytest.fixture
def cli(store_url, tmp_path, monkeypatch):
    """Run meshgov in a workspace whose store is the backend under test."""
    monkeypatch.setenv("MESHGOV_DB_URL", store_url)
    monkeypatch.setenv("MESHGOV_WORKSPACE", str(tmp_path))
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(app, list(args), catch_exceptions=False)

    return run


@pytest.mark.parametrize("command", COMMANDS, ids=lambda c: " ".join(c) or "meshgov")
def test_every_command_has_help(command):
    result = CliRunner().invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output


def test_register_collect_export_round_trip(cli, mesh_dir, gx_validation_json):
    assert "created" in cli("init").output
    registered = cli("register", str(mesh_dir))
    assert registered.exit_code == 0 and "registered 2 product(s)" in registered.output
    collected = cli(
        "collect",
        "--type",
        "great_expectations",
        "--path",
        str(gx_validation_json),
        "--product",
        "orders",
    )
    assert collected.exit_code == 0, collected.output
    assert "4 record(s) read, 4 new" in collected.output

    lines = cli("export", "checks", "--format", "json").stdout.splitlines()
    rows = [json.loads(line) for line in lines]
    assert len(rows) == 4
    required = {
        "product",
        "source_tool",
        "suite",
        "check",
        "column",
        "success",
        "unexpected_count",
        "element_count",
        "run_time",
        "source",
    }
    assert required <= set(rows[0])
    assert {r["product"] for r in rows} == {"orders"}
    assert all(r["run_time"].endswith("Z") for r in rows)
    amount = next(r for r in rows if r["column"] == "amount")
    assert (amount["success"], amount["unexpected_count"], amount["element_count"]) == (False, 2, 5)

    table = list(csv.DictReader(io.StringIO(cli("export", "checks", "--format", "csv").stdout)))
    assert len(table) == 4 and table[0]["source_tool"] == "great_expectations"
    assert cli("export", "checks", "--product", "revenue").stdout == ""

    products = [json.loads(x) for x in cli("export", "products").stdout.splitlines()]
    assert {p["id"]: p["owner"] for p in products} == {"orders": "ana@example.com", "revenue": None}
    orders = next(p for p in products if p["id"] == "orders")
    assert orders["ports"] == ["output:orders-daily@1.0.0", "input:shop-events@1.0.0"]
    assert set(orders) >= {"id", "name", "domain", "owner", "status", "ports"}


def test_collect_exits_1_and_names_what_was_refused(cli, mesh_dir, gx_validation_json, tmp_path):
    cli("init")
    cli("register", str(mesh_dir))
    batch = tmp_path / "batch"
    batch.mkdir()
    shutil.copy(gx_validation_json, batch / "good.json")
    (batch / "broken.json").write_text("{")
    result = cli("collect", "-t", "great_expectations", "-p", str(batch), "--product", "orders")
    assert result.exit_code == 1
    assert f"refused {batch / 'broken.json'}: not valid JSON" in result.stderr
    assert "1 read" in result.stdout and "4 new" in result.stdout


def test_collect_warns_once_per_kind_of_unused_part_not_once_per_file(cli, tmp_path):
    cli("init")
    slos = tmp_path / "slos"
    slos.mkdir()
    service = "apiVersion: openslo/v1\nkind: Service\nmetadata: {name: checkout}\nspec: {}\n"
    for name in ("orders", "payments", "refunds"):
        slo = f"""apiVersion: openslo/v1
kind: SLO
metadata: {{name: {name}-fresh}}
spec:
  service: checkout
  budgetingMethod: Occurrences
  timeWindow: [{{duration: 28d, isRolling: true}}]
  indicator:
    metadata: {{name: {name}-loads}}
    spec:
      ratioMetric:
        good: {{metricSource: {{type: prometheus, spec: {{query: good}}}}}}
        total: {{metricSource: {{type: prometheus, spec: {{query: total}}}}}}
  objectives: [{{target: 0.99}}]
"""
        (slos / f"{name}.yaml").write_text(service + "---\n" + slo)

    result = cli("collect", "-t", "openslo", "-p", str(slos))

    assert result.exit_code == 0, result.stderr  # a warning is not a refusal
    assert "3 read" in result.stdout and "3 new" in result.stdout
    [line] = [line for line in result.stderr.splitlines() if line.startswith("warning")]
    assert line.startswith(f"warning 3 files, e.g. {slos / 'orders.yaml'}: kind Service")
    copy = tmp_path / "copy"
    shutil.copytree(slos, copy)
    summary = json.loads(cli("collect", "-t", "openslo", "-p", str(copy), "--json").stdout)
    warned = summary["sources"][0]["warnings"]
    assert [Path(w["file"]).name for w in warned] == [
        "orders.yaml",
        "payments.yaml",
        "refunds.yaml",
    ]
    assert all(len(w["warnings"]) == 1 and "kind Service" in w["warnings"][0] for w in warned)


def test_register_exits_1_naming_file_and_field(cli, tmp_path):
    cli("init")
    bad = tmp_path / "bad.yaml"
    bad.write_text("apiVersion: v1.0.0\nkind: DataProduct\nid: x\nstatus: active\ndomain: d\n")
    result = cli("register", str(bad))
    assert result.exit_code == 1
    assert f"{bad}: outputPorts: a data product needs at least one output port" in result.stderr


def test_commands_on_an_uninitialised_store_say_how_to_fix_it(cli, mesh_dir):
    result = cli("register", str(mesh_dir))
    assert result.exit_code == 2 and "run `meshgov init`" in result.stderr


def test_unknown_product_and_collector_are_clear_errors(cli, mesh_dir, gx_validation_json):
    cli("init")
    cli("register", str(mesh_dir))
    ghost = cli(
        "collect", "-t", "great_expectations", "-p", str(gx_validation_json), "--product", "ghost"
    )
    assert ghost.exit_code == 2 and "no product 'ghost' is registered" in ghost.stderr
    unknown = cli("collect", "-t", "nope", "-p", str(gx_validation_json))
    assert unknown.exit_code == 2 and "no collector named 'nope'" in unknown.stderr
    assert cli("export", "checks", "--product", "ghost").exit_code == 2
