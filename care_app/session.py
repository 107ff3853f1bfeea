"""The login session: a signed, HttpOnly cookie holding the access token and a CSRF token.

The cookie is signed (itsdangerous) with a secret from the environment and timed by the
injected clock; it expires ``ttl_s`` after login, or earlier when the access token does.

Example:
    >>> from datetime import UTC, datetime, timedelta
    >>> from contracts.clock import FakeClock
    >>> clock = FakeClock(datetime(2026, 11, 24, 3, 0, tzinfo=UTC))
    >>> sessions = SessionCodec("a-session-secret", clock, ttl_s=900)
    >>> cookie = sessions.issue(Session("jwt", "cw-0001", "王芳", "care_worker", "csrf"))
    >>> sessions.read(cookie).person_id
    'cw-0001'
    >>> clock.advance(timedelta(minutes=16))
    >>> sessions.read(cookie) is None
    True
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import asdict, dataclass
from typing import Any

from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer

from contracts.clock import Clock

COOKIE = "sg_session"
LANG_COOKIE = "sg_lang"
_SALT = "silverguard.care_app.session.v1"
TEAM_ROLES = frozenset({"team_lead", "operator", "admin"})


@dataclass(frozen=True, slots=True)
class Session:
    """Who is logged in: the access token, their id, name and role, and the CSRF token."""

    token: str
    person_id: str
    display_name: str
    role: str
    csrf: str

    @property
    def is_desk(self) -> bool:
        """Team leads, operators and admins see the operator console."""
        return self.role in TEAM_ROLES

    def csrf_ok(self, presented: str | None) -> bool:
        """Whether a form or header carried this session's CSRF token (compared as bytes:
        a forged token may hold any character).

        >>> session = Session("t", "cw-0001", "王芳", "care_worker", "abc")
        >>> session.csrf_ok("abc"), session.csrf_ok("令牌"), session.csrf_ok(None)
        (True, False, False)
        """
        if presented is None:
            return False
        return hmac.compare_digest(
            presented.encode("utf-8", "surrogatepass"), self.csrf.encode("utf-8", "surrogatepass")
        )


def new_csrf() -> str:
    """A fresh CSRF token."""
    return secrets.token_urlsafe(24)


class _ClockSigner(TimestampSigner):
    def __init__(self, *args: Any, clock: Clock, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clock = clock

    def get_timestamp(self) -> int:
        return int(self._clock.now().timestamp())


class SessionCodec:
    """Signs sessions into cookie values and reads them back (``None`` if bad or expired)."""

    def __init__(self, secret: str, clock: Clock, *, ttl_s: int) -> None:
        self._serializer = URLSafeTimedSerializer(
            secret, salt=_SALT, signer=_ClockSigner, signer_kwargs={"clock": clock}
        )
        self.ttl_s = ttl_s

    def issue(self, session: Session) -> str:
        """The cookie value of ``session``."""
        return str(self._serializer.dumps(asdict(session)))

    def read(self, cookie: str | None) -> Session | None:
        """The session in ``cookie``, or ``None`` if absent, forged or expired."""
        if not cookie:
            return None
        try:
            data = self._serializer.loads(cookie, max_age=self.ttl_s)
        except BadSignature:  # SignatureExpired is a BadSignature too
            return None
        try:
            return Session(**data)
        except TypeError:
            return None
