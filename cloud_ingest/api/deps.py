"""Request dependencies: the context, a database session, the logged-in principal."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import select
from sqlalchemy.orm import Session

from cloud_ingest.api.context import ApiContext
from cloud_ingest.api.errors import forbidden, unauthorized
from cloud_ingest.auth.principal import Principal
from cloud_ingest.store.domain import User
from contracts.auth import InvalidTokenError, Role, verify_access_token

TOKEN_URL = "/api/v1/auth/token"  # noqa: S105 (a path, not a secret)

_bearer = OAuth2PasswordBearer(tokenUrl=TOKEN_URL, auto_error=False)


def get_context(request: Request) -> ApiContext:
    """The application's shared context."""
    context: ApiContext = request.app.state.context
    return context


Ctx = Annotated[ApiContext, Depends(get_context)]


def get_db(context: Ctx) -> Iterator[Session]:
    """A database session for one request (handlers commit what they write)."""
    with context.sessions() as session:
        yield session


Db = Annotated[Session, Depends(get_db)]


def get_principal(
    context: Ctx, db: Db, token: Annotated[str | None, Depends(_bearer)]
) -> Principal:
    """The person the bearer token speaks for, if the token is valid and they are active."""
    if not token:
        raise unauthorized(f"log in first: POST {TOKEN_URL} with username and password")
    try:
        claims = verify_access_token(token, context.jwt_secret, now=context.clock.now())
    except InvalidTokenError as exc:
        raise unauthorized(str(exc)) from exc
    user = db.scalar(select(User).where(User.id == claims.sub, User.org_id == claims.org_id))
    if user is None or not user.active:
        raise unauthorized("this account is disabled or gone: ask your organisation's admin")
    return Principal.of(claims)


Caller = Annotated[Principal, Depends(get_principal)]


def require_role(principal: Principal, *roles: Role) -> None:
    """403 unless the principal has one of ``roles``."""
    if principal.role not in roles:
        allowed = ", ".join(r.value for r in roles)
        raise forbidden(
            f"your role {principal.role.value} may not do this (needs {allowed}): "
            "ask your team lead or admin"
        )


def client_addr(request: Request) -> str | None:
    """The caller's network address, for the audit log."""
    return request.client.host if request.client else None
