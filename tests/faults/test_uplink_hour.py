"""The uplink down for an hour of simulated time, through the whole chain.

The agent runs in this process with an injected clock that runs an hour behind the wall clock;
while the uplink relay is cut, the test moves that clock forward a minute at a time (a wristband
report every minute, a fire raised and cleared every ten) until it has caught up with the wall
clock, then restores the link. The outbox's retention is half an hour for telemetry, so the
first half hour of readings is shed by age; no alarm is. Afterwards every alarm is stored once
and in lane order, alarms before the kept telemetry, one incident, every page once in
escalation order; the delays (device time → stored, about an hour for the first alarm) are
printed as a JSON line.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiomqtt
import pytest

from edge_agent.agent import EdgeStage, run_agent
from edge_agent.config import EdgeSettings
from tests.edge_agent.outbox_support import counter, outbox_rows
from tests.faults.chain import TELEMETRY, EdgeHome, cloud_chain, until, wait_heard
from tests.faults.checks import (
    assert_alarms_once_in_lane_order,
    assert_incidents_once,
    assert_pages_once_in_lane_order,
    assert_telemetry_once_after_alarms,
    report_delays,
    stored_readings,
    wait_for_care_pages,
)
from tests.faults.uplink import uplink_relay
from tests.servers import MosquittoInstance, mosquitto

pytestmark = [pytest.mark.faults, pytest.mark.integration, pytest.mark.timeout(240)]
OUTAGE = timedelta(hours=1)
STEP = timedelta(minutes=1)
FIRE_EVERY = 10
"""A fire raised and cleared every this many simulated minutes."""
RETENTION = timedelta(minutes=30)


@dataclass
class Queued:
    """How many messages the agent has queued (its ``on_stage`` callback counts them)."""

    count: int = 0

    def on_stage(self, stage: EdgeStage, _message_id: str) -> None:
        if stage is EdgeStage.QUEUED:
            self.count += 1


@dataclass
class LaggingClock:
    """The wall clock minus ``behind``; the test shrinks ``behind`` to make time pass."""

    behind: timedelta

    def now(self) -> datetime:
        return datetime.now(UTC) - self.behind


@contextlib.asynccontextmanager
async def agent_in_process(
    settings: EdgeSettings, clock: LaggingClock, queued: Queued
) -> AsyncIterator[None]:
    ready = asyncio.Event()
    task = asyncio.create_task(
        run_agent(settings, clock=clock, ready=ready, on_stage=queued.on_stage)
    )
    try:
        await until("the agent ready", lambda: ready.is_set() or task.done())
        if task.done():
            task.result()  # it died at start: show why
        yield
        assert not task.done(), "the agent stopped"
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def one_queued(client: aiomqtt.Client, queued: Queued, payload: bytes, topic: str) -> None:
    """Publish one device message and wait until the agent has queued what it produced (so
    it is stamped with this simulated minute)."""
    before = queued.count
    await client.publish(topic, payload, qos=1)
    await until(f"the agent to queue {topic}", lambda: queued.count > before)


async def an_hour_offline(
    broker: MosquittoInstance, home: EdgeHome, clock: LaggingClock, queued: Queued
) -> None:
    """Minute by minute of simulated time: a wristband report, every ten minutes a fire."""
    async with aiomqtt.Client(broker.host, broker.port) as client:
        await wait_heard(client, home)
        for minute in range(int(OUTAGE / STEP)):
            clock.behind -= STEP
            report = home.band.status_payload(hr=60 + minute % 20)
            await one_queued(client, queued, report, home.band.status_topic)
            if minute % FIRE_EVERY == 0:
                for smoke in (True, False):
                    payload = home.smoke.apply({"smoke": smoke})
                    await one_queued(client, queued, payload, home.smoke.state_topic)
        clock.behind = timedelta(0)
    # on its next tick the agent prunes the telemetry past its retention (half the hour)
    await until("the agent to shed telemetry past its retention", lambda: not aged(home.outbox))


def aged(outbox: Path) -> int:
    """Telemetry waiting in the outbox that is older than the retention by the wall clock."""
    cutoff = time.time() - RETENTION.total_seconds()
    conn = sqlite3.connect(f"file:{outbox}?mode=ro", uri=True)
    try:
        query = "SELECT count(*) FROM outbox WHERE lane = ? AND created_at < ?"
        return int(conn.execute(query, (TELEMETRY, cutoff)).fetchone()[0])
    finally:
        conn.close()


async def test_uplink_down_for_an_hour_of_simulated_time(tmp_path: Path, postgres_url: str) -> None:
    home = EdgeHome(1, tmp_path / "home-1")
    clock = LaggingClock(behind=OUTAGE)
    async with (
        cloud_chain(tmp_path, postgres_url, [home.resident_id]) as cloud,
        uplink_relay(cloud.broker.port) as uplink,
    ):
        with mosquitto(tmp_path / "home-broker") as home_broker:
            retention_h = RETENTION / timedelta(hours=1)
            settings = home.settings(
                home_broker, uplink.port, outbox_limits={"telemetry_max_age_h": retention_h}
            )
            queued = Queued()
            async with agent_in_process(settings, clock, queued):
                await until("the gateway online", lambda: home.gateway_id in cloud.online())
                await uplink.cut()
                await an_hour_offline(home_broker, home, clock, queued)
                alarms = {home.gateway_id: home.alarms()}
                telemetry = {home.gateway_id: home.telemetry()}
                shed = counter(home.outbox, "shed.age")
                await uplink.restore()
                restored = time.monotonic()
                await until("the backlog to drain", lambda: not outbox_rows(home.outbox))
                drained_ms = round((time.monotonic() - restored) * 1000)
                await wait_for_care_pages(
                    cloud.receiver, 1, timeout_s=60, database_url=postgres_url
                )
                cloud.assert_alive()
    assert len(alarms[home.gateway_id]) >= 2 * int(OUTAGE / STEP) // FIRE_EVERY
    assert shed >= 20, "telemetry older than the retention should have been shed"
    events = assert_alarms_once_in_lane_order(postgres_url, alarms)
    assert_telemetry_once_after_alarms(postgres_url, events, telemetry)
    readings = stored_readings(postgres_url)
    assert len([m for m, (gw, _) in readings.items() if gw == home.gateway_id]) >= len(
        telemetry[home.gateway_id]
    )
    assert_incidents_once(postgres_url, [home.resident_id])
    assert_pages_once_in_lane_order(postgres_url, cloud.receiver, 1)
    report_delays(
        "uplink down for an hour (simulated)",
        postgres_url,
        cloud.receiver,
        events,
        telemetry_shed_by_age=shed,
        telemetry_kept=len(telemetry[home.gateway_id]),
        link_back_to_outbox_empty_ms=drained_ms,
    )
