"""ODCS data contracts (`kind: DataContract`, v3.0.0 to v3.1.0) → a validated Contract.

Read after bitol-io/open-data-contract-standard's schemas v3.0.0, v3.0.1, v3.0.2 and v3.1.0,
with the standard's own Pydantic model (`open-data-contract-standard`) doing the typing. What
the model does not check and the schemas require is checked here: the header (`apiVersion`,
`kind`, `id`, `version`, `status`), no empty (null) values where the schema wants one, the
logicalType enum. Unknown keys at the top level are refused (the schema says
`additionalProperties: false`, and upstream linters refuse them); unknown keys deeper down,
which the model ignores, are reported as warnings so a typo is never silent.

Everything the document says is kept in `Contract.document` (team object or list,
relationships, quality rules with `schedule`/`scheduler`, `slaProperties`, authoritative
definitions). Nested properties become columns: a property of an object is named
``parent.child`` and a property of an array's items ``parent[].child`` (the array itself
is a column too), so a contract of nested documents keeps its classifications.
"""

from __future__ import annotations

import types
import typing
from typing import Any

from open_data_contract_standard.model import OpenDataContractStandard, SchemaProperty
from pydantic import BaseModel, ValidationError

from governance.descriptors.base import WarningSink, first_error, load_yaml_document, sha256_of
from governance.errors import DescriptorError
from governance.model.records import Contract, ContractColumn

ODCS_API_VERSIONS = ("v3.0.0", "v3.0.1", "v3.0.2", "v3.1.0")
# ODCS v3.1.0 logicalType values (v3.0.0's seven plus timestamp and time, from v3.0.2).
LOGICAL_TYPES = frozenset(
    {"string", "date", "timestamp", "time", "number", "integer", "object", "array", "boolean"}
)
REQUIRED_HEADER = ("apiVersion", "kind", "id", "version", "status")
# Keys whose value may be null or holds free-form content (AnyType, open objects).
FREE_FORM_KEYS = frozenset(
    {"value", "valueExt", "examples", "mustBe", "mustNotBe", "arguments", "implementation"}
    | {"logicalTypeOptions"}
)
STANDARD = "ODCS"


def parse_contract(content: bytes, path: str, warnings: list[str] | None = None) -> Contract:
    """Parse and validate an ODCS v3 contract; what meshgov ignores goes to `warnings`."""
    sink = WarningSink(path, warnings)
    document = load_yaml_document(content, path)
    _check_header(path, document)
    _refuse_nulls(path, document, "")
    try:
        odcs = OpenDataContractStandard.model_validate(document)
    except ValidationError as exc:
        raise first_error(path, exc) from exc
    for key, value in document.items():
        known = OpenDataContractStandard.model_fields.get("schema_" if key == "schema" else key)
        if known is not None:
            _warn_unknown(value, known.annotation, key, sink)
    if isinstance(document.get("team"), list) and document["apiVersion"] == "v3.1.0":
        sink.add("team", "a list of members is deprecated in v3.1.0; write team: {members: []}")
    columns: list[ContractColumn] = []
    seen: set[tuple[str, str]] = set()  # the store keys a column by object and name
    for index, schema_object in enumerate(odcs.schema_ or []):
        where = f"schema[{index}]"
        if not schema_object.name:
            raise DescriptorError(path, f"{where}.name", "every schema object needs a name")
        if schema_object.logicalType not in (None, "object"):
            sink.add(f"{where}.logicalType", "a schema object's logicalType is `object`")
        for prop_index, prop in enumerate(schema_object.properties or []):
            for column, field in _columns(
                path, schema_object.name, prop, "", f"{where}.properties[{prop_index}]"
            ):
                key = (column.object_name, column.name)
                if key in seen:
                    sink.add(field, f"column {column.name!r} appears twice; the first is kept")
                    continue
                seen.add(key)
                columns.append(column)
    # Where the data itself lives (a path, bucket location or topic); containers such as a
    # database or a dataset are too coarse to name one product's output.
    locations = tuple(
        loc
        for server in odcs.servers or []
        for loc in (server.location, server.path, server.stream)
        if loc
    )
    return Contract(
        id=odcs.id or "",
        version=odcs.version or "",
        name=odcs.name,
        status=odcs.status or "",
        domain=odcs.domain,
        data_product=odcs.dataProduct,
        columns=tuple(columns),
        locations=locations,
        source_path=path,
        sha256=sha256_of(content),
        document=odcs.model_dump(mode="json", by_alias=True, exclude_none=True),
    )


def _check_header(path: str, document: dict[str, Any]) -> None:
    """The fields every ODCS v3 schema requires, each a string, with kind and version known."""
    for key in REQUIRED_HEADER:
        if key not in document:
            raise DescriptorError(path, key, "required by ODCS v3; add it")
        value = document[key]
        if not isinstance(value, str) or not value:
            got = "nothing" if value is None else type(value).__name__
            quote = " (quote it)" if isinstance(value, int | float) else ""
            raise DescriptorError(path, key, f"expected a non-empty string, got {got}{quote}")
    if document["kind"] != "DataContract":
        raise DescriptorError(path, "kind", f"expected DataContract, got {document['kind']!r}")
    if document["apiVersion"] not in ODCS_API_VERSIONS:
        known = ", ".join(ODCS_API_VERSIONS)
        problem = f"ODCS version {document['apiVersion']!r} is not one meshgov reads ({known})"
        raise DescriptorError(path, "apiVersion", problem)


def _refuse_nulls(path: str, value: Any, where: str) -> None:
    """An empty key (`description:`) is null, which no ODCS field but a value admits."""
    if isinstance(value, dict):
        for key, item in value.items():
            here = f"{where}.{key}" if where else str(key)
            if key in FREE_FORM_KEYS:
                continue
            if item is None:
                raise DescriptorError(path, here, "empty (null); give it a value or remove it")
            _refuse_nulls(path, item, here)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _refuse_nulls(path, item, f"{where}[{index}]")


def _columns(
    path: str, object_name: str, prop: SchemaProperty, prefix: str, where: str
) -> list[tuple[ContractColumn, str]]:
    """A property and, for objects and arrays, the properties nested in it, with their paths."""
    if not prop.name:
        raise DescriptorError(path, f"{where}.name", "every property needs a name")
    name = prefix + prop.name
    out = [(_column(path, object_name, name, prop, where), where)]
    out += _nested(path, object_name, prop, name, where)
    return out


def _nested(
    path: str, object_name: str, prop: SchemaProperty, name: str, where: str
) -> list[tuple[ContractColumn, str]]:
    out: list[tuple[ContractColumn, str]] = []
    for index, child in enumerate(prop.properties or []):
        out += _columns(path, object_name, child, f"{name}.", f"{where}.properties[{index}]")
    if prop.items is not None:
        # An array's items have no name of their own: their properties are `name[].child`.
        _check_logical_type(path, prop.items, f"{where}.items")
        out += _nested(path, object_name, prop.items, f"{name}[]", f"{where}.items")
    return out


def _check_logical_type(path: str, prop: SchemaProperty, where: str) -> str | None:
    # The ODCS JSON schema restricts logicalType; the Pydantic model does not.
    logical = prop.logicalType
    if logical is not None and logical not in LOGICAL_TYPES:
        allowed = ", ".join(sorted(LOGICAL_TYPES))
        problem = f"unknown logical type {logical!r}; use one of {allowed}"
        raise DescriptorError(path, f"{where}.logicalType", problem)
    return logical


def _column(
    path: str, object_name: str, name: str, prop: SchemaProperty, where: str
) -> ContractColumn:
    return ContractColumn(
        object_name=object_name,
        name=name,
        logical_type=_check_logical_type(path, prop, where),
        physical_type=prop.physicalType,
        classification=prop.classification,
        required=bool(prop.required),
        primary_key=bool(prop.primaryKey),
        description=prop.description,
        tags=tuple(prop.tags or ()),
    )


def _warn_unknown(value: Any, annotation: Any, where: str, sink: WarningSink) -> None:
    """Walk the document along the model's types; say which keys the model ignored."""
    model = _model_in(annotation, list_item=isinstance(value, list))
    if model is None:
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            _warn_unknown(item, model, f"{where}[{index}]", sink)
        return
    if not isinstance(value, dict):
        return
    fields = {(f.alias or name): f for name, f in model.model_fields.items()}
    for key, item in value.items():
        if key in fields:
            _warn_unknown(item, fields[key].annotation, f"{where}.{key}", sink)
        else:
            sink.add(f"{where}.{key}", f"not a field of {STANDARD}; meshgov ignores it")


def _model_in(annotation: Any, list_item: bool) -> type[BaseModel] | None:
    """The model a value of this type is read as: inside `list[...]` for a list value."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return None if list_item else annotation
    origin = typing.get_origin(annotation)
    if origin is list:
        [item] = typing.get_args(annotation)
        return _model_in(item, list_item=False) if list_item else None
    if origin in (typing.Union, types.UnionType):
        for arg in typing.get_args(annotation):
            found = _model_in(arg, list_item)
            if found is not None:
                return found
    return None
