"""Events (what gateways and partners sent), incidents (read from the alert router's table),
the quarantine, and the audit log.
"""

from __future__ import annotations

import base64
import json
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, status
from sqlalchemy import Integer, String, column, func, inspect, select, table

from cloud_ingest.api.audit import Actor, AuditAction, audit_resident_reads
from cloud_ingest.api.deps import Caller, Ctx, Db, client_addr, require_role
from cloud_ingest.api.pagination import (
    DEFAULT_LIMIT,
    Cursor,
    Limit,
    Page,
    decode_cursor,
    decode_int_cursor,
    newest_first,
    page_of,
)
from cloud_ingest.api.schemas import AuditOut, EventOut, IncidentOut, QuarantineOut
from cloud_ingest.api.scope import visible_residents
from cloud_ingest.auth.principal import Principal
from cloud_ingest.store.domain import AuditEntry
from cloud_ingest.store.models import EventRow, QuarantineRow
from contracts.auth import Role
from contracts.feed import INCIDENTS_TABLE
from contracts.sqltypes import UtcDateTime
from contracts.topics import PREFIX

router = APIRouter(prefix="/api/v1", tags=["events"])

_TIME = UtcDateTime()
_incidents = table(
    INCIDENTS_TABLE,
    column("id", String()),
    column("org_id", String()),
    column("resident_id", String()),
    column("home_id", String()),
    column("type", String()),
    column("warning_class", String()),
    column("severity", String()),
    column("status", String()),
    column("summary", String()),
    column("opened_at", _TIME),
    column("last_event_at", _TIME),
    column("event_count", Integer()),
    column("accepted_by", String()),
    column("accepted_at", _TIME),
    column("resolved_at", _TIME),
)

ResidentFilter = Annotated[str | None, Query(max_length=64)]


def _evidence(envelope_json: str) -> dict[str, Any]:
    try:
        evidence = json.loads(envelope_json).get("body", {}).get("evidence", {})
    except (ValueError, AttributeError):
        return {}
    return evidence if isinstance(evidence, dict) else {}


def _event_out(row: EventRow) -> EventOut:
    return EventOut(
        seq=row.seq,
        message_id=row.message_id,
        org_id=row.org_id,
        gateway_id=row.gateway_id,
        home_id=row.home_id,
        resident_id=row.resident_id,
        device_id=row.device_id,
        type=row.type,
        severity=row.severity,
        status=row.status,
        warning_class=row.warning_class,
        device_time=row.device_time,
        gateway_time=row.gateway_time,
        received_at=row.received_at,
        evidence=_evidence(row.envelope_json),
    )


def _check_range(since: datetime | None, until: datetime | None) -> None:
    for name, value in (("since", since), ("until", until)):
        if value is not None and value.tzinfo is None:
            raise HTTPException(
                status.HTTP_400_BAD_REQUEST,
                f"{name} has no time zone: give one, e.g. 2026-11-24T03:00:00Z or +08:00",
            )


@router.get("/events", response_model=Page[EventOut])
def list_events(
    *,
    principal: Caller,
    context: Ctx,
    db: Db,
    request: Request,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    resident_id: ResidentFilter = None,
    type: Annotated[str | None, Query(max_length=40)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Page[EventOut]:
    """Stored events, newest first (care roles: their residents' only; audited)."""
    _check_range(since, until)
    query = select(EventRow).where(EventRow.org_id == principal.org_id)
    if not principal.org_wide:
        query = query.where(EventRow.resident_id.in_(visible_residents(principal)))
    if cursor is not None:
        query = query.where(EventRow.seq < decode_int_cursor(cursor))
    if resident_id is not None:
        query = query.where(EventRow.resident_id == resident_id)
    if type is not None:
        query = query.where(EventRow.type == type)
    if since is not None:
        query = query.where(EventRow.gateway_time >= since)
    if until is not None:
        query = query.where(EventRow.gateway_time < until)
    rows = list(db.scalars(query.order_by(EventRow.seq.desc()).limit(limit + 1)))
    page = page_of(rows, limit, key=lambda e: e.seq, item=_event_out)
    audit_resident_reads(
        db,
        context,
        Actor.of(principal, client_addr(request)),
        AuditAction.EVENTS_READ,
        resource_type="event",
        resident_ids=(e.resident_id for e in page.items),
    )
    return page


def _incident_scope(principal: Principal) -> Any:
    condition = _incidents.c.org_id == principal.org_id
    if not principal.org_wide:
        condition = condition & _incidents.c.resident_id.in_(visible_residents(principal))
    return condition


@router.get("/incidents", response_model=Page[IncidentOut])
def list_incidents(
    *,
    principal: Caller,
    context: Ctx,
    db: Db,
    request: Request,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    resident_id: ResidentFilter = None,
    status_: Annotated[str | None, Query(alias="status", max_length=32)] = None,
) -> Page[IncidentOut]:
    """Incidents of the alert router, newest first by id (read-only here; audited)."""
    query = select(_incidents).where(_incident_scope(principal))
    if cursor is not None:
        query = query.where(_incidents.c.id < decode_cursor(cursor))
    if resident_id is not None:
        query = query.where(_incidents.c.resident_id == resident_id)
    if status_ is not None:
        query = query.where(_incidents.c.status == status_)
    if not inspect(db.connection()).has_table(INCIDENTS_TABLE):
        raise _no_incidents_table()
    rows = list(db.execute(query.order_by(_incidents.c.id.desc()).limit(limit + 1)))
    page = page_of(rows, limit, key=lambda r: str(r.id), item=lambda r: IncidentOut(**r._asdict()))
    audit_resident_reads(
        db,
        context,
        Actor.of(principal, client_addr(request)),
        AuditAction.INCIDENTS_READ,
        resource_type="incident",
        resident_ids=(i.resident_id for i in page.items),
    )
    return page


def _no_incidents_table() -> HTTPException:
    return HTTPException(
        status.HTTP_503_SERVICE_UNAVAILABLE,
        "the alert router's incidents are not in this database: run silverguard alerting "
        "migrate against the same database, or point the ingest at the alert router's database",
    )


@router.get("/quarantine", response_model=Page[QuarantineOut])
def list_quarantine(
    *,
    principal: Caller,
    db: Db,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    since: datetime | None = None,
) -> Page[QuarantineOut]:
    """Messages of your organisation's gateways the ingest could not accept, newest first
    (operators and admins).
    """
    require_role(principal, Role.OPERATOR, Role.ADMIN)
    _check_range(since, None)
    prefix = f"{PREFIX}/{principal.org_id}/"
    query = select(QuarantineRow).where(func.substr(QuarantineRow.topic, 1, len(prefix)) == prefix)
    if since is not None:
        query = query.where(QuarantineRow.received_at >= since)
    return newest_first(
        db,
        query,
        QuarantineRow.id,
        cursor=cursor,
        limit=limit,
        item=lambda q: QuarantineOut(
            id=q.id,
            received_at=q.received_at,
            topic=q.topic,
            error=q.error,
            message_id=q.message_id,
            payload_base64=base64.b64encode(q.payload).decode(),
            payload_text=q.payload[:4096].decode("utf-8", errors="replace"),
        ),
    )


@router.get("/audit", response_model=Page[AuditOut])
def list_audit(
    *,
    principal: Caller,
    db: Db,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
    resident_id: ResidentFilter = None,
    actor_id: Annotated[str | None, Query(max_length=64)] = None,
) -> Page[AuditOut]:
    """Your organisation's audit log, newest first (admins)."""
    require_role(principal, Role.ADMIN)
    query = select(AuditEntry).where(AuditEntry.org_id == principal.org_id)
    if resident_id is not None:
        query = query.where(AuditEntry.resident_id == resident_id)
    if actor_id is not None:
        query = query.where(AuditEntry.actor_id == actor_id)
    return newest_first(
        db,
        query,
        AuditEntry.id,
        cursor=cursor,
        limit=limit,
        item=lambda a: AuditOut(
            id=a.id,
            at=a.at,
            actor_kind=a.actor_kind,
            actor_id=a.actor_id,
            action=a.action,
            resource_type=a.resource_type,
            resource_id=a.resource_id,
            resident_id=a.resident_id,
            reason=a.reason,
            client_addr=a.client_addr,
        ),
    )
