"""Liveness of gateways and devices: when the cloud last heard from each, and since when it
is offline (the liveness sweep's table), for the operator console's monitoring coverage."""

from __future__ import annotations

from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel
from sqlalchemy import select

from cloud_ingest.api.deps import Caller, Db
from cloud_ingest.api.scope import visible_homes
from cloud_ingest.store.models import LivenessRow

router = APIRouter(prefix="/api/v1", tags=["liveness"])
MAX_ROWS = 10_000


class LivenessOut(BaseModel):
    """One gateway (``device_id`` null) or device and when it was last heard from."""

    gateway_id: str
    device_id: str | None
    kind: str
    home_id: str | None
    last_seen_at: datetime
    offline_since: datetime | None


class LivenessListOut(BaseModel):
    """Every watched gateway and device of the caller's homes (at most 10 000)."""

    items: list[LivenessOut]


@router.get("/liveness", response_model=LivenessListOut)
def list_liveness(*, principal: Caller, db: Db) -> LivenessListOut:
    """Gateways and devices of the homes you may see: last heard from, offline since."""
    rows = db.scalars(
        select(LivenessRow)
        .where(LivenessRow.org_id == principal.org_id)
        .where(LivenessRow.home_id.in_(visible_homes(principal)))
        .order_by(LivenessRow.gateway_id, LivenessRow.device_id)
        .limit(MAX_ROWS)
    )
    return LivenessListOut(
        items=[
            LivenessOut(
                gateway_id=r.gateway_id,
                device_id=r.device_id or None,
                kind=r.device_kind,
                home_id=r.home_id,
                last_seen_at=r.last_seen_at,
                offline_since=r.offline_since,
            )
            for r in rows
        ]
    )
