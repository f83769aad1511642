"""The demo fed through the ingest server stores exactly the evidence its files give."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from governance.config import resolve_workspace
from governance.demo import build_demo
from governance.demo.push import push_demo
from governance.service import MeshgovService
from governance.store.schema import tables

EVIDENCE = (
    tables.check_results,
    tables.pipeline_runs,
    tables.observed_lineage,
    tables.log_records,
    tables.audit_events,
    tables.slo_definitions,
    tables.sli_samples,
    tables.check_daily,
    tables.log_daily,
)


def loaded(root, *, push: bool) -> MeshgovService:
    build_demo(root, days=3, today=date(2026, 11, 24))
    service = MeshgovService(resolve_workspace(root))
    service.init()
    assert service.registration.register([root / "products"]).ok
    if push:
        sent = push_demo(service, root)
        assert set(sent) == {"/api/v1/lineage", "/v1/logs", "/api/v1/results/great_expectations"}
    else:
        assert service.collection.collect_configured().ok
    return service


def counts(service: MeshgovService) -> dict[str, int]:
    with service.store.read() as connection:
        return {
            table.name: connection.execute(select(func.count()).select_from(table)).scalar_one()
            for table in EVIDENCE
        }


def keys(service: MeshgovService) -> set[str]:
    with service.store.read() as connection:
        return set(connection.scalars(select(tables.check_results.c.check_key)))


def test_pushed_demo_equals_the_collected_demo(tmp_path, monkeypatch):
    monkeypatch.delenv("MESHGOV_DB_URL", raising=False)
    from_files = loaded(tmp_path / "files", push=False)
    pushed = loaded(tmp_path / "pushed", push=True)
    expected = counts(from_files)
    assert all(expected.values()), expected
    assert counts(pushed) == expected
    assert keys(pushed) == keys(from_files)
    tokens = pushed.tokens.list()
    assert {t.name for t in tokens} >= {"demo-artists", "demo-listening"}
