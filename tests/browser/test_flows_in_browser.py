"""Whole flows in Chromium, as the demo's people do them, checked in the store afterwards.

A board member puts an item on the agenda and decides it, a domain owner asks for a waiver,
a consumer finds a product in the catalog and asks for access. The flows change the store,
so they run on their own served copy of the demo, not on the session's `served_demo`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest

from governance.demo import board_story
from governance.service import MeshgovService
from tests.browser.conftest import (
    APP,
    act_as,
    assert_no_exception,
    go_to,
    navigation_entries,
    open_app,
    rerun_after,
    serve_workspace,
    wait_until_rendered,
)
from tests.demo_stores import CopyDemo

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

BOARD_MEMBER = board_story.BOARD_CHAIR.username
USERS_OWNER = board_story.role_settings()["domain_owner"]["users"][0]
CONSUMER = board_story.ANALYST.username

MAIN = '[data-testid="stMain"]'
DATAFRAME = '[data-testid="stDataFrame"]'
# The grid is drawn on a canvas; glide-data-grid keeps a hidden table of the same cells for
# screen readers, which is where a row is found by its text.
GRID = '[data-testid="stDataFrameResizable"]'
GRID_CELL = 'td[role="gridcell"]'
# st.dataframe's default header and row height (px): a row is clicked by its position.
GRID_ROW_PX = 35
ROW_MARKER_X = 15  # inside the selection checkbox column, left of the first data column
LINK_X = 30  # on the link text of a link column that comes first
ALERT = '[data-testid="stAlert"]'
FORM = '[data-testid="stForm"]'


@dataclass(frozen=True)
class FlowMesh:
    """A served copy of the demo that the flows may change."""

    base_url: str
    workspace: Path


@pytest.fixture(scope="module")
def flow_mesh(
    demo_workspace: Path, copy_demo: CopyDemo, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[FlowMesh]:
    """`meshgov serve` on a fresh copy of the demo, for this module's flows only."""
    root = copy_demo(demo_workspace, tmp_path_factory.mktemp("flows") / demo_workspace.name)
    with serve_workspace(root) as base_url:
        yield FlowMesh(base_url, root)


@contextmanager
def store_of(mesh: FlowMesh) -> Iterator[MeshgovService]:
    """The served workspace's store, read as the CLI would (the server keeps running)."""
    service = MeshgovService.open(mesh.workspace)
    try:
        yield service
    finally:
        service.store.dispose()


# --- driving widgets --------------------------------------------------------------------


def choose(page: Page, scope: Locator, label: str, option: str) -> None:
    """Pick `option` in the selectbox labelled `label` (no rerun: inside a form, or wrap it).

    Typed, not only clicked: a menu opened just after a rerun can be closed again as the
    page settles, and typing opens it again (as `act_as` does with the identity picker).
    """
    box = scope.get_by_role("combobox", name=label, exact=True)
    box.click()
    box.fill(option)
    page.get_by_role("option", name=option, exact=True).click()
    assert box.input_value() == option, f"{label}: {box.input_value()!r}, not {option!r}"


def set_date(scope: Locator, label: str, day: date) -> None:
    """Type `day` into the date input labelled `label` (year, month and day segments)."""
    field = scope.get_by_role("group", name=label, exact=True)
    field.get_by_role("spinbutton", name=re.compile("^year")).click()
    # Each segment moves to the next once full: yyyy, mm, dd.
    field.page.keyboard.type(f"{day:%Y%m%d}")
    segments = [s.get_attribute("aria-valuenow") for s in field.get_by_role("spinbutton").all()]
    assert segments == [str(day.year), str(day.month), str(day.day)], segments


def grid_row(dataframe: Locator, text: str, rows: int) -> int:
    """The 0-based row whose cell reads exactly `text`, once the grid shows `rows` rows."""
    # The hidden table follows the data a moment after the run: wait for this run's rows.
    dataframe.locator(f'table[role="grid"][aria-rowcount="{rows + 1}"]').wait_for(state="attached")
    cell = dataframe.locator(GRID_CELL, has_text=re.compile(f"^{re.escape(text)}$"))
    index = cell.locator("xpath=..").get_attribute("aria-rowindex")
    assert index, f"no row index for {text!r}"
    return int(index) - 2  # aria-rowindex counts from 1, and the header is row 1


def shown_count(main: Locator, pattern: str) -> int:
    """The row count the page states for its table ("8 item(s)", "1 of 12 products match.")."""
    statement = main.get_by_text(re.compile(pattern))
    found = re.search(pattern, statement.inner_text())
    assert found, statement.inner_text()
    return int(found.group(1))


def row_position(dataframe: Locator, row: int, x: float) -> dict[str, float]:
    """Where to click in `row` of the grid, `x` px from its left edge."""
    y = GRID_ROW_PX * (row + 1.5)
    box = dataframe.locator(GRID).bounding_box()
    assert box and y < box["height"], f"row {row} is scrolled out of the grid ({box})"
    return {"x": x, "y": y}


def select_row(page: Page, dataframe: Locator, text: str, rows: int) -> None:
    """Tick the selection box of the row whose cell reads `text`, and wait for the rerun."""
    position = row_position(dataframe, grid_row(dataframe, text, rows), ROW_MARKER_X)
    rerun_after(page, lambda: dataframe.locator(GRID).click(position=position))


def flash(main: Locator, pattern: str) -> re.Match[str]:
    """The message matching `pattern` that an action left (the review page's flash)."""
    alert = main.locator(ALERT, has_text=re.compile(pattern))
    alert.wait_for()
    found = re.search(pattern, alert.inner_text())
    assert found, alert.inner_text()
    return found


def open_tabs(main: Locator) -> set[str]:
    """The labels of the tabs shown as selected."""
    return set(main.locator('[role="tab"][aria-selected="true"]').all_inner_texts())


def page_entry(page: Page, title: str) -> None:
    """Follow the sidebar link to the page titled `title`."""
    entry = next((e for e in navigation_entries(page) if e.title == title), None)
    assert entry, f"{title!r} is not in the navigation"
    go_to(page, entry)


# --- the flows --------------------------------------------------------------------------


def test_board_member_puts_an_item_on_the_agenda_and_decides_it(
    page: Page, flow_mesh: FlowMesh
) -> None:
    with store_of(flow_mesh) as store:
        item = next(
            i
            for i in store.board.queue(product_id="artist-payments", kind="budget_exhausted")
            if i["state"] == "open"
        )
    item_id, title = item["id"], item["title"]
    rationale = "The payouts pipeline fix lands next sprint; bring the SLO back then."

    open_app(page, flow_mesh.base_url, identity=BOARD_MEMBER)
    page_entry(page, "Review queue")
    main = page.locator(MAIN)
    # Narrow the queue as a person would, then pick the item by its title.
    rerun_after(page, lambda: choose(page, main, "Product", "artist-payments"))
    queue = main.locator(DATAFRAME).first
    select_row(page, queue, title, shown_count(main, r"^(\d+) item\(s\)$"))
    main.get_by_role("heading", name=f"#{item_id} · {title}").wait_for()
    assert_no_exception(page, "flow-board-item-selected")

    rerun_after(page, main.get_by_role("button", name="Put on agenda").click)
    flash(main, rf"#{item_id} is on the agenda\.")
    main.get_by_role("button", name="Take off agenda").wait_for()
    assert_no_exception(page, "flow-board-on-agenda")
    with store_of(flow_mesh) as store:
        assert store.board.item_detail(item_id)["state"] == "on_agenda"

    form = main.locator(FORM, has_text=f"Decide #{item_id}")
    choose(page, form, "Outcome", "Request changes")
    form.get_by_role("textbox", name=re.compile("^Rationale")).fill(rationale)
    rerun_after(page, form.get_by_role("button", name="Record decision").click)
    record_id = flash(main, rf"Decided #{item_id}: (GDR-\d+) changes requested\.").group(1)
    assert_no_exception(page, "flow-board-decided")

    with store_of(flow_mesh) as store:
        detail = store.board.item_detail(item_id)
        minutes = store.reports.minutes(datetime.now(UTC).date())
    assert (detail["state"], detail["outcome"]) == ("decided", "changes_requested")
    [decision] = detail["decisions"]
    assert decision["record_id"] == record_id
    assert (decision["outcome"], decision["rationale"], decision["decided_by"]) == (
        "changes_requested",
        rationale,
        BOARD_MEMBER,
    )
    moves = [(e.actor, e.action) for e in detail["log"]]
    assert moves[-2:] == [(BOARD_MEMBER, "item.put_on_agenda"), (BOARD_MEMBER, "item.decided")]
    assert detail["log"][-1].payload["decision"] == record_id
    assert record_id in minutes


def test_domain_owner_requests_a_waiver(page: Page, flow_mesh: FlowMesh) -> None:
    with store_of(flow_mesh) as store:
        own_products = [p["id"] for p in store.products(domain="users")]
        policy = next(
            p for p in store.evaluation.policy_pack().policies if p.id == "description-present"
        )
        before = {w["id"] for w in store.board.waivers()}
    product = own_products[0]
    reason = "The description is being rewritten with legal; it lands with the next release."
    until = datetime.now(UTC).date() + timedelta(days=45)

    open_app(page, flow_mesh.base_url, identity=USERS_OWNER)
    page_entry(page, "Review queue")
    main = page.locator(MAIN)
    # Tabs bound to the URL rerun the page when switched.
    rerun_after(page, main.get_by_role("tab", name="Requests", exact=True).click)
    # Text, not roles: an open menu hides the rest of the page from the accessibility tree.
    form = main.locator(FORM, has_text="Request waiver")
    # A domain owner is offered the products of their own domains, no others.
    form.get_by_role("combobox", name="Product", exact=True).click()
    page.get_by_role("option").first.wait_for()
    offered = page.get_by_role("option").all_inner_texts()
    assert sorted(offered) == sorted(own_products), offered
    page.keyboard.press("Escape")
    choose(page, form, "Product", product)
    choose(page, form, "Policy", f"{policy.id} — {policy.title}")
    form.get_by_role("textbox", name=re.compile("^Reason")).fill(reason)
    set_date(form, "Until", until)
    rerun_after(page, form.get_by_role("button", name="Request waiver").click)
    item_id = int(flash(main, r"Waiver requested: item #(\d+) ").group(1))
    assert_no_exception(page, "flow-owner-waiver-requested")
    # The owner stays where they were (unkeyed tabs jumped back to Queue after an action),
    # and the URL names that place, so it can be linked.
    assert open_tabs(main) >= {"Requests", "Request a waiver"}
    assert parse_qs(urlsplit(page.url).query)["tab"] == ["Requests"]

    with store_of(flow_mesh) as store:
        [waiver] = [w for w in store.board.waivers(product) if w["id"] not in before]
        item = store.board.item_detail(item_id)
    assert (waiver["policy_id"], waiver["status"], waiver["reason"]) == (
        policy.id,
        "requested",
        reason,
    )
    assert waiver["requested_by"] == USERS_OWNER
    assert waiver["expires_at"] == datetime.combine(until, time.min, tzinfo=UTC)
    assert waiver["item_id"] == item_id
    assert (item["kind"], item["state"], item["product_id"]) == ("waiver_request", "open", product)
    assert item["requested_by"] == USERS_OWNER
    assert item["subject"]["waiver_id"] == waiver["id"]
    assert [(e.actor, e.action) for e in item["log"]] == [(USERS_OWNER, "item.opened")]


def test_a_link_opens_the_board_meeting_agenda(page: Page, flow_mesh: FlowMesh) -> None:
    agenda = "Agenda & minutes"
    open_app(page, flow_mesh.base_url, f"review?{urlencode({'tab': agenda})}", BOARD_MEMBER)
    main = page.locator(MAIN)
    # (The hidden Requests tab keeps its own inner tab selected.)
    assert agenda in open_tabs(main) and not open_tabs(main) & {"Queue", "Requests"}
    # Only the open tab's panel is visible: the agenda's downloads are.
    main.get_by_role("button", name="Agenda (Markdown)").wait_for(state="visible")
    assert_no_exception(page, "flow-agenda-link")


def test_consumer_finds_a_product_and_requests_access(page: Page, flow_mesh: FlowMesh) -> None:
    product = "user-profiles"
    with store_of(flow_mesh) as store:
        [brief] = [p for p in store.products() if p["id"] == product]
        before = {r["id"] for r in store.board.access_requests(product)}
    ports = [p["name"] for p in brief["ports"] if p["kind"] == "output"]
    port = ports[-1]
    purpose = "Support tooling: show an agent the customer's recent profile changes."

    open_app(page, flow_mesh.base_url, identity=CONSUMER)
    page_entry(page, "Catalog")
    main = page.locator(MAIN)
    search = main.get_by_role("textbox", name="Search", exact=True)

    def type_search() -> None:
        search.fill("profiles")
        search.press("Enter")

    rerun_after(page, type_search)
    assert_no_exception(page, "flow-consumer-catalog-search")
    results = main.locator(DATAFRAME)
    # The link column reads "product?product=<id>" in the grid's hidden table.
    matches = shown_count(main, r"^(\d+) of \d+ products match\.$")
    row = grid_row(results, f"product?product={product}", matches)
    position = row_position(results, row, LINK_X)
    grid = results.locator(GRID)
    # A link cell opens on a click over its text once the grid knows the pointer is there;
    # Streamlit opens it in a new tab, so the product page is a new session.
    grid.hover(position=position)
    with page.context.expect_page() as opened:
        grid.click(position=position)
    product_page = opened.value
    product_page.locator(APP).wait_for()
    wait_until_rendered(product_page)
    assert product_page.url == f"{flow_mesh.base_url}/product?product={product}"
    act_as(product_page, CONSUMER)
    assert_no_exception(product_page, "flow-consumer-product")

    panel = product_page.locator(MAIN).locator(
        '[data-testid="stExpander"]', has_text="Request access"
    )
    panel.locator("summary").click()
    form = panel.locator(FORM)
    form.wait_for()
    choose(product_page, form, "Output port", port)
    form.get_by_role("textbox", name="Purpose", exact=True).fill(purpose)
    rerun_after(product_page, form.get_by_role("button", name="Request access").click)
    item_id = int(flash(panel, r"Requested: review item #(\d+), decided by ").group(1))
    assert_no_exception(product_page, "flow-consumer-access-requested")

    with store_of(flow_mesh) as store:
        [request] = [r for r in store.board.access_requests(product) if r["id"] not in before]
        item = store.board.item_detail(item_id)
    assert (request["requester"], request["port"], request["purpose"], request["status"]) == (
        CONSUMER,
        port,
        purpose,
        "requested",
    )
    assert (item["kind"], item["state"], item["requested_by"]) == (
        "access_request",
        "open",
        CONSUMER,
    )
    assert item["subject"]["access_request_id"] == request["id"]
