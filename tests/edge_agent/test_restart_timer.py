"""Issue item 5 end to end: a running "out of bed" timer survives an agent restart.

The mattress (vitals mode, on a pty) reports the resident out of bed at 01:00; the agent is
stopped 18 minutes later and started again; at 01:31 the restarted agent raises
``bed_exit_no_return`` counting from 01:00 — a fresh detector would not know the exit at all.
A fake clock (injected into the agent) moves the night along in seconds.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from contracts.clock import FakeClock
from contracts.devices.mattress_serial import MattressMode
from contracts.events import EventBody, EventType
from edge_agent.agent import EdgeStage, run_agent
from edge_agent.config import EdgeSettings
from firmware_sim.mattress import MattressFirmwareSim
from tests.edge_agent.conftest import edge_settings
from tests.edge_agent.serial_support import background, mattress_settings
from tests.edge_agent.test_agent_integration import cloud_side, poll
from tests.servers import MosquittoInstance

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 24, 0, 58, tzinfo=UTC)


@asynccontextmanager
async def agent(settings: EdgeSettings, clock: FakeClock) -> AsyncIterator[list[str]]:
    """The agent on ``clock``; yields the ids of the events it detected."""
    detected: list[str] = []
    ready = asyncio.Event()

    def on_stage(stage: EdgeStage, message_id: str) -> None:
        if stage is EdgeStage.EVENT_DETECTED:
            detected.append(message_id)

    task = asyncio.create_task(run_agent(settings, clock=clock, on_stage=on_stage, ready=ready))
    try:
        await poll(lambda: ready.is_set() or task.done())
        if task.done():
            task.result()
        yield detected
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def run_clock(clock: FakeClock, until: datetime, step: timedelta) -> None:
    """Move the fake clock to ``until`` in ``step``s, letting frames arrive in between."""
    while clock.now() < until:
        clock.advance(step)
        await asyncio.sleep(0.02)


async def test_an_out_of_bed_timer_survives_a_restart(
    tmp_path: Path, home_broker: MosquittoInstance, cloud_broker: MosquittoInstance
) -> None:
    link = tmp_path / "ttyMATTRESS"
    settings = edge_settings(
        tmp_path,
        home_broker,
        cloud_broker,
        checkpoint_s=1,
        mattress=mattress_settings(link, MattressMode.VITALS),
        detection={"routine": {"portrait": {"timezone": "UTC"}}},
    )
    clock = FakeClock(T0)
    with MattressFirmwareSim(MattressMode.VITALS, link=link, speed=20) as sim:
        async with background(sim.run()), cloud_side(cloud_broker) as cloud:
            async with agent(settings, clock) as detected:
                await run_clock(clock, T0 + timedelta(minutes=2), timedelta(seconds=1))
                sim.synth.in_bed = False  # 01:00: the resident gets up
                await run_clock(clock, T0 + timedelta(minutes=3), timedelta(seconds=1))
                await run_clock(clock, T0 + timedelta(minutes=20), timedelta(seconds=10))
                assert detected == []  # 17 min out: under the 30 min limit
            # the agent is down for a minute; the resident is still up
            clock.advance(timedelta(minutes=1))
            async with agent(settings, clock) as detected:
                await run_clock(clock, T0 + timedelta(minutes=34), timedelta(seconds=10))
                await cloud.wait_for(
                    lambda: any(
                        isinstance(e.body, EventBody)
                        and e.body.type is EventType.BED_EXIT_NO_RETURN
                        for e in cloud.events
                    )
                )
    event = next(
        e.body
        for e in cloud.events
        if isinstance(e.body, EventBody) and e.body.type is EventType.BED_EXIT_NO_RETURN
    )
    assert "since 01:00" in event.evidence.summary
    assert event.evidence.summary.startswith("out of bed 3")  # 30-something minutes
