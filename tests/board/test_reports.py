"""The board pack: golden agenda and minutes, ordering, overdue, empty packs, hostile text.

Set MESHGOV_UPDATE_GOLDEN=1 to rewrite the golden files after an intended change, then read
the diff as a board member would.
"""

from __future__ import annotations

import hashlib
import html
import os
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from markdown_it import MarkdownIt

from governance.service.report_formats import FORMATS
from governance.service.reports import render_agenda, render_minutes

GOLDEN = Path(__file__).parent / "golden"
NOW = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
SINCE = date(2026, 2, 1)
MESH = "acme-retail"
LOG_HEAD = {"seq": 214, "hash": hashlib.sha256(b"governance log entry 214").hexdigest()}

# CommonMark as a reader sees it, raw HTML passed through: what an unescaped value would do.
COMMONMARK = MarkdownIt("commonmark")


def at(day: int, hour: int = 9, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


def item(id: int, **overrides) -> dict:
    """A review item as the store hands it over; overrides set what a test is about."""
    base = {
        "id": id,
        "kind": "blocker",
        "product_id": "orders",
        "domain_id": "sales",
        "title": f"Item {id}",
        "summary": "Summary.",
        "evidence": [],
        "severity": "major",
        "tier": "gold",
        "priority": 50.0,
        "due_at": at(20),
        "assignee": None,
        "requested_by": None,
        "decision_asked": "Decide.",
        "state": "on_agenda",
        "opened_at": at(1),
        "version": 1,
        "comments": [],
    }
    return base | overrides


def board_items() -> list[dict]:
    """Four items of different kinds, severities and tiers; #7 overdue, #12 commented."""
    return [
        item(
            15,
            kind="budget_exhausted",
            product_id="customer-360",
            domain_id="marketing",
            title="Error budget spent: customer-360 freshness",
            summary=(
                "Freshness of customer_profiles missed its 2-hour target on 9 of the last "
                "14 days; the 28-day error budget ran out on 2026-02-26."
            ),
            evidence=[
                {
                    "kind": "slo",
                    "ref": "customer-360/freshness-2h",
                    "label": "Freshness under 2 hours, 99% over 28 days",
                    "detail": "attainment 97.9%, budget remaining -112%",
                },
                {
                    "kind": "check",
                    "ref": "great_expectations/customer_profiles/freshness",
                    "label": "Freshness check",
                    "detail": "failed 9 times since 2026-02-16",
                },
            ],
            severity="major",
            tier="silver",
            priority=64.25,
            due_at=at(9, 17),
            assignee="marta.silva@acme.example",
            decision_asked="Freeze new features on customer-360 until the budget recovers, or accept the risk",
            opened_at=at(26, 6, 0, month=2),
        ),
        item(
            7,
            kind="blocker",
            product_id="payments",
            domain_id="finance",
            title="Blocker: payments has unclassified columns",
            summary=(
                "Three columns of payments.settlements carry no classification, so the "
                "pii-classified policy blocks the product."
            ),
            evidence=[
                {
                    "kind": "policy",
                    "ref": "policy_rules/global/pii-classified.yaml",
                    "label": "Every column is classified",
                    "detail": "3 of 41 columns unclassified: iban, payer_name, payer_email",
                },
                {
                    "kind": "contract",
                    "ref": "payments/settlements@2.3.0",
                    "label": "Data contract",
                    "detail": "columns added in 2.3.0 without a classification",
                },
            ],
            severity="blocker",
            tier="gold",
            priority=88.0,
            due_at=at(27, 12, 0, month=2),
            assignee=None,
            decision_asked="Decide whether payments may keep serving consumers while 3 columns are unclassified",
            opened_at=at(20, 8, 15, month=2),
        ),
        item(
            12,
            kind="waiver_request",
            product_id="orders",
            domain_id="sales",
            title="Waiver requested: owner-present on orders",
            summary=(
                "The orders team lost its owner in the January reorganisation; a new owner "
                "starts on 2026-04-01. Until then the sales domain lead covers incidents."
            ),
            evidence=[
                {
                    "kind": "policy",
                    "ref": "policy_rules/global/owner-present.yaml",
                    "label": "Product has a named owner",
                    "detail": "no owner in the descriptor since 2026-01-15",
                },
                {
                    "kind": "waiver",
                    "ref": "waiver-request/5",
                    "label": "Waiver request",
                    "detail": "until 2027-01-31, asked by li.wei@acme.example",
                },
            ],
            severity="blocker",
            tier="gold",
            priority=92.5,
            due_at=at(5, 17),
            assignee="dana.ortiz@acme.example",
            requested_by="li.wei@acme.example",
            decision_asked="Approve or reject a waiver of owner-present until 2027-01-31",
            opened_at=at(24, 10, 2, month=2),
            comments=[
                {
                    "time": at(25, 14, 12, month=2),
                    "actor": "dana.ortiz@acme.example",
                    "body": "Can we shorten it to 2026-06-30? The new owner starts in April.",
                },
                {
                    "time": at(26, 9, 40, month=2),
                    "actor": "li.wei@acme.example",
                    "body": "June works if the hand-over finishes on time; asking for January as margin.",
                },
            ],
        ),
        item(
            18,
            kind="policy_change",
            product_id=None,
            domain_id=None,
            title="Policy change: retention-declared now applies to bronze",
            summary="The global policy retention-declared was edited to cover bronze products too.",
            evidence=[
                {
                    "kind": "policy_file",
                    "ref": "policy_rules/global/retention-declared.yaml",
                    "label": "Policy file changed",
                    "detail": "sha256 3f1c9a…e07b, tiers [gold, silver] → [gold, silver, bronze]",
                }
            ],
            severity="minor",
            tier=None,
            priority=41.0,
            due_at=at(16, 17),
            assignee="board@acme.example",
            requested_by="platform-team@acme.example",
            decision_asked="Accept the policy change, which would newly fail 6 bronze products",
            opened_at=at(1, 8, 0),
        ),
    ]


def board_decisions() -> list[dict]:
    """Three decisions with different outcomes; one created an access grant."""
    return [
        {
            "record_id": "GDR-0009",
            "item_id": 10,
            "kind": "contract_change",
            "product_id": "inventory",
            "title": "Contract change: inventory.stock_levels drops warehouse_code",
            "outcome": "changes_requested",
            "rationale": "Two consumers still read warehouse_code; deprecate it for one release first.",
            "decided_by": "board@acme.example",
            "decided_at": at(26, 16, 5, month=2),
            "effects": {},
        },
        {
            "record_id": "GDR-0007",
            "item_id": 9,
            "kind": "access_request",
            "product_id": "orders",
            "title": "Read access to orders.order_lines for churn modelling",
            "outcome": "approved",
            "rationale": "Purpose is clear and the port holds no PII; grant for one year.",
            "decided_by": "dana.ortiz@acme.example",
            "decided_at": at(12, 11, 30, month=2),
            "effects": {
                "grant_id": 2,
                "expires_at": "2027-02-12T11:30:00+00:00",
                "reassess_at": "2026-08-12T11:30:00+00:00",
            },
        },
        {
            "record_id": "GDR-0008",
            "item_id": 8,
            "kind": "waiver_request",
            "product_id": "payments",
            "title": "Waiver of pii-classified for payments",
            "outcome": "rejected",
            "rationale": "Unclassified IBANs are exactly what the policy is for; classify them instead.",
            "decided_by": "board@acme.example",
            "decided_at": at(19, 15, 0, month=2),
            "effects": {},
        },
    ]


def render(name: str, fmt: str) -> str:
    if name == "agenda":
        return render_agenda(board_items(), mesh=MESH, generated_at=NOW, fmt=fmt)
    return render_minutes(
        board_decisions(), mesh=MESH, since=SINCE, generated_at=NOW, log_head=LOG_HEAD, fmt=fmt
    )


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("name", ["agenda", "minutes"])
def test_matches_golden_file(name, fmt):
    path = GOLDEN / f"{name}.{fmt}"
    text = render(name, fmt)
    if os.environ.get("MESHGOV_UPDATE_GOLDEN") == "1":
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), (
        f"{path.name} differs; if the change is intended, rerun with MESHGOV_UPDATE_GOLDEN=1 "
        "and review the diff"
    )


def test_agenda_is_highest_priority_first_then_soonest_due_then_id():
    items = [
        item(1, priority=10.0),
        item(2, priority=80.0, due_at=at(20)),
        item(3, priority=80.0, due_at=at(10)),
        item(4, priority=80.0, due_at=at(10)),
        item(5, priority=95.5),
    ]
    agenda = render_agenda(items, mesh=MESH, generated_at=NOW)
    headings = re.findall(r"^## (\d+)\. Item (\d+)", agenda, flags=re.MULTILINE)
    assert headings == [("1", "5"), ("2", "3"), ("3", "4"), ("4", "2"), ("5", "1")]


@pytest.mark.parametrize("fmt", FORMATS)
def test_only_items_due_before_generation_are_overdue(fmt):
    items = [
        item(1, title="Late", due_at=NOW - timedelta(minutes=1)),
        item(2, title="On the dot", due_at=NOW),
        item(3, title="Later", due_at=NOW + timedelta(days=3)),
    ]
    agenda = render_agenda(items, mesh=MESH, generated_at=NOW, fmt=fmt)
    # One chunk per item, split where each item's heading starts.
    chunks = re.split(r"^## |^<section", agenda, flags=re.MULTILINE)[1:]
    overdue = {
        re.search(r"Later|Late|On the dot", chunk)[0]: "OVERDUE" in chunk for chunk in chunks
    }
    assert overdue == {"Late": True, "On the dot": False, "Later": False}
    assert "1 overdue" in agenda


@pytest.mark.parametrize("fmt", FORMATS)
def test_empty_agenda_says_so(fmt):
    agenda = render_agenda([], mesh=MESH, generated_at=NOW, fmt=fmt)
    assert "Nothing is on the agenda." in agenda
    assert "0 items" in agenda


@pytest.mark.parametrize("fmt", FORMATS)
def test_empty_minutes_say_so_and_still_anchor_the_log(fmt):
    minutes = render_minutes(
        [], mesh=MESH, since=SINCE, generated_at=NOW, log_head=LOG_HEAD, fmt=fmt
    )
    assert "No decisions since 2026-02-01." in minutes
    assert f"--anchor 214:{LOG_HEAD['hash']}" in minutes


def test_minutes_leave_out_decisions_before_since():
    decisions = board_decisions()
    minutes = render_minutes(
        decisions, mesh=MESH, since=date(2026, 2, 19), generated_at=NOW, log_head=None
    )
    assert "GDR-0007" not in minutes  # decided on 2026-02-12
    assert minutes.index("GDR-0008") < minutes.index("GDR-0009")
    assert "Approved 0 · Rejected 1 · Changes requested 1 · Deferred 0" in minutes
    assert "Governance log: no entries yet" in minutes


@pytest.mark.parametrize(
    ("effects", "words"),
    [
        ({"waiver_id": 3, "expires_at": "2027-01-31T00:00:00+00:00"}, "waiver #3 until 2027-01-31"),
        (
            {"grant_id": 2, "expires_at": "2027-02-12T23:30:00-05:00", "reassess_at": "2026-08-12"},
            "access grant #2 until 2027-02-13, reassess on 2026-08-12",
        ),
        ({"waiver_id": 4}, "waiver #4 (no expiry)"),
        ({}, "Effects:** none"),
        ({"note": "manual follow-up"}, "note: manual follow-up"),
    ],
)
def test_effects_are_put_in_words(effects, words):
    decision = board_decisions()[0] | {"effects": effects}
    minutes = render_minutes(
        [decision], mesh=MESH, since=SINCE, generated_at=NOW, log_head=LOG_HEAD
    )
    assert words in minutes


HOSTILE = item(
    66,
    title="<script>alert(1)</script>",
    summary='Fine product <img src=x onerror=alert(1)> "quoted" & more',
    comments=[{"time": at(1), "actor": "mallory", "body": "# pwned-heading\n* pwned-list"}],
)


def test_hostile_values_are_text_in_html():
    page = render_agenda([HOSTILE], mesh="<b>mesh</b>", generated_at=NOW, fmt="html")
    assert not re.search(r"<\s*(script|img)", page, flags=re.IGNORECASE)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "&lt;img src=x onerror=alert(1)&gt; &quot;quoted&quot; &amp; more" in page
    assert "&lt;b&gt;mesh&lt;/b&gt;" in page
    assert page.startswith("<!doctype html>")
    assert '<meta charset="utf-8">' in page
    assert not re.search(r"\b(src|href)=", page.replace("src=x", ""))  # nothing external


def test_hostile_values_are_text_in_markdown():
    agenda = render_agenda([HOSTILE], mesh=MESH, generated_at=NOW)
    assert "<script" not in agenda and "<img" not in agenda
    for line in agenda.splitlines():
        if "pwned" in line:
            assert not line.lstrip().startswith(("#", "*")), line
    # As a reader renders it: no tags, no heading or list made from the comment.
    page = COMMONMARK.render(agenda)
    assert "<script" not in page and "<img" not in page
    assert "mallory: # pwned-heading * pwned-list</li>" in page


def value_as_read(markdown: str) -> str:
    """The Summary field of a one-item agenda, as text after CommonMark renders it."""
    page = COMMONMARK.render(markdown)
    found = re.search(r"<li><strong>Summary:</strong>\s*(.*?)\s*</li>", page, flags=re.DOTALL)
    assert found, page
    return html.unescape(found.group(1))


def one_line(value: str) -> str:
    return " ".join(value.splitlines()).strip()


@pytest.mark.parametrize(
    "value",
    [
        "**bold** and _em_",
        "[a link](https://evil.example) ![img](x.png)",
        "`code` | a | b |",
        "# heading",
        "line one\n- a list item\n1. numbered\n> quote\n---",
        "trailing backslash \\",
        "escaped \\* star and &amp; entity &#35;",
        "<!-- comment --> <https://autolink.example>",
        "ends with hashes ##",
    ],
)
def test_markdown_values_read_back_as_written(value):
    agenda = render_agenda([item(1, summary=value)], mesh=MESH, generated_at=NOW)
    assert value_as_read(agenda) == one_line(value)


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126) | st.just("\n")))
def test_any_printable_value_reads_back_as_written(value):
    agenda = render_agenda([item(1, summary=value)], mesh=MESH, generated_at=NOW)
    if one_line(value):
        assert value_as_read(agenda) == one_line(value)


def test_heading_title_ending_in_hashes_keeps_them():
    minutes = render_minutes(
        [board_decisions()[0] | {"title": "Rename ##"}],
        mesh=MESH,
        since=SINCE,
        generated_at=NOW,
        log_head=None,
    )
    assert "<h2>GDR-0009 — Rename ##</h2>" in COMMONMARK.render(minutes)


@pytest.mark.parametrize("render_pack", ["agenda", "minutes"])
def test_unknown_format_names_the_choices(render_pack):
    with pytest.raises(ValueError, match=r"'pdf'.*md, html"):
        if render_pack == "agenda":
            render_agenda([], mesh=MESH, generated_at=NOW, fmt="pdf")
        else:
            render_minutes([], mesh=MESH, since=SINCE, generated_at=NOW, log_head=None, fmt="pdf")


def test_naive_times_are_refused_with_the_field_named():
    with pytest.raises(ValueError, match="due_at of item #3 must be timezone-aware"):
        render_agenda([item(3, due_at=datetime(2026, 3, 1))], mesh=MESH, generated_at=NOW)


def test_a_log_head_that_is_not_a_sha256_is_refused():
    with pytest.raises(ValueError, match="64 hex characters"):
        render_minutes(
            [], mesh=MESH, since=SINCE, generated_at=NOW, log_head={"seq": 1, "hash": "`rm -rf`"}
        )
