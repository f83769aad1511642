"""The board pack's two formats: one neutral document, rendered as Markdown or standalone HTML.

Titles, summaries and comments are written by people we do not trust, so both formats are
built from one neutral document (`Document`) and every value goes through exactly one
escaping function per format: `_md_text` or `_html_text`. The layouts put fixed text before
every value on its line, so a value can never begin a Markdown line.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

FORMATS = ("md", "html")


class Code(str):
    """Text shown as code; only our own text (a command), never a value from a person."""


# A paragraph is a run of spans: plain text (escaped) and `Code` (shown as code).
Paragraph = tuple[str, ...]


@dataclass(frozen=True)
class Section:
    """One agenda item or one decision: a heading, labelled fields, then short lists."""

    heading: str
    fields: list[tuple[str, str]]
    lists: list[tuple[str, list[str]]] = field(default_factory=list)
    flag: str | None = None


@dataclass(frozen=True)
class Document:
    """What both formats render: a title, lead paragraphs, sections and a footer."""

    title: str
    lead: list[Paragraph]
    sections: list[Section]
    empty: str  # said instead of the sections when there are none
    footer: list[Paragraph] = field(default_factory=list)


def renderer(fmt: str) -> Callable[[Document], str]:
    """The function that renders a document in `fmt` (md or html)."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    return _render_md if fmt == "md" else _render_html


# --- Markdown ---------------------------------------------------------------------------------

_MD_ACTIVE = re.compile(r"[\\`*_\[\]|&<>]")
_MD_ENTITIES = {"&": "&amp;", "<": "&lt;", ">": "&gt;"}
_MD_EDGE_HASHES = re.compile(r"^#|(?<=\s)#(?=#*$)")


def _md_text(value: Any) -> str:
    """A value as inline Markdown text: one line, no markup, no raw HTML."""
    text = " ".join(str(value).splitlines())
    # Backslash too: otherwise a value ending in one would escape our own markup after it.
    text = _MD_ACTIVE.sub(lambda m: _MD_ENTITIES.get(m[0], "\\" + m[0]), text)
    # A leading `#` would open a heading; a trailing ` #` run would be eaten as its closing.
    return _MD_EDGE_HASHES.sub(r"\\#", text)


def _md_paragraph(paragraph: Paragraph) -> str:
    return "".join(f"`{span}`" if isinstance(span, Code) else _md_text(span) for span in paragraph)


def _render_md(doc: Document) -> str:
    lines = [f"# {_md_text(doc.title)}", ""]
    for paragraph in doc.lead:
        lines += [_md_paragraph(paragraph), ""]
    if not doc.sections:
        lines += [_md_text(doc.empty), ""]
    for section in doc.sections:
        heading = f"## {_md_text(section.heading)}"
        if section.flag:
            heading += f" — **{_md_text(section.flag)}**"
        lines += [heading, ""]
        lines += [f"- **{label}:** {_md_text(value)}" for label, value in section.fields]
        lines.append("")
        for label, entries in section.lists:
            if not entries:
                lines += [f"**{label}:** none recorded", ""]
                continue
            lines += [f"**{label}**", ""]
            lines += [f"- {_md_text(entry)}" for entry in entries]
            lines.append("")
    if doc.footer:
        lines += ["---", ""]
        for paragraph in doc.footer:
            lines += [_md_paragraph(paragraph), ""]
    return "\n".join(lines).rstrip("\n") + "\n"


# --- HTML -------------------------------------------------------------------------------------

# Inline only: the page is mailed and archived, so it must not fetch anything.
_CSS = """
body { font: 15px/1.5 system-ui, sans-serif; max-width: 56rem; margin: 2rem auto; padding: 0 1rem; color: #1b1f24; }
h1 { font-size: 1.5rem; margin-bottom: .25rem; }
h2 { font-size: 1.15rem; margin: 0 0 .5rem; }
h3 { font-size: .95rem; margin: .75rem 0 .25rem; }
.lead { color: #57606a; margin: .25rem 0; }
section { border: 1px solid #d0d7de; border-radius: 6px; padding: .75rem 1rem; margin: 1rem 0; }
section.flagged { border-color: #cf222e; border-left-width: 4px; }
.flag { color: #cf222e; font-size: .8rem; letter-spacing: .05em; margin-left: .5rem; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: .15rem 1rem; margin: 0; }
dt { color: #57606a; }
dd { margin: 0; }
dd, li { white-space: pre-line; }
dd, li, footer { overflow-wrap: anywhere; }
code { font-size: .85rem; background: #f6f8fa; padding: .1rem .25rem; border-radius: 4px; }
footer { border-top: 1px solid #d0d7de; margin-top: 2rem; padding-top: .5rem; color: #57606a; }
""".strip()
# Defence in depth should an escape ever be missed: the page may run no script at all.
_CSP = "default-src 'none'; style-src 'unsafe-inline'"


def _html_text(value: Any) -> str:
    """A value as HTML text, quotes included, so it is safe in elements and attributes."""
    return html.escape(str(value), quote=True)


def _html_paragraph(paragraph: Paragraph) -> str:
    return "".join(
        f"<code>{_html_text(span)}</code>" if isinstance(span, Code) else _html_text(span)
        for span in paragraph
    )


def _render_html(doc: Document) -> str:
    title = _html_text(doc.title)
    out = [
        "<!doctype html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{title}</title>",
        f"<style>\n{_CSS}\n</style>",
        "</head>",
        "<body>",
        f"<h1>{title}</h1>",
    ]
    out += [f'<p class="lead">{_html_paragraph(paragraph)}</p>' for paragraph in doc.lead]
    if not doc.sections:
        out.append(f'<p class="empty">{_html_text(doc.empty)}</p>')
    for section in doc.sections:
        flag = f' <strong class="flag">{_html_text(section.flag)}</strong>' if section.flag else ""
        out += [
            '<section class="flagged">' if section.flag else "<section>",
            f"<h2>{_html_text(section.heading)}{flag}</h2>",
            "<dl>",
        ]
        out += [
            f"<dt>{_html_text(label)}</dt><dd>{_html_text(value)}</dd>"
            for label, value in section.fields
        ]
        out.append("</dl>")
        for label, entries in section.lists:
            if not entries:
                out.append(f"<h3>{_html_text(label)}</h3><p>none recorded</p>")
                continue
            out += [f"<h3>{_html_text(label)}</h3>", "<ul>"]
            out += [f"<li>{_html_text(entry)}</li>" for entry in entries]
            out.append("</ul>")
        out.append("</section>")
    if doc.footer:
        out.append("<footer>")
        out += [f"<p>{_html_paragraph(paragraph)}</p>" for paragraph in doc.footer]
        out.append("</footer>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"
