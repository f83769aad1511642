"""The pages in Chromium, served by `meshgov serve` on the demo mesh (with hostile text planted).

Each page a role's navigation offers is opened by following its sidebar link, checked for a
Streamlit exception and saved as a screenshot in tests/browser/artifacts/ (CI keeps them).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.browser.conftest import (
    HOSTILE_COLUMN,
    ServedDemo,
    assert_no_exception,
    go_to,
    navigation_entries,
    open_app,
    wait_until_rendered,
)

if TYPE_CHECKING:
    from playwright.sync_api import Page

# Only pages every role sees; the rest of the navigation is read from the app itself.
SHARED_PAGES = {"Mesh overview", "Product"}
KPI = '[data-testid="stMain"] [data-testid="stMetric"]'


def visit_every_page(page: Page, served_demo: ServedDemo, role: str, identity: str) -> list[str]:
    """Open each page in `identity`'s navigation; the titles, in navigation order."""
    open_app(page, served_demo.base_url, identity=identity)
    entries = navigation_entries(page)
    assert entries, "the sidebar navigation is missing: one page only, or not rendered"
    for entry in entries:
        go_to(page, entry)
        assert_no_exception(page, f"{role}-{entry.title}")
    return [entry.title for entry in entries]


def test_every_board_member_page_loads(page: Page, served_demo: ServedDemo) -> None:
    titles = visit_every_page(page, served_demo, "board_member", served_demo.board_member)
    assert SHARED_PAGES <= set(titles), titles


def test_every_consumer_page_loads(page: Page, served_demo: ServedDemo) -> None:
    titles = visit_every_page(page, served_demo, "consumer", served_demo.consumer)
    assert SHARED_PAGES <= set(titles), titles


def test_consumer_sees_fewer_pages_than_board_member(page: Page, served_demo: ServedDemo) -> None:
    open_app(page, served_demo.base_url, identity=served_demo.board_member)
    board = [entry.title for entry in navigation_entries(page)]
    open_app(page, served_demo.base_url, identity=served_demo.consumer)
    consumer = [entry.title for entry in navigation_entries(page)]
    assert set(consumer) <= set(board), (consumer, board)
    assert len(consumer) < len(board), f"consumer sees {consumer}, board member sees {board}"


def test_time_to_overview_kpis(
    page: Page, served_demo: ServedDemo, capsys: pytest.CaptureFixture[str]
) -> None:
    page.goto(served_demo.base_url)
    # performance.now() counts from the navigation's start; polled on each animation frame.
    visible_at = page.wait_for_function(
        """(kpi) => {
          const metric = document.querySelector(kpi);
          return metric && metric.checkVisibility() && performance.now();
        }""",
        arg=KPI,
    ).json_value()
    wait_until_rendered(page)
    assert_no_exception(page, "time-to-content-overview")
    with capsys.disabled():
        print(
            f"\ntime to content: overview KPIs visible {visible_at:.0f} ms after navigation start"
        )


def test_hostile_text_is_shown_not_run(page: Page, served_demo: ServedDemo) -> None:
    open_app(page, served_demo.base_url, f"product?product={served_demo.hostile_product}")
    # A broken <img> fires onerror as soon as it is in the DOM; let the page go quiet first.
    page.wait_for_load_state("networkidle")
    assert_no_exception(page, "hostile-product")
    assert page.evaluate("typeof window.__pwned") == "undefined"
    app = page.locator('[data-testid="stApp"]')
    description = app.get_by_text("<script>window.__pwned=1</script><b>bold</b>")
    assert description.is_visible()
    assert app.locator("b", has_text="bold").count() == 0
    assert app.locator("script").count() == 0
    assert app.locator("img[onerror]").count() == 0
    # The column name reaches the page as text too, in the "unclassified columns" warning.
    assert app.locator('[data-testid="stAlert"]', has_text=HOSTILE_COLUMN).is_visible()


def test_what_moved_shows_the_causes_of_the_week(page: Page, served_demo: ServedDemo) -> None:
    open_app(page, served_demo.base_url, "product?product=artist-payments")
    assert_no_exception(page, "product-what-moved")
    main = page.locator('[data-testid="stMain"]')
    heading = main.get_by_role("heading", name="What moved")
    heading.scroll_into_view_if_needed()
    assert heading.is_visible()
    moved = main.locator('[data-testid="stMetric"]', has_text="Score on")
    assert moved.is_visible()
    # The delta shows beside the score, with its sign.
    assert moved.locator('[data-testid="stMetricDelta"]').inner_text().strip()[0] in "+-"
    # The points per cause are drawn, under the alt text the page gives the chart.
    chart = main.get_by_label("Points per cause", exact=True)
    chart.scroll_into_view_if_needed()
    assert chart.is_visible()
    assert chart.bounding_box()["height"] > 40
