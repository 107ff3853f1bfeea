"""``silverguard edge record``: write what the live readers receive as a trace.

The recorder subscribes to the home broker like the agent (under its own client id, with a
clean session, so it can run next to the agent), reads the serial mattress if one is
configured (the agent must be stopped then: the port is opened exclusively), and writes one
trace line per reading of a configured device, flushed as it goes, so a killed recorder leaves
a valid trace. Availability changes are not readings and are not recorded.

Example:
    >>> import io
    >>> from datetime import UTC, datetime
    >>> from contracts.readings import SmokeReading
    >>> from edge_agent.readers.base import DeviceUpdate
    >>> out = io.StringIO()
    >>> w = TraceWriter(out)
    >>> w.write(DeviceUpdate("smoke-0001", SmokeReading(smoke=True)),
    ...         datetime(2026, 11, 24, 3, 0, tzinfo=UTC))
    >>> out.getvalue()[:70]
    '{"t":"2026-11-24T03:00:00Z","device_id":"smoke-0001","reading":{"kind"'
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import TextIO

from contracts.clock import Clock, SystemClock
from edge_agent.config import EdgeSettings
from edge_agent.detectors.settings import DetectionSettings
from edge_agent.pipeline import EdgePipeline
from edge_agent.readers.base import DeviceUpdate
from edge_agent.readers.home_broker import HomeBrokerListener
from edge_agent.readers.serial_mattress import SerialMattressReader
from edge_agent.replay.trace import TraceLine

logger = logging.getLogger(__name__)


class TraceWriter:
    """Writes device updates as trace lines, one flushed line each."""

    def __init__(self, handle: TextIO) -> None:
        self._handle = handle
        self.lines = 0

    def write(self, update: DeviceUpdate, now: datetime) -> None:
        """Write one reading received at ``now``."""
        line = TraceLine(
            t=now,
            device_id=update.device_id,
            reading=update.reading,
            device_time=update.device_time,
        )
        self._handle.write(line.to_json() + "\n")
        self._handle.flush()
        self.lines += 1


async def record_trace(
    settings: EdgeSettings,
    writer: TraceWriter,
    *,
    duration_s: float | None = None,
    clock: Clock | None = None,
    ready: asyncio.Event | None = None,
) -> int:
    """Record until ``duration_s`` has passed (or until cancelled); returns lines written."""
    clock = clock or SystemClock()
    # the readers only: detectors are not needed to record
    pipeline = EdgePipeline(
        settings.model_copy(update={"detection": DetectionSettings()}),
        [],
        raw_processor_factory=None,
    )
    listener = HomeBrokerListener(
        settings.home_broker,
        identifier=f"{settings.gateway_id}-record",
        subscriptions=pipeline.subscriptions(),
        persistent_session=False,
    )

    async def on_message(topic: str, payload: bytes) -> None:
        now = clock.now()
        update = pipeline.parse(topic, payload, now)
        if isinstance(update, DeviceUpdate):
            writer.write(update, now)

    async def announce() -> None:
        await listener.connected.wait()
        if ready is not None:
            ready.set()

    async def read_mattress(reader: SerialMattressReader) -> None:
        async for update in reader.readings():
            writer.write(DeviceUpdate(update.device_id, update.reading), update.received_at)

    tasks = {asyncio.create_task(listener.run(on_message)), asyncio.create_task(announce())}
    if settings.mattress is not None:
        mattress = SerialMattressReader(settings.mattress, clock=clock)
        tasks.add(asyncio.create_task(read_mattress(mattress)))
    try:
        done, _ = await asyncio.wait(tasks, timeout=duration_s, return_when=asyncio.FIRST_EXCEPTION)
        for task in done:
            task.result()  # a reader that failed: say why
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return writer.lines
