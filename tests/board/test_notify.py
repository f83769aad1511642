"""Webhook notifications, delivered to a real HTTP server on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import time
from datetime import UTC, datetime
from typing import Any

import pytest

from governance.service import notify
from governance.service.notify import (
    DEFAULT_KINDS,
    WebhookConfig,
    blocker_message,
    notify_opened,
    post_webhook,
    redact_url,
)
from tests.board.conftest import HANG, Receiver

SECRET_PATH = "/services/T000/B000/SECRETTOKEN"


@pytest.fixture(autouse=True)
def no_backoff(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Record the backoff instead of sleeping it."""
    slept: list[float] = []
    monkeypatch.setattr(notify, "_sleep", slept.append)
    return slept


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def blocker_item(**overrides: Any) -> dict[str, Any]:
    item = {
        "id": 12,
        "kind": "blocker",
        "product_id": "playlist-recommendations",
        "domain_id": "listening",
        "title": "owner-present fails",
        "summary": "The descriptor names no owner.",
        "severity": "blocker",
        "due_at": datetime(2026, 12, 1, 17, 0, tzinfo=UTC),
        "decision_asked": "Accept a waiver, or require an owner before publishing?",
        "evidence": [
            {
                "kind": "policy",
                "ref": "owner-present",
                "label": "owner-present",
                "detail": "no owner",
            },
        ],
    }
    return item | overrides


def config_for(url: str, **overrides: Any) -> WebhookConfig:
    return WebhookConfig(url=url, **({"timeout_seconds": 2.0} | overrides))


def test_blocker_posts_one_json_message(receiver: Receiver) -> None:
    config = config_for(receiver.base_url + SECRET_PATH, dashboard_url="https://meshgov.example")

    deliveries = notify_opened(config, [blocker_item()])

    assert deliveries == [notify.Delivery(ok=True, attempts=1, status=200, error=None)]
    [request] = receiver.requests
    assert request["path"] == SECRET_PATH
    assert request["headers"]["Content-Type"] == "application/json"
    assert request["headers"]["User-Agent"] == "meshgov"
    message = request["body"]
    assert set(message) == {"text", "blocks"}
    assert message["text"] == (
        ":rotating_light: Blocker review item #12 opened — "
        "playlist-recommendations: owner-present fails (due 2026-12-01)"
    )
    shown = json.dumps(message["blocks"])
    for expected in ("owner-present fails", "playlist-recommendations", "2026-12-01"):
        assert expected in shown
    assert "https://meshgov.example/review?item=12" in shown


def test_no_link_without_dashboard_url() -> None:
    assert "/review?item=" not in json.dumps(blocker_message(blocker_item()))


def test_evidence_is_capped() -> None:
    evidence = [{"kind": "policy", "ref": f"r{n}", "label": f"check-{n}"} for n in range(8)]
    shown = json.dumps(blocker_message(blocker_item(evidence=evidence)))
    assert "check-4" in shown and "check-5" not in shown
    assert "and 3 more" in shown


def test_kinds_filter_skips_acceptance_items(receiver: Receiver) -> None:
    config = config_for(receiver.base_url + SECRET_PATH)
    assert config.kinds == DEFAULT_KINDS

    assert notify_opened(config, [blocker_item(kind="acceptance")]) == []
    assert notify_opened(None, [blocker_item()]) == []
    assert receiver.requests == []


def test_retries_5xx_then_succeeds(receiver: Receiver, no_backoff: list[float]) -> None:
    receiver.replies[:] = [500, 500]

    delivery = post_webhook(config_for(receiver.base_url, retries=2), {"text": "hi"})

    assert delivery == notify.Delivery(ok=True, attempts=3, status=200, error=None)
    assert len(receiver.requests) == 3
    assert no_backoff == [0.5, 1.0]


def test_4xx_is_not_retried(receiver: Receiver) -> None:
    receiver.replies[:] = [400]

    delivery = post_webhook(config_for(receiver.base_url + SECRET_PATH), {"text": "hi"})

    assert (delivery.ok, delivery.attempts, delivery.status) == (False, 1, 400)
    assert "HTTP 400" in (delivery.error or "")
    assert len(receiver.requests) == 1


def test_hanging_server_times_out_in_bounded_time(receiver: Receiver) -> None:
    receiver.replies[:] = [HANG, HANG]
    config = config_for(receiver.base_url, timeout_seconds=0.3, retries=1)

    started = time.monotonic()
    delivery = post_webhook(config, {"text": "hi"})
    elapsed = time.monotonic() - started

    assert (delivery.ok, delivery.attempts, delivery.status) == (False, 2, None)
    assert "timeout" in (delivery.error or "")
    assert elapsed < 5


def test_nothing_listening() -> None:
    config = config_for(f"http://127.0.0.1:{closed_port()}{SECRET_PATH}", retries=1)

    delivery = post_webhook(config, {"text": "hi"})

    assert (delivery.ok, delivery.attempts, delivery.status) == (False, 2, None)
    assert delivery.error == (
        f"webhook {redact_url(config.url)} refused the connection: "
        "is anything listening there? (2 attempts)"
    )


@pytest.mark.parametrize(
    ("replies", "timeout"),
    [([500, 500, 500], 2.0), ([400], 2.0), ([302], 2.0), ([HANG, HANG, HANG], 0.2), (None, 2.0)],
    ids=["5xx", "4xx", "redirect", "timeout", "closed-port"],
)
def test_errors_never_show_the_token(
    receiver: Receiver, replies: list[int | str] | None, timeout: float
) -> None:
    base = receiver.base_url if replies is not None else f"http://127.0.0.1:{closed_port()}"
    receiver.replies[:] = replies or []
    config = config_for(base + SECRET_PATH + "?token=SECRETTOKEN", timeout_seconds=timeout)

    delivery = post_webhook(config, {"text": "hi"})

    assert not delivery.ok and delivery.error
    assert "SECRETTOKEN" not in delivery.error
    assert "/services" not in delivery.error
    assert base.split("//")[1] in delivery.error  # the endpoint is still named
    assert "SECRETTOKEN" not in repr(config)


def test_redirect_is_not_followed(receiver: Receiver) -> None:
    receiver.replies[:] = [302]

    delivery = post_webhook(config_for(receiver.base_url), {"text": "hi"})

    assert (delivery.ok, delivery.attempts, delivery.status) == (False, 1, 302)


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("https://hooks.slack.com/services/T/B/X", "https://hooks.slack.com/…"),
        ("http://127.0.0.1:8080/services/T/B/X?x=1", "http://127.0.0.1:8080/…"),
        ("https://user:pass@Example.com", "https://example.com"),
        ("https://example.com/", "https://example.com"),
        ("http://[::1]:9000/hook", "http://[::1]:9000/…"),
        ("not a url", "<invalid URL>"),
        ("http://host:notaport/x", "<invalid URL>"),
    ],
)
def test_redact_url(url: str, shown: str) -> None:
    assert redact_url(url) == shown


def test_hostile_title_is_escaped() -> None:
    item = blocker_item(
        title="<script> & <!channel>", product_id="<https://evil|click>", evidence=[]
    )

    message = blocker_message(item, "https://meshgov.example")

    assert "&lt;script&gt; &amp; &lt;!channel&gt;" in message["text"]
    assert "&lt;https://evil|click&gt;" in message["text"]
    texts = [message["text"]] + [
        part["text"]
        for block in message["blocks"]
        for part in [block.get("text", {}), *block.get("fields", [])]
        if part
    ]
    for text in texts:
        assert "<!channel>" not in text and "<script>" not in text and "<https://evil" not in text


@pytest.mark.parametrize("raw", [None, {}, {"webhook": None}])
def test_from_settings_without_webhook(raw: object) -> None:
    assert WebhookConfig.from_settings(raw) is None


def test_from_settings_full_shape() -> None:
    raw = {
        "webhook": {
            "url": "https://hooks.slack.com/services/T/B/X",
            "kinds": ["blocker"],
            "timeout_seconds": 3,
            "retries": 1,
            "dashboard_url": "https://meshgov.example/",
        }
    }

    assert WebhookConfig.from_settings(raw) == WebhookConfig(
        url="https://hooks.slack.com/services/T/B/X",
        kinds=frozenset({"blocker"}),
        timeout_seconds=3.0,
        retries=1,
        dashboard_url="https://meshgov.example",
    )


def test_from_settings_defaults() -> None:
    config = WebhookConfig.from_settings({"webhook": {"url": "http://localhost:9/hook"}})

    assert config == WebhookConfig(url="http://localhost:9/hook")
    assert config.kinds == frozenset({"blocker", "budget_exhausted"})
    assert (config.timeout_seconds, config.retries, config.dashboard_url) == (5.0, 2, None)


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        (["webhook"], "notifications"),
        ({"webhok": {"url": "https://x.example"}}, "webhok"),
        ({"webhook": "https://x.example"}, "notifications.webhook"),
        ({"webhook": {}}, "notifications.webhook.url"),
        ({"webhook": {"url": 42}}, "notifications.webhook.url"),
        ({"webhook": {"url": "ftp://x.example/SECRETTOKEN"}}, "notifications.webhook.url"),
        ({"webhook": {"url": "https:///SECRETTOKEN"}}, "notifications.webhook.url"),
        ({"webhook": {"url": "https://x.example", "kinds": "blocker"}}, "kinds"),
        ({"webhook": {"url": "https://x.example", "kinds": []}}, "kinds"),
        ({"webhook": {"url": "https://x.example", "kinds": ["blocker", 3]}}, "kinds"),
        ({"webhook": {"url": "https://x.example", "timeout_seconds": 0}}, "timeout_seconds"),
        ({"webhook": {"url": "https://x.example", "timeout_seconds": "5"}}, "timeout_seconds"),
        ({"webhook": {"url": "https://x.example", "retries": -1}}, "retries"),
        ({"webhook": {"url": "https://x.example", "retries": 1.5}}, "retries"),
        ({"webhook": {"url": "https://x.example", "retries": True}}, "retries"),
        ({"webhook": {"url": "https://x.example", "dashboard_url": "meshgov"}}, "dashboard_url"),
        ({"webhook": {"url": "https://x.example", "channel": "#gov"}}, "channel"),
    ],
)
def test_from_settings_refuses_bad_shapes(raw: object, key: str) -> None:
    with pytest.raises(ValueError, match=key) as raised:
        WebhookConfig.from_settings(raw, where="ws/meshgov.yaml")

    assert str(raised.value).startswith("ws/meshgov.yaml: ")
    assert "SECRETTOKEN" not in str(raised.value)
