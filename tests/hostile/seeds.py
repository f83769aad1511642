"""One valid file per evidence format, and where in it a hostile value can be planted.

The hostile corpus (corpus.py) starts from these: a seed is read in full on its own, so
whatever goes wrong with a mutated copy is the mutation's doing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).parent.parent / "fixtures"


@dataclass(frozen=True)
class Seed:
    """A valid file of one format: its collector, suffix and bytes."""

    form: str  # the format's name in artifact names: a collector, or audit_logs' three forms
    collector: str
    suffix: str
    content: bytes
    lines: bool = False  # one JSON object per line (a bad line costs that line only)
    # For JSON formats: the document (or the list of line objects), a path to a text field
    # and a path to a number field that reach a record, for planting hostile values.
    document: Any = None
    text_path: tuple = ()
    number_path: tuple = ()
    options: dict[str, Any] = field(default_factory=dict)


OTLP_LINE = {
    "resourceLogs": [
        {
            "resource": {
                "attributes": [{"key": "service.name", "value": {"stringValue": "orders-etl"}}]
            },
            "scopeLogs": [
                {
                    "scope": {"name": "orders.load"},
                    "logRecords": [
                        {
                            "timeUnixNano": "1795491063000331776",
                            "severityNumber": 17,
                            "body": {"stringValue": "load failed"},
                        }
                    ],
                }
            ],
        }
    ]
}
LOG_RECORD = ("resourceLogs", 0, "scopeLogs", 0, "logRecords", 0)


def _sli_line(hour: int) -> dict[str, Any]:
    return {
        "product": "orders",
        "slo": "freshness",
        "indicator": "fresh_loads",
        "time": f"2026-11-20T{hour:02d}:00:00Z",
        "good": 23,
        "total": 24,
    }


def _audit_line(index: int) -> dict[str, Any]:
    return {
        "time": f"2026-11-24T03:{index:02d}:00Z",
        "actor": "ana@example.com",
        "action": "download",
        "resource": "s3://lake/orders/",
        "id": f"e-{index}",
    }


def _lines(objects: list[Any]) -> bytes:
    return "".join(json.dumps(o) + "\n" for o in objects).encode()


def _fixture(path: str) -> bytes:
    return (FIXTURES / path).read_bytes()


def _json_seed(form: str, collector: str, path: str, text: tuple, number: tuple) -> Seed:
    document = json.loads(_fixture(path))
    if collector == "soda":
        document["logs"] = []  # the recorded scan logged errors: a seed reads without problems
    content = json.dumps(document, indent=1).encode()
    return Seed(form, collector, ".json", content, False, document, text, number)


def seeds() -> list[Seed]:
    """Every format's valid seed (built fresh: callers may mutate the documents)."""
    otlp = [OTLP_LINE, json.loads(json.dumps(OTLP_LINE).replace("load failed", "load retried"))]
    sli = [_sli_line(6), _sli_line(7)]
    audit = [_audit_line(1), _audit_line(2)]
    lineage = _fixture("openlineage/events_facet_1_0.jsonl")
    return [
        _json_seed(
            "great_expectations",
            "great_expectations",
            "gx/validation_result_0_18.json",
            ("results", 0, "expectation_config", "kwargs", "column"),
            ("results", 0, "result", "unexpected_count"),
        ),
        _json_seed(
            "dbt",
            "dbt",
            "dbt/v6/run_results.json",
            ("results", 0, "message"),
            ("results", 0, "execution_time"),
        ),
        _json_seed(
            "soda",
            "soda",
            "soda/scan_results.json",
            ("checks", 0, "name"),
            ("checks", 0, "diagnostics", "value"),
        ),
        Seed(
            "openlineage",
            "openlineage",
            ".jsonl",
            lineage,
            True,
            [json.loads(line) for line in lineage.splitlines() if line.strip()],
            (0, "job", "name"),
            (0, "run", "facets"),
        ),
        Seed(
            "otlp_logs",
            "otlp_logs",
            ".jsonl",
            _lines(otlp),
            True,
            otlp,
            (0, *LOG_RECORD, "body", "stringValue"),
            (0, *LOG_RECORD, "severityNumber"),
        ),
        _json_seed(
            "audit_cloudtrail",
            "audit_logs",
            "audit_logs/cloudtrail.json",
            ("Records", 0, "eventName"),
            ("Records", 0, "eventVersion"),
        ),
        Seed(
            "audit_pgaudit",
            "audit_logs",
            ".log",
            _fixture("audit_logs/pgaudit.log"),
        ),
        Seed(
            "audit_jsonl",
            "audit_logs",
            ".jsonl",
            _lines(audit),
            True,
            audit,
            (0, "actor"),
            (0, "id"),
        ),
        Seed(
            "openslo",
            "openslo",
            ".yaml",
            _fixture("openslo/orders_slos.yaml"),
        ),
        Seed(
            "sli_events",
            "sli_events",
            ".jsonl",
            _lines(sli),
            True,
            sli,
            (0, "indicator"),
            (0, "good"),
        ),
        Seed(
            "prometheus",
            "prometheus",
            ".prom",
            _fixture("prometheus/metrics.prom"),
        ),
    ]
