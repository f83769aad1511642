"""`meshgov demo`: write the Harmonia Music demo workspace (descriptors, contracts, evidence).

The mesh is declared in demo.mesh, its quality evidence made in demo.evidence and the rest
(OpenLineage runs, OTLP logs, audit trail, OpenSLO SLOs and SLI samples) in demo.lineage,
demo.logs, demo.audit and demo.slos from one timeline of nightly jobs (demo.timeline); this
module turns the declarations into ODPS and ODCS files, lists every evidence source in
meshgov.yaml and decides what may be overwritten. Descriptors and contracts depend on
nothing random, so they are byte-identical from build to build; evidence depends only on
`seed` and `today`.
"""

from __future__ import annotations

import shutil
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import yaml

from governance.config import STORE_DIR, WORKSPACE_FILE
from governance.demo.audit import write_audit
from governance.demo.board_story import dev_identities, role_settings
from governance.demo.evidence import write_evidence
from governance.demo.lineage import write_lineage
from governance.demo.logs import write_logs
from governance.demo.mesh import PRODUCTS, SYSTEMS
from governance.demo.slos import write_slos
from governance.demo.spec import CHAT_URL, TICKETS_URL, ContractSpec, DemoProduct, Expectation
from governance.demo.timeline import declared_datasets
from governance.engine.policies import DEFAULT_POLICY_RULES

DEMO_NAME = "Harmonia Music (demo)"
# What a rebuild replaces; anything else a person put in the folder stays.
GENERATED = ("products", "evidence", "policy_rules", STORE_DIR)
HEADER = "# Written by `meshgov demo`; rebuilding the demo overwrites this file.\n"
# Every product's nightly job has run (retries included) by this time of day, UTC.
NIGHT_ENDS = time(max(p.run_hour for p in PRODUCTS) + 1)


def demo_clock(now: datetime | None = None) -> tuple[date, datetime]:
    """The demo's newest night, and the moment the demo is judged at.

    Before NIGHT_ENDS tonight's jobs have not all run, so the newest complete night is
    yesterday's and the demo is judged at the end of yesterday: no evidence is dated in the
    future, and every window holds the same nights whatever the hour the demo is built, so
    its stories and their figures do not move with the clock.
    """
    now = now or datetime.now(UTC)
    if now.timetz() >= NIGHT_ENDS.replace(tzinfo=UTC):
        return now.date(), now
    yesterday = now.date() - timedelta(days=1)
    return yesterday, datetime.combine(yesterday, time.max, tzinfo=UTC)


def build_demo(root: Path, seed: int = 7, days: int = 30, today: date | None = None) -> str:
    """Write the demo workspace into `root`; returns a one-line summary of what it holds."""
    if days < 1:
        raise ValueError(f"days must be at least 1, not {days}")
    today = today or demo_clock()[0]
    root = Path(root)
    _clear_previous_demo(root)
    root.mkdir(parents=True, exist_ok=True)
    _write_yaml(root / WORKSPACE_FILE, workspace_settings())
    for product in PRODUCTS:
        folder = root / "products" / product.domain
        _write_yaml(folder / f"{product.id}.yaml", product_descriptor(product))
        for port in product.outputs:
            suite = product.suite if port is product.evidence_port else ()
            document = contract_document(port.contract, product.domain, product.id, suite)
            _write_yaml(folder / "contracts" / f"{port.contract.id}.yaml", document)
    for system in SYSTEMS:
        path = root / "products" / system.domain / "contracts" / "systems"
        document = contract_document(system.contract, system.domain)
        _write_yaml(path / f"{system.contract.id}.yaml", document)
    # The workspace gets its own copy of the policy pack (global and the demo domains'
    # policies) so that people can edit a policy and re-run `meshgov evaluate`.
    shutil.copytree(DEFAULT_POLICY_RULES, root / "policy_rules", ignore=_not_policies)
    evidence = write_evidence(root, PRODUCTS, seed, days, today)
    # The other kinds follow the same nights and cite what validation found on each.
    events = write_lineage(root, PRODUCTS, evidence.outcomes, seed, days, today)
    logs = write_logs(root, PRODUCTS, evidence.outcomes, seed, days, today)
    audit = write_audit(root, PRODUCTS, seed, days, today)
    samples = write_slos(root, PRODUCTS, evidence.outcomes, seed, days, today)
    domains = {p.domain for p in PRODUCTS}
    return (
        f"{len(PRODUCTS)} products in {len(domains)} domains, {days} days of evidence: "
        f"{evidence.check_results} check results, {events} run events, {logs} log records, "
        f"{audit} audit events, {samples} SLI samples"
    )


def _not_policies(folder: str, names: list[str]) -> list[str]:
    return [n for n in names if n == "__pycache__" or n.endswith((".pyc", ".py"))]


def _clear_previous_demo(root: Path) -> None:
    """Remove what an earlier build wrote; refuse to touch a folder that is not a demo."""
    if not root.exists():
        return
    if not root.is_dir():
        raise ValueError(f"{root} is a file; choose a folder for the demo workspace")
    if not any(root.iterdir()):
        return
    if not is_demo_workspace(root):
        raise ValueError(
            f"{root} is not empty and is not a meshgov demo workspace (no {WORKSPACE_FILE} "
            "with `demo: true`); choose an empty or new folder for the demo"
        )
    for name in GENERATED:
        if (root / name).is_dir():
            shutil.rmtree(root / name)  # the store too: every demo starts from a clean store


def is_demo_workspace(root: Path) -> bool:
    """True when `root` holds a workspace file that `meshgov demo` wrote."""
    try:
        settings = yaml.safe_load((root / WORKSPACE_FILE).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return False
    return isinstance(settings, dict) and settings.get("demo") is True


def workspace_settings() -> dict[str, Any]:
    """meshgov.yaml: a Great Expectations source per product, then the platform's feeds."""
    sources: list[dict[str, Any]] = [
        {"type": "great_expectations", "path": f"evidence/{p.id}/gx", "product": p.id}
        for p in PRODUCTS
    ]
    # Platform-wide feeds name no product: the collectors attribute each record by what it
    # names (datasets, data_product attributes, labels), as they would in production.
    sources += [
        {"type": "openlineage", "path": "evidence/openlineage"},
        {"type": "otlp_logs", "path": "evidence/otel"},
        {"type": "audit_logs", "path": "evidence/audit", "options": {"format": "jsonl"}},
        {"type": "openslo", "path": "evidence/slo"},
        {"type": "sli_events", "path": "evidence/sli"},
    ]
    return {
        "name": DEMO_NAME,
        "demo": True,
        "sources": sources,
        "roles": role_settings(),
        # The demo has no identity provider: a picker lets visitors act as each demo person.
        "app": {"dev_identities": dev_identities()},
    }


def product_descriptor(product: DemoProduct) -> dict[str, Any]:
    """The product's ODPS v1.0.0 descriptor."""
    support = [
        {
            "channel": f"#{product.channel}",
            "url": f"{CHAT_URL}/{product.channel}",
            "tool": "slack",
            "scope": "interactive",
        }
    ]
    if product.tier == "gold":  # gold products promise a tracked path for incidents
        support.append(
            {
                "channel": f"{product.id} issues",
                "url": f"{TICKETS_URL}/{product.id}",
                "tool": "jira",
                "scope": "issues",
            }
        )
    custom = [
        {"property": "tier", "value": product.tier},
        {"property": "archetype", "value": product.archetype},
    ]
    if datasets := declared_datasets(product):
        # Contracts give a topic no dataset name; declare the one OpenLineage and audit use.
        custom.append({"property": "datasets", "value": datasets})
    return {
        "apiVersion": "v1.0.0",
        "kind": "DataProduct",
        "id": product.id,
        "name": product.name,
        "version": product.version,
        "status": product.status,
        "domain": product.domain,
        "description": {
            "purpose": product.purpose,
            "usage": product.usage,
            "limitations": product.limitations,
        },
        "tags": list(product.tags),
        "customProperties": custom,
        "team": {
            "name": f"{product.name} team",
            "members": [
                {"username": m.username, "name": m.name, "role": m.role} for m in product.team
            ],
        },
        "support": support,
        "inputPorts": [
            {"name": p.name, "version": p.version, "contractId": p.contract_id}
            for p in product.inputs
        ],
        "outputPorts": [
            {
                "name": p.name,
                "description": p.description,
                "type": p.type,
                "version": p.version,
                "contractId": p.contract.id,
            }
            for p in product.outputs
        ],
    }


def contract_document(
    spec: ContractSpec,
    domain: str,
    product_id: str | None = None,
    suite: tuple[Expectation, ...] = (),
) -> dict[str, Any]:
    """The ODCS v3 contract; a source system's has no dataProduct, a port's lists its checks."""
    properties = []
    for column in spec.columns:
        prop: dict[str, Any] = {
            "name": column.name,
            "logicalType": column.logical_type,
            "physicalType": column.physical_type,
            "description": column.description,
        }
        if column.primary_key:
            prop["primaryKey"] = True
        if column.required:
            prop["required"] = True
        if column.classification is not None:
            prop["classification"] = column.classification
        properties.append(prop)
    schema_object: dict[str, Any] = {
        "name": spec.object_name,
        "physicalType": spec.physical_type,
        "description": spec.description,
        "properties": properties,
    }
    if suite:
        schema_object["quality"] = [_quality_rule(e) for e in suite]
    document: dict[str, Any] = {
        "apiVersion": "v3.0.2",
        "kind": "DataContract",
        "id": spec.id,
        "name": spec.name,
        "version": spec.version,
        "status": spec.status,
        "domain": domain,
    }
    if product_id:
        document["dataProduct"] = product_id
    document["description"] = {"purpose": spec.description}
    document["servers"] = [spec.server]
    document["schema"] = [schema_object]
    document["slaProperties"] = [
        {"property": "latency", "value": spec.latency_hours, "unit": "h"},
        {"property": "frequency", "value": 1, "unit": "d"},
    ]
    return document


def _quality_rule(expectation: Expectation) -> dict[str, Any]:
    """An ODCS custom quality rule naming the GX expectation that enforces it."""
    kwargs = expectation.kwargs
    column = expectation.column
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    dimension, description = {
        "expect_column_values_to_not_be_null": ("completeness", f"{column} is never null"),
        "expect_column_values_to_be_unique": ("uniqueness", f"{column} is unique"),
        "expect_column_values_to_be_between": ("conformity", f"{column} is within {low}..{high}"),
        "expect_column_values_to_be_in_set": (
            "conformity",
            f"{column} is one of {', '.join(kwargs.get('value_set', []))}",
        ),
        "expect_column_values_to_match_regex": (
            "conformity",
            f"{column} matches {kwargs.get('regex')}",
        ),
        "expect_table_row_count_to_be_between": ("completeness", f"{low} to {high} rows a day"),
    }[expectation.type]
    return {
        "type": "custom",
        "engine": "greatExpectations",
        "dimension": dimension,
        "description": description,
        "implementation": {"type": expectation.type, "kwargs": kwargs},
    }


def _write_yaml(path: Path, document: dict[str, Any]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    text = yaml.safe_dump(document, sort_keys=False, allow_unicode=True, width=100)
    path.write_text(HEADER + text, encoding="utf-8")
