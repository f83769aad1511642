"""Writes for the product registry: domains, products, ports, contracts and lineage."""

from __future__ import annotations

from dataclasses import asdict

from sqlalchemy import Connection, delete, select, tuple_

from governance.model.records import Contract, LineageEdge, Product
from governance.store.schema.tables import (
    contract_columns,
    contracts,
    domains,
    lineage_edges,
    ports,
    products,
)
from governance.store.schema.types import as_jsonable, utcnow
from governance.store.write.upsert import insert_ignore, upsert


def stored_product_sha(connection: Connection, product_id: str) -> str | None:
    """The descriptor hash stored for a product, or None if it was never registered."""
    return connection.scalar(
        select(products.c.descriptor_sha256).where(products.c.id == product_id)
    )


def stored_contract_sha(connection: Connection, contract: Contract) -> str | None:
    """The stored hash of this contract id and version, or None."""
    return connection.scalar(
        select(contracts.c.sha256).where(
            contracts.c.id == contract.id, contracts.c.version == contract.version
        )
    )


def write_contract(connection: Connection, contract: Contract) -> bool:
    """Store a contract version and its columns; returns False when it was already identical."""
    if stored_contract_sha(connection, contract) == contract.sha256:
        return False
    key = (contracts.c.id == contract.id) & (contracts.c.version == contract.version)
    connection.execute(
        delete(contract_columns).where(
            contract_columns.c.contract_id == contract.id,
            contract_columns.c.contract_version == contract.version,
        )
    )
    connection.execute(delete(contracts).where(key))
    connection.execute(
        contracts.insert().values(
            id=contract.id,
            version=contract.version,
            name=contract.name,
            status=contract.status,
            domain=contract.domain,
            data_product=contract.data_product,
            locations=list(contract.locations),
            source_path=contract.source_path,
            sha256=contract.sha256,
            document=contract.document,
            registered_at=utcnow(),
        )
    )
    rows = [
        {
            "contract_id": contract.id,
            "contract_version": contract.version,
            "object_name": column.object_name,
            "name": column.name,
            "logical_type": column.logical_type,
            "physical_type": column.physical_type,
            "classification": column.classification,
            "required": column.required,
            "primary_key": column.primary_key,
            "description": column.description,
            "tags": list(column.tags),
        }
        for column in contract.columns
    ]
    insert_ignore(
        connection,
        contract_columns,
        rows,
        ["contract_id", "contract_version", "object_name", "name"],
    )
    return True


def write_product(connection: Connection, product: Product) -> bool:
    """Upsert a product with its ports; returns False when the descriptor was unchanged."""
    if stored_product_sha(connection, product.id) == product.sha256:
        return False
    now = utcnow()
    insert_ignore(
        connection,
        domains,
        [
            {
                "id": product.domain,
                "name": product.domain.replace("-", " ").title(),
                "created_at": now,
            }
        ],
        ["id"],
    )
    owner = product.owner
    row = {
        "id": product.id,
        "name": product.name,
        "domain_id": product.domain,
        "status": product.status,
        "version": product.version,
        "tier": product.tier,
        "description": product.description,
        "owner": owner.username if owner else None,
        "owner_name": owner.name if owner else None,
        "team": as_jsonable([asdict(m) for m in product.team]),
        "support": as_jsonable([asdict(s) for s in product.support]),
        "tags": list(product.tags),
        "custom_properties": as_jsonable(product.custom_properties),
        "descriptor_path": product.source_path,
        "descriptor_sha256": product.sha256,
        "registered_at": now,
        "updated_at": now,
    }
    # registered_at keeps the first registration; everything else follows the descriptor.
    existing = connection.scalar(
        select(products.c.registered_at).where(products.c.id == product.id)
    )
    if existing is not None:
        row["registered_at"] = existing
    upsert(connection, products, [row], ["id"])
    connection.execute(delete(ports).where(ports.c.product_id == product.id))
    insert_ignore(
        connection,
        ports,
        [
            {
                "product_id": product.id,
                "kind": port.kind,
                "name": port.name,
                "version": port.version,
                "type": port.type,
                "description": port.description,
                "contract_id": port.contract_id,
            }
            for port in product.ports
        ],
        ["product_id", "kind", "name", "version"],
    )
    return True


def derive_lineage(connection: Connection) -> list[LineageEdge]:
    """Input ports are wired to the output ports that serve the contract they consume."""
    inputs = ports.alias("inputs")
    outputs = ports.alias("outputs")
    query = (
        select(
            outputs.c.product_id,
            outputs.c.name,
            inputs.c.product_id,
            inputs.c.name,
            inputs.c.contract_id,
        )
        .join(outputs, outputs.c.contract_id == inputs.c.contract_id)
        .where(inputs.c.kind == "input", outputs.c.kind == "output")
        .where(outputs.c.product_id != inputs.c.product_id)
        .distinct()
    )
    return [LineageEdge(*row) for row in connection.execute(query)]


def sync_lineage(connection: Connection) -> tuple[int, int]:
    """Bring lineage_edges in line with the ports; returns (added, removed)."""
    wanted = {tuple(asdict(edge).values()) for edge in derive_lineage(connection)}
    have = {tuple(row) for row in connection.execute(select(lineage_edges))}
    key_columns = [
        lineage_edges.c.upstream_product,
        lineage_edges.c.upstream_port,
        lineage_edges.c.downstream_product,
        lineage_edges.c.downstream_port,
    ]
    stale = [edge[:4] for edge in have - wanted]
    if stale:
        connection.execute(delete(lineage_edges).where(tuple_(*key_columns).in_(stale)))
    fresh = [
        dict(zip([c.name for c in lineage_edges.c], edge, strict=True)) for edge in wanted - have
    ]
    insert_ignore(connection, lineage_edges, fresh, [c.name for c in key_columns])
    return len(wanted - have), len(stale)
