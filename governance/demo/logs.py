"""OTLP JSON logs of the demo's pipelines, as the platform's OpenTelemetry Collector writes them.

The Collector's file exporter, rotated daily: `evidence/otel/logs-<day>.jsonl`, one
ExportLogsServiceRequest per line, one line per job attempt and one per validation (the
SDK's batch processor flushes when a task ends). Records carry their run's OpenLineage run
id, and the resource names the product (`data_product`) and the pipeline (`service.name`),
so the collector attributes them without being told. What they say follows the stories the
declarations tell: a handful of INFO records a night; WARN for failed checks, deprecated or
stale inputs and personal data nobody classified; ERROR for failed attempts and, while a
product degrades, for the rows it damages, more of them as the decline goes on.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from governance.demo.evidence import ValidationOutcome
from governance.demo.spec import NOT_NULL, DemoProduct
from governance.demo.timeline import (
    Attempt,
    JobDay,
    input_datasets,
    job_day,
    job_name,
    last_landing,
    output_datasets,
    story_rng,
    window,
)

INFO, WARN, ERROR = 9, 13, 17
BETWEEN, IN_SET = "expect_column_values_to_be_between", "expect_column_values_to_be_in_set"
SEVERITY_TEXT = {INFO: "INFO", WARN: "WARN", ERROR: "ERROR"}
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# What a DLP scan recognises in a column, by the generator that fills it.
PERSONAL_DATA = {"email": "EMAIL_ADDRESS", "ip": "IP_ADDRESS", "query": "free text typed by users"}
# The story "quality degrades" (artist-payments), in the pipeline's own words, per column.
DEGRADED_MESSAGES = {
    ("amount", NOT_NULL): "no FX rate for {pair}: {count} payouts written with amount NULL",
    ("amount", BETWEEN): "{count} payouts converted at an inverted FX rate: amount out of range",
    ("currency", IN_SET): "FX fallback wrote currency 'unknown' for {count} payouts",
}
FX_PAIRS = ("BRL→EUR", "SEK→EUR", "GBP→EUR", "USD→EUR", "BRL→USD")


@dataclass(frozen=True)
class LogLine:
    """One record before it is encoded: when, how severe, what it says."""

    time: datetime
    severity: int
    body: str


def _reading_lines(
    job: JobDay,
    products: tuple[DemoProduct, ...],
    today: date,
    seed: int,
    rng: random.Random,
    start: datetime,
) -> list[LogLine]:
    """What an attempt logs as it opens its inputs, warning of deprecated or stale ones."""
    lines = []
    for dataset, upstream in input_datasets(job.product, products):
        opened = start + timedelta(seconds=rng.randint(2, 20))
        lines.append(LogLine(opened, INFO, f"reading {dataset.qualified}"))
        at = opened + timedelta(milliseconds=rng.randint(1, 200))  # its warnings follow it
        if upstream is None:
            if job.product.stale_days and (today - job.day).days == job.product.stale_days:
                # The last night before the ingest broke: the warning nobody acted on.
                body = f"credentials for {dataset.qualified} expire in 1 day; renew them"
                lines.append(LogLine(at, WARN, body))
            continue
        if upstream.status == "deprecated":
            body = f"reading deprecated product {upstream.id} ({dataset.name}): {upstream.usage}"
            lines.append(LogLine(at, WARN, body))
        landed = last_landing(upstream, job.day, today, seed)
        age = (job.day - landed[0]).days if landed else None
        if age is None or age > 1:
            since = "over a week ago" if age is None else f"{age} days ago"
            body = f"input {dataset.name} from {upstream.id} was last loaded {since}"
            lines.append(LogLine(at, WARN, body + "; building on stale data"))
    return lines


def _landing_lines(
    job: JobDay, attempt: Attempt, outcome: ValidationOutcome | None, rng: random.Random
) -> list[LogLine]:
    """What a successful attempt logs as it writes: rows, damage done, data it exposes."""
    product, lines = job.product, []
    clock = [attempt.ended - timedelta(seconds=rng.randint(5, 30))]

    def log(severity: int, body: str) -> None:
        # Records a few milliseconds apart, as a real writer's are: none share a timestamp.
        clock[0] += timedelta(milliseconds=rng.randint(1, 200))
        lines.append(LogLine(clock[0], severity, body))

    if job.step and outcome:
        for failure in outcome.failures:
            template = DEGRADED_MESSAGES.get((failure.column or "", failure.type))
            if template is None or not failure.unexpected_count:
                continue
            # One record per rate that went missing: more of them as the decline goes on.
            pairs = FX_PAIRS[: min(job.step, len(FX_PAIRS))] if "{pair}" in template else ("",)
            share, rest = divmod(failure.unexpected_count, len(pairs))
            for index, pair in enumerate(pairs):
                if count := share + (index < rest):
                    log(ERROR, template.format(pair=pair, count=count))
    for port, dataset in zip(product.outputs, output_datasets(product), strict=True):
        counted = outcome and port is product.evidence_port
        rows = f"{outcome.rows} rows" if counted and outcome else "the day's events"
        log(INFO, f"wrote {rows} to {dataset.qualified}")
        for column in port.contract.columns:
            found = PERSONAL_DATA.get(column.gen.kind)
            if found and column.classification is None:
                log(
                    WARN,
                    f"DLP scan of {dataset.name}: column {column.name} holds {found} "
                    "but the contract gives it no classification",
                )
    if rng.random() < 0.1:  # an everyday hiccup that needs no one
        late = rng.randint(3, 400)
        log(WARN, f"{late} late-arriving rows merged into {job.day - timedelta(days=1)}")
    seconds = int((attempt.ended - attempt.started).total_seconds())
    lines.append(LogLine(attempt.ended, INFO, f"attempt {attempt.number} succeeded in {seconds} s"))
    return lines


def attempt_lines(
    job: JobDay,
    attempt: Attempt,
    products: tuple[DemoProduct, ...],
    outcome: ValidationOutcome | None,
    today: date,
    seed: int,
) -> list[LogLine]:
    """The records one attempt of a job logs, oldest first."""
    rng = story_rng(seed, "logs", job.product.id, job.day, attempt.number)
    _, name = job_name(job.product)
    started = f"{name} attempt {attempt.number} started (run {attempt.run_id})"
    lines = [LogLine(attempt.started, INFO, started)]
    lines += _reading_lines(job, products, today, seed, rng, attempt.started)
    if attempt.failed:
        lines.append(LogLine(attempt.ended, ERROR, f"attempt {attempt.number}: {attempt.error}"))
        retry = "marking the task UP_FOR_RETRY; next attempt in 10 minutes"
        lines.append(LogLine(attempt.ended, WARN, retry))
    else:
        lines += _landing_lines(job, attempt, outcome, rng)
    return sorted(lines, key=lambda line: line.time)


def validation_lines(job: JobDay, outcome: ValidationOutcome) -> list[LogLine]:
    """What the validation task logs: one WARN per failed check, then its verdict."""
    at = outcome.validated_at
    suite = job.product.suite_name
    lines = []
    for index, failure in enumerate(outcome.failures, start=1):
        unexpected = failure.unexpected_count
        found = f"{outcome.rows} rows" if unexpected is None else f"{unexpected} unexpected values"
        body = f"validation {suite}: {failure.type} failed on {failure.column or 'the table'}"
        lines.append(LogLine(at + timedelta(milliseconds=index), WARN, f"{body} ({found})"))
    verdict = f"{len(outcome.failures)} failed" if outcome.failures else "all checks passed"
    done = at + timedelta(milliseconds=len(lines) + 1)
    lines.append(LogLine(done, INFO, f"validation {suite} of {outcome.rows} rows: {verdict}"))
    return lines


def _nanos(moment: datetime) -> str:
    return str((moment - _EPOCH) // timedelta(microseconds=1) * 1000)


def _text(key: str, value: str) -> dict[str, Any]:
    return {"key": key, "value": {"stringValue": value}}


def export_request(
    product: DemoProduct, scope: str, lines: list[LogLine], run_id: str, rng: random.Random
) -> dict[str, Any]:
    """One ExportLogsServiceRequest in OTLP/JSON: the lines of one task of one run."""
    trace_id, span_id = f"{rng.getrandbits(128):032x}", f"{rng.getrandbits(64):016x}"
    resource = [
        _text("service.name", f"{product.id}-pipeline"),
        _text("service.namespace", f"harmonia-{product.domain}"),
        _text("deployment.environment.name", "production"),
        _text("data_product", product.id),
        _text("telemetry.sdk.language", "python"),
    ]
    records = [
        {
            "timeUnixNano": _nanos(line.time),
            "observedTimeUnixNano": _nanos(line.time + timedelta(microseconds=150)),
            "severityNumber": line.severity,
            "severityText": SEVERITY_TEXT[line.severity],
            "body": {"stringValue": line.body},
            "attributes": [_text("openlineage.run_id", run_id)],
            "traceId": trace_id,
            "spanId": span_id,
        }
        for line in lines
    ]
    scope_logs = [{"scope": {"name": scope}, "logRecords": records}]
    return {"resourceLogs": [{"resource": {"attributes": resource}, "scopeLogs": scope_logs}]}


def write_logs(
    root: Path,
    products: tuple[DemoProduct, ...],
    outcomes: dict[tuple[str, date], ValidationOutcome],
    seed: int,
    days: int,
    today: date,
) -> int:
    """Write the pipelines' logs for the `days` up to `today`; returns the record count."""
    folder = root / "evidence" / "otel"
    folder.mkdir(parents=True, exist_ok=True)
    written = 0
    for day in window(days, today):
        requests: list[tuple[datetime, str, dict[str, Any]]] = []
        for product in products:
            job = job_day(product, day, today, seed)
            if job is None:
                continue
            rng = story_rng(seed, "otlp", product.id, day)
            _, name = job_name(product)
            outcome = outcomes.get((product.id, day))
            for attempt in job.attempts:
                lines = attempt_lines(job, attempt, products, outcome, today, seed)
                request = export_request(product, name, lines, attempt.run_id, rng)
                requests.append((lines[0].time, product.id, request))
                written += len(lines)
            if outcome:
                lines = validation_lines(job, outcome)
                request = export_request(product, "great_expectations", lines, job.landed_run, rng)
                requests.append((lines[0].time, product.id, request))
                written += len(lines)
        requests.sort(key=lambda entry: (entry[0], entry[1]))
        text = "".join(
            json.dumps(r, separators=(",", ":"), ensure_ascii=False) + "\n" for *_, r in requests
        )
        (folder / f"logs-{day.isoformat()}.jsonl").write_text(text, encoding="utf-8")
    return written
