"""OpenSLO v1 objects meshgov reads but does not turn into SLOs, and the SLI metric rules.

meshgov evaluates kind SLO (with its SLI). The other kinds of the specification (Service,
DataSource, AlertPolicy, AlertCondition, AlertNotificationTarget) are checked for what the
specification requires of them, so that a broken one is refused naming its field, and
otherwise noted as not used: a file of them alone is not SLO evidence.
"""

from __future__ import annotations

from typing import Any

from governance.errors import ObjectRefused

KINDS = ("SLO", "SLI", "DataSource", "Service", "AlertPolicy", "AlertCondition")
KINDS += ("AlertNotificationTarget",)
MAX_DESCRIPTION_CHARS = 1050  # the specification's limit on every spec.description
_RAW_TYPES = ("success", "failure")
_WHAT_META = {
    "Service": "services",
    "DataSource": "data sources (meshgov reads SLI samples, not metric sources)",
    "AlertPolicy": "alert policies (meshgov's own burn-rate alerting applies)",
    "AlertCondition": "alert conditions (meshgov's own burn-rate alerting applies)",
    "AlertNotificationTarget": "notification targets",
}


def unused_kind_note(kind: str) -> str:
    """The warning for a file holding objects of a kind meshgov reads but does not use."""
    return f"kind {kind}: meshgov does not use {_WHAT_META.get(kind, 'this kind')}; not stored"


def check_description(spec: dict[str, Any], field: str = "spec.description") -> None:
    """spec.description is text of at most 1050 characters (every kind)."""
    description = spec.get("description")
    if description is None:
        return
    if not isinstance(description, str):
        raise ObjectRefused(f"{field}: expected text, not {type(description).__name__}")
    if len(description) > MAX_DESCRIPTION_CHARS:
        raise ObjectRefused(
            f"{field} is {len(description)} characters long; OpenSLO allows at most "
            f"{MAX_DESCRIPTION_CHARS}"
        )


def check_other_kind(kind: str, document: dict[str, Any]) -> None:
    """Refuse an object of a kind meshgov does not use if it breaks what the spec requires."""
    metadata = document.get("metadata")
    if not isinstance(metadata, dict) or not _text(metadata.get("name")):
        raise ObjectRefused("metadata.name is missing")
    spec = document.get("spec")
    if spec is None and kind == "Service":
        return  # a Service's spec holds only an optional description
    if not isinstance(spec, dict):
        raise ObjectRefused("spec is missing or not a mapping")
    check_description(spec)
    if kind == "AlertCondition":
        _check_alert_condition(spec, "spec")
    elif kind == "AlertNotificationTarget":
        _check_notification_target(spec, "spec")
    elif kind == "AlertPolicy":
        _check_alert_policy(spec)
    elif kind == "DataSource" and not _text(spec.get("type")):
        raise ObjectRefused("spec.type is missing (the kind of data source, e.g. Prometheus)")


def check_metric(metric: str, value: Any, field: str) -> None:
    """A ratioMetric is good/total, bad/total or raw with rawType; a thresholdMetric a source."""
    at = f"{field}.{metric}"
    if not isinstance(value, dict):
        raise ObjectRefused(f"{at}: expected a mapping")
    if metric == "thresholdMetric":
        return  # metricSource's spec is free-form, and metricSourceRef may stand for type
    present = [key for key in ("good", "bad", "total", "raw") if value.get(key) is not None]
    if "good" in present and "bad" in present:
        raise ObjectRefused(f"{at}: give good or bad, not both (bad means total - good)")
    if "raw" in present:
        if len(present) > 1:
            raise ObjectRefused(f"{at}: raw cannot be used together with good, bad or total")
        if value.get("rawType") not in _RAW_TYPES:
            raise ObjectRefused(
                f"{at}.rawType: {value.get('rawType')!r}; raw needs rawType success or failure"
            )
        return
    if "total" not in present:
        raise ObjectRefused(f"{at}: needs total with good or bad, or raw with rawType")
    if len(present) == 1:
        raise ObjectRefused(f"{at}: total needs good or bad beside it")


def _check_alert_condition(spec: dict[str, Any], field: str) -> None:
    if not _text(spec.get("severity")):
        raise ObjectRefused(f"{field}.severity is missing (e.g. page, ticket, sev1)")
    condition = spec.get("condition")
    if not isinstance(condition, dict):
        raise ObjectRefused(f"{field}.condition is missing (kind burnrate, op, threshold, ...)")


def _check_notification_target(spec: dict[str, Any], field: str) -> None:
    if not _text(spec.get("target")):
        raise ObjectRefused(f"{field}.target is missing (e.g. email, slack, pagerduty)")


def _check_alert_policy(spec: dict[str, Any]) -> None:
    conditions = spec.get("conditions")
    if not isinstance(conditions, list) or not conditions:
        raise ObjectRefused("spec.conditions: expected a list of one condition")
    if len(conditions) > 1:
        raise ObjectRefused(
            f"spec.conditions holds {len(conditions)} conditions; OpenSLO v1 allows one"
        )
    _inline_or_ref(conditions[0], "conditionRef", "AlertCondition", "spec.conditions[0]")
    targets = spec.get("notificationTargets")
    if not isinstance(targets, list) or not targets:
        raise ObjectRefused("spec.notificationTargets: expected a list of targets")
    for index, target in enumerate(targets):
        _inline_or_ref(
            target, "targetRef", "AlertNotificationTarget", f"spec.notificationTargets[{index}]"
        )


def _inline_or_ref(item: Any, ref_key: str, kind: str, field: str) -> None:
    """An alert policy's part: {<ref_key>: name} or an inline object of `kind`."""
    if isinstance(item, dict) and _text(item.get(ref_key)):
        return
    if isinstance(item, dict) and item.get("kind") == kind:
        spec = item.get("spec")
        if not isinstance(spec, dict):
            raise ObjectRefused(f"{field}.spec is missing")
        check_description(spec, f"{field}.spec.description")
        if kind == "AlertCondition":
            _check_alert_condition(spec, f"{field}.spec")
        else:
            _check_notification_target(spec, f"{field}.spec")
        return
    keys = ", ".join(sorted(map(str, item))) if isinstance(item, dict) else type(item).__name__
    raise ObjectRefused(
        f"{field}: expected {ref_key} or an inline kind: {kind}, found {keys or 'nothing'}"
    )


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None
