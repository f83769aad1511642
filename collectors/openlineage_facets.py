"""The OpenLineage facets meshgov reads, each checked against the fields its spec requires.

A facet meshgov reads is validated the way the spec's facet schema says (required fields,
field types) before anything is kept from it: a malformed one refuses its event naming the
field, as OpenLineage's own proxy refuses it. Facets meshgov does not read are neither
validated nor kept; the collector names them in one warning per file. A facet marked
``"_deleted": true`` says the facet was removed and is skipped.

- ``dataQualityAssertions`` 1-0 (assertion, success, column) and 1-1 (adds severity, name,
  description, expected, actual, content, contentType, params): the checks of a dataset.
- ``dataQualityMetrics`` (DataQualityMetricsDatasetFacet 1-0 and the input facet 1-0-x):
  rowCount, bytes, fileCount, lastUpdated and columnMetrics (nullCount, distinctCount, sum,
  count, min, max, quantiles per column).
- ``inputStatistics`` / ``outputStatistics``: rowCount, size, fileCount.
- ``ownership`` (dataset and job): owners with a name and an optional type.
- ``test`` (TestRunFacet 1-0-x): the tests a run executed, each with name and status.
- ``parent`` (ParentRunFacet 1-0 to 1-2, with ``root``), ``errorMessage``, ``nominalTime``,
  ``processing_engine`` (run) and ``jobType`` (job): details of the run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from collectors.json_lines import json_type
from governance.errors import EventError

# Facets read, by where they sit; what is not here is named in the file's warning.
RUN_FACETS = frozenset({"parent", "errorMessage", "nominalTime", "processing_engine", "test"})
JOB_FACETS = frozenset({"jobType", "ownership"})
DATASET_FACETS = (
    "dataQualityAssertions",
    "dataQualityMetrics",
    "ownership",
    "inputStatistics",
    "outputStatistics",
)
_ASSERTION_TEXTS = ("severity", "name", "description", "expected", "actual", "content")
_ASSERTION_TEXTS += ("contentType",)
_ASSERTION_OPTIONAL = ("column", *_ASSERTION_TEXTS)
_TEST_TEXTS = ("severity", "type", "description", "expected", "actual", "content", "contentType")
_METRIC_COUNTS = ("rowCount", "bytes", "fileCount")
_STATISTIC_COUNTS = ("rowCount", "size", "fileCount")
_MAX_NAMES_SHOWN = 12
MAX_STACK_TRACE = 2000  # characters of an errorMessage stack trace kept with the run


@dataclass
class Notes:
    """What one file held that meshgov could not use, said once per kind."""

    unread: set[str] = field(default_factory=set)
    not_kept: set[str] = field(default_factory=set)
    severities: set[str] = field(default_factory=set)
    statuses: set[str] = field(default_factory=set)
    incomplete: set[str] = field(default_factory=set)

    def update(self, other: Notes) -> None:
        """Add another event's notes."""
        self.unread |= other.unread
        self.not_kept |= other.not_kept
        self.severities |= other.severities
        self.statuses |= other.statuses
        self.incomplete |= other.incomplete

    def warnings(self) -> list[str]:
        """One warning per kind of thing that was not used."""
        said = []
        if self.unread:
            said.append(f"facets meshgov does not read were left out: {names(self.unread)}")
        if self.not_kept:
            said.append(
                "facets read but not stored, as their event reports no run state (OTHER, "
                f"JobEvent, DatasetEvent) nor assertions to keep them with: {names(self.not_kept)}"
            )
        if self.incomplete:
            said.append(
                f"fields the spec requires are missing; read without them: {names(self.incomplete)}"
            )
        if self.severities:
            said.append(
                f"assertion severity {names(self.severities)} is neither warn nor error: "
                "a failed assertion of that severity is recorded as a failure"
            )
        if self.statuses:
            said.append(
                f"tests with status {names(self.statuses)} (not pass, fail or skip) were "
                "not recorded"
            )
        return said


def names(found: set[str]) -> str:
    """Sorted names, the first few of them, and how many more."""
    shown = sorted(found)
    more = len(shown) - _MAX_NAMES_SHOWN
    return ", ".join(shown[:_MAX_NAMES_SHOWN]) + (f" and {more} more" if more > 0 else "")


def active_facets(container: dict[str, Any], key: str, where: str) -> dict[str, Any]:
    """The facets under `key` that are not deleted; {} when there are none."""
    facets = container.get(key)
    if facets is None:
        return {}
    if not isinstance(facets, dict):
        raise EventError(f"{where} must be an object, found {json_type(facets)}")
    return {
        name: facet
        for name, facet in facets.items()
        if not (isinstance(facet, dict) and facet.get("_deleted") is True)
    }


def facet_object(facets: dict[str, Any], name: str, where: str) -> dict[str, Any] | None:
    """A read facet as an object, or None when absent."""
    facet = facets.get(name)
    if facet is None:
        return None
    if not isinstance(facet, dict):
        raise EventError(f"{where}.{name} must be an object, found {json_type(facet)}")
    return facet


def _objects(facet: dict[str, Any], key: str, where: str) -> list[tuple[str, dict[str, Any]]]:
    """A facet's array of objects, each with where it is: refused naming the first that is not."""
    items = facet.get(key)
    if not isinstance(items, list):
        raise EventError(f"{where}.{key} must be an array, found {json_type(items)}")
    found = []
    for index, item in enumerate(items):
        at = f"{where}.{key}[{index}]"
        if not isinstance(item, dict):
            raise EventError(f"{at} must be an object, found {json_type(item)}")
        found.append((at, item))
    return found


def assertions(facet: dict[str, Any], where: str) -> list[dict[str, Any]]:
    """The assertions of a dataQualityAssertions facet, validated (1-0 and 1-1 shapes)."""
    items = facet.get("assertions")
    if type(items) is list and all(_well_formed(item) for item in items):
        return items  # the common case, checked without building a message per field
    for at, assertion in _objects(facet, "assertions", f"{where}.dataQualityAssertions"):
        text(assertion, "assertion", f"{at}.")
        if not isinstance(assertion.get("success"), bool):
            raise EventError(f"{at}.success must be true or false")
        for key in _ASSERTION_OPTIONAL:
            optional_text(assertion, key, f"{at}.")
        optional_object(assertion, "params", f"{at}.")
    return facet["assertions"]


def _well_formed(assertion: Any) -> bool:
    """Whether an assertion passes every check `assertions` makes (then: no message needed)."""
    if type(assertion) is not dict:
        return False
    name = assertion.get("assertion")
    if type(name) is not str or not name.strip() or type(assertion.get("success")) is not bool:
        return False
    for key in _ASSERTION_OPTIONAL:
        value = assertion.get(key)
        if value is not None and type(value) is not str:
            return False
    params = assertion.get("params")
    return params is None or type(params) is dict


def tests(facet: dict[str, Any], where: str) -> list[dict[str, Any]]:
    """The test executions of a TestRunFacet, validated."""
    for at, test in _objects(facet, "tests", f"{where}.test"):
        text(test, "name", f"{at}.")
        text(test, "status", f"{at}.")
        for key in _TEST_TEXTS:
            optional_text(test, key, f"{at}.")
        optional_object(test, "params", f"{at}.")
    return facet["tests"]


def metrics(facet: dict[str, Any], where: str, notes: Notes) -> dict[str, Any]:
    """A dataQualityMetrics facet as kept: its counts, lastUpdated and columnMetrics.

    The spec requires columnMetrics, but OpenLineage's own full example event (the fluentd
    proxy's event_full.json) has none: a facet without it is read with no column metrics, and
    the file's warnings say so, rather than the whole run being refused.
    """
    where = f"{where}.dataQualityMetrics"
    columns = facet.get("columnMetrics")
    if columns is None:
        notes.incomplete.add("dataQualityMetrics.columnMetrics")
        columns = {}
    if not isinstance(columns, dict):
        raise EventError(f"{where}.columnMetrics must be an object, found {json_type(columns)}")
    for column, values in columns.items():
        if not isinstance(values, dict):
            raise EventError(
                f"{where}.columnMetrics.{column} must be an object, found {json_type(values)}"
            )
        for key in ("nullCount", "distinctCount"):
            optional_integer(values, key, f"{where}.columnMetrics.{column}.")
    kept: dict[str, Any] = {}
    for key in _METRIC_COUNTS:
        if (value := optional_integer(facet, key, f"{where}.")) is not None:
            kept[key] = value
    if (updated := optional_text(facet, "lastUpdated", f"{where}.")) is not None:
        kept["lastUpdated"] = updated
    kept["columnMetrics"] = columns
    return kept


def statistics(facet: dict[str, Any], where: str) -> dict[str, int]:
    """An inputStatistics or outputStatistics facet: rowCount, size, fileCount."""
    kept = {}
    for key in _STATISTIC_COUNTS:
        if (value := optional_integer(facet, key, f"{where}.")) is not None:
            kept[key] = value
    return kept


def owners(facet: dict[str, Any], where: str) -> list[dict[str, str]]:
    """The owners of an ownership facet (dataset or job): name and, when given, type."""
    if facet.get("owners") is None:
        return []
    kept = []
    for at, owner in _objects(facet, "owners", f"{where}.ownership"):
        entry = {"name": text(owner, "name", f"{at}.")}
        if (kind := optional_text(owner, "type", f"{at}.")) is not None:
            entry["type"] = kind
        kept.append(entry)
    return kept


def run_details(facets: dict[str, Any], where: str) -> dict[str, Any]:
    """What the run facets say about the run: parent and root, error, nominal time, engine."""
    details: dict[str, Any] = {}
    if (parent := facet_object(facets, "parent", where)) is not None:
        at = f"{where}.parent"
        run = required_object(parent, "run", f"{at}.")
        details["parent_run_id"] = text(run, "runId", f"{at}.run.")
        details["parent_job"] = job_name(required_object(parent, "job", f"{at}."), f"{at}.job.")
        if (root := optional_object(parent, "root", f"{at}.")) is not None:
            root_run = required_object(root, "run", f"{at}.root.")
            details["root_run_id"] = text(root_run, "runId", f"{at}.root.run.")
            root_job = required_object(root, "job", f"{at}.root.")
            details["root_job"] = job_name(root_job, f"{at}.root.job.")
    if (error := facet_object(facets, "errorMessage", where)) is not None:
        at = f"{where}.errorMessage."
        details["error_message"] = text(error, "message", at, empty=True)
        if (language := optional_text(error, "programmingLanguage", at)) is not None:
            details["error_language"] = language
        if (trace := optional_text(error, "stackTrace", at)) is not None:
            details["error_stack_trace"] = trace[:MAX_STACK_TRACE]
    if (nominal := facet_object(facets, "nominalTime", where)) is not None:
        at = f"{where}.nominalTime."
        details["nominal_start_time"] = text(nominal, "nominalStartTime", at)
        if (end := optional_text(nominal, "nominalEndTime", at)) is not None:
            details["nominal_end_time"] = end
    if (engine := facet_object(facets, "processing_engine", where)) is not None:
        at = f"{where}.processing_engine."
        text(engine, "version", at)
        details["processing_engine"] = _texts(
            engine, ("name", "version", "openlineageAdapterVersion"), at
        )
    return details


def job_details(facets: dict[str, Any], where: str) -> dict[str, Any]:
    """What the job facets say: its type (jobType 2-0-x) and owners."""
    details: dict[str, Any] = {}
    if (job_type := facet_object(facets, "jobType", where)) is not None:
        at = f"{where}.jobType."
        text(job_type, "processingType", at)
        text(job_type, "integration", at)
        details["job_type"] = _texts(job_type, ("processingType", "integration", "jobType"), at)
    if (ownership := facet_object(facets, "ownership", where)) is not None:
        details["job_owners"] = owners(ownership, where)
    return details


def job_name(job: dict[str, Any], prefix: str) -> str:
    """`<namespace>/<name>` of a job object."""
    return f"{text(job, 'namespace', prefix)}/{text(job, 'name', prefix)}"


def _texts(facet: dict[str, Any], keys: tuple[str, ...], prefix: str) -> dict[str, str]:
    return {key: value for key in keys if (value := optional_text(facet, key, prefix)) is not None}


def required_object(container: dict[str, Any], key: str, prefix: str) -> dict[str, Any]:
    """An object field that must be there."""
    value = optional_object(container, key, prefix)
    if value is None:
        raise EventError(f"{prefix}{key} is missing")
    return value


def optional_object(container: dict[str, Any], key: str, prefix: str) -> dict[str, Any] | None:
    """An object field, or None when absent."""
    value = container.get(key)
    if value is not None and not isinstance(value, dict):
        raise EventError(f"{prefix}{key} must be an object, found {json_type(value)}")
    return value


def text(container: dict[str, Any], key: str, prefix: str, *, empty: bool = False) -> str:
    """A string field that must be there (and, unless `empty`, hold more than blanks)."""
    value = container.get(key)
    if value is None:
        raise EventError(f"{prefix}{key} is missing")
    if not isinstance(value, str):
        raise EventError(f"{prefix}{key} must be a string, found {json_type(value)}")
    if not empty and not value.strip():
        raise EventError(f"{prefix}{key} is empty")
    return value


def optional_text(container: dict[str, Any], key: str, prefix: str) -> str | None:
    """A string field, or None when absent."""
    value = container.get(key)
    if value is not None and not isinstance(value, str):
        raise EventError(f"{prefix}{key} must be a string, found {json_type(value)}")
    return value


def optional_integer(container: dict[str, Any], key: str, prefix: str) -> int | None:
    """An integer field (10.0 counts as 10, as in JSON Schema), or None when absent."""
    value = container.get(key)
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise EventError(f"{prefix}{key} must be an integer, found {json_type(value)}")
    return value
