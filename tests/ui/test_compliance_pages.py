"""The compliance and policies pages, and their read models, on the demo mesh (real SQLite).

The shared demo store is only read. Tests that need a decided waiver or a second day of
results work on a copy of the demo workspace.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
import yaml
from streamlit.testing.v1 import AppTest

from governance.demo import board_story
from governance.service import MeshgovService
from governance.store.read import compliance_queries as queries
from governance.ui import compliance, compliance_frames, policies_page
from governance.ui.components import percent
from governance.ui.navigation import visible_pages
from tests.demo_stores import CopyDemo
from tests.ui.pages import goto as open_page
from tests.ui.pages import registered_pages

APP = Path(__file__).resolve().parents[2] / "app.py"
BOARD = "beatriz.costa@harmonia-music.example"
CONSUMER = "lucia.ferrante@harmonia-music.example"
DEMO_FAILURES = {
    ("playlist-recommendations", "owner-present"),
    ("user-search-history", "columns-classified"),
}


# --- helpers ----------------------------------------------------------------------------


def app_as(workspace: Path, email: str, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    """The app on `workspace`, signed in (development identity) as `email`, after one run."""
    monkeypatch.setenv("MESHGOV_WORKSPACE", str(workspace))
    monkeypatch.delenv("MESHGOV_DB_URL", raising=False)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.session_state["dev_identity"] = email
    return at.run()


def goto(at: AppTest, url_path: str) -> AppTest:
    """Open a page of the navigation, as a click in the sidebar does."""
    open_page(at, url_path)
    assert not at.exception, at.exception
    return at


def chart_data(at: AppTest, index: int = 0) -> pd.DataFrame:
    """The data Streamlit sent with a chart (Arrow IPC)."""
    dataset = at.get("vega_lite_chart")[index].proto.datasets[0]
    return pa.ipc.open_stream(dataset.data.data).read_pandas()


def table_with(at: AppTest, column: str) -> pd.DataFrame | None:
    """The first dataframe on the page that has `column`."""
    return next((df.value for df in at.dataframe if column in df.value.columns), None)


def failures(frame: pd.DataFrame) -> set[tuple[str, str]]:
    return set(zip(frame["product"], frame["policy"], strict=True))


def texts(at: AppTest) -> str:
    parts = [e.value for e in (*at.markdown, *at.caption, *at.info, *at.success, *at.error)]
    return "\n".join(str(p) for p in parts)


@pytest.fixture(scope="module")
def demo_service(demo_workspace: Path) -> MeshgovService:
    return MeshgovService.open(demo_workspace)


@pytest.fixture(scope="module")
def decided_workspace(
    demo_workspace: Path, copy_demo: CopyDemo, tmp_path_factory: pytest.TempPathFactory
) -> Path:
    """A copy of the demo where the board approved the waiver and a later day was evaluated."""
    root = copy_demo(demo_workspace, tmp_path_factory.mktemp("decided") / "meshgov-demo")
    service = MeshgovService.open(root)
    now = datetime.now(UTC)
    waiver = next(w for w in service.board.waivers() if w["status"] == "requested")
    chair = service.board.principal(board_story.BOARD_CHAIR.username)
    service.board.decide(
        chair,
        waiver["item_id"],
        "approved",
        "Until legal's review ends.",
        expires_at=now + timedelta(days=20),  # inside the 30-day horizon: flagged
        now=now,
    )
    service.evaluation.evaluate(now=now + timedelta(days=1))
    service.store.dispose()
    return root


@pytest.fixture
def board(demo_workspace: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    return goto(app_as(demo_workspace, BOARD, monkeypatch), "compliance")


# --- read models ------------------------------------------------------------------------


def test_matrix_read_model_has_every_product_and_policy(demo_service: MeshgovService):
    rows = demo_service.read_model(queries.compliance_matrix)
    products = {p["id"]: p["domain_id"] for p in demo_service.products()}
    policies = {p.id for p in demo_service.evaluation.policy_pack().policies}
    assert len(rows) == len(products) * len(policies)
    assert all(r["domain_id"] == products[r["product_id"]] for r in rows)
    outcome = {(r["product_id"], r["policy_id"]): r["outcome"] for r in rows}
    assert all(outcome[pair] == "fail" for pair in DEMO_FAILURES)
    cited = next(
        r["facts"]
        for r in rows
        if (r["product_id"], r["policy_id"]) == ("user-search-history", "columns-classified")
    )
    assert "email" in cited["facts.classification.unclassified"]


def test_daily_pass_rate_matches_the_policy_overview(demo_service: MeshgovService):
    daily = demo_service.read_model(queries.policy_pass_rate_by_day)
    newest = max(r["day"] for r in daily)
    today = {r["policy_id"]: r["pass_rate"] for r in daily if r["day"] == newest}
    overview = {p["policy_id"]: p["pass_rate"] for p in demo_service.evaluation.policy_overview()}
    assert today == {k: v for k, v in overview.items() if k in today}
    assert len({r["day"] for r in daily}) == len({(r["day"], r["policy_id"]) for r in daily}) / len(
        {r["policy_id"] for r in daily}
    )  # one row per day and policy


def test_daily_pass_rate_by_domain(demo_service: MeshgovService):
    users = demo_service.read_model(queries.policy_pass_rate_by_day, ["users"])
    newest = max(r["day"] for r in users)
    classified = next(
        r for r in users if r["day"] == newest and r["policy_id"] == "columns-classified"
    )
    users_products = [p for p in demo_service.products() if p["domain_id"] == "users"]
    assert classified["judged"] <= len(users_products)
    assert classified["failed"] >= 1 and classified["pass_rate"] < 1


def test_daily_pass_rate_keeps_one_row_per_day(decided_workspace: Path):
    service = MeshgovService.open(decided_workspace)
    daily = service.read_model(queries.policy_pass_rate_by_day)
    days = sorted({r["day"] for r in daily})
    assert len(days) >= 2
    # After the approval, the failure is waived: waived counts as passing.
    classified = {
        r["day"]: r
        for r in service.read_model(queries.policy_pass_rate_by_day, ["users"])
        if r["policy_id"] == "columns-classified"
    }
    assert classified[days[-1]]["failed"] == 0
    assert classified[days[-1]]["pass_rate"] == 1.0
    service.store.dispose()


NOW = datetime(2026, 6, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("status", "expires_at", "state"),
    [
        ("approved", None, "active"),
        ("approved", NOW + timedelta(days=31), "active"),
        ("approved", NOW + timedelta(days=30), "expiring"),
        ("approved", NOW + timedelta(hours=1), "expiring"),
        ("approved", NOW, "expired"),
        ("approved", NOW - timedelta(days=1), "expired"),
        ("requested", NOW + timedelta(days=60), "requested"),
        ("rejected", None, "rejected"),
        ("revoked", NOW + timedelta(days=5), "revoked"),
    ],
)
def test_waiver_state(status: str, expires_at: datetime | None, state: str):
    waiver = {"status": status, "expires_at": expires_at}
    assert queries.waiver_state(waiver, NOW, queries.EXPIRY_HORIZON_DAYS) == state


def test_demo_waiver_is_only_requested(demo_service: MeshgovService):
    rows = demo_service.read_model(queries.waiver_states, datetime.now(UTC))
    assert [(w["product_id"], w["policy_id"], w["state"]) for w in rows] == [
        ("user-search-history", "columns-classified", "requested")
    ]
    assert queries.in_force(rows) == []


def test_pass_rate_counts_waived_as_passing_and_ignores_not_applicable():
    assert queries.pass_rate({"pass": 1, "waived": 1, "fail": 1, "error": 1}) == 0.5
    assert queries.pass_rate({"not_applicable": 4}) is None
    assert queries.pass_rate({"pass": 2, "not_applicable": 9}) == 1.0


# --- compliance page --------------------------------------------------------------------


def test_matrix_shows_the_demo_failures(board: AppTest, demo_service: MeshgovService):
    assert board.title[0].value == "Compliance"
    matrix = chart_data(board, 0)
    rows = demo_service.read_model(queries.compliance_matrix)
    assert len(matrix) == len(rows)
    fails = failures(matrix[matrix["outcome"] == "fail"])
    assert DEMO_FAILURES <= fails
    spec = board.get("vega_lite_chart")[0].proto.spec
    assert '"rect"' in spec and '"#D55E00"' in spec  # heatmap with the fixed outcome colours
    violations = table_with(board, "cited_facts")
    assert violations is not None and DEMO_FAILURES <= failures(violations)
    assert set(violations["outcome"]) <= {"fail", "error"}
    assert violations.iloc[0]["severity"] == "blocker"  # blockers first
    cited = violations.set_index(["product", "policy"]).loc[
        ("user-search-history", "columns-classified"), "cited_facts"
    ]
    assert cited.startswith("classification.unclassified = [") and "email" in cited


def test_filters_narrow_the_matrix(board: AppTest):
    everything = chart_data(board)
    board.multiselect(key=compliance.FILTER_KEYS["domain"]).set_value(["users"]).run()
    assert not board.exception
    users = chart_data(board)
    assert 0 < len(users) < len(everything) and set(users["domain"]) == {"users"}
    violations = table_with(board, "cited_facts")
    assert ("user-search-history", "columns-classified") in failures(violations)
    assert ("playlist-recommendations", "owner-present") not in failures(violations)
    board.multiselect(key=compliance.FILTER_KEYS["severity"]).set_value(["minor"]).run()
    minor = chart_data(board)
    assert set(minor["severity"]) == {"minor"} and len(minor) < len(users)
    board.multiselect(key=compliance.FILTER_KEYS["domain"]).set_value([]).run()
    board.multiselect(key=compliance.FILTER_KEYS["severity"]).set_value(["blocker"]).run()
    blockers = table_with(board, "cited_facts")
    assert DEMO_FAILURES <= failures(blockers) and set(blockers["severity"]) == {"blocker"}


def test_violation_search(board: AppTest):
    board.text_input(key=compliance.SEARCH_KEY).input("ip_address").run()
    assert not board.exception
    found = table_with(board, "cited_facts")
    assert set(found["product"]) == {"user-search-history"}
    board.text_input(key=compliance.SEARCH_KEY).input("no such thing anywhere").run()
    assert table_with(board, "cited_facts") is None
    assert "No violation matches" in texts(board)


def test_requested_waiver_is_not_in_force(board: AppTest):
    assert table_with(board, "days_left") is None
    page = texts(board)
    assert "No waiver is in force" in page
    assert "1 waiver request(s) await a board decision" in page


def test_trend_follows_the_days_stored(board: AppTest, demo_service: MeshgovService):
    days = {r["day"] for r in demo_service.read_model(queries.policy_pass_rate_by_day)}
    charts = board.get("vega_lite_chart")
    if len(days) == 1:
        assert len(charts) == 2  # matrix, pass rate per policy
        assert "One day of policy results so far" in texts(board)
    else:
        assert len(charts) == 3 and '"line"' in charts[2].proto.spec


def test_approved_waiver_and_trend(decided_workspace: Path, monkeypatch: pytest.MonkeyPatch):
    at = goto(app_as(decided_workspace, BOARD, monkeypatch), "compliance")
    waivers = table_with(at, "days_left")
    assert waivers is not None
    row = waivers.set_index(["product", "policy"]).loc[
        ("user-search-history", "columns-classified")
    ]
    assert row["state"] == "⚠ expiring" and row["approved_by"] == BOARD
    matrix = chart_data(at, 0)
    waived = matrix[matrix["outcome"] == "waived"]
    assert ("user-search-history", "columns-classified") in failures(waived)
    charts = at.get("vega_lite_chart")
    assert len(charts) == 3 and '"line"' in charts[2].proto.spec
    trend = chart_data(at, 2)
    assert trend["day"].nunique() >= 2
    chosen = at.multiselect(key=compliance.TREND_POLICIES_KEY).value
    assert 0 < len(chosen) <= compliance.TREND_DEFAULT_POLICIES
    worst = list(chart_data(at, 1)["policy"])  # the bars, worst pass rate first
    assert chosen == worst[: len(chosen)]


def test_consumer_has_no_compliance_page(demo_workspace: Path, monkeypatch: pytest.MonkeyPatch):
    import app

    at = app_as(demo_workspace, CONSUMER, monkeypatch)
    assert not at.exception
    pages = registered_pages(at)
    assert "compliance" not in pages and "policies" in pages
    board_pages = registered_pages(app_as(demo_workspace, BOARD, monkeypatch))
    assert "compliance" in board_pages
    consumer = MeshgovService.open(demo_workspace).board.principal(CONSUMER)
    assert "compliance" not in {p.key for p in visible_pages(consumer, app.PAGES)}


def test_nothing_evaluated_says_to_run_evaluate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    workspace = bare_workspace(tmp_path)
    at = goto(app_as(workspace, "chair@example.org", monkeypatch), "compliance")
    assert "meshgov evaluate" in at.info[0].value
    assert not at.get("vega_lite_chart") and not at.dataframe


# --- policies page ----------------------------------------------------------------------


@pytest.fixture
def policies(demo_workspace: Path, monkeypatch: pytest.MonkeyPatch) -> AppTest:
    return goto(app_as(demo_workspace, CONSUMER, monkeypatch), "policies")


def policy_frame(at: AppTest) -> pd.DataFrame:
    frame = table_with(at, "expression")
    assert frame is not None
    return frame


def test_policies_page_lists_every_policy_with_pass_rates(
    policies: AppTest, demo_service: MeshgovService
):
    table = policy_frame(policies).set_index("policy_id")
    overview = demo_service.evaluation.policy_overview()
    assert len(table) == len(overview) == 26
    for row in overview:
        expected = row["pass_rate"]
        shown = policies_page.NOT_IN_SCOPE if expected is None else percent(expected)
        assert table.loc[row["policy_id"], "pass_rate"] == shown
    assert table.loc["owner-present", "severity"] == "blocker"
    assert table.loc["users.no-suspected-personal-unclassified", "scope"] == "users"
    grace = table[table["lifecycle"].str.startswith("grace")]
    assert len(grace) == 2 and all(grace["lifecycle"].str.match(r"grace until \d{4}-\d\d-\d\d"))
    assert len(policies.code) == 26  # every CEL expression
    assert [c.value for c in policies.code] == list(table["expression"])
    assert {c.language for c in policies.code} == {"plaintext"}  # CEL, not highlighted as Python
    assert not policies.error  # no refused file in the demo pack


def test_policy_search_and_filters(policies: AppTest):
    policies.text_input(key=policies_page.SEARCH_KEY).input("owner").run()
    found = policy_frame(policies)
    assert "owner-present" in set(found["policy_id"]) and len(found) < 26
    assert len(policies.code) == len(found)
    policies.text_input(key=policies_page.SEARCH_KEY).input("").run()
    policies.multiselect(key=policies_page.FILTER_KEYS["severity"]).set_value(["blocker"]).run()
    assert set(policy_frame(policies)["severity"]) == {"blocker"}
    policies.multiselect(key=policies_page.FILTER_KEYS["severity"]).set_value([]).run()
    policies.multiselect(key=policies_page.FILTER_KEYS["scope"]).set_value(["finance"]).run()
    assert set(policy_frame(policies)["scope"]) == {"finance"}
    policies.multiselect(key=policies_page.FILTER_KEYS["scope"]).set_value([]).run()
    policies.multiselect(key=policies_page.FILTER_KEYS["lifecycle"]).set_value(["grace"]).run()
    assert len(policy_frame(policies)) == 2


def test_refused_policy_files_are_named(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    workspace = bare_workspace(tmp_path)
    rules = workspace / "policy_rules" / "global"
    rules.mkdir(parents=True)
    (rules / "good.yaml").write_text(
        yaml.safe_dump(
            {
                "id": "owner-present",
                "title": "Someone owns it",
                "rationale": "**Not bold**: a [link](http://x) stays text.",
                "severity": "blocker",
                "level": "bronze",
                "lifecycle": "enforced",
                "expression": "facts.owners.size() > 0",
            }
        )
    )
    (rules / "broken.yaml").write_text("id: broken\ntitle: [unclosed\n")
    at = goto(app_as(workspace, "chair@example.org", monkeypatch), "policies")
    assert len(at.error) == 1
    refusal = at.error[0].value.replace("\\", "")  # shown with Markdown escaped
    assert str(rules / "broken.yaml") in refusal and "cannot read YAML" in refusal
    table = policy_frame(at)
    assert list(table["policy_id"]) == ["owner-present"]
    assert table.loc[0, "pass_rate"] == policies_page.NOT_IN_SCOPE  # nothing evaluated
    assert at.text[0].value == "**Not bold**: a [link](http://x) stays text."


def bare_workspace(root: Path) -> Path:
    """An initialised workspace with no product and no evaluation; one board member."""
    settings = {
        "name": "bare",
        "app": {"dev_identities": ["chair@example.org"]},
        "roles": {"default": "consumer", "board_member": ["chair@example.org"]},
    }
    (root / "meshgov.yaml").write_text(yaml.safe_dump(settings))
    service = MeshgovService.open(root)
    service.init()
    service.store.dispose()
    return root


# --- pure helpers -----------------------------------------------------------------------


def test_plain_markdown_escapes_every_markdown_character():
    text = "**bold** _x_ [a](b) <b>html</b> :red[c] `code` # h"
    escaped = policies_page.plain_markdown(text)
    assert escaped.replace("\\", "") == text
    assert "\\*\\*bold\\*\\*" in escaped and "\\:red\\[c\\]" in escaped and "\\<b\\>" in escaped


def test_violations_order_blockers_and_enforced_first():
    rows = [
        {"product_id": p, "policy_id": q, "outcome": o, "severity": s, "level": "bronze",
         "lifecycle": lc, "message": "m", "facts": {}, "domain_id": "d"}
        for p, q, o, s, lc in [
            ("a", "minor-one", "fail", "minor", "enforced"),
            ("b", "blocker-grace", "fail", "blocker", "grace"),
            ("c", "blocker-enforced", "error", "blocker", "enforced"),
            ("d", "passing", "pass", "blocker", "enforced"),
        ]
    ]  # fmt: skip
    found = compliance_frames.violations(compliance_frames.matrix_frame(rows))
    assert list(found["policy"]) == ["blocker-enforced", "blocker-grace", "minor-one"]


def test_cited_text_is_json_not_markdown():
    assert compliance_frames.cited_text({"facts.owners": [], "facts.logs.error_rate": 0.35}) == (
        "owners = []; logs.error_rate = 0.35"
    )
    assert compliance_frames.cited_text(None) == ""
