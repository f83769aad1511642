"""The facts document, field by field: the reference policy authors write CEL against.

`FIELDS` describes every field `governance/engine/facts.py` (plus `governance/engine/sli.py`)
puts into a product's facts document; `SECTIONS` introduces each top-level key. Paths use
dots for object keys and `[]` for list items (`owners[]` is the list, `owners[].username`
a field of each item); `quality.dimensions.<dimension>` stands for each quality dimension.

This module is the table; governance/engine/facts_schema.py renders it to docs/facts.md and
checks real facts documents against it.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from governance.engine.facts import DIMENSION_WORDS
from governance.model.evidence import AUDIT_WINDOW, LOGS_WINDOW, QUALITY_WINDOW, RUNS_WINDOW
from governance.model.vocabulary import (
    BUDGETING_METHODS,
    CHECK_DIMENSIONS,
    OWNER_ROLES,
    PRODUCT_STATUSES,
    SLO_STATES,
)

DIMENSION = "<dimension>"  # the placeholder for the keys of quality.dimensions

TYPES: tuple[str, ...] = (
    "string",
    "string|null",
    "number",
    "number|null",
    "integer",
    "boolean",
    "list<string>",
    "list<object>",
    "object",
    "timestamp",
    "timestamp|null",
)


@dataclass(frozen=True)
class FactField:
    """One field of the facts document."""

    path: str
    type: str
    description: str
    example: Any = None


def word_list(items: Iterable[str]) -> str:
    """Words as a Markdown list of code spans: `a`, `b`, `c`."""
    return ", ".join(f"`{item}`" for item in items)


_Q, _R, _L, _A = (w.days for w in (QUALITY_WINDOW, RUNS_WINDOW, LOGS_WINDOW, AUDIT_WINDOW))
_STATUSES = word_list(sorted(PRODUCT_STATUSES))
_OWNER_ROLES = word_list(sorted(OWNER_ROLES))
_DIMENSION_RULES = "; ".join(f"`{name}`: {', '.join(words)}" for name, words in DIMENSION_WORDS)
_CALENDAR = (
    "UTC calendar days from the day of `now` − {days} days through today "
    "(so up to {more} days of data)"
)
_QUALITY_DAYS = _CALENDAR.format(days=_Q, more=_Q + 1)
_LOG_DAYS = _CALENDAR.format(days=_L, more=_L + 1)
_MEMBER = {
    "username": "The member's `username` in the descriptor (usually an email); null when absent.",
    "name": "The member's display `name`; null when absent.",
    "role": "The member's `role` as written in the descriptor; null when absent.",
}

SECTIONS: dict[str, str] = {
    "now": (
        "The moment the document was built (the evaluation time). Every age (`*_age_hours`) "
        "and every window (`window_days`) in the document is measured back from it."
    ),
    "product": (
        "Who the product is, from its registered ODPS descriptor (`meshgov register`). "
        "Policies select products by these fields through `applies_to` (status, tier, tags)."
    ),
    "owners": (
        "The accountable people: the members of `team` whose role, lower-cased, is one of "
        f"{_OWNER_ROLES}. Each entry has the same shape as a `team` entry; the list is empty "
        "when nobody has an owner role."
    ),
    "team": (
        "The current team from the descriptor's `team` (members with a `dateOut` have left "
        "and are not listed), in declared order."
    ),
    "support": "Where consumers get help: the descriptor's `support` channels, in declared order.",
    "ports": (
        "The product's declared ports from the descriptor, `output` and `input`, each list "
        "sorted by port name."
    ),
    "contracts": (
        "One entry per output port whose `contract_id` names a contract registered in the "
        "store: the most recently registered version of that ODCS contract. Output ports "
        "without a registered contract contribute nothing, so an empty list means the product "
        "serves no registered contract. A contract served by two output ports appears twice."
    ),
    "classification": (
        "Data classification over the columns of every entry of `contracts` (the contracts "
        "the product serves), from each ODCS property's `classification`."
    ),
    "lineage": (
        "Neighbours in the mesh. Declared lineage wires an input port to every output port "
        "(of another product) that serves the same contract id; observed lineage comes from "
        f"OpenLineage events (the `openlineage` collector) of the last {_R} days. Lists hold "
        "product ids, sorted and without duplicates."
    ),
    "quality": (
        "Data-quality check results (Great Expectations, dbt tests, Soda, OpenLineage "
        "data-quality assertions and test run facets) attributed to the "
        "product. The `latest_*` fields read the newest run of each (tool, suite) pair at any "
        f"age; the `window_*` fields read the last {_Q} days. Pass rates are fractions 0–1 and "
        "are null, never 0, when there is no check to divide by."
    ),
    "runs": (
        "Pipeline runs attributed to the product, from OpenLineage run events and dbt run "
        f"results. Counts cover runs that ended (or, still running, started) in the last {_R} "
        "days; a run is finished when its state is `success`, `failed` or `aborted`."
    ),
    "logs": (
        f"Log records of the product's pipelines (the `otlp_logs` collector) over the last {_L} "
        "days, counted from the store's daily roll-up by severity band."
    ),
    "audit": (
        "The warehouse audit trail (the `audit_logs` collector: CloudTrail, pgaudit or generic "
        f"JSON lines) for the product's datasets over the last {_A} days: events at or after "
        f"`now` − {_A} days. Nothing bounds the window above, so events stamped after `now` "
        "count too."
    ),
    "slos": (
        "The product's service level objectives and their state at `now` (filled in by "
        "`governance.engine.sli.attach_slos`). First every OpenSLO SLO collected for the product "
        "(`openslo` collector), measured on its SLI samples (`sli_events`, `prometheus`); then, "
        "for each entry of `contracts` with an SLA latency, a freshness SLO named "
        "`<contract id>-freshness` (target 0.99 over 28 days, on hourly probes of the newest "
        "successful run: fresh while it is at most latency + update frequency hours old), "
        "unless an OpenSLO SLO already has that name. A product with no SLO has an empty list."
    ),
    "slo_summary": (
        "How many of the product's SLOs (`slos`) are in each state; every key is present, 0 "
        "when no SLO is in that state."
    ),
    "review": "The product's place in the review queue.",
    "waivers": (
        "Every waiver recorded for the product, whatever its status (requested, approved, "
        "rejected, revoked). Only entries with `active == true` waive a policy: the policy's "
        "outcome becomes `waived` instead of `fail`."
    ),
    "evidence": (
        "How current the product's evidence is: when a collector last finished a run over a "
        "source attributed to the product (a source configured with the product's id, "
        "declared in its descriptor, or collected with `--product`)."
    ),
}


FIELDS: tuple[FactField, ...] = (
    # --- now ---------------------------------------------------------------------------
    FactField(
        "now",
        "timestamp",
        "When the facts were built (the evaluation time), RFC 3339 in UTC with a `Z`.",
        "2026-06-01T12:00:00Z",
    ),
    # --- product -----------------------------------------------------------------------
    FactField("product.id", "string", "The descriptor's `id`, unique in the mesh.", "orders"),
    FactField(
        "product.name",
        "string",
        "The descriptor's `name`; the id when the descriptor has none.",
        "Orders",
    ),
    FactField("product.domain", "string", "The descriptor's `domain` (a domain id).", "sales"),
    FactField(
        "product.status",
        "string",
        f"Lifecycle status, lower-cased; one of {_STATUSES}.",
        "active",
    ),
    FactField(
        "product.tier",
        "string|null",
        "The descriptor's `tier` custom property as text (the demo uses `gold`, `silver`, "
        "`bronze`); null when not declared. Policies scope by it with `applies_to.tier`.",
        "gold",
    ),
    FactField(
        "product.version",
        "string|null",
        "The descriptor's `version`; null when absent.",
        "1.2.0",
    ),
    FactField(
        "product.description",
        "string|null",
        "The descriptor's `description` text; null when absent.",
    ),
    FactField(
        "product.tags[]",
        "list<string>",
        "The descriptor's `tags`, in declared order; empty when none.",
        ["sales", "orders"],
    ),
    # --- owners, team ------------------------------------------------------------------
    FactField(
        "owners[]",
        "list<object>",
        f"Team members whose role, lower-cased, is one of {_OWNER_ROLES}; empty when none.",
    ),
    FactField("owners[].username", "string|null", _MEMBER["username"], "ana@example.com"),
    FactField("owners[].name", "string|null", _MEMBER["name"], "Ana Silva"),
    FactField("owners[].role", "string|null", _MEMBER["role"], "owner"),
    FactField("team[]", "list<object>", "Every current team member, in declared order."),
    FactField("team[].username", "string|null", _MEMBER["username"], "ana@example.com"),
    FactField("team[].name", "string|null", _MEMBER["name"], "Ana Silva"),
    FactField("team[].role", "string|null", _MEMBER["role"], "data engineer"),
    # --- support -----------------------------------------------------------------------
    FactField("support[]", "list<object>", "Support channels; empty when none are declared."),
    FactField(
        "support[].channel",
        "string",
        "The channel's name (e.g. a chat channel or issue tracker project).",
        "#orders",
    ),
    FactField(
        "support[].url",
        "string",
        "Where to reach it; required by ODPS but may be an empty string.",
        "https://chat.example.com/channels/orders",
    ),
    FactField(
        "support[].tool",
        "string|null",
        "The tool behind the channel; null when not declared.",
        "slack",
    ),
    # --- ports -------------------------------------------------------------------------
    FactField("ports.output[]", "list<object>", "Output ports; empty when none are declared."),
    FactField("ports.output[].name", "string", "The port's name.", "orders-table"),
    FactField("ports.output[].version", "string", "The port's version.", "1.0.0"),
    FactField(
        "ports.output[].type",
        "string|null",
        "The port's ODPS `type` (e.g. `tables`, `topic`, `api`); null when not declared. "
        "Policies scope by it with `applies_to.port_types`.",
        "tables",
    ),
    FactField(
        "ports.output[].contract_id",
        "string|null",
        "The id of the contract the port serves; null when it names none.",
        "orders-contract",
    ),
    FactField(
        "ports.output[].has_contract",
        "boolean",
        "True when `contract_id` names a contract registered in the store (any status); false "
        "when it names none or the contract is not registered.",
        True,
    ),
    FactField(
        "ports.output[].contract_status",
        "string|null",
        "The ODCS `status` of the most recently registered version of that contract (e.g. "
        "`active`, `draft`, `deprecated`); null when `has_contract` is false.",
        "active",
    ),
    FactField("ports.input[]", "list<object>", "Input ports; empty when none are declared."),
    FactField("ports.input[].name", "string", "The port's name.", "customers"),
    FactField("ports.input[].version", "string", "The port's version.", "1.0.0"),
    FactField(
        "ports.input[].contract_id",
        "string",
        "The id of the contract the port consumes (required for input ports).",
        "customers-contract",
    ),
    FactField(
        "ports.input[].upstream_products[]",
        "list<string>",
        "Products with an output port serving `contract_id` (declared lineage), sorted; "
        "empty when no registered product serves it.",
        ["customers"],
    ),
    FactField(
        "ports.input[].upstream_deprecated[]",
        "list<string>",
        "The `upstream_products` whose status is `deprecated` or `retired`.",
        [],
    ),
    # --- contracts ---------------------------------------------------------------------
    FactField("contracts[]", "list<object>", "The served contracts (see above)."),
    FactField("contracts[].id", "string", "The contract's ODCS `id`.", "orders-contract"),
    FactField(
        "contracts[].version",
        "string",
        "The contract version in the facts: the most recently registered one.",
        "1.1.0",
    ),
    FactField(
        "contracts[].status",
        "string",
        "The contract's ODCS `status` (e.g. `proposed`, `draft`, `active`, `deprecated`, "
        "`retired`).",
        "active",
    ),
    FactField(
        "contracts[].columns",
        "integer",
        "How many columns (properties of all schema objects) the contract declares.",
        12,
    ),
    FactField(
        "contracts[].classified_columns",
        "integer",
        "How many of them carry a non-empty `classification`.",
        11,
    ),
    FactField(
        "contracts[].unclassified_columns[]",
        "list<string>",
        "Names of the columns without a `classification`; empty when all are classified.",
        ["email"],
    ),
    FactField(
        "contracts[].sla",
        "object",
        "The contract's ODCS `slaProperties`, normalised; properties other than the four "
        "below (names matched case-insensitively), and non-numeric values, are ignored. Units "
        "(`unit`, default hours): `m`/`min`/`minute(s)`, `h`/`hr`/`hour(s)`, `d`/`day(s)`, "
        "`w`/`week(s)`, `y`/`year(s)`; any other unit is read as hours. When a property is "
        "listed twice, the last one counts.",
    ),
    FactField(
        "contracts[].sla.latency_hours",
        "number|null",
        "The `latency` (or `freshness`) promise in hours: how old the data may be. Null when "
        "not declared. Turns into a freshness SLO in `slos`.",
        12,
    ),
    FactField(
        "contracts[].sla.frequency_hours",
        "number|null",
        "The update interval (`frequency` or `frequencyOfUpdate`) in hours; null when not "
        "declared.",
        24,
    ),
    FactField(
        "contracts[].sla.availability",
        "number|null",
        "The `availability` (or `uptime`) promise as a fraction 0–1 (values above 1 are read "
        "as percent: 99.9 → 0.999); null when not declared.",
        0.999,
    ),
    FactField(
        "contracts[].sla.retention_days",
        "number|null",
        "The `retention` promise in days; null when not declared.",
        365,
    ),
    FactField(
        "contracts[].quality_rules",
        "integer",
        "How many `quality` rules the contract's schema objects declare (rules listed under "
        "a schema object; rules nested under a property are not counted).",
        6,
    ),
    # --- classification ----------------------------------------------------------------
    FactField(
        "classification.columns",
        "integer",
        "Columns over all served contracts (0 when the product serves no registered contract).",
        12,
    ),
    FactField(
        "classification.classified",
        "integer",
        "How many of them carry a `classification`.",
        11,
    ),
    FactField(
        "classification.unclassified[]",
        "list<string>",
        "Names of the columns without a `classification` (a name may repeat across "
        "contracts); empty when all are classified.",
        ["email"],
    ),
    FactField(
        "classification.suspected_personal_unclassified[]",
        "list<string>",
        "The unclassified columns whose name suggests personal data (e-mail, phone, address, "
        "birth date, names, post code, IBAN, card number, national id, geo-location, search "
        "query, ...): the ones a reviewer should look at first.",
        ["email"],
    ),
    FactField(
        "classification.levels[]",
        "list<string>",
        "The distinct classification values used, sorted; empty when none.",
        ["confidential", "internal"],
    ),
    FactField(
        "classification.has_restricted",
        "boolean",
        "True when `levels` contains `restricted` or `confidential` (exact, lower-case).",
        True,
    ),
    # --- lineage -----------------------------------------------------------------------
    FactField(
        "lineage.upstream[]",
        "list<string>",
        "Products this one reads according to declared lineage (over all input ports).",
        ["customers"],
    ),
    FactField(
        "lineage.downstream[]",
        "list<string>",
        "Products that read this one according to declared lineage.",
        ["revenue"],
    ),
    FactField(
        "lineage.observed_upstream[]",
        "list<string>",
        f"Products seen feeding this one in OpenLineage events of the last {_R} days (the "
        "product itself excluded); empty without OpenLineage evidence.",
        ["customers"],
    ),
    FactField(
        "lineage.undeclared_upstream[]",
        "list<string>",
        "`observed_upstream` products that `upstream` does not declare: reads no input port "
        "declares.",
        [],
    ),
    FactField(
        "lineage.deprecated_upstream[]",
        "list<string>",
        "Declared or observed upstream products whose status is `deprecated` or `retired`.",
        [],
    ),
    FactField(
        "lineage.consumers",
        "integer",
        "How many products read this one (the length of `downstream`). Not the same as "
        "`audit.consumers`, which counts readers in the audit trail.",
        1,
    ),
    # --- quality -----------------------------------------------------------------------
    FactField(
        "quality.has_checks",
        "boolean",
        "True when the store holds any check result for the product, at any age.",
        True,
    ),
    FactField(
        "quality.window_days",
        "integer",
        f"The length of the quality window in days: always {_Q}.",
        _Q,
    ),
    FactField(
        "quality.window_checks",
        "integer",
        f"Check results on {_QUALITY_DAYS}, from the daily roll-up; 0 when none.",
        48,
    ),
    FactField(
        "quality.window_pass_rate",
        "number|null",
        "The fraction 0–1 of those results that passed; null when `window_checks` is 0.",
        0.979167,
    ),
    FactField(
        "quality.days_with_checks",
        "integer",
        f"How many of those calendar days have at least one check result (0 to {_Q + 1}).",
        _Q,
    ),
    FactField(
        "quality.latest_run_time",
        "timestamp|null",
        "When the newest check run (over all tools and suites) ran; null without checks.",
        "2026-06-01T05:18:05Z",
    ),
    FactField(
        "quality.latest_run_age_hours",
        "number|null",
        "Hours from `latest_run_time` to `now`; null without checks.",
        6.7,
    ),
    FactField(
        "quality.latest_checks",
        "integer",
        "Check results in the newest run of each (tool, suite) pair, at any age; 0 without checks.",
        6,
    ),
    FactField(
        "quality.latest_failed",
        "integer",
        "How many of the latest check results did not succeed.",
        1,
    ),
    FactField(
        "quality.latest_failed_checks[]",
        "list<string>",
        "The failed latest checks as `check_name(column)` (empty parentheses for table-level "
        "checks), sorted and without duplicates.",
        ["expect_column_values_to_not_be_null(amount)"],
    ),
    FactField(
        "quality.latest_pass_rate",
        "number|null",
        "The fraction 0–1 of the latest check results that succeeded; null without checks.",
        0.833333,
    ),
    FactField(
        "quality.tools[]",
        "list<string>",
        "The tools that produced the latest checks (`great_expectations`, `dbt`, `soda`, "
        "`openlineage` data-quality assertions and test run facets), sorted.",
        ["great_expectations"],
    ),
    FactField(
        "quality.suites[]",
        "list<string>",
        "The suites of the latest checks (a GX expectation suite, dbt model, Soda table or "
        "OpenLineage dataset name), sorted.",
        ["orders.orders-table"],
    ),
    FactField(
        "quality.dimensions",
        "object",
        f"Quality by dimension, always with every key: {word_list(CHECK_DIMENSIONS)}. A check's "
        "dimension is the first whose words occur in its name (case-insensitive) — "
        f"{_DIMENSION_RULES} — else `other`. Address one as e.g. "
        "`facts.quality.dimensions.completeness`.",
    ),
    FactField(
        f"quality.dimensions.{DIMENSION}",
        "object",
        "The checks of one dimension; the four fields below.",
    ),
    FactField(
        f"quality.dimensions.{DIMENSION}.latest_checks",
        "integer",
        "The dimension's share of `quality.latest_checks`; 0 when it has none.",
        2,
    ),
    FactField(
        f"quality.dimensions.{DIMENSION}.latest_pass_rate",
        "number|null",
        "The fraction 0–1 of those that succeeded; null when `latest_checks` is 0.",
        0.5,
    ),
    FactField(
        f"quality.dimensions.{DIMENSION}.window_checks",
        "integer",
        f"The dimension's check results with a run time in the last {_Q} × 24 hours. A rolling "
        "window, unlike the calendar days of `quality.window_checks`, so the dimensions may "
        "add up to less than that.",
        14,
    ),
    FactField(
        f"quality.dimensions.{DIMENSION}.window_pass_rate",
        "number|null",
        "The fraction 0–1 of those that passed; null when `window_checks` is 0.",
        1.0,
    ),
    # --- runs --------------------------------------------------------------------------
    FactField(
        "runs.window_days",
        "integer",
        f"The length of the runs window in days: always {_R}.",
        _R,
    ),
    FactField(
        "runs.total",
        "integer",
        f"Finished runs (`success`, `failed`, `aborted`) in the last {_R} days; 0 without run "
        "evidence.",
        30,
    ),
    FactField("runs.succeeded", "integer", "How many of them succeeded.", 29),
    FactField(
        "runs.failed",
        "integer",
        "How many of them did not succeed (`failed` or `aborted`).",
        1,
    ),
    FactField(
        "runs.success_rate",
        "number|null",
        "`succeeded / total` as a fraction 0–1; null when `total` is 0.",
        0.966667,
    ),
    FactField(
        "runs.last_state",
        "string|null",
        f"The state of the most recent run of the last {_R} days (by end time, or start time "
        "while running): `running`, `success`, `failed` or `aborted`; null when there is none.",
        "success",
    ),
    FactField(
        "runs.last_run_time",
        "timestamp|null",
        "When that run ended (or started, while running); null when there is none.",
        "2026-06-01T05:12:44Z",
    ),
    FactField(
        "runs.last_success_time",
        "timestamp|null",
        "When the newest successful run ended, at any age (not limited to the window); null "
        "when no run ever succeeded.",
        "2026-06-01T05:12:44Z",
    ),
    FactField(
        "runs.last_success_age_hours",
        "number|null",
        "Hours from `last_success_time` to `now`: how stale the data is. Null when no run "
        "ever succeeded.",
        6.8,
    ),
    FactField(
        "runs.jobs[]",
        "list<string>",
        f"The distinct job names of the runs of the last {_R} days (finished or not), sorted.",
        ["airflow-sales/orders_daily.build"],
    ),
    # --- logs --------------------------------------------------------------------------
    FactField(
        "logs.window_days",
        "integer",
        f"The length of the logs window in days: always {_L}.",
        _L,
    ),
    FactField(
        "logs.records",
        "integer",
        f"Log records on {_LOG_DAYS}; 0 without log evidence.",
        172,
    ),
    FactField(
        "logs.errors",
        "integer",
        "How many of them have severity `ERROR` or `FATAL`.",
        2,
    ),
    FactField("logs.warnings", "integer", "How many of them have severity `WARN`.", 5),
    FactField(
        "logs.error_rate",
        "number|null",
        "`errors / records` as a fraction 0–1; null when `records` is 0.",
        0.011628,
    ),
    # --- audit -------------------------------------------------------------------------
    FactField(
        "audit.window_days",
        "integer",
        f"The length of the audit window in days: always {_A}.",
        _A,
    ),
    FactField(
        "audit.consumers",
        "integer",
        "Distinct actors with read-only events in the window; 0 without audit evidence. Not "
        "the same as `lineage.consumers`.",
        9,
    ),
    FactField(
        "audit.accesses",
        "integer",
        "Read-only events (queries, reads) in the window; 0 without audit evidence.",
        105,
    ),
    FactField(
        "audit.changes",
        "integer",
        "Events that are not read-only (writes, schema changes, grants) in the window; 0 "
        "without audit evidence.",
        37,
    ),
    FactField(
        "audit.last_access_time",
        "timestamp|null",
        "The newest read-only event in the window; null when there is none.",
        "2026-06-01T09:53:39Z",
    ),
    FactField(
        "audit.last_access_age_hours",
        "number|null",
        "Hours from `last_access_time` to `now` (negative when the event is stamped after "
        "`now`); null when there is no read-only event in the window.",
        2.1,
    ),
    # --- slos --------------------------------------------------------------------------
    FactField("slos[]", "list<object>", "The SLOs (see above), OpenSLO ones first."),
    FactField(
        "slos[].name",
        "string",
        "The SLO's name: the OpenSLO `metadata.name` (`<name>/<objective displayName>` when "
        "the SLO has several objectives), or `<contract id>-freshness`.",
        "orders-freshness",
    ),
    FactField(
        "slos[].source",
        "string",
        "Where the SLO is declared: `openslo` (an OpenSLO file) or `odcs` (a contract's SLA "
        "latency).",
        "openslo",
    ),
    FactField(
        "slos[].budgeting_method",
        "string",
        f"The OpenSLO budgeting method: {word_list(BUDGETING_METHODS)} (contract SLOs "
        "are `Occurrences`).",
        "Occurrences",
    ),
    FactField(
        "slos[].target",
        "number",
        "The objective as a fraction in (0, 1): the share of good events (or slices) promised.",
        0.99,
    ),
    FactField(
        "slos[].period_days",
        "number",
        "The SLO's rolling window in days, ending at `now`.",
        28.0,
    ),
    FactField(
        "slos[].attainment",
        "number|null",
        "The share 0–1 of good events (or good slices) over the period; null when the period "
        "holds no SLI data (status `no_data`).",
        0.998,
    ),
    FactField(
        "slos[].error_budget_remaining",
        "number|null",
        "The share of the error budget left over the period: 1 untouched, 0 spent, negative "
        "overspent (-1 means twice the budget was used); null when there is no data.",
        0.8,
    ),
    FactField(
        "slos[].burn_rate_long",
        "number|null",
        "How fast the budget burns over the long alerting window (period / 10, e.g. 2.8 days "
        "of 28): 1 spends exactly the whole budget over one period, above 1 faster. Null when "
        "that window holds no data.",
        0.3,
    ),
    FactField(
        "slos[].burn_rate_short",
        "number|null",
        "The burn rate over the short window (the long window / 12), which confirms the long "
        "one is still burning now; null when that window holds no data.",
        0.4,
    ),
    FactField(
        "slos[].time_to_exhaustion_hours",
        "number|null",
        "Hours until the budget is spent at the long-window burn rate; 0 when it already is; "
        "null when there is no data or nothing is burning.",
        1637.2,
    ),
    FactField(
        "slos[].status",
        "string",
        f"One of {word_list(SLO_STATES)}, first match wins: `no_data` (no SLI data in the "
        "period), `exhausted` (no budget left), `breached` (a page-level burn: 14.4 over "
        "period/720 or 6 over period/120, confirmed by its short window), `at_risk` (burn "
        "rate at least 1 in both ticket windows, or less than a quarter of the budget left), "
        "`ok`.",
        "ok",
    ),
    # --- slo_summary -------------------------------------------------------------------
    FactField("slo_summary.declared", "integer", "How many SLOs `slos` holds.", 2),
    *(
        FactField(
            f"slo_summary.{state}",
            "integer",
            f"How many SLOs have status `{state}`.",
            0,
        )
        for state in SLO_STATES
    ),
    # --- review ------------------------------------------------------------------------
    FactField(
        "review.open_items",
        "integer",
        "Open items for the product in the review queue; 0 when there are none or when the "
        "evaluation is given no queue counts.",
        0,
    ),
    # --- waivers -----------------------------------------------------------------------
    FactField("waivers[]", "list<object>", "The product's waivers; empty when it has none."),
    FactField(
        "waivers[].policy_id",
        "string",
        "The id of the policy the waiver is for.",
        "quality-pass-rate",
    ),
    FactField(
        "waivers[].reason",
        "string",
        "Why the waiver was requested.",
        "migration to the new warehouse planned for June",
    ),
    FactField(
        "waivers[].approved_by",
        "string|null",
        "Who approved it; null while it is not approved.",
        "governance-board",
    ),
    FactField(
        "waivers[].expires_at",
        "timestamp|null",
        "When the waiver ends; null when it does not expire.",
        "2026-07-01T00:00:00Z",
    ),
    FactField(
        "waivers[].active",
        "boolean",
        "True when the waiver is approved and has not expired (`expires_at` is null or after "
        "`now`); only active waivers waive a policy.",
        True,
    ),
    # --- evidence ----------------------------------------------------------------------
    FactField(
        "evidence.last_collected_time",
        "timestamp|null",
        "When a collector run over one of the product's evidence sources last finished: any "
        "collector, at any age, whatever its outcome (a failed run counts too); null when "
        "none ever ran.",
        "2026-06-01T06:00:00Z",
    ),
    FactField(
        "evidence.age_hours",
        "number|null",
        "Hours from `last_collected_time` to `now`; null when no collector ever ran for the "
        "product (missing evidence is not fresh evidence).",
        6.0,
    ),
)
