"""The router's Prometheus metrics count what its real channels did against real receivers."""

from __future__ import annotations

import asyncio
import urllib.request
from datetime import timedelta

import httpx
import pytest
from prometheus_client import CollectorRegistry
from sqlalchemy import Engine

from alerting import metrics as names
from alerting.api.tokens import tokens_from_settings
from alerting.config import AlertingSettings, RouterMetricsEndpoint
from alerting.dispatch.dispatcher import ACTIVE_COUNT_EVERY_S, Dispatcher
from alerting.feed.poller import FeedPoller
from alerting.metrics import AlertingMetrics
from alerting.service import build_senders
from alerting.store.db import create_db_engine
from contracts.clock import FakeClock
from contracts.http_metrics import HTTP_REQUESTS
from tests.alerting.dispatch_support import now_clock
from tests.alerting.support import (
    create_events_table,
    insert_event,
    make_envelope,
    make_settings,
    running_router,
    running_smtp_server,
    running_webhook_receiver,
)
from tests.servers import free_port

pytestmark = pytest.mark.integration


def _value(registry: CollectorRegistry, name: str, **labels: str) -> float:
    """A sample's value, 0 if the series does not exist yet."""
    return registry.get_sample_value(name, labels) or 0.0


def _wired(
    engine: Engine, settings: AlertingSettings, client: httpx.AsyncClient, clock: FakeClock
) -> tuple[FeedPoller, Dispatcher, CollectorRegistry]:
    """The feed and the dispatcher with the real channels, sharing one metrics registry."""
    m = AlertingMetrics()
    poller = FeedPoller(engine, settings, clock, metrics=m)
    senders = build_senders(settings, client, clock)
    tokens = tokens_from_settings(settings, clock)
    return poller, Dispatcher(engine, settings, senders, tokens, clock, metrics=m), m.registry


async def test_webhook_outcomes_are_counted_per_channel_and_kind(
    engine: Engine, db_url: str
) -> None:
    clock = now_clock()
    async with running_webhook_receiver() as receiver, httpx.AsyncClient() as client:
        hooks = (receiver.url("flaky"), receiver.url("reject"))
        settings = make_settings(db_url, webhook_urls=hooks, email_address=None)
        poller, dispatcher, registry = _wired(engine, settings, client, clock)
        create_events_table(engine)
        insert_event(engine, make_envelope(now=clock.now()), received_at=clock.now())
        clock.advance(timedelta(seconds=3))  # the router reads the event 3 s after storage
        [opened] = poller.poll_once()
        assert opened.incident_id is not None
        assert await dispatcher.run_once() == 2  # flaky answers 500, reject answers 400
        assert _value(registry, f"{names.ACTIVE_INCIDENTS}", status="open") == 1
        clock.advance(timedelta(seconds=1))  # the retry's backoff
        assert await dispatcher.run_once() == 1  # flaky answers 200 now
    assert receiver.hits == {"flaky": 2, "reject": 1}

    def count(name: str, **labels: str) -> float:
        return _value(registry, f"{name}_total", **labels)

    assert count(names.PAGES_CLAIMED, channel="webhook") == 3
    assert count(names.NOTIFICATIONS_SENT, channel="webhook") == 1
    assert count(names.NOTIFICATION_FAILURES, channel="webhook", kind="retryable") == 1
    assert count(names.NOTIFICATION_FAILURES, channel="webhook", kind="permanent") == 1
    assert count(names.ESCALATION_STEPS, step="1") == 1
    for outcome in ("delivered", "retryable", "permanent"):
        sent = {"channel": "webhook", "outcome": outcome}
        assert _value(registry, f"{names.DELIVERY_LATENCY}_count", **sent) == 1
        assert 0 < _value(registry, f"{names.DELIVERY_LATENCY}_sum", **sent) < 5
    # the fake clock: stored at t, opened at t+3 s, first page delivered at t+4 s
    assert _value(registry, f"{names.FEED_LAG}_count") == 1
    assert _value(registry, f"{names.FEED_LAG}_sum") == pytest.approx(3.0, abs=0.01)
    assert _value(registry, f"{names.FIRST_DELIVERY_LATENCY}_count") == 1
    assert _value(registry, f"{names.FIRST_DELIVERY_LATENCY}_sum") == 1.0


async def test_smtp_answers_are_counted_as_retryable_or_delivered(
    engine: Engine, db_url: str
) -> None:
    clock = now_clock()
    with running_smtp_server() as (smtp, smtp_port):
        async with httpx.AsyncClient() as client:
            settings = make_settings(
                db_url, webhook_urls=(), email_address="busy@example.org", smtp_port=smtp_port
            )
            poller, dispatcher, registry = _wired(engine, settings, client, clock)
            create_events_table(engine)
            insert_event(engine, make_envelope(now=clock.now()))
            assert poller.poll_once()
            assert await dispatcher.run_once() == 1  # 451 mailbox busy: try later
    assert not smtp.messages
    failed = {"channel": "email", "kind": "retryable"}
    assert _value(registry, f"{names.NOTIFICATION_FAILURES}_total", **failed) == 1
    assert _value(registry, f"{names.NOTIFICATIONS_SENT}_total", channel="email") == 0
    assert _value(registry, f"{names.FIRST_DELIVERY_LATENCY}_count") == 0


async def test_the_running_router_serves_its_metrics(db_url: str) -> None:
    port = free_port()
    async with running_webhook_receiver() as receiver:
        settings = make_settings(
            db_url, webhook_urls=(receiver.url("ok"),), email_address=None, api_port=free_port()
        ).model_copy(update={"metrics": RouterMetricsEndpoint(host="127.0.0.1", port=port)})
        async with running_router(settings):
            engine = create_db_engine(settings.database_url)
            try:
                create_events_table(engine)
                insert_event(engine, make_envelope())
                text, wanted = (
                    "",
                    (
                        f'{names.NOTIFICATIONS_SENT}_total{{channel="webhook"}} 1.0',
                        f'{names.ACTIVE_INCIDENTS}{{status="open"}} 1.0',  # recounted every 5 s
                    ),
                )
                for _ in range(150):  # the page goes out within a few polls
                    text = await asyncio.to_thread(_scrape, port)
                    if all(w in text for w in wanted):
                        break
                    await asyncio.sleep(0.1)
            finally:
                engine.dispose()
    assert f'{names.NOTIFICATIONS_SENT}_total{{channel="webhook"}} 1.0' in text
    assert f'{names.ACTIVE_INCIDENTS}{{status="open"}} 1.0' in text
    assert f"{names.FEED_LAG}_count 1.0" in text
    # the router's API counts its requests (the readiness probe) into the same registry
    assert f'{HTTP_REQUESTS}_total{{method="GET",route="/healthz",status="200"}}' in text


def _scrape(port: int) -> str:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        return str(response.read().decode())


async def test_the_active_incidents_are_recounted_every_5_s_of_the_routers_clock(
    engine: Engine, db_url: str
) -> None:
    clock = now_clock()
    async with running_webhook_receiver() as receiver, httpx.AsyncClient() as client:
        settings = make_settings(db_url, webhook_urls=(receiver.url("ok"),), email_address=None)
        poller, dispatcher, registry = _wired(engine, settings, client, clock)
        create_events_table(engine)
        await dispatcher.run_once()  # counted: none open
        insert_event(engine, make_envelope(now=clock.now()), received_at=clock.now())
        [opened] = poller.poll_once()
        assert opened.incident_id is not None
        clock.advance(timedelta(seconds=ACTIVE_COUNT_EVERY_S - 1))
        await dispatcher.run_once()
        assert _value(registry, names.ACTIVE_INCIDENTS, status="open") == 0  # not yet
        clock.advance(timedelta(seconds=1))
        await dispatcher.run_once()
        assert _value(registry, names.ACTIVE_INCIDENTS, status="open") == 1
