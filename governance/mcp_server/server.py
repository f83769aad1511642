"""The MCP server: MeshTools' answers as tools of the official SDK's MCPServer, over stdio.

Every tool is marked read-only and idempotent, and none of them writes: an assistant can ask
what the mesh knows, never change it. Errors a person can act on (an unknown product, a
question the history cannot answer) come back as tool errors with meshgov's message.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from mcp.server import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations

from governance.errors import MeshgovError
from governance.mcp_server.tools import MeshTools

INSTRUCTIONS = (
    "meshgov is the governance dashboard of a data mesh. Ask it which data products exist "
    "(search_products), whether one can be trusted and why its score moved "
    "(trust_summary), which policies apply and how products fare on them (policies), and "
    "what waits for a governance decision (open_review_items). Answers are read-only and "
    "limited to what the signed-in person may see."
)
READ_ONLY = ToolAnnotations(readOnlyHint=True, idempotentHint=True, openWorldHint=False)


@contextmanager
def _as_tool_errors() -> Iterator[None]:
    try:
        yield
    except (MeshgovError, ValueError) as exc:
        raise ToolError(str(exc)) from exc


# What each tool tells the model it is for (MeshTools' methods hold the parameters).
DESCRIPTIONS = {
    "search_products": (
        "Search the mesh's data products by words (in names, descriptions, tags and column "
        "names), domain id, trust level (gold, silver, bronze, none), tag or owner email; the "
        "best-scored first, with owner, score, grade, trust level and worst SLO status."
    ),
    "trust_summary": (
        "Whether a data product can be trusted: health score and grade, trust level, the "
        "enforced policies it fails, its SLOs, open incidents, owner and support, output "
        "ports, open review items, and what moved its score over the last week (each cause "
        "with its points)."
    ),
    "policies": (
        "The governance policies in force (scope, severity, level, lifecycle, pass rate, "
        "rationale); given a product id, that product's outcome on each policy instead."
    ),
    "open_review_items": (
        "Review items waiting for a decision (blocker violations, waiver and access "
        "requests, ...), highest priority first, with who decides and when they are due. A "
        "consumer sees only the requests they made or were assigned."
    ),
}


def build_server(tools: MeshTools) -> MCPServer:
    """An MCPServer whose tools are MeshTools' read-only answers."""
    server = MCPServer("meshgov", instructions=INSTRUCTIONS)
    for name, description in DESCRIPTIONS.items():
        server.add_tool(
            _tool_errors(getattr(tools, name)),
            name=name,
            description=description,
            annotations=READ_ONLY,
            structured_output=True,
        )
    return server


def _tool_errors(method: Callable[..., dict[str, Any]]) -> Callable[..., dict[str, Any]]:
    """The method, its refusals turned into tool errors; the SDK reads its signature."""

    @functools.wraps(method)
    def tool(*args: Any, **kwargs: Any) -> dict[str, Any]:
        with _as_tool_errors():
            return method(*args, **kwargs)

    return tool
