"""The agent daemon: home broker → reader → detector → outbox, and the cloud forwarder.

Example:
    >>> [stage.value for stage in EdgeStage]
    ['event_detected', 'queued', 'forwarded', 'acked']
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from enum import StrEnum

from contracts.clock import Clock, SystemClock
from contracts.events import EventBody
from edge_agent.config import EdgeSettings
from edge_agent.detectors.fire import DETECTOR_NAME, FireDetector
from edge_agent.errors import DetectorStateError
from edge_agent.outbox.store import OutboxStore
from edge_agent.pipeline import Outgoing, SmokePipeline
from edge_agent.readers.home_broker import HomeBrokerListener
from edge_agent.uplink.forwarder import CloudForwarder

logger = logging.getLogger(__name__)

TICK_S = 1.0
"""How often the detectors are ticked (for "nothing happened for …" rules)."""


class EdgeStage(StrEnum):
    """Where a message is on its way to the cloud (reported with its message id)."""

    EVENT_DETECTED = "event_detected"
    QUEUED = "queued"
    FORWARDED = "forwarded"
    ACKED = "acked"


StageCallback = Callable[[EdgeStage, str], None]


async def run_agent(
    settings: EdgeSettings,
    *,
    clock: Clock | None = None,
    on_stage: StageCallback | None = None,
    ready: asyncio.Event | None = None,
) -> None:
    """Run the agent until cancelled.

    Args:
        settings: the validated settings.
        clock: the time source (the system clock by default).
        on_stage: called with each stage a message reaches, and its message id.
        ready: set once both broker connections are up and subscribed.

    Raises:
        OutboxError: the outbox cannot be opened or written.
        EdgeConfigError: a broker password variable is not set.
    """
    clock = clock or SystemClock()
    store = await asyncio.to_thread(
        OutboxStore, settings.outbox_path, ack_timeout_s=settings.ack_timeout_s
    )
    try:
        runtime = _AgentRuntime(settings, store, clock, on_stage)
        await runtime.restore()
        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(runtime.forwarder.run())
            tasks.create_task(runtime.home.run(runtime.on_home_message))
            tasks.create_task(runtime.tick_forever())
            tasks.create_task(runtime.announce_ready(ready))
    finally:
        await asyncio.to_thread(store.close)


class _AgentRuntime:
    """The running agent's parts and the glue between them."""

    def __init__(
        self,
        settings: EdgeSettings,
        store: OutboxStore,
        clock: Clock,
        on_stage: StageCallback | None,
    ) -> None:
        self._store = store
        self._clock = clock
        self._on_stage = on_stage
        self.pipeline = SmokePipeline(settings, FireDetector())
        self.forwarder = CloudForwarder(
            settings,
            store,
            clock,
            on_forwarded=lambda mid: self._stage(EdgeStage.FORWARDED, mid),
            on_acked=lambda mid: self._stage(EdgeStage.ACKED, mid),
        )
        self.home = HomeBrokerListener(
            settings.home_broker,
            identifier=f"{settings.gateway_id}-edge",
            subscriptions=self.pipeline.reader.subscriptions(),
        )
        self._saved_snapshot: dict[str, object] | None = None

    async def restore(self) -> None:
        """Resume the detector's state saved before the last stop."""
        snapshot = await asyncio.to_thread(self._store.load_detector_state, DETECTOR_NAME)
        if snapshot is None:
            return
        try:
            self.pipeline.detector.restore(snapshot)
        except DetectorStateError as exc:
            logger.warning("%s", exc)
            return
        self._saved_snapshot = snapshot
        logger.info("restored the fire detector's state from %s", self._store.path)

    async def announce_ready(self, ready: asyncio.Event | None) -> None:
        """Set ``ready`` once both brokers are connected and subscribed."""
        await self.forwarder.connected.wait()
        await self.home.connected.wait()
        logger.info("edge agent ready: home and cloud brokers connected")
        if ready is not None:
            ready.set()

    async def on_home_message(self, topic: str, payload: bytes) -> None:
        """Handle one message from the home broker."""
        now = self._clock.now()
        await self._queue(self.pipeline.on_message(topic, payload, now))

    async def tick_forever(self) -> None:
        """Tick the detector every :data:`TICK_S` seconds."""
        while True:
            await asyncio.sleep(TICK_S)
            await self._queue(self.pipeline.on_tick(self._clock.now()))

    async def _queue(self, outgoing: list[Outgoing]) -> None:
        """Store what the detector produced together with its new state (one transaction)."""
        for item in outgoing:
            body = item.envelope.body
            if isinstance(body, EventBody):
                logger.info(
                    "detected %s (%s) on %s: %s",
                    body.type.value,
                    body.status.value,
                    item.envelope.device_id,
                    item.envelope.message_id,
                )
                self._stage(EdgeStage.EVENT_DETECTED, item.envelope.message_id)
        snapshot = self.pipeline.detector.snapshot()
        changed = snapshot != self._saved_snapshot
        if not outgoing and not changed:
            return
        await asyncio.to_thread(
            self._store.put_with_state,
            [(item.envelope, item.lane) for item in outgoing],
            (DETECTOR_NAME, snapshot, self._clock.now()) if changed else None,
        )
        self._saved_snapshot = snapshot
        for item in outgoing:
            self._stage(EdgeStage.QUEUED, item.envelope.message_id)
        if outgoing:
            self.forwarder.wake()

    def _stage(self, stage: EdgeStage, message_id: str) -> None:
        if self._on_stage is not None:
            self._on_stage(stage, message_id)
