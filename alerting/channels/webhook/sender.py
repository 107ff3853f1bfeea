"""Signed HTTP webhooks (POST JSON, HMAC-SHA256 per :mod:`contracts.signing`).

5xx, 408, 429, timeouts and connection errors are retryable; other 4xx are permanent
(:mod:`alerting.channels.http`).
"""

from __future__ import annotations

import json
import logging

import httpx

from alerting.channels.base import DeliveryReceipt, Notice
from alerting.channels.http import raise_for_status, send_request
from alerting.channels.webhook.config import WebhookChannelSettings
from contracts.clock import Clock
from contracts.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign_webhook

log = logging.getLogger(__name__)


class WebhookSender:
    """Posts signed JSON to a contact's URL through one long-lived ``httpx.AsyncClient``."""

    def __init__(
        self, settings: WebhookChannelSettings, client: httpx.AsyncClient, clock: Clock
    ) -> None:
        self._secret = settings.secret()
        self._timeout_s = settings.timeout_s
        self._client = client
        self._clock = clock

    async def send(self, notice: Notice) -> DeliveryReceipt:
        """POST the notice; raise a retryable or permanent error if the receiver refuses."""
        body = json.dumps(notice.payload(), ensure_ascii=False, separators=(",", ":")).encode()
        timestamp_s = int(self._clock.now().timestamp())
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            TIMESTAMP_HEADER: str(timestamp_s),
            SIGNATURE_HEADER: sign_webhook(self._secret, timestamp_s, body),
        }
        response = await send_request(
            self._client,
            "POST",
            notice.target,
            what="webhook",
            timeout_s=self._timeout_s,
            content=body,
            headers=headers,
        )
        raise_for_status(response, what="webhook", hint="check the URL and the shared secret")
        return DeliveryReceipt(response.status_code, response.text[:500])
