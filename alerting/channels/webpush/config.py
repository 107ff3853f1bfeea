"""Settings of the Web Push channel and the shape of a browser's push subscription.

Example:
    >>> keys = {"p256dh": "BNcRdreALRFXTkOOUHK1EtK2wtaz5Ry4YfYCA", "auth": "tBHItJI5svbpez7KI4"}
    >>> sub = PushSubscription.model_validate(
    ...     {"endpoint": "https://push.example/v1/abc", "keys": keys})
    >>> sub.origin
    'https://push.example'
"""

from __future__ import annotations

from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field

from contracts.config import ConfigModel, secret_from_env


class PushKeys(ConfigModel):
    """The subscriber's public key and auth secret (base64url), from ``PushSubscription.
    toJSON()`` in the browser."""

    p256dh: str = Field(min_length=10, max_length=200)
    auth: str = Field(min_length=8, max_length=100)


class PushSubscription(ConfigModel):
    """What the phone's browser gives the app when the care worker allows notifications."""

    endpoint: str = Field(pattern=r"^https?://", max_length=2000)
    keys: PushKeys

    @property
    def origin(self) -> str:
        """The push service's origin (the VAPID ``aud`` claim)."""
        parts = urlsplit(self.endpoint)
        return f"{parts.scheme}://{parts.netloc}"


class WebPushChannelSettings(ConfigModel):
    """The VAPID key (named by an environment variable) and how pushes are sent."""

    vapid_private_key_env: str = Field(
        min_length=1,
        description="environment variable with the VAPID private key (base64url raw or DER, "
        "as `vapid --gen` or py_vapid writes it)",
    )
    vapid_subject: str = Field(
        pattern=r"^(mailto:[^@\s]+@[^@\s]+|https://\S+)$",
        description="how the push service can reach the operator (mailto: or https:)",
    )
    ttl_s: int = Field(
        default=3600, ge=0, le=28 * 24 * 3600, description="how long a push waits for a phone"
    )
    urgency: Literal["very-low", "low", "normal", "high"] = "high"
    timeout_s: float = Field(default=10.0, gt=0, le=120)

    def vapid_private_key(self) -> str:
        """The VAPID private key (raises ``ConfigError`` saying which variable to set)."""
        return secret_from_env(self.vapid_private_key_env)
