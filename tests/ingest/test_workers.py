"""The server's worker processes: they die and come back, share SQLite in turns, end with it.

The server parses and writes in worker processes (--workers, default 1) or on a thread of
its own (--workers 0). These tests run the real command and look at its real children.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import uuid
from pathlib import Path

import pytest
import requests
from openlineage.client.transport.http import HttpConfig, HttpTransport
from sqlalchemy import func, select

from governance.store.schema.tables import check_results, collector_runs, pipeline_runs
from tests.ingest.events import orders_event, orders_json


def children(pid: int) -> list[int]:
    """The live child processes of `pid` (Linux: /proc/<pid>/task/*/children)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found += [int(part) for part in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return found


def workers_of(server, count: int) -> list[int]:
    """The server's worker pids, once `count` of them are running."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        found = [
            child
            for child in children(server.process.pid)
            if b"governance.ingest.worker" in Path(f"/proc/{child}/cmdline").read_bytes()
        ]
        if len(found) == count:
            return found
        time.sleep(0.1)
    raise AssertionError(f"expected {count} ingest workers, found {children(server.process.pid)}")


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ", 1)[1][0]
    except FileNotFoundError:
        return False
    return state != "Z"


def wait_for(condition, what: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"no {what} within {seconds:g} s"
        time.sleep(0.01)


def count(server, table) -> int:
    with server.service.store.read() as connection:
        return connection.execute(select(func.count()).select_from(table)).scalar_one()


def post(
    server, token: str, run_id: str, session=requests, when: str = "2026-11-24T03:00:00Z"
) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    body = orders_json(run_id, when=when)
    return session.post(f"{server.url}/api/v1/lineage", data=body, headers=headers, timeout=30)


def minute(index: int) -> str:
    """A distinct event time per event: checks are one fact per check and time."""
    return f"2026-11-{1 + index // 1440:02d}T{index // 60 % 24:02d}:{index % 60:02d}:00Z"


def test_a_killed_worker_fails_only_its_open_requests_and_comes_back(start_server):
    server = start_server(options=["--rate-limit", "0"])
    token = server.token(domain="sales")
    (worker,) = workers_of(server, 1)
    answers: dict[str, int] = {}
    stop = threading.Event()

    def send() -> None:
        session = requests.Session()
        while not stop.is_set():
            run_id = str(uuid.uuid4())
            answers[run_id] = post(server, token, run_id, session).status_code

    senders = [threading.Thread(target=send) for _ in range(4)]
    for sender in senders:
        sender.start()
    wait_for(lambda: sum(code == 201 for code in answers.values()) >= 100, "100 answers")
    os.kill(worker, signal.SIGKILL)
    # The server stays up: readiness drops while a new worker starts, then comes back.
    deadline = time.monotonic() + 60
    replaced: list[int] = []
    while time.monotonic() < deadline and not replaced:
        replaced = [pid for pid in children(server.process.pid) if pid != worker and alive(pid)]
        time.sleep(0.05)
    assert replaced, "no new worker was started"
    while requests.get(f"{server.url}/readyz", timeout=5).status_code != 200:
        assert time.monotonic() < deadline, "the server did not get ready again"
        time.sleep(0.1)
    after_restart = len(answers)
    wait_for(lambda: len(answers) >= after_restart + 50, "50 answers after the restart")
    stop.set()
    for sender in senders:
        sender.join(timeout=60)
    assert server.process.poll() is None
    codes = set(answers.values())
    assert codes <= {201, 503}, codes  # each request answered: written, or said it was not
    acknowledged = {run_id for run_id, code in answers.items() if code == 201}
    with server.service.store.read() as connection:
        stored = set(connection.scalars(select(pipeline_runs.c.run_id)))
    assert acknowledged <= stored, f"{len(acknowledged - stored)} acknowledged events lost"
    assert "ingest worker ended (exit code -9)" in server.output()


def test_two_workers_share_a_sqlite_store_in_turns(start_server):
    server = start_server(options=["--rate-limit", "0", "--workers", "2"])
    assert len(workers_of(server, 2)) == 2
    token = server.token(domain="sales")
    events = [(str(uuid.uuid4()), minute(index)) for index in range(400)]
    run_ids = [run_id for run_id, _ in events]
    codes: list[int] = []
    new: list[int] = []

    def send(part: list[tuple[str, str]]) -> None:
        session = requests.Session()
        for run_id, when in part:
            answer = post(server, token, run_id, session, when)
            codes.append(answer.status_code)
            new.append(answer.json().get("records_new", -1))

    senders = [threading.Thread(target=send, args=(events[i::8],)) for i in range(8)]
    for sender in senders:
        sender.start()
    for sender in senders:
        sender.join(timeout=120)
    assert codes == [201] * len(run_ids)
    # A run, two checks and a lineage edge per event; the edge is the same for all of them.
    assert count(server, pipeline_runs) == len(run_ids)
    assert count(server, check_results) == 2 * len(run_ids)
    assert sum(new) == 3 * len(run_ids) + 1
    database = Path(server.service.store.url.removeprefix("sqlite:///"))
    assert Path(f"{database}.ingest-lock").exists()
    # Sent again, nothing is new.
    again = [post(server, token, run_id, when=when) for run_id, when in events[:20]]
    assert [answer.json()["records_new"] for answer in again] == [0] * 20
    assert count(server, check_results) == 2 * len(run_ids)
    assert count(server, pipeline_runs) == len(run_ids)


def test_with_no_workers_the_server_parses_in_its_own_process(start_server):
    server = start_server(options=["--workers", "0"])
    assert workers_of(server, 0) == []
    token = server.token(product="orders")
    config = {"type": "http", "url": server.url, "auth": {"type": "api_key", "apiKey": token}}
    run_id = str(uuid.uuid4())
    HttpTransport(HttpConfig.from_dict(config)).emit(orders_event(run_id))
    with server.service.store.read() as connection:
        assert list(connection.scalars(select(pipeline_runs.c.run_id))) == [run_id]
        assert connection.execute(select(func.count()).select_from(collector_runs)).scalar_one()


def test_the_workers_end_when_the_server_is_killed(start_server):
    server = start_server(options=["--workers", "2"])
    workers = workers_of(server, 2)
    server.kill()
    deadline = time.monotonic() + 30
    while any(alive(pid) for pid in workers):
        assert time.monotonic() < deadline, "a worker outlived its server"
        time.sleep(0.1)


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT])
def test_a_stopped_server_answers_what_it_took_then_its_workers_end(start_server, stop):
    server = start_server(options=["--rate-limit", "0"])
    (worker,) = workers_of(server, 1)
    token = server.token(domain="sales")
    codes: dict[str, int] = {}
    run_ids = [str(uuid.uuid4()) for _ in range(30)]

    def send(run_id: str) -> None:
        try:
            codes[run_id] = post(server, token, run_id).status_code
        except requests.ConnectionError:
            codes[run_id] = 0  # sent after the server stopped listening: never taken

    senders = [threading.Thread(target=send, args=(run_id,)) for run_id in run_ids]
    for sender in senders:
        sender.start()
    time.sleep(0.05)
    if stop == signal.SIGINT:  # a terminal's Ctrl-C reaches every process of the group
        os.kill(worker, stop)
    server.process.send_signal(stop)
    for sender in senders:
        sender.join(timeout=60)
    server.process.wait(timeout=60)
    deadline = time.monotonic() + 30
    while alive(worker):
        assert time.monotonic() < deadline, "the worker outlived its server"
        time.sleep(0.05)
    acknowledged = {run_id for run_id, code in codes.items() if code == 201}
    with server.service.store.read() as connection:
        stored = set(connection.scalars(select(pipeline_runs.c.run_id)))
    assert acknowledged <= stored
    assert 503 not in codes.values()  # a graceful stop writes what it took: none is failed
