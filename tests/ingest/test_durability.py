"""Nothing acknowledged is lost: a server killed under load kept every event it answered 2xx."""

from __future__ import annotations

import threading
import time
import uuid

import requests
from sqlalchemy import select, text

from governance.store.schema.tables import pipeline_runs
from tests.ingest.events import orders_json


def stored_runs(server) -> set[str]:
    with server.service.store.read() as connection:
        return set(connection.scalars(select(pipeline_runs.c.run_id)))


def test_sigkill_under_load_loses_no_acknowledged_event(start_server):
    server = start_server(options=["--rate-limit", "0"])
    token = server.token(domain="sales")
    acknowledged: list[str] = []
    stop = threading.Event()

    def send() -> None:
        session = requests.Session()
        headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
        while not stop.is_set():
            run_id = str(uuid.uuid4())
            try:
                answer = session.post(
                    f"{server.url}/api/v1/lineage",
                    data=orders_json(run_id),
                    headers=headers,
                    timeout=10,
                )
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError):
                return  # the server is gone (or died mid-answer): this one was not acknowledged
            if answer.status_code == 201:
                acknowledged.append(run_id)

    senders = [threading.Thread(target=send) for _ in range(6)]
    for sender in senders:
        sender.start()
    deadline = time.monotonic() + 60
    while len(acknowledged) < 300 and time.monotonic() < deadline:
        time.sleep(0.01)
    server.kill()  # mid-stream: requests are in flight, a group may be half written
    stop.set()
    for sender in senders:
        sender.join(timeout=30)
    assert len(acknowledged) >= 300
    missing = set(acknowledged) - stored_runs(server)
    assert not missing, f"{len(missing)} acknowledged events were lost"
    # Restarted, it takes the same events again without adding any.
    server.restart()
    before = stored_runs(server)
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    for run_id in acknowledged[:50]:
        answer = requests.post(
            f"{server.url}/api/v1/lineage", data=orders_json(run_id), headers=headers, timeout=10
        )
        assert answer.status_code == 201
        assert answer.json()["records_new"] == 0
    assert stored_runs(server) == before


def test_pushing_into_postgresql(start_server, pg_url):
    server = start_server(store_url=pg_url)
    token = server.token(domain="sales")
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    run_ids = [str(uuid.uuid4()) for _ in range(20)]
    for run_id in run_ids:
        answer = requests.post(
            f"{server.url}/api/v1/lineage", data=orders_json(run_id), headers=headers, timeout=10
        )
        assert answer.status_code == 201, answer.text
    assert stored_runs(server) == set(run_ids)
    again = requests.post(
        f"{server.url}/api/v1/lineage", data=orders_json(run_ids[0]), headers=headers, timeout=10
    )
    assert again.json()["records_new"] == 0


def test_a_terminated_postgresql_connection_costs_no_answer(start_server, pg_url):
    """The worker keeps one connection open; when PostgreSQL drops it, the group's write
    fails, and writing its requests again one by one opens another: every one lands."""
    server = start_server(store_url=pg_url)
    token = server.token(domain="sales")
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}

    def post(run_id: str) -> int:
        url = f"{server.url}/api/v1/lineage"
        return requests.post(url, data=orders_json(run_id), headers=headers, timeout=30).status_code

    first = str(uuid.uuid4())
    assert post(first) == 201
    database = server.service.store.engine.url.database
    with server.service.store.begin() as connection:  # every other session on the database
        ended = connection.execute(
            text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"
            ),
            {"name": database},
        ).scalar_one()
    assert ended >= 1  # the worker's kept connection among them
    codes = {}
    for _ in range(5):
        run_id = str(uuid.uuid4())
        codes[run_id] = post(run_id)
    assert set(codes.values()) == {201}, codes
    assert stored_runs(server) == {first, *codes}
