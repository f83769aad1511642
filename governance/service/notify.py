"""Slack-compatible webhook notifications when a review item opens, and the service's part
that sends them (`Notify`).

A webhook URL is a credential (Slack puts the token in its path), so nothing this module
returns or raises ever shows more of it than scheme://host[:port].
"""

from __future__ import annotations

import http.client
import json
import time
import urllib.error
import urllib.request
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import quote, urlsplit

from governance.errors import WorkspaceError
from governance.service.context import MeshContext

DEFAULT_KINDS = frozenset({"blocker", "budget_exhausted"})
WEBHOOK_KEYS = frozenset({"url", "kinds", "timeout_seconds", "retries", "dashboard_url"})
# The channels `notifications:` knows; anything else is a typo that would silently notify no one.
NOTIFICATION_CHANNELS = frozenset({"webhook"})
MAX_EVIDENCE_LINES = 5
FIRST_BACKOFF_SECONDS = 0.5
_MAX_RESPONSE_BYTES = 64 * 1024
_MAX_FIELD_CHARS = 500  # Slack refuses section texts over 3000 characters

# Tests shorten the backoff by replacing this; nothing else should.
_sleep = time.sleep

_KIND_EMOJI = {"blocker": ":rotating_light:", "budget_exhausted": ":hourglass:"}


@dataclass(frozen=True)
class WebhookConfig:
    """meshgov.yaml `notifications: {webhook: {...}}`."""

    url: str = field(repr=False)  # secret: Slack webhook URLs carry a token in the path
    kinds: frozenset[str] = DEFAULT_KINDS
    timeout_seconds: float = 5.0
    retries: int = 2  # extra attempts after the first, with backoff 0.5 s, 1 s, ...
    dashboard_url: str | None = None  # base URL of the app, to link items

    @classmethod
    def from_settings(cls, raw: object, where: str = "meshgov.yaml") -> WebhookConfig | None:
        """None when no webhook is configured; ValueError naming the key for a bad shape."""
        if raw is None:
            return None
        if not isinstance(raw, Mapping):
            raise WorkspaceError(f"{where}: notifications: expected a mapping with a webhook")
        unknown = set(raw) - NOTIFICATION_CHANNELS
        if unknown:
            raise WorkspaceError(
                f"{where}: notifications: unknown key(s) {', '.join(sorted(map(str, unknown)))}"
                f"; known: {', '.join(sorted(NOTIFICATION_CHANNELS))}"
            )
        webhook = raw.get("webhook")
        if webhook is None:
            return None
        at = f"{where}: notifications.webhook"
        if not isinstance(webhook, Mapping):
            raise WorkspaceError(f"{at}: expected a mapping with at least url")
        unknown = set(webhook) - WEBHOOK_KEYS
        if unknown:
            raise WorkspaceError(
                f"{at}: unknown key(s) {', '.join(sorted(map(str, unknown)))}"
                f"; known: {', '.join(sorted(WEBHOOK_KEYS))}"
            )
        url = _http_url(webhook.get("url"), f"{at}.url")
        kinds = webhook.get("kinds", sorted(DEFAULT_KINDS))
        if (
            not isinstance(kinds, list)
            or not kinds
            or not all(isinstance(kind, str) and kind for kind in kinds)
        ):
            raise WorkspaceError(
                f"{at}.kinds: expected a non-empty list of item kinds, e.g. [blocker]"
            )
        timeout = webhook.get("timeout_seconds", cls.timeout_seconds)
        if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
            raise WorkspaceError(f"{at}.timeout_seconds: expected a positive number of seconds")
        retries = webhook.get("retries", cls.retries)
        # 0 is a fair choice (no retry); a negative or fractional count is a mistake.
        if isinstance(retries, bool) or not isinstance(retries, int) or retries < 0:
            raise WorkspaceError(f"{at}.retries: expected a whole number, 0 or more")
        dashboard_url = webhook.get("dashboard_url")
        if dashboard_url is not None:
            dashboard_url = _http_url(dashboard_url, f"{at}.dashboard_url").rstrip("/")
        return cls(
            url=url,
            kinds=frozenset(kinds),
            timeout_seconds=float(timeout),
            retries=retries,
            dashboard_url=dashboard_url or None,
        )


@dataclass(frozen=True)
class Delivery:
    """What happened to one notification."""

    ok: bool
    attempts: int
    status: int | None  # last HTTP status, if any
    error: str | None  # readable; names the endpoint as scheme://host[:port] only


def _http_url(value: object, at: str) -> str:
    # The message never echoes the value: for the webhook it is the secret.
    if not isinstance(value, str) or not value:
        raise WorkspaceError(f"{at}: required, an http(s) URL")
    try:
        parts = urlsplit(value)
        parts.port  # noqa: B018 - raises ValueError on a bad port
    except ValueError:
        raise WorkspaceError(f"{at}: not a valid URL") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise WorkspaceError(f"{at}: expected an http(s) URL, like https://hooks.slack.com/…")
    return value


def redact_url(url: str) -> str:
    """scheme://host[:port]/… — a webhook URL safe to print."""
    try:
        parts = urlsplit(url)
        host, port = parts.hostname, parts.port
    except ValueError:
        return "<invalid URL>"
    if not parts.scheme or not host:
        return "<invalid URL>"
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    endpoint = f"{parts.scheme}://{host}" + (f":{port}" if port is not None else "")
    # userinfo is dropped with the path: both can carry credentials.
    hidden = parts.path not in ("", "/") or parts.query or parts.fragment
    return endpoint + ("/…" if hidden else "")


def _scrub(message: str, url: str) -> str:
    """Remove every piece of the webhook URL that may hold the token from a message."""
    parts = urlsplit(url)
    secrets = [url, parts.path + ("?" + parts.query if parts.query else ""), parts.query]
    if parts.path not in ("", "/"):
        secrets.append(parts.path)
    if parts.username or parts.password:
        secrets.append(parts.netloc.rpartition("@")[0])
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        message = message.replace(secret, "…")
    return message


def _mrkdwn(value: object, limit: int = _MAX_FIELD_CHARS) -> str:
    """An untrusted value made inert in Slack mrkdwn: no links, mentions or <!channel>."""
    text = "" if value is None else str(value)
    if len(text) > limit:
        text = text[: limit - 1] + "…"
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _due_date(due_at: object) -> str:
    if isinstance(due_at, datetime):
        aware = due_at if due_at.tzinfo else due_at.replace(tzinfo=UTC)
        return aware.astimezone(UTC).date().isoformat()
    if isinstance(due_at, date):
        return due_at.isoformat()
    return "no due date" if due_at is None else str(due_at)


def _kind_label(kind: str) -> str:
    return kind.replace("_", " ").capitalize() if kind else "Review"


def blocker_message(item: Mapping[str, Any], dashboard_url: str | None = None) -> dict[str, Any]:
    """A Slack-compatible message (`text` fallback + `blocks`) for a newly opened review item."""
    kind = str(item.get("kind") or "")
    emoji = _KIND_EMOJI.get(kind, ":bell:")
    item_id = _mrkdwn(item.get("id"))
    title = _mrkdwn(item.get("title"), 200)
    subject = _mrkdwn(item.get("product_id") or item.get("domain_id") or "mesh-wide")
    due = _mrkdwn(_due_date(item.get("due_at")))
    heading = f"{_kind_label(kind)} review item #{item_id} opened"
    text = f"{emoji} {heading} — {subject}: {title} (due {due})"

    blocks: list[dict[str, Any]] = [
        {
            "type": "section",
            "text": {
                "type": "mrkdwn",
                "text": f"{emoji} *{title}*\n{heading}\n{_mrkdwn(item.get('summary'), 1000)}",
            },
        },
        {
            "type": "section",
            "fields": [
                {"type": "mrkdwn", "text": f"*Product*\n{_mrkdwn(item.get('product_id') or '—')}"},
                {"type": "mrkdwn", "text": f"*Domain*\n{_mrkdwn(item.get('domain_id') or '—')}"},
                {"type": "mrkdwn", "text": f"*Severity*\n{_mrkdwn(item.get('severity') or '—')}"},
                {"type": "mrkdwn", "text": f"*Due*\n{due}"},
            ],
        },
    ]
    if item.get("decision_asked"):
        blocks.append(
            {
                "type": "section",
                "text": {
                    "type": "mrkdwn",
                    "text": f"*Decision asked*\n{_mrkdwn(item['decision_asked'], 1000)}",
                },
            }
        )
    evidence = [entry for entry in item.get("evidence") or [] if isinstance(entry, Mapping)]
    if evidence:
        lines = [_evidence_line(entry) for entry in evidence[:MAX_EVIDENCE_LINES]]
        if len(evidence) > MAX_EVIDENCE_LINES:
            lines.append(f"… and {len(evidence) - MAX_EVIDENCE_LINES} more")
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": "*Evidence*\n" + "\n".join(lines)},
            }
        )
    if dashboard_url:
        link = f"{dashboard_url.rstrip('/')}/review?item={quote(str(item.get('id')), safe='')}"
        blocks.append(
            {
                "type": "section",
                "text": {"type": "mrkdwn", "text": f"<{_mrkdwn(link)}|Open item #{item_id}>"},
            }
        )
    return {"text": text, "blocks": blocks}


def _evidence_line(entry: Mapping[str, Any]) -> str:
    label = _mrkdwn(entry.get("label") or entry.get("ref") or entry.get("kind") or "evidence", 150)
    detail = entry.get("detail")
    return f"• {label}: {_mrkdwn(detail, 250)}" if detail else f"• {label}"


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    # urllib would replay a redirected POST as a bodiless GET and report success.
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def post_webhook(config: WebhookConfig, payload: Mapping[str, Any]) -> Delivery:
    """POST the payload as JSON; retry on connection errors, timeouts and 5xx; give up on 4xx."""
    endpoint = redact_url(config.url)
    request = urllib.request.Request(
        config.url,
        data=json.dumps(payload).encode("utf-8"),
        headers={"Content-Type": "application/json", "User-Agent": "meshgov"},
        method="POST",
    )
    opener = urllib.request.build_opener(_RefuseRedirects)
    total = 1 + config.retries
    status: int | None = None
    error = ""
    for attempt in range(1, total + 1):
        if attempt > 1:
            _sleep(FIRST_BACKOFF_SECONDS * 2 ** (attempt - 2))
        retryable = True
        try:
            with opener.open(request, timeout=config.timeout_seconds) as response:
                status = response.status
                body = response.read(_MAX_RESPONSE_BYTES)
            if 200 <= status < 300:
                return Delivery(ok=True, attempts=attempt, status=status, error=None)
            error = f"answered HTTP {status}{_excerpt(body)}"
            retryable = False
        except urllib.error.HTTPError as exc:
            status = exc.code
            body = exc.read(_MAX_RESPONSE_BYTES) if exc.fp else b""
            error = f"answered HTTP {status}{_excerpt(body)}"
            retryable = status >= 500
        except (OSError, http.client.HTTPException) as exc:  # URLError and timeouts included
            status = None
            error = _transport_error(exc, config.timeout_seconds)
        if not retryable:
            break
    tries = f"{attempt} attempt" + ("s" if attempt > 1 else "")
    message = f"webhook {endpoint} {error} ({tries})"
    return Delivery(ok=False, attempts=attempt, status=status, error=_scrub(message, config.url))


def _excerpt(body: bytes) -> str:
    text = body.decode("utf-8", "replace").strip()
    if not text:
        return ""
    return f": {text[:200]}" + ("…" if len(text) > 200 else "")


def _transport_error(exc: BaseException, timeout_seconds: float) -> str:
    reason: object = exc.reason if isinstance(exc, urllib.error.URLError) else exc
    if isinstance(reason, TimeoutError):
        return f"timeout: no answer within {timeout_seconds:g} s"
    if isinstance(reason, ConnectionRefusedError):
        return "refused the connection: is anything listening there?"
    if isinstance(reason, OSError) and reason.strerror:
        return f"could not be reached: {reason.strerror}"
    return f"could not be reached: {reason or exc.__class__.__name__}"


def notify_opened(
    config: WebhookConfig | None, items: Sequence[Mapping[str, Any]]
) -> list[Delivery]:
    """Send one message per newly opened item whose kind is in config.kinds (nothing when config is None)."""
    if config is None:
        return []
    # Sequential on purpose: a few items per review run, and Slack rate-limits bursts.
    return [
        post_webhook(config, blocker_message(item, config.dashboard_url))
        for item in items
        if item.get("kind") in config.kinds
    ]


class Notify:
    """The notifications part of MeshgovService: the configured webhook, told of new items."""

    def __init__(self, context: MeshContext) -> None:
        self._context = context

    def webhook(self) -> WebhookConfig | None:
        """The webhook meshgov.yaml `notifications:` configures, if any."""
        workspace = self._context.workspace
        try:
            return WebhookConfig.from_settings(
                workspace.settings.get("notifications"), str(workspace.config_file)
            )
        except ValueError as exc:
            raise WorkspaceError(str(exc)) from exc

    def opened(self, items: Sequence[Mapping[str, Any]]) -> list[Delivery]:
        """Tell the webhook about newly opened items (no webhook, no items: nothing sent)."""
        return notify_opened(self.webhook(), items) if items else []
