"""OpenLineage events for the push tests, built with openlineage-python's own classes."""

from __future__ import annotations

import uuid

from openlineage.client.event_v2 import InputDataset, Job, OutputDataset, Run, RunEvent, RunState
from openlineage.client.generated import data_quality_assertions_dataset as dqa
from openlineage.client.serde import Serde

WAREHOUSE = "postgres://db.example.com:5432"
PRODUCER = "https://github.com/example/meshgov-tests"


def orders_event(
    run_id: str | None = None,
    state: RunState = RunState.COMPLETE,
    when: str = "2026-11-24T03:00:00Z",
    facets: dict | None = None,
) -> RunEvent:
    """A run of the orders build (domain sales) writing sales.orders, with two assertions."""
    checked = OutputDataset(
        namespace=WAREHOUSE,
        name="sales.orders",
        facets={
            "dataQualityAssertions": dqa.DataQualityAssertionsDatasetFacet(
                [
                    dqa.Assertion(assertion="not_null", success=True, column="order_id"),
                    dqa.Assertion(assertion="unique", success=False, column="order_id"),
                ]
            )
        },
    )
    return RunEvent(
        eventType=state,
        eventTime=when,
        run=Run(runId=run_id or str(uuid.uuid4()), facets=facets or {}),
        job=Job(namespace="dbt", name="orders.build"),
        inputs=[InputDataset(namespace="s3://raw", name="shop_events")],
        outputs=[checked],
        producer=PRODUCER,
    )


def orders_json(run_id: str | None = None, **kwargs: object) -> str:
    """The event as HttpTransport sends it."""
    return Serde.to_json(orders_event(run_id, **kwargs))
