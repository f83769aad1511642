"""`meshgov upload` and its HTTP client: against a recording server here, then the real one.

The first tests speak to a small http.server on a thread that records each request and
answers from a script (to see headers, gzip, multipart parts and retries byte for byte);
the end-to-end ones send the project's dbt and Soda fixtures to `meshgov ingest-server`.
"""

from __future__ import annotations

import email.parser
import email.policy
import gzip
import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from collectors import SourceContext, get_collector
from governance.cli import app
from governance.clients.http import IngestClient, Part, UploadError, retry_after
from governance.model.records import CheckResult

FIXTURES = Path(__file__).parents[1] / "fixtures"
DBT = FIXTURES / "dbt"
SODA = FIXTURES / "soda" / "scan_results.json"
ACCEPTED = {"status": "ok", "records_read": 3, "records_new": 3, "problems": [], "warnings": []}


# --- a recording server -----------------------------------------------------------------


@dataclass
class Received:
    """One request as the server saw it."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    @property
    def content(self) -> bytes:
        """The body after its Content-Encoding."""
        if self.headers.get("content-encoding") == "gzip":
            return gzip.decompress(self.body)
        return self.body

    def parts(self) -> dict[str, tuple[str | None, bytes]]:
        """The multipart form's parts: name -> (filename, bytes)."""
        head = f"Content-Type: {self.headers['content-type']}\r\n\r\n".encode()
        message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(head + self.content)
        return {
            part.get_param("name", header="content-disposition"): (
                part.get_filename(),
                part.get_payload(decode=True),
            )
            for part in message.iter_parts()
        }


@dataclass
class Recorder:
    """A local HTTP server: records requests, answers with the scripted replies in order.

    When the script runs out it answers 201 with ACCEPTED.
    """

    url: str = ""
    received: list[Received] = field(default_factory=list)
    script: list[tuple[int, dict[str, Any], dict[str, str]]] = field(default_factory=list)

    def reply(self, status: int, payload: dict[str, Any], headers: dict[str, str] | None = None):
        self.script.append((status, payload, headers or {}))

    def next_reply(self) -> tuple[int, dict[str, Any], dict[str, str]]:
        return self.script.pop(0) if self.script else (201, ACCEPTED, {})


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    """A Recorder serving on a free port for one test."""
    state = Recorder()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - http.server's name
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            headers = {k.lower(): v for k, v in self.headers.items()}
            state.received.append(Received("POST", self.path, headers, body))
            status, payload, extra = state.next_reply()
            data = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield state
    server.shutdown()
    server.server_close()


def closed_port_url() -> str:
    """A URL nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    return f"http://127.0.0.1:{port}"


def client(url: str, waits: list[float] | None = None, **options: Any) -> IngestClient:
    """A client whose waits between attempts are recorded instead of slept."""
    sink = waits if waits is not None else []
    return IngestClient(url, "s3cret", sleep=sink.append, **options)


# --- the client -------------------------------------------------------------------------


def test_a_document_is_posted_as_json_with_the_bearer_token(recorder):
    answer = client(recorder.url).send_document("gx", b'{"results": []}')
    [request] = recorder.received
    assert request.path == "/api/v1/results/gx"
    assert request.headers["authorization"] == "Bearer s3cret"
    assert request.headers["content-type"] == "application/json"
    assert "content-encoding" not in request.headers
    assert request.body == b'{"results": []}'
    assert (answer.http_status, answer.status, answer.records_read, answer.records_new) == (
        201,
        "ok",
        3,
        3,
    )


def test_gzip_when_asked_and_by_default_only_when_large(recorder):
    small, large = b'{"a": 1}', json.dumps({"results": ["x" * 100] * 1000}).encode()
    with client(recorder.url, gzip_above=10_000) as sender:
        sender.send_document("dbt", small, gzip=True)
        sender.send_document("dbt", small)
        sender.send_document("dbt", large)
        sender.send_document("dbt", large, gzip=False)
    encodings = [r.headers.get("content-encoding") for r in recorder.received]
    assert encodings == ["gzip", None, "gzip", None]
    assert [r.content for r in recorder.received] == [small, small, large, large]
    assert len(recorder.received[2].body) < len(large) / 10


def test_multipart_parts_carry_the_artifact_and_the_manifest(recorder):
    run_results = (DBT / "v6" / "run_results.json").read_bytes()
    manifest = (DBT / "v6" / "manifest.json").read_bytes()
    parts = [
        Part("file", run_results, "run_results.json"),
        Part("manifest", manifest, "manifest.json"),
    ]
    client(recorder.url).send_parts("dbt", parts, gzip=True)
    [request] = recorder.received
    assert request.headers["content-type"].startswith("multipart/form-data; boundary=")
    assert request.headers["content-encoding"] == "gzip"
    assert request.parts() == {
        "file": ("run_results.json", run_results),
        "manifest": ("manifest.json", manifest),
    }


def test_429_is_tried_again_after_the_servers_retry_after(recorder):
    recorder.reply(429, {"error": "over its rate limit"}, {"Retry-After": "2"})
    recorder.reply(503, {"error": "the store could not take it"})
    waits: list[float] = []
    answer = client(recorder.url, waits, backoff=0.25).send_document("soda", b"{}")
    assert answer.records_new == 3
    assert len(recorder.received) == 3
    # the server's Retry-After, then the backoff of the second attempt (no Retry-After)
    assert waits == [2.0, 0.5]
    assert len({r.body for r in recorder.received}) == 1


def test_a_retry_after_longer_than_max_wait_is_capped(recorder):
    recorder.reply(429, {"error": "slow down"}, {"Retry-After": "3600"})
    waits: list[float] = []
    client(recorder.url, waits, max_wait=5).send_document("soda", b"{}")
    assert waits == [5]


def test_a_server_still_busy_after_every_attempt_is_an_error_naming_it(recorder):
    for _ in range(3):
        recorder.reply(503, {"error": "the store could not take it: OperationalError"})
    with pytest.raises(UploadError, match="503 Service Unavailable: the store could not") as caught:
        client(recorder.url, attempts=3).send_document("soda", b"{}")
    assert caught.value.status == 503 and not caught.value.body_refused
    assert len(recorder.received) == 3


@pytest.mark.parametrize(
    ("status", "payload", "expected"),
    [
        (
            403,
            {"error": "token tok-1 (ci, product orders) may not write evidence for revenue"},
            "403 Forbidden: token tok-1 (ci, product orders) may not write evidence for revenue",
        ),
        (
            400,
            {"error": "not valid JSON: Expecting value", "position": "line 1"},
            "400 Bad Request: not valid JSON: Expecting value (at line 1)",
        ),
        (413, {"error": "the body is over the 1.0 MiB limit"}, "413 Request Entity Too Large"),
    ],
)
def test_a_refused_body_is_an_error_with_the_status_and_the_servers_reason(
    recorder, status, payload, expected
):
    recorder.reply(status, payload)
    with pytest.raises(UploadError) as caught:
        client(recorder.url).send_document("gx", b"{}")
    assert expected in str(caught.value)
    assert caught.value.status == status and caught.value.body_refused
    assert caught.value.error == payload["error"]
    assert len(recorder.received) == 1  # a refusal is not tried again


def test_401_says_to_check_the_token(recorder):
    recorder.reply(401, {"error": "unknown or revoked token"}, {"WWW-Authenticate": "Bearer"})
    with pytest.raises(UploadError, match="401 Unauthorized: unknown or revoked token") as caught:
        client(recorder.url).send_document("gx", b"{}")
    assert "MESHGOV_TOKEN" in str(caught.value) and not caught.value.body_refused
    assert "s3cret" not in str(caught.value)


def test_an_unreachable_server_is_tried_with_backoff_then_named():
    url = closed_port_url()
    waits: list[float] = []
    with pytest.raises(UploadError, match="cannot reach the meshgov server") as caught:
        client(url, waits, attempts=4, backoff=0.5).send_document("gx", b"{}")
    assert waits == [0.5, 1.0, 2.0]
    assert caught.value.status is None
    assert url in str(caught.value) and "refused" in str(caught.value).lower()


@pytest.mark.parametrize(
    ("header", "seconds"), [("7", 7.0), (" 0 ", 0.0), (None, None), ("soon", None)]
)
def test_retry_after_reads_seconds(header, seconds):
    assert retry_after(header) == seconds


@pytest.mark.parametrize(("offset", "seconds"), [(30, 30.0), (-30, 0.0)])
def test_retry_after_reads_an_http_date(offset, seconds):
    header = format_datetime(datetime.now(UTC) + timedelta(seconds=offset), usegmt=True)
    assert retry_after(header) == pytest.approx(seconds, abs=2)


@pytest.mark.parametrize(
    ("url", "token", "tool", "message"),
    [
        ("127.0.0.1:8000", "t", "gx", "must start with http:// or https://"),
        ("http://127.0.0.1:8000", "", "gx", "no token"),
        ("http://127.0.0.1:8000", "t", "openlineage", "unknown tool 'openlineage'"),
    ],
)
def test_usage_errors_are_named_before_anything_is_sent(url, token, tool, message):
    with pytest.raises(UploadError, match=message):
        IngestClient(url, token).send_document(tool, b"{}")


# --- the command ------------------------------------------------------------------------


def upload(*args: str, env: dict[str, str] | None = None):
    environment = {"MESHGOV_URL": "", "MESHGOV_TOKEN": "", **(env or {})}
    return CliRunner().invoke(app, ["upload", *args], env=environment, catch_exceptions=False)


def test_dbt_target_folder_sends_run_results_with_the_manifest_beside_it(recorder):
    result = upload("dbt", str(DBT / "v6"), "--url", recorder.url, "--token", "s3cret")
    assert result.exit_code == 0, result.output
    [request] = recorder.received
    assert request.path == "/api/v1/results/dbt"
    parts = request.parts()
    assert parts["file"] == ("run_results.json", (DBT / "v6" / "run_results.json").read_bytes())
    assert parts["manifest"] == ("manifest.json", (DBT / "v6" / "manifest.json").read_bytes())
    assert "run_results.json (with manifest.json): ok, 3 record(s) read, 3 new" in result.output


def test_dbt_run_results_without_a_manifest_is_sent_as_json(recorder):
    path = DBT / "v4" / "run_results.json"
    result = upload(
        "dbt", str(path), "--no-gzip", env={"MESHGOV_URL": recorder.url, "MESHGOV_TOKEN": "t"}
    )
    assert result.exit_code == 0, result.output
    [request] = recorder.received
    assert request.headers["content-type"] == "application/json"
    assert request.headers["authorization"] == "Bearer t"
    assert request.body == path.read_bytes()


def test_a_folder_sends_each_json_file_and_a_refused_one_exits_1(recorder, tmp_path):
    for name in ("a.json", "b.json", "c.json"):
        (tmp_path / "results" / name).parent.mkdir(exist_ok=True)
        (tmp_path / "results" / name).write_text('{"results": []}')
    (tmp_path / "results" / "notes.txt").write_text("not sent")
    recorder.reply(201, ACCEPTED)
    recorder.reply(400, {"error": "not a Great Expectations result", "position": None})
    result = upload("gx", str(tmp_path / "results"), "--url", recorder.url, "--token", "t")
    assert result.exit_code == 1, result.output
    assert len(recorder.received) == 3  # a refused file does not stop the others
    assert "refused" in result.output and "b.json" in result.output
    assert "not a Great Expectations result" in result.output


def test_json_output_says_per_file_what_the_server_said(recorder):
    recorder.reply(
        201,
        {**ACCEPTED, "status": "partial", "problems": ["results[2]: no 'outcome'"]},
    )
    result = upload("soda", str(SODA), "--json", "--url", recorder.url, "--token", "t")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False
    [entry] = report["files"]
    assert entry["file"] == str(SODA)
    assert (entry["status"], entry["http_status"], entry["records_new"]) == ("partial", 201, 3)
    assert entry["problems"] == ["results[2]: no 'outcome'"]


def test_an_unreachable_server_exits_2_after_the_first_file(monkeypatch):
    waits: list[float] = []
    monkeypatch.setattr("time.sleep", waits.append)
    result = upload("soda", str(SODA), str(SODA), "--url", closed_port_url(), "--token", "t")
    assert result.exit_code == 2
    assert "cannot reach the meshgov server" in result.output
    assert result.output.count("failed") == 1
    assert waits == [0.5, 1.0, 2.0, 4.0]  # five attempts at the one file, none at the second


def test_a_refused_token_exits_2(recorder):
    recorder.reply(401, {"error": "unknown or revoked token"})
    result = upload("soda", str(SODA), "--url", recorder.url, "--token", "t")
    assert result.exit_code == 2 and "unknown or revoked token" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["soda", str(SODA), "--token", "t"], "--url URL"),
        (["soda", str(SODA), "--url", "http://127.0.0.1:1"], "--token TOKEN"),
        (["dbt", str(FIXTURES / "soda"), "--url", "http://x", "--token", "t"], "run_results.json"),
        (["soda", str(SODA), "--url", "ftp://x", "--token", "t"], "http:// or https://"),
    ],
)
def test_usage_errors_exit_2(args, message):
    result = upload(*args)
    assert result.exit_code == 2
    assert message in result.output


# --- end to end: meshgov upload -> meshgov ingest-server -> the store --------------------


def collected(tool: str, path: Path, manifest: Path | None = None) -> set[tuple[Any, ...]]:
    """The check results `meshgov collect --product orders` reads from the same file."""
    options = {"companions": {"manifest": manifest.read_bytes()}} if manifest else {}
    parsed = get_collector(tool).parse(
        path.read_bytes(), SourceContext(path=str(path), product_id="orders", options=options)
    )
    return {checked(r) for r in parsed.records if isinstance(r, CheckResult)}


def checked(record: CheckResult | dict[str, Any]) -> tuple[Any, ...]:
    """A check result's identity and outcome, from a record or an exported row."""
    if isinstance(record, dict):
        fields = ("suite", "check", "column", "status", "unexpected_count", "run_time")
        return tuple(record[f] for f in fields)
    run_time = record.run_time.isoformat().replace("+00:00", "Z")
    return (
        record.suite,
        record.check,
        record.column,
        record.status,
        record.unexpected_count,
        run_time,
    )


def stored(server: Any, tool: str) -> list[dict[str, Any]]:
    return [r for r in server.service.export_checks() if r["source_tool"] == tool]


def upload_json(server: Any, token: str, *args: str) -> tuple[int, dict[str, Any]]:
    result = upload(*args, "--json", env={"MESHGOV_URL": server.url, "MESHGOV_TOKEN": token})
    return result.exit_code, json.loads(result.stdout)


def test_dbt_upload_lands_in_the_store_and_a_second_adds_nothing(ingest_server):
    token = ingest_server.token(product="orders", name="ci-orders")
    code, report = upload_json(ingest_server, token, "dbt", str(DBT / "v6"))
    assert code == 0, report
    [first] = report["files"]
    assert (first["status"], first["http_status"]) == ("ok", 201)
    assert first["manifest"] == str(DBT / "v6" / "manifest.json")
    assert first["records_read"] == first["records_new"] > 0
    rows = stored(ingest_server, "dbt")
    assert {r["product"] for r in rows} == {"orders"}
    # the server read it as `meshgov collect` reads the file: the manifest named the suites
    expected = collected("dbt", DBT / "v6" / "run_results.json", DBT / "v6" / "manifest.json")
    assert {checked(r) for r in rows} == expected
    assert {r["suite"] for r in rows} != {"dbt"}
    assert ingest_server.service.export("runs", "orders")  # models and seeds: pipeline runs

    code, report = upload_json(ingest_server, token, "dbt", str(DBT / "v6"), "--gzip")
    assert code == 0, report
    [second] = report["files"]
    assert (second["records_read"], second["records_new"]) == (first["records_read"], 0)
    assert len(stored(ingest_server, "dbt")) == len(rows)


def test_soda_upload_lands_in_the_store_and_says_what_it_could_not_read(ingest_server):
    token = ingest_server.token(domain="sales", name="soda-sales")
    result = upload(
        "soda", str(SODA), env={"MESHGOV_URL": ingest_server.url, "MESHGOV_TOKEN": token}
    )
    # the recorded scan logged errors (a check on a missing column): read in part, exit 1
    assert result.exit_code == 1, result.output
    assert "partial, 9 record(s) read, 9 new" in result.output
    assert "partly read" in result.output and "discount" in result.output
    rows = stored(ingest_server, "soda")
    assert len(rows) == 9 and {r["product"] for r in rows} == {"orders", None}


def test_gx_upload_of_a_real_validation_result(ingest_server, gx_validation_json):
    token = ingest_server.token(product="orders", name="gx-orders")
    code, report = upload_json(ingest_server, token, "gx", str(gx_validation_json))
    assert code == 0, report
    assert report["files"][0]["records_new"] == 4
    rows = stored(ingest_server, "great_expectations")
    assert {checked(r) for r in rows} == collected("great_expectations", gx_validation_json)


def test_evidence_of_another_domains_product_is_refused_and_exits_1(ingest_server):
    token = ingest_server.token(domain="finance", name="finance-ci")
    result = upload(
        "dbt", str(DBT / "v6"), env={"MESHGOV_URL": ingest_server.url, "MESHGOV_TOKEN": token}
    )
    assert result.exit_code == 1
    assert "403 Forbidden" in result.output
    assert "may not write evidence for orders (domain sales)" in result.output
    assert stored(ingest_server, "dbt") == []


def test_an_unknown_token_exits_2(ingest_server):
    result = upload(
        "dbt", str(DBT / "v6"), env={"MESHGOV_URL": ingest_server.url, "MESHGOV_TOKEN": "nope"}
    )
    assert result.exit_code == 2
    assert "401 Unauthorized: unknown or revoked token" in result.output
