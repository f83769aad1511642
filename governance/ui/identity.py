"""Who is looking: OIDC through st.login, or a development identity picker, never a guess.

Production sets `[auth]` in Streamlit's secrets.toml: people sign in with the company's
identity provider and their email (and group claim) are mapped to roles by meshgov.yaml.
Development and demos may set `app.dev_identities` in meshgov.yaml: a picker in the sidebar
then lets anyone act as anyone, and every page says so in a banner.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import streamlit as st

from governance.engine.roles import Principal
from governance.service import MeshgovService

IDENTITY_KEY = "dev_identity"
PRINCIPAL_KEY = "principal"
DEV_BANNER = (
    "Development identities are enabled (meshgov.yaml `app.dev_identities`): anyone can act "
    "as anyone. Configure `[auth]` in secrets.toml and remove this setting in production."
)


def auth_configured() -> bool:
    """True when secrets.toml has an `[auth]` section (OIDC through st.login)."""
    try:
        return "auth" in st.secrets
    except Exception:  # no secrets.toml at all: Streamlit raises on first access
        return False


def dev_identities(settings: Mapping[str, Any]) -> list[str]:
    """The identities the development picker offers (empty when it is off)."""
    app_settings = settings.get("app") or {}
    configured = app_settings.get("dev_identities") if isinstance(app_settings, dict) else None
    if not configured:
        return []
    if isinstance(configured, list):
        return [str(e).strip().lower() for e in configured if str(e).strip()]
    # `true`: everyone named in the role mapping.
    roles = settings.get("roles") or {}
    found: list[str] = []
    for value in roles.values() if isinstance(roles, dict) else []:
        entries = (
            value
            if isinstance(value, list)
            else [
                e for emails in (value.values() if isinstance(value, dict) else []) for e in emails
            ]
        )
        found += [
            str(e).lower() for e in entries if "@" in str(e) and not str(e).startswith("group:")
        ]
    return sorted(set(found))


def current_principal(service: MeshgovService) -> Principal | None:
    """The signed-in principal, or None after showing how to sign in."""
    settings = service.workspace.settings
    if auth_configured():
        # AppTest (and a misconfigured host) may omit the attribute: treat it as signed out.
        if not st.user.get("is_logged_in", False):
            st.title("meshgov")
            st.write("Sign in with your company account to see the mesh.")
            st.button("Sign in", on_click=st.login, type="primary")
            return None
        claim = str((settings.get("app") or {}).get("groups_claim") or "groups")
        groups = st.user.get(claim) or []
        name = st.user.get("name")
        principal = service.board.principal(str(st.user.email), _as_list(groups), name)
        with st.sidebar:
            st.caption(f"Signed in as {principal.describe()}")
            st.button("Sign out", on_click=st.logout)
        return principal
    choices = dev_identities(settings)
    if not choices:
        st.error(
            "Nobody can sign in: configure OIDC (`[auth]` in .streamlit/secrets.toml) or, for "
            "development only, list identities under `app.dev_identities` in meshgov.yaml."
        )
        return None
    st.warning(DEV_BANNER, icon=":material/warning:")
    email = st.sidebar.selectbox("Act as (development)", choices, key=IDENTITY_KEY)
    principal = service.board.principal(email)
    st.sidebar.caption(principal.describe())
    return principal


def _as_list(groups: Any) -> list[str]:
    if isinstance(groups, str):
        return [groups]
    return [str(g) for g in groups] if isinstance(groups, list | tuple) else []


def signed_in() -> Principal:
    """The principal app.py resolved for this run (pages call this, never the picker)."""
    return st.session_state[PRINCIPAL_KEY]
