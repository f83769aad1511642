"""Evidence for the demo mesh: each day's batch validated as GX does, written as GX writes it.

The latest day of every product is validated by Great Expectations itself. Older days are
evaluated by `evaluate_expectation`, which computes what GX would write for the same batch
(tests/test_demo.py holds the two to the same answers): a real GX run costs about 60 ms,
and thirty days of twelve products would spend most of the demo's time budget on it.
Synthesised files say so in `meta.meshgov_demo`; everything else has GX's shape.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import warnings
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd

from governance.demo.data import daily_batch, evidence_days, run_time
from governance.demo.spec import NOT_NULL, ROW_COUNT, DemoProduct, Expectation

# GX's SUMMARY result format keeps this many unexpected values and indices.
PARTIAL_UNEXPECTED_COUNT = 20
SYNTHESISED_NOTE = {
    "synthesised": True,
    "by": "governance.demo.evidence.evaluate_expectation (GX-equivalent; not a GX run)",
}


@dataclass(frozen=True)
class FailedCheck:
    """One expectation a day's batch failed, with how many values it found unexpected."""

    type: str
    column: str | None
    unexpected_count: int | None


@dataclass(frozen=True)
class ValidationOutcome:
    """What one product's validation found on one day: the pipelines' logs and SLIs cite it."""

    validated_at: datetime
    rows: int
    failures: tuple[FailedCheck, ...]


@dataclass(frozen=True)
class EvidenceSummary:
    """What write_evidence wrote, and what each (product id, day) validation found."""

    files: int
    check_results: int
    outcomes: dict[tuple[str, date], ValidationOutcome] = field(default_factory=dict)


def validation_outcome(document: dict[str, Any], moment: datetime) -> ValidationOutcome:
    """The rows and failed checks of a ValidationResult JSON dict (real or synthesised)."""
    rows = 0
    failures = []
    for entry in document["results"]:
        config, result = entry["expectation_config"], entry["result"]
        if config["type"] == ROW_COUNT:
            rows = int(result["observed_value"])
        else:
            rows = int(result.get("element_count") or rows)
        if not entry["success"]:
            column = config["kwargs"].get("column")
            failures.append(FailedCheck(config["type"], column, result.get("unexpected_count")))
    return ValidationOutcome(moment, rows, tuple(failures))


# --- the evaluator: what GX 1.x writes for one expectation, computed with pandas.


def evaluate_expectation(
    expectation: Expectation, frame: pd.DataFrame
) -> tuple[bool, dict[str, Any]]:
    """Success and the SUMMARY `result` GX would report for this expectation on `frame`."""
    kwargs = expectation.kwargs
    rows = len(frame)
    if expectation.type == ROW_COUNT:
        success = kwargs["min_value"] <= rows <= kwargs["max_value"]
        return success, {"observed_value": rows}
    series = frame[kwargs["column"]]
    if expectation.type == NOT_NULL:
        # GX counts nulls over all rows and reports no missing_* figures for this one.
        missing = series.isna()
        count = int(missing.sum())
        # Counted as GX counts them: NaN never equals NaN, so float NaNs count one by one.
        nulls = series[missing].tolist()[:PARTIAL_UNEXPECTED_COUNT]
        result = {
            "element_count": rows,
            "unexpected_count": count,
            "unexpected_percent": count / rows * 100 if rows else None,
            "partial_unexpected_list": [None] * len(nulls),
            "partial_unexpected_counts": [
                {"value": None, "count": c["count"]} for c in _value_counts(nulls)
            ],
            "partial_unexpected_index_list": series.index[missing].tolist()[:20],
        }
        return count == 0, result
    present = series[series.notna()]
    unexpected = ~_meets(expectation, present)
    count = int(unexpected.sum())
    partial = present[unexpected].tolist()[:PARTIAL_UNEXPECTED_COUNT]
    nonnull = len(present)
    result = {
        "element_count": rows,
        "unexpected_count": count,
        "unexpected_percent": count / nonnull * 100 if nonnull else None,
        "partial_unexpected_list": partial,
        "missing_count": rows - nonnull,
        "missing_percent": (rows - nonnull) / rows * 100 if rows else None,
        "unexpected_percent_total": count / rows * 100 if rows else None,
        "unexpected_percent_nonmissing": count / nonnull * 100 if nonnull else None,
        "partial_unexpected_counts": _value_counts(partial),
        "partial_unexpected_index_list": present.index[unexpected].tolist()[:20],
    }
    return count == 0, result


def _meets(expectation: Expectation, present: pd.Series) -> pd.Series:
    """The row condition of a column map expectation, as GX's pandas engine writes it."""
    kwargs = expectation.kwargs
    if expectation.type.endswith("_be_unique"):
        return ~present.duplicated(keep=False)
    if expectation.type.endswith("_be_between"):
        return (present >= kwargs["min_value"]) & (present <= kwargs["max_value"])
    if expectation.type.endswith("_be_in_set"):
        return present.isin(kwargs["value_set"])
    if expectation.type.endswith("_match_regex"):
        return present.astype(str).str.contains(kwargs["regex"])  # GX searches, not matches
    raise ValueError(f"the demo evaluator does not know {expectation.type}")


def _value_counts(partial: list[Any]) -> list[dict[str, Any]]:
    # GX: most common first, ties by value.
    counted = Counter(partial).most_common(PARTIAL_UNEXPECTED_COUNT)
    return [{"value": v, "count": n} for v, n in sorted(counted, key=lambda x: (-x[1], x[0]))]


def fingerprint(frame: pd.DataFrame) -> str:
    """GX's pandas_data_fingerprint batch marker."""
    hashed = pd.util.hash_pandas_object(frame, index=True).values
    return hashlib.md5(hashed, usedforsecurity=False).hexdigest()


def _compact(moment: datetime) -> str:
    return f"{moment:%Y%m%dT%H%M%S.%fZ}"


def synthesised_validation(
    template: dict[str, Any], product: DemoProduct, frame: pd.DataFrame, moment: datetime
) -> dict[str, Any]:
    """A ValidationResult.to_json_dict() for `frame`, shaped like the real GX `template`.

    The template is the product's real GX run: a suite's expectation ids and configurations,
    and its validation definition and checkpoint ids, stay the same from run to run.
    """
    by_check = {(e.type, e.column): e for e in product.suite}
    results = []
    for entry in template["results"]:
        config = entry["expectation_config"]
        expectation = by_check[(config["type"], config["kwargs"].get("column"))]
        success, result = evaluate_expectation(expectation, frame)
        results.append(
            {
                "success": success,
                "expectation_config": copy.deepcopy(config),
                "result": result,
                "meta": {},
                "exception_info": {
                    "raised_exception": False,
                    "exception_traceback": None,
                    "exception_message": None,
                },
            }
        )
    passed = sum(r["success"] for r in results)
    meta = copy.deepcopy(template["meta"])
    meta["batch_markers"] = {
        "ge_load_time": _compact(moment + timedelta(microseconds=1100)),
        "pandas_data_fingerprint": fingerprint(frame),
    }
    meta["run_id"] = {"run_name": None, "run_time": moment.isoformat()}
    meta["validation_time"] = moment.isoformat()
    meta["meshgov_demo"] = SYNTHESISED_NOTE
    return {
        "success": passed == len(results),
        "results": results,
        "suite_name": template["suite_name"],
        "suite_parameters": {},
        "statistics": {
            "evaluated_expectations": len(results),
            "successful_expectations": passed,
            "unsuccessful_expectations": len(results) - passed,
            "success_percent": passed / len(results) * 100 if results else None,
        },
        "meta": meta,
        "id": None,
    }


class GxValidator:
    """Real Great Expectations runs, in one ephemeral context (GX is slow to start)."""

    def __init__(self) -> None:
        os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")  # read when GX is imported
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import great_expectations as gx
            from great_expectations.data_context.types.base import (
                DataContextConfig,
                InMemoryStoreBackendDefaults,
                ProgressBarsConfig,
            )
        config = DataContextConfig(
            analytics_enabled=False,
            progress_bars=ProgressBarsConfig(globally=False),  # no tqdm bars in the CLI output
            store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        )
        self._gx = gx
        self._context = gx.get_context(mode="ephemeral", project_config=config)
        self._checkpoints: dict[str, Any] = {}

    def _checkpoint(self, product: DemoProduct) -> Any:
        if product.id in self._checkpoints:
            return self._checkpoints[product.id]
        import great_expectations.expectations as gxe

        gx, context = self._gx, self._context
        batch = (
            context.data_sources.add_pandas(product.id)
            .add_dataframe_asset(product.evidence_port.name)
            .add_batch_definition_whole_dataframe("daily")
        )
        suite = context.suites.add(gx.ExpectationSuite(name=product.suite_name))
        for expectation in product.suite:
            # expect_column_values_to_be_unique -> ExpectColumnValuesToBeUnique
            class_name = "".join(part.title() for part in expectation.type.split("_"))
            suite.add_expectation(getattr(gxe, class_name)(**expectation.kwargs))
        definition = context.validation_definitions.add(
            gx.ValidationDefinition(name=f"{product.suite_name}.daily", data=batch, suite=suite)
        )
        checkpoint = context.checkpoints.add(
            gx.Checkpoint(
                name=f"{product.id}-nightly",
                validation_definitions=[definition],
                result_format={"result_format": "SUMMARY"},
            )
        )
        self._checkpoints[product.id] = checkpoint
        return checkpoint

    def validate(
        self, product: DemoProduct, frame: pd.DataFrame, moment: datetime
    ) -> dict[str, Any]:
        """Run the product's checkpoint on `frame` as of `moment`; the result's JSON dict."""
        from great_expectations.core.run_identifier import RunIdentifier

        checkpoint = self._checkpoint(product)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            outcome = checkpoint.run(
                batch_parameters={"dataframe": frame}, run_id=RunIdentifier(run_time=moment)
            )
        document = next(iter(outcome.run_results.values())).to_json_dict()
        # GX stamps the batch load with the wall clock; the demo lives on its simulated days.
        document["meta"]["batch_markers"]["ge_load_time"] = _compact(
            moment + timedelta(microseconds=1100)
        )
        return document


def result_path(root: Path, product: DemoProduct, moment: datetime) -> Path:
    """Where a GX file context stores the result: the layout the collector reads."""
    batch_id = f"{product.id}-{product.evidence_port.name}"
    return (
        root
        / "evidence"
        / product.id
        / "gx"
        / "uncommitted"
        / "validations"
        / product.suite_name
        / "__none__"
        / _compact(moment)
        / f"{batch_id}.json"
    )


def write_evidence(
    root: Path, products: tuple[DemoProduct, ...], seed: int, days: int, today: date
) -> EvidenceSummary:
    """Write every product's validation results for the `days` up to `today`."""
    validator = GxValidator()
    files = checks = 0
    outcomes: dict[tuple[str, date], ValidationOutcome] = {}
    for product in products:
        store = root / "evidence" / product.id / "gx" / "uncommitted" / "validations"
        store.mkdir(parents=True, exist_ok=True)  # a source with no results yet still exists
        history = evidence_days(product, days, today)
        if not history:
            continue
        latest = history[-1]
        moment = run_time(product, latest, seed)
        template = validator.validate(product, daily_batch(product, latest, today, seed), moment)
        documents = [(moment, template)]
        for day in history[:-1]:
            moment = run_time(product, day, seed)
            frame = daily_batch(product, day, today, seed)
            documents.append((moment, synthesised_validation(template, product, frame, moment)))
        for moment, document in documents:
            path = result_path(root, product, moment)
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
            files += 1
            checks += len(document["results"])
            outcomes[(product.id, moment.date())] = validation_outcome(document, moment)
    return EvidenceSummary(files=files, check_results=checks, outcomes=outcomes)
