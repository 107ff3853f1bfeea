"""Care visits and calls to a resident (recorded by whoever made them), and the resident's
programme profile (district, special-hardship category). Every read and change is audited.

The supervision dashboard counts these visits for the monthly visit/contact rate of
special-hardship residents.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, status
from sqlalchemy import select
from sqlalchemy.orm import Session

from cloud_ingest.api.audit import Actor, AuditAction, audit, audit_resident_reads
from cloud_ingest.api.deps import Caller, Ctx, Db, client_addr, require_role
from cloud_ingest.api.errors import bad_request
from cloud_ingest.api.pagination import DEFAULT_LIMIT, Cursor, Limit, Page, newest_first
from cloud_ingest.api.programme_schemas import (
    ResidentProgrammeIn,
    ResidentProgrammeOut,
    VisitIn,
    VisitOut,
)
from cloud_ingest.api.routes.programme import known_district
from cloud_ingest.api.routes.residents import visible_resident
from cloud_ingest.programme import HardshipCategory, VisitKind, check_visit_time
from cloud_ingest.store.domain import Home, Resident
from cloud_ingest.store.programme import CareVisit
from contracts.auth import Role

router = APIRouter(prefix="/api/v1/residents", tags=["residents"])


def visit_out(v: CareVisit) -> VisitOut:
    """A visit as the API shows it."""
    return VisitOut(
        id=v.id,
        org_id=v.org_id,
        resident_id=v.resident_id,
        home_id=v.home_id,
        at=v.at,
        kind=VisitKind(v.kind),
        recorded_by=v.recorded_by,
        recorded_at=v.recorded_at,
        note=v.note,
    )


def _visit_home(db: Session, resident: Resident, home_id: str | None) -> str | None:
    """The home the visit was at: the one given (if it is the resident's) or theirs."""
    homes = list(
        db.scalars(select(Home.id).where(Home.resident_id == resident.id).order_by(Home.id))
    )
    if home_id is None:
        return homes[0] if homes else None
    if home_id not in homes:
        raise bad_request(
            f"home {home_id!r} is not resident {resident.id!r}'s home "
            f"(theirs: {', '.join(homes) or 'none bound'}): omit home_id to use theirs"
        )
    return home_id


@router.post("/{resident_id}/visits", response_model=VisitOut, status_code=status.HTTP_201_CREATED)
def record_visit(
    *, resident_id: str, body: VisitIn, principal: Caller, context: Ctx, db: Db, request: Request
) -> VisitOut:
    """Record a visit to or a call with the resident, after it took place (audited)."""
    resident = visible_resident(db, principal, resident_id)
    try:
        at = check_visit_time(body.at, context.clock.now())
    except ValueError as exc:
        raise bad_request(str(exc)) from None
    visit = CareVisit(
        org_id=resident.org_id,
        resident_id=resident.id,
        home_id=_visit_home(db, resident, body.home_id),
        at=at,
        kind=body.kind.value,
        recorded_by=principal.user_id,
        recorded_at=context.clock.now(),
        note=body.note,
    )
    db.add(visit)
    db.flush()  # gives the visit its id
    audit(
        db,
        context,
        Actor.of(principal, client_addr(request)),
        AuditAction.VISIT_RECORD,
        resource_type="visit",
        resource_id=str(visit.id),
        resident_id=resident.id,
        reason=f"{body.kind.value} at {at.isoformat()}",
    )
    db.commit()
    return visit_out(visit)


@router.get("/{resident_id}/visits", response_model=Page[VisitOut])
def list_visits(
    *,
    resident_id: str,
    principal: Caller,
    context: Ctx,
    db: Db,
    request: Request,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[VisitOut]:
    """The resident's visits and calls, last recorded first (audited)."""
    resident = visible_resident(db, principal, resident_id)
    query = select(CareVisit).where(CareVisit.resident_id == resident.id)
    page = newest_first(db, query, CareVisit.id, cursor=cursor, limit=limit, item=visit_out)
    audit_resident_reads(
        db,
        context,
        Actor.of(principal, client_addr(request)),
        AuditAction.VISITS_READ,
        resource_type="visit",
        resident_ids=[resident.id],
    )
    return page


def _programme_out(resident: Resident) -> ResidentProgrammeOut:
    category = resident.hardship_category
    return ResidentProgrammeOut(
        resident_id=resident.id,
        district_code=resident.district_code,
        hardship_category=HardshipCategory(category) if category else None,
    )


@router.get("/{resident_id}/programme", response_model=ResidentProgrammeOut)
def get_programme(
    *, resident_id: str, principal: Caller, context: Ctx, db: Db, request: Request
) -> ResidentProgrammeOut:
    """The resident's district and special-hardship category (audited)."""
    resident = visible_resident(db, principal, resident_id)
    out = _programme_out(resident)
    audit_resident_reads(
        db,
        context,
        Actor.of(principal, client_addr(request)),
        AuditAction.RESIDENT_READ,
        resource_type="programme",
        resident_ids=[resident.id],
    )
    return out


@router.put("/{resident_id}/programme", response_model=ResidentProgrammeOut)
def set_programme(
    *,
    resident_id: str,
    body: ResidentProgrammeIn,
    principal: Caller,
    context: Ctx,
    db: Db,
    request: Request,
) -> ResidentProgrammeOut:
    """Set the resident's district and special-hardship category (team leads, admins; audited)."""
    require_role(principal, Role.TEAM_LEAD, Role.ADMIN)
    resident = visible_resident(db, principal, resident_id)
    resident.district_code = known_district(db, body.district_code)
    resident.hardship_category = body.hardship_category.value if body.hardship_category else None
    resident.updated_at = context.clock.now()
    audit(
        db,
        context,
        Actor.of(principal, client_addr(request)),
        AuditAction.RESIDENT_PROGRAMME,
        resource_type="resident",
        resource_id=resident.id,
        resident_id=resident.id,
        reason=f"district={body.district_code} hardship={resident.hardship_category}: "
        f"{body.reason}",
    )
    db.commit()
    return _programme_out(resident)
