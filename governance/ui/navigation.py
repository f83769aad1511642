"""Which pages each role sees: a page a role cannot use is not in its navigation."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import streamlit as st

from governance.engine.roles import ROLES, Principal

EVERYONE = frozenset(ROLES)


@dataclass(frozen=True)
class PageSpec:
    """One page of the app and the roles that see it."""

    key: str
    title: str
    icon: str
    roles: frozenset[str]
    render: Callable[[], None]
    default: bool = False


def visible_pages(principal: Principal, pages: list[PageSpec]) -> list[PageSpec]:
    """The pages any of the principal's roles may see, in the given order."""
    return [p for p in pages if p.roles & principal.roles]


def navigation(principal: Principal, pages: list[PageSpec]) -> st.navigation:
    """st.navigation over the principal's pages."""
    return st.navigation(
        [
            st.Page(p.render, title=p.title, icon=p.icon, url_path=p.key, default=p.default)
            for p in visible_pages(principal, pages)
        ]
    )
