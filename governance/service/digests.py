"""The digests part of the service: build the day's digests, write them as files, send them.

`meshgov digest` runs it once a day (a CronJob, Airflow, cron) after `meshgov evaluate`.
The digest is of the newest evaluation's day; due and expiring look `within` days ahead.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

from governance.engine.digest import Digest, MeshState, build_digests
from governance.engine.roles import RoleMapping
from governance.errors import NotEvaluated, WorkspaceError
from governance.service.board import Board
from governance.service.context import MeshContext
from governance.service.digest_formats import digest_markdown, digest_message, file_stem
from governance.service.notify import Delivery, Notify, post_webhook
from governance.store.read import digest_queries as queries
from governance.store.read import read_models
from governance.store.read.incident_queries import active_incidents
from governance.store.read.judgements import latest_evaluation
from governance.store.read.movement_queries import domain_snapshots_on

DEFAULT_WITHIN_DAYS = 7


@dataclass(frozen=True)
class WrittenDigest:
    """A digest and the files it was written to."""

    digest: Digest
    markdown: Path
    json: Path


class Digests:
    """The digests part of MeshgovService."""

    def __init__(self, context: MeshContext, board: Board, notify: Notify) -> None:
        self._context, self._board, self._notify = context, board, notify

    def build(self, within_days: int = DEFAULT_WITHIN_DAYS) -> list[Digest]:
        """One digest per product owner and per domain, of the newest evaluation's day."""
        if within_days < 0:
            raise ValueError("--within needs a number of days of at least 0")
        items = self._board.queue()  # open review items, for what is due
        with self._context.store.read() as connection:
            evaluation = latest_evaluation(connection)
            if evaluation is None:
                raise NotEvaluated("nothing evaluated yet: run `meshgov evaluate` first")
            day = evaluation["as_of"].date()
            today = domain_snapshots_on(connection, "*", day)
            before = domain_snapshots_on(connection, "*", day - timedelta(days=1))
            state = MeshState(
                day=day,
                horizon=datetime.combine(day + timedelta(days=within_days), time.max, UTC),
                products={p["id"]: p for p in read_models.list_products(connection, None)},
                scores={r["product_id"]: r["score"] for r in today},
                previous={r["product_id"]: r["score"] for r in before if r["day"] < day},
                policies=queries.failing_policies(connection),
                checks=queries.failing_checks(connection),
                slos=queries.burning_slos(connection),
                items=items,
                waivers=queries.approved_waivers(connection),
                grants=queries.active_grants(connection),
                domain_owners=_domain_owners(self._board.role_mapping()),
                incidents={i["incident_key"]: i for i in active_incidents(connection)},
            )
        return build_digests(state)

    def write(self, digests: list[Digest], folder: Path) -> list[WrittenDigest]:
        """Each digest as Markdown and JSON in folder/<day>/, replacing that day's files."""
        written = []
        for digest in digests:
            target = folder / digest.day.isoformat()
            target.mkdir(parents=True, exist_ok=True)
            stem = file_stem(digest)
            markdown, document = target / f"{stem}.md", target / f"{stem}.json"
            markdown.write_text(digest_markdown(digest), encoding="utf-8")
            document.write_text(json.dumps(digest.as_dict(), indent=2) + "\n", encoding="utf-8")
            written.append(WrittenDigest(digest, markdown, document))
        return written

    def send(self, digests: list[Digest]) -> list[tuple[Digest, Delivery]]:
        """One webhook message per digest with news (all-clear digests are not sent)."""
        config = self._notify.webhook()
        if config is None:
            raise WorkspaceError(
                "no webhook to send digests to: set notifications.webhook.url in meshgov.yaml"
            )
        return [
            (digest, post_webhook(config, digest_message(digest, config.dashboard_url)))
            for digest in digests
            if not digest.all_clear
        ]


def _domain_owners(mapping: RoleMapping) -> dict[str, list[str]]:
    """Who owns each domain, by meshgov.yaml `roles: domain_owner:`."""
    owners: dict[str, list[str]] = {}
    for grant in mapping.grants:
        if grant.role == "domain_owner" and grant.domain is not None:
            owners.setdefault(grant.domain, []).append(grant.member)
    return owners
