"""The FastAPI application: routers, error answers and the shared context.

OpenAPI is published at ``/openapi.json`` (and browsable at ``/docs``).
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request, status
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, SQLAlchemyError

from cloud_ingest.api import broker_account
from cloud_ingest.api.context import ApiContext
from cloud_ingest.api.routes import (
    absences,
    commissioning,
    devices,
    events,
    gateways,
    homes,
    liveness,
    login,
    partners,
    programme,
    residents,
    series,
    visits,
)
from cloud_ingest.errors import StoreError
from contracts.http_metrics import HttpMetrics, HttpMetricsMiddleware

log = logging.getLogger(__name__)

API_TITLE = "Silverguard cloud API"


def create_app(context: ApiContext, *, http_metrics: HttpMetrics | None = None) -> FastAPI:
    """The API over ``context`` (the caller owns the context and closes it).

    With ``http_metrics``, every request is counted and timed into it.
    """
    app = FastAPI(
        title=API_TITLE,
        version="1",
        description=(
            "Residents, homes, gateways, devices, events, incidents and quarantine of one care "
            "organisation. Log in with POST /api/v1/auth/token (OAuth2 password flow) and send "
            "the token as `Authorization: Bearer …`. Every read of a resident's data is audited."
        ),
    )
    app.state.context = context
    if http_metrics is not None:
        app.add_middleware(HttpMetricsMiddleware, metrics=http_metrics)
    for module in (
        login,
        residents,
        absences,
        visits,
        programme,
        series,
        homes,
        gateways,
        commissioning,
        devices,
        events,
        partners,
        liveness,
    ):
        app.include_router(module.router)
    app.include_router(broker_account.router)
    app.add_api_route("/healthz", _healthz, methods=["GET"], tags=["health"])
    app.add_exception_handler(DataError, _unstorable_value)
    app.add_exception_handler(SQLAlchemyError, _database_unavailable)
    app.add_exception_handler(StoreError, _database_unavailable)
    return app


async def _healthz() -> dict[str, str]:
    """Liveness: the process answers."""
    return {"status": "ok"}


async def _unstorable_value(_request: Request, exc: Exception) -> JSONResponse:
    log.info("refused a value the database cannot hold: %s", type(exc).__name__)
    return JSONResponse(
        {
            "detail": "the request holds a value the database cannot take (e.g. a NUL "
            "character or an out-of-range number): remove it and send the request again"
        },
        status_code=status.HTTP_400_BAD_REQUEST,
    )


async def _database_unavailable(_request: Request, exc: Exception) -> JSONResponse:
    log.error("database error: %s: %s", type(exc).__name__, str(exc).splitlines()[0])
    return JSONResponse(
        {
            "detail": "the database is unavailable: try again in a minute; if it persists, "
            "the operator should check the database server and run silverguard ingest migrate"
        },
        status_code=status.HTTP_503_SERVICE_UNAVAILABLE,
    )
