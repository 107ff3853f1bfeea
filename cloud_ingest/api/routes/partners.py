"""External events from partner systems (e.g. a bank's fraud warning), routed like device events.

A partner sends ``X-Api-Key: <partner id>.<secret>``; only the secret's Argon2id hash is
stored. The event is stored in the events table exactly as a gateway's would be (an envelope
whose ``gateway_id`` names the partner), so the alert router picks it up through the feed.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status
from fastapi.security import APIKeyHeader
from sqlalchemy import select

from cloud_ingest.api.audit import Actor, ActorKind, AuditAction, audit
from cloud_ingest.api.deps import Ctx, Db, client_addr
from cloud_ingest.api.errors import not_found, unauthorized
from cloud_ingest.api.schemas import PartnerEventIn, PartnerEventOut
from cloud_ingest.store.domain import Home, Partner, Resident
from contracts.envelope import Envelope, encode_envelope
from contracts.events import EventBody, EventType, Evidence
from contracts.ids import new_message_id

router = APIRouter(prefix="/api/v1/partner", tags=["partners"])

_api_key = APIKeyHeader(
    name="X-Api-Key", auto_error=False, description="<partner id>.<secret>, as issued"
)


def _partner(context: Ctx, db: Db, key: Annotated[str | None, Depends(_api_key)]) -> Partner:
    refused = unauthorized(
        "partner API key refused: send X-Api-Key: <partner id>.<secret> as issued to you",
        scheme="ApiKey",
    )
    if not key or "." not in key:
        raise refused
    partner_id, secret = key.split(".", 1)
    partner = db.get(Partner, partner_id)
    if partner is None or not partner.active:
        context.hasher.burn(secret)
        raise refused
    if not context.hasher.verify(partner.key_hash, secret):
        raise refused
    return partner


@router.post("/events", response_model=PartnerEventOut, status_code=status.HTTP_201_CREATED)
def post_partner_event(
    *,
    body: PartnerEventIn,
    partner: Annotated[Partner, Depends(_partner)],
    context: Ctx,
    db: Db,
    request: Request,
) -> PartnerEventOut:
    """Report an event about a resident of your organisation; it pages like a device event."""
    resident = db.get(Resident, body.resident_id)
    if resident is None or resident.org_id != partner.org_id:
        raise not_found("resident", body.resident_id)
    home_id = db.scalar(
        select(Home.id).where(Home.resident_id == resident.id).order_by(Home.id).limit(1)
    )
    now = context.clock.now()
    envelope = Envelope(
        message_id=body.message_id or new_message_id(now),
        org_id=partner.org_id,
        gateway_id=partner.id,
        home_id=home_id,
        resident_id=resident.id,
        device_time=body.occurred_at,
        gateway_time=now,
        body=EventBody.of(
            EventType(body.type),
            Evidence(summary=body.summary, values={**body.values, "partner_id": partner.id}),
            detector=f"partner.{partner.id}"[:100],
        ),
    )
    stored = context.store.store(envelope, encode_envelope(envelope))
    actor = Actor(partner.org_id, ActorKind.PARTNER, partner.id, client_addr(request))
    audit(
        db,
        context,
        actor,
        AuditAction.PARTNER_EVENT,
        resource_type="event",
        resource_id=envelope.message_id,
        resident_id=resident.id,
        reason=body.type,
    )
    db.commit()
    return PartnerEventOut(message_id=envelope.message_id, status=stored.value)
