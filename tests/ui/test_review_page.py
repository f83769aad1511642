"""The review queue page, run by AppTest through app.py on a copy of the demo mesh.

Each test acts on its own copy of the demo workspace (the page writes to the store), as one
of the demo's people, and checks the store through the service, not only the screen.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from governance.errors import PermissionDenied
from governance.service import MeshgovService
from governance.ui.navigation import EVERYONE
from governance.ui.review_page import QUEUE_KEY
from tests.demo_stores import CopyDemo

CONSUMER = "lucia.ferrante@harmonia-music.example"
USERS_OWNER = "mateo.garcia@harmonia-music.example"  # domain_owner of users
CHAIR = "beatriz.costa@harmonia-music.example"  # board_member
ARTISTS_OWNER = "lena.fischer@harmonia-music.example"  # domain_owner of artists
SECURITY = "samuel.okoye@harmonia-music.example"  # board_member
HOSTILE = "<script>alert(1)</script>"


def review_app() -> None:
    """app.py's main() with the review page as the landing page (AppTest runs this)."""
    import dataclasses
    from unittest import mock

    import app

    # AppTest.switch_page only reaches file pages; ours is a function page of st.navigation,
    # so the test makes it the default page and runs the real main() otherwise unchanged.
    pages = [dataclasses.replace(page, default=page.key == "review") for page in app.PAGES]
    with mock.patch.object(app, "PAGES", pages):
        app.main()


@pytest.fixture
def workspace(
    demo_workspace: Path, copy_demo: CopyDemo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Path:
    """A copy of the demo workspace that the app serves (MESHGOV_WORKSPACE)."""
    copy = copy_demo(demo_workspace, tmp_path / "demo")
    monkeypatch.setenv("MESHGOV_WORKSPACE", str(copy))
    monkeypatch.delenv("MESHGOV_DB_URL", raising=False)
    return copy


@pytest.fixture
def service(workspace: Path, demo_workspace: Path) -> Iterator[MeshgovService]:
    """The service over the copy, to arrange and to check what the page did."""
    service = MeshgovService.open(workspace)
    shared = MeshgovService.open(demo_workspace).store
    assert service.store.display_url != shared.display_url  # never the session's shared demo
    shared.dispose()
    yield service
    service.store.dispose()


def page_as(email: str) -> AppTest:
    """The review page as `email` sees it (picked in the development identity picker)."""
    at = AppTest.from_function(review_app, default_timeout=60)
    at.session_state["dev_identity"] = email
    at.run()
    assert not at.exception
    assert at.title[0].value == "Review queue"
    return at


def queue(at: AppTest) -> pd.DataFrame:
    return next(df.value for df in at.dataframe if df.key == QUEUE_KEY)


def open_item(at: AppTest, item_id: int) -> AppTest:
    """Select an item's row in the queue, as a person does."""
    rows = [list(queue(at)["#"]).index(item_id)]
    at.session_state[QUEUE_KEY] = {"selection": {"rows": rows, "columns": [], "cells": []}}
    at.run()
    assert not at.exception
    return at


def click(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click().run()
    assert not at.exception
    return at


def labels(at: AppTest) -> set[str]:
    return {b.label for b in at.button}


def texts(at: AppTest) -> list[str]:
    """Everything rendered through Markdown (where HTML or links would come alive)."""
    elements: list[Any] = [*at.markdown, *at.caption, *at.title, *at.subheader]
    elements += [*at.success, *at.error, *at.info, *at.warning]
    return [str(e.value) for e in elements]


def item_of(service: MeshgovService, kind: str, product_id: str) -> dict[str, Any]:
    return next(i for i in service.board.queue(kind=kind) if i["product_id"] == product_id)


# --- the board --------------------------------------------------------------------------


def test_board_member_puts_an_item_on_the_agenda_and_decides_it(service: MeshgovService):
    at = page_as(CHAIR)
    table = queue(at)
    assert len(table) == 8  # the demo's queue
    assert set(table["#"]) == {i["id"] for i in service.board.queue()}
    budget = item_of(service, "budget_exhausted", "artist-payments")
    at = open_item(at, budget["id"])
    assert f"#{budget['id']}" in at.subheader[1].value
    assert budget["decision_asked"] in [t.value for t in at.text]

    click(at, "Put on agenda")
    assert service.board.item_detail(budget["id"])["state"] == "on_agenda"
    assert "Take off agenda" in labels(at)

    item = budget["id"]
    at.selectbox(key=f"review_outcome_{item}").select("changes_requested")
    at.text_area(key=f"review_rationale_{item}").input("Freeze changes until the SLO recovers.")
    click(at, "Record decision")
    detail = service.board.item_detail(item)
    assert detail["state"] == "decided" and detail["outcome"] == "changes_requested"
    (decision,) = detail["decisions"]
    assert decision["decided_by"] == CHAIR and decision["rationale"].startswith("Freeze")
    record = decision["record_id"]
    assert record.startswith("GDR-")
    assert any(record in s.value for s in at.success)
    decisions = next(df.value for df in at.dataframe if "record" in df.value.columns)
    assert list(decisions["record"]) == [record]
    assert "Reopen" in labels(at)  # changes requested: the board may bring it back


def test_a_decision_without_rationale_is_refused_with_the_reason(service: MeshgovService):
    at = page_as(SECURITY)
    item = item_of(service, "blocker", "playlist-recommendations")["id"]
    at = open_item(at, item)
    click(at, "Record decision")
    assert any("rationale" in e.value for e in at.error)
    assert service.board.item_detail(item)["decisions"] == []


def test_a_concurrent_change_is_a_conflict_not_an_overwrite(service: MeshgovService):
    at = page_as(CHAIR)
    item = item_of(service, "waiver_request", "user-search-history")["id"]
    at = open_item(at, item)
    # Another board member takes it off the agenda after the form was drawn.
    service.board.set_agenda(service.board.principal(SECURITY), item, on=False)
    at.text_area(key=f"review_rationale_{item}").input("Approved until the legal review ends.")
    at.selectbox(key=f"review_outcome_{item}").select("approved")
    click(at, "Record decision")
    assert any("changed since you loaded it" in e.value for e in at.error)
    assert service.board.item_detail(item)["decisions"] == []
    # The page now shows the new version; deciding again works.
    at.text_area(key=f"review_rationale_{item}").input("Approved until the legal review ends.")
    click(at, "Record decision")
    assert service.board.item_detail(item)["outcome"] == "approved"
    waiver = next(w for w in service.board.waivers("user-search-history") if w["item_id"] == item)
    assert waiver["status"] == "approved"


def test_agenda_tab_lists_the_agenda_and_offers_the_board_pack(service: MeshgovService):
    at = page_as(CHAIR)
    agenda = next(df.value for df in at.dataframe if "order" in df.value.columns)
    expected = [i["id"] for i in service.board.queue(states=("on_agenda",))]
    assert list(agenda["#"]) == expected and list(agenda["order"]) == [1, 2]
    downloads = {b.proto.label for b in at.get("download_button")}
    assert downloads == {
        "Agenda (Markdown)",
        "Agenda (HTML)",
        "Minutes (Markdown)",
        "Minutes (HTML)",
    }


# --- domain owners ----------------------------------------------------------------------


def test_domain_owner_requests_a_waiver_but_cannot_decide(service: MeshgovService):
    at = page_as(USERS_OWNER)
    assert len(queue(at)) == 8  # owners see the whole queue
    blocker = item_of(service, "blocker", "user-search-history")["id"]
    at = open_item(at, blocker)
    assert "Record decision" not in labels(at) and "Put on agenda" not in labels(at)
    assert "Board actions" not in [s.value for s in at.subheader]
    assert "Add comment" in labels(at)  # their domain's item

    products = at.selectbox(key="review_waiver_product").options
    users = {p["id"] for p in service.products(domain="users")}
    assert set(products) == users  # only the domains they own
    at.selectbox(key="review_waiver_product").select("user-profiles")
    at.selectbox(key="review_waiver_policy").select("owner-present")
    at.text_area(key="review_waiver_reason").input("The owner changes teams next month.")
    click(at, "Request waiver")
    message = next(s.value for s in at.success if "Waiver requested" in s.value)
    item = max(i["id"] for i in service.board.queue(kind="waiver_request"))
    assert f"#{item}" in message.replace("\\", "")
    detail = service.board.item_detail(item)
    assert detail["requested_by"] == USERS_OWNER and detail["product_id"] == "user-profiles"


def test_domain_owner_decides_access_to_internal_data(service: MeshgovService):
    # Internal (not restricted or confidential) data is the domain owner's to grant.
    asked = service.board.request_access(
        service.board.principal(CONSUMER), "artist-catalog", "artists", "Artist reach per country."
    )
    assert asked["decider"] == "domain_owner"
    at = open_item(page_as(ARTISTS_OWNER), asked["id"])
    assert "Record decision" in labels(at)
    assert not {"Put on agenda", "Assign", "Close item"} & labels(at)  # board moves only
    today = datetime.now(UTC).date()
    item = asked["id"]
    at.selectbox(key=f"review_outcome_{item}").select("approved")
    at.text_area(key=f"review_rationale_{item}").input("Aggregates only; internal data.")
    at.date_input(key=f"review_expires_{item}").set_value(today + timedelta(days=180))
    at.date_input(key=f"review_reassess_{item}").set_value(today + timedelta(days=60))
    click(at, "Record decision")
    (decision,) = service.board.item_detail(item)["decisions"]
    assert decision["outcome"] == "approved" and decision["decided_by"] == ARTISTS_OWNER
    assert decision["effects"]["reassess_at"].startswith(str(today + timedelta(days=60)))
    assert decision["effects"]["expires_at"].startswith(str(today + timedelta(days=180)))


def test_a_refused_decision_is_refused_and_logged_by_the_service(service: MeshgovService):
    consumer = service.board.principal(CONSUMER)
    access = item_of(service, "access_request", "user-profiles")["id"]
    with pytest.raises(PermissionDenied, match="may not decide"):
        service.board.decide(consumer, access, "approved", "I approve my own request.")
    last = service.ledger.entries(limit=1)[-1]
    assert last.action == "refused" and last.actor == CONSUMER
    assert last.subject == f"item:{access}"
    assert service.board.item_detail(access)["state"] == "open"


# --- consumers --------------------------------------------------------------------------


def test_consumer_sees_only_their_request_and_can_ask_for_access(service: MeshgovService):
    at = page_as(CONSUMER)
    access = item_of(service, "access_request", "user-profiles")["id"]
    assert list(queue(at)["#"]) == [access]
    assert any("requests you made" in c.value for c in at.caption)
    at = open_item(at, access)
    assert not {"Record decision", "Put on agenda", "Assign", "Close item"} & labels(at)
    assert {"Withdraw my request", "Add comment"} <= labels(at)
    assert any("domain owner" in i.value for i in at.info)  # no waiver form for a consumer

    at.selectbox(key="review_access_product").select("artist-catalog").run()
    at.selectbox(key="review_access_port_artist-catalog").select("artists")
    at.text_area(key="review_access_purpose").input("Top artists per country for a report.")
    click(at, "Request access")
    assert any("Access requested" in s.value for s in at.success)
    mine = [i for i in service.board.queue() if i["requested_by"] == CONSUMER]
    assert {i["product_id"] for i in mine} == {"user-profiles", "artist-catalog"}
    assert set(queue(at)["#"]) == {i["id"] for i in mine}


def test_requester_withdraws_their_request(service: MeshgovService):
    at = page_as(CONSUMER)
    access = item_of(service, "access_request", "user-profiles")["id"]
    next(b for b in at.button if b.key == f"review_withdraw_{access}").click().run()
    assert not at.exception
    assert any("withdrawn" in s.value for s in at.success)
    assert service.board.item_detail(access)["state"] == "closed"
    assert not any(
        r["status"] == "requested" for r in service.board.access_requests("user-profiles")
    )


# --- hostile text -----------------------------------------------------------------------


def test_hostile_text_is_shown_as_text(service: MeshgovService):
    chair = service.board.principal(CHAIR)
    blocker = item_of(service, "blocker", "playlist-recommendations")["id"]
    service.board.comment(chair, blocker, HOSTILE)
    markdown_link = "**bold** [click](javascript:alert(1))"
    service.board.comment(chair, blocker, markdown_link)
    image = "<img src=x onerror=alert(1)>"
    asked = service.board.request_access(
        service.board.principal(CONSUMER), "artist-catalog", "artists", image
    )
    at = page_as(CHAIR)
    at = open_item(at, blocker)
    plain = [t.value for t in (*at.text, *at.code)]
    assert HOSTILE in plain and markdown_link in plain
    assert not any("<script" in t or "javascript:" in t for t in texts(at))
    at = open_item(at, asked["id"])
    assert image in [t.value for t in at.text]  # the purpose is the item's summary
    assert not any("<img" in t for t in texts(at))


def test_a_comment_added_on_the_page_is_kept_as_typed(service: MeshgovService):
    at = page_as(USERS_OWNER)
    blocker = item_of(service, "blocker", "user-search-history")["id"]
    at = open_item(at, blocker)
    typed = "# Not a heading\n<b>not bold</b> & :red[not red]"
    at.text_area(key=f"review_comment_{blocker}").input(typed)
    click(at, "Add comment")
    assert service.board.item_detail(blocker)["comments"][-1]["body"] == typed
    assert typed in [t.value for t in at.text]
    assert at.text_area(key=f"review_comment_{blocker}").value == ""  # ready for the next one


def test_every_role_has_the_review_page():
    import app

    (page,) = [p for p in app.PAGES if p.key == "review"]
    assert page.roles == EVERYONE and page.title == "Review queue"
