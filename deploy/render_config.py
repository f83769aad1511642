#!/usr/bin/env python3
"""Write the workspace's meshgov.yaml from the ConfigMap's copy, adding the webhook URL secret.

meshgov reads its Slack-compatible webhook from meshgov.yaml `notifications.webhook.url`, and
that URL carries a token: it belongs in a Secret, not in the ConfigMap. This runs in an
initContainer: it reads the ConfigMap's meshgov.yaml (which has no `url`), sets the URL from
the environment variable MESHGOV_WEBHOOK_URL when it is set, or drops `notifications.webhook`
when it is not (pods that open no review items need no webhook), and writes the result, readable
by its owner only, into the workspace the meshgov container mounts (an emptyDir).

    meshgov-render-config /etc/meshgov/meshgov.yaml /workspace/meshgov.yaml

It never prints the URL.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import yaml

ENV_VAR = "MESHGOV_WEBHOOK_URL"


def render(settings: dict, webhook_url: str | None) -> tuple[dict, str]:
    """The settings to write, and a line saying what happened to the webhook."""
    notifications = settings.get("notifications")
    if not isinstance(notifications, dict) or "webhook" not in notifications:
        return settings, "no webhook configured"
    webhook = dict(notifications.get("webhook") or {})
    if webhook.get("url"):
        raise ValueError(
            "notifications.webhook.url is in the ConfigMap: move it to a Secret "
            f"and pass it as {ENV_VAR}"
        )
    rendered = dict(settings)
    if webhook_url:
        rendered["notifications"] = {**notifications, "webhook": {**webhook, "url": webhook_url}}
        return rendered, f"webhook URL set from {ENV_VAR}"
    rest = {key: value for key, value in notifications.items() if key != "webhook"}
    if rest:
        rendered["notifications"] = rest
    else:
        del rendered["notifications"]
    return rendered, f"webhook disabled in this pod ({ENV_VAR} not set)"


def main(argv: list[str]) -> int:
    """Render argv[1] (the ConfigMap's meshgov.yaml) into argv[2]."""
    if len(argv) != 3:
        sys.stderr.write("usage: meshgov-render-config SOURCE_YAML TARGET_YAML\n")
        return 2
    source, target = Path(argv[1]), Path(argv[2])
    settings = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    if not isinstance(settings, dict):
        sys.stderr.write(f"{source}: expected a mapping at the top level\n")
        return 2
    try:
        rendered, what = render(settings, os.environ.get(ENV_VAR) or None)
    except ValueError as exc:
        sys.stderr.write(f"{source}: {exc}\n")
        return 2
    target.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as handle:
        yaml.safe_dump(rendered, handle, sort_keys=False)
    sys.stdout.write(f"wrote {target}: {what}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
