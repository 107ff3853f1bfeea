"""Login (OAuth2 password flow → short-lived JWT) and who am I."""

from __future__ import annotations

import logging
import math
from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from cloud_ingest.api.audit import Actor, ActorKind, AuditAction, audit
from cloud_ingest.api.deps import Caller, Ctx, Db, client_addr
from cloud_ingest.api.errors import unauthorized
from cloud_ingest.api.schemas import MeOut, TokenOut
from cloud_ingest.store.domain import CareTeam, TeamMember, User
from contracts.auth import AccessClaims, Role, issue_access_token

log = logging.getLogger(__name__)

router = APIRouter(prefix="/api/v1", tags=["login"])


def team_ids_of(db: Session, user: User) -> list[str]:
    """The teams a person belongs to or leads."""
    member = select(TeamMember.team_id).where(TeamMember.user_id == user.id)
    rows = db.scalars(
        select(CareTeam.id)
        .where(CareTeam.org_id == user.org_id)
        .where(or_(CareTeam.id.in_(member), CareTeam.lead_user_id == user.id))
        .order_by(CareTeam.id)
    )
    return list(rows)


@router.post("/auth/token", response_model=TokenOut)
def login(
    *, form: Annotated[OAuth2PasswordRequestForm, Depends()], context: Ctx, db: Db, request: Request
) -> TokenOut:
    """Exchange a username and password for a short-lived bearer token.

    After 5 failed attempts for one username within 15 minutes, it is locked for the rest of
    that window (429), so passwords cannot be guessed at speed.
    """
    now = context.clock.now()
    throttle = context.login_throttle
    locked = throttle.locked_for(form.username, now)
    if locked is not None:
        minutes = max(1, math.ceil(locked.total_seconds() / 60))
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            f"too many failed logins for this username: wait {minutes} min and try again, or "
            "ask your organisation's admin to reset the password",
            headers={"Retry-After": str(int(locked.total_seconds()) + 1)},
        )
    user = db.scalar(select(User).where(User.username == form.username))
    if user is None:
        context.hasher.burn(form.password)
    if (
        user is None
        or not user.active
        or not context.hasher.verify(user.password_hash, form.password)
    ):
        log.info("failed login from %s", client_addr(request))
        throttle.failed(form.username, now)
        raise unauthorized(
            "wrong username or password (or the account is disabled): try again, or ask your "
            "organisation's admin to reset it"
        )
    throttle.succeeded(form.username)
    ttl = context.settings.token_ttl_s
    claims = AccessClaims(
        sub=user.id,
        org_id=user.org_id,
        role=Role(user.role),
        person_id=user.id,
        team_ids=team_ids_of(db, user),
        exp=now + timedelta(seconds=ttl),
    )
    actor = Actor(user.org_id, ActorKind.USER, user.id, client_addr(request))
    audit(db, context, actor, AuditAction.LOGIN, resource_type="user", resource_id=user.id)
    db.commit()
    return TokenOut(access_token=issue_access_token(claims, context.jwt_secret), expires_in=ttl)


@router.get("/me", response_model=MeOut)
def me(*, principal: Caller, db: Db) -> MeOut:
    """The logged-in person, their role and teams."""
    user = db.get(User, principal.user_id)
    if user is None:
        raise unauthorized("this account is gone: ask your organisation's admin")
    return MeOut(
        id=user.id,
        org_id=user.org_id,
        username=user.username,
        display_name=user.display_name,
        role=principal.role,
        team_ids=sorted(principal.team_ids),
    )
