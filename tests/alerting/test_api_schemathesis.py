"""Schemathesis drives the alert router's HTTP API from its own OpenAPI document.

In process through ASGI, over a PostgreSQL database where the feed opened real incidents (a
fire, a fall, a bed exit, a low battery; cw-0001 paged for them), as a care worker, a team
lead, an operator, an accept link and nobody at all. Path parameters are now and then pinned
to a real incident (or a fresh link to one), so cases get past the 404 and walk the closed
loop (accept → en route → contact → close) in whatever order the generator picks; the
database keeps the state between cases. Checks: no 5xx, only declared status codes and
content types, bodies match their schemas, every refusal says what went wrong. Positive and
negative (schema-violating) cases; ``-m slow`` runs a bigger count.

The clock ticks 20 s on every reading, so a login (valid 60 s) ends within a poll or two and the
server-sent-events stream closes with its ``expired`` event instead of running forever.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import schemathesis
from hypothesis import strategies as st
from schemathesis import GenerationMode
from sqlalchemy import Engine

from alerting.api import create_app
from alerting.api.tokens import tokens_from_settings
from alerting.config import AlertingSettings
from alerting.feed.poller import FeedPoller
from alerting.incidents.views import incident_view
from alerting.store.db import create_db_engine, migrate
from contracts.auth import Role
from contracts.clock import FakeClock
from contracts.events import EventType
from tests.alerting.api_support import login
from tests.alerting.escalation_support import JWT_SECRET, JWT_SECRET_ENV, escalation_settings
from tests.alerting.support import (
    TOKEN_SECRET,
    TOKEN_SECRET_ENV,
    create_events_table,
    insert_event,
    make_envelope,
)
from tests.api_fuzz import STRICT, run_every_operation
from tests.servers import throwaway_postgres_database

DEFAULT_EXAMPLES = 6
SLOW_EXAMPLES = 100
LOGIN_VALID = timedelta(seconds=60)
OPENED = (EventType.FIRE, EventType.FALL, EventType.BED_EXIT_NO_RETURN, EventType.LOW_BATTERY)


class TickingClock(FakeClock):
    """A fake clock that moves ``tick`` forward every time it is read."""

    def __init__(self, start: datetime, tick: timedelta) -> None:
        super().__init__(start)
        self._tick = tick

    def now(self) -> datetime:
        """The time, then a tick later for the next reader."""
        current = super().now()
        self.advance(self._tick)
        return current


@dataclass
class Router:
    """The app's schema and what the cases are built from."""

    schema: Any
    settings: AlertingSettings
    clock: TickingClock
    engine: Engine
    incidents: list[str]

    def link(self, incident_id: str, person_id: str = "cw-0001") -> str:
        """A fresh accept-link token."""
        return tokens_from_settings(self.settings, self.clock).issue(incident_id, person_id)

    def pinned(self, operation: Any) -> st.SearchStrategy[dict[str, str]] | None:
        """Real incidents (or links to them) for the operations that take one."""
        names = {p.name for p in operation.path_parameters}
        real = st.sampled_from(self.incidents)
        if names == {"incident_id"}:
            return real.map(lambda i: {"incident_id": i})
        if names == {"token"}:
            return real.map(lambda i: {"token": self.link(i)})
        return None


@pytest.fixture(scope="module")
def router() -> Iterator[Router]:
    """The API over a database where the feed opened an incident of each of ``OPENED``."""
    with throwaway_postgres_database() as url, pytest.MonkeyPatch.context() as env:
        env.setenv(TOKEN_SECRET_ENV, TOKEN_SECRET)
        env.setenv(JWT_SECRET_ENV, JWT_SECRET)
        settings = escalation_settings(url)
        clock = TickingClock(datetime.now(UTC), timedelta(seconds=20))
        migrate(url)
        engine = create_db_engine(url)
        try:
            create_events_table(engine)
            for event_type in OPENED:
                insert_event(engine, make_envelope(event_type, now=clock.now()))
            opened = [d.incident_id for d in FeedPoller(engine, settings, clock).poll_once()]
            incidents = [i for i in opened if i is not None]
            assert len(incidents) == len(OPENED)
            schema = schemathesis.openapi.from_asgi(
                "/openapi.json", create_app(settings, engine, clock)
            )
            yield Router(schema, settings, clock, engine, incidents)
        finally:
            engine.dispose()


LOGINS = {
    "care_worker": ("cw-0001", Role.CARE_WORKER, ()),
    "team_lead": ("tl-0001", Role.TEAM_LEAD, ("t-north",)),
    "operator": ("op-0001", Role.OPERATOR, ()),
}
CALLERS = [*LOGINS, "accept_link", "nobody"]


def _headers(router: Router, caller: str) -> dict[str, str]:
    if caller == "nobody":
        return {}
    if caller == "accept_link":
        return {"Authorization": f"Bearer {router.link(router.incidents[0])}"}
    person, role, teams = LOGINS[caller]
    return login(router.clock, person, role, teams, valid_for=LOGIN_VALID)


def _fuzz(router: Router, caller: str, max_examples: int) -> list[str]:
    return run_every_operation(
        router.schema,
        max_examples,
        lambda: _headers(router, caller),
        checks=STRICT,
        path_parameters=router.pinned,
        modes=(GenerationMode.POSITIVE, GenerationMode.NEGATIVE),
    )


@pytest.mark.parametrize("caller", CALLERS)
def test_no_server_errors_and_clear_refusals(router: Router, caller: str) -> None:
    ran = _fuzz(router, caller, DEFAULT_EXAMPLES)
    assert "POST /api/v1/incidents/{incident_id}/close" in ran
    assert "GET /api/v1/me/stream" in ran
    assert "POST /a/{token}" in ran
    assert len(ran) >= 15
    if caller == "care_worker":  # pinned cases got past the 404s and walked the closed loop
        views = [incident_view(router.engine, i) for i in router.incidents]
        statuses = {view["status"] for view in views if view}
        assert statuses - {"open"}, statuses


@pytest.mark.slow
@pytest.mark.timeout(1200)
@pytest.mark.parametrize("caller", CALLERS)
def test_no_server_errors_many_examples(router: Router, caller: str) -> None:
    assert _fuzz(router, caller, SLOW_EXAMPLES)
