"""Fixtures that run Great Expectations for real and write results the way pipelines do."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pandas as pd
import pytest

os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")

ORDERS = pd.DataFrame(
    {
        "order_id": [1, 2, 3, 4, None],
        "amount": [10.0, 25.5, -3.0, 40.0, 1200.0],
        "status": ["paid", "paid", "refunded", "paid", "unknown"],
    }
)


def _add_orders_suite(context, gx, gxe):  # noqa: ANN001, ANN202 - GX objects
    suite = context.suites.add(gx.ExpectationSuite(name="orders_suite"))
    suite.add_expectation(gxe.ExpectColumnValuesToNotBeNull(column="order_id"))
    suite.add_expectation(
        gxe.ExpectColumnValuesToBeBetween(column="amount", min_value=0, max_value=1000)
    )
    suite.add_expectation(
        gxe.ExpectColumnValuesToBeInSet(column="status", value_set=["paid", "refunded"])
    )
    suite.add_expectation(gxe.ExpectTableRowCountToBeBetween(min_value=1, max_value=100))
    return suite


@pytest.fixture(scope="session")
def gx_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A GX 1.x file context that ran a checkpoint twice; results sit in its validations store."""
    import great_expectations as gx
    import great_expectations.expectations as gxe

    root = tmp_path_factory.mktemp("gxproject")
    context = gx.get_context(mode="file", project_root_dir=str(root))
    batch = (
        context.data_sources.add_pandas("orders_ds")
        .add_dataframe_asset("orders")
        .add_batch_definition_whole_dataframe("orders_batch")
    )
    suite = _add_orders_suite(context, gx, gxe)
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name="orders_vd", data=batch, suite=suite)
    )
    checkpoint = context.checkpoints.add(
        gx.Checkpoint(
            name="orders_cp",
            validation_definitions=[definition],
            actions=[gx.checkpoint.UpdateDataDocsAction(name="docs")],
            result_format={"result_format": "SUMMARY"},
        )
    )
    checkpoint.run(batch_parameters={"dataframe": ORDERS})
    checkpoint.run(batch_parameters={"dataframe": ORDERS.head(3)})
    return root / "gx"


@pytest.fixture(scope="session")
def gx_validation_json(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """ValidationResult.to_json_dict() of a real ephemeral GX 1.x run, written to a file."""
    import great_expectations as gx
    import great_expectations.expectations as gxe

    context = gx.get_context(mode="ephemeral")
    batch = (
        context.data_sources.add_pandas("orders_ds")
        .add_dataframe_asset("orders")
        .add_batch_definition_whole_dataframe("orders_batch")
    )
    suite = _add_orders_suite(context, gx, gxe)
    result = batch.get_batch(batch_parameters={"dataframe": ORDERS}).validate(
        suite, result_format="SUMMARY"
    )
    path = tmp_path_factory.mktemp("gxresult") / "validation_result.json"
    path.write_text(json.dumps(result.to_json_dict(), indent=2, default=str))
    return path
