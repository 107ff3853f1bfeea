"""Homes: list and read (the address is the resident's data: audited, hidden from operators);
bind a resident, set the district (audited)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from cloud_ingest.api.audit import Actor, AuditAction, audit, audit_resident_reads
from cloud_ingest.api.deps import Caller, Ctx, Db, client_addr, require_role
from cloud_ingest.api.errors import not_found
from cloud_ingest.api.pagination import DEFAULT_LIMIT, Cursor, Limit, Page, decode_cursor, page_of
from cloud_ingest.api.programme_schemas import HomeDistrictIn
from cloud_ingest.api.routes.programme import known_district
from cloud_ingest.api.schemas import HomeOut, HomeResidentIn
from cloud_ingest.api.scope import in_scope, visible_homes
from cloud_ingest.auth.principal import Principal
from cloud_ingest.store.domain import Gateway, Home, Resident
from contracts.auth import Role

router = APIRouter(prefix="/api/v1/homes", tags=["homes"])


def _out(db: Session, principal: Principal, home: Home) -> HomeOut:
    gateway_ids = db.scalars(
        select(Gateway.id).where(Gateway.home_id == home.id).order_by(Gateway.id)
    )
    return HomeOut(
        id=home.id,
        org_id=home.org_id,
        resident_id=home.resident_id,
        address=None if principal.pseudonymous else home.address,
        district_code=home.district_code,
        gateway_ids=list(gateway_ids),
    )


@router.get("", response_model=Page[HomeOut])
def list_homes(
    *,
    principal: Caller,
    context: Ctx,
    db: Db,
    request: Request,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    resident_id: Annotated[str | None, Query(max_length=64)] = None,
) -> Page[HomeOut]:
    """The homes you may see, by id."""
    query = select(Home).where(Home.id.in_(visible_homes(principal))).order_by(Home.id)
    if cursor is not None:
        query = query.where(Home.id > decode_cursor(cursor))
    if resident_id is not None:
        query = query.where(Home.resident_id == resident_id)
    rows = list(db.scalars(query.limit(limit + 1)))
    page = page_of(rows, limit, key=lambda h: h.id, item=lambda h: _out(db, principal, h))
    audit_resident_reads(
        db,
        context,
        Actor.of(principal, client_addr(request)),
        AuditAction.HOME_READ,
        resource_type="home",
        resident_ids=(h.resident_id for h in page.items),
    )
    return page


@router.get("/{home_id}", response_model=HomeOut)
def get_home(*, home_id: str, principal: Caller, context: Ctx, db: Db, request: Request) -> HomeOut:
    """One home."""
    visible = db.scalar(
        select(Home.id).where(Home.id == home_id, Home.id.in_(visible_homes(principal)))
    )
    home = in_scope(principal, "home", home_id, db.get(Home, home_id), visible=visible is not None)
    out = _out(db, principal, home)
    audit_resident_reads(
        db,
        context,
        Actor.of(principal, client_addr(request)),
        AuditAction.HOME_READ,
        resource_type="home",
        resident_ids=[home.resident_id],
    )
    return out


@router.put("/{home_id}/resident", response_model=HomeOut)
def bind_resident(
    *,
    home_id: str,
    body: HomeResidentIn,
    principal: Caller,
    context: Ctx,
    db: Db,
    request: Request,
) -> HomeOut:
    """Bind the home to a resident of your organisation, or unbind it (operators and admins;
    audited). Check the resident's eligibility first (GET /api/v1/residents/{id}).
    """
    require_role(principal, Role.OPERATOR, Role.ADMIN)
    home = in_scope(principal, "home", home_id, db.get(Home, home_id), visible=True)
    if body.resident_id is not None:
        resident = db.get(Resident, body.resident_id)
        if resident is None or resident.org_id != principal.org_id:
            raise not_found("resident", body.resident_id)
    previous = home.resident_id
    home.resident_id = body.resident_id
    actor = Actor.of(principal, client_addr(request))
    for resident_id, verb in ((previous, "unbound"), (body.resident_id, "bound")):
        if resident_id is not None and previous != body.resident_id:
            audit(
                db,
                context,
                actor,
                AuditAction.HOME_BIND,
                resource_type="home",
                resource_id=home.id,
                resident_id=resident_id,
                reason=f"{verb}: {body.reason}",
            )
    db.commit()
    return _out(db, principal, home)


@router.put("/{home_id}/district", response_model=HomeOut)
def set_district(
    *,
    home_id: str,
    body: HomeDistrictIn,
    principal: Caller,
    context: Ctx,
    db: Db,
    request: Request,
) -> HomeOut:
    """Set the district the home is in, where its family care bed counts (operators and
    admins; audited)."""
    require_role(principal, Role.OPERATOR, Role.ADMIN)
    home = in_scope(principal, "home", home_id, db.get(Home, home_id), visible=True)
    home.district_code = known_district(db, body.district_code)
    audit(
        db,
        context,
        Actor.of(principal, client_addr(request)),
        AuditAction.HOME_DISTRICT,
        resource_type="home",
        resource_id=home.id,
        resident_id=home.resident_id,
        reason=f"district={body.district_code}: {body.reason}",
    )
    db.commit()
    return _out(db, principal, home)
