"""Commissioning reports: what the installer's setup proved on the day, kept in the cloud.

``silverguard setup`` uploads one report per run as the gateway (HTTP Basic): who installed,
when, which devices with serials, and every check with its result and figures. Operators read
them back per gateway. A report passes when every check passed.
"""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy import select

from cloud_ingest.api.deps import Caller, Ctx, Db
from cloud_ingest.api.pagination import (
    DEFAULT_LIMIT,
    Cursor,
    Limit,
    Page,
    newest_first,
)
from cloud_ingest.api.routes.gateways import GatewayCaller
from cloud_ingest.api.schemas import (
    CommissioningReceiptOut,
    CommissioningReportIn,
    CommissioningReportOut,
)
from cloud_ingest.api.scope import in_home_scope
from cloud_ingest.store.domain import CommissioningReport, Gateway

router = APIRouter(prefix="/api/v1", tags=["gateways"])


@router.post(
    "/gateway/commissioning-reports",
    response_model=CommissioningReceiptOut,
    status_code=status.HTTP_201_CREATED,
)
def upload_report(
    *, body: CommissioningReportIn, gateway: GatewayCaller, context: Ctx, db: Db
) -> CommissioningReceiptOut:
    """Keep a commissioning report of this gateway's home (HTTP Basic, as the gateway)."""
    row = CommissioningReport(
        org_id=gateway.org_id,
        gateway_id=gateway.id,
        home_id=gateway.home_id,
        submitted_at=context.clock.now(),
        installer=body.installer,
        passed=all(c.passed for c in body.checks),
        report_json=body.model_dump_json(),
    )
    db.add(row)
    db.commit()
    return CommissioningReceiptOut(id=row.id, passed=row.passed, submitted_at=row.submitted_at)


@router.get(
    "/gateways/{gateway_id}/commissioning-reports",
    response_model=Page[CommissioningReportOut],
)
def list_reports(
    *,
    gateway_id: str,
    principal: Caller,
    db: Db,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> Page[CommissioningReportOut]:
    """The commissioning reports of a gateway, newest first."""
    gateway = db.get(Gateway, gateway_id)
    in_home_scope(db, principal, "gateway", gateway_id, gateway)
    query = select(CommissioningReport).where(CommissioningReport.gateway_id == gateway_id)
    return newest_first(
        db,
        query,
        CommissioningReport.id,
        cursor=cursor,
        limit=limit,
        item=lambda r: CommissioningReportOut(
            id=r.id,
            gateway_id=r.gateway_id,
            home_id=r.home_id,
            submitted_at=r.submitted_at,
            installer=r.installer,
            passed=r.passed,
            report=CommissioningReportIn.model_validate_json(r.report_json),
        ),
    )
