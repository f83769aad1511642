"""Secrets never show: database passwords, webhook tokens and OIDC secrets stay out of the
output, the telemetry, the errors and the pages (tested by searching what comes out)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from sqlalchemy.engine import make_url

PASSWORD = "s3cr3t-Pa55word"
TOKEN = "XOXB-TOKEN-4242"
CLIENT_SECRET = "oidc-client-secret-9876"


def with_password(url: str) -> str:
    """The same database with a password in the URL (the test server trusts, so it connects)."""
    return make_url(url).set(password=PASSWORD).render_as_string(hide_password=False)


def run(args: list[str], workspace: Path, url: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "MESHGOV_WORKSPACE": str(workspace),
        "MESHGOV_DB_URL": url,
        "MESHGOV_OTEL_EXPORTER": "console",  # spans and metrics printed: searched too
    }
    return subprocess.run(
        [sys.executable, "-m", "governance.cli", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_a_database_password_never_reaches_output_telemetry_or_errors(
    pg_url, tmp_path, mesh_dir, gx_validation_json
):
    secret_url = with_password(pg_url)
    (tmp_path / "evidence").mkdir()
    shutil.copy(gx_validation_json, tmp_path / "evidence" / "orders.json")
    hook = f"http://127.0.0.1:9/services/T0/B0/{TOKEN}"  # nothing listens on port 9
    settings = {
        "sources": [{"type": "great_expectations", "path": "evidence", "product": "orders"}],
        "notifications": {"webhook": {"url": hook, "retries": 0, "timeout_seconds": 1}},
    }
    (tmp_path / "meshgov.yaml").write_text(yaml.safe_dump(settings))
    outputs = []
    for args in (
        ["init"],
        ["register", str(mesh_dir)],
        ["collect", "--json"],
        ["evaluate"],
        ["board", "queue"],
        ["audit", "verify"],
        ["export", "scores"],
        ["board", "decide", "1", "--outcome", "approved", "--rationale", "x", "--as", "x@y.z"],
    ):
        done = run(args, tmp_path, secret_url)
        outputs.append(done.stdout + done.stderr)
    assert any("traceId" in o or "trace_id" in o for o in outputs)  # telemetry was printed
    assert any("webhook not delivered" in o for o in outputs)  # the webhook failed, visibly
    # An unreachable server: the error names the store without its password.
    dead = make_url(secret_url).set(port=1).render_as_string(hide_password=False)
    failed = run(["collect"], tmp_path, dead)
    assert failed.returncode != 0
    outputs.append(failed.stdout + failed.stderr)
    everything = "\n".join(outputs)
    assert PASSWORD not in everything
    assert TOKEN not in everything and "/services/T0" not in everything


@pytest.mark.parametrize("where", ["repr", "str"])
def test_the_store_and_webhook_settings_hide_their_secrets_in_repr(where, tmp_path):
    from governance.service.notify import WebhookConfig
    from governance.store import Store

    store = Store(f"postgresql+psycopg://meshgov:{PASSWORD}@127.0.0.1:1/x")
    config = WebhookConfig.from_settings({"webhook": {"url": f"https://hooks.example/{TOKEN}"}})
    shown = (repr if where == "repr" else str)((store.display_url, store.engine.url, config))
    assert PASSWORD not in shown and TOKEN not in shown
