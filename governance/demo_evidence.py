"""Evidence for the demo mesh: daily batches with the stories' defects, validated as GX does.

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
import zlib
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from governance.demo_mesh import DemoProduct, Expectation, Gen

# GX's SUMMARY result format keeps this many unexpected values and indices.
PARTIAL_UNEXPECTED_COUNT = 20
ROW_COUNT = "expect_table_row_count_to_be_between"
NOT_NULL = "expect_column_values_to_not_be_null"
SYNTHESISED_NOTE = {
    "synthesised": True,
    "by": "governance.demo_evidence.evaluate_expectation (GX-equivalent; not a GX run)",
}

FIRST_NAMES = ("ana", "ben", "chen", "dara", "emil", "fatou", "gita", "hugo", "ines", "jon")
LAST_NAMES = ("silva", "berg", "okoro", "novak", "tanaka", "lopez", "nilsson", "khan", "roy")
MAIL_PROVIDERS = ("mail.example", "inbox.example", "post.example")
WORDS = ("midnight", "summer", "blue", "river", "neon", "golden", "wild", "echo", "paper", "city")
NOUNS = ("hearts", "wolves", "lights", "tides", "machines", "sisters", "ghosts", "birds")


@dataclass(frozen=True)
class EvidenceSummary:
    """What write_evidence wrote."""

    files: int
    check_results: int


def evidence_days(product: DemoProduct, days: int, today: date) -> list[date]:
    """The days a product has evidence for: the window, minus its stale tail."""
    first = today - timedelta(days=days - 1)
    last = today - timedelta(days=product.stale_days)
    return [first + timedelta(days=n) for n in range((last - first).days + 1)]


def _rng(seed: int, product: DemoProduct, day: date, stream: int = 0) -> np.random.Generator:
    # One generator per product, day and purpose: any day can be rebuilt on its own.
    key = [seed, zlib.crc32(product.id.encode()), day.toordinal(), stream]
    return np.random.default_rng(key)


def run_time(product: DemoProduct, day: date, seed: int) -> datetime:
    """When the product's nightly validation ran on `day` (UTC, a little after its hour)."""
    rng = _rng(seed, product, day, stream=1)
    start = datetime.combine(day, time(product.run_hour), tzinfo=UTC)
    jitter = timedelta(
        minutes=int(rng.integers(0, 40)),
        seconds=int(rng.integers(0, 60)),
        microseconds=int(rng.integers(1, 1_000_000)),  # never 0: isoformat keeps 6 digits
    )
    return start + jitter


def daily_batch(product: DemoProduct, day: date, today: date, seed: int) -> pd.DataFrame:
    """The rows the product's evidence port held on `day`, defects of its story included."""
    rng = _rng(seed, product, day)
    rows = int(rng.integers(product.daily_rows[0], product.daily_rows[1] + 1))
    columns = product.evidence_port.contract.columns
    frame = pd.DataFrame(
        {c.name: _values(c.gen, rows, day, rng) for c in columns if c.gen.kind != "none"}
    )
    frame = _degrade(product, frame, day, today, rng)
    if rng.random() < product.noise:
        # An everyday slip: a few bad rows for one check, now and then a partial load.
        weights = np.array([0.15 if e.type == ROW_COUNT else 1.0 for e in product.suite])
        expectation = product.suite[int(rng.choice(len(weights), p=weights / weights.sum()))]
        frame = break_rows(frame, expectation, int(rng.integers(1, 5)), rng)
    return frame.reset_index(drop=True)


def _degrade(
    product: DemoProduct, frame: pd.DataFrame, day: date, today: date, rng: np.random.Generator
) -> pd.DataFrame:
    """The story "quality degrades": growing shares of bad values, column after column."""
    step = product.degrading_days - (today - day).days  # 1 on the first bad day
    for column, first_step in product.degrading:
        if step < first_step:
            continue
        count = max(1, round(0.008 * (step - first_step + 1) * len(frame)))
        for expectation in product.suite:
            if expectation.column == column:
                frame = break_rows(frame, expectation, count, rng)
    return frame


def break_rows(
    frame: pd.DataFrame, expectation: Expectation, count: int, rng: np.random.Generator
) -> pd.DataFrame:
    """Make `count` rows fail `expectation` the way real pipelines fail it."""
    if expectation.type == ROW_COUNT:
        return frame.head(max(1, expectation.kwargs["min_value"] // 3)).copy()  # partial load
    frame = frame.copy()
    column = str(expectation.column)
    picked = rng.choice(len(frame), size=min(count + 1, len(frame)), replace=False)
    rows = picked[1:] if expectation.type.endswith("_unique") else picked[:count]
    kwargs = expectation.kwargs
    if expectation.type == NOT_NULL:
        if pd.api.types.is_integer_dtype(frame[column]):
            frame[column] = frame[column].astype("float64")  # a null needs a float column
        frame.loc[rows, column] = None
    elif expectation.type.endswith("_unique"):
        frame.loc[rows, column] = frame[column].iloc[picked[0]]
    elif expectation.type.endswith("_between"):
        low, high = kwargs["min_value"], kwargs["max_value"]
        span = (high - low) * rng.uniform(0.01, 0.3, len(rows))
        bad = np.where(rng.random(len(rows)) < 0.5, low - span, high + span)
        integer = pd.api.types.is_integer_dtype(frame[column])
        frame.loc[rows, column] = bad.round().astype("int64") if integer else bad.round(2)
    elif expectation.type.endswith("_in_set"):
        frame.loc[rows, column] = "unknown"
    elif expectation.type.endswith("_match_regex"):
        frame.loc[rows, column] = [_malformed(str(v)) for v in frame.loc[rows, column]]
    return frame


def _malformed(value: str) -> str:
    if "@" in value:
        return value.replace("@", " at ")
    return value.lower() if value.lower() != value else value + "?"


def _values(gen: Gen, rows: int, day: date, rng: np.random.Generator) -> Any:
    kind, args = gen.kind, gen.args
    if kind == "key":
        return [f"{args[0]}-{day:%y%m%d}-{n:05d}" for n in range(1, rows + 1)]
    if kind == "ref":
        prefix, pool, distinct = args
        picked = rng.choice(pool, size=rows, replace=False) + 1 if distinct else None
        numbers = picked if picked is not None else rng.integers(1, pool + 1, rows)
        return [f"{prefix}-{n:06d}" for n in numbers]
    if kind == "choice":
        values, weights = (args[0], args[1]) if len(args) > 1 else (args[0], None)
        return rng.choice(list(values), size=rows, p=weights).tolist()
    if kind == "number":
        mean, sd, low, high = args
        return np.clip(rng.normal(mean, sd, rows), low, high).round(2)
    if kind == "uniform":
        return rng.uniform(args[0], args[1], rows).round(3)
    if kind == "int":
        return rng.integers(args[0], args[1] + 1, rows)
    if kind == "bool":
        return rng.random(rows) < args[0]
    if kind == "digits":
        return [f"{n:0{args[0]}d}" for n in rng.integers(0, 10 ** args[0], rows)]
    if kind == "timestamp":
        offsets = pd.to_timedelta(rng.integers(0, 86_400_000_000, rows), unit="us")
        return pd.Timestamp(day, tz="UTC") + offsets
    if kind == "date":
        return [day.isoformat()] * rows
    if kind == "month":  # statements and summaries cover the month before
        return [f"{(day.replace(day=1) - timedelta(days=1)):%Y-%m}"] * rows
    if kind == "const":
        return [args[0]] * rows
    return _text(kind, rows, rng)


def _text(kind: str, rows: int, rng: np.random.Generator) -> list[str]:
    def pick(words: tuple[str, ...]) -> list[str]:
        return [words[i] for i in rng.integers(0, len(words), rows)]

    numbers = rng.integers(1, 999, rows)
    if kind == "email":
        firsts, lasts, hosts = pick(FIRST_NAMES), pick(LAST_NAMES), pick(MAIL_PROVIDERS)
        return [f"{f}.{s}{n}@{h}" for f, s, n, h in zip(firsts, lasts, numbers, hosts, strict=True)]
    if kind == "person":
        return [
            f"{f.title()} {s.title()}"
            for f, s in zip(pick(FIRST_NAMES), pick(LAST_NAMES), strict=True)
        ]
    if kind == "artist":
        return [
            f"The {w.title()} {n.title()}" for w, n in zip(pick(WORDS), pick(NOUNS), strict=True)
        ]
    if kind == "title":
        return [
            f"Ep. {n}: {w.title()} {m}"
            for n, w, m in zip(numbers, pick(WORDS), pick(NOUNS), strict=True)
        ]
    if kind == "query":
        return [f"{w} {m}" for w, m in zip(pick(WORDS), pick(NOUNS), strict=True)]
    if kind == "ip":
        octets = rng.integers(1, 255, (rows, 4))
        return [".".join(str(o) for o in row) for row in octets]
    raise ValueError(f"unknown demo column generator {kind!r}")


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
    return EvidenceSummary(files=files, check_results=checks)
