"""`meshgov mcp`, driven by the official MCP SDK's client over stdio, on the demo mesh.

The client launches `meshgov mcp --as EMAIL` as an assistant would and calls its tools; the
answers are checked against what the service says, and against what that person may see.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import date
from pathlib import Path
from typing import Any

from mcp import Client
from mcp.client.stdio import StdioServerParameters

from governance.demo import board_story
from governance.engine.roles import STEWARDS
from governance.service import MeshgovService
from tests.engine.conftest import run_cli

ROOT = Path(__file__).resolve().parent.parent
TOOLS = {"search_products", "trust_summary", "policies", "open_review_items"}
CHAIR = board_story.BOARD_CHAIR.username
ANALYST = board_story.ANALYST.username


def server(workspace: Path, who: str) -> StdioServerParameters:
    """How an assistant's configuration starts meshgov's MCP server."""
    return StdioServerParameters(
        command=sys.executable,
        args=["-m", "governance.cli", "mcp", "--as", who, "-w", str(workspace)],
        # The SDK passes a server only a few safe variables (HOME, PATH, ...): this
        # checkout's meshgov is the one to run, installed or not.
        env={"PYTHONPATH": str(ROOT)},
    )


def session(workspace: Path, who: str, talk: Callable[[Client], Awaitable[Any]]) -> Any:
    """Connect as `who`, run `talk` with the client, disconnect; what `talk` returned."""

    async def run() -> Any:
        async with Client(server(workspace, who), read_timeout_seconds=60) as client:
            return await talk(client)

    # On a thread of its own: Playwright's sync API (the browser tests' session-wide
    # browser) keeps an event loop running on the main thread, where asyncio.run refuses.
    with ThreadPoolExecutor(max_workers=1) as thread:
        return thread.submit(asyncio.run, run()).result()


async def call(client: Client, tool: str, **arguments: Any) -> dict[str, Any]:
    """A tool's structured answer; a tool error fails the test with its message."""
    result = await client.call_tool(tool, arguments)
    assert not result.is_error, result.content
    return result.structured_content


def test_an_assistant_sees_four_read_only_tools(demo_workspace: Path) -> None:
    async def talk(client: Client) -> Any:
        return (await client.list_tools()).tools

    tools = session(demo_workspace, ANALYST, talk)
    assert {t.name for t in tools} == TOOLS
    for tool in tools:
        assert tool.annotations.read_only_hint is True, tool.name
        assert tool.description and len(tool.description) > 40  # tells the model what it does
    schemas = {t.name: t.input_schema for t in tools}
    assert set(schemas["search_products"]["properties"]) == {
        "text", "domain", "trust_level", "tag", "owner", "limit",
    }  # fmt: skip
    assert schemas["trust_summary"]["required"] == ["product_id"]


def test_search_and_trust_summary_answer_what_the_pages_show(demo_workspace: Path) -> None:
    service = MeshgovService.open(demo_workspace)

    async def talk(client: Client) -> Any:
        found = await call(client, "search_products", text="payments")
        gold = await call(client, "search_products", trust_level="gold", limit=2)
        summary = await call(client, "trust_summary", product_id="artist-payments")
        return found, gold, summary

    found, gold, summary = session(demo_workspace, ANALYST, talk)
    assert {"artist-payments", "payment-events"} <= {p["id"] for p in found["products"]}
    assert all(p["trust_level"] == "gold" for p in gold["products"])
    assert len(gold["products"]) <= 2 and gold["count"] >= len(gold["products"])
    explained = service.evaluation.explain("artist-payments")["score"]
    assert summary["score"] == explained["score"] and summary["grade"] == explained["grade"]
    assert summary["trust_level"] == explained["level"]
    assert summary["owner"] == service.product_detail("artist-payments").product["owner"]
    assert {i["id"] for i in summary["open_incidents"]} == {
        i["id"] for i in service.incidents.list("artist-payments")
    }
    exhausted = [s for s in summary["slos"] if s["status"] == "exhausted"]
    assert [s["slo"] for s in exhausted] == ["artist-payments-valid-rows"]
    # What moved over the week, as `meshgov explain --since 7d` says it.
    since = date.fromisoformat(summary["moved"]["since"])
    days = service.evaluation.score_days("artist-payments")
    assert days is not None and (days[1] - since).days == 7
    move = service.evaluation.explain_change("artist-payments", since)
    assert summary["moved"]["delta"] == move.delta
    assert [c["ref"] for c in summary["moved"]["causes"]] == [c.ref for c in move.causes[:5]]


def test_policies_for_the_mesh_and_for_one_product(demo_workspace: Path) -> None:
    service = MeshgovService.open(demo_workspace)

    async def talk(client: Client) -> Any:
        return await call(client, "policies"), await call(
            client, "policies", product_id="user-search-history"
        )

    pack, product = session(demo_workspace, ANALYST, talk)
    assert [p["policy_id"] for p in pack["policies"]] == [
        r["policy_id"] for r in service.evaluation.policy_overview()
    ]
    outcomes = {r["policy_id"]: r["outcome"] for r in product["results"]}
    assert outcomes["columns-classified"] == "fail"  # the unclassified email column


def test_a_consumer_sees_only_their_requests_and_the_board_the_whole_queue(
    demo_workspace: Path,
) -> None:
    service = MeshgovService.open(demo_workspace)
    queue = service.board.queue()

    async def talk(client: Client) -> Any:
        return await call(client, "open_review_items", limit=200)

    board = session(demo_workspace, CHAIR, talk)
    consumer = session(demo_workspace, ANALYST, talk)
    assert board["whole_queue"] is True and board["count"] == len(queue)
    assert [i["id"] for i in board["items"]] == [i["id"] for i in queue]
    assert consumer["whole_queue"] is False
    assert consumer["count"] < board["count"]
    assert all(ANALYST in (i["requested_by"], i["assignee"]) for i in consumer["items"])
    # The demo's analyst asked for access: that request is theirs to follow.
    assert any(i["kind"] == "access_request" for i in consumer["items"])
    assert not service.board.principal(ANALYST).roles & STEWARDS


def test_an_unknown_product_is_a_tool_error_naming_it(demo_workspace: Path) -> None:
    async def talk(client: Client) -> Any:
        return await client.call_tool("trust_summary", {"product_id": "no-such-product"})

    result = session(demo_workspace, ANALYST, talk)
    assert result.is_error
    assert "no product 'no-such-product'" in result.content[0].text


def test_someone_with_no_role_is_refused_before_serving(tmp_path: Path) -> None:
    workspace = tmp_path / "mesh"
    workspace.mkdir()
    # Only those listed hold a role: eve holds none.
    (workspace / "meshgov.yaml").write_text(
        "roles:\n  default: none\n  admin: [admin@example.com]\n", encoding="utf-8"
    )
    assert run_cli("init", "-w", str(workspace)).exit_code == 0
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "governance.cli",
            "mcp",
            "--as",
            "eve@example.com",
            "-w",
            str(workspace),
        ],
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert result.returncode == 3  # refused, as any action the roles do not allow
    assert "has no role in this mesh" in result.stderr
    assert result.stdout == ""  # nothing on the protocol's channel
