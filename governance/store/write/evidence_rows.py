"""Evidence records as store rows, and how rows reported twice merge: shared by every backend.

Runs and lineage sightings may be reported by several events (START then COMPLETE, the same
edge run after run); within a batch they merge here, against the stored row in the writers
(in Python on SQLite, in SQL on PostgreSQL, with the same meaning: tests/test_run_merge.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from governance.model.records import LineageObservation, LogRecord, PipelineRun
from governance.model.vocabulary import RUN_STATE_RANK
from governance.store.schema.types import as_jsonable, utcnow

SEVERITY_BANDS = ("TRACE", "DEBUG", "INFO", "WARN", "ERROR", "FATAL")


def severity_band(number: int | None) -> str:
    """OTLP severityNumber 1-24 in bands of four; anything else is UNSPECIFIED."""
    if number is None or not 1 <= number <= 24:
        return "UNSPECIFIED"
    return SEVERITY_BANDS[(number - 1) // 4]


def record_keys(records: Sequence[Any], keys: Sequence[str] | None) -> Sequence[str]:
    """The records' natural keys: as given (computed once, when parsed), else computed."""
    return keys if keys is not None else [r.natural_key for r in records]


def _earliest(a: Any, b: Any) -> Any:
    return b if a is None else a if b is None else min(a, b)


def _latest(a: Any, b: Any) -> Any:
    return b if a is None else a if b is None else max(a, b)


def merge_runs(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """START then COMPLETE, in any order: widest time span, the most final state."""
    later_state = RUN_STATE_RANK[new["state"]] >= RUN_STATE_RANK[old["state"]]
    return {
        **(new if later_state else old),
        "started_at": _earliest(old["started_at"], new["started_at"]),
        "ended_at": _latest(old["ended_at"], new["ended_at"]),
        "product_id": new["product_id"] or old["product_id"],
        "details": {**old["details"], **new["details"]},
    }


def merge_sightings(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The same edge seen again: its first and last sighting widen."""
    return {
        **new,
        "first_seen": _earliest(old["first_seen"], new["first_seen"]),
        "last_seen": _latest(old["last_seen"], new["last_seen"]),
    }


def _run_merge_sql() -> str:
    """merge_runs as the SET of an upsert, on PostgreSQL (`pipeline_runs`: the stored row)."""

    def rank(state: str) -> str:
        ranks = " ".join(f"WHEN '{name}' THEN {n}" for name, n in RUN_STATE_RANK.items())
        return f"(CASE {state} {ranks} ELSE -1 END)"

    later = f"{rank('excluded.state')} >= {rank('pipeline_runs.state')}"
    taken = [
        f'"{c}" = CASE WHEN {later} THEN excluded."{c}" ELSE pipeline_runs."{c}" END'
        for c in ("job", "run_id", "state", "source_tool", "source", "collected_at")
    ]
    return ", ".join(
        [
            *taken,
            "started_at = LEAST(pipeline_runs.started_at, excluded.started_at)",  # NULLs ignored
            "ended_at = GREATEST(pipeline_runs.ended_at, excluded.ended_at)",
            "product_id = COALESCE(excluded.product_id, pipeline_runs.product_id)",
            "details = pipeline_runs.details || excluded.details",  # JSONB: keys of the new win
        ]
    )


RUN_MERGE_SQL = _run_merge_sql()

# merge_sightings as the SET of an upsert, on PostgreSQL (`observed_lineage`: the stored row).
WIDEN_SQL = ", ".join(
    [
        *(
            f'"{c}" = excluded."{c}"'
            for c in (
                "upstream_product",
                "downstream_product",
                "dataset",
                "job",
                "source_tool",
                "source",
            )
        ),
        "first_seen = LEAST(observed_lineage.first_seen, excluded.first_seen)",
        "last_seen = GREATEST(observed_lineage.last_seen, excluded.last_seen)",
    ]
)


def run_rows(
    runs: Sequence[PipelineRun], keys: Sequence[str] | None = None
) -> dict[str, dict[str, Any]]:
    """pipeline_runs rows by run key; several events of one run merged into one."""
    now = utcnow()
    rows = (
        {
            "run_key": run_key,
            "product_id": run.product_id,
            "job": run.job,
            "run_id": run.run_id,
            "state": run.state,
            "started_at": run.started_at,
            "ended_at": run.ended_at,
            "source_tool": run.source_tool,
            "source": run.source,
            "details": as_jsonable(run.details),
            "collected_at": now,
        }
        for run, run_key in zip(runs, record_keys(runs, keys), strict=True)
    )
    return _merged(rows, "run_key", merge_runs)


def sighting_rows(
    edges: Sequence[LineageObservation], keys: Sequence[str] | None = None
) -> dict[str, dict[str, Any]]:
    """observed_lineage rows by edge key; sightings of one edge widened into one."""
    rows = (
        {
            "edge_key": edge_key,
            "upstream_product": edge.upstream_product,
            "downstream_product": edge.downstream_product,
            "dataset": edge.dataset,
            "job": edge.job,
            "first_seen": edge.observed_at,
            "last_seen": edge.observed_at,
            "source_tool": edge.source_tool,
            "source": edge.source,
        }
        for edge, edge_key in zip(edges, record_keys(edges, keys), strict=True)
    )
    return _merged(rows, "edge_key", merge_sightings)


def _merged(
    rows: Iterable[dict[str, Any]],
    key: str,
    merge: Callable[[dict[str, Any], dict[str, Any]], dict[str, Any]],
) -> dict[str, dict[str, Any]]:
    """Rows by `key`, those reported more than once merged in the order they came."""
    incoming: dict[str, dict[str, Any]] = {}
    for row in rows:
        found = incoming.get(row[key])
        incoming[row[key]] = row if found is None else merge(found, row)
    return incoming


def log_rows(
    records: Sequence[LogRecord], keys: Sequence[str] | None = None
) -> dict[str, dict[str, Any]]:
    """log_records rows by record key."""
    return {
        key: {
            "record_key": key,
            "product_id": r.product_id,
            "time": r.time,
            "severity_number": r.severity_number,
            "severity_text": r.severity_text,
            "body": r.body,
            "trace_id": r.trace_id,
            "span_id": r.span_id,
            "run_id": r.run_id,
            "service": r.service,
            "attributes": as_jsonable(r.attributes),
            "source": r.source,
        }
        for r, key in zip(records, record_keys(records, keys), strict=True)
    }
