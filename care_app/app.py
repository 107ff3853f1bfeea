"""The web app: ``create_app(settings, clock)``.

Pages: ``/login``; ``/`` my live queue (``/queue/stream`` relays the router's server-sent
events as HTML fragments); ``/incidents/{id}`` with evidence chart and actions; resident pages
and the operator console (see :mod:`care_app.desk`). The access token lives only in a signed,
HttpOnly, SameSite=Strict cookie; every POST carries the session's CSRF token.
"""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated, Any

from fastapi import FastAPI, Form, Request
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.responses import StreamingResponse

from care_app.clients import ApiError, Apis, segment
from care_app.config import LOCALES, CareAppSettings
from care_app.desk import add_desk_routes
from care_app.evidence import evidence_view
from care_app.labels import outcome_codes
from care_app.render import Renderer
from care_app.session import COOKIE, LANG_COOKIE, Session, SessionCodec, new_csrf
from contracts.clock import Clock
from contracts.config import secret_from_env
from contracts.http_metrics import HttpMetrics, HttpMetricsMiddleware, stream_tracker

log = logging.getLogger(__name__)
STATIC = Path(__file__).parent / "static"
STEPS = {"accept": "accept", "en-route": "en-route", "contact": "contact"}


class Pages:
    """Everything a request handler needs (no globals: closed over by the routes)."""

    def __init__(self, settings: CareAppSettings, clock: Clock, apis: Apis) -> None:
        self.settings = settings
        self.clock = clock
        self.apis = apis
        self.sessions = SessionCodec(
            secret_from_env(settings.session_secret_env), clock, ttl_s=settings.session_ttl_s
        )
        self.renderer = Renderer()

    def locale(self, request: Request) -> str:
        """The chosen locale (cookie), else the default (zh_CN)."""
        chosen = request.cookies.get(LANG_COOKIE)
        return chosen if chosen in LOCALES else self.settings.default_locale

    def session(self, request: Request) -> Session | None:
        """The logged-in session, if any."""
        return self.sessions.read(request.cookies.get(COOKIE))

    def page(self, request: Request, name: str, code: int = 200, **context: Any) -> HTMLResponse:
        """Render ``name`` for this request."""
        context.setdefault("session", self.session(request))
        context.setdefault("path", request.url.path)
        html = self.renderer.render(name, self.locale(request), context)
        return HTMLResponse(html, status_code=code, headers={"Cache-Control": "no-store"})

    def fragment(self, request: Request, name: str, **context: Any) -> str:
        """Render a partial template for this request."""
        return self.renderer.render(name, self.locale(request), context)

    def failed(self, request: Request, exc: ApiError) -> Response:
        """An API error as a page (a 401 means the session is over: log in again)."""
        if exc.status == 401:
            response = RedirectResponse("/login?expired=1", status_code=303)
            response.delete_cookie(COOKIE)
            return response
        return self.page(request, "error.html", exc.status, status=exc.status, detail=exc.detail)

    def set_session(self, response: Response, session: Session) -> None:
        """Put ``session`` in its cookie."""
        response.set_cookie(
            COOKIE,
            self.sessions.issue(session),
            max_age=self.settings.session_ttl_s,
            httponly=True,
            samesite="strict",
            secure=self.settings.secure_cookies,
            path="/",
        )


Handler = Callable[[Request, Session], Awaitable[Response]]


def create_app(  # noqa: PLR0915
    settings: CareAppSettings, clock: Clock, *, http_metrics: HttpMetrics | None = None
) -> FastAPI:
    """Build the app (raises ``ConfigError`` if the session secret is unset).

    With ``http_metrics``, every request is counted and timed, and open live-queue streams
    are gauged, into it.
    """
    apis = Apis(settings.cloud_api_url, settings.alerting_api_url, timeout_s=settings.api_timeout_s)
    pages = Pages(settings, clock, apis)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        await apis.aclose()

    app = FastAPI(title="Silverguard care app", docs_url=None, redoc_url=None, lifespan=lifespan)
    app.state.pages = pages
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    if http_metrics is not None:
        app.add_middleware(HttpMetricsMiddleware, metrics=http_metrics)

    async def logged_in(request: Request, handler: Handler) -> Response:
        session = pages.session(request)
        if session is None:
            return RedirectResponse("/login", status_code=303)
        try:
            return await handler(request, session)
        except ApiError as exc:
            return pages.failed(request, exc)

    async def checked_post(request: Request, csrf: str | None, handler: Handler) -> Response:
        session = pages.session(request)
        if session is None:
            return RedirectResponse("/login?expired=1", status_code=303)
        if not session.csrf_ok(csrf):
            return pages.page(request, "error.html", 403, status=403, detail="csrf")
        try:
            return await handler(request, session)
        except ApiError as exc:
            return pages.failed(request, exc)

    @app.get("/healthz")
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/login", response_class=HTMLResponse)
    def login_form(request: Request, expired: int = 0) -> Response:
        return pages.page(request, "login.html", expired=bool(expired), error=None, session=None)

    @app.post("/login", response_class=HTMLResponse)
    async def login(
        request: Request,
        username: Annotated[str, Form(max_length=64)],
        password: Annotated[str, Form(max_length=256)],
    ) -> Response:
        try:
            token = await apis.login(username, password)
            me = await apis.cloud("GET", "/api/v1/me", token)
        except ApiError as exc:
            log.info("login refused (%s)", exc.status)
            error = "locked" if exc.status == 429 else "wrong" if exc.status < 500 else "down"
            status = exc.status if exc.status in (401, 429) else 503
            return pages.page(
                request, "login.html", status, expired=False, error=error, session=None
            )
        session = Session(token, me["id"], me["display_name"], me["role"], new_csrf())
        response = RedirectResponse("/", status_code=303)
        pages.set_session(response, session)
        return response

    @app.post("/logout")
    async def logout(request: Request, csrf: Annotated[str | None, Form()] = None) -> Response:
        async def handler(_request: Request, _session: Session) -> Response:
            response = RedirectResponse("/login", status_code=303)
            response.delete_cookie(COOKIE)
            return response

        return await checked_post(request, csrf, handler)

    @app.get("/lang/{locale}")
    def switch_language(locale: str, next: str = "/") -> Response:
        target = next if next.startswith("/") and not next.startswith("//") else "/"
        response = RedirectResponse(target, status_code=303)
        if locale in LOCALES:
            response.set_cookie(LANG_COOKIE, locale, max_age=365 * 86400, samesite="lax", path="/")
        return response

    @app.get("/", response_class=HTMLResponse)
    async def queue(request: Request) -> Response:
        async def handler(request: Request, session: Session) -> Response:
            mine = await apis.alerting("GET", "/api/v1/me/incidents", session.token)
            return pages.page(
                request,
                "queue.html",
                incidents=mine["incidents"],
                vapid_public_key=settings.vapid_public_key,
            )

        return await logged_in(request, handler)

    @app.get("/queue/stream")
    async def queue_stream(request: Request) -> Response:
        session = pages.session(request)
        if session is None:
            return Response("log in first", status_code=401)

        async def relay() -> AsyncIterator[str]:
            with stream_tracker(http_metrics, "/queue/stream"):
                async for part in relay_lines():
                    yield part

        async def relay_lines() -> AsyncIterator[str]:
            name = None
            try:
                async for line in apis.stream_lines(session.token):
                    if await request.is_disconnected():
                        return
                    if line.startswith("event: "):
                        name = line.removeprefix("event: ")
                    elif line.startswith("data: ") and name == "incidents":
                        rows = json.loads(line.removeprefix("data: "))
                        html = pages.fragment(request, "_queue_items.html", incidents=rows)
                        data = "\n".join(f"data: {part}" for part in html.splitlines())
                        yield f"event: queue\n{data}\n\n"
                    elif line.startswith("data: ") and name == "expired":
                        yield "event: gone\ndata: 401\n\n"  # the login ended: log in again
                        return
                    elif line.startswith(":"):
                        yield ": keepalive\n\n"
            except ApiError as exc:
                yield f"event: gone\ndata: {exc.status}\n\n"

        return StreamingResponse(
            relay(),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
        )

    async def incident_page(
        request: Request, session: Session, incident_id: str, status: int = 200, **extra: Any
    ) -> Response:
        view = await apis.alerting(
            "GET", f"/api/v1/incidents/{segment(incident_id)}", session.token
        )
        resident = None
        if view.get("resident_id"):
            try:  # audited by the cloud API
                resident = await apis.cloud(
                    "GET", f"/api/v1/residents/{segment(view['resident_id'])}", session.token
                )
            except ApiError as exc:
                if exc.status == 401:
                    raise
                log.info("resident of incident %s not shown: %s", incident_id, exc.status)
        return pages.page(
            request,
            "incident.html",
            status,
            incident=view,
            resident=resident,
            evidence=evidence_view(view.get("evidence")),
            outcomes=outcome_codes(),
            error=extra.pop("error", None),
            **extra,
        )

    @app.get("/incidents/{incident_id}", response_class=HTMLResponse)
    async def incident(request: Request, incident_id: str) -> Response:
        async def handler(request: Request, session: Session) -> Response:
            return await incident_page(request, session, incident_id)

        return await logged_in(request, handler)

    @app.post("/incidents/{incident_id}/close")
    async def close(
        request: Request,
        incident_id: str,
        *,
        csrf: Annotated[str | None, Form()] = None,
        outcome: Annotated[str, Form()] = "",
        note: Annotated[str, Form(max_length=2000)] = "",
        confirmed: Annotated[str, Form()] = "",
    ) -> Response:
        async def handler(request: Request, session: Session) -> Response:
            draft = {"draft_outcome": outcome, "draft_note": note}  # shown again, never lost
            if confirmed != "yes" and outcome not in outcome_codes():
                return await incident_page(
                    request, session, incident_id, 422, missing_outcome=True, **draft
                )
            if confirmed != "yes":
                view = await apis.alerting(
                    "GET", f"/api/v1/incidents/{segment(incident_id)}", session.token
                )
                return pages.page(
                    request, "close_confirm.html", incident=view, outcome=outcome, note=note
                )
            body = {"outcome": outcome or None, "note": note or None}
            try:
                await apis.alerting(
                    "POST",
                    f"/api/v1/incidents/{segment(incident_id)}/close",
                    session.token,
                    json=body,
                )
            except ApiError as exc:
                if exc.status in (401, 404):
                    raise
                return await incident_page(
                    request, session, incident_id, exc.status, error=exc.detail, **draft
                )
            return RedirectResponse(f"/incidents/{incident_id}", status_code=303)

        return await checked_post(request, csrf, handler)

    @app.post("/incidents/{incident_id}/{step}")
    async def act(
        request: Request,
        incident_id: str,
        step: str,
        csrf: Annotated[str | None, Form()] = None,
    ) -> Response:
        async def handler(request: Request, session: Session) -> Response:
            if step not in STEPS:
                return pages.page(request, "error.html", 404, status=404, detail=step)
            try:
                await apis.alerting(
                    "POST", f"/api/v1/incidents/{segment(incident_id)}/{STEPS[step]}", session.token
                )
            except ApiError as exc:
                if exc.status in (401, 404):
                    raise
                return await incident_page(
                    request, session, incident_id, exc.status, error=exc.detail
                )
            return RedirectResponse(f"/incidents/{incident_id}", status_code=303)

        return await checked_post(request, csrf, handler)

    @app.post("/push/subscriptions")
    async def push_subscribe(request: Request) -> Response:
        async def handler(request: Request, session: Session) -> Response:
            body = await request.json()
            saved = await apis.alerting(
                "POST", "/api/v1/push/subscriptions", session.token, json=body
            )
            return JSONResponse(saved, status_code=201)

        return await checked_post(request, request.headers.get("X-CSRF-Token"), handler)

    add_desk_routes(app, apis, pages.page, logged_in, settings)

    @app.get("/manifest.webmanifest")
    def manifest(request: Request) -> Response:
        text = pages.fragment(request, "manifest.json")
        return Response(text, media_type="application/manifest+json")

    @app.get("/sw.js")
    def service_worker() -> Response:
        return Response(
            (STATIC / "sw.js").read_text(encoding="utf-8"),
            media_type="text/javascript",
            headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"},
        )

    return app
