"""Login tokens: the claims of a short-lived access token, issued and verified with PyJWT.

The cloud REST API (``cloud_ingest.api``) issues a token at login (OAuth2 password flow); the
alerting HTTP API verifies the same token for the phone-app endpoints. Tokens are HS256 JWTs
signed with a secret that comes from an environment variable named in each component's config,
never from the repository.

Example:
    >>> from datetime import UTC, datetime, timedelta
    >>> now = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    >>> claims = AccessClaims(sub="u-0001", org_id="org-demo", role=Role.CARE_WORKER,
    ...                       person_id="cw-0001", team_ids=["team-a"],
    ...                       exp=now + timedelta(minutes=15))
    >>> token = issue_access_token(claims, "a-test-secret-of-32-bytes-or-more!!")
    >>> verify_access_token(token, "a-test-secret-of-32-bytes-or-more!!", now=now) == claims
    True
    >>> verify_access_token(token, "another-secret-of-32-bytes-or-more!", now=now)
    Traceback (most recent call last):
    ...
    contracts.auth.InvalidTokenError: the access token is invalid (Signature verification failed): log in again
    >>> verify_access_token(token, "a-test-secret-of-32-bytes-or-more!!",
    ...                     now=now + timedelta(hours=1))
    Traceback (most recent call last):
    ...
    contracts.auth.InvalidTokenError: the access token expired at 2026-11-24T03:15:00+00:00: log in again
"""  # noqa: E501

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import jwt
from pydantic import AwareDatetime, Field, ValidationError

from contracts.base import ContractModel
from contracts.errors import ContractError
from contracts.ids import Identifier

TOKEN_ALGORITHM = "HS256"  # noqa: S105
"""The only signing algorithm accepted (a token naming another one is refused)."""
TOKEN_ISSUER = "silverguard-cloud"  # noqa: S105
"""The ``iss`` claim of every access token."""


class Role(StrEnum):
    """What a person may see and do.

    ``care_worker``: their team's and assigned residents; ``team_lead``: their team;
    ``operator``: their organisation, pseudonymous by default; ``admin``: their organisation,
    including people and configuration.
    """

    CARE_WORKER = "care_worker"
    TEAM_LEAD = "team_lead"
    OPERATOR = "operator"
    ADMIN = "admin"


class InvalidTokenError(ContractError):
    """A token is malformed, forged, expired or carries claims outside the contract."""


class AccessClaims(ContractModel):
    """The claims of an access token.

    ``sub`` is the user's id; ``person_id`` is the care-worker id alerting pages
    (e.g. ``cw-0001``), absent for people who are never paged; ``team_ids`` are the care
    teams the person belongs to or leads.
    """

    sub: str = Field(min_length=1, max_length=64)
    org_id: Identifier
    role: Role
    person_id: Identifier | None = None
    team_ids: list[Identifier] = Field(default_factory=list, max_length=100)
    exp: AwareDatetime


def issue_access_token(claims: AccessClaims, secret: str) -> str:
    """Sign ``claims`` into a compact JWT (HS256)."""
    payload: dict[str, Any] = claims.model_dump(mode="json", exclude={"exp"})
    payload["exp"] = int(claims.exp.timestamp())
    payload["iss"] = TOKEN_ISSUER
    return jwt.encode(payload, secret, algorithm=TOKEN_ALGORITHM)


def verify_access_token(token: str, secret: str, *, now: datetime | None = None) -> AccessClaims:
    """Check a token's signature, issuer and expiry and return its claims.

    Args:
        token: the compact JWT (without the ``Bearer`` prefix).
        secret: the signing secret.
        now: the time to check expiry against (defaults to the wall clock).

    Raises:
        InvalidTokenError: the token is forged, malformed, expired or has bad claims.
    """
    try:
        payload = jwt.decode(
            token,
            secret,
            algorithms=[TOKEN_ALGORITHM],
            issuer=TOKEN_ISSUER,
            options={"verify_exp": False, "require": ["exp", "iss", "sub"]},
        )
    except jwt.PyJWTError as exc:
        raise InvalidTokenError(f"the access token is invalid ({exc}): log in again") from exc
    payload.pop("iss", None)
    try:
        claims = AccessClaims.model_validate(payload)
    except ValidationError as exc:
        raise InvalidTokenError(
            "the access token's claims are not valid: log in again to get a new token"
        ) from exc
    if claims.exp <= (now or datetime.now(UTC)):
        raise InvalidTokenError(
            f"the access token expired at {claims.exp.isoformat()}: log in again"
        )
    return claims
