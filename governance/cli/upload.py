"""`meshgov upload`: push GX, dbt and Soda artifacts to a meshgov ingest server.

The command-line client of `POST /api/v1/results/{tool}` (governance/clients/http.py does
the HTTP). It opens no store: the server parses and writes, and says per file what it read.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from governance.cli.common import JsonOption, fail
from governance.cli.output import err, out, print_json
from governance.clients.http import IngestAnswer, IngestClient, Part, UploadError

commands = typer.Typer()

RUN_RESULTS = "run_results.json"
MANIFEST = "manifest.json"


class Tool(StrEnum):
    """The tools whose artifacts the server reads."""

    great_expectations = "great_expectations"
    gx = "gx"
    dbt = "dbt"
    soda = "soda"


@dataclass(frozen=True)
class Upload:
    """One artifact to send, and the dbt manifest beside it when there is one."""

    path: Path
    manifest: Path | None = None


@dataclass
class Sent:
    """What happened to one artifact: the server's answer, or why it was refused."""

    upload: Upload
    answer: IngestAnswer | None = None
    error: UploadError | None = None

    @property
    def status(self) -> str:
        """The server's word (ok, partial, skipped), refused (by the server), failed (no answer)."""
        if self.answer is not None:
            return self.answer.status
        return "refused" if self.error is not None and self.error.body_refused else "failed"

    @property
    def read_in_full(self) -> bool:
        """Accepted whole: read (or skipped as not evidence), nothing of it refused."""
        return self.answer is not None and self.status != "partial"

    def as_dict(self) -> dict[str, Any]:
        """The `--json` form of one file."""
        answer = self.answer
        http_status = answer.http_status if answer else self.error.status if self.error else None
        return {
            "file": str(self.upload.path),
            "manifest": str(self.upload.manifest) if self.upload.manifest else None,
            "status": self.status,
            "http_status": http_status,
            "records_read": answer.records_read if answer else 0,
            "records_new": answer.records_new if answer else 0,
            "problems": answer.problems if answer else [],
            "warnings": answer.warnings if answer else [],
            "error": str(self.error) if self.error else None,
        }


@commands.command()
def upload(
    tool: Annotated[Tool, typer.Argument(help="Which tool wrote the artifacts.")],
    paths: Annotated[
        list[Path],
        typer.Argument(
            exists=True,
            help="Artifacts: JSON files, or folders of them (for dbt, a target/ folder or a "
            "run_results.json; the manifest.json beside it is sent too).",
            show_default=False,
        ),
    ],
    url: Annotated[
        str | None,
        typer.Option(
            "--url", envvar="MESHGOV_URL", help="The ingest server's URL.", show_default=False
        ),
    ] = None,
    token: Annotated[
        str | None,
        typer.Option(
            "--token",
            envvar="MESHGOV_TOKEN",
            help="A token from `meshgov token create`.",
            show_default=False,
        ),
    ] = None,
    gzip: Annotated[
        bool | None,
        typer.Option(
            "--gzip/--no-gzip",
            help="Compress the bodies (default: when larger than 64 KiB).",
            show_default=False,
        ),
    ] = None,
    json_: JsonOption = False,
) -> None:
    """Send artifacts to a meshgov ingest server; print per file what the server said.

    Exit 0 when every file was read in full, 1 when the server refused a file (or part of
    one), 2 on a usage error or when the server cannot be reached or refuses the token.
    """
    if not url:
        raise fail("say where the server is: --url URL (or set MESHGOV_URL)")
    if not token:
        raise fail("say which token to use: --token TOKEN (or set MESHGOV_TOKEN)")
    uploads = [found for path in paths for found in artifacts(tool, path)]
    try:
        client = IngestClient(url, token)
    except UploadError as exc:
        raise fail(str(exc)) from exc
    results: list[Sent] = []
    with client:
        for item in uploads:
            sent = send(client, tool, item, gzip)
            results.append(sent)
            if not json_:
                print_sent(sent)
            if sent.status == "failed":
                break  # the token or the server, not the file: the next would fail the same
    if json_:
        ok = all(s.read_in_full for s in results)
        print_json({"ok": ok, "files": [s.as_dict() for s in results]})
    if any(s.status == "failed" for s in results):
        raise typer.Exit(2)
    if not all(s.read_in_full for s in results):
        raise typer.Exit(1)


def artifacts(tool: Tool, path: Path) -> list[Upload]:
    """The files a PATH argument names: a file, or the JSON files of a folder."""
    if tool is Tool.dbt:
        run_results = path / RUN_RESULTS if path.is_dir() else path
        if not run_results.is_file():
            raise fail(f"{path}: no {RUN_RESULTS} in this folder (give dbt's target/ folder)")
        manifest = run_results.parent / MANIFEST
        return [Upload(run_results, manifest if manifest.is_file() else None)]
    if path.is_file():
        return [Upload(path)]
    found = sorted(p for p in path.rglob("*.json") if p.is_file())
    if not found:
        raise fail(f"{path}: no .json file in this folder")
    return [Upload(p) for p in found]


def send(client: IngestClient, tool: Tool, item: Upload, gzip: bool | None) -> Sent:
    """Send one artifact (with its manifest as a second part); never raises UploadError."""
    try:
        content = item.path.read_bytes()
        if item.manifest is None:
            return Sent(item, client.send_document(tool.value, content, gzip=gzip))
        parts = [
            Part("file", content, item.path.name),
            Part("manifest", item.manifest.read_bytes(), item.manifest.name),
        ]
        return Sent(item, client.send_parts(tool.value, parts, gzip=gzip))
    except UploadError as exc:
        return Sent(item, error=exc)
    except OSError as exc:
        raise fail(f"{item.path}: cannot read it: {exc.strerror or exc}") from exc


def print_sent(sent: Sent) -> None:
    """One file's outcome for people: records read and new, then problems and warnings."""
    shown = escape(str(sent.upload.path))
    if sent.answer is None:
        verb = "refused" if sent.status == "refused" else "failed"
        err.print(f"[red]{verb}[/red] {shown}: {escape(str(sent.error))}")
        return
    answer = sent.answer
    with_manifest = " (with manifest.json)" if sent.upload.manifest else ""
    out.print(
        f"{shown}{with_manifest}: {answer.status}, {answer.records_read} record(s) read, "
        f"{answer.records_new} new"
    )
    # A skipped file's reason says why it is not evidence; a partial file's what was refused.
    label = "[yellow]skipped[/yellow]" if answer.status == "skipped" else "[red]partly read[/red]"
    for problem in answer.problems:
        err.print(f"{label} {shown}: {escape(str(problem))}")
    for warning in answer.warnings:
        err.print(f"[yellow]warning[/yellow] {shown}: {escape(str(warning))}")
