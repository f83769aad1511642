"""Every page under every role: the pages a role may use run cleanly, the others are absent."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

import app
from governance.demo import board_story
from governance.engine.roles import Identity
from governance.errors import PermissionDenied
from governance.service import MeshgovService
from governance.ui.navigation import visible_pages
from tests.ui.pages import registered_pages

APP = Path(app.__file__).resolve()
IDENTITIES = {
    "consumer": board_story.ANALYST.username,
    "domain_owner": "sofia.marin@harmonia-music.example",
    "board_member": board_story.BOARD_CHAIR.username,
    "admin": board_story.PLATFORM_ADMIN.username,
}
STEWARD_ONLY = {"compliance", "collectors"}


@pytest.fixture(scope="module")
def pages_by_role(demo_workspace: Path) -> dict[str, list[str]]:
    service = MeshgovService.open(demo_workspace)
    found = {
        role: [p.key for p in visible_pages(service.board.principal(email), app.PAGES)]
        for role, email in IDENTITIES.items()
    }
    service.store.dispose()
    return found


def test_the_role_matrix_of_pages(pages_by_role):
    every = [p.key for p in app.PAGES]
    assert pages_by_role["board_member"] == every and pages_by_role["admin"] == every
    assert pages_by_role["domain_owner"] == every
    assert pages_by_role["consumer"] == [k for k in every if k not in STEWARD_ONLY]


@pytest.mark.parametrize("role", sorted(IDENTITIES))
def test_every_page_a_role_sees_runs_and_the_others_are_not_registered(
    role, demo_workspace, pages_by_role, monkeypatch
):
    monkeypatch.setenv("MESHGOV_WORKSPACE", str(demo_workspace))
    monkeypatch.delenv("MESHGOV_DB_URL", raising=False)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.session_state["dev_identity"] = IDENTITIES[role]
    at.run()
    assert not at.exception
    pages = registered_pages(at)
    assert sorted(pages) == sorted(pages_by_role[role])
    for key in pages_by_role[role]:
        at._page_hash = pages[key]
        at.run()
        assert not at.exception, (role, key, at.exception)
        assert at.warning[0].value.startswith("Development identities are enabled")


def test_a_consumer_calling_board_actions_through_the_service_is_refused(demo_workspace):
    service = MeshgovService.open(demo_workspace)
    consumer = service.board.principal(IDENTITIES["consumer"])
    item = service.board.queue()[0]
    before = service.ledger.verify().entries
    with pytest.raises(PermissionDenied):
        service.board.set_agenda(consumer, item["id"])
    with pytest.raises(PermissionDenied):
        service.board.decide(consumer, item["id"], "approved", "I say so")
    entries = service.ledger.entries(limit=2)
    assert [e.action for e in entries] == ["refused", "refused"]
    # The refusals are part of the chain; the shared demo store stays valid.
    assert service.ledger.verify().ok and service.ledger.verify().entries == before + 2
    service.store.dispose()


def test_without_sign_in_nor_development_identities_nobody_gets_in(tmp_path, monkeypatch):
    (tmp_path / "meshgov.yaml").write_text("name: locked\n")
    service = MeshgovService.open(tmp_path)
    service.init()
    monkeypatch.setenv("MESHGOV_WORKSPACE", str(tmp_path))
    monkeypatch.delenv("MESHGOV_DB_URL", raising=False)
    at = AppTest.from_file(str(APP), default_timeout=60).run()
    assert not at.exception
    assert "Nobody can sign in" in at.error[0].value
    assert not registered_pages(at)


def test_with_oidc_configured_a_visitor_is_asked_to_sign_in(tmp_path, monkeypatch):
    (tmp_path / "meshgov.yaml").write_text("name: sso\napp: {dev_identities: [x@example.com]}\n")
    MeshgovService.open(tmp_path).init()
    monkeypatch.setenv("MESHGOV_WORKSPACE", str(tmp_path))
    monkeypatch.delenv("MESHGOV_DB_URL", raising=False)
    at = AppTest.from_file(str(APP), default_timeout=60)
    at.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": "not-a-real-secret",
        "client_id": "meshgov",
        "client_secret": "not-a-real-secret",
        "server_metadata_url": "https://idp.example/.well-known/openid-configuration",
    }
    at.run()
    assert not at.exception
    # OIDC wins over development identities: no picker, a sign-in button, no pages.
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.selectbox and not registered_pages(at)


def test_a_principal_is_the_identity_mapped_by_meshgov_yaml(demo_workspace):
    service = MeshgovService.open(demo_workspace)
    assert service.board.principal(IDENTITIES["domain_owner"]).owned_domains == {"users"}
    assert service.board.principal("Beatriz.Costa@harmonia-music.example").has("board_member")
    assert Identity("A@B.C").email == "a@b.c"
    service.store.dispose()
