"""The catalog and collectors pages, and their read models, on the demo mesh (a real SQLite store).

The demo store is shared by the whole session: these tests only read it. Refusals and
unattributed evidence, which the demo has none of, are made by collecting real bad files
into a fresh store of each backend.
"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from governance.service import MeshgovService
from governance.store.read import catalog_queries as q
from governance.store.read import collector_queries as cq
from governance.store.read import judgements
from governance.ui.catalog import DOMAINS_KEY, LEVELS_KEY, TEXT_KEY, catalog_table
from governance.ui.collectors_page import source_table
from tests.ui.pages import goto, registered_pages

APP = Path(__file__).resolve().parents[2] / "app.py"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
CONSUMER = "lucia.ferrante@harmonia-music.example"
BOARD_CHAIR = "beatriz.costa@harmonia-music.example"
PAYMENT_PRODUCTS = {"artist-payments", "payment-events"}
STALE_PRODUCT = "podcast-catalog"
# A column only each table has, to find it on the page.
RESULTS, RUNS, FRESHNESS = (
    "trust_level",
    "files_read",
    "stale",
)  # the demo's story: its ingest stopped six days ago


def app_as(workspace: Path, monkeypatch: pytest.MonkeyPatch, email: str) -> AppTest:
    """The app as `meshgov serve` runs it, with the development identity picker set to `email`."""
    monkeypatch.setenv("MESHGOV_WORKSPACE", str(workspace))
    monkeypatch.delenv("MESHGOV_DB_URL", raising=False)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.session_state["dev_identity"] = email
    at.run()
    assert not at.exception
    return at


def navigation_paths(at: AppTest) -> set[str]:
    """The url paths of the pages st.navigation offered the signed-in person."""
    return set(registered_pages(at))


def open_page(at: AppTest, url_path: str) -> AppTest:
    """Go to a page of the navigation, as a click on it in the sidebar does."""
    goto(at, url_path)
    assert not at.exception
    return at


def table(at: AppTest, column: str) -> pd.DataFrame:
    """The table holding `column` (read-only dataframes carry no key in AppTest)."""
    return next(df.value for df in at.dataframe if column in df.value.columns)


def texts(at: AppTest) -> str:
    parts = [e.value for e in (*at.markdown, *at.caption, *at.title, *at.subheader)]
    parts += [e.value for e in (*at.warning, *at.error, *at.info, *at.success)]
    return "\n".join(str(part) for part in parts)


@pytest.fixture(scope="module")
def demo_service(demo_workspace: Path) -> MeshgovService:
    return MeshgovService.open(demo_workspace)


@pytest.fixture
def catalog(demo_workspace: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    at = open_page(app_as(demo_workspace, monkeypatch, CONSUMER), "catalog")
    assert at.title[0].value == "Catalog"
    return at


@pytest.fixture
def collectors(demo_workspace: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    at = open_page(app_as(demo_workspace, monkeypatch, BOARD_CHAIR), "collectors")
    assert at.title[0].value == "Collectors"
    return at


# --- catalog page -----------------------------------------------------------------------


def test_catalog_lists_the_twelve_demo_products(catalog: AppTest, demo_service):
    results = table(catalog, RESULTS)
    registry = {p["id"] for p in demo_service.products()}
    assert len(registry) == 12 and set(results["id"]) == registry
    assert list(results["link"]) == [f"product?product={i}" for i in results["id"]]
    assert "12 of 12 products match." in texts(catalog)


def test_text_search_narrows_to_the_payment_products(catalog: AppTest):
    catalog.text_input(key=TEXT_KEY).input("payments").run()
    assert not catalog.exception
    assert set(table(catalog, RESULTS)["id"]) == PAYMENT_PRODUCTS
    # Column names are searched too: only the podcast catalog's contract has episode_id.
    catalog.text_input(key=TEXT_KEY).input("EPISODE_ID").run()
    assert set(table(catalog, RESULTS)["id"]) == {STALE_PRODUCT}


def test_domain_and_trust_level_filters(catalog: AppTest):
    catalog.multiselect(key=DOMAINS_KEY).select("podcasts").run()
    assert set(table(catalog, RESULTS)["id"]) == {"podcast-catalog", "podcast-listeners"}
    catalog.multiselect(key=LEVELS_KEY).select("gold").run()
    assert set(table(catalog, RESULTS)["id"]) == {"podcast-listeners"}
    catalog.multiselect(key=DOMAINS_KEY).unselect("podcasts").run()
    gold = set(table(catalog, RESULTS)["trust_level"])
    assert gold == {"gold"}


def test_trust_level_score_and_slos_come_from_the_evaluation(catalog: AppTest, demo_service):
    results = table(catalog, RESULTS).set_index("id")
    scores = {s["product_id"]: s for s in demo_service.read_model(judgements.latest_scores)}
    assert results.loc["playlist-recommendations", "trust_level"] == "none"
    for product_id, snapshot in scores.items():
        assert results.loc[product_id, "trust_level"] == snapshot["level"]
        assert results.loc[product_id, "score"].startswith(f"{snapshot['score']:.1f}")
    # The podcast catalog's freshness SLOs burnt their budget while its ingest stalled.
    assert results.loc[STALE_PRODUCT, "slo_status"].startswith("exhausted")


def test_descriptions_are_shown_as_table_text_never_markdown(catalog: AppTest, demo_service):
    results = table(catalog, RESULTS).set_index("id")
    markdown = "\n".join(m.value for m in catalog.markdown)
    for product in demo_service.products():
        assert results.loc[product["id"], "description"] == (product["description"] or "")
        assert product["description"] not in markdown


def test_not_evaluated_products_never_look_healthy(service: MeshgovService, mesh_dir: Path):
    assert service.registration.register([mesh_dir]).ok
    entries = service.read_model(q.catalog_entries)
    assert {e.id for e in entries} == {"orders", "revenue"}
    assert all(not e.evaluated for e in entries)
    assert {e.trust_level for e in entries} == {q.NOT_EVALUATED}
    assert {e.slo_status for e in entries} == {q.NOT_EVALUATED}
    shown = catalog_table(entries)
    assert set(shown["score"]) == set(shown["trust_level"]) == {q.NOT_EVALUATED}
    assert set(shown["last_evidence"]) == {"—"}


# --- navigation -------------------------------------------------------------------------


def test_consumers_get_the_catalog_but_not_the_collectors_page(
    demo_workspace: Path, monkeypatch: pytest.MonkeyPatch
):
    consumer = navigation_paths(app_as(demo_workspace, monkeypatch, CONSUMER))
    assert "catalog" in consumer and "collectors" not in consumer
    board = navigation_paths(app_as(demo_workspace, monkeypatch, BOARD_CHAIR))
    assert {"catalog", "collectors"} <= board


# --- collectors page --------------------------------------------------------------------


def test_collectors_page_shows_the_last_run_of_every_configured_source(
    collectors: AppTest, demo_service: MeshgovService
):
    runs = table(collectors, RUNS)
    configured = {(s.collector, s.location) for s in demo_service.collection.sources()}
    assert set(zip(runs["collector"], runs["source"], strict=True)) == configured
    assert len(runs) == len(configured) and set(runs["status"]) == {"ok"}
    assert not collectors.error  # nothing failed, nothing to shout about
    page = texts(collectors)
    assert "No collector refused a file" in page
    assert "Every collected record is attributed to a product." in page


def test_collectors_page_lists_kinds_of_warning_apart_from_refusals(
    collectors: AppTest, demo_service: MeshgovService
):
    kinds = demo_service.read_model(cq.warning_kinds)
    # The demo's seven SLO files declare their Service, a kind meshgov reads but does not use;
    # its 354 OpenLineage files carry the schema facet: one row each, with its file count.
    service = next(k for k in kinds if k.collector == "openslo")
    assert "kind Service" in service.warning and service.files == 7
    schema = next(k for k in kinds if k.collector == "openlineage")
    assert "schema" in schema.warning and schema.files == 354
    assert [k.files for k in kinds] == sorted((k.files for k in kinds), reverse=True)
    [expander] = [e for e in collectors.expander if e.label.startswith("Read with warnings")]
    assert expander.label == f"Read with warnings: {len(kinds)} kind(s) of warning"
    shown = table(collectors, "warning")
    assert list(shown["files"]) == [k.files for k in kinds]
    assert "No collector refused a file" in texts(collectors)  # a warning is not a refusal


def test_collectors_page_flags_the_stalled_podcast_catalog(collectors: AppTest):
    freshness = table(collectors, FRESHNESS).set_index("product")
    assert freshness.loc[STALE_PRODUCT, "stale"].startswith("⚠ stale")
    assert freshness.loc[STALE_PRODUCT, "checks"].startswith("⚠")
    others = freshness.drop(index=STALE_PRODUCT)
    assert set(others["stale"]) == {"fresh"}
    assert freshness.index[0] == STALE_PRODUCT  # stale products first
    assert any(STALE_PRODUCT in w.value for w in collectors.warning)
    chart = collectors.get("vega_lite_chart")
    assert len(chart) == 1 and '"hours"' in chart[0].proto.spec


# --- read models on the demo store ------------------------------------------------------


def test_catalog_entries_read_model(demo_service: MeshgovService):
    entries = {e.id: e for e in demo_service.read_model(q.catalog_entries)}
    assert len(entries) == 12 and all(e.evaluated for e in entries.values())
    assert entries["playlist-recommendations"].trust_level == "none"
    assert entries["playlist-recommendations"].owner is None  # the demo's orphan
    assert entries[STALE_PRODUCT].slo_status == "exhausted"
    assert "episode_id" in entries[STALE_PRODUCT].columns
    assert all(e.last_evidence is not None for e in entries.values())
    found = q.search_catalog(entries.values(), q.CatalogSearch(text="payments"))
    assert {e.id for e in found} == PAYMENT_PRODUCTS


def test_last_run_per_source_read_model(demo_service: MeshgovService):
    runs = demo_service.read_model(q.last_run_per_source)
    configured = {(s.collector, s.location) for s in demo_service.collection.sources()}
    assert {(r.collector, r.source) for r in runs} == configured
    assert all(r.status == "ok" and r.files_refused == 0 for r in runs)
    # Other tests may collect the shared demo again: its last runs then find files unchanged.
    assert all(r.files_read + r.files_unchanged > 0 for r in runs)
    assert demo_service.read_model(cq.refusals) == []
    assert all(o.records == 0 for o in demo_service.read_model(q.unattributed_evidence))


def test_evidence_freshness_read_model(demo_service: MeshgovService):
    freshness = {f.product_id: f for f in demo_service.read_model(q.evidence_freshness)}
    assert len(freshness) == 12
    assert [p for p, f in freshness.items() if f.stale] == [STALE_PRODUCT]
    stalled = freshness[STALE_PRODUCT]
    assert {"checks", "runs", "logs"} <= set(stalled.stale_kinds)
    assert stalled.hours_since_oldest_kind > 5 * 24  # six days, give or take the run hour
    # Three days on, nothing collected in between: every product has gone stale.
    newest = max(a.newest for f in freshness.values() for a in f.ages if a.newest)
    later = demo_service.read_model(q.evidence_freshness, newest + timedelta(days=3))
    assert all(f.stale for f in later)


# --- refusals and unattributed evidence, from real bad files ----------------------------


def test_refusals_and_unattributed_evidence(
    service: MeshgovService, mesh_dir: Path, tmp_path: Path
):
    assert service.registration.register([mesh_dir]).ok
    audit = tmp_path / "audit.jsonl"
    line = {"time": "2026-11-24T03:00:00Z", "action": "download", "read_only": True}
    audit.write_text(
        json.dumps(line | {"actor": "ana@example.com", "resource": "s3://elsewhere/x", "id": "a"})
        + "\n"
        + json.dumps(line | {"resource": "s3://elsewhere/y", "id": "b"})  # no actor
        + "\n"
    )
    refused = FIXTURES / "bad_inputs" / "audit_logs" / "pgaudit_unknown_zone.log"
    service.collection.collect("audit_logs", [audit, refused])

    found = {Path(r.path).name: r for r in service.read_model(cq.refusals)}
    assert set(found) == {"audit.jsonl", refused.name}
    assert found[refused.name].whole_file and "CET" in (found[refused.name].reason or "")
    assert not found["audit.jsonl"].whole_file
    assert found["audit.jsonl"].position == "line 2"
    assert "actor" in (found["audit.jsonl"].reason or "")

    orphans = {o.kind: o for o in service.read_model(q.unattributed_evidence)}
    assert orphans["audit"].records == 1
    assert orphans["audit"].examples == ((str(audit), 1),)
    assert all(o.records == 0 for kind, o in orphans.items() if kind != "audit")

    runs = {Path(r.source).name: r for r in service.read_model(q.last_run_per_source)}
    assert runs[refused.name].status == "failed" and runs["audit.jsonl"].status == "partial"
    shown = source_table(service.collection.sources(), service.read_model(q.last_run_per_source))
    assert list(shown["status"][:2]) == ["failed", "partial"]  # what needs someone, first


# --- pure helpers -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("counts", "worst"),
    [
        ({}, q.NO_SLOS),
        ({"ok": 3}, "ok"),
        ({"ok": 2, "at_risk": 1}, "at_risk"),
        ({"breached": 1, "exhausted": 1, "ok": 4}, "exhausted"),
        ({"no_data": 1, "ok": 1}, "no_data"),
        ({"ok": 1, "something-new": 1}, "something-new"),  # unknown ranks worst, never hidden
        ({"exhausted": 0, "ok": 1}, "ok"),
    ],
)
def test_worst_slo_status(counts: dict[str, int], worst: str):
    assert q.worst_slo_status(counts) == worst


def _entry(**overrides) -> q.CatalogEntry:
    values = dict(
        id="orders",
        name="Orders",
        domain_id="sales",
        domain_name="Sales",
        status="active",
        tier=None,
        description="Every *customer* order",
        owner="ana@example.com",
        owner_name="Ana",
        tags=("sales", "orders"),
        columns=("order_id", "amount"),
        score=None,
        grade=None,
        trust_level=q.NOT_EVALUATED,
        slo_status=q.NOT_EVALUATED,
    )
    return q.CatalogEntry(**(values | overrides))


@pytest.mark.parametrize(
    ("search", "matches"),
    [
        (q.CatalogSearch(), True),
        (q.CatalogSearch(text="ORDER_ID"), True),
        (q.CatalogSearch(text="customer amount"), True),  # every word, anywhere
        (q.CatalogSearch(text="customer refunds"), False),
        (q.CatalogSearch(domains=["sales"], tags=["orders"]), True),
        (q.CatalogSearch(domains=["finance"]), False),
        (q.CatalogSearch(trust_levels=[q.NOT_EVALUATED]), True),
        (q.CatalogSearch(trust_levels=["none"]), False),  # not evaluated is not "none"
        (q.CatalogSearch(owners=["ana@example.com"]), True),
        (q.CatalogSearch(owners=["bo@example.com"]), False),
    ],
)
def test_search_catalog(search: q.CatalogSearch, matches: bool):
    assert (q.search_catalog([_entry()], search) != []) is matches
