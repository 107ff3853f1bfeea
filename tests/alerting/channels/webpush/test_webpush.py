"""Web Push channel against a real push service on loopback that checks VAPID and decrypts."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator

import httpx
import pytest
from py_vapid import Vapid

from alerting.channels.webpush.config import WebPushChannelSettings
from alerting.channels.webpush.sender import WebPushSender
from alerting.errors import PermanentDeliveryError, RetryableDeliveryError
from contracts.config import ConfigError
from silverguard.sinks.push_service import PushServiceEmulator
from tests.alerting.dispatch_support import now_clock
from tests.alerting.test_notice import sample_notice

KEY_ENV = "SG_TEST_VAPID_PRIVATE_KEY"


@pytest.fixture
def settings(monkeypatch: pytest.MonkeyPatch) -> WebPushChannelSettings:
    vapid = Vapid()
    vapid.generate_keys()
    from cryptography.hazmat.primitives import serialization

    der = vapid.private_key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    import base64

    monkeypatch.setenv(KEY_ENV, base64.urlsafe_b64encode(der).decode().rstrip("="))
    return WebPushChannelSettings(
        vapid_private_key_env=KEY_ENV, vapid_subject="mailto:duty@silverguard.example"
    )


@pytest.fixture
async def push() -> AsyncIterator[PushServiceEmulator]:
    async with PushServiceEmulator() as service:
        yield service


async def test_push_is_encrypted_signed_and_decrypted_by_the_phone(
    settings: WebPushChannelSettings, push: PushServiceEmulator
) -> None:
    subscription = push.subscribe("cw-0001-phone")
    async with httpx.AsyncClient() as client:
        sender = WebPushSender(settings, client, now_clock())
        receipt = await sender.send(sample_notice(json.dumps(subscription)))
    assert push.rejected == []
    assert receipt.code == 201
    assert f"{push.base_url}/receipts/1" in receipt.detail
    [delivery] = push.deliveries
    assert delivery.payload["title"] == "【紧急】火警 · 住户 res-0001"
    assert delivery.payload["url"] == "http://127.0.0.1:8400/a/TOKEN"
    assert delivery.payload["requireInteraction"] is True
    assert delivery.urgency == "high"
    assert delivery.ttl == "3600"
    assert delivery.topic == "01JDZ3S3G2J8T0V0G8W6ZQ4C0Y"
    assert delivery.vapid_subject == "mailto:duty@silverguard.example"


async def test_a_push_for_another_phones_keys_does_not_decrypt(
    settings: WebPushChannelSettings, push: PushServiceEmulator
) -> None:
    mine = push.subscribe("phone-a")
    other = push.subscribe("phone-b")
    forged = {"endpoint": mine["endpoint"], "keys": other["keys"]}
    async with httpx.AsyncClient() as client:
        sender = WebPushSender(settings, client, now_clock())
        with pytest.raises(PermanentDeliveryError, match="HTTP 400"):
            await sender.send(sample_notice(json.dumps(forged)))
    assert push.deliveries == []
    assert any(r.startswith("decrypt") for r in push.rejected)


@pytest.mark.parametrize("status", [500, 503, 429])
async def test_push_service_outage_is_retryable(
    settings: WebPushChannelSettings, push: PushServiceEmulator, status: int
) -> None:
    push.answer = lambda _sub, _hit: status
    subscription = push.subscribe("cw-0001-phone")
    async with httpx.AsyncClient() as client:
        sender = WebPushSender(settings, client, now_clock())
        with pytest.raises(RetryableDeliveryError) as caught:
            await sender.send(sample_notice(json.dumps(subscription)))
    assert caught.value.code == status


@pytest.mark.parametrize("status", [404, 410])
async def test_expired_subscription_is_permanent_and_says_resubscribe(
    settings: WebPushChannelSettings, push: PushServiceEmulator, status: int
) -> None:
    push.answer = lambda _sub, _hit: status
    subscription = push.subscribe("cw-0001-phone")
    async with httpx.AsyncClient() as client:
        sender = WebPushSender(settings, client, now_clock())
        with pytest.raises(PermanentDeliveryError, match="allow notifications again"):
            await sender.send(sample_notice(json.dumps(subscription)))


async def test_unreachable_push_service_is_retryable(settings: WebPushChannelSettings) -> None:
    async with PushServiceEmulator() as service:
        subscription = service.subscribe("gone")
    async with httpx.AsyncClient() as client:
        sender = WebPushSender(settings, client, now_clock())
        with pytest.raises(RetryableDeliveryError, match="unreachable"):
            await sender.send(sample_notice(json.dumps(subscription)))


async def test_damaged_subscription_is_permanent(settings: WebPushChannelSettings) -> None:
    async with httpx.AsyncClient() as client:
        sender = WebPushSender(settings, client, now_clock())
        with pytest.raises(PermanentDeliveryError, match="allow notifications again"):
            await sender.send(sample_notice('{"endpoint": "ftp://x"}'))


def test_missing_or_bad_vapid_key_says_what_to_set(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = WebPushChannelSettings(
        vapid_private_key_env=KEY_ENV, vapid_subject="mailto:duty@silverguard.example"
    )
    monkeypatch.delenv(KEY_ENV, raising=False)
    client = httpx.AsyncClient()
    with pytest.raises(ConfigError, match=KEY_ENV):
        WebPushSender(settings, client, now_clock())
    monkeypatch.setenv(KEY_ENV, "not-a-key")
    with pytest.raises(ConfigError, match="vapid --gen"):
        WebPushSender(settings, client, now_clock())
