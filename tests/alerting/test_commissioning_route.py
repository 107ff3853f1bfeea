"""The setup's test alarm (``commissioning_test``) pages the installers and nobody else."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import Engine

from alerting.config import AlertingSettings
from alerting.escalation.context import RouterContext
from alerting.escalation.engine import escalate_due
from alerting.feed.poller import FeedPoller
from alerting.store.models import FeedOutcome
from contracts.clock import FakeClock
from contracts.events import EventType
from tests.alerting.dispatch_support import notifications
from tests.alerting.escalation_support import PEOPLE, escalation_settings
from tests.alerting.support import create_events_table, insert_event, make_envelope

T0 = datetime(2026, 11, 24, 15, 0, tzinfo=UTC)  # 23:00 in Shanghai: night, no one on shift


def _settings(db_url: str, **overrides: Any) -> AlertingSettings:
    """The escalation settings plus an installer, and a care route that matches everything."""
    base = escalation_settings(db_url).model_dump(by_alias=True)
    hook = base["people"][0]["contacts"][0]["url"].rsplit("/", 1)[0]
    people = [*base["people"], {"id": "inst-0001", "name": "installer", "contacts": [
        {"channel": "webhook", "url": f"{hook}/inst-0001"}]}]  # fmt: skip
    receivers = [*base["receivers"], {"name": "installers", "people": ["inst-0001"]}]
    route = {**base["route"], "routes": [
        {"name": "everything-to-care", "matchers": ["type=~.+"], "receiver": "north"}]}  # fmt: skip
    config = {**base, "people": people, "receivers": receivers, "route": route, **overrides}
    return AlertingSettings.model_validate(config)


def _feed(engine: Engine, settings: AlertingSettings, clock: FakeClock) -> FeedOutcome:
    create_events_table(engine)
    insert_event(engine, make_envelope(EventType.COMMISSIONING_TEST, now=clock.now()))
    [done] = FeedPoller(engine, settings, clock).poll_once()
    return done.outcome


def test_the_test_alarm_pages_only_the_installers(engine: Engine, db_url: str) -> None:
    settings = _settings(db_url, installer_receiver="installers")
    clock = FakeClock(T0)
    assert _feed(engine, settings, clock) is FeedOutcome.OPERATOR_OPENED
    assert [(n.person_id, n.step) for n in notifications(engine)] == [("inst-0001", 0)]
    clock.advance(timedelta(hours=2))
    assert escalate_due(engine, RouterContext.build(settings), clock.now()) == 0
    paged = {n.person_id for n in notifications(engine)}
    assert paged == {"inst-0001"}
    assert paged.isdisjoint(PEOPLE)  # no care worker, lead, family member or duty desk


def test_without_an_installer_receiver_it_pages_nobody(engine: Engine, db_url: str) -> None:
    settings = _settings(db_url)  # the duty desk gets device health, never the test alarm
    assert settings.operator_receiver == "duty-desk"
    assert _feed(engine, settings, FakeClock(T0)) is FeedOutcome.OPERATOR_ONLY
    assert notifications(engine) == []


def test_an_unknown_installer_receiver_is_a_config_error(db_url: str) -> None:
    with pytest.raises(ValueError, match="installer_receiver 'fitters' is not one of"):
        _settings(db_url, installer_receiver="fitters")
