"""The app's settings (``silverguard app serve --config care-app.yaml``).

Example:
    >>> s = CareAppSettings(cloud_api_url="http://127.0.0.1:8300",
    ...                     alerting_api_url="http://127.0.0.1:8400")
    >>> s.session_ttl_s, s.default_locale, s.port
    (900, 'zh_CN', 8500)
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from contracts.config import ConfigModel
from contracts.metrics import MetricsEndpoint

Locale = Literal["zh_CN", "en"]
LOCALES: tuple[Locale, ...] = ("zh_CN", "en")


class CareAppMetricsEndpoint(MetricsEndpoint):
    """Where ``app serve`` serves its Prometheus metrics (``/metrics``); port 0 picks one."""

    port: int = Field(default=9313, ge=0, le=65535)


class CareAppSettings(ConfigModel):
    """Where the two APIs are, how the session cookie is signed and how long it lives."""

    cloud_api_url: str = Field(pattern=r"^https?://", description="the cloud REST API")
    alerting_api_url: str = Field(pattern=r"^https?://", description="the alert router's API")
    host: str = "127.0.0.1"
    port: int = Field(default=8500, ge=1, le=65535)
    session_secret_env: str = Field(
        default="SG_CARE_APP_SESSION_SECRET",
        min_length=1,
        description="env var holding the secret that signs session cookies",
    )
    session_ttl_s: int = Field(
        default=900, ge=60, le=86_400, description="a session ends this long after login"
    )
    secure_cookies: bool = Field(
        default=False, description="mark cookies Secure (set true behind HTTPS)"
    )
    default_locale: Locale = "zh_CN"
    timezone: str = Field(default="Asia/Shanghai", description="the homes' time zone")
    portrait_days: int = Field(default=7, ge=1, le=28, description="days the portrait covers")
    vapid_public_key: str | None = Field(
        default=None, description="the Web Push VAPID public key (base64url), if push is on"
    )
    api_timeout_s: float = Field(default=10.0, gt=0)
    metrics: CareAppMetricsEndpoint | None = Field(
        default=None, description="serve request counts and latencies here (null: not served)"
    )
