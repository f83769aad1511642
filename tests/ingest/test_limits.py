"""What the server refuses, and how: 400, 413, 415, 429, each saying why; nothing else lost."""

from __future__ import annotations

import gzip
import time

import requests
from sqlalchemy import func, select

from governance.store.schema.tables import collector_files, pipeline_runs
from tests.ingest.events import orders_json

LINEAGE = "/api/v1/lineage"


def post(server, token: str, body: bytes | str, path: str = LINEAGE, **headers: str):
    sent = {"Authorization": f"Bearer {token}", "Content-Type": "application/json", **headers}
    return requests.post(f"{server.url}{path}", data=body, headers=sent, timeout=10)


def run_count(server) -> int:
    with server.service.store.read() as connection:
        return connection.execute(select(func.count()).select_from(pipeline_runs)).scalar_one()


def test_a_malformed_event_gets_a_400_naming_the_problem_and_is_logged(ingest_server):
    token = ingest_server.token(domain="sales")
    answer = post(ingest_server, token, '{"eventType": "COMPLETE", "eventTime": ')
    assert answer.status_code == 400
    assert "JSON" in answer.json()["error"] or "OpenLineage" in answer.json()["error"]
    answer = post(
        ingest_server, token, '{"eventType": "COMPLETE", "job": {"namespace": "x", "name": "y"}}'
    )
    assert answer.status_code == 400
    assert "eventTime is missing" in answer.json()["error"]
    with ingest_server.service.store.read() as connection:
        logged = connection.execute(
            select(collector_files.c.status, collector_files.c.reason)
        ).all()
    assert [row.status for row in logged] == ["refused", "refused"]
    assert "eventTime is missing" in logged[1].reason
    # The server goes on: the next good event lands.
    assert post(ingest_server, token, orders_json()).status_code == 201
    assert run_count(ingest_server) == 1


def test_bodies_over_the_limit_get_413_declared_chunked_or_unzipped(start_server):
    server = start_server(options=["--max-body-bytes", "4000"])
    token = server.token(domain="sales")
    big = orders_json().replace('"producer"', '"padding": "' + "x" * 5000 + '", "producer"')
    answer = post(server, token, big)
    assert answer.status_code == 413
    assert "over the 4,000 bytes limit" in answer.json()["error"]
    # Chunked (no Content-Length): refused once the limit is passed while reading.
    answer = post(
        server, token, iter([big[i : i + 1000].encode() for i in range(0, len(big), 1000)])
    )
    assert answer.status_code == 413
    # A small gzip that expands past the limit (a zip bomb) is refused too.
    bomb = gzip.compress(big.encode())
    assert len(bomb) < 4000
    answer = post(server, token, bomb, **{"Content-Encoding": "gzip"})
    assert answer.status_code == 413
    assert "expands past the 4,000 bytes limit" in answer.json()["error"]
    answer = post(server, token, b"not gzip at all", **{"Content-Encoding": "gzip"})
    assert answer.status_code == 400
    answer = post(server, token, orders_json(), **{"Content-Encoding": "br"})
    assert answer.status_code == 415
    assert run_count(server) == 0
    assert (
        post(
            server, token, gzip.compress(orders_json().encode()), **{"Content-Encoding": "gzip"}
        ).status_code
        == 201
    )
    assert run_count(server) == 1


def test_a_token_over_its_rate_gets_429_with_retry_after_and_others_go_on(start_server):
    server = start_server(options=["--rate-limit", "1", "--burst", "3"])
    busy, quiet = (
        server.token(domain="sales", name="busy"),
        server.token(domain="sales", name="quiet"),
    )
    answers = [post(server, busy, orders_json()) for _ in range(5)]
    assert [a.status_code for a in answers] == [201, 201, 201, 429, 429]
    refused = answers[3]
    assert int(refused.headers["Retry-After"]) >= 1
    assert "over its rate limit of 1 requests/s" in refused.json()["error"]
    assert post(server, quiet, orders_json()).status_code == 201  # per token, not per server
    assert run_count(server) == 4
    time.sleep(int(refused.headers["Retry-After"]))
    assert post(server, busy, orders_json()).status_code == 201


def test_an_unknown_results_tool_is_a_404_listing_the_tools(ingest_server):
    token = ingest_server.token(domain="sales")
    answer = post(ingest_server, token, "{}", "/api/v1/results/airflow")
    assert answer.status_code == 404
    assert "dbt, great_expectations, gx, soda" in answer.json()["error"]


def test_health_and_readiness(ingest_server):
    assert requests.get(f"{ingest_server.url}/healthz", timeout=5).json() == {"status": "ok"}
    assert requests.get(f"{ingest_server.url}/readyz", timeout=5).json() == {"status": "ready"}
