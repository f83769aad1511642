"""`SendToMeshgov`, the GX Checkpoint action: real GX 1.x runs, to a recorder and to the server.

Each Checkpoint here really validates tests.gx_runs.ORDERS (two suites, so two validation
results per run); what the action sends is read back with the great_expectations collector,
and, end to end, from the store of a running `meshgov ingest-server`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from itertools import count
from pathlib import Path
from typing import Any

import pytest

from collectors import SourceContext, get_collector
from governance.clients.gx import SendToMeshgov, validation_document
from governance.clients.http import UploadError
from tests.gx_runs import ORDERS, _add_orders_suite
from tests.ingest import test_upload
from tests.ingest.test_upload import closed_port_url

recorder = test_upload.recorder  # the recording server's fixture, shared

# (check, column) -> (status, unexpected_count) of the orders suite on ORDERS
ORDERS_SUITE = {
    ("expect_column_values_to_not_be_null", "order_id"): ("fail", 1),
    ("expect_column_values_to_be_between", "amount"): ("fail", 2),
    ("expect_column_values_to_be_in_set", "status"): ("fail", 1),
    ("expect_table_row_count_to_be_between", None): ("pass", None),
}
KEYS_SUITE = {("expect_column_values_to_be_unique", "order_id"): ("pass", 0)}


@dataclass
class GxOrders:
    """An ephemeral GX context with two validation definitions over the orders frame."""

    context: Any
    definitions: list[Any]
    names: Any

    def checkpoint(self, actions: list[Any]) -> Any:
        """A new Checkpoint of both definitions with `actions`, added to the context."""
        import great_expectations as gx

        return self.context.checkpoints.add(
            gx.Checkpoint(
                name=f"orders_cp_{next(self.names)}",
                validation_definitions=self.definitions,
                actions=actions,
                result_format={"result_format": "SUMMARY"},
            )
        )

    def run(self, actions: list[Any]) -> Any:
        """Run a new Checkpoint with `actions` on ORDERS; its CheckpointResult."""
        return self.checkpoint(actions).run(batch_parameters={"dataframe": ORDERS})


def _add_keys_suite(context: Any, gx: Any, gxe: Any) -> Any:
    suite = context.suites.add(gx.ExpectationSuite(name="orders_keys"))
    suite.add_expectation(gxe.ExpectColumnValuesToBeUnique(column="order_id"))
    return suite


@pytest.fixture(scope="module")
def gx_orders() -> GxOrders:
    import great_expectations as gx
    import great_expectations.expectations as gxe

    context = gx.get_context(mode="ephemeral")
    batch = (
        context.data_sources.add_pandas("orders_ds")
        .add_dataframe_asset("orders")
        .add_batch_definition_whole_dataframe("orders_batch")
    )
    definitions = [
        context.validation_definitions.add(
            gx.ValidationDefinition(name=f"{suite.name}_vd", data=batch, suite=suite)
        )
        for suite in (_add_orders_suite(context, gx, gxe), _add_keys_suite(context, gx, gxe))
    ]
    return GxOrders(context, definitions, count())


@pytest.fixture
def token_env(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Set MESHGOV_TOKEN (and clear MESHGOV_URL) for one test."""
    monkeypatch.delenv("MESHGOV_URL", raising=False)
    monkeypatch.delenv("MESHGOV_TOKEN", raising=False)
    return lambda secret: monkeypatch.setenv("MESHGOV_TOKEN", secret)


def read_back(body: bytes, product: str = "orders") -> list[Any]:
    """What the great_expectations collector reads from a body the action sent."""
    parsed = get_collector("great_expectations").parse(
        body, SourceContext(path="POST /api/v1/results/great_expectations", product_id=product)
    )
    assert parsed.problems == []
    return parsed.records


def outcomes(records: list[Any]) -> dict[tuple[str, str | None], tuple[str, int | None]]:
    return {(r.check, r.column): (r.status, r.unexpected_count) for r in records}


# --- what the action sends --------------------------------------------------------------


def test_each_validation_result_is_sent_in_a_shape_the_collector_reads(
    gx_orders, recorder, token_env
):
    token_env("s3cret")
    result = gx_orders.run([SendToMeshgov(name="meshgov", url=recorder.url)])
    assert len(recorder.received) == 2
    for request in recorder.received:
        assert request.path == "/api/v1/results/great_expectations"
        assert request.headers["authorization"] == "Bearer s3cret"
        assert request.headers["content-type"] == "application/json"
    by_suite = {}
    for request in recorder.received:
        records = read_back(request.content)
        [suite] = {r.suite for r in records}
        by_suite[suite] = records
    assert outcomes(by_suite["orders_suite"]) == ORDERS_SUITE
    assert outcomes(by_suite["orders_keys"]) == KEYS_SUITE
    run_time = result.run_id.run_time
    for record in by_suite["orders_suite"] + by_suite["orders_keys"]:
        assert record.run_time == run_time
        assert record.port == "orders" and record.product_id == "orders"
        assert record.details["checkpoint"] == result.name
        assert record.details["gx_version"]


def test_the_sent_document_is_gx_own_json_plus_the_checkpoint_name(gx_orders):
    result = gx_orders.run([])
    validation = next(iter(result.run_results.values()))
    sent = json.loads(validation_document(validation.to_json_dict(), result.name))
    expected = json.loads(json.dumps(validation.to_json_dict(), default=str))
    assert sent.pop("meta").pop("checkpoint_name") == result.name
    expected.pop("meta")
    assert sent == expected


def test_the_action_result_says_what_the_server_said(gx_orders, recorder, token_env):
    token_env("s3cret")
    result = gx_orders.run([])
    recorder.reply(201, {"status": "ok", "records_read": 4, "records_new": 4})
    recorder.reply(201, {"status": "ok", "records_read": 1, "records_new": 0})
    said = SendToMeshgov(name="meshgov", url=recorder.url).run(result)
    assert said["errors"] == []
    assert [(s["records_read"], s["records_new"]) for s in said["sent"]] == [(4, 4), (1, 0)]
    assert said["sent"][0]["validation"].startswith("orders_suite/")


# --- configuration ----------------------------------------------------------------------


def test_the_token_is_read_from_the_env_var_token_env_names(gx_orders, recorder, monkeypatch):
    monkeypatch.setenv("SALES_MESHGOV_TOKEN", "from-sales")
    monkeypatch.setenv("MESHGOV_URL", recorder.url)
    gx_orders.run([SendToMeshgov(name="meshgov", token_env="SALES_MESHGOV_TOKEN")])
    assert {r.headers["authorization"] for r in recorder.received} == {"Bearer from-sales"}


def test_a_saved_checkpoint_holds_no_secret_and_loads_the_action_back(tmp_path: Path, monkeypatch):
    import great_expectations as gx
    import great_expectations.expectations as gxe

    monkeypatch.setenv("MESHGOV_TOKEN", "do-not-write-me")
    context = gx.get_context(mode="file", project_root_dir=str(tmp_path))
    batch = (
        context.data_sources.add_pandas("orders_ds")
        .add_dataframe_asset("orders")
        .add_batch_definition_whole_dataframe("orders_batch")
    )
    suite = _add_orders_suite(context, gx, gxe)
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name="orders_vd", data=batch, suite=suite)
    )
    action = SendToMeshgov(name="meshgov", url="https://meshgov.example.com", fail_on_error=True)
    context.checkpoints.add(
        gx.Checkpoint(name="orders_cp", validation_definitions=[definition], actions=[action])
    )
    saved = tmp_path / "gx" / "checkpoints" / "orders_cp.json"
    written = saved.read_text()
    assert "do-not-write-me" not in written
    [config] = json.loads(written)["actions"]
    assert config == {
        "type": "meshgov",
        "name": "meshgov",
        "url": "https://meshgov.example.com",
        "token_env": "MESHGOV_TOKEN",
        "fail_on_error": True,
        "timeout": 30.0,
    }
    reloaded = gx.get_context(mode="file", project_root_dir=str(tmp_path))
    [loaded] = reloaded.checkpoints.get("orders_cp").actions
    assert loaded == action


# --- failures ---------------------------------------------------------------------------


def test_a_refusal_is_logged_and_returned_and_the_run_goes_on(
    gx_orders, recorder, token_env, caplog
):
    token_env("s3cret")
    recorder.reply(403, {"error": "token tok-1 (ci, product revenue) may not write for orders"})
    result = gx_orders.run([])
    with caplog.at_level(logging.WARNING, logger="meshgov.clients.gx"):
        said = SendToMeshgov(name="meshgov", url=recorder.url).run(result)
    [error] = said["errors"]
    assert "403 Forbidden: token tok-1" in error["error"]
    assert len(said["sent"]) == 1  # the second validation result was still sent
    assert "may not write for orders" in caplog.text


def test_fail_on_error_fails_the_checkpoint_run(gx_orders, recorder, token_env):
    token_env("s3cret")
    recorder.reply(400, {"error": "not a Great Expectations result", "position": None})
    with pytest.raises(UploadError, match="400 Bad Request: not a Great Expectations result"):
        gx_orders.run([SendToMeshgov(name="meshgov", url=recorder.url, fail_on_error=True)])


@pytest.mark.parametrize(
    ("url", "token", "message"),
    [
        (None, "s3cret", "no meshgov URL: set the action's `url` or MESHGOV_URL"),
        ("http://127.0.0.1:1", None, "set the environment variable MESHGOV_TOKEN"),
    ],
)
def test_a_missing_url_or_token_is_named(gx_orders, token_env, url, token, message):
    if token:
        token_env(token)
    result = gx_orders.run([])
    said = SendToMeshgov(name="meshgov", url=url).run(result)
    [error] = said["errors"]
    assert said["sent"] == [] and error["validation"] == "every validation result"
    assert message in error["error"]
    with pytest.raises(UploadError, match=message):
        SendToMeshgov(name="meshgov", url=url, fail_on_error=True).run(result)


def test_an_unreachable_server_does_not_fail_the_run(gx_orders, token_env, monkeypatch):
    token_env("s3cret")
    monkeypatch.setattr("time.sleep", lambda _seconds: None)
    result = gx_orders.run([SendToMeshgov(name="meshgov", url=closed_port_url())])
    assert result.success is False  # GX's own verdict on the data, untouched


# --- end to end: a Checkpoint run -> meshgov ingest-server -> the store ----------------


def test_a_checkpoint_run_lands_in_the_store_and_a_resend_adds_nothing(
    gx_orders, ingest_server, token_env
):
    token_env(ingest_server.token(product="orders", name="gx-orders"))
    action = SendToMeshgov(name="meshgov", url=ingest_server.url, fail_on_error=True)
    result = gx_orders.run([action])
    rows = [
        r
        for r in ingest_server.service.export_checks("orders")
        if r["source_tool"] == "great_expectations"
    ]
    stored = {
        (r["suite"], r["check"], r["column"]): (r["status"], r["unexpected_count"]) for r in rows
    }
    expected = {("orders_suite", *key): value for key, value in ORDERS_SUITE.items()}
    expected |= {("orders_keys", *key): value for key, value in KEYS_SUITE.items()}
    assert stored == expected
    run_time = result.run_id.run_time
    assert {datetime.fromisoformat(r["run_time"].replace("Z", "+00:00")) for r in rows} == {
        run_time
    }

    before = len(ingest_server.service.export_checks())
    again = action.run(result)
    assert again["errors"] == []
    assert [s["records_new"] for s in again["sent"]] == [0, 0]
    assert [s["records_read"] for s in again["sent"]] == [4, 1]
    assert len(ingest_server.service.export_checks()) == before
