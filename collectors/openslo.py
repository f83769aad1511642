"""OpenSLO v1 SLO definitions (YAML; several documents per file separated by ``---``).

Reads documents with ``apiVersion: openslo/v1``; a document may also be a YAML list of
such objects. ``kind: SLO`` documents become one SloDefinition per objective;
``kind: SLI`` documents in the same file are what ``spec.indicatorRef`` may name. Other
kinds (Service, DataSource, AlertPolicy, ...) and non-OpenSLO documents are ignored; a
file with no ``kind: SLO`` is skipped as not evidence.

Per SLO:

- ``metadata.name`` (required) is the SLO's name. With several objectives each becomes
  ``<name>/<objective displayName>`` (or ``<name>/<index>`` when it has none).
- ``spec.indicator`` (inline SLI) or ``spec.indicatorRef`` (an SLI in the same file) is
  required; the indicator is the SLI's ``metadata.name`` (else its displayName or
  description). An ``indicatorRef`` to an SLI that is not in the file refuses that SLO.
- ``spec.timeWindow``: exactly one item with ``duration`` as a duration shorthand
  (``<positive integer><m|h|d|w|M|Q|Y>``, e.g. ``28d``, ``1M``); ``isRolling`` (default:
  true without a ``calendar``) and ``calendar`` (``startTime`` and ``timeZone`` both
  required) are kept in the details.
- ``spec.budgetingMethod``: ``Occurrences``, ``Timeslices`` or ``RatioTimeslices``.
- ``spec.objectives[]``: ``target`` in (0, 1] or ``targetPercent`` in (0, 100] (not both);
  Timeslices needs ``timeSliceTarget`` in (0, 1] and ``timeSliceWindow``; RatioTimeslices
  needs ``timeSliceWindow`` (a duration shorthand, or a number of minutes).
- Product: the source's product; else ``metadata.labels.data_product``, else
  ``metadata.annotations["meshgov/data_product"]`` (or ``data_product``), else
  ``spec.service``, each looked up in the product directory (unknown: unattributed).

A broken SLO is refused with its document index and field ("document 2 (SLO
orders-freshness): spec.budgetingMethod: ..."); the other SLOs of the file still land.
YAML that cannot be read refuses the file, and so does a file over MAX_YAML_BYTES (2 MiB):
PyYAML reads well under 1 MB/s, and a thousand SLOs take less. Options: none.
"""

from __future__ import annotations

import math
import re
from datetime import date, datetime
from typing import Any

import yaml

from collectors import CollectorParseError, NotEvidence, Parsed, SourceContext
from governance.model import SloDefinition

BUDGETING_METHODS = ("Occurrences", "Timeslices", "RatioTimeslices")
# Definitions are small; PyYAML (pure Python: libyaml's parser crashes the process on deep
# nesting) reads about 0.6 MB/s, so this bounds a file's read to a few seconds.
MAX_YAML_BYTES = 2 * 1024 * 1024
_DURATION = re.compile(r"^[1-9][0-9]*[mhdwMQY]$")
_PRODUCT_ANNOTATIONS = ("meshgov/data_product", "data_product")


class SloRefused(ValueError):
    """One SLO document cannot be read; the message names the field."""


class OpenSloCollector:
    """OpenSLO v1 SLO (and SLI) documents."""

    name = "openslo"
    description = "OpenSLO v1 SLOs (kind: SLO, inline indicator or indicatorRef to a kind: SLI)"
    file_suffixes = (".yaml", ".yml")

    def parse(self, content: bytes, source: SourceContext) -> list[SloDefinition] | Parsed:
        """One SloDefinition per objective of each SLO in the file."""
        objects = _openslo_objects(_load_documents(content))
        slos = [(where, obj) for where, obj in objects if obj.get("kind") == "SLO"]
        if not slos:
            kinds = sorted({str(obj.get("kind")) for _, obj in objects})
            found = f" (found: {', '.join(kinds)})" if kinds else ""
            raise NotEvidence(f"no OpenSLO v1 kind: SLO document{found}")
        slis = {_name(obj): obj for _, obj in objects if obj.get("kind") == "SLI" and _name(obj)}
        records: list[SloDefinition] = []
        problems: list[CollectorParseError] = []
        names: dict[str, str] = {}
        for where, document in slos:
            position = f"{where} (SLO {_name(document) or '?'})"
            try:
                definitions = _definitions(document, slis, source)
            except SloRefused as exc:
                problems.append(CollectorParseError(str(exc), position))
                continue
            for definition in definitions:
                if definition.name in names:
                    problems.append(
                        CollectorParseError(
                            f"SLO name {definition.name!r} is already defined by "
                            f"{names[definition.name]}; names must be unique",
                            position,
                        )
                    )
                    continue
                names[definition.name] = where
                records.append(definition)
        if not records:
            first = problems[0]
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise CollectorParseError(f"{first.reason}{more}", first.position)
        return Parsed(records, problems) if problems else records


def _load_documents(content: bytes) -> list[Any]:
    if len(content) > MAX_YAML_BYTES:
        raise CollectorParseError(
            f"the file is {len(content) / 1024 / 1024:.1f} MiB, over the "
            f"{MAX_YAML_BYTES // 1024 // 1024} MiB limit for OpenSLO YAML; split it"
        )
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = content[: exc.start].count(b"\n") + 1
        raise CollectorParseError("not UTF-8 text", f"line {line}") from exc
    if not text.strip():
        raise CollectorParseError("the file is empty: no OpenSLO documents")
    try:
        return list(yaml.safe_load_all(text))
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        position = f"line {mark.line + 1}, column {mark.column + 1}" if mark else None
        raise CollectorParseError(f"not valid YAML: {exc.problem or exc}", position) from exc
    # PyYAML raises plain ValueErrors for impossible dates and the like, RecursionError for
    # absurd nesting: all mean the text is not YAML we can read.
    except (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError) as exc:
        if isinstance(exc, RecursionError):
            exc = ValueError("nested too deeply to read")
        elif "integer string conversion" in str(exc):
            exc = ValueError("a number has more than 4,300 digits")
        raise CollectorParseError(f"not valid YAML: {exc}") from exc


def _openslo_objects(documents: list[Any]) -> list[tuple[str, dict[str, Any]]]:
    """(position, object) for every OpenSLO v1 object; a document may be a list of them."""
    found = []
    for index, document in enumerate(documents):
        items = document if isinstance(document, list) else [document]
        for item_index, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            where = f"document {index}" + (f"[{item_index}]" if isinstance(document, list) else "")
            version = item.get("apiVersion")
            if version == "openslo/v1":
                found.append((where, item))
            elif (
                isinstance(version, str)
                and version.startswith("openslo/")
                and (item.get("kind") == "SLO")
            ):
                # An older or newer OpenSLO version would be misread as v1; say so instead.
                found.append((where, {**item, "_unsupported_version": version}))
    return found


def _name(document: dict[str, Any]) -> str | None:
    metadata = document.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    return name if isinstance(name, str) and name.strip() else None


def _definitions(
    document: dict[str, Any], slis: dict[str, dict[str, Any]], source: SourceContext
) -> list[SloDefinition]:
    if "_unsupported_version" in document:
        raise SloRefused(
            f"apiVersion {document['_unsupported_version']!r} is not supported; "
            "meshgov reads openslo/v1"
        )
    name = _name(document)
    if not name:
        raise SloRefused("metadata.name is missing")
    metadata = document["metadata"]
    spec = document.get("spec")
    if not isinstance(spec, dict):
        raise SloRefused("spec is missing or not a mapping")
    indicator, indicator_details = _indicator(spec, slis)
    window, window_details = _time_window(spec)
    method = spec.get("budgetingMethod")
    if method not in BUDGETING_METHODS:
        found = "missing" if method is None else f"{method!r} is not supported"
        raise SloRefused(
            f"spec.budgetingMethod: {found}; expected one of {', '.join(BUDGETING_METHODS)}"
        )
    objectives = spec.get("objectives")
    if not isinstance(objectives, list) or not objectives:
        raise SloRefused("spec.objectives: expected a non-empty list of objectives")
    product = source.attribute(*_product_candidates(metadata), _text(spec.get("service")))
    common = {
        "service": _text(spec.get("service")),
        "description": _text(spec.get("description")),
        "display_name": _text(metadata.get("displayName")),
        "labels": _plain(metadata.get("labels")) or {},
        "annotations": _plain(metadata.get("annotations")) or {},
        "indicator": indicator_details,
        **window_details,
    }
    named = [_objective_name(o, i) for i, o in enumerate(objectives)]
    if len(objectives) > 1 and len(set(named)) < len(named):
        raise SloRefused("spec.objectives: two objectives have the same displayName")
    definitions = []
    for index, objective in enumerate(objectives):
        target, objective_details = _objective(objective, index, method)
        definitions.append(
            SloDefinition(
                product_id=product,
                name=name if len(objectives) == 1 else f"{name}/{named[index]}",
                indicator=indicator,
                target=target,
                window=window,
                budgeting_method=method,
                source_tool="openslo",
                source=source.path,
                details={**common, "slo": name, "objective": objective_details},
            )
        )
    return definitions


def _indicator(spec: dict[str, Any], slis: dict[str, dict[str, Any]]) -> tuple[str, dict]:
    inline, ref = spec.get("indicator"), spec.get("indicatorRef")
    if inline is not None and ref is not None:
        raise SloRefused("spec: give either indicator or indicatorRef, not both")
    if ref is not None:
        if not isinstance(ref, str) or not ref.strip():
            raise SloRefused("spec.indicatorRef: expected the name of an SLI")
        if ref not in slis:
            raise SloRefused(
                f"spec.indicatorRef: no kind: SLI named {ref!r} in this file; "
                "put the SLI in the same file or inline it as spec.indicator"
            )
        sli, field = slis[ref], "spec.indicatorRef"
    elif isinstance(inline, dict):
        sli, field = inline, "spec.indicator"
    else:
        raise SloRefused("spec.indicator or spec.indicatorRef is required")
    metadata = sli.get("metadata") if isinstance(sli.get("metadata"), dict) else {}
    sli_spec = sli.get("spec")
    if not isinstance(sli_spec, dict):
        raise SloRefused(f"{field}: the SLI has no spec")
    metric = next((k for k in ("ratioMetric", "thresholdMetric") if k in sli_spec), None)
    if metric is None:
        raise SloRefused(f"{field}: the SLI's spec has neither ratioMetric nor thresholdMetric")
    name = (
        _text(metadata.get("name"))
        or _text(metadata.get("displayName"))
        or _text(sli_spec.get("description"))
    )
    if not name:
        raise SloRefused(f"{field}: the SLI has no metadata.name (nor displayName, description)")
    details = {"name": name, "metric": metric, "spec": _plain(sli_spec[metric])}
    return name, details


def _time_window(spec: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    windows = spec.get("timeWindow")
    if windows is None:
        raise SloRefused("spec.timeWindow is missing")
    if not isinstance(windows, list) or len(windows) != 1 or not isinstance(windows[0], dict):
        raise SloRefused("spec.timeWindow: expected a list of exactly one window")
    window = windows[0]
    duration = window.get("duration")
    if not isinstance(duration, str) or not _DURATION.match(duration):
        raise SloRefused(
            f"spec.timeWindow[0].duration: {duration!r} is not a duration like 28d, 4w or 1M"
        )
    calendar = window.get("calendar")
    if calendar is not None:
        if not isinstance(calendar, dict):
            raise SloRefused("spec.timeWindow[0].calendar: expected startTime and timeZone")
        for key in ("startTime", "timeZone"):
            if calendar.get(key) in (None, ""):
                # startTime is written without a zone on purpose: timeZone is its zone.
                raise SloRefused(
                    f"spec.timeWindow[0].calendar.{key} is missing; a calendar window "
                    "needs a startTime and its IANA timeZone (e.g. Europe/Berlin)"
                )
    rolling = window.get("isRolling", calendar is None)
    if not isinstance(rolling, bool):
        raise SloRefused(f"spec.timeWindow[0].isRolling: expected true or false, not {rolling!r}")
    return duration, {"rolling": rolling, "calendar": _plain(calendar)}


def _objective(objective: Any, index: int, method: str) -> tuple[float, dict[str, Any]]:
    where = f"spec.objectives[{index}]"
    if not isinstance(objective, dict):
        raise SloRefused(f"{where}: expected a mapping")
    if "target" in objective and "targetPercent" in objective:
        raise SloRefused(f"{where}: give either target or targetPercent, not both")
    if "target" in objective:
        target = _fraction(objective["target"], f"{where}.target", 1.0)
    elif "targetPercent" in objective:
        target = round(
            _fraction(objective["targetPercent"], f"{where}.targetPercent", 100.0) / 100, 12
        )
    else:
        raise SloRefused(f"{where}: target (or targetPercent) is missing")
    details: dict[str, Any] = {
        k: _plain(objective[k]) for k in ("displayName", "op") if k in objective
    }
    if "value" in objective:
        value = objective["value"]
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
        ):
            raise SloRefused(f"{where}.value: expected a finite number, not {value!r}")
        details["value"] = value
    if method in ("Timeslices", "RatioTimeslices"):
        slice_window = objective.get("timeSliceWindow")
        details["timeSliceWindow"] = _slice_window(slice_window, f"{where}.timeSliceWindow")
    if method == "Timeslices":
        if "timeSliceTarget" not in objective:
            raise SloRefused(f"{where}.timeSliceTarget is required with Timeslices budgeting")
        details["timeSliceTarget"] = _fraction(
            objective["timeSliceTarget"], f"{where}.timeSliceTarget", 1.0
        )
    return target, details


def _fraction(value: Any, field: str, scale: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SloRefused(f"{field}: expected a number, not {value!r}")
    if not 0 < value <= scale:  # NaN fails this too
        raise SloRefused(f"{field}: {value!r} is outside (0, {scale:g}]")
    return float(value)


def _slice_window(value: Any, field: str) -> str:
    if value is None:
        raise SloRefused(f"{field} is required with timeslice budgeting")
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return f"{value}m"  # OpenSLO: a bare number is minutes
    if isinstance(value, str) and _DURATION.match(value):
        return value
    raise SloRefused(f"{field}: {value!r} is not a duration like 5m or a number of minutes")


def _objective_name(objective: Any, index: int) -> str:
    if isinstance(objective, dict):
        for key in ("name", "displayName"):
            if isinstance(objective.get(key), str) and objective[key].strip():
                return objective[key]
    return str(index)


def _product_candidates(metadata: dict[str, Any]) -> list[str | None]:
    labels = metadata.get("labels") if isinstance(metadata.get("labels"), dict) else {}
    label = labels.get("data_product")
    if isinstance(label, list):  # v1 labels may be lists of strings
        if len(label) > 1:
            raise SloRefused("metadata.labels.data_product names more than one product")
        label = label[0] if label else None
    annotations = metadata.get("annotations")
    annotations = annotations if isinstance(annotations, dict) else {}
    return [_text(label), *(_text(annotations.get(key)) for key in _PRODUCT_ANNOTATIONS)]


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def _plain(value: Any, depth: int = 0, budget: list[int] | None = None) -> Any:
    """YAML's dates and odd keys as JSON-safe values for the details column."""
    budget = [10_000] if budget is None else budget
    budget[0] -= 1
    # YAML aliases can make a structure contain itself, or repeat one exponentially.
    if depth > 64 or budget[0] < 0:
        raise SloRefused("a value is too large or nested too deeply (YAML aliases?)")
    if isinstance(value, dict):
        return {str(k): _plain(v, depth + 1, budget) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v, depth + 1, budget) for v in value]
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)  # YAML's .nan/.inf: not JSON, and jsonb refuses them
    return value
