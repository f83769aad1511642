"""`POST /api/v1/results/{tool}`: which collector reads which tool, and the parts of an upload.

A body is one artifact as JSON, or a multipart form: part `file` the artifact and, for dbt,
part `manifest` the manifest.json the run results refer to (models' owners, tags, tests).
"""

from __future__ import annotations

from typing import Any

from starlette.datastructures import UploadFile
from starlette.requests import Request

from governance.ingest.bodies import BodyRefused

RESULT_TOOLS = {
    "great_expectations": "great_expectations",
    "gx": "great_expectations",
    "dbt": "dbt",
    "soda": "soda",
}
_COMPANIONS = {"manifest": "manifest"}  # form part -> the collector's companion key


async def result_parts(
    request: Request, content: bytes, limit: int
) -> tuple[bytes, dict[str, Any]]:
    """The artifact's bytes and the collector options (companion files) of a request."""
    media = (request.headers.get("content-type") or "").split(";")[0].strip().lower()
    if media != "multipart/form-data":
        return content, {}
    form = await _replayed(request, content).form(max_files=4, max_fields=8, max_part_size=limit)
    try:
        parts = {name: await _read(value) for name, value in form.multi_items()}
    finally:
        await form.close()
    if "file" not in parts:
        named = ", ".join(sorted(parts)) or "none"
        raise BodyRefused(f"a multipart upload needs a part named 'file'; it has: {named}", 400)
    companions = {key: parts[name] for name, key in _COMPANIONS.items() if name in parts}
    return parts["file"], ({"companions": companions} if companions else {})


def _replayed(request: Request, content: bytes) -> Request:
    """The request again, its (already read and unzipped) body served from memory."""
    sent = False

    async def receive() -> dict[str, Any]:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": content, "more_body": False}

    return Request(request.scope, receive)


async def _read(value: UploadFile | str) -> bytes:
    if isinstance(value, str):
        return value.encode()
    return await value.read()
