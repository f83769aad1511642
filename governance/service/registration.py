"""The registration part of the service: find descriptors and contracts, validate, write them.

Each product is written in its own transaction together with the contracts its output
ports point to, so an invalid product (or an invalid contract it depends on) writes
nothing of itself and takes nothing else down with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from governance.descriptors import (
    DescriptorError,
    DescriptorFile,
    classify,
    parse_contract,
    parse_product,
)
from governance.model.records import Contract, Product
from governance.service.context import SYSTEM_ACTOR, MeshContext
from governance.store import Store
from governance.store.read.registry_queries import contract_registered, product_ids
from governance.store.write import ledger
from governance.store.write.registry import sync_lineage, write_contract, write_product
from governance.telemetry import tracer

YAML_SUFFIXES = (".yaml", ".yml", ".json")


@dataclass
class RegistrationReport:
    """What `meshgov register` did."""

    registered: list[str] = field(default_factory=list)  # new or changed products
    unchanged: list[str] = field(default_factory=list)
    contracts_written: list[str] = field(default_factory=list)
    refused: list[DescriptorError] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # YAML files of other kinds
    deferred: list[str] = field(default_factory=list)  # contracts whose product is absent
    # "path: field: message": accepted, but a field meshgov does not use (or a deprecated form)
    warnings: list[str] = field(default_factory=list)
    lineage_added: int = 0
    lineage_removed: int = 0

    @property
    def ok(self) -> bool:
        """True when nothing was refused."""
        return not self.refused


def find_descriptor_files(paths: Sequence[Path]) -> tuple[list[DescriptorFile], list[str]]:
    """Files named directly, and YAML/JSON files found recursively in folders."""
    files: list[DescriptorFile] = []
    missing: list[str] = []
    for path in paths:
        if path.is_dir():
            candidates = sorted(p for p in path.rglob("*") if p.suffix.lower() in YAML_SUFFIXES)
            files.extend(classify(p) for p in candidates if p.is_file())
        elif path.is_file():
            files.append(classify(path))
        else:
            missing.append(str(path))
    return files, missing


def register_paths(store: Store, paths: Sequence[Path]) -> RegistrationReport:
    """Register every product descriptor and contract found under `paths`."""
    report = RegistrationReport()
    with tracer().start_as_current_span("meshgov.register"):
        files, missing = find_descriptor_files(paths)
        report.refused.extend(DescriptorError(m, None, "no such file or folder") for m in missing)
        named = {p.resolve() for p in paths if p.is_file()}
        contracts, bad_contracts = _parse_contracts(files, report)
        products = _parse_products(files, named, report)
        for product in products:
            _register_product(store, product, contracts, bad_contracts, report)
        _register_loose_contracts(store, contracts, products, report)
        # A file refused at registration (its contract missing, say): the refusal is what counts.
        refused = tuple(f"{error.path}: " for error in report.refused)
        report.warnings = [w for w in report.warnings if not w.startswith(refused)]
        with store.begin() as connection:
            report.lineage_added, report.lineage_removed = sync_lineage(connection)
    return report


def _parse_contracts(
    files: list[DescriptorFile], report: RegistrationReport
) -> tuple[dict[str, list[Contract]], dict[str, DescriptorError]]:
    contracts: dict[str, list[Contract]] = {}
    bad: dict[str, DescriptorError] = {}
    for file in files:
        if file.kind != "DataContract":
            continue
        said: list[str] = []  # a refused file's warnings would only distract from the refusal
        try:
            contract = parse_contract(file.content, str(file.path), warnings=said)
        except DescriptorError as error:
            report.refused.append(error)
            if file.declared_id:
                bad[file.declared_id] = error
            continue
        report.warnings.extend(said)
        versions = contracts.setdefault(contract.id, [])
        twin = next((c for c in versions if c.version == contract.version), None)
        if twin is not None:
            problem = (
                f"contract {contract.id!r} version {contract.version} is also in {twin.source_path}"
            )
            report.refused.append(DescriptorError(str(file.path), "version", problem))
            continue
        # Several versions of one contract may be registered side by side.
        versions.append(contract)
    return contracts, bad


def _parse_products(
    files: list[DescriptorFile], named: set[Path], report: RegistrationReport
) -> list[Product]:
    products: list[Product] = []
    seen: dict[str, str] = {}
    for file in files:
        if file.error is not None:
            report.refused.append(file.error)
            continue
        if file.kind == "DataContract":
            continue
        if file.kind != "DataProduct":
            if file.path.resolve() in named:
                problem = f"kind is {file.kind!r}; expected DataProduct or DataContract"
                report.refused.append(DescriptorError(str(file.path), "kind", problem))
            else:
                report.ignored.append(str(file.path))
            continue
        said = []
        try:
            product = parse_product(file.content, str(file.path), warnings=said)
        except DescriptorError as error:
            report.refused.append(error)
            continue
        report.warnings.extend(said)
        if product.id in seen:
            problem = f"product {product.id!r} is also declared in {seen[product.id]}"
            report.refused.append(DescriptorError(str(file.path), "id", problem))
            continue
        seen[product.id] = str(file.path)
        products.append(product)
    return products


def _register_product(
    store: Store,
    product: Product,
    contracts: dict[str, list[Contract]],
    bad_contracts: dict[str, DescriptorError],
    report: RegistrationReport,
) -> None:
    with store.begin() as connection:
        needed: list[Contract] = []
        for index, port in enumerate(product.ports):
            if port.kind != "output" or not port.contract_id:
                continue
            where = f"outputPorts[{index - len(product.input_ports)}].contractId"
            if port.contract_id in bad_contracts:
                problem = (
                    f"contract {port.contract_id!r} is invalid: {bad_contracts[port.contract_id]}"
                )
                report.refused.append(DescriptorError(product.source_path, where, problem))
                return
            if port.contract_id in contracts:
                needed.extend(contracts[port.contract_id])
            elif not contract_registered(connection, port.contract_id):
                # A valid descriptor may name a contract published elsewhere: the product
                # registers, and its port's schema stays unknown until the contract does.
                report.warnings.append(
                    f"{product.source_path}: {where}: contract {port.contract_id!r} was not "
                    "found among the registered files or in the store; the port's schema and "
                    "classification stay unknown until the contract file is registered"
                )
        for contract in needed:
            if write_contract(connection, contract):
                report.contracts_written.append(f"{contract.id}@{contract.version}")
        changed = write_product(connection, product)
    (report.registered if changed else report.unchanged).append(product.id)


def _register_loose_contracts(
    store: Store,
    contracts: dict[str, list[Contract]],
    products: list[Product],
    report: RegistrationReport,
) -> None:
    """Contracts no product serves (a source system's, say) register on their own.

    A contract that names a product (`dataProduct`) waits until that product registers:
    when the product was refused, nothing of it is written, its contract included.
    """
    served = {p.contract_id for product in products for p in product.output_ports}
    with store.begin() as connection:
        known = product_ids(connection)
        for contract in (c for versions in contracts.values() for c in versions):
            if contract.id in served:
                continue
            if contract.data_product and contract.data_product not in known:
                report.deferred.append(
                    f"{contract.source_path}: contract {contract.id!r} waits for its product "
                    f"{contract.data_product!r}, which is not registered"
                )
            elif write_contract(connection, contract):
                report.contracts_written.append(f"{contract.id}@{contract.version}")


class Registration:
    """The registration part of MeshgovService: products and contracts into the registry."""

    def __init__(self, context: MeshContext) -> None:
        self._store = context.store

    def register(self, paths: Sequence[Path], actor: str = SYSTEM_ACTOR) -> RegistrationReport:
        """Register ODPS descriptors and ODCS contracts found under `paths`; log what changed."""
        self._store.check_ready()
        report = register_paths(self._store, paths)
        if report.registered or report.contracts_written:
            with self._store.begin() as connection:
                for product_id in report.registered:
                    ledger.append(
                        connection,
                        actor=actor,
                        action="product.registered",
                        subject=f"product:{product_id}",
                        payload={"paths": [str(p) for p in paths]},
                    )
                for contract in report.contracts_written:
                    ledger.append(
                        connection,
                        actor=actor,
                        action="contract.registered",
                        subject=f"contract:{contract}",
                    )
        return report
