"""Who is on duty now: each roster's people at this moment (team leads, operators, admins),
for the operator console."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Header, HTTPException

from alerting.api.callers import TEAM_ROLES, CallerResolver
from alerting.api.replies import RostersNow, answers
from alerting.config import AlertingSettings
from alerting.rosters import on_duty
from contracts.clock import Clock

Auth = Annotated[str | None, Header(alias="Authorization")]


def duty_router(settings: AlertingSettings, clock: Clock, resolver: CallerResolver) -> APIRouter:
    """``GET /api/v1/rosters/now``."""
    router = APIRouter(prefix="/api/v1")
    names = {p.id: p.name for p in settings.people}

    @router.get("/rosters/now", responses={200: {"model": RostersNow}, **answers(401, 403)})
    def rosters_now(authorization: Auth = None) -> dict[str, Any]:
        caller = resolver.login_only(authorization)
        if caller.role not in TEAM_ROLES:
            raise HTTPException(403, "only team leads, operators and admins can see the rosters")
        now = clock.now()
        return {
            "at": now.isoformat(),
            "rosters": [
                {
                    "name": roster.name,
                    "teams": [t.id for t in settings.directory.teams if t.roster == roster.name],
                    "on_duty": [
                        {"id": p, "name": names.get(p, p)}
                        for p in on_duty(roster, now, settings.timezone)
                    ],
                }
                for roster in settings.rosters
            ],
        }

    return router
