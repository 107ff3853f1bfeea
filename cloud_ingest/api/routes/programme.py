"""The programme's districts (行政区划) and each organisation's yearly family-care-bed targets.

Everyone logged in may read them (they hold no one's personal data); admins set them, and
every change is audited. A district supervisor who follows the programme gets an operator
login (organisation-wide, pseudonymous) and the Grafana supervision dashboard.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from sqlalchemy import exists, select, union_all
from sqlalchemy.orm import Session

from cloud_ingest.api.audit import Actor, AuditAction, audit
from cloud_ingest.api.deps import Caller, Ctx, Db, client_addr, require_role
from cloud_ingest.api.errors import bad_request, conflict, not_found_message
from cloud_ingest.api.pagination import DEFAULT_LIMIT, Cursor, Limit, Page, decode_cursor, page_of
from cloud_ingest.api.programme_schemas import (
    TARGET_YEARS,
    DistrictCode,
    DistrictIn,
    DistrictOut,
    TargetIn,
    TargetOut,
)
from cloud_ingest.auth.principal import Principal
from cloud_ingest.programme import DISTRICT_CODE_PATTERN
from cloud_ingest.store.domain import Home, Resident
from cloud_ingest.store.programme import District, ProgrammeTarget
from contracts.auth import Role

router = APIRouter(prefix="/api/v1/programme", tags=["programme"])

CodePath = Annotated[str, Path(pattern=DISTRICT_CODE_PATTERN, description="行政区划 code")]
YearPath = Annotated[int, Path(ge=TARGET_YEARS[0], le=TARGET_YEARS[1])]


def known_district(db: Session, code: str | None) -> str | None:
    """``code`` if the programme knows that district (or None), else a 400 saying how to add it.

    For bodies that set a home's or a resident's district.
    """
    if code is not None and db.get(District, code) is None:
        raise bad_request(
            f"district {code!r} is unknown: an admin adds it with "
            f"PUT /api/v1/programme/districts/{code} "
            "(list them with GET /api/v1/programme/districts)"
        )
    return code


@router.get("/districts", response_model=Page[DistrictOut])
def list_districts(
    *, principal: Caller, db: Db, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> Page[DistrictOut]:
    """The districts known to the programme, by code."""
    del principal  # logged in is enough: the codes are public
    query = select(District).order_by(District.code)
    if cursor is not None:
        query = query.where(District.code > decode_cursor(cursor))
    rows = list(db.scalars(query.limit(limit + 1)))
    return page_of(
        rows, limit, key=lambda r: r.code, item=lambda r: DistrictOut(code=r.code, name=r.name)
    )


@router.put("/districts/{code}", response_model=DistrictOut)
def put_district(
    *, code: CodePath, body: DistrictIn, principal: Caller, context: Ctx, db: Db, request: Request
) -> DistrictOut:
    """Add a district or correct its name (admins; audited).

    A district is shared by every organisation: its name can be corrected only while no other
    organisation has homes, residents or targets in it (409 otherwise).
    """
    require_role(principal, Role.ADMIN)
    known = db.get(District, code)
    if known is not None and known.name != body.name and _used_elsewhere(db, code, principal):
        raise conflict(
            f"district {code} is named {known.name!r} for other organisations too, so it "
            "cannot be renamed from one of them: keep the name, or have the platform's seed "
            "file (districts:) correct it for everyone",
        )
    db.merge(District(code=code, name=body.name))
    audit(
        db,
        context,
        Actor.of(principal, client_addr(request)),
        AuditAction.DISTRICT_CHANGE,
        resource_type="district",
        resource_id=code,
        reason=body.name,
    )
    db.commit()
    return DistrictOut(code=code, name=body.name)


def _used_elsewhere(db: Session, code: str, principal: Principal) -> bool:
    """Whether another organisation has a home, a resident or a target in the district."""
    others = [
        select(table.district_code).where(
            table.district_code == code, table.org_id != principal.org_id
        )
        for table in (Home, Resident, ProgrammeTarget)
    ]
    return db.scalar(select(exists(union_all(*others).subquery()))) is True


def _target_out(t: ProgrammeTarget, name: str) -> TargetOut:
    return TargetOut(
        org_id=t.org_id,
        district_code=t.district_code,
        district_name=name,
        year=t.year,
        beds_target=t.beds_target,
        set_by=t.set_by,
        set_at=t.set_at,
    )


@router.get("/targets", response_model=list[TargetOut])
def list_targets(
    *,
    principal: Caller,
    db: Db,
    year: Annotated[int | None, Query(ge=TARGET_YEARS[0], le=TARGET_YEARS[1])] = None,
    district_code: DistrictCode | None = None,
) -> list[TargetOut]:
    """Your organisation's bed targets, by year and district (at most one per pair)."""
    query = (
        select(ProgrammeTarget, District.name)
        .join(District, District.code == ProgrammeTarget.district_code)
        .where(ProgrammeTarget.org_id == principal.org_id)
        .order_by(ProgrammeTarget.year, ProgrammeTarget.district_code)
    )
    if year is not None:
        query = query.where(ProgrammeTarget.year == year)
    if district_code is not None:
        query = query.where(ProgrammeTarget.district_code == district_code)
    return [_target_out(t, name) for t, name in db.execute(query)]


@router.put("/targets/{code}/{year}", response_model=TargetOut)
def put_target(
    *,
    code: CodePath,
    year: YearPath,
    body: TargetIn,
    principal: Caller,
    context: Ctx,
    db: Db,
    request: Request,
) -> TargetOut:
    """Set your organisation's bed target for a district and year (admins; audited)."""
    require_role(principal, Role.ADMIN)
    district = db.get(District, code)
    if district is None:
        raise not_found_message(
            f"no district {code!r}: add it first with PUT /api/v1/programme/districts/{code} "
            "(list them with GET /api/v1/programme/districts)"
        )
    target = db.merge(
        ProgrammeTarget(
            org_id=principal.org_id,
            district_code=code,
            year=year,
            beds_target=body.beds_target,
            set_by=principal.user_id,
            set_at=context.clock.now(),
        )
    )
    audit(
        db,
        context,
        Actor.of(principal, client_addr(request)),
        AuditAction.TARGET_CHANGE,
        resource_type="programme_target",
        resource_id=f"{code}/{year}",
        reason=f"beds_target={body.beds_target}",
    )
    db.commit()
    return _target_out(target, district.name)
