"""Fixtures for the pages in a real browser: `meshgov serve` on a copy of the demo, and Chromium.

Chromium is Debian's (/usr/bin/chromium), driven by Playwright: `playwright install` cannot
download here. When Chromium or Playwright is missing the browser tests skip with the reason
shown; in CI (CI=true) they fail instead, as the PostgreSQL tests do (tests/conftest.py).
"""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest
from sqlalchemy import text

from governance.service import MeshgovService
from tests.demo_stores import CopyDemo, store_engine

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--no-first-run",
]
REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).parent / "artifacts"
SERVER_START_TIMEOUT_S = 60
# Playwright's default is 30 s; the first run of a page also warms Streamlit's caches.
PAGE_TIMEOUT_MS = 45_000
IDENTITY_PICKER = "Act as (development)"

# Written into the served copy's store before the server starts: the app must show these
# as text, never run or render them.
HOSTILE_DESCRIPTION = "<script>window.__pwned=1</script><b>bold</b>"
HOSTILE_COLUMN = '<img src=x onerror="window.__pwned=2">'
HOSTILE_MESSAGE = '<img src=x onerror="window.__pwned=3"> '

# Streamlit 1.67 marks the app root with the script's state; the status widget shows a
# running icon while a run is under way, and elements left from the previous run are stale.
APP = '[data-testid="stApp"]'
RUN_DONE = f'{APP}[data-test-script-state="notRunning"]'
RUNNING_ICON = '[data-testid="stStatusWidgetRunningIcon"]'
STALE = '[data-stale="true"]'
SKELETON = '[data-testid="stSkeleton"]'
EXCEPTION = '[data-testid="stException"]'
MAIN = '[data-testid="stMain"]'
MAX_SCREENSHOT_HEIGHT = 12_000
NAV_LINK = '[data-testid="stSidebarNav"] a[data-testid="stSidebarNavLink"]'
SIDEBAR_CAPTION = '[data-testid="stSidebarUserContent"] [data-testid="stCaptionContainer"]'

# Counts changes of the script state from now on, so "a rerun happened and finished" can be
# told apart from "the previous run had already finished".
_WATCH_RUNS = """() => {
  const app = document.querySelector('[data-testid="stApp"]');
  window.__meshgovStateChanges = 0;
  if (window.__meshgovRunWatcher) window.__meshgovRunWatcher.disconnect();
  window.__meshgovRunWatcher = new MutationObserver(() => { window.__meshgovStateChanges++; });
  window.__meshgovRunWatcher.observe(
    app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""
_RUN_STARTED = "() => window.__meshgovStateChanges > 0"
LOST_CLICK_MS = 15_000
_RERUN_DONE = """() => window.__meshgovStateChanges > 0 && document.querySelector(
  '[data-testid="stApp"]').getAttribute('data-test-script-state') === 'notRunning'"""


@dataclass(frozen=True)
class ServedDemo:
    """The demo mesh served by `meshgov serve`: where it answers and the workspace it shows."""

    base_url: str
    workspace: Path
    hostile_product: str
    consumer: str
    board_member: str


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _plant_hostile_content(workspace: Path) -> str:
    """Write HTML and script into one product's description, column, checks and policy messages."""
    engine = store_engine(workspace)
    with engine.begin() as db:
        # A product with checks and a contract, so every hostile field reaches its page.
        product, contract, column = db.execute(
            text(
                "SELECT p.product_id, c.contract_id, c.name FROM ports p "
                "JOIN contract_columns c ON c.contract_id = p.contract_id "
                "WHERE p.kind = 'output' AND p.product_id IN (SELECT product_id FROM check_results) "
                "ORDER BY p.product_id, c.name LIMIT 1"
            )
        ).one()
        for statement in (
            "UPDATE products SET description = :description WHERE id = :product",
            # Unclassified too, so the name also appears in the page's "unclassified" warning.
            "UPDATE contract_columns SET name = :column, classification = NULL "
            "WHERE contract_id = :contract AND name = :old_column",
            "UPDATE check_results SET column_name = :column WHERE product_id = :product",
            "UPDATE policy_results SET message = :message || message WHERE product_id = :product",
        ):
            db.execute(
                text(statement),
                {
                    "description": HOSTILE_DESCRIPTION,
                    "column": HOSTILE_COLUMN,
                    "message": HOSTILE_MESSAGE,
                    "product": product,
                    "contract": contract,
                    "old_column": column,
                },
            )
    engine.dispose()
    return product


def _identities(workspace: Path) -> tuple[str, str]:
    """A development identity that is only a consumer, and one that is a board member."""
    service = MeshgovService.open(workspace)
    try:
        settings = service.workspace.settings
        choices = [str(e).lower() for e in settings["app"]["dev_identities"]]
        roles = {email: service.board.principal(email).roles for email in choices}
    finally:
        service.store.dispose()
    consumer = next(e for e, r in roles.items() if r == {"consumer"})
    board_member = next(e for e, r in roles.items() if "board_member" in r)
    return consumer, board_member


def _wait_until_healthy(
    url: str, server: subprocess.Popen[bytes], stderr_path: Path, timeout_s: float
) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if server.poll() is not None:
            break
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.read().decode().strip() == "ok":
                    return
        except OSError:
            pass
        time.sleep(0.3)
    state = (
        f"exited with {server.returncode}"
        if server.poll() is not None
        else f"no 'ok' from /_stcore/health within {timeout_s} s"
    )
    pytest.fail(f"meshgov serve {state}; its stderr:\n{stderr_path.read_text(errors='replace')}")


def _stop(server: subprocess.Popen[bytes]) -> None:
    # `meshgov serve` execs Streamlit, so the server is the group's leader: end the group.
    if server.poll() is not None:
        return
    os.killpg(server.pid, signal.SIGTERM)
    try:
        server.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        server.wait(timeout=10)


@contextmanager
def serve_workspace(root: Path) -> Iterator[str]:
    """`meshgov serve` on the workspace `root` while the block runs; yields its base URL.

    The server's output goes to serve.out and serve.err next to `root`.
    """
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "MESHGOV_DB_URL"}
    env["PYTHONUNBUFFERED"] = "1"
    logs = root.parent
    command = [
        sys.executable,
        "-m",
        "governance.cli",
        "serve",
        "--port",
        str(port),
        "-w",
        str(root),
    ]
    with open(logs / "serve.out", "wb") as stdout, open(logs / "serve.err", "wb") as stderr:
        # cwd: the checkout, so `serve` finds this tree's app.py whatever pip installed.
        server = subprocess.Popen(
            command, cwd=REPO_ROOT, env=env, stdout=stdout, stderr=stderr, start_new_session=True
        )
    base_url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_healthy(base_url, server, logs / "serve.err", SERVER_START_TIMEOUT_S)
        yield base_url
    finally:
        _stop(server)


@pytest.fixture(scope="session")
def served_demo(
    demo_workspace: Path, copy_demo: CopyDemo, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServedDemo]:
    """`meshgov serve` on a copy of the demo whose store holds hostile text."""
    root = copy_demo(demo_workspace, tmp_path_factory.mktemp("served") / demo_workspace.name)
    hostile_product = _plant_hostile_content(root)
    consumer, board_member = _identities(root)
    with serve_workspace(root) as base_url:
        yield ServedDemo(base_url, root, hostile_product, consumer, board_member)


def _browser_missing_reason() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "playwright is not installed (pip install -e '.[test]')"
    if not CHROMIUM.exists():
        return f"{CHROMIUM} is missing (apt-get install -y chromium)"
    return None


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Debian's Chromium, headless, through Playwright."""
    if reason := _browser_missing_reason():
        if os.environ.get("CI"):
            pytest.fail(f"CI must run the browser tests: {reason}")
        pytest.skip(reason)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A fresh tab (own cookies and storage) with a desktop viewport."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(PAGE_TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


# --- driving the app --------------------------------------------------------------------


def wait_until_rendered(page: Page) -> None:
    """Wait until the script run is over and its elements are drawn (none stale, no skeleton)."""
    page.locator(RUN_DONE).wait_for()
    page.locator(RUNNING_ICON).wait_for(state="detached")
    page.wait_for_function(
        "([stale, skeleton]) => !document.querySelector(stale) && !document.querySelector(skeleton)",
        arg=[STALE, SKELETON],
    )


def rerun_after(page: Page, action: Callable[[], None]) -> None:
    """Do `action` (a callable that triggers a rerun) and wait until that rerun is rendered."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.evaluate(_WATCH_RUNS)
    action()
    try:
        page.wait_for_function(_RUN_STARTED, timeout=LOST_CLICK_MS)
    except PlaywrightTimeout:
        # Nothing ran: the click landed on an element being redrawn (rare, under load). A
        # person clicks again; a click that did start a run is never repeated.
        action()
    try:
        page.wait_for_function(_RERUN_DONE)
    except PlaywrightTimeout:
        # Say which of two failures this was: the action started no run (a lost click), or
        # a run started and never ended (the server stuck, e.g. waiting on a lock).
        changes = page.evaluate("() => window.__meshgovStateChanges")
        state = page.locator(APP).get_attribute("data-test-script-state")
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shot = ARTIFACTS / "rerun-timeout.png"
        full_page_screenshot(page, shot)
        pytest.fail(
            f"no finished rerun after the action on {page.url}: script state {state!r} after "
            f"{changes} state change(s) ({'no run started' if not changes else 'run never ended'}"
            f"); see {shot}"
        )
    wait_until_rendered(page)


def open_app(page: Page, base_url: str, path: str = "", identity: str | None = None) -> None:
    """Open a page of the app, rendered, acting as `identity` when given."""
    page.goto(f"{base_url}/{path.lstrip('/')}")
    page.locator(APP).wait_for()
    wait_until_rendered(page)
    if identity is not None:
        act_as(page, identity)


def act_as(page: Page, identity: str) -> None:
    """Pick `identity` in the sidebar's development identity picker."""
    picker = page.get_by_role("combobox", name=IDENTITY_PICKER)
    if picker.input_value() == identity:
        return

    def pick() -> None:
        picker.click()
        picker.fill(identity)
        page.get_by_role("option", name=identity, exact=True).click()

    rerun_after(page, pick)
    # The sidebar names who is acting, with their roles: the run saw the new identity.
    page.locator(SIDEBAR_CAPTION, has_text=f"{identity} (").wait_for()


@dataclass(frozen=True)
class NavEntry:
    """One page in the sidebar navigation."""

    title: str
    href: str


def navigation_entries(page: Page) -> list[NavEntry]:
    """The pages the sidebar navigation offers (Streamlit hides it when there is only one)."""
    links = page.locator(NAV_LINK)
    return [
        # The link's text would include its icon's ligature name ("hub"); the label is apart.
        NavEntry(
            link.locator('[data-testid="stMarkdownContainer"]').inner_text().strip(),
            link.get_attribute("href") or "",
        )
        for link in links.all()
    ]


def go_to(page: Page, entry: NavEntry) -> None:
    """Follow a sidebar link in this session, as a person does (the identity is kept)."""
    link = page.locator(f'{NAV_LINK}[href="{entry.href}"]')
    if link.get_attribute("aria-current") == "page":
        return
    rerun_after(page, link.click)
    # Pages may add query parameters of their own (a chosen product, domain...).
    target = urlsplit(entry.href).path
    page.wait_for_url(lambda url: urlsplit(url).path == target)


def assert_no_exception(page: Page, name: str) -> Path:
    """Fail when Streamlit shows an exception; save a full-page screenshot either way."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    shot = ARTIFACTS / f"{re.sub(r'[^A-Za-z0-9_.-]+', '-', name).strip('-')}.png"
    full_page_screenshot(page, shot)
    exceptions = page.locator(EXCEPTION)
    if exceptions.count():
        details = "\n---\n".join(exceptions.all_inner_texts())
        pytest.fail(f"{name}: Streamlit shows an exception ({page.url}, see {shot}):\n{details}")
    return shot


def full_page_screenshot(page: Page, path: Path) -> None:
    """The whole page: Streamlit scrolls inside stMain, so grow the viewport to fit it."""
    viewport = page.viewport_size or {"width": 1400, "height": 900}
    height = page.evaluate(
        """(main) => Math.max(...[...document.querySelectorAll(main)].map(e => e.scrollHeight), 0)""",
        MAIN,
    )
    tall = min(max(int(height), viewport["height"]), MAX_SCREENSHOT_HEIGHT)
    if tall > viewport["height"]:
        page.set_viewport_size({"width": viewport["width"], "height": tall})
        # Charts and tables re-lay out on resize: let that run before the capture.
        page.evaluate(
            "() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))"
        )
    try:
        page.screenshot(path=str(path), full_page=True)
    finally:
        if tall > viewport["height"]:
            page.set_viewport_size(viewport)
