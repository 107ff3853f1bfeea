"""Settings of the cloud REST API (the ``api:`` block of the ingest config).

Example:
    >>> s = ApiSettings()
    >>> s.port, s.token_ttl_s, s.jwt_secret_env
    (8080, 900, 'SILVERGUARD_JWT_SECRET')
"""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator

from cloud_ingest.api.dynsec import DynsecAdmin
from contracts.config import ConfigError, ConfigModel, secret_from_env
from contracts.metrics import MetricsEndpoint

MIN_SECRET_LEN = 32
"""HS256 wants a key of at least 256 bits."""


class ApiMetricsEndpoint(MetricsEndpoint):
    """Where ``ingest api`` serves its Prometheus metrics (``/metrics``); port 0 picks one."""

    port: int = Field(default=9312, ge=0, le=65535)


class ApiSettings(ConfigModel):
    """Where the API listens and how its login tokens are made.

    The token signing secret is never in the file: ``jwt_secret_env`` names the environment
    variable that holds it (at least 32 characters; the alerting API must get the same one).
    """

    host: str = "127.0.0.1"
    port: int = Field(default=8080, ge=1, le=65535)
    jwt_secret_env: str = Field(default="SILVERGUARD_JWT_SECRET", min_length=1)
    token_ttl_s: int = Field(default=900, ge=60, le=86_400)
    provisioning_code_ttl_s: int = Field(default=7 * 86_400, ge=300, le=90 * 86_400)
    broker_admin: DynsecAdmin | None = Field(
        default=None,
        description="the broker's dynamic-security admin: registered gateways get a broker user",
    )
    timezone: str = Field(
        default="Asia/Shanghai", description="the residents' local time: whose 'today' ages count"
    )
    metrics: ApiMetricsEndpoint | None = Field(
        default=None, description="serve request counts and latencies here (null: not served)"
    )

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r}: use an IANA name such as Asia/Shanghai"
            ) from None
        return value

    def today(self, now: datetime) -> date:
        """The residents' local date at ``now`` (ages and eligibility use it).

        >>> from datetime import UTC
        >>> ApiSettings().today(datetime(2026, 11, 24, 17, 0, tzinfo=UTC)).isoformat()
        '2026-11-25'
        """
        return now.astimezone(ZoneInfo(self.timezone)).date()

    def jwt_secret(self) -> str:
        """The signing secret from the environment (raises ``ConfigError`` if unset or short)."""
        secret = secret_from_env(self.jwt_secret_env)
        if len(secret) < MIN_SECRET_LEN:
            raise ConfigError(
                f"environment variable {self.jwt_secret_env} holds a secret of {len(secret)} "
                f"characters: use at least {MIN_SECRET_LEN} random ones "
                "(e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))')"
            )
        return secret
