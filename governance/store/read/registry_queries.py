"""Reads of the product registry that registering and collecting need: ids and descriptors."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, select

from governance.store.schema.tables import contracts, products


def product_ids(connection: Connection) -> set[str]:
    """The ids of every registered product."""
    return set(connection.scalars(select(products.c.id)))


def product_registered(connection: Connection, product_id: str) -> bool:
    """True when a product with this id is registered."""
    found = connection.scalar(select(products.c.id).where(products.c.id == product_id))
    return found is not None


def contract_registered(connection: Connection, contract_id: str) -> bool:
    """True when some version of this contract is registered."""
    found = connection.scalar(select(contracts.c.id).where(contracts.c.id == contract_id).limit(1))
    return bool(found)


def descriptor_rows(connection: Connection) -> list[tuple[str, str | None, Any]]:
    """(id, descriptor path, custom properties) of every product, by id: declared evidence."""
    rows = connection.execute(
        select(
            products.c.id,
            products.c.descriptor_path,
            products.c.custom_properties,
        ).order_by(products.c.id)
    )
    return [(r.id, r.descriptor_path, r.custom_properties) for r in rows]
