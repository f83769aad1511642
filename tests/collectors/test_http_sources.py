"""URL sources against a local HTTP server: slow, failing, lying and unchanged endpoints."""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from collectors.fetch import fetch
from collectors.runner import run_sources
from collectors.sources import Source
from governance.errors import FetchError

FAST = {"timeout": 0.3, "retries": 2, "backoff": 0.01}


class Endpoints(BaseHTTPRequestHandler):
    """A product's observability endpoint, behaving well and badly by path."""

    body: bytes = b""
    hits: Counter = Counter()

    def log_message(self, *args: object) -> None:  # keep test output quiet
        pass

    def do_GET(self) -> None:  # noqa: N802 - the http.server API
        Endpoints.hits[self.path] += 1
        if self.path == "/results.json":
            etag = '"v1"'
            if self.headers.get("If-None-Match") == etag:
                self.send_response(304)
                self.end_headers()
                return
            self._send(200, Endpoints.body, {"ETag": etag})
        elif self.path == "/hang":
            time.sleep(1)
            self._send(200, Endpoints.body)
        elif self.path == "/error":
            self._send(500, b"internal error")
        elif self.path == "/flaky":
            if Endpoints.hits[self.path] == 1:
                self._send(503, b"try later")
            else:
                self._send(200, Endpoints.body)
        elif self.path == "/garbage":
            self._send(200, b"\x00\xff<html>not json at all")
        elif self.path == "/huge":
            self._send(200, b"x" * 5000)
        else:
            self._send(404, b"no such endpoint")

    def _send(self, code: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(code)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass


@pytest.fixture
def server(gx_validation_json: Path) -> Iterator[str]:
    Endpoints.body = gx_validation_json.read_bytes()
    Endpoints.hits = Counter()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Endpoints)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def collect(service, url: str, **options):
    source = Source("great_expectations", url, "orders", {**FAST, **options})
    [report] = run_sources(service.store, [source]).sources
    return report


@pytest.fixture
def registered(service, mesh_dir):
    assert service.registration.register([mesh_dir]).ok
    return service


def test_an_endpoint_is_read_then_not_reread_while_its_etag_holds(registered, server):
    first = collect(registered, f"{server}/results.json")
    assert first.ok and first.records_new == 4
    second = collect(registered, f"{server}/results.json")
    assert [o.status for o in second.outcomes] == ["unchanged"]
    assert Endpoints.hits["/results.json"] == 2  # asked again, answered 304


def test_a_hanging_endpoint_times_out_and_the_next_source_still_runs(registered, server):
    sources = [
        Source("great_expectations", f"{server}/hang", "orders", FAST),
        Source("great_expectations", f"{server}/results.json", "orders", FAST),
    ]
    started = time.perf_counter()
    hanging, fine = run_sources(registered.store, sources).sources
    assert "gave up after 3 attempts: no answer within 0.3 s" in hanging.error
    assert fine.ok and fine.records_new == 4
    assert time.perf_counter() - started < 5


def test_server_errors_are_retried_then_reported(registered, server):
    report = collect(registered, f"{server}/error")
    assert "HTTP 500" in report.error and "after 3 attempts" in report.error
    assert Endpoints.hits["/error"] == 3


def test_a_transient_error_is_retried_into_success(registered, server):
    report = collect(registered, f"{server}/flaky")
    assert report.ok and report.records_new == 4
    assert Endpoints.hits["/flaky"] == 2


def test_garbage_is_a_refused_file_with_the_parser_reason(registered, server):
    report = collect(registered, f"{server}/garbage")
    [outcome] = report.outcomes
    assert outcome.status == "refused" and "not valid JSON" in outcome.reason


def test_responses_over_the_size_limit_are_refused(registered, server):
    report = collect(registered, f"{server}/huge", max_bytes=1000)
    assert "over the 1000-byte limit" in report.error


def test_a_client_error_is_not_retried(server):
    with pytest.raises(FetchError, match="HTTP 404"):
        fetch(f"{server}/missing", options=FAST)
    assert Endpoints.hits["/missing"] == 1


def test_unreachable_host_is_a_clear_error():
    with pytest.raises(FetchError, match="cannot connect"):
        fetch("http://127.0.0.1:9/metrics", options={**FAST, "retries": 0})
