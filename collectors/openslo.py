"""OpenSLO v1 (YAML; several documents per file separated by ``---``).

Reads documents with ``apiVersion: openslo/v1`` (the README's specification); a document
may also be a YAML list of objects, as the OpenSLO SDK's examples are written. ``kind: SLO``
documents become one SloDefinition per objective; ``kind: SLI`` documents are what an
``indicatorRef`` may name. The other kinds (Service, DataSource, AlertPolicy,
AlertCondition, AlertNotificationTarget) are checked for what the specification requires
(an AlertCondition's severity and condition, an AlertPolicy's one condition and its
notification targets, a target's ``target``, a DataSource's type, every description at most
1050 characters), refused naming the field when broken, else noted as not used: a file of
them alone (or of no OpenSLO at all) is skipped as not evidence. Another OpenSLO version
(``openslo/v1alpha``, ``openslo.com/v2alpha``) is refused: "apiVersion 'openslo/v1alpha' is not
supported; meshgov reads openslo/v1".

Per SLO:

- ``metadata.name`` (required) is the SLO's name. With several objectives each becomes
  ``<name>/<objective displayName>`` (or ``<name>/<index>`` when it has none): meshgov
  stores one definition per objective, keyed by product and name.
- the indicator: ``spec.indicator`` (inline SLI) or ``spec.indicatorRef`` (an SLI's name);
  or, for a composite SLO, one ``indicator``/``indicatorRef`` per objective (each objective
  is then evaluated on its own indicator, ``compositeWeight`` kept; warned). The indicator
  is the SLI's ``metadata.name`` (else its displayName or description); its
  ``ratioMetric`` (good/total, bad/total, or raw with rawType success|failure; ``counter``)
  or ``thresholdMetric`` is kept in the details. An indicatorRef to an SLI that is not in
  the file is read by name (the SLI may be in another file), with a warning.
- ``spec.timeWindow``: optional; exactly one item with ``duration`` as a duration shorthand
  (``<positive integer><m|h|d|w|M|Q|Y>``, e.g. ``28d``, ``1M``); ``isRolling`` (default:
  true without a ``calendar``) and ``calendar`` (``startTime`` and ``timeZone`` both
  required) are kept in the details. A calendar-aligned window is evaluated as a rolling
  window of its duration, and an absent one as a rolling 28d window (both warned).
- ``spec.budgetingMethod``: ``Occurrences``, ``Timeslices`` or ``RatioTimeslices``.
- ``spec.objectives[]``: ``target`` in [0, 1] or ``targetPercent`` in [0, 100] (not both;
  the spec excludes 1, meshgov reads it); ``op`` (lt, lte, gt, gte) and ``value`` for
  threshold metrics; Timeslices needs ``timeSliceTarget`` in (0, 1] and ``timeSliceWindow``;
  RatioTimeslices needs ``timeSliceWindow`` (a duration shorthand, or a number of minutes).
- ``spec.alertPolicies`` (names, refs or inline) are kept in the details, not evaluated
  (warned): meshgov alerts on burn rates itself.
- Product: the source's product; else ``metadata.labels.data_product``, else
  ``metadata.annotations["meshgov/data_product"]`` (or ``data_product``), else
  ``spec.service``, each looked up in the product directory (unknown: unattributed).

A broken object is refused with its document index and field ("document 2 (SLO
orders-freshness): spec.budgetingMethod: ..."); the other SLOs of the file still land.
Warnings are said once per file and kind. YAML that cannot be read refuses the file, and so
does a file over MAX_YAML_BYTES (2 MiB): PyYAML reads well under 1 MB/s, and a thousand SLOs
take less. Options: none.
"""

from __future__ import annotations

from typing import Any

import yaml

from collectors import Parsed, SourceContext
from collectors.openslo_kinds import (
    KINDS,
    check_description,
    check_metric,
    check_other_kind,
    unused_kind_note,
)
from collectors.openslo_objectives import objective_name, plain, read_objective, read_time_window
from governance.errors import CollectorParseError, NotEvidence, ObjectRefused
from governance.model.records import SloDefinition

BUDGETING_METHODS = ("Occurrences", "Timeslices", "RatioTimeslices")
# Definitions are small; PyYAML (pure Python: libyaml's parser crashes the process on deep
# nesting) reads about 0.6 MB/s, so this bounds a file's read to a few seconds.
MAX_YAML_BYTES = 2 * 1024 * 1024
_PRODUCT_ANNOTATIONS = ("meshgov/data_product", "data_product")


SloRefused = ObjectRefused  # one SLO document cannot be read; the message names the field


class OpenSloCollector:
    """OpenSLO v1 SLO (and SLI) documents; the other kinds are checked and noted."""

    name = "openslo"
    description = "OpenSLO v1 SLOs (kind: SLO, inline indicator or indicatorRef to a kind: SLI)"
    file_suffixes = (".yaml", ".yml")

    def parse(self, content: bytes, source: SourceContext) -> list[SloDefinition] | Parsed:
        """One SloDefinition per objective of each SLO in the file."""
        objects, others = _openslo_objects(_load_documents(content))
        problems: list[CollectorParseError] = []
        notes: dict[str, str] = {}
        for where, obj in objects:
            problem = _check_object(obj, notes)
            if problem:
                position = f"{where} ({obj.get('kind')} {_name(obj) or '?'})"
                problems.append(CollectorParseError(problem, position))
        current = [(w, o) for w, o in objects if o.get("apiVersion") == "openslo/v1"]
        slos = [(where, obj) for where, obj in current if obj.get("kind") == "SLO"]
        if not slos and not problems:
            kinds = sorted({str(obj.get("kind")) for _, obj in objects})
            found = f" (found: {', '.join(kinds)})" if kinds else ""
            raise NotEvidence(f"no OpenSLO v1 kind: SLO document{found}{others}")
        slis = {_name(obj): obj for _, obj in current if obj.get("kind") == "SLI" and _name(obj)}
        records: list[SloDefinition] = []
        names: dict[str, str] = {}
        for where, document in slos:
            position = f"{where} (SLO {_name(document) or '?'})"
            mine: dict[str, str] = {}  # a refused SLO's notes are not the file's
            try:
                definitions = _definitions(document, slis, source, mine)
            except SloRefused as exc:
                problems.append(CollectorParseError(str(exc), position))
                continue
            for kind, note in mine.items():
                notes.setdefault(kind, note)
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
            problems.sort(key=lambda p: " (SLO " not in (p.position or ""))  # an SLO's first
            first = problems[0]
            more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
            raise CollectorParseError(f"{first.reason}{more}", first.position)
        if problems or notes:
            return Parsed(records, problems, list(notes.values()))
        return records


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


def _openslo_objects(documents: list[Any]) -> tuple[list[tuple[str, dict[str, Any]]], str]:
    """(position, object) for every OpenSLO object (of any version), and a note
    on the documents that are not OpenSLO, for a file that turns out not to be evidence.

    A document may be a list of objects (as the OpenSLO SDK's examples are written).
    """
    found = []
    foreign: list[str] = []
    for index, document in enumerate(documents):
        items = document if isinstance(document, list) else [document]
        for item_index, item in enumerate(items):
            if not isinstance(item, dict):
                continue
            where = f"document {index}" + (f"[{item_index}]" if isinstance(document, list) else "")
            version = item.get("apiVersion")
            # v2alpha is written openslo.com/v2alpha; every OpenSLO version is one of ours.
            if isinstance(version, str) and version.startswith(("openslo/", "openslo.com/")):
                found.append((where, item))
            elif version is not None and len(foreign) < 3:
                foreign.append(f"{where} has apiVersion {str(version)[:60]!r}")
    others = f"; {', '.join(foreign)}; meshgov reads apiVersion openslo/v1" if foreign else ""
    return found, others


def _check_object(obj: dict[str, Any], notes: dict[str, str]) -> str | None:
    """Why an object breaks the specification (None when it does not); notes unused kinds."""
    version, kind = obj.get("apiVersion"), obj.get("kind")
    if version != "openslo/v1":
        # An older or newer OpenSLO version would be misread as v1; say so instead.
        return f"apiVersion {version!r} is not supported; meshgov reads openslo/v1"
    if kind not in KINDS:
        notes.setdefault(
            f"kind {kind}",
            f"kind {str(kind)[:60]!r} is not an OpenSLO v1 kind ({', '.join(KINDS)}); ignored",
        )
        return None
    if kind == "SLO":
        return None  # read in full by _definitions
    try:
        if kind == "SLI":
            _sli_parts(obj, "")
        else:
            check_other_kind(kind, obj)
            notes.setdefault(f"kind {kind}", unused_kind_note(kind))
    except ObjectRefused as exc:
        return str(exc)
    return None


def _name(document: dict[str, Any]) -> str | None:
    metadata = document.get("metadata")
    name = metadata.get("name") if isinstance(metadata, dict) else None
    return name if isinstance(name, str) and name.strip() else None


def _definitions(
    document: dict[str, Any],
    slis: dict[str, dict[str, Any]],
    source: SourceContext,
    notes: dict[str, str],
) -> list[SloDefinition]:
    name = _name(document)
    if not name:
        raise SloRefused("metadata.name is missing")
    metadata = document["metadata"]
    spec = document.get("spec")
    if not isinstance(spec, dict):
        raise SloRefused("spec is missing or not a mapping")
    check_description(spec)
    method = spec.get("budgetingMethod")
    objectives = spec.get("objectives")
    if not isinstance(objectives, list) or not objectives:
        raise SloRefused("spec.objectives: expected a non-empty list of objectives")
    # A composite SLO names an indicator per objective (README, "Composite SLO"); an
    # objective without its own is measured on the SLO's.
    own_indicators = [
        isinstance(o, dict) and bool(o.get("indicator") or o.get("indicatorRef"))
        for o in objectives
    ]
    if all(own_indicators) and spec.get("indicator") is None and spec.get("indicatorRef") is None:
        indicator, indicator_details = "", {}
    elif spec.get("indicator") is None and spec.get("indicatorRef") is None:
        raise SloRefused(
            "spec.indicator or spec.indicatorRef is required (or one in every objective, "
            "for a composite SLO)"
        )
    else:
        indicator, indicator_details = _indicator(spec, "spec", slis, notes)
    if any(own_indicators):
        notes.setdefault(
            "composite",
            f"SLO {name!r} is composite: each objective is evaluated on its own indicator; "
            "compositeWeight is kept but no composite error budget is computed",
        )
    window, window_details = read_time_window(spec, notes)
    if method not in BUDGETING_METHODS:
        found = "missing" if method is None else f"{method!r} is not supported"
        raise SloRefused(
            f"spec.budgetingMethod: {found}; expected one of {', '.join(BUDGETING_METHODS)}"
        )
    if spec.get("alertPolicies"):
        notes.setdefault(
            "alertPolicies",
            "spec.alertPolicies are not evaluated (meshgov alerts on burn rates itself)",
        )
    product = source.attribute(*_product_candidates(metadata), _text(spec.get("service")))
    common = {
        "service": _text(spec.get("service")),
        "description": _text(spec.get("description")),
        "display_name": _text(metadata.get("displayName")),
        "labels": plain(metadata.get("labels")) or {},
        "annotations": plain(metadata.get("annotations")) or {},
        "alert_policies": plain(spec.get("alertPolicies")) or [],
        **window_details,
    }
    named = [objective_name(o, i) for i, o in enumerate(objectives)]
    if len(objectives) > 1 and len(set(named)) < len(named):
        raise SloRefused("spec.objectives: two objectives have the same displayName")
    definitions = []
    for index, objective in enumerate(objectives):
        target, objective_details = read_objective(objective, index, method)
        own, own_details = indicator, indicator_details
        if own_indicators[index]:
            own, own_details = _indicator(objective, f"spec.objectives[{index}]", slis, notes)
        definitions.append(
            SloDefinition(
                product_id=product,
                name=name if len(objectives) == 1 else f"{name}/{named[index]}",
                indicator=own,
                target=target,
                window=window,
                budgeting_method=method,
                source_tool="openslo",
                source=source.path,
                details={
                    **common,
                    "indicator": own_details,
                    "slo": name,
                    "objective": objective_details,
                },
            )
        )
    return definitions


def _indicator(
    spec: dict[str, Any], at: str, slis: dict[str, dict[str, Any]], notes: dict[str, str]
) -> tuple[str, dict]:
    """The indicator's name and details, from an inline SLI or an indicatorRef."""
    inline, ref = spec.get("indicator"), spec.get("indicatorRef")
    if inline is not None and ref is not None:
        raise SloRefused(f"{at}: give either indicator or indicatorRef, not both")
    if ref is not None:
        if not isinstance(ref, str) or not ref.strip():
            raise SloRefused(f"{at}.indicatorRef: expected the name of an SLI")
        if ref not in slis:
            # The SLI may live in another file (OpenSLO objects refer to each other by name):
            # the name is what SLI samples are matched by; its metric is unknown here.
            notes.setdefault(
                "indicatorRef",
                f"{at}.indicatorRef names SLI {ref!r}, which is not in this file: its name is "
                "the indicator, its metric is not read",
            )
            return ref, {"name": ref, "ref": ref, "metric": None, "spec": None}
        sli, field = slis[ref], f"{at}.indicatorRef"
    elif isinstance(inline, dict):
        sli, field = inline, f"{at}.indicator"
    else:
        raise SloRefused(f"{at}.indicator: expected an SLI (metadata and spec)")
    name, metric, metric_spec = _sli_parts(sli, field)
    details = {"name": name, "metric": metric, "spec": metric_spec}
    return name, details if ref is None else details | {"ref": ref}


def _sli_parts(sli: dict[str, Any], field: str) -> tuple[str, str, Any]:
    """An SLI's name, metric kind and metric; refused where the specification is broken.

    `field` is where the SLI sits in an SLO ("spec.indicator"), empty for a kind: SLI.
    """
    said, spec_at = (f"{field}: ", f"{field}.spec") if field else ("", "spec")
    metadata = sli.get("metadata") if isinstance(sli.get("metadata"), dict) else {}
    sli_spec = sli.get("spec")
    if not isinstance(sli_spec, dict):
        raise SloRefused(f"{said}the SLI has no spec")
    metrics = [k for k in ("ratioMetric", "thresholdMetric") if k in sli_spec]
    if not metrics:
        raise SloRefused(f"{said}the SLI's spec has neither ratioMetric nor thresholdMetric")
    if len(metrics) > 1:
        raise SloRefused(f"{said}the SLI's spec has both ratioMetric and thresholdMetric")
    name = (
        _text(metadata.get("name"))
        or _text(metadata.get("displayName"))
        or _text(sli_spec.get("description"))
    )
    if not name:
        raise SloRefused(f"{said}the SLI has no metadata.name (nor displayName, description)")
    check_description(sli_spec, f"{spec_at}.description")
    check_metric(metrics[0], sli_spec[metrics[0]], spec_at)
    return name, metrics[0], plain(sli_spec[metrics[0]])


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
