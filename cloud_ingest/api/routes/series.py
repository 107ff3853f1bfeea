"""A resident's vital-sign time series, read from the time-series server (audited)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, Request, status
from pydantic import AwareDatetime

from cloud_ingest.api.audit import Actor, AuditAction, audit_resident_reads
from cloud_ingest.api.deps import Caller, Ctx, Db, client_addr
from cloud_ingest.api.errors import bad_request
from cloud_ingest.api.routes.residents import visible_resident
from cloud_ingest.api.schemas import SeriesOut, SeriesPointOut, SeriesValuesOut
from cloud_ingest.api.series import MAX_POINTS, TsdbQueryError, selector
from contracts.series import VITALS, VitalsField, flat_name

router = APIRouter(prefix="/api/v1/residents", tags=["residents"])

DEFAULT_WINDOW = timedelta(hours=1)


@router.get("/{resident_id}/series", response_model=SeriesOut)
def resident_series(
    *,
    resident_id: str,
    principal: Caller,
    context: Ctx,
    db: Db,
    request: Request,
    field: VitalsField = VitalsField.HEART_RATE_BPM,
    start: AwareDatetime | None = None,
    end: AwareDatetime | None = None,
    step_s: Annotated[int, Query(ge=1, le=86_400)] = 60,
) -> SeriesOut:
    """One vital sign of a resident over time (default: the last hour, one point a minute)."""
    resident = visible_resident(db, principal, resident_id)
    end_at: datetime = end or context.clock.now()
    start_at: datetime = start or end_at - DEFAULT_WINDOW
    if start_at >= end_at:
        raise bad_request("start must be before end: swap them or widen the window")
    if (end_at - start_at).total_seconds() / step_s > MAX_POINTS:
        raise bad_request(
            f"that asks for more than {MAX_POINTS} points: use a larger step_s or a shorter window"
        )
    if context.series is None:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "time series are not configured on this server: set tsdb.url in the ingest config",
        )
    query = selector(flat_name(VITALS, field), org_id=resident.org_id, resident_id=resident.id)
    try:
        found = context.series.query_range(query, start_at, end_at, step_s)
    except TsdbQueryError as exc:
        raise HTTPException(status.HTTP_502_BAD_GATEWAY, str(exc)) from exc
    audit_resident_reads(
        db,
        context,
        Actor.of(principal, client_addr(request)),
        AuditAction.SERIES_READ,
        resource_type="series",
        resident_ids=[resident.id],
    )
    return SeriesOut(
        resident_id=resident.id,
        field=field,
        start=start_at,
        end=end_at,
        step_s=step_s,
        series=[
            SeriesValuesOut(
                labels=s.labels, points=[SeriesPointOut(t=t, value=v) for t, v in s.points]
            )
            for s in found
        ],
    )
