"""Who is calling: a phone-app login (JWT from :mod:`contracts.auth`) or an accept link token.

An accept-link token lets its person act on its one incident only. A login token lets a care
worker act on incidents they were paged for or hold, and a team lead or operator act for their
teams or organisation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from fastapi import HTTPException

from alerting.api.tokens import AcceptTokens, InvalidTokenError
from contracts.auth import InvalidTokenError as LoginTokenError
from contracts.auth import Role, verify_access_token
from contracts.clock import Clock

_JWT_PREFIX = "eyJ"
"""How every JWT starts (base64url of ``{"``); accept-link tokens start with ``WyJ`` (``["``)."""
LATEST_LINK = "use the latest link from your most recent notification"
TEAM_ROLES = frozenset({Role.TEAM_LEAD, Role.OPERATOR, Role.ADMIN})


@dataclass(frozen=True, slots=True)
class Caller:
    """An authenticated caller."""

    person_id: str
    org_id: str | None
    role: Role = Role.CARE_WORKER
    team_ids: tuple[str, ...] = field(default=())
    link_incident_id: str | None = None  # set for accept-link tokens: the only incident allowed
    expires_at: datetime | None = None  # when a login token stops being valid

    @property
    def for_team(self) -> bool:
        """Whether the caller may act on incidents someone else holds."""
        return self.link_incident_id is None and self.role in TEAM_ROLES


@dataclass(frozen=True)
class CallerResolver:
    """Turns an ``Authorization`` header into a :class:`Caller` (or an HTTP 401)."""

    tokens: AcceptTokens
    known_people: frozenset[str]
    jwt_secret: str | None
    clock: Clock

    def link(self, token: str) -> tuple[str, str]:
        """The (incident, person) of an accept-link token; 401 if bad or the person left."""
        try:
            incident_id, person_id = self.tokens.verify(token)
        except InvalidTokenError as exc:
            raise HTTPException(401, str(exc)) from exc
        if person_id not in self.known_people:
            raise HTTPException(
                401, f"person {person_id} is no longer on the roster: {LATEST_LINK}"
            )
        return incident_id, person_id

    def login(self, token: str) -> Caller:
        """The caller of a login token; 401 if it is not one."""
        if self.jwt_secret is None:
            raise HTTPException(
                401, "logins are not configured on this router (auth.jwt_secret_env)"
            )
        try:
            claims = verify_access_token(token, self.jwt_secret, now=self.clock.now())
        except LoginTokenError as exc:
            raise HTTPException(401, str(exc)) from exc
        if claims.person_id is None and claims.role is Role.CARE_WORKER:
            raise HTTPException(403, "this login is not linked to a care worker: ask an admin")
        return Caller(
            claims.person_id or claims.sub,
            claims.org_id,
            claims.role,
            tuple(claims.team_ids),
            expires_at=claims.exp,
        )

    def any(self, authorization: str | None) -> Caller:
        """A login token or, failing that, an accept-link token."""
        token = _bearer(authorization)
        if token.startswith(_JWT_PREFIX):  # a JSON header: a login, never an accept link
            return self.login(token)
        incident_id, person_id = self.link(token)
        return Caller(person_id, None, link_incident_id=incident_id)

    def login_only(self, authorization: str | None) -> Caller:
        """A login token (phone-app endpoints that are not about one incident)."""
        return self.login(_bearer(authorization))


def _bearer(authorization: str | None) -> str:
    scheme, _, token = (authorization or "").partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise HTTPException(401, f"send Authorization: Bearer <token>; {LATEST_LINK}")
    return token.strip()
