"""`register`: ODPS descriptors and ODCS contracts into the store, on SQLite and PostgreSQL."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlalchemy import select

from governance.store.schema.tables import (
    contract_columns,
    contracts,
    domains,
    lineage_edges,
    ports,
    products,
)

REGISTRY_TABLES = (domains, products, ports, contracts, contract_columns, lineage_edges)


def dump(store) -> dict[str, list[tuple]]:
    """Every registry row, to compare whole-store states."""
    with store.read() as connection:
        return {
            table.name: sorted(map(tuple, connection.execute(select(table))), key=repr)
            for table in REGISTRY_TABLES
        }


@pytest.fixture
def mesh_copy(mesh_dir, tmp_path) -> Path:
    target = tmp_path / "mesh"
    shutil.copytree(mesh_dir, target)
    return target


def test_registers_products_ports_contracts_and_lineage(service, mesh_dir):
    report = service.registration.register([mesh_dir])
    assert report.ok, report.refused
    assert sorted(report.registered) == ["orders", "revenue"]

    orders = service.product_detail("orders")
    assert orders.product["domain_id"] == "sales"
    assert (orders.product["owner"], orders.product["tier"]) == ("ana@example.com", "gold")
    assert orders.product["support"][0]["channel"] == "#orders-help"
    assert [(p["kind"], p["name"]) for p in orders.ports] == [
        ("output", "orders-daily"),
        ("input", "shop-events"),
    ]
    [contract] = orders.contracts
    classification = {c["name"]: c["classification"] for c in contract["columns"]}
    assert classification == {
        "order_id": "internal",
        "customer_email": "restricted",
        "amount": "internal",
    }
    assert contract["locations"] == []  # a postgres server: the table is the location
    # orders serves orders-contract, which revenue's input port consumes
    assert [
        (e["downstream_product"], e["downstream_port"]) for e in orders.lineage["downstream"]
    ] == [("revenue", "orders")]
    revenue = service.product_detail("revenue")
    assert revenue.product["owner"] is None  # no team member holds the owner role
    assert [e["upstream_product"] for e in revenue.lineage["upstream"]] == ["orders"]


def test_reregistering_unchanged_files_changes_nothing(service, mesh_dir):
    service.registration.register([mesh_dir])
    before = dump(service.store)
    report = service.registration.register([mesh_dir])
    assert report.registered == [] and sorted(report.unchanged) == ["orders", "revenue"]
    assert report.contracts_written == []
    assert (report.lineage_added, report.lineage_removed) == (0, 0)
    assert dump(service.store) == before


def test_changed_descriptor_updates_and_keeps_first_registration_time(service, mesh_copy):
    service.registration.register([mesh_copy])
    first = service.product_detail("orders").product
    descriptor = mesh_copy / "products" / "orders.yaml"
    descriptor.write_text(descriptor.read_text().replace("status: active", "status: deprecated"))
    report = service.registration.register([mesh_copy])
    assert report.registered == ["orders"]
    updated = service.product_detail("orders").product
    assert updated["status"] == "deprecated"
    assert updated["registered_at"] == first["registered_at"]
    assert updated["updated_at"] >= first["updated_at"]


def test_dropping_an_input_port_removes_its_lineage(service, mesh_copy):
    service.registration.register([mesh_copy])
    descriptor = mesh_copy / "products" / "revenue.yaml"
    text = descriptor.read_text()
    start = text.index("inputPorts:")
    descriptor.write_text(text[:start] + text[text.index("outputPorts:") :])
    report = service.registration.register([mesh_copy])
    assert (report.lineage_added, report.lineage_removed) == (0, 1)
    assert service.product_detail("orders").lineage["downstream"] == []


BROKEN_PRODUCTS = {
    "missing id": ("id: orders\n", "", "id", "Field required"),
    "unknown status": ("status: active", "status: shiny", "status", "unknown status 'shiny'"),
    "typo in a field": ("outputPorts:", "outputPort:", "outputPort", "unknown field"),
    "port without version": (
        "    version: 1.0.0\n    contractId: orders-contract",
        "    contractId: orders-contract",
        "outputPorts[0].version",
        "Field required",
    ),
    "not YAML": ("name: Orders", "name: [Orders", "line", "not valid YAML"),
}


@pytest.mark.parametrize("case", BROKEN_PRODUCTS, ids=list(BROKEN_PRODUCTS))
def test_invalid_descriptor_is_refused_with_file_and_field_and_others_register(
    service, mesh_copy, case
):
    old, new, field, problem = BROKEN_PRODUCTS[case]
    descriptor = mesh_copy / "products" / "orders.yaml"
    text = descriptor.read_text()
    assert old in text
    descriptor.write_text(text.replace(old, new, 1))

    report = service.registration.register([mesh_copy])

    [error] = report.refused
    assert error.path == str(descriptor)
    assert error.field is not None and error.field.startswith(field)
    assert problem in error.problem
    assert str(descriptor) in str(error)
    assert report.registered == ["revenue"]
    rows = dump(service.store)
    assert [r[0] for r in rows["products"]] == ["revenue"]
    assert not any(r[0] == "orders" for r in rows["ports"])
    # the orders contract belongs to the refused product: nothing of it is written
    assert not any(r[0] == "orders-contract" for r in rows["contracts"])


def test_a_contract_published_elsewhere_is_a_warning_and_attaches_when_registered(
    service, mesh_copy
):
    descriptor = mesh_copy / "products" / "orders.yaml"
    contract = mesh_copy / "contracts" / "orders.odcs.yaml"
    elsewhere = mesh_copy.parent / "elsewhere"
    elsewhere.mkdir()
    contract = contract.rename(elsewhere / contract.name)

    report = service.registration.register([mesh_copy])

    assert report.ok and sorted(report.registered) == ["orders", "revenue"]
    [warning] = [w for w in report.warnings if "orders-contract" in w]
    assert warning.startswith(f"{descriptor}: outputPorts[0].contractId: ")
    assert "not found" in warning
    assert service.product_detail("orders").product["id"] == "orders"
    assert not any(r[0] == "orders-contract" for r in dump(service.store)["contracts"])

    report = service.registration.register([contract])  # the contract arrives later, on its own

    assert report.ok and report.contracts_written == ["orders-contract@1.0.0"]
    assert any(
        c["name"] == "order_id" for c in service.product_detail("orders").contracts[0]["columns"]
    )


def test_invalid_contract_refuses_the_product_serving_it(service, mesh_copy):
    contract = mesh_copy / "contracts" / "orders.odcs.yaml"
    contract.write_text(contract.read_text().replace("logicalType: number", "logicalType: money"))
    report = service.registration.register([mesh_copy])
    messages = [str(e) for e in report.refused]
    assert len(messages) == 2
    assert any(str(contract) in m and "schema[0].properties[2].logicalType" in m for m in messages)
    assert any(
        "orders.yaml" in m and "contract 'orders-contract' is invalid" in m for m in messages
    )
    assert report.registered == ["revenue"]


def test_contract_of_a_refused_product_waits_for_it(service, mesh_copy):
    (mesh_copy / "products" / "orders.yaml").write_text("kind: DataProduct\n")
    report = service.registration.register([mesh_copy])
    assert any("waits for its product 'orders'" in d for d in report.deferred)
    assert not any(r[0] == "orders-contract" for r in dump(service.store)["contracts"])


def test_a_named_file_of_another_kind_is_refused_but_found_ones_are_ignored(service, mesh_copy):
    other = mesh_copy / "slo.yaml"
    other.write_text("apiVersion: openslo/v1\nkind: SLO\nmetadata: {name: x}\n")
    report = service.registration.register([mesh_copy])
    assert report.ok and report.ignored == [str(other)]
    report = service.registration.register([other])
    assert [e.field for e in report.refused] == ["kind"]


def test_missing_path_and_duplicate_ids_are_refused(service, mesh_copy, tmp_path):
    twin = mesh_copy / "products" / "orders-twin.yaml"
    shutil.copy(mesh_copy / "products" / "orders.yaml", twin)
    report = service.registration.register([mesh_copy, tmp_path / "absent"])
    problems = sorted(e.problem for e in report.refused)
    assert problems[0] == "no such file or folder"
    assert problems[1].startswith("product 'orders' is also declared in ")
    # one of the twins registers (the first found); the other is refused, naming the first
    assert sorted(report.registered) == ["orders", "revenue"]


def test_inputs_no_product_serves_are_listed_as_sources(service, mesh_dir):
    service.registration.register([mesh_dir])
    lineage = service.product_detail("orders").lineage
    assert lineage["upstream"] == []
    assert lineage["sources"] == [
        {"port": "shop-events", "contract_id": "shop-events-contract", "contract_name": None}
    ]
    assert service.product_detail("revenue").lineage["sources"] == []


EVIDENCE_ENTRIES = {
    "not a list": ("{type: great_expectations}", "customProperties[1].value", "expected a list"),
    "missing path": (
        "[{type: great_expectations}]",
        "customProperties[1].value[0].path",
        "required",
    ),
    "unknown key": (
        "[{type: dbt, path: x, schedule: daily}]",
        "customProperties[1].value[0]",
        "unknown key(s) schedule",
    ),
}


@pytest.mark.parametrize("case", EVIDENCE_ENTRIES, ids=list(EVIDENCE_ENTRIES))
def test_declared_evidence_sources_are_validated(service, mesh_copy, case):
    value, field, problem = EVIDENCE_ENTRIES[case]
    descriptor = mesh_copy / "products" / "orders.yaml"
    descriptor.write_text(
        descriptor.read_text().replace(
            "    value: gold\n", f"    value: gold\n  - property: evidence\n    value: {value}\n"
        )
    )
    [error] = service.registration.register([mesh_copy]).refused
    assert (error.field, problem in error.problem) == (field, True)


def test_declared_evidence_becomes_a_source_relative_to_the_descriptor(service, mesh_copy):
    descriptor = mesh_copy / "products" / "orders.yaml"
    descriptor.write_text(
        descriptor.read_text().replace(
            "    value: gold\n",
            "    value: gold\n  - property: evidence\n"
            "    value: [{type: great_expectations, path: ../gx, options: {x: 1}}]\n",
        )
    )
    assert service.registration.register([mesh_copy]).ok
    [source] = service.collection.sources()
    assert (source.collector, source.product, source.options) == (
        "great_expectations",
        "orders",
        {"x": 1},
    )
    assert source.location == str(mesh_copy / "products" / ".." / "gx")
    assert source.origin == "descriptor of orders"
