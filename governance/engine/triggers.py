"""Review triggers (pure): what the engine's results ask of the board, and what no longer does.

`desired_items` turns the newest results into item specs keyed for deduplication;
`plan_queue` compares them with the items already queued and says which to open and which
to close, with the reason. Requests (waivers, access) are opened by the people who make
them, not here, and closed by their decision.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from governance.engine.review import KINDS, ItemSpec, evidence
from governance.model.records import ContractVersion
from governance.model.vocabulary import CANDIDATE_STATUSES, CLASSIFICATION_RANK


@dataclass(frozen=True)
class TriggerInputs:
    """Everything the triggers look at, read by the service from the store."""

    products: Mapping[str, Mapping[str, Any]]  # id -> domain_id, status, tier, registered_at
    policy_results: Sequence[Mapping[str, Any]]  # the newest evaluation's results
    policy_titles: Mapping[str, str]
    slo_status: Sequence[Mapping[str, Any]]
    contracts: Mapping[str, Sequence[ContractVersion]] = field(default_factory=dict)
    # Products registered before this time were in the mesh before the queue: no acceptance.
    baseline: datetime | None = None
    policy_files: Mapping[str, str] = field(default_factory=dict)  # path -> sha256 now
    known_policy_files: Mapping[str, str] | None = None  # as last seen; None: first look


@dataclass
class QueuePlan:
    """What a sync does to the queue."""

    open: list[ItemSpec] = field(default_factory=list)
    close: list[tuple[int, str]] = field(default_factory=list)  # (item id, reason)


def desired_items(inputs: TriggerInputs) -> dict[str, ItemSpec]:
    """Every item the current results call for, by key."""
    specs = [
        *_acceptance(inputs),
        *_blockers(inputs),
        *_budgets(inputs),
        *_contract_changes(inputs),
        *_policy_changes(inputs),
    ]
    return {spec.key: spec for spec in specs}


def plan_queue(
    desired: Mapping[str, ItemSpec],
    queued: Sequence[Mapping[str, Any]],
    inputs: TriggerInputs,
) -> QueuePlan:
    """Open what is asked for and not queued; close standing items whose cause is gone.

    A standing item (blocker, budget) is deduplicated against items not yet closed, so a
    cause that returns after its item closed opens a new one. A one-off item (acceptance,
    contract or policy change) is asked once: any item with its key, even closed, counts.
    """
    plan = QueuePlan()
    live = {row["item_key"] for row in queued if row["state"] != "closed"}
    ever = {row["item_key"] for row in queued}
    for key, spec in desired.items():
        seen = live if KINDS[spec.kind].standing else ever
        if key not in seen:
            plan.open.append(spec)
    for row in queued:
        if row["state"] == "closed" or row["item_key"] in desired:
            continue
        reason = _cause_gone(row, inputs)
        if reason:
            plan.close.append((row["id"], reason))
    return plan


def _cause_gone(row: Mapping[str, Any], inputs: TriggerInputs) -> str | None:
    kind, product = row["kind"], row["product_id"]
    if kind in ("waiver_request", "access_request", "policy_change"):
        return None  # closed by their decision, never by a trigger
    if product is not None and product not in inputs.products:
        return f"product {product} is no longer registered"
    subject = row.get("subject") or {}
    if kind == "blocker":
        outcome = _outcome(inputs, product, subject.get("policy_id"))
        if outcome is None:
            return f"policy {subject.get('policy_id')} no longer applies to {product}"
        return f"policy {subject.get('policy_id')} is now {outcome} for {product}"
    if kind == "budget_exhausted":
        status = next(
            (
                s["status"]
                for s in inputs.slo_status
                if s["product_id"] == product and s["slo"] == subject.get("slo")
            ),
            None,
        )
        if status is None:
            return f"SLO {subject.get('slo')} of {product} is no longer measured"
        return f"SLO {subject.get('slo')} of {product} is {status} again"
    if kind == "contract_change":
        versions = {v.version for v in inputs.contracts.get(subject.get("contract_id", ""), ())}
        if not {subject.get("from_version"), subject.get("to_version")} <= versions:
            return f"contract {subject.get('contract_id')} no longer has both versions"
    return None


def _outcome(inputs: TriggerInputs, product: str | None, policy_id: str | None) -> str | None:
    for result in inputs.policy_results:
        if result["product_id"] == product and result["policy_id"] == policy_id:
            return str(result["outcome"])
    return None


def _product_spec_fields(inputs: TriggerInputs, product_id: str | None) -> dict[str, Any]:
    product = inputs.products.get(product_id or "", {})
    return {
        "product_id": product_id,
        "domain_id": product.get("domain_id"),
        "tier": product.get("tier"),
    }


def _acceptance(inputs: TriggerInputs) -> list[ItemSpec]:
    specs = []
    for product_id, product in sorted(inputs.products.items()):
        status = str(product.get("status") or "").lower()
        new = inputs.baseline is not None and product["registered_at"] > inputs.baseline
        if status not in CANDIDATE_STATUSES and not new:
            continue
        why = f"status {status}" if status in CANDIDATE_STATUSES else "registered after go-live"
        specs.append(
            ItemSpec(
                key=f"acceptance:{product_id}",
                kind="acceptance",
                **_product_spec_fields(inputs, product_id),
                title=f"Accept {product.get('name') or product_id} into the mesh",
                summary=(
                    f"{product_id} ({product.get('domain_id')}, {why}) asks to join the mesh. "
                    "Check its descriptor, contract and first evidence."
                ),
                severity="minor",
                decision_asked=f"Approve or reject {product_id} as a data product of the mesh",
                evidence=[evidence("product", product_id, "Descriptor", f"status {status}")],
                subject={"status": status},
            )
        )
    return specs


def _blockers(inputs: TriggerInputs) -> list[ItemSpec]:
    specs = []
    for result in inputs.policy_results:
        if not (
            result["severity"] == "blocker"
            and result["lifecycle"] == "enforced"
            and result["outcome"] == "fail"
        ):
            continue
        product_id, policy_id = result["product_id"], result["policy_id"]
        title = inputs.policy_titles.get(policy_id, policy_id)
        cited = result.get("facts") or {}
        specs.append(
            ItemSpec(
                key=f"blocker:{product_id}:{policy_id}",
                kind="blocker",
                **_product_spec_fields(inputs, product_id),
                title=f"{product_id}: {policy_id} fails ({title})",
                summary=str(result["message"]),
                severity="blocker",
                decision_asked=(
                    f"Ask {product_id}'s owners for a fix by the due date, or approve a "
                    f"time-boxed waiver of {policy_id}"
                ),
                evidence=[
                    evidence("policy", policy_id, title, str(result["message"])),
                    *(
                        evidence("facts", path, path, f"{value!r}")
                        for path, value in sorted(cited.items())
                    ),
                ],
                subject={"policy_id": policy_id},
            )
        )
    return specs


def _budgets(inputs: TriggerInputs) -> list[ItemSpec]:
    specs = []
    for slo in inputs.slo_status:
        if slo["status"] != "exhausted":
            continue
        product_id, name = slo["product_id"], slo["slo"]
        remaining = slo.get("error_budget_remaining")
        attainment = slo.get("attainment")
        detail = (
            f"attainment {attainment:.2%} against {slo['target']:.2%} over "
            f"{slo['period_days']:g} days; budget remaining {remaining:.0%}"
            if attainment is not None and remaining is not None
            else "error budget spent"
        )
        specs.append(
            ItemSpec(
                key=f"budget:{product_id}:{name}",
                kind="budget_exhausted",
                **_product_spec_fields(inputs, product_id),
                title=f"{product_id}: error budget of {name} exhausted",
                summary=f"The SLO {name} has no error budget left: {detail}.",
                severity="major",
                decision_asked=(
                    f"Decide whether {product_id} freezes changes until the SLO recovers, "
                    "or accept the risk"
                ),
                evidence=[evidence("slo", name, f"SLO {name}", detail)],
                subject={"slo": name},
            )
        )
    return specs


def breaking_changes(old: ContractVersion, new: ContractVersion) -> list[str]:
    """What a consumer of `old` loses in `new`: removed, retyped or more tightly classified columns."""
    changes = []
    for key, before in sorted(old.columns.items()):
        name = ".".join(key)
        after = new.columns.get(key)
        if after is None:
            changes.append(f"column {name} removed")
            continue
        for attribute in ("logical_type", "physical_type"):
            if (before.get(attribute) or "").lower() != (after.get(attribute) or "").lower():
                changes.append(
                    f"column {name} retyped: {attribute} {before.get(attribute)} → "
                    f"{after.get(attribute)}"
                )
        was = CLASSIFICATION_RANK.get(str(before.get("classification") or "").lower(), -1)
        now = CLASSIFICATION_RANK.get(str(after.get("classification") or "").lower(), -1)
        if now > was >= 0:
            changes.append(
                f"column {name} classification tightened: {before.get('classification')} → "
                f"{after.get('classification')}"
            )
    return changes


def version_key(version: str) -> tuple[Any, ...]:
    """Sort key for versions: numeric parts numerically (1.10.0 after 1.9.0)."""
    return tuple(
        (0, int(part), "") if part.isdigit() else (1, 0, part)
        for part in version.replace("-", ".").split(".")
    )


def _contract_changes(inputs: TriggerInputs) -> list[ItemSpec]:
    specs = []
    for contract_id, versions in sorted(inputs.contracts.items()):
        ordered = sorted(versions, key=lambda v: version_key(v.version))
        for old, new in zip(ordered, ordered[1:], strict=False):
            changes = breaking_changes(old, new)
            if not changes:
                continue
            product_id = new.product_id or old.product_id
            specs.append(
                ItemSpec(
                    key=f"contract_change:{contract_id}:{old.version}->{new.version}",
                    kind="contract_change",
                    **_product_spec_fields(inputs, product_id),
                    title=f"Breaking change in {contract_id} {old.version} → {new.version}",
                    summary="; ".join(changes),
                    severity="major",
                    decision_asked=(
                        f"Approve {contract_id} {new.version} (consumers must migrate) or reject "
                        "it until a compatible version is offered"
                    ),
                    evidence=[
                        evidence("contract", f"{contract_id}@{new.version}", change, "")
                        for change in changes
                    ],
                    subject={
                        "contract_id": contract_id,
                        "from_version": old.version,
                        "to_version": new.version,
                        "changes": changes,
                    },
                )
            )
    return specs


def _policy_changes(inputs: TriggerInputs) -> list[ItemSpec]:
    if inputs.known_policy_files is None:
        return []  # first look: today's files are the baseline, not a change
    known, now = inputs.known_policy_files, inputs.policy_files
    specs = []
    for path in sorted(set(known) | set(now)):
        before, after = known.get(path), now.get(path)
        if before == after:
            continue
        change = "added" if before is None else "removed" if after is None else "changed"
        specs.append(
            ItemSpec(
                key=f"policy_change:{path}:{(after or 'removed')[:16]}",
                kind="policy_change",
                product_id=None,
                domain_id=None,
                tier=None,
                title=f"Global policy file {path} {change}",
                summary=(
                    f"{path} was {change} since the queue last looked; the board owns global "
                    "policies and ratifies each change."
                ),
                severity="major",
                decision_asked=f"Ratify the change to {path}, or ask for it to be reverted",
                evidence=[
                    evidence(
                        "policy_file",
                        path,
                        f"{path} {change}",
                        f"sha256 {(before or '-')[:12]} → {(after or '-')[:12]}",
                    )
                ],
                subject={"path": path, "before": before, "after": after, "change": change},
            )
        )
    return specs
