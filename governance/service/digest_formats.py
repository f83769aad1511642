"""A digest as a Markdown file and as one Slack-compatible webhook message (pure)."""

from __future__ import annotations

import re
from typing import Any

from governance.engine.digest import Digest, ProductNews

SECTIONS = (("failed", "Failed"), ("due", "Due"), ("expiring", "Expiring"))
MAX_PRODUCTS_IN_MESSAGE = 10  # the rest is in the file; Slack allows 50 blocks a message
MAX_LINES_PER_SECTION = 5
_SLACK_SPECIAL = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})


def file_stem(digest: Digest) -> str:
    """A file name for the digest: its audience and key, safe on any file system."""
    return f"{digest.audience}-{re.sub(r'[^A-Za-z0-9._@-]+', '_', digest.key)}"


def digest_markdown(digest: Digest) -> str:
    """The whole digest: every product with news, every line of each section."""
    lines = [f"# {digest.title}", ""]
    if digest.recipients:
        lines += [f"For: {', '.join(digest.recipients)}", ""]
    if digest.all_clear:
        return "\n".join(
            [*lines, "All clear: nothing failed, nothing is due, nothing expires.", ""]
        )
    counts = digest.counts
    lines += [
        f"{counts['failed']} failing, {counts['due']} due, {counts['expiring']} expiring, "
        f"over {len(digest.products)} product(s).",
        "",
    ]
    for news in digest.products:
        lines += [f"## {_md(news.name)} (`{news.product_id}`, domain {news.domain_id})", ""]
        lines += [_score_line(news), ""]
        for key, heading in SECTIONS:
            entries = getattr(news, key)
            if entries:
                lines += [f"**{heading}**", "", *(f"- {_md(entry)}" for entry in entries), ""]
    return "\n".join(lines)


def digest_message(digest: Digest, dashboard_url: str | None = None) -> dict[str, Any]:
    """One webhook message for the whole digest: products grouped, sections bounded."""
    counts = digest.counts
    summary = (
        f"{counts['failed']} failing, {counts['due']} due, {counts['expiring']} expiring "
        f"over {len(digest.products)} product(s)"
    )
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": digest.title[:150]}},
        {"type": "section", "text": {"type": "mrkdwn", "text": _slack(summary)}},
    ]
    for news in digest.products[:MAX_PRODUCTS_IN_MESSAGE]:
        link = (
            f"<{dashboard_url.rstrip('/')}/product?product={news.product_id}|open>"
            if dashboard_url
            else ""
        )
        parts = [f"*{_slack(news.name)}* (`{_slack(news.product_id)}`) {link}".rstrip()]
        parts.append(_slack(_score_line(news)))
        for key, heading in SECTIONS:
            entries = getattr(news, key)
            if entries:
                shown = [f"• {_slack(e, 280)}" for e in entries[:MAX_LINES_PER_SECTION]]
                more = len(entries) - MAX_LINES_PER_SECTION
                if more > 0:
                    shown.append(f"• … and {more} more")
                parts.append(f"_{heading}_\n" + "\n".join(shown))
        blocks.append(
            {"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(parts)[:2900]}}
        )
    hidden = len(digest.products) - MAX_PRODUCTS_IN_MESSAGE
    if hidden > 0:
        text = f"… and {hidden} more product(s): see the digest file"
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": text}]})
    return {"text": f"{digest.title}: {summary}", "blocks": blocks}


def _score_line(news: ProductNews) -> str:
    if news.score is None:
        return "Not scored."
    if news.previous is None:
        return f"Score {news.score:.1f}."
    change = news.score - news.previous
    return f"Score {news.score:.1f} ({change:+.1f} since the day before)."


def _md(text: str) -> str:
    """Text from people and tools, shown as text: no Markdown or HTML of theirs runs."""
    return re.sub(r"([\\`*_\[\]<>#|])", r"\\\1", text)


def _slack(text: str, limit: int = 500) -> str:
    text = text.translate(_SLACK_SPECIAL)
    return text if len(text) <= limit else text[: limit - 1] + "…"
