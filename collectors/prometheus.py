"""Prometheus text exposition (0.0.4) or OpenMetrics from a product's metrics endpoint.

Read with ``prometheus_client``'s own parsers (OpenMetrics when the text ends with
``# EOF``, the Prometheus text format otherwise). Which samples become SLI samples:

- gauges, counters and untyped metrics: every sample;
- histograms and summaries: only their ``_count`` and ``_sum`` samples (buckets and
  quantiles are not SLIs on their own);
- info, stateset and gauge-histogram families, and the ``<name>_created`` series
  prometheus_client adds beside counters, histograms and summaries, are left out;
- a sample must carry the product label, ``data_product`` unless the source's
  ``options.product_label`` names another; samples without it are not evidence of a
  product and are skipped (a file where no sample has it is skipped as not evidence).

Each sample becomes an SliSample: indicator = the sample name (``rows_written_total``,
``meshgov_freshness_seconds``), value = the sample value, labels = its other labels,
product = the label's value through the product directory (unknown: kept unattributed,
with the product label kept among the labels so such series stay apart),
time = the sample's own timestamp, else the time the runner read or scraped the bytes
(``fetched_at``); with neither the sample is refused. NaN and infinite values, and a series
that appears twice, are refused per sample ("sample x{...}: value is NaN"), the others
still land. Text the parser cannot
read refuses the file with the parser's message and the first line it rejects.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from prometheus_client.openmetrics.parser import (
    text_string_to_metric_families as openmetrics_families,
)
from prometheus_client.parser import text_string_to_metric_families as text_families

from collectors import Parsed, SourceContext
from collectors.json_lines import partial_read
from governance.errors import CollectorParseError, NotEvidence
from governance.model.records import SliSample

DEFAULT_PRODUCT_LABEL = "data_product"
# The parser reads a line at some 6 MB/s: a longer line is a problem, not read (no
# exposition has one sample this long; a 100 MB line would take the parser 17 s).
MAX_LINE_CHARS = 1024 * 1024
_LONG_LINE = re.compile(rf"(?m)^[^\n]{{{MAX_LINE_CHARS + 1},}}")
_ALL_SAMPLES = {"gauge", "counter", "untyped", "unknown"}
_COUNT_AND_SUM = {"histogram", "summary"}


class PrometheusCollector:
    """Prometheus/OpenMetrics text: labelled gauges and counters as SLI samples."""

    name = "prometheus"
    description = "Prometheus text exposition / OpenMetrics (samples labelled with the product)"
    file_suffixes = (".prom", ".txt", ".metrics", ".openmetrics")

    def parse(self, content: bytes, source: SourceContext) -> list[SliSample] | Parsed:
        """One SliSample per product-labelled gauge, counter or histogram count/sum sample."""
        try:
            text = content.decode("utf-8-sig")  # a byte order mark is not a metric name
        except UnicodeDecodeError as exc:
            line = content[: exc.start].count(b"\n") + 1
            raise CollectorParseError("not UTF-8 text", f"line {line}") from exc
        if not text.strip():
            raise CollectorParseError("the file is empty: no metrics")
        label = source.options.get("product_label", DEFAULT_PRODUCT_LABEL)
        if not isinstance(label, str) or not label:
            raise CollectorParseError(f"options.product_label must be a label name, not {label!r}")
        text, problems = _without_long_lines(text)
        families = _families(text)
        records: list[SliSample] = []
        unlabelled = 0
        seen: set[str] = set()
        names = {family.name for family in families}
        for family in families:
            for sample in _kept_samples(family, names):
                if label not in sample.labels:
                    unlabelled += 1
                    continue
                try:
                    record = _sli_sample(sample, label, source)
                except CollectorParseError as exc:
                    problems.append(exc)
                    continue
                if record.natural_key in seen:
                    # Prometheus itself rejects a scrape with a series twice at one time.
                    problems.append(
                        CollectorParseError(
                            "the same series appears twice in the exposition; keep one of them",
                            f"sample {_render(sample)}",
                        )
                    )
                    continue
                seen.add(record.natural_key)
                records.append(record)
        if not records and not problems:
            raise NotEvidence(
                f"no sample carries a {label!r} label ({unlabelled} samples without it); "
                "label the product's metrics or set options.product_label"
            )
        return partial_read(records, problems, "product samples")


def _without_long_lines(text: str) -> tuple[str, list[CollectorParseError]]:
    """The text with over-long lines left empty (line numbers stay), and a problem for each."""
    if len(text) <= MAX_LINE_CHARS:
        return text, []
    kept: list[str] = []
    problems: list[CollectorParseError] = []
    number, last = 1, 0
    for match in _LONG_LINE.finditer(text):
        number += text.count("\n", last, match.start())
        kept.append(text[last : match.start()])
        last = match.end()
        problems.append(
            CollectorParseError(
                f"line is {len(match.group()) / 1024 / 1024:.1f} MiB long, over the "
                f"{MAX_LINE_CHARS // 1024 // 1024} MiB limit for one line; not read",
                f"line {number}",
            )
        )
    return ("".join(kept) + text[last:], problems) if problems else (text, [])


def _families(text: str) -> list[Any]:
    """All metric families, or the parser's refusal with the first line it rejects."""
    openmetrics = text.rstrip().endswith("# EOF")
    parse = openmetrics_families if openmetrics else text_families
    try:
        return list(parse(text))
    # The parser is third-party code fed arbitrary bytes: whatever it raises means the
    # text is not in its format, which is a refusal, not a crash.
    except Exception as exc:
        kind = "OpenMetrics" if openmetrics else "Prometheus text exposition format"
        reason = f"not {kind}: {exc} (prometheus_client parser)"
        raise CollectorParseError(reason, _first_bad_line(text, openmetrics)) from exc


def _first_bad_line(text: str, openmetrics: bool) -> str | None:
    """The parser names no line; feed it line by line to find the first one it rejects."""
    if openmetrics:
        return None  # OpenMetrics rules span lines (groups, EOF); no single line to blame
    for number, line in enumerate(text.split("\n"), start=1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        try:
            list(text_families(line + "\n"))
        except Exception:
            return f"line {number}"
    return None


def _kept_samples(family: Any, names: set[str]) -> Iterable[Any]:
    if family.type in _ALL_SAMPLES:
        base = family.name.removesuffix("_created")
        # prometheus_client writes a counter's creation time as a gauge family beside it.
        if family.name.endswith("_created") and (base in names or f"{base}_total" in names):
            return ()
        return [s for s in family.samples if not _is_created(s, family)]
    if family.type in _COUNT_AND_SUM:
        suffixes = (f"{family.name}_count", f"{family.name}_sum")
        return [s for s in family.samples if s.name in suffixes]
    return ()


def _is_created(sample: Any, family: Any) -> bool:
    # OpenMetrics keeps `_created` inside the counter's own family.
    return family.type == "counter" and sample.name == f"{family.name}_created"


def _sli_sample(sample: Any, label: str, source: SourceContext) -> SliSample:
    labels = {k: str(v) for k, v in sample.labels.items() if k != label}
    where = f"sample {_render(sample)}"
    value = float(sample.value)
    if math.isnan(value):
        raise CollectorParseError("value is NaN", where)
    if math.isinf(value):
        raise CollectorParseError(f"value is {'+' if value > 0 else '-'}Inf", where)
    if sample.timestamp is not None:
        try:
            time = datetime.fromtimestamp(float(sample.timestamp), UTC)
        except (OverflowError, OSError, ValueError) as exc:
            raise CollectorParseError(f"timestamp out of range: {exc}", where) from exc
    elif source.fetched_at is not None:
        fetched = source.fetched_at
        # The runner passes UTC; a naive value can only have meant UTC too.
        time = fetched.replace(tzinfo=UTC) if fetched.tzinfo is None else fetched.astimezone(UTC)
    else:
        raise CollectorParseError(
            "no timestamp on the sample and no scrape time for the file", where
        )
    named = str(sample.labels[label])
    product = source.attribute(named)
    if product != named:
        # Unknown (or aliased) products keep their label: it is what tells two such
        # series apart, and natural keys must not merge distinct evidence.
        labels[label] = named
    return SliSample(
        product_id=product,
        indicator=sample.name,
        time=time,
        source_tool="prometheus",
        source=source.path,
        value=value,
        labels=labels,
    )


def _render(sample: Any) -> str:
    inner = ",".join(f'{k}="{v}"' for k, v in sorted(sample.labels.items()))
    return f"{sample.name}{{{inner}}}" if inner else sample.name
