"""Pages never show a database password or OIDC secrets (searched in every element's text)."""

from __future__ import annotations

from pathlib import Path

import yaml
from sqlalchemy.engine import make_url
from streamlit.testing.v1 import AppTest

from tests.reliability.test_secrets import CLIENT_SECRET, PASSWORD, with_password

APP = Path(__file__).resolve().parents[2] / "app.py"
KINDS = (
    "title",
    "header",
    "subheader",
    "markdown",
    "caption",
    "text",
    "code",
    "error",
    "warning",
    "info",
    "success",
    "metric",
    "exception",
)


def page_text(at: AppTest) -> str:
    """Every visible value and body of the run's elements."""
    parts = []
    for kind in KINDS:
        for element in getattr(at, kind):
            for attribute in ("value", "body", "label", "message"):
                parts.append(str(getattr(element, attribute, "") or ""))
    return "\n".join(parts)


def test_pages_show_neither_the_database_password_nor_oidc_secrets(pg_url, tmp_path, monkeypatch):
    from governance.service import MeshgovService

    secret_url = with_password(pg_url)
    (tmp_path / "meshgov.yaml").write_text(
        yaml.safe_dump({"name": "secrets", "app": {"dev_identities": ["a@example.com"]}})
    )
    monkeypatch.setenv("MESHGOV_WORKSPACE", str(tmp_path))
    for url in (secret_url, make_url(secret_url).set(port=1).render_as_string(hide_password=False)):
        monkeypatch.setenv("MESHGOV_DB_URL", url)
        at = AppTest.from_file(str(APP), default_timeout=60)
        at.run()
        assert not at.exception
        # The sidebar names the store (or the error does), never with its password.
        shown = page_text(at)
        assert "127.0.0.1" in shown and PASSWORD not in shown
    monkeypatch.setenv("MESHGOV_DB_URL", secret_url)
    MeshgovService.open(tmp_path).init()
    sso = AppTest.from_file(str(APP), default_timeout=60)
    sso.secrets["auth"] = {
        "redirect_uri": "http://localhost:8501/oauth2callback",
        "cookie_secret": CLIENT_SECRET,
        "client_id": "meshgov",
        "client_secret": CLIENT_SECRET,
        "server_metadata_url": "https://idp.example/.well-known/openid-configuration",
    }
    sso.run()
    assert not sso.exception
    shown = page_text(sso)
    assert "Sign in" in [b.label for b in sso.button]
    assert CLIENT_SECRET not in shown and PASSWORD not in shown
