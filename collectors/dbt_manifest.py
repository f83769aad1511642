"""dbt's manifest.json, as the dbt collector reads it: nodes, test links, product attribution."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from collectors import SourceContext
from collectors.json_text import loads
from governance.errors import CollectorParseError

_TESTED_RESOURCES = ("model.", "seed.", "snapshot.", "source.")
_NO_MANIFEST = "no manifest.json beside run_results.json: tests are not linked to models"


class DbtManifest:
    """The nodes of manifest.json, or nothing when the runner found no manifest."""

    def __init__(self, document: dict[str, Any] | None, note: str | None) -> None:
        document = document or {}
        self.present = bool(document)
        self.note = note
        self.nodes: dict[str, Any] = {}
        for section in ("nodes", "sources", "unit_tests"):
            value = document.get(section)
            if isinstance(value, dict):
                self.nodes.update(value)

    @classmethod
    def from_source(cls, source: SourceContext, invocation_id: str) -> DbtManifest:
        """Read the companion manifest; a manifest that is there but unreadable refuses the file."""
        companions = source.options.get("companions")
        raw = companions.get("manifest") if isinstance(companions, Mapping) else None
        if raw is None:
            return cls(None, _NO_MANIFEST)
        # The runner hands over bytes; an already parsed manifest is taken as it is.
        if isinstance(raw, Mapping):
            document = dict(raw)
        else:
            document = load_json(raw, "the manifest.json beside run_results.json")
        metadata = document.get("metadata") if isinstance(document.get("metadata"), dict) else {}
        schema = metadata.get("dbt_schema_version")
        if not isinstance(schema, str) or "/manifest/" not in schema:
            raise CollectorParseError(
                "the manifest.json beside run_results.json is not a dbt manifest"
            )
        if not isinstance(document.get("nodes"), dict):
            raise CollectorParseError(
                "the manifest.json beside run_results.json has no 'nodes' object"
            )
        note = None
        if metadata.get("invocation_id") not in (None, invocation_id):
            # A later `dbt compile` or `dbt parse` rewrites the manifest; names and links still
            # hold for nodes that did not change, so read on and say so.
            note = f"manifest.json is from another dbt invocation ({metadata.get('invocation_id')})"
        return cls(document, note)

    def node(self, unique_id: str) -> dict[str, Any] | None:
        """The manifest node for a unique_id, if the manifest has it."""
        node = self.nodes.get(unique_id)
        return node if isinstance(node, dict) else None


def tested_node_id(test: dict[str, Any], details: dict[str, Any]) -> str | None:
    """A generic test names its model in attached_node; singular and unit tests only depend on it."""
    attached = test.get("attached_node")
    if isinstance(attached, str) and attached:
        return attached
    depends_on = test.get("depends_on") if isinstance(test.get("depends_on"), dict) else {}
    nodes = depends_on.get("nodes") if isinstance(depends_on.get("nodes"), list) else []
    tested = [n for n in nodes if isinstance(n, str) and n.startswith(_TESTED_RESOURCES)]
    if len(tested) > 1:
        details["depends_on"] = tested
        details["attachment"] = f"first of {len(tested)} nodes in depends_on.nodes"
    elif tested:
        details["attachment"] = "depends_on.nodes"
    return tested[0] if tested else None


def product_of(
    node: dict[str, Any] | None,
    entry: dict[str, Any] | None,
    meta_key: str,
    details: dict[str, Any],
    source: SourceContext,
) -> str | None:
    """The source's product, else the node's product meta, else its relation in the directory."""
    candidates: list[str] = []
    for meta in _metas(node):
        declared = meta.get(meta_key)
        if isinstance(declared, str) and declared:
            details["product_meta"] = declared
            candidates.append(declared)
            break
    relation = (node or {}).get("relation_name") or (entry or {}).get("relation_name")
    if isinstance(relation, str) and relation:
        candidates += [_unquote(relation), relation]
    if node:
        table = node.get("alias") or node.get("identifier") or node.get("name")
        parts = [node.get("database"), node.get("schema"), table]
        if all(isinstance(p, str) and p for p in parts):
            candidates += [".".join(parts), ".".join(parts[1:])]
        names = (node.get("alias"), node.get("identifier"), node.get("name"))
        candidates += [c for c in names if isinstance(c, str) and c]
    elif isinstance(relation, str) and relation:
        candidates.append(_unquote(relation).rsplit(".", 1)[-1])
    return source.attribute(*dict.fromkeys(candidates))


def _metas(node: dict[str, Any] | None) -> list[dict[str, Any]]:
    if not node:
        return []
    config = node.get("config") if isinstance(node.get("config"), dict) else {}
    return [m for m in (node.get("meta"), config.get("meta")) if isinstance(m, dict)]


def _unquote(relation: str) -> str:
    """'"db"."schema"."table"' (or backticks, brackets) as db.schema.table."""
    return re.sub(r'["`\[\]]', "", relation)


def relation_alias(node: dict[str, Any] | None) -> str | None:
    """The table or view a node is (its alias, a source's identifier), to name the port."""
    if not node:
        return None
    alias = node.get("alias") or node.get("identifier") or node.get("name")
    return alias if isinstance(alias, str) and alias else None


def node_name(node: dict[str, Any] | None, unique_id: str | None) -> str | None:
    """A node's name from the manifest, else from its unique_id."""
    if node and isinstance(node.get("name"), str) and node["name"]:
        return node["name"]
    return name_from_unique_id(unique_id) if unique_id else None


def name_from_unique_id(unique_id: str) -> str:
    """test.<package>.<name>[.<hash>], unit_test.<package>.<model>.<name>, model.<package>.<name>."""
    parts = unique_id.split(".")
    name = parts[-1] if parts[0] == "unit_test" or len(parts) < 3 else parts[2]
    return name or unique_id


def load_json(content: bytes | str, what: str) -> dict[str, Any]:
    """A JSON object, or a refusal that names `what` could not be read."""
    try:
        document = loads(content, constants="text")
    except ValueError as exc:  # JSONDecodeError, JsonRefused
        raise CollectorParseError(f"{what} is not valid JSON: {exc}") from None
    except TypeError as exc:
        raise CollectorParseError(f"{what} cannot be read as JSON: {type(exc).__name__}") from None
    if not isinstance(document, dict):
        raise CollectorParseError(f"{what}: expected a JSON object")
    return document
