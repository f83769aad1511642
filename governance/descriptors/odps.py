"""ODPS product descriptors (`kind: DataProduct`) → a validated Product.

Read after bitol-io/open-data-product-standard: schema v0.9.0, v1.0.0 and latest, and the
v1.1.0 port fields meshgov accepted before. `team` is read in both of its forms: the object
of v1.0.0 (`team: {name, description, members: [...]}`) and the list of members that v0.9.0
and older meshgov descriptors use. Every object of the schema says `additionalProperties:
false`, so an unknown key is refused as a probable typo; every field the schema allows is
accepted. What a version adds and meshgov has no column for (team name and description,
tenant, creation time, limitations and usage, management ports, SBOMs, input contracts,
former members) is kept on the record under ``custom_properties["odps"]``; what meshgov does
not use at all (authoritative definitions, custom properties below the top level, tags of
teams, members and support channels) is reported as a warning, never a refusal.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from governance.descriptors.base import WarningSink, first_error, load_yaml_document, sha256_of
from governance.errors import DescriptorError
from governance.model.records import Port, Product, SupportChannel, TeamMember
from governance.model.vocabulary import PRODUCT_STATUSES

ODPS_API_VERSIONS = ("v0.9.0", "v1.0.0", "v1.1.0")
# A product whose descriptor names no domain (the standard makes `domain` optional).
UNASSIGNED_DOMAIN = "unassigned"
# The key of custom_properties under which the standard's own fields without a column live.
ODPS_DETAILS_KEY = "odps"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _CustomProperty(_Strict):
    property: str
    value: Any
    description: str | None = None


class _AuthoritativeDefinition(_Strict):
    type: str
    url: str
    description: str | None = None


class _Description(_Strict):
    purpose: str | None = None
    limitations: str | None = None
    usage: str | None = None
    authoritativeDefinitions: list[_AuthoritativeDefinition] = []
    customProperties: list[_CustomProperty] = []


class _Extensible(_Strict):
    """The blocks v1.0.0 allows on ports, channels, teams and members."""

    tags: list[str] = []
    customProperties: list[_CustomProperty] = []
    authoritativeDefinitions: list[_AuthoritativeDefinition] = []


class _InputPort(_Extensible):
    name: str
    version: str
    contractId: str
    description: str | None = None  # v1.1.0


class _InputContract(_Strict):
    id: str
    version: str


class _Sbom(_Strict):
    type: str = "external"
    url: str


class _OutputPort(_Extensible):
    name: str
    version: str
    description: str | None = None
    type: str | None = None
    contractId: str | None = None
    sbom: list[_Sbom] = []
    inputContracts: list[_InputContract] = []


class _ManagementPort(_Extensible):
    name: str
    content: str
    type: str = "rest"
    url: str | None = None
    channel: str | None = None
    description: str | None = None


class _Support(_Extensible):
    channel: str
    url: str
    description: str | None = None
    tool: str | None = None
    scope: str | None = None
    invitationUrl: str | None = None


class _TeamMember(_Extensible):
    username: str
    name: str | None = None
    description: str | None = None
    role: str | None = None
    dateIn: str | None = None
    dateOut: str | None = None
    replacedByUsername: str | None = None


class _Team(_Extensible):
    name: str | None = None
    description: str | None = None
    members: list[_TeamMember] = []


class _DataProduct(_Strict):
    apiVersion: Literal["v0.9.0", "v1.0.0", "v1.1.0"]
    kind: Literal["DataProduct"]
    id: str = Field(min_length=1)
    status: str
    name: str | None = None
    version: str | None = None
    domain: str | None = None
    tenant: str | None = None
    authoritativeDefinitions: list[_AuthoritativeDefinition] = []
    description: _Description | None = None
    customProperties: list[_CustomProperty] = []
    tags: list[str] = []
    inputPorts: list[_InputPort] = []
    outputPorts: list[_OutputPort] = []
    managementPorts: list[_ManagementPort] = []
    support: list[_Support] = []
    team: Any = None  # an object (v1.0.0) or a list of members (v0.9.0); read by _team()
    productCreatedTs: str | None = None


_MEMBERS = TypeAdapter(list[_TeamMember])


def _team(path: str, raw: Any) -> _Team:
    """Both forms of `team`, each validated on its own so a refusal names the right field."""
    try:
        if raw is None:
            return _Team()
        if isinstance(raw, list):
            return _Team(members=_MEMBERS.validate_python(raw))
        if isinstance(raw, dict):
            return _Team.model_validate(raw)
    except ValidationError as exc:
        error = first_error(path, exc)
        field = "team" if error.field == "(document)" else f"team.{error.field}"
        raise DescriptorError(path, field.replace(".[", "["), error.problem) from exc
    raise DescriptorError(path, "team", "expected an object with members, or a list of members")


def parse_product(content: bytes, path: str, warnings: list[str] | None = None) -> Product:
    """Parse and validate an ODPS `kind: DataProduct` descriptor; warnings go to `warnings`."""
    sink = WarningSink(path, warnings)
    document = load_yaml_document(content, path)
    try:
        odps = _DataProduct.model_validate(document)
    except ValidationError as exc:
        raise first_error(path, exc) from exc
    team = _team(path, odps.team)
    if odps.status.lower() not in PRODUCT_STATUSES:
        allowed = ", ".join(sorted(PRODUCT_STATUSES))
        raise DescriptorError(
            path, "status", f"unknown status {odps.status!r}; use one of {allowed}"
        )
    if not odps.outputPorts:
        raise DescriptorError(path, "outputPorts", "a data product needs at least one output port")
    _refuse_duplicate_ports(path, "inputPorts", [(p.name, p.version) for p in odps.inputPorts])
    _refuse_duplicate_ports(path, "outputPorts", [(p.name, p.version) for p in odps.outputPorts])
    _check_meshgov_properties(path, odps.customProperties)
    domain = odps.domain
    if not domain:
        domain = UNASSIGNED_DOMAIN
        sink.add("domain", f"no domain; filed under {UNASSIGNED_DOMAIN!r} until it names one")
    if isinstance(odps.team, list) and odps.apiVersion != "v0.9.0":
        sink.add("team", "a list of members is the v0.9.0 form; v1.0.0 writes team: {members: []}")
    _warn_unused(odps, team, sink)
    custom = {item.property: item.value for item in odps.customProperties}
    details = _details(odps, team)
    if details:
        if ODPS_DETAILS_KEY in custom:
            sink.add("customProperties", f"{ODPS_DETAILS_KEY!r} is meshgov's; yours is kept")
        else:
            custom[ODPS_DETAILS_KEY] = details
    tier = custom.get("tier")
    return Product(
        id=odps.id,
        name=odps.name or odps.id,
        domain=domain,
        status=odps.status.lower(),
        version=odps.version,
        description=odps.description.purpose if odps.description else None,
        tier=str(tier) if tier is not None else None,
        tags=tuple(odps.tags),
        team=tuple(TeamMember(m.username, m.name, m.role) for m in team.members if not m.dateOut),
        support=tuple(SupportChannel(s.channel, s.url, s.tool, s.scope) for s in odps.support),
        ports=_ports(odps),
        custom_properties=custom,
        source_path=path,
        sha256=sha256_of(content),
    )


def _ports(odps: _DataProduct) -> tuple[Port, ...]:
    inputs = tuple(
        Port(
            name=p.name,
            kind="input",
            version=p.version,
            contract_id=p.contractId,
            description=p.description,
        )
        for p in odps.inputPorts
    )
    outputs = tuple(
        Port(
            name=p.name,
            kind="output",
            version=p.version,
            contract_id=p.contractId,
            type=p.type,
            description=p.description,
        )
        for p in odps.outputPorts
    )
    return inputs + outputs


def _details(odps: _DataProduct, team: _Team) -> dict[str, Any]:
    """The standard's fields meshgov keeps but has no column for, without empty ones."""
    description = odps.description
    members = [
        m.model_dump(include={"username", "description", "dateIn", "dateOut"}, exclude_none=True)
        | ({"replacedBy": m.replacedByUsername} if m.replacedByUsername else {})
        for m in team.members
        if m.description or m.dateIn or m.dateOut or m.replacedByUsername
    ]
    ports = {
        field: _dropped_empty(
            {
                f"{p.name}@{p.version}": _dropped_empty(
                    {
                        "tags": p.tags,
                        "sbom": [s.model_dump() for s in getattr(p, "sbom", [])],
                        "inputContracts": [
                            c.model_dump() for c in getattr(p, "inputContracts", [])
                        ],
                    }
                )
                for p in port_list
            }
        )
        for field, port_list in (("inputPorts", odps.inputPorts), ("outputPorts", odps.outputPorts))
    }
    support = {
        s.channel: _dropped_empty({"description": s.description, "invitationUrl": s.invitationUrl})
        for s in odps.support
    }
    return _dropped_empty(
        {
            "tenant": odps.tenant,
            "productCreatedTs": odps.productCreatedTs,
            "limitations": description.limitations if description else None,
            "usage": description.usage if description else None,
            "team": _dropped_empty(
                {"name": team.name, "description": team.description, "members": members}
            ),
            "ports": _dropped_empty(ports),
            "support": _dropped_empty(support),
            "managementPorts": [
                m.model_dump(
                    exclude={"tags", "customProperties", "authoritativeDefinitions"},
                    exclude_none=True,
                )
                for m in odps.managementPorts
            ],
        }
    )


def _dropped_empty(values: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in values.items() if value not in (None, "", [], {})}


def _warn_unused(odps: _DataProduct, team: _Team, sink: WarningSink) -> None:
    """Say which allowed fields meshgov does not use, once per field."""
    unused = "meshgov does not use it"
    if odps.authoritativeDefinitions:
        sink.add("authoritativeDefinitions", unused)
    if odps.description and (
        odps.description.authoritativeDefinitions or odps.description.customProperties
    ):
        sink.add("description", f"authoritativeDefinitions/customProperties: {unused}")
    blocks: list[tuple[str, list[_Extensible]]] = [
        ("inputPorts", list(odps.inputPorts)),
        ("outputPorts", list(odps.outputPorts)),
        ("managementPorts", list(odps.managementPorts)),
        ("support", list(odps.support)),
        ("team.members", list(team.members)),
    ]
    if isinstance(odps.team, dict):
        blocks.append(("team", [team]))
    kept_tags = {"inputPorts", "outputPorts"}
    for name, items in blocks:
        for index, item in enumerate(items):
            where = name if name == "team" else f"{name}[{index}]"
            if item.customProperties:
                sink.add(f"{where}.customProperties", f"{unused} (only the product's are read)")
            if item.authoritativeDefinitions:
                sink.add(f"{where}.authoritativeDefinitions", unused)
            if item.tags and name not in kept_tags:
                sink.add(f"{where}.tags", unused)


def _check_meshgov_properties(path: str, properties: list[_CustomProperty]) -> None:
    """meshgov's own customProperties: `evidence` sources and `datasets` aliases."""
    for index, item in enumerate(properties):
        where = f"customProperties[{index}].value"
        if item.property == "datasets":
            if not isinstance(item.value, list) or not all(isinstance(v, str) for v in item.value):
                raise DescriptorError(path, where, "datasets: expected a list of dataset names")
        if item.property != "evidence":
            continue
        if not isinstance(item.value, list):
            raise DescriptorError(path, where, "evidence: expected a list of {type, path} sources")
        for position, entry in enumerate(item.value):
            here = f"{where}[{position}]"
            if not isinstance(entry, dict):
                raise DescriptorError(path, here, "expected a mapping with type and path")
            for key in ("type", "path"):
                if not isinstance(entry.get(key), str) or not entry.get(key):
                    raise DescriptorError(path, f"{here}.{key}", "required, a string")
            unknown = set(entry) - {"type", "path", "options"}
            if unknown:
                raise DescriptorError(path, here, f"unknown key(s) {', '.join(sorted(unknown))}")
            if "options" in entry and not isinstance(entry["options"], dict):
                raise DescriptorError(path, f"{here}.options", "expected a mapping")


def _refuse_duplicate_ports(path: str, field: str, keys: list[tuple[str, str]]) -> None:
    seen: set[tuple[str, str]] = set()
    for index, key in enumerate(keys):
        if key in seen:
            problem = f"port {key[0]!r} version {key[1]!r} is declared twice"
            raise DescriptorError(path, f"{field}[{index}]", problem)
        seen.add(key)
