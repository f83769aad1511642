"""Build the ProductDirectory collectors use to attribute evidence, from the registry."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import Connection, select

from governance.model.records import ProductDirectory, normalise_alias
from governance.store.schema.tables import contracts, ports, products

# ODCS server fields that name where data lives, from the most to the least specific.
_CONTAINERS = (("catalog", "schema_"), ("database", "schema_"), ("project", "dataset"))


def _object_aliases(server: dict[str, Any], object_names: Iterable[str]) -> set[str]:
    """Names a tool may use for a contract's table: db.schema.table, schema.table, ..."""
    aliases: set[str] = set()
    schema = server.get("schema") or server.get("schema_")
    for name in object_names:
        for outer_key, inner_key in _CONTAINERS:
            outer = server.get(outer_key)
            inner = server.get(inner_key.rstrip("_")) or server.get(inner_key)
            if outer and inner:
                aliases.add(f"{outer}.{inner}.{name}")
        if schema:
            aliases.add(f"{schema}.{name}")
    for key in ("location", "path", "topic", "stream"):
        if server.get(key):
            aliases.add(str(server[key]))
    return aliases


def build_directory(connection: Connection) -> ProductDirectory:
    """Product ids plus every dataset alias an output port's contract or a descriptor declares.

    An alias two products claim is dropped: attributing it to either would be a guess.
    """
    ids = frozenset(connection.scalars(select(products.c.id)))
    claims: dict[str, set[str]] = {}

    def claim(alias: str, product_id: str) -> None:
        claims.setdefault(normalise_alias(alias), set()).add(product_id)

    for product_id, custom in connection.execute(
        select(products.c.id, products.c.custom_properties)
    ):
        for alias in (custom or {}).get("datasets") or []:
            claim(str(alias), product_id)
    served = select(ports.c.product_id, ports.c.contract_id).where(
        ports.c.kind == "output", ports.c.contract_id.is_not(None)
    )
    serving: dict[str, set[str]] = {}
    for product_id, contract_id in connection.execute(served):
        serving.setdefault(contract_id, set()).add(product_id)
    query = select(contracts.c.id, contracts.c.document, contracts.c.locations)
    for contract_id, document, locations in connection.execute(query):
        for product_id in serving.get(contract_id, ()):
            objects = [
                name
                for item in document.get("schema") or []
                for name in (item.get("physicalName"), item.get("name"))
                if name
            ]
            for server in document.get("servers") or []:
                for alias in _object_aliases(server, objects):
                    claim(alias, product_id)
            for location in locations or []:
                claim(location, product_id)
    aliases = {alias: next(iter(owners)) for alias, owners in claims.items() if len(owners) == 1}
    return ProductDirectory(products=ids, aliases=aliases)


def product_domains(connection: Connection) -> dict[str, str]:
    """Each registered product's domain (who may push evidence for it)."""
    rows = connection.execute(select(products.c.id, products.c.domain_id))
    return {product: domain for product, domain in rows}
