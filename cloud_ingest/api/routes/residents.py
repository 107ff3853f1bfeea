"""Residents: list, read (audited), eligibility and its override."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Request
from sqlalchemy import select
from sqlalchemy.orm import Session

from cloud_ingest.api.audit import Actor, AuditAction, audit, audit_resident_reads
from cloud_ingest.api.context import ApiContext
from cloud_ingest.api.deps import Caller, Ctx, Db, client_addr, require_role
from cloud_ingest.api.errors import forbidden, not_found
from cloud_ingest.api.pagination import DEFAULT_LIMIT, Cursor, Limit, Page, decode_cursor, page_of
from cloud_ingest.api.schemas import (
    AbsenceOut,
    ContactOut,
    EligibilityOut,
    EligibilityOverrideIn,
    ResidentDetailOut,
    ResidentOut,
)
from cloud_ingest.auth.principal import Principal, resident_visibility
from cloud_ingest.eligibility import (
    DisabilityLevel,
    Eligibility,
    apply_override,
    check_eligibility,
)
from cloud_ingest.store.domain import Resident, ResidentAbsence, ResidentContact
from contracts.auth import Role

router = APIRouter(prefix="/api/v1/residents", tags=["residents"])

RevealReason = Annotated[
    str | None,
    Query(
        min_length=5,
        max_length=500,
        description="operators: why you need the name and address (written to the audit log)",
    ),
]


def eligibility_of(resident: Resident, today: date) -> Eligibility:
    """The rule's answer for a resident, with their override applied."""
    rule = check_eligibility(
        resident.birth_date, DisabilityLevel(resident.disability_level), on=today
    )
    if resident.eligibility_override is None:
        return rule
    return apply_override(
        rule,
        eligible=resident.eligibility_override,
        reason=resident.eligibility_override_reason or "no reason recorded",
    )


def resident_out(resident: Resident, today: date, *, hide_personal: bool) -> ResidentOut:
    """A resident as the API shows it (personal fields withheld when asked)."""
    e = eligibility_of(resident, today)
    return ResidentOut(
        id=resident.id,
        org_id=resident.org_id,
        team_id=resident.team_id,
        primary_worker_id=resident.primary_worker_id,
        backup_worker_id=resident.backup_worker_id,
        pseudonymous=hide_personal,
        full_name=None if hide_personal else resident.full_name,
        birth_date=None if hide_personal else resident.birth_date,
        disability_level=DisabilityLevel(resident.disability_level),
        dementia=resident.dementia,
        living_alone=resident.living_alone,
        address=None if hide_personal else resident.address,
        key_conditions=list(resident.key_conditions),
        eligibility=EligibilityOut(
            eligible=e.eligible,
            age_years=e.age_years,
            reason_en=e.reason_en,
            reason_zh=e.reason_zh,
            overridden=e.overridden,
        ),
    )


def visible_resident(db: Session, principal: Principal, resident_id: str) -> Resident:
    """The resident if the principal may see them: 404 for another org, 403 for not theirs."""
    resident = db.get(Resident, resident_id)
    if resident is None or resident.org_id != principal.org_id:
        raise not_found("resident", resident_id)
    if not principal.may_see(
        resident.org_id, resident.team_id, resident.primary_worker_id, resident.backup_worker_id
    ):
        raise forbidden(
            f"resident {resident_id!r} is not in your teams or assigned to you: ask your team "
            "lead to assign them if you care for them"
        )
    return resident


@router.get("", response_model=Page[ResidentOut])
def list_residents(
    *,
    principal: Caller,
    context: Ctx,
    db: Db,
    request: Request,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    team_id: Annotated[str | None, Query(max_length=64)] = None,
    dementia: bool | None = None,
    living_alone: bool | None = None,
) -> Page[ResidentOut]:
    """The residents you may see, by id (operators: pseudonymous)."""
    query = select(Resident).where(resident_visibility(principal)).order_by(Resident.id)
    if cursor is not None:
        query = query.where(Resident.id > decode_cursor(cursor))
    if team_id is not None:
        query = query.where(Resident.team_id == team_id)
    if dementia is not None:
        query = query.where(Resident.dementia == dementia)
    if living_alone is not None:
        query = query.where(Resident.living_alone == living_alone)
    rows = list(db.scalars(query.limit(limit + 1)))
    today = context.settings.today(context.clock.now())
    page = page_of(
        rows,
        limit,
        key=lambda r: r.id,
        item=lambda r: resident_out(r, today, hide_personal=principal.pseudonymous),
    )
    actor = Actor.of(principal, client_addr(request))
    audit_resident_reads(
        db,
        context,
        actor,
        AuditAction.RESIDENT_LIST,
        resource_type="resident",
        resident_ids=(r.id for r in page.items),
    )
    return page


@router.get("/{resident_id}", response_model=ResidentDetailOut)
def get_resident(
    *,
    resident_id: str,
    principal: Caller,
    context: Ctx,
    db: Db,
    request: Request,
    reveal_reason: RevealReason = None,
) -> ResidentDetailOut:
    """One resident with contacts and absences (audited; operators may reveal with a reason)."""
    resident = visible_resident(db, principal, resident_id)
    hide = principal.pseudonymous and reveal_reason is None
    action = (
        AuditAction.RESIDENT_REVEAL
        if principal.pseudonymous and reveal_reason
        else AuditAction.RESIDENT_READ
    )
    detail = _detail(db, context, resident, hide_personal=hide)
    actor = Actor.of(principal, client_addr(request))
    audit_resident_reads(
        db,
        context,
        actor,
        action,
        resource_type="resident",
        resident_ids=[resident.id],
        reason=reveal_reason,
    )
    return detail


@router.put("/{resident_id}/eligibility-override", response_model=ResidentDetailOut)
def override_eligibility(
    *,
    resident_id: str,
    body: EligibilityOverrideIn,
    principal: Caller,
    context: Ctx,
    db: Db,
    request: Request,
) -> ResidentDetailOut:
    """Override the eligibility rule with a reason (team leads and admins; audited)."""
    require_role(principal, Role.TEAM_LEAD, Role.ADMIN)
    resident = visible_resident(db, principal, resident_id)
    resident.eligibility_override = body.eligible
    resident.eligibility_override_reason = None if body.eligible is None else body.reason
    resident.updated_at = context.clock.now()
    actor = Actor.of(principal, client_addr(request))
    verdict = "removed" if body.eligible is None else f"eligible={body.eligible}"
    audit(
        db,
        context,
        actor,
        AuditAction.ELIGIBILITY_OVERRIDE,
        resource_type="resident",
        resource_id=resident.id,
        resident_id=resident.id,
        reason=f"{verdict}: {body.reason}",
    )
    db.commit()
    return _detail(db, context, resident, hide_personal=principal.pseudonymous)


def _detail(
    db: Session, context: ApiContext, resident: Resident, *, hide_personal: bool
) -> ResidentDetailOut:
    base = resident_out(
        resident, context.settings.today(context.clock.now()), hide_personal=hide_personal
    )
    contacts = db.scalars(
        select(ResidentContact)
        .where(ResidentContact.resident_id == resident.id)
        .order_by(ResidentContact.priority, ResidentContact.id)
    )
    absences = db.scalars(
        select(ResidentAbsence)
        .where(ResidentAbsence.resident_id == resident.id)
        .order_by(ResidentAbsence.starts_at)
    )
    return ResidentDetailOut(
        **base.model_dump(),
        emergency_contacts=None
        if hide_personal
        else [
            ContactOut(name=c.name, relation=c.relation, phone=c.phone, priority=c.priority)
            for c in contacts
        ],
        absences=[absence_out(a) for a in absences],
    )


def absence_out(a: ResidentAbsence) -> AbsenceOut:
    """An absence as the API shows it."""
    return AbsenceOut(id=a.id, kind=a.kind, starts_at=a.starts_at, ends_at=a.ends_at, note=a.note)
