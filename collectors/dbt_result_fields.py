"""The fields of one run_results.json result: times, timing steps, and what v5 and v6 added."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from governance.errors import CollectorParseError

# A failing node's SQL helps whoever looks at the failure; a passing one's is not kept.
_MAX_CODE_CHARS = 2000
_MAX_BATCHES_LISTED = 20


def read_v6_additions(entry: dict[str, Any], status: str, details: dict[str, Any]) -> None:
    """What run_results v5 and v6 added per result: SQL, microbatches, overloads, query ids."""
    code = entry.get("compiled_code")
    if isinstance(code, str) and code and status not in ("pass", "success", "skipped", "no-op"):
        details["compiled_code"] = (
            code if len(code) <= _MAX_CODE_CHARS else code[: _MAX_CODE_CHARS - 3] + "..."
        )
    batches = entry.get("batch_results")
    if isinstance(batches, dict):
        done = batches.get("successful") if isinstance(batches.get("successful"), list) else []
        failed = batches.get("failed") if isinstance(batches.get("failed"), list) else []
        if done or failed:
            details["batches"] = {"successful": len(done), "failed": len(failed)}
        if failed:
            # Each batch is [start, end] of the microbatch window dbt could not build.
            details["failed_batches"] = failed[:_MAX_BATCHES_LISTED]
    overloads = entry.get("overload_results")
    if isinstance(overloads, dict) and any(overloads.get(k) for k in ("successful", "failed")):
        details["overloads"] = {
            k: overloads[k] for k in ("successful", "failed") if isinstance(overloads.get(k), list)
        }
    response = entry.get("adapter_response")
    if isinstance(response, dict):
        for key in ("query_id", "job_id", "bytes_processed"):
            value = response.get(key)
            if isinstance(value, str | int) and not isinstance(value, bool) and value != "":
                details[f"adapter_{key}"] = value


def timing_of(value: Any, where: str) -> tuple[datetime | None, datetime | None]:
    """The execute step's times, else the span of every step; skipped nodes have none."""
    if value is None:
        return None, None
    if not isinstance(value, list):
        raise CollectorParseError("'timing' is not a list", where)
    steps: dict[str, tuple[datetime | None, datetime | None]] = {}
    for index, step in enumerate(value):
        if not isinstance(step, dict):
            raise CollectorParseError("expected an object", f"{where}[{index}]")
        times = tuple(
            required_time(step, key, f"{where}[{index}]") if step.get(key) is not None else None
            for key in ("started_at", "completed_at")
        )
        steps[str(step.get("name"))] = times  # type: ignore[assignment]
    if "execute" in steps:
        return steps["execute"]
    starts = [s for s, _ in steps.values() if s]
    ends = [e for _, e in steps.values() if e]
    return (min(starts) if starts else None), (max(ends) if ends else None)


def required_time(container: dict[str, Any], key: str, where: str) -> datetime:
    value = container.get(key)
    if value is None:
        raise CollectorParseError(f"'{key}' is missing", where)
    if not isinstance(value, str):
        raise CollectorParseError(f"'{key}' is not a time: {value!r}", f"{where}.{key}")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise CollectorParseError(f"not an ISO 8601 time: {value!r}", f"{where}.{key}") from None
    if parsed.tzinfo is None:
        raise CollectorParseError(
            f"time without a zone: {value!r} (dbt writes UTC times ending in Z)", f"{where}.{key}"
        )
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        raise CollectorParseError(f"time out of range: {value!r}", f"{where}.{key}") from None


def count_of(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def number_of(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None
