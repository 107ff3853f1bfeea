"""``GET /api/v1/rosters/now``: who is on duty at this moment, for team roles only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from sqlalchemy import Engine

from alerting.api import create_app
from alerting.store.db import create_db_engine, migrate
from contracts.auth import AccessClaims, Role, issue_access_token
from contracts.clock import FakeClock
from tests.alerting.escalation_support import JWT_SECRET, escalation_settings


def _login(clock: FakeClock, person: str, role: Role) -> dict[str, str]:
    claims = AccessClaims(
        sub=f"u-{person}",
        org_id="org-demo",
        role=role,
        person_id=person,
        exp=clock.now() + timedelta(minutes=15),
    )
    return {"Authorization": f"Bearer {issue_access_token(claims, JWT_SECRET)}"}


async def test_the_roster_on_duty_follows_the_clock(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'alerting.db'}"
    migrate(url)
    engine: Engine = create_db_engine(url)
    clock = FakeClock(datetime(2026, 11, 24, 3, 0, tzinfo=UTC))  # 11:00 in Shanghai
    settings = escalation_settings(url, night_roster=True)
    transport = httpx.ASGITransport(app=create_app(settings, engine, clock))
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://router.test") as api:
            desk = _login(clock, "op-0001", Role.OPERATOR)
            day = (await api.get("/api/v1/rosters/now", headers=desk)).json()
            [roster] = day["rosters"]
            assert (roster["name"], roster["teams"]) == ("north-duty", ["t-north"])
            assert [p["id"] for p in roster["on_duty"]] == ["cw-0001", "cw-0002"]
            clock.advance(timedelta(hours=10))  # 21:00 in Shanghai: the night shift
            desk = _login(clock, "op-0001", Role.OPERATOR)  # the first login has expired
            night = (await api.get("/api/v1/rosters/now", headers=desk)).json()
            assert [p["id"] for p in night["rosters"][0]["on_duty"]] == ["cw-0003"]
            worker = await api.get(
                "/api/v1/rosters/now", headers=_login(clock, "cw-0001", Role.CARE_WORKER)
            )
            assert worker.status_code == 403
            assert (await api.get("/api/v1/rosters/now")).status_code == 401
    finally:
        engine.dispose()
