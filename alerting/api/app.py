"""The FastAPI app: ``create_app(settings, engine, clock)``.

Routes: ``GET /healthz``; ``GET /a/{token}`` (confirm page; GET never changes state, since
mail scanners prefetch links) and ``POST /a/{token}`` (accept); ``POST
/api/v1/incidents/{id}/accept`` and ``GET /api/v1/incidents/{id}`` with
``Authorization: Bearer <token>``.
"""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import FastAPI, Header, HTTPException, Request
from fastapi.responses import HTMLResponse, JSONResponse
from sqlalchemy import Engine, text
from sqlalchemy.exc import SQLAlchemyError

from alerting.api.pages import confirm_page, message_page
from alerting.api.tokens import AcceptTokens, InvalidTokenError, tokens_from_settings
from alerting.channels.voice.callback import voice_router
from alerting.config import AlertingSettings
from alerting.errors import StoreError
from alerting.incidents.accept import AcceptOutcome, AcceptResult, accept_incident, incident_view
from alerting.incidents.labels import notice_title
from contracts.clock import Clock

log = logging.getLogger(__name__)

_LATEST_LINK = "use the latest link from your most recent notification"


def create_app(settings: AlertingSettings, engine: Engine, clock: Clock) -> FastAPI:
    """Build the API around one engine and clock (no globals: everything is closed over)."""
    tokens = tokens_from_settings(settings, clock)
    known_people = {p.id for p in settings.people}
    app = FastAPI(title="Silverguard alerting", docs_url=None, redoc_url=None)

    @app.exception_handler(StoreError)
    async def _store_error(_request: Request, exc: StoreError) -> JSONResponse:
        log.warning("API request failed on the database: %s", exc)
        return JSONResponse(
            {"detail": "the alerting database is unavailable: try again in a moment"},
            status_code=503,
        )

    def holder(token: str) -> tuple[str, str]:
        return _token_holder(tokens, known_people, token)

    def bearer(authorization: str | None, incident_id: str) -> str:
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise HTTPException(401, f"send Authorization: Bearer <token>; {_LATEST_LINK}")
        token_incident, person_id = holder(token.strip())
        if token_incident != incident_id:
            raise HTTPException(403, "this token is for another incident: use that incident's link")
        return person_id

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        try:
            with engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except SQLAlchemyError as exc:
            raise StoreError(f"health check query failed: {exc}") from exc
        return {"status": "ok"}

    @app.get("/a/{token}", response_class=HTMLResponse)
    def confirm(token: str) -> HTMLResponse:
        found = _link_holder(tokens, known_people, token)
        if isinstance(found, HTMLResponse):
            return found
        incident_id, _person = found
        view = incident_view(engine, incident_id)
        if view is None:
            return HTMLResponse(message_page("未找到", "该事件不存在。"), 404)
        title = notice_title(view["type"], view["severity"], view["resident_id"])
        return HTMLResponse(confirm_page(title, view["summary"], f"/a/{token}"))

    @app.post("/a/{token}", response_class=HTMLResponse)
    def accept_by_link(token: str) -> HTMLResponse:
        found = _link_holder(tokens, known_people, token)
        if isinstance(found, HTMLResponse):
            return found
        incident_id, person_id = found
        result = accept_incident(engine, incident_id, person_id, clock.now())
        status, body = _accept_response(result)
        if status == 200:
            return HTMLResponse(message_page("已接单", "您已接单，请尽快前往处理。"), 200)
        return HTMLResponse(message_page("无法接单", str(body["detail"])), status)

    @app.post("/api/v1/incidents/{incident_id}/accept")
    def accept_api(
        incident_id: str, authorization: Annotated[str | None, Header()] = None
    ) -> JSONResponse:
        person_id = bearer(authorization, incident_id)
        result = accept_incident(engine, incident_id, person_id, clock.now())
        status, body = _accept_response(result)
        return JSONResponse(body, status_code=status)

    @app.get("/api/v1/incidents/{incident_id}")
    def get_incident(
        incident_id: str, authorization: Annotated[str | None, Header()] = None
    ) -> dict[str, Any]:
        bearer(authorization, incident_id)
        view = incident_view(engine, incident_id)
        if view is None:
            raise HTTPException(404, f"incident {incident_id} does not exist")
        return view

    if settings.channels.voice is not None:

        def accept_by_voice(token: str) -> bool | None:
            try:
                incident_id, person_id = _token_holder(tokens, known_people, token)
            except HTTPException:
                return None
            result = accept_incident(engine, incident_id, person_id, clock.now())
            return result.outcome in (AcceptOutcome.ACCEPTED, AcceptOutcome.ALREADY_YOURS)

        app.include_router(
            voice_router(settings.channels.voice, settings.public_base_url, accept_by_voice)
        )

    return app


def _token_holder(tokens: AcceptTokens, known_people: set[str], token: str) -> tuple[str, str]:
    """The (incident, person) a token was issued for; 401 if it is bad or the person left."""
    try:
        incident_id, person_id = tokens.verify(token)
    except InvalidTokenError as exc:
        raise HTTPException(401, str(exc)) from exc
    if person_id not in known_people:
        raise HTTPException(401, f"person {person_id} is no longer on the roster: {_LATEST_LINK}")
    return incident_id, person_id


def _link_holder(
    tokens: AcceptTokens, known_people: set[str], token: str
) -> tuple[str, str] | HTMLResponse:
    """The token's (incident, person), or the zh-CN page saying the link is invalid."""
    try:
        return _token_holder(tokens, known_people, token)
    except HTTPException as exc:
        return HTMLResponse(message_page("链接无效", f"{exc.detail}（请使用最新的通知链接）"), 401)


def _accept_response(result: AcceptResult) -> tuple[int, dict[str, Any]]:
    body: dict[str, Any] = {
        "outcome": result.outcome.value,
        "accepted_by": result.accepted_by,
        "accepted_at": result.accepted_at.isoformat() if result.accepted_at else None,
    }
    match result.outcome:
        case AcceptOutcome.ACCEPTED | AcceptOutcome.ALREADY_YOURS:
            return 200, body
        case AcceptOutcome.TAKEN:
            body["detail"] = (
                f"already accepted by {result.accepted_by} at {body['accepted_at']}: "
                "coordinate with them"
            )
            return 409, body
        case AcceptOutcome.RESOLVED:
            body["detail"] = "the incident is already resolved: nothing to accept"
            return 409, body
        case AcceptOutcome.NOT_FOUND:
            body["detail"] = "the incident does not exist"
            return 404, body
