"""The router's HTTP API in process: a client over ASGI, a care app login, incidents opened
through the feed. Shared by the API, closed-loop, junk and schemathesis tests."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
from sqlalchemy import Engine

from alerting.api import create_app
from alerting.config import AlertingSettings
from alerting.feed.poller import FeedPoller
from contracts.auth import AccessClaims, Role, issue_access_token
from contracts.clock import Clock
from contracts.events import EventType
from tests.alerting.escalation_support import JWT_SECRET
from tests.alerting.support import create_events_table, insert_event, make_envelope


@contextlib.asynccontextmanager
async def api_client(
    settings: AlertingSettings, engine: Engine, clock: Clock
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the router's API app (no server: ASGI in this process)."""
    transport = httpx.ASGITransport(app=create_app(settings, engine, clock))
    async with httpx.AsyncClient(transport=transport, base_url=settings.public_base_url) as c:
        yield c


def login(
    clock: Clock,
    person: str | None,
    role: Role = Role.CARE_WORKER,
    teams: tuple[str, ...] = (),
    valid_for: timedelta = timedelta(minutes=15),
) -> dict[str, str]:
    """The headers of a care app login of org-demo (``person`` None: an operator without one)."""
    claims = AccessClaims(
        sub=f"u-{person or 'op'}",
        org_id="org-demo",
        role=role,
        person_id=person,
        team_ids=list(teams),
        exp=clock.now() + valid_for,
    )
    return {"Authorization": f"Bearer {issue_access_token(claims, JWT_SECRET)}"}


def open_incidents(
    engine: Engine, settings: AlertingSettings, clock: Clock, *types: EventType
) -> list[str]:
    """Store one event of each type and let the feed open their incidents; their ids."""
    create_events_table(engine)
    for event_type in types:
        insert_event(engine, make_envelope(event_type, now=clock.now()))
    done = FeedPoller(engine, settings, clock).poll_once()
    return [d.incident_id for d in done if d.incident_id]
