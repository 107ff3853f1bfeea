"""DingTalk custom robot: a signed Markdown card with the accept link, posted to a group.

Signing (DingTalk's documented 加签): ``sign = urlencode(base64(HMAC-SHA256(secret,
f"{timestamp_ms}\\n{secret}")))``, sent as ``timestamp`` and ``sign`` query parameters next to
``access_token``; DingTalk refuses a timestamp more than an hour off. DingTalk answers HTTP 200
with ``errcode``: 0 is delivered; 130101 (sending too fast: 20 messages a minute per robot) and
-1 (busy) are retryable; anything else (310000 signature or keyword mismatch, 300001 bad
token, 400102 robot disabled) is permanent.

Example:
    >>> dingtalk_sign("SECdemo", 1732417200000)
    'D3Px2hwxOdTD7Rmx0f8P26FHYlAJI3XCAQdqrxASxLQ='
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import logging

import httpx

from alerting.channels.base import DeliveryReceipt, Notice
from alerting.channels.dingtalk.config import DingTalkChannelSettings
from alerting.channels.http import raise_for_status, send_request
from alerting.channels.robot_reply import check_robot_reply
from alerting.channels.text import first_line, markdown
from alerting.errors import PermanentDeliveryError
from contracts.clock import Clock

log = logging.getLogger(__name__)

RETRYABLE_ERRCODES = frozenset({-1, 130101})


def dingtalk_sign(secret: str, timestamp_ms: int) -> str:
    """DingTalk's robot signature (before URL encoding, which httpx does)."""
    digest = hmac.new(
        secret.encode(), f"{timestamp_ms}\n{secret}".encode(), hashlib.sha256
    ).digest()
    return base64.b64encode(digest).decode()


class DingTalkSender:
    """Posts to the robot a contact names (``notice.target`` is the robot's name)."""

    def __init__(
        self, settings: DingTalkChannelSettings, client: httpx.AsyncClient, clock: Clock
    ) -> None:
        self._credentials = {
            name: (robot.access_token(), robot.secret()) for name, robot in settings.robots.items()
        }
        self._settings = settings
        self._client = client
        self._clock = clock

    async def send(self, notice: Notice) -> DeliveryReceipt:
        """Post the card; raise a retryable or permanent error if DingTalk refuses."""
        credentials = self._credentials.get(notice.target)
        if credentials is None:
            raise PermanentDeliveryError(
                f"no DingTalk robot named {notice.target!r}: add it under channels.dingtalk.robots"
            )
        token, secret = credentials
        timestamp_ms = int(self._clock.now().timestamp() * 1000)
        body = {
            "msgtype": "markdown",
            "markdown": {"title": first_line(notice)[:60], "text": markdown(notice)},
        }
        response = await send_request(
            self._client,
            "POST",
            self._settings.base_url,
            what="DingTalk",
            timeout_s=self._settings.timeout_s,
            params={
                "access_token": token,
                "timestamp": str(timestamp_ms),
                "sign": dingtalk_sign(secret, timestamp_ms),
            },
            json=body,
        )
        raise_for_status(response, what="DingTalk", hint="check the robot's webhook address")
        return check_robot_reply(
            response,
            what="DingTalk",
            retryable=RETRYABLE_ERRCODES,
            hint="check the robot's access token and 加签 secret, and that the robot is enabled",
        )
