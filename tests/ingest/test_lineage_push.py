"""OpenLineage events pushed by openlineage-python's own HttpTransport, as Airflow or dbt-ol do."""

from __future__ import annotations

import pytest
import requests
from openlineage.client import OpenLineageClient
from openlineage.client.event_v2 import RunEvent, RunState
from openlineage.client.generated import error_message_run
from openlineage.client.serde import Serde
from openlineage.client.transport.http import HttpConfig, HttpTransport
from sqlalchemy import func, select

from governance.store.schema.tables import check_results, collector_files, pipeline_runs
from tests.ingest.events import orders_event

WAREHOUSE = "postgres://db.example.com:5432"
PRODUCER = "https://github.com/example/meshgov-tests"


def client(url: str, token: str, *, gzip_body: bool = False) -> OpenLineageClient:
    """The client as a user configures it: the server's URL and the token as its API key."""
    config = HttpConfig.from_dict(
        {
            "type": "http",
            "url": url,
            "auth": {"type": "api_key", "apiKey": token},
            "compression": "gzip" if gzip_body else None,
            "retry": {"total": 0},
        }
    )
    return OpenLineageClient(transport=HttpTransport(config))


def orders_run(
    run_id: str, state: RunState = RunState.COMPLETE, when: str = "2026-11-24T03:00:00Z"
) -> RunEvent:
    """A run of the orders build writing sales.orders, checked on the way (a FAIL says why)."""
    facets = {}
    if state == RunState.FAIL:
        facets["errorMessage"] = error_message_run.ErrorMessageRunFacet(
            message="division by zero", programmingLanguage="SQL"
        )
    return orders_event(run_id, state, when, facets)


def count(server, table) -> int:
    with server.service.store.read() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def runs(server) -> dict[str, tuple[str, str]]:
    with server.service.store.read() as connection:
        rows = connection.execute(
            select(pipeline_runs.c.run_id, pipeline_runs.c.product_id, pipeline_runs.c.state)
        )
        return {row.run_id: (row.product_id, row.state) for row in rows}


RUN_A = "0192d5a0-0000-7000-8000-00000000000a"
RUN_B = "0192d5a0-0000-7000-8000-00000000000b"


@pytest.mark.parametrize("gzip_body", [False, True], ids=["plain", "gzip"])
def test_http_transport_events_land_as_runs_and_checks(ingest_server, gzip_body):
    token = ingest_server.token(domain="sales", name="airflow-sales")
    lineage = client(ingest_server.url, token, gzip_body=gzip_body)
    lineage.emit(orders_run(RUN_A, RunState.START))
    lineage.emit(orders_run(RUN_A))
    lineage.emit(orders_run(RUN_B, RunState.FAIL, "2026-11-25T03:00:00Z"))
    assert runs(ingest_server) == {
        RUN_A: ("orders", "success"),
        RUN_B: ("orders", "failed"),
    }
    assert count(ingest_server, check_results) == 4  # two assertions in each ending event


def test_a_resend_adds_nothing(ingest_server):
    token = ingest_server.token(domain="sales")
    lineage = client(ingest_server.url, token)
    event = orders_run(RUN_A)
    lineage.emit(event)
    before = (count(ingest_server, check_results), runs(ingest_server))
    for _ in range(3):
        response = lineage.transport.emit(event)
        assert response.status_code == 201
        assert response.json()["records_new"] == 0
        assert response.json()["records_read"] > 0
    assert (count(ingest_server, check_results), runs(ingest_server)) == before


def test_a_product_token_writes_for_its_product_only(ingest_server):
    orders_token = ingest_server.token(product="orders", name="orders-ci")
    client(ingest_server.url, orders_token).emit(orders_run(RUN_A))
    assert runs(ingest_server) == {RUN_A: ("orders", "success")}
    revenue_token = ingest_server.token(product="revenue", name="revenue-ci")
    response = HttpTransport(
        HttpConfig.from_dict(
            {
                "url": ingest_server.url,
                "auth": {"type": "api_key", "apiKey": revenue_token},
                "retry": {"total": 0},
            }
        )
    )
    with pytest.raises(requests.HTTPError) as refused:
        response.emit(orders_run(RUN_B))
    assert refused.value.response.status_code == 403
    assert (
        "may not write evidence for orders (domain sales)" in refused.value.response.json()["error"]
    )
    assert RUN_B not in runs(ingest_server)


def test_another_domains_token_is_refused_and_the_refusal_is_logged(ingest_server):
    finance = ingest_server.token(domain="finance", name="finance-airflow")
    with pytest.raises(requests.HTTPError) as refused:
        client(ingest_server.url, finance).emit(orders_run(RUN_A))
    answer = refused.value.response
    assert answer.status_code == 403
    assert "domain finance" in answer.json()["error"]
    assert runs(ingest_server) == {}
    assert count(ingest_server, check_results) == 0
    with ingest_server.service.store.read() as connection:
        logged = connection.execute(
            select(collector_files.c.status, collector_files.c.reason)
        ).all()
    assert [row.status for row in logged] == ["refused"]
    assert "may not write evidence for orders (domain sales)" in logged[0].reason
    assert "may not write evidence" in ingest_server.output()


def test_no_token_unknown_token_and_revoked_token_get_401(ingest_server):
    event = Serde.to_json(orders_run(RUN_A))
    endpoint = f"{ingest_server.url}/api/v1/lineage"
    answer = requests.post(endpoint, data=event, timeout=10)
    assert answer.status_code == 401
    assert answer.headers["WWW-Authenticate"] == "Bearer"
    assert "Authorization: Bearer" in answer.json()["error"]
    answer = requests.post(
        endpoint, data=event, headers={"Authorization": "Bearer mgv_nope"}, timeout=10
    )
    assert answer.status_code == 401
    assert answer.json()["error"] == "unknown or revoked token"
    assert runs(ingest_server) == {}
