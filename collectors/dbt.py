"""dbt run results: ``run_results.json`` (schema v1-v6) read with the ``manifest.json`` beside it.

What it reads. ``dbt build``, ``dbt run``, ``dbt test``, ``dbt seed``, ``dbt snapshot`` (and
``retry``, ``clone``) write ``target/run_results.json``; its ``metadata.dbt_schema_version``
names the schema: v6 from dbt 1.9, v5 from 1.7, v4 from 1.0 (recorded from dbt 1.11, 1.7 and
1.5 in tests/fixtures/dbt), v1-v3 from dbt 0.19-0.21 (the same shape; v1 has no ``failures``). Other
versions are refused. Each entry of ``results[]`` becomes one record:

- a data test (``test.…``) or unit test (``unit_test.…``) becomes a CheckResult: ``status`` is
  dbt's own word (pass, fail, warn, error, skipped), ``success`` is ``status == "pass"``,
  ``unexpected_count`` is ``failures`` (the rows the test returned), ``check`` is the test's
  name, ``column`` its ``column_name``, ``suite`` the model it tests (``dbt`` when unknown),
  ``details.params`` the generic test's arguments, ``details.severity`` the test's configured
  severity in lower case (dbt writes ``ERROR`` and ``warn``), ``details.failures_relation``
  the table ``store_failures`` wrote;
- a model, seed or snapshot becomes a PipelineRun: ``job`` is the node's unique_id, ``run_id``
  the invocation id, ``state`` success / failed (error, partial success) / skipped (skipped,
  no-op, reused), times from the ``execute`` step of ``timing[]`` (else the span of all steps);
- hooks and operations are not evidence about a product and are left out; results of other
  node kinds (source freshness, 1.12 functions) are left out with a warning.

What v5 and v6 add is kept in ``details``: ``relation_name``, ``compiled_code`` (for results
that did not pass, cut at 2,000 characters), ``batch_results`` of microbatch models as
``batches`` counts and the ``failed_batches`` windows, 1.12's ``overload_results``, and the
adapter's ``query_id``/``job_id``/``bytes_processed``/``code``. ``metadata.env`` is not stored
(a warning says so).

Every check of one invocation shares one run time: ``metadata.invocation_started_at`` (v6),
else ``metadata.generated_at``. dbt writes UTC times ending in ``Z``; a time without a zone is
refused. Results of commands that build and test nothing (``args.which``: compile, docs
generate, show, list, parse, run-operation) are skipped as not evidence, and so are dbt's
other artifacts (``manifest.json``, ``catalog.json``, ``sources.json``…) when read on their own.

The manifest. The runner reads the ``manifest.json`` that sits beside ``run_results.json``
(``companions`` below) and hands its bytes over in ``source.options["companions"]["manifest"]``.
Any manifest schema is read (v1-v12, dbt 0.19-1.12). It links each test to its model
(``nodes[test].attached_node``; singular tests and manifests before v9 have none, so the first
model, seed, snapshot or source in ``depends_on.nodes``) and supplies names, columns,
severities and product metadata. Without it the results are still read, keyed by unique_id,
tests unattached (suite ``dbt``) and unattributed unless the source names a product; each
record says so in ``details.manifest``.

Attribution. The source's product (``--product``) wins; else the model's ``meta`` key
``data_product`` (in ``meta`` or ``config.meta``; option ``product_meta_key`` renames it) when
the directory knows that product; else the model's relation name (``relation_name`` unquoted,
``database.schema.alias``, ``schema.alias``, ``alias``) looked up in the directory; else none.

Options (the source's ``options:`` in meshgov.yaml): ``product_meta_key`` (default
``data_product``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from collectors import Parsed, SourceContext
from collectors.dbt_manifest import (
    DbtManifest,
    load_json,
    name_from_unique_id,
    node_name,
    product_of,
    relation_alias,
    tested_node_id,
)
from collectors.dbt_result_fields import (
    count_of,
    number_of,
    read_v6_additions,
    required_time,
    timing_of,
)
from governance.errors import CollectorParseError, NotEvidence
from governance.model.records import CheckResult, PipelineRun, Record
from governance.model.vocabulary import CHECK_STATUSES

_SCHEMA = re.compile(r"/dbt/(?P<kind>[a-z-]+)/v(?P<version>\d+)\.json$")
_READ_VERSIONS = (1, 2, 3, 4, 5, 6)
# Commands whose run_results.json reports compilation, not builds or tests.
_NOT_EXECUTING = frozenset({"compile", "generate", "docs", "show", "list", "ls", "parse"})
_NOT_EXECUTING |= {"run-operation", "run_operation", "debug", "clean", "deps", "init"}
_RUN_STATES = {
    "success": "success",
    "error": "failed",
    "partial success": "failed",  # microbatch models with some failed batches
    "skipped": "skipped",
    "no-op": "skipped",
    "reused": "skipped",  # state-aware runs: the relation was current, nothing was rebuilt
}
# Resource types whose results are about the project, not a product's data: left out quietly.
_PROJECT_ONLY = frozenset({"operation"})

_BUILT = ("model", "seed", "snapshot")


class DbtCollector:
    """dbt run_results.json (schema v4-v6) joined with manifest.json: tests and model runs."""

    name = "dbt"
    description = "dbt run_results.json (schema v1-v6, dbt 0.19-1.12) with manifest.json: tests and model runs"
    file_suffixes = (".json",)
    # The runner reads these sibling files and passes their bytes in options["companions"].
    companions = {"manifest.json": "manifest"}

    def parse(self, content: bytes, source: SourceContext) -> Parsed:
        """One CheckResult per test result and one PipelineRun per model, seed or snapshot."""
        document = load_json(content, "run_results.json")
        metadata = document.get("metadata")
        if not isinstance(metadata, dict):
            raise CollectorParseError("not a dbt artifact: no 'metadata' object")
        kind, version = _schema_of(metadata)
        if kind == "manifest":
            raise NotEvidence("a dbt manifest (read together with run_results.json)")
        if kind != "run-results":
            raise NotEvidence(f"a dbt {kind} artifact, not run results")
        if version not in _READ_VERSIONS:
            raise CollectorParseError(
                f"dbt run_results v{version} is not supported (v1-v6 are, dbt 0.19 to 1.12)",
                "metadata.dbt_schema_version",
            )
        args = document.get("args") if isinstance(document.get("args"), dict) else {}
        command = args.get("which")
        if isinstance(command, str) and command in _NOT_EXECUTING:
            raise NotEvidence(f"results of 'dbt {command}': nothing was built or tested")
        invocation = _Invocation(metadata, version, source)
        invocation.command = command if isinstance(command, str) else None
        manifest = DbtManifest.from_source(source, invocation.invocation_id)
        results = document.get("results")
        if not isinstance(results, list):
            raise CollectorParseError("'results' is not a list", "results")
        return _read_results(results, invocation, manifest, source)


class _Invocation:
    """What every result of one dbt invocation shares."""

    def __init__(self, metadata: dict[str, Any], version: int, source: SourceContext) -> None:
        self.invocation_id = metadata.get("invocation_id")
        if not isinstance(self.invocation_id, str) or not self.invocation_id:
            raise CollectorParseError("'invocation_id' is missing", "metadata.invocation_id")
        self.generated_at = required_time(metadata, "generated_at", "metadata")
        started = metadata.get("invocation_started_at")
        self.run_time = (
            required_time(metadata, "invocation_started_at", "metadata")
            if started is not None
            else self.generated_at
        )
        self.dbt_version = metadata.get("dbt_version")
        self.schema_version = version
        meta_key = source.options.get("product_meta_key", "data_product")
        if not isinstance(meta_key, str) or not meta_key:
            raise CollectorParseError(f"option product_meta_key must be a name, not {meta_key!r}")
        self.product_meta_key = meta_key
        self.command: str | None = None
        env = metadata.get("env")
        self.warnings: dict[str, str] = {}
        if isinstance(env, dict) and env:
            self.warnings["env"] = (
                f"metadata.env ({len(env)} DBT_ENV_CUSTOM_ENV_ variables) is not stored"
            )


def _read_results(
    results: list[Any], invocation: _Invocation, manifest: DbtManifest, source: SourceContext
) -> Parsed:
    parsed = Parsed()
    seen: dict[str, int] = {}
    for index, entry in enumerate(results):
        where = f"results[{index}]"
        try:
            if not isinstance(entry, dict):
                raise CollectorParseError("expected an object", where)
            unique_id = entry.get("unique_id")
            if not isinstance(unique_id, str) or not unique_id:
                raise CollectorParseError("'unique_id' is missing", where)
            if unique_id in seen:
                raise CollectorParseError(
                    f"{unique_id!r} appears twice (first at results[{seen[unique_id]}]); "
                    "only the first is read",
                    where,
                )
            seen[unique_id] = index
            record = _record_for(entry, unique_id, where, invocation, manifest, source)
        except CollectorParseError as problem:
            parsed.problems.append(problem)
            continue
        if record is not None:
            parsed.records.append(record)
    if parsed.problems and not parsed.records:
        first = parsed.problems[0]
        raise CollectorParseError(f"no result could be read; first: {first}")
    parsed.warnings = list(invocation.warnings.values())
    return parsed


@dataclass
class _Result:
    """One entry of results[], with what every record kind reads from it."""

    entry: dict[str, Any]
    unique_id: str
    status: str  # dbt's own word, lower case
    where: str
    started_at: datetime | None
    ended_at: datetime | None
    details: dict[str, Any]


def _record_for(
    entry: dict[str, Any],
    unique_id: str,
    where: str,
    invocation: _Invocation,
    manifest: DbtManifest,
    source: SourceContext,
) -> Record | None:
    resource_type = unique_id.split(".", 1)[0]
    status = entry.get("status")
    if not isinstance(status, str):
        raise CollectorParseError(f"{unique_id}: 'status' is missing or not text", where)
    started, ended = timing_of(entry.get("timing"), f"{where}.timing")
    details: dict[str, Any] = {"unique_id": unique_id}
    for key, value in (
        ("message", entry.get("message")),
        ("execution_time", number_of(entry.get("execution_time"))),
        ("started_at", started.isoformat() if started else None),
        ("completed_at", ended.isoformat() if ended else None),
        ("dbt_version", invocation.dbt_version),
        ("run_results_schema", f"v{invocation.schema_version}"),
        ("manifest", manifest.note),
        ("command", invocation.command),
    ):
        if value is not None:
            details[key] = value
    read_v6_additions(entry, status.lower(), details)
    result = _Result(entry, unique_id, status.lower(), where, started, ended, details)
    if resource_type in ("test", "unit_test"):
        return _check_result(result, invocation, manifest, source)
    if resource_type in _BUILT:
        return _pipeline_run(result, invocation, manifest, source)
    if resource_type not in _PROJECT_ONLY:
        # Source freshness, functions (1.12) and whatever dbt adds next: said, not dropped.
        invocation.warnings.setdefault(
            f"kind:{resource_type}",
            f"results of dbt {resource_type} nodes are not read (first: {unique_id})",
        )
    return None  # hooks, operations: about the project, not about a product's data


def _check_result(
    result: _Result, invocation: _Invocation, manifest: DbtManifest, source: SourceContext
) -> CheckResult:
    unique_id, status, details = result.unique_id, result.status, result.details
    # dbt reports a test with exactly meshgov's check statuses.
    if status not in CHECK_STATUSES:
        raise CollectorParseError(
            f"{unique_id}: status {status!r} is not one dbt writes for tests "
            "(pass, fail, warn, error, skipped)",
            result.where,
        )
    test = manifest.node(unique_id) or {}
    if manifest.present and not test:
        details["manifest"] = "the manifest has no node for this test"
    model_id = tested_node_id(test, details)
    model = manifest.node(model_id) if model_id else None
    if model_id and model is None:
        details["manifest"] = f"the manifest has no node for the tested {model_id}"
    metadata = test.get("test_metadata") if isinstance(test.get("test_metadata"), dict) else {}
    kwargs = metadata.get("kwargs") if isinstance(metadata.get("kwargs"), dict) else {}
    config = test.get("config") if isinstance(test.get("config"), dict) else {}
    column = test.get("column_name") or kwargs.get("column_name")
    if isinstance(config.get("severity"), str):
        details["severity"] = config["severity"].lower()  # dbt writes both ERROR and warn
    if isinstance(metadata.get("name"), str):
        details["test_type"] = metadata["name"]
    if model_id:
        details["model"] = model_id
    audit = result.entry.get("relation_name") or test.get("relation_name")
    if isinstance(audit, str) and audit and config.get("store_failures"):
        details["failures_relation"] = audit  # where dbt stored the failing rows
    # The model argument is dbt's Jinja (get_where_subquery(ref(...))), not a parameter.
    details["params"] = {k: v for k, v in kwargs.items() if k not in ("model", "column_name")}
    failures = result.entry.get("failures")
    name = test.get("name") if isinstance(test.get("name"), str) and test["name"] else None
    return CheckResult(
        # A test's own relation_name is its store_failures audit table: never attribute by it.
        product_id=product_of(model, None, invocation.product_meta_key, details, source),
        port=relation_alias(model),
        source_tool="dbt",
        suite=node_name(model, model_id) or "dbt",
        check=name or name_from_unique_id(unique_id),
        column=column if isinstance(column, str) and column else None,
        success=status == "pass",
        status=status,  # type: ignore[arg-type]  # checked against CHECK_STATUSES above
        unexpected_count=count_of(failures),
        unexpected_percent=None,
        element_count=None,
        run_time=invocation.run_time,
        source=source.path,
        details=details,
    )


def _pipeline_run(
    result: _Result, invocation: _Invocation, manifest: DbtManifest, source: SourceContext
) -> PipelineRun:
    unique_id, details = result.unique_id, result.details
    state = _RUN_STATES.get(result.status)
    if state is None:
        raise CollectorParseError(
            f"{unique_id}: status {result.status!r} is not one dbt writes for models "
            f"({', '.join(_RUN_STATES)})",
            result.where,
        )
    node = manifest.node(unique_id)
    if manifest.present and node is None:
        details["manifest"] = "the manifest has no node for this result"
    details["resource_type"] = unique_id.split(".", 1)[0]
    details["dbt_status"] = result.status
    config = node.get("config") if node and isinstance(node.get("config"), dict) else {}
    if isinstance(config.get("materialized"), str):
        details["materialized"] = config["materialized"]
    relation = result.entry.get("relation_name") or (node or {}).get("relation_name")
    if isinstance(relation, str):
        details["relation_name"] = relation
    response = result.entry.get("adapter_response")
    if isinstance(response, dict) and count_of(response.get("rows_affected")) is not None:
        details["rows_affected"] = response["rows_affected"]
    return PipelineRun(
        product_id=product_of(node, result.entry, invocation.product_meta_key, details, source),
        job=unique_id,
        run_id=invocation.invocation_id,
        state=state,  # type: ignore[arg-type]  # a RunState by _RUN_STATES
        started_at=result.started_at,
        ended_at=result.ended_at,
        source_tool="dbt",
        source=source.path,
        details=details,
    )


def _schema_of(metadata: dict[str, Any]) -> tuple[str, int]:
    schema = metadata.get("dbt_schema_version")
    if not isinstance(schema, str):
        raise CollectorParseError(
            "not a dbt artifact: 'dbt_schema_version' is missing", "metadata.dbt_schema_version"
        )
    match = _SCHEMA.search(schema)
    if not match:
        raise CollectorParseError(
            f"not a dbt schema URL: {schema!r}", "metadata.dbt_schema_version"
        )
    return match["kind"], int(match["version"])
