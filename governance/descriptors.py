"""ODPS v1 product descriptors and ODCS v3 contracts → validated domain records.

Parsing is pure: bytes and a path in, records or a DescriptorError out. The error names the
file, the field (as a path like ``outputPorts[1].version``) and what is wrong.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from open_data_contract_standard.model import OpenDataContractStandard
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from governance.model import (
    Contract,
    ContractColumn,
    Port,
    Product,
    SupportChannel,
    TeamMember,
)

PRODUCT_STATUSES = frozenset(
    {"proposed", "draft", "sandbox", "under_review", "approved", "active", "certified"}
    | {"deprecated", "retired"}
)


class DescriptorError(ValueError):
    """A descriptor or contract that cannot be registered, with where and why."""

    def __init__(self, path: str, field: str | None, problem: str) -> None:
        self.path = path
        self.field = field
        self.problem = problem
        where = f"{path}: {field}: " if field else f"{path}: "
        super().__init__(where + problem)


# ODCS v3 logicalType values (v3.0 enum plus timestamp/time from v3.0.2).
LOGICAL_TYPES = frozenset(
    {"string", "date", "timestamp", "time", "number", "integer", "object", "array", "boolean"}
)


# --- ODPS v1.0.0, after bitol-io/open-data-product-standard schema/odps-json-schema-v1.0.0.json.
# Unknown keys are refused (the schema says additionalProperties: false) so typos surface.


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


class _InputPort(_Strict):
    name: str
    version: str
    contractId: str
    # v1.1.0 additions, accepted so newer descriptors still register.
    description: str | None = None
    tags: list[str] = []
    customProperties: list[_CustomProperty] = []


class _InputContract(_Strict):
    id: str
    version: str


class _OutputPort(_Strict):
    name: str
    version: str
    description: str | None = None
    type: str | None = None
    contractId: str | None = None
    sbom: list[dict[str, Any]] = []
    inputContracts: list[_InputContract] = []
    tags: list[str] = []
    customProperties: list[_CustomProperty] = []


class _Support(_Strict):
    channel: str
    url: str
    description: str | None = None
    tool: str | None = None
    scope: str | None = None
    invitationUrl: str | None = None
    tags: list[str] = []
    customProperties: list[_CustomProperty] = []
    authoritativeDefinitions: list[_AuthoritativeDefinition] = []


class _TeamMember(_Strict):
    username: str | None = None
    name: str | None = None
    description: str | None = None
    role: str | None = None
    dateIn: str | None = None
    dateOut: str | None = None
    replacedByUsername: str | None = None
    tags: list[str] = []
    customProperties: list[_CustomProperty] = []
    authoritativeDefinitions: list[_AuthoritativeDefinition] = []


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
    managementPorts: list[dict[str, Any]] = []
    support: list[_Support] = []
    team: list[_TeamMember] = []
    productCreatedTs: str | None = None


def _field_path(loc: tuple[Any, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part).rstrip("_")
    return out or "(document)"


def _first_error(path: str, exc: ValidationError) -> DescriptorError:
    err = exc.errors()[0]
    more = len(exc.errors()) - 1
    problem = err["msg"] + (f" (and {more} more problem{'s' * (more > 1)})" if more else "")
    if err["type"] == "extra_forbidden":
        problem = "unknown field; check its spelling against the standard"
    return DescriptorError(path, _field_path(tuple(err["loc"])), problem)


def load_yaml_document(content: bytes, path: str) -> dict[str, Any]:
    """Parse one YAML (or JSON) document; anything but a mapping is refused."""
    try:
        document = yaml.safe_load(content)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}" if mark is not None else None
        raise DescriptorError(path, where, f"not valid YAML: {exc}") from exc
    if not isinstance(document, dict):
        raise DescriptorError(path, None, "expected a mapping at the top level")
    return document


def sha256_of(content: bytes) -> str:
    """Content hash used to tell an unchanged file from a changed one."""
    return hashlib.sha256(content).hexdigest()


def _custom_properties(items: list[_CustomProperty]) -> dict[str, Any]:
    return {item.property: item.value for item in items}


def parse_product(content: bytes, path: str) -> Product:
    """Parse and validate an ODPS v1 `kind: DataProduct` descriptor."""
    document = load_yaml_document(content, path)
    try:
        odps = _DataProduct.model_validate(document)
    except ValidationError as exc:
        raise _first_error(path, exc) from exc
    if odps.status.lower() not in PRODUCT_STATUSES:
        allowed = ", ".join(sorted(PRODUCT_STATUSES))
        raise DescriptorError(
            path, "status", f"unknown status {odps.status!r}; use one of {allowed}"
        )
    if not odps.domain:
        raise DescriptorError(path, "domain", "every product must belong to a domain")
    if not odps.outputPorts:
        raise DescriptorError(path, "outputPorts", "a data product needs at least one output port")
    _refuse_duplicate_ports(path, "inputPorts", [(p.name, p.version) for p in odps.inputPorts])
    _refuse_duplicate_ports(path, "outputPorts", [(p.name, p.version) for p in odps.outputPorts])
    custom = _custom_properties(odps.customProperties)
    _check_meshgov_properties(path, odps.customProperties)
    ports = tuple(
        Port(name=p.name, kind="input", version=p.version, contract_id=p.contractId)
        for p in odps.inputPorts
    ) + tuple(
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
    tier = custom.get("tier")
    return Product(
        id=odps.id,
        name=odps.name or odps.id,
        domain=odps.domain,
        status=odps.status.lower(),
        version=odps.version,
        description=odps.description.purpose if odps.description else None,
        tier=str(tier) if tier is not None else None,
        tags=tuple(odps.tags),
        team=tuple(TeamMember(m.username, m.name, m.role) for m in odps.team if not m.dateOut),
        support=tuple(SupportChannel(s.channel, s.url, s.tool, s.scope) for s in odps.support),
        ports=ports,
        custom_properties=custom,
        source_path=path,
        sha256=sha256_of(content),
    )


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


def parse_contract(content: bytes, path: str) -> Contract:
    """Parse and validate an ODCS v3 contract with the standard's own Pydantic model."""
    document = load_yaml_document(content, path)
    try:
        odcs = OpenDataContractStandard.model_validate(document)
    except ValidationError as exc:
        raise _first_error(path, exc) from exc
    columns: list[ContractColumn] = []
    for index, schema_object in enumerate(odcs.schema_ or []):
        if not schema_object.name:
            raise DescriptorError(path, f"schema[{index}].name", "every schema object needs a name")
        for prop_index, prop in enumerate(schema_object.properties or []):
            logical = _enum_value(prop.logicalType)
            # The ODCS JSON schema restricts logicalType; the Pydantic model does not.
            if logical is not None and logical not in LOGICAL_TYPES:
                field = f"schema[{index}].properties[{prop_index}].logicalType"
                allowed = ", ".join(sorted(LOGICAL_TYPES))
                raise DescriptorError(
                    path, field, f"unknown logical type {logical!r}; use one of {allowed}"
                )
            columns.append(
                ContractColumn(
                    object_name=schema_object.name,
                    name=prop.name or "",
                    logical_type=logical,
                    physical_type=prop.physicalType,
                    classification=prop.classification,
                    required=bool(prop.required),
                    primary_key=bool(prop.primaryKey),
                    description=prop.description,
                    tags=tuple(prop.tags or ()),
                )
            )
    # Where the data itself lives (a path, bucket location or topic); containers such as a
    # database or a dataset are too coarse to name one product's output.
    locations = tuple(
        loc
        for server in odcs.servers or []
        for loc in (server.location, server.path, server.stream)
        if loc
    )
    return Contract(
        id=odcs.id,
        version=odcs.version,
        name=odcs.name,
        status=odcs.status,
        domain=odcs.domain,
        data_product=odcs.dataProduct,
        columns=tuple(columns),
        locations=locations,
        source_path=path,
        sha256=sha256_of(content),
        document=odcs.model_dump(mode="json", by_alias=True, exclude_none=True),
    )


def _enum_value(value: Any) -> str | None:
    return None if value is None else str(getattr(value, "value", value))


@dataclass(frozen=True)
class DescriptorFile:
    """A YAML file found while registering, classified by its `kind`."""

    path: Path
    kind: str | None
    content: bytes
    declared_id: str | None = None
    error: DescriptorError | None = None  # set when the file is not readable YAML at all


def classify(path: Path) -> DescriptorFile:
    """Read a file and tell whether it is a DataProduct, a DataContract or something else."""
    content = path.read_bytes()
    try:
        document = load_yaml_document(content, str(path))
    except DescriptorError as error:
        return DescriptorFile(path=path, kind=None, content=content, error=error)
    declared = document.get("id")
    return DescriptorFile(
        path=path,
        kind=document.get("kind"),
        content=content,
        declared_id=str(declared) if declared is not None else None,
    )
