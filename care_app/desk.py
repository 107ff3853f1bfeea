"""The operator console (``/console``) and the resident page (``/residents/{id}``).

Both read the cloud REST API with the logged-in person's token (resident reads are audited
there) and the router's API for incidents and response-time figures.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response

from care_app.clients import ApiError, Apis
from care_app.coverage import home_coverage
from care_app.session import Session

Handler = Callable[[Request, Session], Awaitable[Response]]
LoggedIn = Callable[[Request, Handler], Awaitable[Response]]
PageFn = Callable[..., HTMLResponse]


async def _or_none(call: Awaitable[Any]) -> Any:
    """The result, or ``None`` when the caller's role may not see it (403)."""
    try:
        return await call
    except ApiError as exc:
        if exc.status == 403:
            return None
        raise


def _health(devices: list[dict[str, Any]], liveness: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rows = {(r["gateway_id"], r["device_id"]): r for r in liveness}
    out = []
    for d in devices:
        seen = rows.get((d.get("gateway_id"), d["id"]))
        state = "never" if seen is None else "offline" if seen["offline_since"] else "ok"
        out.append({**d, "state": state, "last_seen_at": seen["last_seen_at"] if seen else None})
    return out


def add_desk_routes(app: FastAPI, apis: Apis, page: PageFn, logged_in: LoggedIn) -> None:
    """Mount the console and the resident page on ``app``."""

    @app.get("/console", response_class=HTMLResponse)
    async def console(request: Request) -> Response:
        async def handler(request: Request, session: Session) -> Response:
            if not session.is_desk:
                return page(request, "error.html", 403, status=403, detail=session.role)
            token = session.token
            (
                homes,
                gateways,
                devices,
                liveness,
                mine,
                stats,
                quarantine,
                rosters,
            ) = await asyncio.gather(
                apis.cloud_items("/api/v1/homes", token),
                apis.cloud_items("/api/v1/gateways", token),
                apis.cloud_items("/api/v1/devices", token, limit=2000),
                apis.cloud("GET", "/api/v1/liveness", token),
                apis.alerting("GET", "/api/v1/me/incidents", token),
                _or_none(apis.alerting("GET", "/api/v1/stats/outcomes", token)),
                _or_none(apis.cloud_items("/api/v1/quarantine", token, limit=20)),
                _or_none(apis.alerting("GET", "/api/v1/rosters/now", token)),
            )
            states = {g["id"]: g.get("state") for g in gateways}
            rows = []
            for home in homes:
                coverage = home_coverage(home["id"], devices, liveness["items"], states)
                rows.append(
                    {
                        "home": home,
                        "gateways": [g for g in gateways if g.get("home_id") == home["id"]],
                        "coverage": coverage,
                    }
                )
            return page(
                request,
                "console.html",
                homes=rows,
                incidents=mine["incidents"],
                stats=(stats or {}).get("groups", []),
                quarantine=quarantine,
                rosters=(rosters or {}).get("rosters", []),
            )

        return await logged_in(request, handler)

    @app.get("/residents/{resident_id}", response_class=HTMLResponse)
    async def resident(request: Request, resident_id: str) -> Response:
        async def handler(request: Request, session: Session) -> Response:
            token = session.token
            person = await apis.cloud("GET", f"/api/v1/residents/{resident_id}", token)
            homes = await apis.cloud_items("/api/v1/homes", token, resident_id=resident_id)
            devices: list[dict[str, Any]] = []
            for home in homes:
                devices += await apis.cloud_items("/api/v1/devices", token, home_id=home["id"])
            liveness = await apis.cloud("GET", "/api/v1/liveness", token)
            return page(
                request,
                "resident.html",
                resident=person,
                homes=homes,
                devices=_health(devices, liveness["items"]),
            )

        return await logged_in(request, handler)
