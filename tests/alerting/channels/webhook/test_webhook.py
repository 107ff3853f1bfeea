"""Webhook channel against a real HTTP receiver that verifies signatures."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from sqlalchemy import Engine

from alerting.channels.webhook.config import WebhookChannelSettings
from alerting.channels.webhook.sender import WebhookSender
from alerting.errors import PermanentDeliveryError, RetryableDeliveryError
from alerting.incidents.accept import accept_incident
from alerting.store.models import NotificationStatus
from tests.alerting.dispatch_support import dispatcher, notifications, now_clock, open_fire_incident
from tests.alerting.support import (
    WEBHOOK_SECRET_ENV,
    make_settings,
    running_webhook_receiver,
)
from tests.alerting.test_notice import sample_notice
from tests.servers import free_port


async def test_signed_webhook_is_delivered_with_receipt(engine: Engine, db_url: str) -> None:
    clock = now_clock()
    async with running_webhook_receiver() as receiver, httpx.AsyncClient() as client:
        settings = make_settings(db_url, webhook_urls=(receiver.url("ok"),), email_address=None)
        incident_id = open_fire_incident(engine, settings, clock)
        assert await dispatcher(engine, settings, client, clock).run_once() == 1
    assert receiver.bad_signatures == 0
    [payload] = receiver.deliveries["ok"]
    assert payload["incident_id"] == incident_id
    assert payload["type"] == "fire"
    assert payload["severity"] == "critical"
    assert payload["warning_class"] == "home_anomaly"
    assert payload["resident_id"] == "res-0001"
    assert payload["home_id"] == "home-0001"
    assert payload["summary"] == "smoke detected in the kitchen"
    assert payload["accept_url"].startswith(settings.public_base_url + "/a/")
    assert "王芳" not in str(payload)  # no names leave the router
    [n] = notifications(engine)
    assert n.status is NotificationStatus.DELIVERED
    assert (n.receipt_code, n.attempts) == (200, 1)
    assert n.delivered_at == clock.now()


async def test_500_is_retried_after_backoff_then_delivered(engine: Engine, db_url: str) -> None:
    clock = now_clock()
    async with running_webhook_receiver() as receiver, httpx.AsyncClient() as client:
        settings = make_settings(db_url, webhook_urls=(receiver.url("flaky"),), email_address=None)
        open_fire_incident(engine, settings, clock)
        d = dispatcher(engine, settings, client, clock)
        assert await d.run_once() == 1
        [n] = notifications(engine)
        assert (n.status, n.attempts, n.receipt_code) == (NotificationStatus.PENDING, 1, 500)
        assert n.last_error is not None
        assert n.last_error.startswith("retry")
        assert await d.run_once() == 0  # not due before the backoff
        clock.advance(timedelta(seconds=1))
        assert await d.run_once() == 1
    [n] = notifications(engine)
    assert (n.status, n.attempts, n.receipt_code) == (NotificationStatus.DELIVERED, 2, 200)
    assert receiver.hits["flaky"] == 2
    assert len(receiver.deliveries["flaky"]) == 1


async def test_400_fails_at_once(engine: Engine, db_url: str) -> None:
    clock = now_clock()
    async with running_webhook_receiver() as receiver, httpx.AsyncClient() as client:
        settings = make_settings(db_url, webhook_urls=(receiver.url("reject"),), email_address=None)
        open_fire_incident(engine, settings, clock)
        d = dispatcher(engine, settings, client, clock)
        assert await d.run_once() == 1
        clock.advance(timedelta(minutes=10))
        assert await d.run_once() == 0
    [n] = notifications(engine)
    assert (n.status, n.attempts, n.receipt_code) == (NotificationStatus.FAILED, 1, 400)
    assert n.last_error is not None
    assert n.last_error.startswith("give_up_permanent")


async def test_unreachable_receiver_is_retried_until_max_attempts(
    engine: Engine, db_url: str
) -> None:
    clock = now_clock()
    settings = make_settings(
        db_url,
        webhook_urls=(f"http://127.0.0.1:{free_port()}/hook",),
        email_address=None,
        max_attempts=3,
    )
    open_fire_incident(engine, settings, clock)
    async with httpx.AsyncClient() as client:
        d = dispatcher(engine, settings, client, clock)
        for _ in range(3):
            assert await d.run_once() == 1
            clock.advance(timedelta(seconds=10))
        assert await d.run_once() == 0
    [n] = notifications(engine)
    assert (n.status, n.attempts) == (NotificationStatus.FAILED, 3)
    assert n.last_error is not None
    assert n.last_error.startswith("give_up_exhausted")


async def test_wrong_secret_is_permanent(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(WEBHOOK_SECRET_ENV, "not-the-shared-secret")
    async with running_webhook_receiver() as receiver, httpx.AsyncClient() as client:
        sender = WebhookSender(
            WebhookChannelSettings(secret_env=WEBHOOK_SECRET_ENV), client, now_clock()
        )
        with pytest.raises(PermanentDeliveryError, match="HTTP 401"):
            await sender.send(sample_notice(receiver.url("ok")))
        assert receiver.bad_signatures == 1
        sender_retry = WebhookSender(
            WebhookChannelSettings(secret_env=WEBHOOK_SECRET_ENV, timeout_s=1),
            client,
            now_clock(),
        )
        with pytest.raises(RetryableDeliveryError, match="unreachable"):
            await sender_retry.send(sample_notice(f"http://127.0.0.1:{free_port()}/x"))


async def test_no_pages_after_someone_accepted(engine: Engine, db_url: str) -> None:
    """A retry that falls due after the incident was accepted is not sent."""
    clock = now_clock()
    async with running_webhook_receiver() as receiver, httpx.AsyncClient() as client:
        settings = make_settings(db_url, webhook_urls=(receiver.url("ok"),), email_address=None)
        incident_id = open_fire_incident(engine, settings, clock)
        accept_incident(engine, incident_id, "cw-0001", clock.now())
        assert await dispatcher(engine, settings, client, clock).run_once() == 0
    assert receiver.deliveries.get("ok", []) == []
    [n] = notifications(engine)
    assert n.status is NotificationStatus.CANCELLED
