"""A resident's away, hospital and respite periods: recorded and ended through the API.

The alert router reads them (``contracts.directory``) and expects no care pages from an empty
home. Anyone who may see the resident may record one (a care worker hears of a hospital stay
first); every change is audited.
"""

from __future__ import annotations

from fastapi import APIRouter, Request, status
from sqlalchemy.orm import Session

from cloud_ingest.api.audit import Actor, AuditAction, audit
from cloud_ingest.api.context import ApiContext
from cloud_ingest.api.deps import Caller, Ctx, Db, client_addr
from cloud_ingest.api.errors import not_found_message
from cloud_ingest.api.routes.residents import absence_out, visible_resident
from cloud_ingest.api.schemas import AbsenceIn, AbsenceOut
from cloud_ingest.auth.principal import Principal
from cloud_ingest.store.domain import ResidentAbsence

router = APIRouter(prefix="/api/v1/residents", tags=["residents"])


def _record(
    db: Session,
    context: ApiContext,
    actor: Actor,
    absence: ResidentAbsence,
    body: AbsenceIn,
) -> None:
    absence.kind = body.kind
    absence.starts_at = body.starts_at
    absence.ends_at = body.ends_at
    absence.note = body.note
    db.flush()  # gives a new absence its id
    until = body.ends_at.isoformat() if body.ends_at else "open-ended"
    audit(
        db,
        context,
        actor,
        AuditAction.ABSENCE_CHANGE,
        resource_type="absence",
        resource_id=str(absence.id),
        resident_id=absence.resident_id,
        reason=f"{body.kind} {body.starts_at.isoformat()} – {until}",
    )
    db.commit()


def _actor(principal: Principal, request: Request) -> Actor:
    return Actor.of(principal, client_addr(request))


@router.post(
    "/{resident_id}/absences", response_model=AbsenceOut, status_code=status.HTTP_201_CREATED
)
def add_absence(
    *,
    resident_id: str,
    body: AbsenceIn,
    principal: Caller,
    context: Ctx,
    db: Db,
    request: Request,
) -> AbsenceOut:
    """Record that the resident is away, in hospital or in respite care (audited)."""
    resident = visible_resident(db, principal, resident_id)
    absence = ResidentAbsence(resident_id=resident.id)
    db.add(absence)
    _record(db, context, _actor(principal, request), absence, body)
    return absence_out(absence)


@router.put("/{resident_id}/absences/{absence_id}", response_model=AbsenceOut)
def change_absence(
    *,
    resident_id: str,
    absence_id: int,
    body: AbsenceIn,
    principal: Caller,
    context: Ctx,
    db: Db,
    request: Request,
) -> AbsenceOut:
    """Change an absence, e.g. set ``ends_at`` when the resident is home again (audited)."""
    resident = visible_resident(db, principal, resident_id)
    absence = db.get(ResidentAbsence, absence_id)
    if absence is None or absence.resident_id != resident.id:
        raise not_found_message(
            f"resident {resident_id!r} has no absence {absence_id}: list them with "
            f"GET /api/v1/residents/{resident_id}"
        )
    _record(db, context, _actor(principal, request), absence, body)
    return absence_out(absence)
