"""`SendToMeshgov`: a Great Expectations 1.x Checkpoint action that pushes results to meshgov.

Add it to a Checkpoint's actions and every run sends each of its validation results to
`POST {url}/api/v1/results/great_expectations`, as the JSON GX itself writes
(`ValidationResult.to_json_dict()`, with `meta.checkpoint_name` added) — the shape the
`great_expectations` collector reads from files, so a pushed result and a collected one
become the same check results::

    import great_expectations as gx
    from governance.clients.gx import SendToMeshgov

    checkpoint = gx.Checkpoint(
        name="orders_cp",
        validation_definitions=[definition],
        actions=[SendToMeshgov(name="meshgov", url="https://meshgov.example.com")],
    )

The token is never a field: GX writes a Checkpoint's actions to its config (the file
context's `gx/checkpoints/*.json`), and a secret there would end up in version control.
`token_env` names the environment variable holding it instead (default `MESHGOV_TOKEN`); the
URL, not secret, may be a field or come from `MESHGOV_URL`, read when the Checkpoint runs.
Use a product token (`meshgov token create --product P`): GX results do not name a product,
so the server files them under the token's product.

GX finds an action's class by its `type` ("meshgov") in a registry the class joins when it
is defined: import this module before loading a saved Checkpoint that uses it.

A failed upload is logged and returned in the action's result; with `fail_on_error` it
raises `UploadError` and so fails the Checkpoint run.
"""

from __future__ import annotations

import json
import logging
import os
from typing import TYPE_CHECKING, Any, Literal

from great_expectations.checkpoint.actions import ActionContext, ValidationAction

from governance.clients.http import IngestAnswer, IngestClient, UploadError

if TYPE_CHECKING:
    from great_expectations.checkpoint.checkpoint import CheckpointResult

log = logging.getLogger("meshgov.clients.gx")

TOOL = "great_expectations"


class SendToMeshgov(ValidationAction):
    """Send each validation result of a Checkpoint run to a meshgov ingest server."""

    type: Literal["meshgov"] = "meshgov"
    url: str | None = None  # None: $MESHGOV_URL when the Checkpoint runs
    token_env: str = "MESHGOV_TOKEN"  # the environment variable holding the token
    fail_on_error: bool = False
    timeout: float = 30.0

    def run(
        self, checkpoint_result: CheckpointResult, action_context: ActionContext | None = None
    ) -> dict[str, Any]:
        """Post every validation result; what the server said about each, and any errors."""
        sent: list[dict[str, Any]] = []
        errors: list[dict[str, str]] = []
        try:
            client = self._client()
        except UploadError as exc:
            return self._failed(str(exc), "every validation result", sent, errors)
        with client:
            for identifier, validation in checkpoint_result.run_results.items():
                shown = _shown(identifier)
                document = validation_document(validation.to_json_dict(), checkpoint_result.name)
                try:
                    answer = client.send_document(TOOL, document)
                except UploadError as exc:
                    self._failed(str(exc), shown, sent, errors)
                    continue
                sent.append(_sent(shown, answer))
                log.info(
                    "meshgov: %s: %d record(s) read, %d new",
                    shown,
                    answer.records_read,
                    answer.records_new,
                )
        return {"sent": sent, "errors": errors}

    def _client(self) -> IngestClient:
        url = self.url or os.environ.get("MESHGOV_URL")
        if not url:
            raise UploadError("no meshgov URL: set the action's `url` or MESHGOV_URL")
        token = os.environ.get(self.token_env)
        if not token:
            raise UploadError(
                f"no meshgov token: set the environment variable {self.token_env} "
                "(the action's token_env) to a token from `meshgov token create`"
            )
        return IngestClient(url, token, timeout=self.timeout, attempts=3)

    def _failed(
        self,
        message: str,
        shown: str,
        sent: list[dict[str, Any]],
        errors: list[dict[str, str]],
    ) -> dict[str, Any]:
        """Raise with fail_on_error; otherwise log and keep going, the error in the result."""
        if self.fail_on_error:
            raise UploadError(f"{self.name}: {shown}: {message}")
        log.warning("meshgov: %s not sent: %s", shown, message)
        errors.append({"validation": shown, "error": message})
        return {"sent": sent, "errors": errors}


def validation_document(result: dict[str, Any], checkpoint_name: str | None) -> bytes:
    """The JSON sent for one validation result: GX's own, plus the Checkpoint's name.

    GX 1.x results carry the Checkpoint's id but not its name; the collector keeps the name
    (`details.checkpoint`), which a person recognises.
    """
    meta = result.get("meta")
    if isinstance(meta, dict) and checkpoint_name and not meta.get("checkpoint_name"):
        result = {**result, "meta": {**meta, "checkpoint_name": checkpoint_name}}
    return json.dumps(result, default=str).encode("utf-8")


def _shown(identifier: Any) -> str:
    """A validation's name in messages: suite/run/time/batch, as GX's own stores key it."""
    text = identifier.to_string() if hasattr(identifier, "to_string") else str(identifier)
    return text.split("::")[-1]


def _sent(shown: str, answer: IngestAnswer) -> dict[str, Any]:
    return {
        "validation": shown,
        "status": answer.status,
        "records_read": answer.records_read,
        "records_new": answer.records_new,
        "problems": answer.problems,
        "warnings": answer.warnings,
    }
