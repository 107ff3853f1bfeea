"""Helpers for tests that drive the dispatcher step by step with a fake clock."""

from __future__ import annotations

from datetime import UTC, datetime

import httpx
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from alerting.api.tokens import tokens_from_settings
from alerting.config import AlertingSettings
from alerting.dispatch.dispatcher import Dispatcher
from alerting.feed.poller import FeedPoller
from alerting.service import build_senders
from alerting.store.models import Notification
from contracts.clock import FakeClock
from tests.alerting.support import create_events_table, insert_event, make_envelope


def open_fire_incident(engine: Engine, settings: AlertingSettings, clock: FakeClock) -> str:
    """Store a fire event and let the feed open its incident; returns the incident id."""
    create_events_table(engine)
    insert_event(engine, make_envelope(now=clock.now()))
    done = FeedPoller(engine, settings, clock).poll_once()
    assert done
    assert done[0].incident_id is not None
    return done[0].incident_id


def dispatcher(
    engine: Engine, settings: AlertingSettings, client: httpx.AsyncClient, clock: FakeClock
) -> Dispatcher:
    """A dispatcher with the real channels of ``settings``."""
    return Dispatcher(
        engine,
        settings,
        build_senders(settings, client, clock),
        tokens_from_settings(settings, clock),
        clock,
    )


def notifications(engine: Engine) -> list[Notification]:
    """Every notification, oldest first."""
    with Session(engine) as session:
        return list(session.scalars(select(Notification).order_by(Notification.id)).all())


def now_clock() -> FakeClock:
    """A fake clock starting at the real time (webhook receivers check timestamps)."""
    return FakeClock(datetime.now(UTC))
