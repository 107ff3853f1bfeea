"""The FastAPI app: ``create_app(settings, engine, clock)``.

Routes: ``GET /healthz``; ``GET /a/{token}`` (confirm page; GET never changes state, since
mail scanners prefetch links) and ``POST /a/{token}`` (accept); the phone app's JSON API under
``/api/v1`` (see :mod:`alerting.api.care`), with ``Authorization: Bearer <token>`` carrying a
login token or an accept-link token.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from alerting.api.callers import CallerResolver
from alerting.api.care import accept_response, care_router
from alerting.api.duty import duty_router
from alerting.api.pages import confirm_page, message_page
from alerting.api.replies import Health, answers
from alerting.api.tokens import tokens_from_settings
from alerting.channels.voice.callback import voice_router
from alerting.config import AlertingSettings
from alerting.errors import StoreError
from alerting.incidents.accept import AcceptOutcome, accept_incident
from alerting.incidents.labels import notice_title
from alerting.incidents.views import incident_view
from contracts.clock import Clock
from contracts.config import secret_from_env
from contracts.http_metrics import HttpMetrics, HttpMetricsMiddleware

log = logging.getLogger(__name__)


def create_app(
    settings: AlertingSettings,
    engine: Engine,
    clock: Clock,
    *,
    http_metrics: HttpMetrics | None = None,
) -> FastAPI:
    """Build the API around one engine and clock (no globals: everything is closed over).

    With ``http_metrics``, every request is counted and timed into it.
    """
    resolver = CallerResolver(
        tokens=tokens_from_settings(settings, clock),
        known_people=frozenset(p.id for p in settings.people),
        jwt_secret=secret_from_env(settings.auth.jwt_secret_env) if settings.auth else None,
        clock=clock,
    )
    app = FastAPI(title="Silverguard alerting", docs_url=None, redoc_url=None)
    if http_metrics is not None:
        app.add_middleware(HttpMetricsMiddleware, metrics=http_metrics)

    @app.exception_handler(StoreError)
    async def _store_error(_request: Request, exc: StoreError) -> JSONResponse:
        log.warning("API request failed on the database: %s", exc)
        return JSONResponse(
            {"detail": "the alerting database is unavailable: try again in a moment"},
            status_code=503,
        )

    @app.get("/healthz", responses={200: {"model": Health}, **answers()})
    def healthz() -> dict[str, str]:
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            raise StoreError(f"health check query failed: {exc}") from exc
        return {"status": "ok"}

    def link_holder(token: str) -> tuple[str, str] | HTMLResponse:
        try:
            return resolver.link(token)
        except HTTPException as exc:
            return HTMLResponse(
                message_page("链接无效", f"{exc.detail}（请使用最新的通知链接）"), 401
            )

    @app.get("/a/{token}", response_class=HTMLResponse, responses=answers(401, 404, html=True))
    def confirm(token: str) -> HTMLResponse:
        found = link_holder(token)
        if isinstance(found, HTMLResponse):
            return found
        incident_id, _person = found
        view = incident_view(engine, incident_id)
        if view is None:
            return HTMLResponse(message_page("未找到", "该事件不存在。"), 404)
        title = notice_title(view["type"], view["severity"], view["resident_id"] or "-")
        return HTMLResponse(confirm_page(title, view["summary"], f"/a/{token}"))

    @app.post(
        "/a/{token}", response_class=HTMLResponse, responses=answers(401, 404, 409, html=True)
    )
    def accept_by_link(token: str) -> HTMLResponse:
        found = link_holder(token)
        if isinstance(found, HTMLResponse):
            return found
        incident_id, person_id = found
        result = accept_incident(
            engine,
            incident_id,
            person_id,
            clock.now(),
            ack_timeout_s=lambda name: settings.policy(name).ack_timeout_s,
        )
        status, body = accept_response(result)
        if status == 200:
            return HTMLResponse(message_page("已接单", "您已接单，请尽快前往处理。"), 200)
        return HTMLResponse(message_page("无法接单", str(body["detail"])), status)

    if settings.channels.voice is not None:

        def accept_by_voice(token: str) -> bool | None:
            try:
                incident_id, person_id = resolver.link(token)
            except HTTPException:
                return None
            result = accept_incident(
                engine,
                incident_id,
                person_id,
                clock.now(),
                ack_timeout_s=lambda name: settings.policy(name).ack_timeout_s,
                via="voice call",
            )
            return result.outcome in (AcceptOutcome.ACCEPTED, AcceptOutcome.ALREADY_YOURS)

        app.include_router(
            voice_router(settings.channels.voice, settings.public_base_url, accept_by_voice)
        )

    app.include_router(care_router(settings, engine, clock, resolver))
    app.include_router(duty_router(settings, clock, resolver))
    return app
