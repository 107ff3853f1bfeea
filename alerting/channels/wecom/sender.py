"""WeCom group robot: a Markdown message with the accept link, posted to a group chat.

WeCom's group robots have no request signing: the webhook ``key`` is the credential, so it
lives in an environment variable and never in logs. WeCom answers HTTP 200 with ``errcode``:
0 is delivered; 45009 (over the 20 messages a minute limit) and -1 (busy) are retryable;
anything else (93000 invalid key, 40058 bad content) is permanent.

Example:
    >>> sorted(RETRYABLE_ERRCODES)
    [-1, 45009]
"""

from __future__ import annotations

import httpx

from alerting.channels.base import DeliveryReceipt, Notice
from alerting.channels.http import raise_for_status, send_request
from alerting.channels.robot_reply import check_robot_reply
from alerting.channels.text import markdown
from alerting.channels.wecom.config import WeComChannelSettings
from alerting.errors import PermanentDeliveryError

RETRYABLE_ERRCODES = frozenset({-1, 45009})


class WeComSender:
    """Posts to the robot a contact names (``notice.target`` is the robot's name)."""

    def __init__(self, settings: WeComChannelSettings, client: httpx.AsyncClient) -> None:
        self._keys = {name: settings.key(name) for name in settings.robots}
        self._settings = settings
        self._client = client

    async def send(self, notice: Notice) -> DeliveryReceipt:
        """Post the message; raise a retryable or permanent error if WeCom refuses."""
        key = self._keys.get(notice.target)
        if key is None:
            raise PermanentDeliveryError(
                f"no WeCom robot named {notice.target!r}: add it under channels.wecom.robots"
            )
        response = await send_request(
            self._client,
            "POST",
            self._settings.base_url,
            what="WeCom",
            timeout_s=self._settings.timeout_s,
            params={"key": key},
            json={"msgtype": "markdown", "markdown": {"content": markdown(notice)}},
        )
        raise_for_status(response, what="WeCom", hint="check the robot's webhook address")
        return check_robot_reply(
            response,
            what="WeCom",
            retryable=RETRYABLE_ERRCODES,
            hint="check the robot's webhook key (the robot may have been removed from the group)",
        )
