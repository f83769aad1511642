"""Reaching the app's pages in AppTest.

AppTest.switch_page() only resolves pages backed by a file; ours are callables that
st.navigation registers under a url_path. AppTest records that registry after each run:
these helpers read it, and fail loudly if it changes.
"""

from __future__ import annotations

from streamlit.testing.v1 import AppTest


def registered_pages(at: AppTest) -> dict[str, str]:
    """url_path → page hash of what st.navigation offered in the last run."""
    # The default page registers with an empty url_pathname: it is the overview.
    return {
        info.get("url_pathname") or "overview": page_hash
        for page_hash, info in at._registered_pages.items()
        if "url_pathname" in info
    }


def goto(at: AppTest, url_path: str) -> AppTest:
    """Open a page of the navigation, as a click on it in the sidebar does."""
    pages = registered_pages(at)
    assert url_path in pages, f"{url_path!r} is not in the navigation: {sorted(pages)}"
    at._page_hash = pages[url_path]
    return at.run()
