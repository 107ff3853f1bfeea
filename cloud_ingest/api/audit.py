"""The audit log: every read of a resident's data and every sensitive change leaves a row.

Rows are added to the request's session; the handler commits them before it answers, so a
read whose audit row cannot be written fails instead of going unrecorded.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from sqlalchemy.orm import Session

from cloud_ingest.api.context import ApiContext
from cloud_ingest.auth.principal import Principal
from cloud_ingest.store.domain import AuditEntry


class ActorKind(StrEnum):
    """Who acted."""

    USER = "user"
    PARTNER = "partner"
    GATEWAY = "gateway"
    INSTALLER = "installer"


class AuditAction(StrEnum):
    """What was done."""

    LOGIN = "login"
    RESIDENT_READ = "resident.read"
    RESIDENT_LIST = "resident.list"
    RESIDENT_REVEAL = "resident.reveal"
    ELIGIBILITY_OVERRIDE = "resident.eligibility_override"
    ABSENCE_CHANGE = "resident.absence"
    HOME_READ = "home.read"
    HOME_BIND = "home.bind_resident"
    HOME_DISTRICT = "home.district"
    EVENTS_READ = "events.read"
    INCIDENTS_READ = "incidents.read"
    SERIES_READ = "series.read"
    PARTNER_EVENT = "partner.event"
    PROVISIONING_CODE = "gateway.provisioning_code"
    GATEWAY_REGISTER = "gateway.register"
    VISIT_RECORD = "resident.visit"
    VISITS_READ = "visits.read"
    RESIDENT_PROGRAMME = "resident.programme"
    DISTRICT_CHANGE = "programme.district"
    TARGET_CHANGE = "programme.target"


@dataclass(frozen=True, slots=True)
class Actor:
    """The acting party and where the request came from."""

    org_id: str
    kind: ActorKind
    actor_id: str | None
    client_addr: str | None

    @classmethod
    def of(cls, principal: Principal, client_addr: str | None) -> Actor:
        """A logged-in person as actor."""
        return cls(principal.org_id, ActorKind.USER, principal.user_id, client_addr)


def audit(
    db: Session,
    context: ApiContext,
    actor: Actor,
    action: AuditAction,
    *,
    resource_type: str,
    resource_id: str | None = None,
    resident_id: str | None = None,
    reason: str | None = None,
) -> None:
    """Add one audit row to the session (the caller commits)."""
    db.add(
        AuditEntry(
            at=context.clock.now(),
            org_id=actor.org_id,
            actor_kind=actor.kind.value,
            actor_id=actor.actor_id,
            action=action.value,
            resource_type=resource_type,
            resource_id=resource_id,
            resident_id=resident_id,
            reason=reason,
            client_addr=actor.client_addr,
        )
    )


def audit_resident_reads(
    db: Session,
    context: ApiContext,
    actor: Actor,
    action: AuditAction,
    *,
    resource_type: str,
    resident_ids: Iterable[str | None],
    reason: str | None = None,
) -> None:
    """One row per distinct resident whose data a response contains, then commit."""
    for resident_id in sorted({r for r in resident_ids if r is not None}):
        audit(
            db,
            context,
            actor,
            action,
            resource_type=resource_type,
            resource_id=resident_id,
            resident_id=resident_id,
            reason=reason,
        )
    db.commit()
