"""The operator console (``/console``) and the resident page (``/residents/{id}``).

Both read the cloud REST API with the logged-in person's token (resident reads are audited
there) and the router's API for incidents and response-time figures.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, Response

from care_app.charts import bar_chart
from care_app.clients import ApiError, Apis, segment
from care_app.config import CareAppSettings
from care_app.coverage import home_coverage
from care_app.portrait import life_portrait
from care_app.session import Session

log = logging.getLogger(__name__)
PORTRAIT_STEP_S = 600
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


async def _series(
    apis: Apis, token: str, resident_id: str, field: str, days: int
) -> list[tuple[datetime, float]]:
    end = datetime.now(UTC)
    params = {
        "field": field,
        "start": (end - timedelta(days=days)).isoformat(),
        "end": end.isoformat(),
        "step_s": str(PORTRAIT_STEP_S),
    }
    found = await apis.cloud(
        "GET", f"/api/v1/residents/{segment(resident_id)}/series", token, params=params
    )
    return [
        (datetime.fromisoformat(p["t"]), float(p["value"]))
        for series in found["series"]
        for p in series["points"]
    ]


async def portrait_charts(
    apis: Apis, token: str, resident_id: str, settings: CareAppSettings
) -> dict[str, Any] | None:
    """The life portrait's pictures (``None`` when the time series are not available)."""
    try:
        in_bed = await _series(apis, token, resident_id, "in_bed", settings.portrait_days)
        movement = await _series(apis, token, resident_id, "movement_index", settings.portrait_days)
    except ApiError as exc:
        if exc.status == 401:
            raise
        log.info("no life portrait for a resident: %s", exc.status)
        return None
    portrait = life_portrait(in_bed, movement, settings.timezone)
    if portrait is None:
        return None
    hours = [f"{h:02d}" for h in range(24)]
    nights = sorted(portrait.night_exits)
    return {
        "portrait": portrait,
        "bed": bar_chart(
            portrait.bed_share_by_hour,
            labels=hours,
            label="in bed by hour",
            highlights=portrait.sleep_hours,
        ),
        "exits": bar_chart(
            [portrait.night_exits[n] for n in nights],
            labels=[n[5:] for n in nights],
            label="night exits",
        ),
        "movement": bar_chart(portrait.movement_by_hour, labels=hours, label="movement by hour"),
    }


def add_desk_routes(
    app: FastAPI, apis: Apis, page: PageFn, logged_in: LoggedIn, settings: CareAppSettings
) -> None:
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
            person = await apis.cloud("GET", f"/api/v1/residents/{segment(resident_id)}", token)
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
                portrait=await portrait_charts(apis, token, resident_id, settings),
            )

        return await logged_in(request, handler)
