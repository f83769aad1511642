"""meshgov's dashboard: `meshgov serve` (or `streamlit run app.py`) on a workspace."""

from __future__ import annotations

import streamlit as st
from sqlalchemy.exc import OperationalError

from governance.engine.roles import STEWARDS
from governance.errors import StoreNotInitialised, WorkspaceError
from governance.service import MeshgovService
from governance.ui.catalog import catalog_page
from governance.ui.collectors_page import collectors_page
from governance.ui.compliance import compliance_page
from governance.ui.components import OVERVIEW_URL_PATH, PRODUCT_URL_PATH, current_service
from governance.ui.domain_page import domain_page
from governance.ui.identity import PRINCIPAL_KEY, current_principal
from governance.ui.navigation import EVERYONE, PageSpec, navigation
from governance.ui.overview import overview_page
from governance.ui.policies_page import policies_page
from governance.ui.product import product_page
from governance.ui.review_page import review_page

# Every page of the app, in navigation order, with the roles that see it.
PAGES = [
    PageSpec(OVERVIEW_URL_PATH, "Mesh overview", ":material/hub:", EVERYONE, overview_page, True),
    PageSpec("domain", "Domain", ":material/domain:", EVERYONE, domain_page),
    PageSpec(PRODUCT_URL_PATH, "Product", ":material/inventory_2:", EVERYONE, product_page),
    PageSpec("catalog", "Catalog", ":material/search:", EVERYONE, catalog_page),
    PageSpec("collectors", "Collectors", ":material/sensors:", STEWARDS, collectors_page),
    PageSpec("compliance", "Compliance", ":material/rule:", STEWARDS, compliance_page),
    PageSpec("policies", "Policies", ":material/policy:", EVERYONE, policies_page),
    PageSpec("review", "Review queue", ":material/gavel:", EVERYONE, review_page),
]


def ready_service() -> MeshgovService | None:
    """The workspace's service with a current store, or None after showing what to do."""
    try:
        service = current_service()
    except WorkspaceError as exc:
        st.error(f"The workspace file cannot be read: {exc}")
        return None
    describe_workspace(service)
    try:
        service.store.check_ready()
    except StoreNotInitialised as exc:
        st.error(
            f"The metrics store is not ready: {exc}.\n\n"
            "Run `meshgov init` in the workspace (then `meshgov register` and `meshgov collect`), "
            "or `meshgov demo` to build and load the demo mesh."
        )
        return None
    except OperationalError as exc:
        st.error(
            f"Cannot reach the metrics store {service.store.display_url}: {exc.orig}. "
            "Check MESHGOV_DB_URL or `store.url` in meshgov.yaml."
        )
        return None
    return service


def describe_workspace(service: MeshgovService) -> None:
    """Which mesh and which store this app shows, in the sidebar."""
    st.sidebar.markdown(f"**Workspace:** {service.workspace.name}")
    st.sidebar.caption(f"Store: `{service.store.display_url}`")


def main() -> None:
    """Set up the page, check the store, and run the selected page."""
    st.set_page_config(page_title="meshgov", page_icon=":material/hub:", layout="wide")
    service = ready_service()
    if service is None:
        st.stop()
    principal = current_principal(service)
    if principal is None:
        st.stop()
    if not principal.roles:
        st.error(
            f"{principal.email} has no role in this mesh; ask an admin to map it in "
            "meshgov.yaml `roles:`."
        )
        st.stop()
    st.session_state[PRINCIPAL_KEY] = principal
    navigation(principal, PAGES).run()


if __name__ == "__main__":  # streamlit runs this file as __main__
    main()
