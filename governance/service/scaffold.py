"""The scaffold part of the service: `meshgov new product`, a start that passes the bronze gate.

It writes an ODPS descriptor, an ODCS contract (every column classified, a latency SLA),
an OpenSLO freshness SLO, a Great Expectations suite with sample data, and `gx/validate.py`,
which runs the suite for real and stores the result where the descriptor says meshgov
finds its evidence. Run it, then `meshgov check dataproduct.yaml` passes the bronze gate.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml

from governance.errors import ScaffoldError

_NAME = re.compile(r"^[a-z][a-z0-9-]{1,62}[a-z0-9]$")
HEADER = "# Written by `meshgov new product`; edit freely.\n"


class Scaffold:
    """The scaffold part of MeshgovService: new products written from a template.

    It needs no workspace or store, so `meshgov new` builds it alone: Scaffold().new_product(...).
    """

    def new_product(self, name: str, domain: str, target: Path, owner: str) -> list[Path]:
        """Write the scaffold into target/<name>/; returns the files written."""
        for label, value in (("name", name), ("domain", domain)):
            if not _NAME.match(value):
                raise ScaffoldError(
                    f"{label} {value!r}: lower-case letters, digits and '-', 3-64 characters, "
                    "starting with a letter"
                )
        if "@" not in owner:
            raise ScaffoldError(f"owner {owner!r}: expected an email address")
        root = target / name
        if root.exists() and any(root.iterdir()):
            raise ScaffoldError(f"{root} exists and is not empty; choose another name or folder")
        suite = f"{name}.main"
        files = {
            "dataproduct.yaml": HEADER
            + yaml.safe_dump(_descriptor(name, domain, owner), sort_keys=False),
            f"contracts/{name}.yaml": HEADER
            + yaml.safe_dump(_contract(name, domain), sort_keys=False),
            f"slo/{name}.yaml": HEADER + yaml.safe_dump_all(_slo(name), sort_keys=False),
            f"gx/expectations/{suite}.json": json.dumps(_suite(suite), indent=2) + "\n",
            "gx/sample.csv": _SAMPLE,
            "gx/validate.py": _VALIDATE.replace("{suite}", suite).replace("{name}", name),
            "README.md": _README.replace("{name}", name),
        }
        written = []
        for relative, text in files.items():
            path = root / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written.append(path)
        return written


def _descriptor(name: str, domain: str, owner: str) -> dict[str, Any]:
    title = name.replace("-", " ").title()
    return {
        "apiVersion": "v1.0.0",
        "kind": "DataProduct",
        "id": name,
        "name": title,
        "version": "0.1.0",
        "status": "active",
        "domain": domain,
        "description": {
            "purpose": f"{title}: say here what the product is for and who uses it.",
            "limitations": "Say what consumers should not use it for.",
        },
        "tags": [domain],
        "customProperties": [
            {"property": "tier", "value": "bronze"},
            {
                "property": "evidence",
                "value": [
                    {"type": "great_expectations", "path": "gx/uncommitted/validations"},
                    {"type": "openslo", "path": "slo"},
                ],
            },
        ],
        "team": {
            "name": f"{title} team",
            "members": [{"username": owner, "name": owner.split("@")[0], "role": "owner"}],
        },
        "support": [
            {
                "channel": f"#{name}",
                "url": f"https://chat.example.com/channels/{name}",
                "tool": "slack",
                "scope": "interactive",
            }
        ],
        "outputPorts": [
            {
                "name": "main",
                "description": f"{title}, one row per record",
                "type": "tables",
                "version": "1.0.0",
                "contractId": name,
            }
        ],
    }


def _contract(name: str, domain: str) -> dict[str, Any]:
    columns = [
        ("id", "string", "internal", "Record id", True),
        ("created_at", "timestamp", "internal", "When the record was created", False),
        ("amount", "number", "internal", "Amount in EUR", False),
    ]
    return {
        "apiVersion": "v3.0.2",
        "kind": "DataContract",
        "id": name,
        "name": name.replace("-", " ").title(),
        "version": "1.0.0",
        "status": "active",
        "domain": domain,
        "dataProduct": name,
        "schema": [
            {
                "name": name.replace("-", "_"),
                "physicalType": "table",
                "properties": [
                    {
                        "name": column,
                        "logicalType": logical,
                        "classification": classification,
                        "description": description,
                        **({"primaryKey": True, "required": True} if key else {}),
                    }
                    for column, logical, classification, description, key in columns
                ],
            }
        ],
        "slaProperties": [
            {"property": "latency", "value": 24, "unit": "h"},
            {"property": "frequency", "value": 1, "unit": "d"},
        ],
    }


def _slo(name: str) -> list[dict[str, Any]]:
    query = f'sum(increase(freshness_probes_total{{data_product="{name}"%s}}[1d]))'
    return [
        {
            "apiVersion": "openslo/v1",
            "kind": "SLO",
            "metadata": {"name": f"{name}-freshness", "labels": {"data_product": name}},
            "spec": {
                "description": "99% of hourly probes find data at most 25 hours old",
                "service": name,
                "indicator": {
                    "metadata": {"name": f"{name}-fresh-probes"},
                    "spec": {
                        "ratioMetric": {
                            "counter": True,
                            "good": {
                                "metricSource": {
                                    "type": "Prometheus",
                                    "spec": {"query": query % ',fresh="true"'},
                                }
                            },
                            "total": {
                                "metricSource": {
                                    "type": "Prometheus",
                                    "spec": {"query": query % ""},
                                }
                            },
                        }
                    },
                },
                "timeWindow": [{"duration": "28d", "isRolling": True}],
                "budgetingMethod": "Occurrences",
                "objectives": [{"displayName": "Fresh data", "target": 0.99}],
            },
        }
    ]


def _suite(suite: str) -> dict[str, Any]:
    expectations = [
        ("expect_column_values_to_not_be_null", {"column": "id"}),
        ("expect_column_values_to_be_unique", {"column": "id"}),
        ("expect_column_values_to_not_be_null", {"column": "created_at"}),
        ("expect_column_values_to_be_between", {"column": "amount", "min_value": 0}),
    ]
    return {
        "name": suite,
        "expectations": [{"type": kind, "kwargs": kwargs} for kind, kwargs in expectations],
        "meta": {"written_by": "meshgov new product"},
    }


_SAMPLE = """id,created_at,amount
r-1,2026-01-01T08:00:00Z,12.5
r-2,2026-01-01T09:30:00Z,3.0
r-3,2026-01-02T10:15:00Z,99.9
"""

_VALIDATE = '''"""Run the {suite} suite on a CSV (default: sample.csv) and store the result.

    python gx/validate.py [data.csv]

The result lands in gx/uncommitted/validations/<suite>/__none__/<time>/<batch>.json, the
Great Expectations file-store layout that meshgov reads (see dataproduct.yaml, evidence).
"""

import json
import sys
from datetime import datetime, timezone
from pathlib import Path

import great_expectations as gx
import great_expectations.expectations as gxe
import pandas as pd

HERE = Path(__file__).parent
data = Path(sys.argv[1]) if len(sys.argv) > 1 else HERE / "sample.csv"
definition = json.loads((HERE / "expectations" / "{suite}.json").read_text())

context = gx.get_context(mode="ephemeral")
batch = (
    context.data_sources.add_pandas("{name}")
    .add_dataframe_asset("main")
    .add_batch_definition_whole_dataframe("whole")
)
suite = context.suites.add(gx.ExpectationSuite(name=definition["name"]))
for expectation in definition["expectations"]:
    class_name = "".join(part.title() for part in expectation["type"].split("_"))
    suite.add_expectation(getattr(gxe, class_name)(**expectation["kwargs"]))
validation = context.validation_definitions.add(
    gx.ValidationDefinition(name="{suite}.run", data=batch, suite=suite)
)
result = validation.run(batch_parameters={"dataframe": pd.read_csv(data)})
document = result.to_json_dict()
now = datetime.now(timezone.utc)
document.setdefault("meta", {})["run_id"] = {"run_name": None, "run_time": now.isoformat()}
stamp = now.strftime("%Y%m%dT%H%M%S.%fZ")
target = HERE / "uncommitted" / "validations" / definition["name"] / "__none__" / stamp
target.mkdir(parents=True, exist_ok=True)
(target / "{name}-main.json").write_text(json.dumps(document, indent=2))
print(f"{'passed' if result.success else 'FAILED'}: {target}")
sys.exit(0 if result.success else 1)
'''

_README = """# {name}

A data product scaffolded by `meshgov new product`. Next steps:

1. Fill in the description, tags and team in `dataproduct.yaml`, the schema in
   `contracts/{name}.yaml` (classify every column), and your expectations in
   `gx/expectations/`.
2. Run your checks: `python gx/validate.py your-data.csv` (writes the result where meshgov
   reads it).
3. Gate it: `meshgov check dataproduct.yaml` exits 1 while an enforced blocker fails.
4. Register it: `meshgov register .` in your meshgov workspace, with `slo/` and `gx/` as
   evidence sources.
"""
