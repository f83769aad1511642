"""The collector registry: built-ins and third-party plugins through the same entry points."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

import collectors
from collectors import SourceContext, available_collectors, broken_collectors, get_collector
from governance.errors import UnknownCollector
from governance.model.records import SliSample
from governance.store.schema.tables import sli_samples

BUILT_INS = {
    "great_expectations",
    "dbt",
    "soda",
    "openlineage",
    "otlp_logs",
    "audit_logs",
    "openslo",
    "sli_events",
    "prometheus",
}


class HeartbeatCollector:
    """A third-party collector as a plugin would ship it: one SLI sample per file."""

    name = "heartbeat"
    description = "Heartbeat files: one line, a product id"
    file_suffixes = (".beat",)

    def parse(self, content: bytes, source: SourceContext) -> list[SliSample]:
        product = source.attribute(content.decode().strip())
        assert source.fetched_at is not None
        return [
            SliSample(product, "heartbeat", source.fetched_at, self.name, source.path, value=1.0)
        ]


@pytest.fixture
def plugins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Install a distribution with one working and one broken collector entry point."""
    dist = tmp_path / "meshgov_heartbeat-1.0.dist-info"
    dist.mkdir()
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: meshgov-heartbeat\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(
        "[meshgov.collectors]\n"
        "heartbeat = tests.collectors.test_registry:HeartbeatCollector\n"
        "broken = no_such_package.collector:Collector\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    collectors._load_registry.cache_clear()
    yield
    collectors._load_registry.cache_clear()


def test_every_built_in_is_registered_through_the_entry_point_group():
    assert BUILT_INS <= set(available_collectors())
    for name in BUILT_INS:
        collector = get_collector(name)
        assert collector.name == name and collector.description and collector.file_suffixes


def test_a_plugin_collects_like_a_built_in(plugins, service, mesh_dir, tmp_path):
    assert "heartbeat" in available_collectors()
    service.registration.register([mesh_dir])
    beat = tmp_path / "orders.beat"
    beat.write_text("orders\n")
    report = service.collection.collect("heartbeat", [beat])
    assert report.ok and report.records_new == 1
    with service.store.read() as connection:
        [sample] = connection.execute(select(sli_samples)).all()
    assert (sample.product_id, sample.indicator, sample.source_tool) == (
        "orders",
        "heartbeat",
        "heartbeat",
    )


def test_a_broken_plugin_is_named_and_does_not_hide_the_others(plugins):
    assert "no_such_package" in broken_collectors()["broken"]
    assert BUILT_INS <= set(available_collectors())
    with pytest.raises(UnknownCollector, match="installed but failed to load"):
        get_collector("broken")
