"""Accept tokens: an itsdangerous-signed (incident id, person id), timed by the injected clock.

Example:
    >>> from datetime import UTC, datetime, timedelta
    >>> from contracts.clock import FakeClock
    >>> clock = FakeClock(datetime(2026, 11, 24, 3, 0, tzinfo=UTC))
    >>> tokens = AcceptTokens(b"s3cret", clock, max_age_s=3600)
    >>> t = tokens.issue("01JDZ3S3G2J8T0V0G8W6ZQ4C0Y", "p-1")
    >>> tokens.verify(t)
    ('01JDZ3S3G2J8T0V0G8W6ZQ4C0Y', 'p-1')
    >>> clock.advance(timedelta(hours=2))
    >>> tokens.verify(t)
    Traceback (most recent call last):
    ...
    alerting.api.tokens.InvalidTokenError: this link has expired: use the latest link ...
"""

from __future__ import annotations

from typing import Any

from itsdangerous import BadSignature, SignatureExpired, TimestampSigner, URLSafeTimedSerializer

from alerting.config import AlertingSettings
from alerting.errors import AlertingError
from contracts.clock import Clock, SystemClock
from contracts.config import secret_from_env

_SALT = "silverguard.alerting.accept.v1"


class InvalidTokenError(AlertingError):
    """An accept token is forged, damaged or expired."""


class _ClockTimestampSigner(TimestampSigner):
    """A timestamp signer that asks the injected clock, not ``time.time()``."""

    def __init__(self, *args: Any, clock: Clock, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clock = clock

    def get_timestamp(self) -> int:
        return int(self._clock.now().timestamp())


class AcceptTokens:
    """Issues and verifies accept tokens."""

    def __init__(self, secret: bytes, clock: Clock, *, max_age_s: int) -> None:
        self._serializer = URLSafeTimedSerializer(
            secret,
            salt=_SALT,
            signer=_ClockTimestampSigner,
            signer_kwargs={"clock": clock},
        )
        self._max_age_s = max_age_s

    def issue(self, incident_id: str, person_id: str) -> str:
        """A URL-safe token that lets ``person_id`` accept ``incident_id``."""
        return str(self._serializer.dumps([incident_id, person_id]))

    def verify(self, token: str) -> tuple[str, str]:
        """``(incident_id, person_id)`` of a valid token, else :class:`InvalidTokenError`."""
        try:
            data = self._serializer.loads(token, max_age=self._max_age_s)
        except SignatureExpired as exc:
            raise InvalidTokenError(
                "this link has expired: use the latest link from your most recent notification"
            ) from exc
        except BadSignature as exc:
            raise InvalidTokenError(
                "this link is not valid: use the latest link from your most recent notification"
            ) from exc
        if not (
            isinstance(data, list) and len(data) == 2 and all(isinstance(x, str) for x in data)
        ):
            raise InvalidTokenError("this link is damaged: use the latest link you received")
        return data[0], data[1]


def link_for_token(public_base_url: str, token: str) -> str:
    """The link a care worker taps: ``{public_base_url}/a/{token}``.

    >>> link_for_token("https://sg.example/", "abc")
    'https://sg.example/a/abc'
    """
    return f"{public_base_url.rstrip('/')}/a/{token}"


def tokens_from_settings(settings: AlertingSettings, clock: Clock) -> AcceptTokens:
    """The token issuer/verifier (raises ``ConfigError`` if the secret is unset)."""
    secret = secret_from_env(settings.token_secret_env).encode()
    return AcceptTokens(secret, clock, max_age_s=settings.accept_link_max_age_s)


def accept_url(
    settings: AlertingSettings, incident_id: str, person_id: str, *, clock: Clock | None = None
) -> str:
    """A fresh accept link letting ``person_id`` accept ``incident_id``."""
    tokens = tokens_from_settings(settings, clock or SystemClock())
    return link_for_token(settings.public_base_url, tokens.issue(incident_id, person_id))
