"""Signed HTTP webhooks (POST JSON, HMAC-SHA256 per :mod:`contracts.signing`).

5xx, 408, 429, timeouts and connection errors are retryable; other 4xx are permanent.

Example:
    >>> [is_retryable_status(s) for s in (500, 503, 429, 408, 400, 404)]
    [True, True, True, True, False, False]
"""

from __future__ import annotations

import json
import logging

import httpx

from alerting.channels.base import DeliveryReceipt, Notice
from alerting.channels.webhook.config import WebhookChannelSettings
from alerting.errors import PermanentDeliveryError, RetryableDeliveryError
from contracts.clock import Clock
from contracts.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign_webhook

log = logging.getLogger(__name__)

_RETRYABLE_4XX = frozenset({408, 425, 429})


def is_retryable_status(status: int) -> bool:
    """Whether a failed HTTP status is worth another attempt."""
    return status >= 500 or status in _RETRYABLE_4XX


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
        try:
            response = await self._client.post(
                notice.target, content=body, headers=headers, timeout=self._timeout_s
            )
        except httpx.TimeoutException as exc:
            raise RetryableDeliveryError(f"webhook timed out after {self._timeout_s} s") from exc
        except httpx.TransportError as exc:
            raise RetryableDeliveryError(f"webhook unreachable: {exc!r}") from exc
        detail = response.text[:500]
        if response.is_success:
            return DeliveryReceipt(response.status_code, detail)
        message = f"webhook answered HTTP {response.status_code}: {detail[:200]}"
        if is_retryable_status(response.status_code):
            raise RetryableDeliveryError(message, code=response.status_code)
        raise PermanentDeliveryError(
            message + " (check the URL and the shared secret)", code=response.status_code
        )
