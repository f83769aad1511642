"""ODPS descriptors and ODCS contracts as the standards publish them: read, kept, warned, refused.

The corpus under odps/ and odcs/ is judged file by file by test_conformance.py; these tests
pin what a user sees for the forms each version adds.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from governance.cli import app
from governance.descriptors import DescriptorError, parse_contract, parse_product

HERE = Path(__file__).parent
ODPS = HERE / "odps"
ODCS = HERE / "odcs"


def contract(path: Path, warnings: list[str] | None = None):
    return parse_contract(path.read_bytes(), str(path), warnings=warnings)


def product(path: Path, warnings: list[str] | None = None):
    return parse_product(path.read_bytes(), str(path), warnings=warnings)


def test_odps_1_0_team_object_registers_with_its_odcs_3_1_contract(service):
    """The issue's case: both files use `team: {name, members}`; nothing is refused."""
    report = service.registration.register(
        [
            ODPS / "v1_0" / "rentals-team-object.odps.yaml",
            ODPS / "contracts" / "rentals.odcs.yaml",
            ODPS / "contracts" / "bike-telemetry.odcs.yaml",
        ]
    )
    assert (report.refused, report.deferred) == ([], [])
    assert report.registered == ["rentals"]
    assert sorted(report.contracts_written) == [
        "bike-telemetry-contract@2.0.0",
        "rentals-contract@1.0.0",
    ]
    rentals = service.product_detail("rentals")
    assert (rentals.product["owner"], rentals.product["owner_name"]) == (
        "sana@mobility.example",
        "Sana Idris",
    )
    [served] = rentals.contracts
    assert served["id"] == "rentals-contract"
    assert served["document"]["team"]["members"][0]["role"] == "owner"


def test_odps_team_in_both_forms_names_the_same_owner():
    listed = product(ODPS / "v0_9" / "rentals-team-list.odps.yaml")
    nested = product(ODPS / "v1_0" / "rentals-team-object.odps.yaml")
    assert listed.owner == nested.owner
    assert [m.username for m in nested.team] == ["sana@mobility.example", "joel@mobility.example"]


def test_odps_1_0_additions_are_kept_on_the_product():
    fleet = product(ODPS / "v1_0" / "fleet-every-field.odps.yaml")
    odps = fleet.custom_properties["odps"]
    assert odps["team"]["name"] == "Fleet data"
    assert odps["team"]["description"] == "Owns the fleet's data."
    assert (odps["tenant"], odps["productCreatedTs"]) == ("CityBikes", "2022-01-10T09:00:00Z")
    assert odps["limitations"].startswith("Bikes in the workshop")
    assert odps["ports"]["outputPorts"]["bikes@2.0.0"]["inputContracts"] == [
        {"id": "bike-telemetry-contract", "version": "2.0.0"}
    ]
    assert len(odps["ports"]["outputPorts"]["bikes@2.0.0"]["sbom"]) == 2
    assert [m["name"] for m in odps["managementPorts"]] == ["fleet-dictionary", "fleet-health"]
    assert odps["support"]["#fleet"]["invitationUrl"].endswith("/join/fleet")
    # a member who left (dateOut) is not on the team, but who replaced whom is kept
    assert [m.username for m in fleet.team] == ["ada@citybikes.example", "cem@citybikes.example"]
    assert {"username": "ben@citybikes.example", "dateIn": "2022-01-10"}.items() <= odps["team"][
        "members"
    ][1].items()
    assert fleet.custom_properties["tier"] == "silver" and fleet.tier == "silver"


def test_odps_fields_meshgov_does_not_use_are_warnings_not_refusals():
    said: list[str] = []
    path = ODPS / "v1_0" / "fleet-every-field.odps.yaml"
    product(path, said)
    assert f"{path}: authoritativeDefinitions: meshgov does not use it" in said
    assert f"{path}: team.tags: meshgov does not use it" in said
    assert any(w.startswith(f"{path}: outputPorts[1].customProperties: ") for w in said)
    assert all(w.startswith(f"{path}: ") for w in said)


def test_odps_without_domain_is_filed_under_unassigned_with_a_warning():
    said: list[str] = []
    docks = product(ODPS / "v1_0" / "docks-no-domain.odps.yaml", said)
    assert docks.domain == "unassigned"
    assert any("domain: no domain" in w for w in said)


def test_odcs_3_1_additions_are_read_not_dropped():
    listings = contract(ODCS / "v3_1" / "v3.1.0-listings-full.odcs.yaml")
    document = listings.document
    assert document["team"]["name"] == "Listings"
    assert document["team"]["members"][1]["replacedByUsername"] == "eli@homes.example"
    listings_object = document["schema"][0]
    assert listings_object["relationships"][0]["from"] == [
        "listings.agent_id",
        "listings.agency_code",
    ]
    agent = next(p for p in listings_object["properties"] if p["name"] == "agent_id")
    assert agent["relationships"] == [{"type": "foreignKey", "to": "agents.id"}]
    assert (
        listings_object["quality"][0]["schedule"],
        listings_object["quality"][0]["scheduler"],
    ) == (
        "0 6 * * *",
        "cron",
    )
    assert document["slaProperties"][0]["scheduler"] == "cron"
    assert document["authoritativeDefinitions"][0]["id"] == "canonical"
    assert listings.locations == ("s3://homes-lake/listings/", "listings-v3")


def test_odcs_3_0_forms_are_read():
    shipments = contract(ODCS / "v3_0" / "v3.0.0-shipments-team-list.odcs.yaml")
    assert shipments.document["team"][0]["username"] == "rhea@freight.example"
    assert shipments.document["schema"][0]["properties"][0]["quality"][0]["rule"] == "nullCheck"
    assert shipments.document["slaDefaultElement"] == "shipments.handed_over_on"
    # an unquoted date stays the text written, as the standard types it
    assert shipments.document["team"][0]["dateIn"] == "2023-01-02"


def test_nested_properties_become_dotted_columns():
    sensors = contract(ODCS / "v3_0" / "v3.0.2-sensors-types.odcs.yaml")
    assert [(c.name, c.logical_type) for c in sensors.columns] == [
        ("sensor_id", "string"),
        ("measured_at", "timestamp"),
        ("shift_start", "time"),
        ("location", "object"),
        ("location.hall", "string"),
        ("location.position", "object"),
        ("location.position.x", "number"),
        ("location.position.y", "number"),
        ("alarms", "array"),
        ("alarms[].code", "integer"),
        ("alarms[].raised_at", "timestamp"),
        ("labels", "array"),
    ]
    listings = contract(ODCS / "v3_1" / "v3.1.0-listings-full.odcs.yaml")
    classified = {c.name: c.classification for c in listings.columns if c.classification}
    assert classified["address.street"] == "restricted"


def test_odcs_unknown_nested_keys_and_deprecated_team_list_are_warnings():
    said: list[str] = []
    path = ODCS / "v3_1" / "v3.1.0-clicks-unknown-nested.odcs.yaml"
    contract(path, said)
    assert said == [
        f"{path}: servers[0].topic: not a field of ODCS; meshgov ignores it",
        f"{path}: schema[0].properties[0].isNullable: not a field of ODCS; meshgov ignores it",
    ]
    said.clear()
    contract(ODCS / "v3_1" / "v3.1.0-tickets-team-list.odcs.yaml", said)
    assert len(said) == 1 and "team: a list of members is deprecated in v3.1.0" in said[0]


VALID_ODCS = """\
apiVersion: v3.1.0
kind: DataContract
id: c
version: 1.0.0
status: active
schema:
  - name: t
    description: a table
    properties:
      - name: amount
        logicalType: number
"""

INVALID_ODCS = {
    "missing id": ("id: c\n", "", "id", "required"),
    "wrong apiVersion": ("v3.1.0", "v4.0.0", "apiVersion", "not one meshgov reads"),
    "wrong kind": ("kind: DataContract", "kind: DataProduct", "kind", "expected DataContract"),
    "status a list": ("status: active", "status: [active]", "status", "expected a non-empty"),
    "bad logicalType": (
        "logicalType: number",
        "logicalType: decimal",
        "schema[0].properties[0].logicalType",
        "unknown logical type 'decimal'",
    ),
    "empty description": (
        "description: a table",
        "description:",
        "schema[0].description",
        "empty (null)",
    ),
    "typo at the top": ("status: active", "status: active\nstatuss: x", "statuss", "unknown field"),
}


@pytest.mark.parametrize("case", INVALID_ODCS, ids=list(INVALID_ODCS))
def test_invalid_contract_is_refused_naming_field_and_reason(case):
    old, new, field, reason = INVALID_ODCS[case]
    assert old in VALID_ODCS
    parse_contract(VALID_ODCS.encode(), "c.odcs.yaml")  # the unbroken one is fine
    with pytest.raises(DescriptorError) as refused:
        parse_contract(VALID_ODCS.replace(old, new, 1).encode(), "c.odcs.yaml")
    assert (refused.value.field, reason in refused.value.problem) == (field, True)
    assert str(refused.value).startswith(f"c.odcs.yaml: {field}: ")


def test_register_reports_and_prints_warnings_of_accepted_files_only(store_url, tmp_path):
    """`meshgov register` prints each warning as `warning path: field: message`."""
    env = {"MESHGOV_DB_URL": store_url, "MESHGOV_WORKSPACE": str(tmp_path)}
    runner = CliRunner()
    assert runner.invoke(app, ["init"], env=env).exit_code == 0
    clicks = ODCS / "v3_1" / "v3.1.0-clicks-unknown-nested.odcs.yaml"
    broken = tmp_path / "broken.odcs.yaml"
    broken.write_text(clicks.read_text().replace("status: active", "status: [x]"))
    result = runner.invoke(app, ["register", str(clicks), str(broken)], env=env)
    assert result.exit_code == 1  # the broken copy is refused...
    assert f"warning {clicks}: servers[0].topic: not a field of ODCS" in result.stderr
    # ...and its own warnings are not repeated: the refusal is what matters there
    assert f"{broken}: servers[0].topic" not in result.stderr
    assert f"refused {broken}: status: expected a non-empty string" in result.stderr


def test_a_column_declared_twice_is_kept_once_with_a_warning():
    twice = VALID_ODCS + "      - name: amount\n        logicalType: integer\n"
    said: list[str] = []
    parsed = parse_contract(twice.encode(), "c.odcs.yaml", warnings=said)
    assert [(c.name, c.logical_type) for c in parsed.columns] == [("amount", "number")]
    assert said == [
        "c.odcs.yaml: schema[0].properties[1]: column 'amount' appears twice; the first is kept"
    ]
