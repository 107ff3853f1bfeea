"""Web Push to the care worker's phone web app: wakes the phone with the app closed.

The payload is encrypted for the subscription's keys with ``pywebpush`` (RFC 8291,
aes128gcm) and signed with a VAPID JWT (``py_vapid``, RFC 8292); it is sent with our own
``httpx`` client so timeouts and errors are classified like every other channel. The
``Topic`` header is the incident id, so a repeat replaces an undelivered earlier push for the
same incident instead of stacking up on the phone.

Push service answers: 201 → delivered to the push service (its ``Location`` is the receipt);
404/410 → the subscription is gone (the phone must subscribe again: permanent); 413 → payload
too big (permanent); 429/5xx/timeouts → retryable; other 4xx (a wrong VAPID key) permanent.

Example:
    >>> from datetime import UTC, datetime
    >>> from alerting.channels.base import Notice
    >>> n = Notice(incident_id="01JDZ3S3G2J8T0V0G8W6ZQ4C0Y", person_id="cw-0001", target="{}",
    ...            type="fall", severity="critical", warning_class="home_anomaly",
    ...            resident_id="res-0001", home_id="home-0001", summary="impact 3.1 g, still 40 s",
    ...            opened_at=datetime(2026, 11, 24, 3, 0, tzinfo=UTC),
    ...            accept_url="https://sg.example/a/TOKEN", accept_token="TOKEN")
    >>> p = push_payload(n)
    >>> p["title"], p["url"], p["requireInteraction"]
    ('【紧急】跌倒 · 住户 res-0001', 'https://sg.example/a/TOKEN', True)
"""

from __future__ import annotations

import json
import logging
from datetime import timedelta

import httpx
from py_vapid import Vapid
from pydantic import ValidationError
from pywebpush import WebPusher

from alerting.channels.base import DeliveryReceipt, Notice
from alerting.channels.http import raise_for_status, send_request
from alerting.channels.webpush.config import PushSubscription, WebPushChannelSettings
from alerting.errors import PermanentDeliveryError
from contracts.clock import Clock
from contracts.config import ConfigError

log = logging.getLogger(__name__)

MAX_SUMMARY_CHARS = 300
"""Keeps the encrypted payload far below the 4 KiB push services accept."""
VAPID_LIFETIME = timedelta(hours=12)
"""RFC 8292 allows at most 24 h; 12 h is what browsers' push services expect."""


def push_payload(notice: Notice) -> dict[str, object]:
    """What the app's service worker shows (``showNotification``) and opens on a tap."""
    critical = notice.severity == "critical"
    return {
        "title": notice.title,
        "body": notice.summary[:MAX_SUMMARY_CHARS],
        "url": notice.accept_url,
        "incident_id": notice.incident_id,
        "type": notice.type,
        "severity": notice.severity,
        "tag": f"incident-{notice.incident_id}",
        "requireInteraction": critical,
        "renotify": True,
    }


class WebPushSender:
    """Sends one encrypted, VAPID-signed push per notification to a subscription endpoint."""

    def __init__(
        self, settings: WebPushChannelSettings, client: httpx.AsyncClient, clock: Clock
    ) -> None:
        try:
            self._vapid = Vapid.from_string(private_key=settings.vapid_private_key())
        except ConfigError:
            raise
        except Exception as exc:  # py_vapid raises bare exceptions for a malformed key
            raise ConfigError(
                f"{settings.vapid_private_key_env} does not hold a usable VAPID private key "
                f"({exc}): generate one with `vapid --gen` and export it base64url-encoded"
            ) from exc
        self._settings = settings
        self._client = client
        self._clock = clock

    async def send(self, notice: Notice) -> DeliveryReceipt:
        """Encrypt, sign and POST the push; raise a retryable or permanent error if refused."""
        try:
            subscription = PushSubscription.model_validate_json(notice.target)
        except ValidationError as exc:
            raise PermanentDeliveryError(
                "the stored push subscription is not valid JSON from PushSubscription.toJSON(): "
                "the care worker must open the app and allow notifications again"
            ) from exc
        body = json.dumps(push_payload(notice), ensure_ascii=False).encode()
        try:
            encrypted = WebPusher(subscription.model_dump()).encode(body, "aes128gcm")
        except Exception as exc:  # pywebpush/http_ece raise bare errors for bad keys
            raise PermanentDeliveryError(
                f"cannot encrypt for this subscription ({exc}): its keys are damaged; the care "
                "worker must subscribe again"
            ) from exc
        expires = int((self._clock.now() + VAPID_LIFETIME).timestamp())
        headers: dict[str, str] = dict(
            self._vapid.sign(
                {"sub": self._settings.vapid_subject, "aud": subscription.origin, "exp": expires}
            )
        )
        headers.update(
            {
                "Content-Encoding": "aes128gcm",
                "Content-Type": "application/octet-stream",
                "TTL": str(self._settings.ttl_s),
                "Urgency": self._settings.urgency,
                "Topic": notice.incident_id[:32],
            }
        )
        response = await send_request(
            self._client,
            "POST",
            subscription.endpoint,
            what="push service",
            timeout_s=self._settings.timeout_s,
            content=encrypted["body"],
            headers=headers,
        )
        if response.status_code in (404, 410):
            raise PermanentDeliveryError(
                f"push service answered HTTP {response.status_code}: the subscription has "
                "expired or was revoked; the care worker must open the app and allow "
                "notifications again",
                code=response.status_code,
            )
        raise_for_status(
            response,
            what="push service",
            hint="check the VAPID key pair the app subscribed with",
        )
        receipt = response.headers.get("Location", "")
        return DeliveryReceipt(response.status_code, f"push accepted {receipt}".strip())
