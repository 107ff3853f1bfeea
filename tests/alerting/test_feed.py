"""The feed: incidents from stored events, idempotent, lag window, operator events, bad rows."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from alerting.feed.poller import FeedPoller
from alerting.store.models import (
    FeedOutcome,
    Incident,
    IncidentEvent,
    IncidentLog,
    LogAction,
    Notification,
)
from contracts.clock import FakeClock
from contracts.events import EventStatus, EventType
from contracts.feed import EVENT_FEED_ENVELOPE, EVENT_FEED_MESSAGE_ID
from contracts.ids import new_message_id
from tests.alerting.support import (
    create_events_table,
    insert_event,
    make_envelope,
    make_settings,
)

T0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def _poller(engine: Engine, db_url: str, **kwargs: object) -> FeedPoller:
    settings = make_settings(db_url, second_person=True)
    if kwargs:
        settings = settings.model_copy(update=kwargs)
    return FeedPoller(engine, settings, FakeClock(T0))


def _count(engine: Engine, model: type[object]) -> int:
    with Session(engine) as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def test_waits_for_the_events_table(
    engine: Engine, db_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    poller = _poller(engine, db_url)
    with caplog.at_level(logging.INFO, logger="alerting.feed.poller"):
        assert poller.poll_once() == []
        assert poller.poll_once() == []
    waiting = [r for r in caplog.records if "waiting for the ingest's events table" in r.message]
    assert len(waiting) == 1
    create_events_table(engine)
    insert_event(engine, make_envelope(now=T0))
    assert [d.outcome for d in poller.poll_once()] == [FeedOutcome.OPENED]


def test_fire_opens_one_incident_and_pages_every_contact_once(engine: Engine, db_url: str) -> None:
    create_events_table(engine)
    poller = _poller(engine, db_url)
    first = make_envelope(now=T0)
    insert_event(engine, first)
    insert_event(engine, make_envelope(now=T0 + timedelta(seconds=30)))
    outcomes = [d.outcome for d in poller.poll_once()]
    assert outcomes == [FeedOutcome.OPENED, FeedOutcome.REPEAT]
    assert poller.poll_once() == []
    with Session(engine) as session:
        incident = session.scalars(select(Incident)).one()
        assert incident.fingerprint == "org-demo/res-0001/fire"
        assert incident.event_count == 2
        assert incident.last_event_at == T0 + timedelta(seconds=30)
        assert incident.opened_at == T0
        channels = sorted(
            (n.person_id, n.channel) for n in session.scalars(select(Notification)).all()
        )
        actions = [e.action for e in session.scalars(select(IncidentLog)).all()]
    # cw-0001 has a webhook and an email; cw-0002 a webhook: three pages, none for the repeat
    assert channels == [("cw-0001", "email"), ("cw-0001", "webhook"), ("cw-0002", "webhook")]
    assert actions == [LogAction.OPENED, LogAction.ESCALATED, LogAction.EVENT_ATTACHED]


def test_other_resident_or_type_opens_its_own_incident(engine: Engine, db_url: str) -> None:
    create_events_table(engine)
    insert_event(engine, make_envelope(now=T0))
    insert_event(engine, make_envelope(EventType.FALL, summary="fall detected", now=T0))
    insert_event(engine, make_envelope(resident_id="res-0002", now=T0))
    outcomes = [d.outcome for d in _poller(engine, db_url).poll_once()]
    assert outcomes == [FeedOutcome.OPENED] * 3
    assert _count(engine, Incident) == 3


def test_operator_events_are_recorded_but_page_nobody(engine: Engine, db_url: str) -> None:
    create_events_table(engine)
    insert_event(engine, make_envelope(EventType.SMOKE_TEST, summary="test button", now=T0))
    insert_event(engine, make_envelope(EventType.LOW_BATTERY, summary="battery 8 %", now=T0))
    outcomes = [d.outcome for d in _poller(engine, db_url).poll_once()]
    assert outcomes == [FeedOutcome.OPERATOR_ONLY] * 2
    assert _count(engine, Incident) == 0
    assert _count(engine, Notification) == 0
    assert _count(engine, IncidentEvent) == 2


def test_cleared_event_is_logged_on_the_open_incident(engine: Engine, db_url: str) -> None:
    create_events_table(engine)
    insert_event(engine, make_envelope(EventType.FIRE, status=EventStatus.CLEARED, now=T0))
    insert_event(engine, make_envelope(now=T0))
    insert_event(engine, make_envelope(EventType.FIRE, status=EventStatus.CLEARED, now=T0))
    outcomes = [d.outcome for d in _poller(engine, db_url).poll_once()]
    assert outcomes == [FeedOutcome.CLEARED_NO_INCIDENT, FeedOutcome.OPENED, FeedOutcome.CLEARED]
    with Session(engine) as session:
        incident = session.scalars(select(Incident)).one()
        assert incident.status.value == "open"  # resolution policy comes later
        actions = [e.action for e in session.scalars(select(IncidentLog)).all()]
    assert actions == [LogAction.OPENED, LogAction.ESCALATED, LogAction.CLEARED_EVENT]


def test_malformed_row_is_kept_counted_and_skipped(engine: Engine, db_url: str) -> None:
    table = create_events_table(engine)
    bad_id = new_message_id(T0)
    with engine.begin() as connection:
        connection.execute(
            table.insert().values(
                {EVENT_FEED_MESSAGE_ID: bad_id, EVENT_FEED_ENVELOPE: '{"schema_version": 1}'}
            )
        )
    insert_event(engine, make_envelope(now=T0))
    poller = _poller(engine, db_url)
    outcomes = [d.outcome for d in poller.poll_once()]
    assert outcomes == [FeedOutcome.MALFORMED, FeedOutcome.OPENED]
    assert poller.poll_once() == []
    with Session(engine) as session:
        row = session.scalars(select(IncidentEvent).filter_by(message_id=bad_id)).one()
    assert row.detail is not None
    assert "message_id: Field required" in row.detail


def test_late_commit_below_the_cursor_is_still_processed(engine: Engine, db_url: str) -> None:
    create_events_table(engine)
    poller = _poller(engine, db_url, feed_lag_window=1000)
    insert_event(engine, make_envelope(now=T0), seq=10)
    insert_event(engine, make_envelope(resident_id="res-0002", now=T0), seq=12)
    assert len(poller.poll_once()) == 2
    # another ingest worker commits seq 11 only now
    insert_event(engine, make_envelope(resident_id="res-0003", now=T0), seq=11)
    late = poller.poll_once()
    assert [d.outcome for d in late] == [FeedOutcome.OPENED]
    assert _count(engine, Incident) == 3


def test_two_routers_never_page_twice(engine: Engine, db_url: str) -> None:
    create_events_table(engine)
    for _ in range(5):
        insert_event(engine, make_envelope(now=T0))
    a, b = _poller(engine, db_url), _poller(engine, db_url)
    done = a.poll_once() + b.poll_once() + a.poll_once()
    assert len(done) == 5
    assert _count(engine, Incident) == 1
    assert _count(engine, Notification) == 3
