"""SLI samples as JSON lines: good and total event counts per product, indicator and time.

One JSON object per line (blank lines are ignored; UTF-8; a ``.gz`` file is decompressed)::

    {"product": "orders", "slo": "orders-freshness", "indicator": "fresh-loads",
     "time": "2026-11-24T03:00:00Z", "good": 97, "total": 100}

- ``time`` (required): ISO 8601 with a zone (``Z`` or an offset such as ``+02:00``); a
  time without a zone is refused, not read as UTC. Stored in UTC.
- ``good``, ``total`` (required): finite JSON numbers (not strings, not booleans), both
  >= 0 and ``good <= total``. ``total = 0`` (no events in the interval) is allowed.
- ``indicator``: the SLI's name (as the OpenSLO SLI or ``indicatorRef`` names it). Required
  unless ``slo`` is given, in which case it defaults to the SLO's name.
- ``slo`` (optional): the SLO the sample counts towards.
- ``product`` (optional): a product id or dataset alias. The source's own product
  (``--product`` or the source's ``product:``) wins; an unknown one keeps the sample
  unattributed (product None, the name kept as label ``product``), never drops it.

Each bad line is one problem ("line 7: 'time' is missing") and the other lines still land.
The same product, indicator, SLO and time twice with the same counts is one sample; with
different counts the later line is refused, since either could be right. Options: none.
"""

from __future__ import annotations

from typing import Any

from collectors import Parsed, SourceContext
from collectors.json_lines import (
    finite_number,
    gave_up,
    gunzip_if_compressed,
    json_objects,
    parse_zoned_time,
    partial_read,
    text_field,
)
from governance.errors import CollectorParseError
from governance.model.records import SliSample


class SliEventsCollector:
    """JSON lines of good/total SLI event counts."""

    name = "sli_events"
    description = "SLI samples as JSON lines (product, slo, indicator, time, good, total)"
    file_suffixes = (".jsonl", ".ndjson", ".jsonl.gz", ".ndjson.gz")

    def parse(self, content: bytes, source: SourceContext) -> list[SliSample] | Parsed:
        """One SliSample per line; bad lines are problems naming the line."""
        content = gunzip_if_compressed(content)
        records: list[SliSample] = []
        problems: list[CollectorParseError] = []
        seen: dict[str, tuple[int, float, float]] = {}
        for number, entry in json_objects(content):
            if gave_up(problems, f"line {number}"):
                break
            if isinstance(entry, CollectorParseError):
                problems.append(entry)
                continue
            try:
                sample = _sample(entry, source)
            except ValueError as exc:
                problems.append(CollectorParseError(str(exc), f"line {number}"))
                continue
            key = sample.natural_key
            counts = (sample.good or 0.0, sample.total or 0.0)
            if key in seen:
                first_line, *first_counts = seen[key]
                if tuple(first_counts) != counts:
                    problems.append(
                        CollectorParseError(
                            f"same product, indicator, slo and time as line {first_line} "
                            f"but different counts (good/total {counts[0]:g}/{counts[1]:g} vs "
                            f"{first_counts[0]:g}/{first_counts[1]:g}); keep one of them",
                            f"line {number}",
                        )
                    )
                continue  # an identical repeat is the same fact
            seen[key] = (number, *counts)
            records.append(sample)
        return partial_read(records, problems, "SLI samples")


def _sample(entry: dict[str, Any], source: SourceContext) -> SliSample:
    slo = text_field(entry, "slo", required=False)
    if entry.get("indicator") is not None:
        indicator = text_field(entry, "indicator") or ""
    elif slo and slo.strip():
        indicator = slo
    else:
        raise ValueError("'indicator' is missing (it may be left out only when 'slo' is given)")
    if "time" not in entry:
        raise ValueError("'time' is missing")
    try:
        time = parse_zoned_time(entry["time"])
    except ValueError as exc:
        raise ValueError(f"'time': {exc}") from None
    good = _count(entry, "good")
    total = _count(entry, "total")
    if good > total:
        raise ValueError(f"'good' ({good:g}) is more than 'total' ({total:g})")
    named = text_field(entry, "product", required=False)
    product = source.attribute(named)
    # A product the directory does not know (or another name for one) stays visible as a
    # label, so that two unknown products' samples do not share a natural key.
    labels = {"product": named} if named and named != product else {}
    return SliSample(
        product_id=product,
        indicator=indicator,
        time=time,
        source_tool="sli_events",
        source=source.path,
        slo=slo or None,
        good=good,
        total=total,
        labels=labels,
    )


def _count(entry: dict[str, Any], key: str) -> float:
    if key not in entry:
        raise ValueError(f"{key!r} is missing")
    try:
        value = finite_number(entry[key])
    except ValueError as exc:
        raise ValueError(f"{key!r}: {exc}") from None
    if value < 0:
        raise ValueError(f"{key!r} is negative ({value:g})")
    return value
