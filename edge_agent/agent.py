"""The agent daemon: readers → detectors → outbox, and the cloud forwarder.

Detector state is checkpointed in the outbox database in the same transaction as every event
it produced, and at least every ``checkpoint_s`` otherwise; on start each detector resumes
from its last checkpoint (a running "out of bed for 18 minutes" clock survives a reboot).

Example:
    >>> [stage.value for stage in EdgeStage]
    ['event_detected', 'queued', 'forwarded', 'acked']
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from enum import StrEnum

from contracts.clock import Clock, SystemClock
from contracts.devices.mattress_serial import encode_frame
from contracts.envelope import Envelope
from contracts.events import EventBody
from edge_agent.config import EdgeSettings
from edge_agent.detectors.registry import build_detectors
from edge_agent.errors import OutboxError, OutboxFullError
from edge_agent.outbox.held import HeldAlarms
from edge_agent.outbox.store import DetectorState, OutboxLane, OutboxStore
from edge_agent.pipeline import EdgePipeline, Outgoing, default_raw_processor_factory
from edge_agent.readers.base import MalformedPayload
from edge_agent.readers.home_broker import HomeBrokerListener
from edge_agent.readers.serial_mattress import SerialMattressReader
from edge_agent.uplink.forwarder import CloudForwarder

logger = logging.getLogger(__name__)

TICK_S = 1.0
"""How often the detectors are ticked (for "nothing happened for …" rules)."""
PRUNE_EVERY = timedelta(minutes=1)
"""How often telemetry older than the outbox's age limit is dropped."""


class EdgeStage(StrEnum):
    """Where a message is on its way to the cloud (reported with its message id)."""

    EVENT_DETECTED = "event_detected"
    QUEUED = "queued"
    FORWARDED = "forwarded"
    ACKED = "acked"


StageCallback = Callable[[EdgeStage, str], None]


ReaderHealth = dict[str, dict[str, int | float | bool | str | None]]


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
        OutboxStore,
        settings.outbox_path,
        ack_timeout_s=settings.ack_timeout_s,
        limits=settings.outbox_limits,
    )
    try:
        runtime = _AgentRuntime(settings, store, clock, on_stage)
        await runtime.restore()
        async with asyncio.TaskGroup() as tasks:
            tasks.create_task(runtime.forwarder.run())
            tasks.create_task(runtime.home.run(runtime.on_home_message))
            if runtime.mattress is not None:
                tasks.create_task(runtime.read_mattress(runtime.mattress))
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
        self._settings = settings
        self._store = store
        self._clock = clock
        self._on_stage = on_stage
        self.mattress = (
            SerialMattressReader(settings.mattress, clock=clock) if settings.mattress else None
        )
        self._mattress_malformed_seen = 0
        self.held = HeldAlarms(timedelta(seconds=settings.ack_timeout_s))
        self.pipeline = EdgePipeline(
            settings,
            build_detectors(settings.detection),
            raw_processor_factory=default_raw_processor_factory(),
        )
        self.forwarder = CloudForwarder(
            settings,
            store,
            clock,
            on_forwarded=lambda mid: self._stage(EdgeStage.FORWARDED, mid),
            on_acked=lambda mid: self._stage(EdgeStage.ACKED, mid),
            reader_health=self.health,
            held=self.held,
        )
        self.home = HomeBrokerListener(
            settings.home_broker,
            identifier=f"{settings.gateway_id}-edge",
            subscriptions=self.pipeline.subscriptions(),
        )
        self._saved: dict[str, dict[str, object]] = {}
        self._last_checkpoint: datetime | None = None
        self._last_prune: datetime | None = None
        self._lock = asyncio.Lock()

    def health(self) -> ReaderHealth:
        """Reader counters for the heartbeat."""
        health: ReaderHealth = {name: dict(c) for name, c in self.pipeline.health().items()}
        if self.mattress is not None:
            health["serial_mattress"] = {
                key: value
                for key, value in self.mattress.health.as_dict().items()
                if value is None or isinstance(value, int | float | bool | str)
            }
        health["detectors"] = {"errors": self.pipeline.detector_errors}
        store, held = self._store.disk_health(), self.held.health()
        health["outbox"] = {
            **store,
            "disk_full": bool(store["disk_full"]) or bool(held["disk_full"]),
            "held_alarms": held["held_alarms"],
            "dropped_telemetry": int(store["dropped_telemetry"] or 0) + held["dropped_telemetry"],
        }
        return health

    async def restore(self) -> None:
        """Resume each detector's state saved before the last stop."""
        saved = {
            detector.name: await asyncio.to_thread(self._store.load_detector_state, detector.name)
            for detector in self.pipeline.detectors
        }
        restored = self.pipeline.restore(saved)
        for name in restored:
            snapshot = saved[name]
            if snapshot is not None:
                self._saved[name] = snapshot
        if restored:
            logger.info("restored the state of %s from %s", ", ".join(restored), self._store.path)

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
        await self._queue(self.pipeline.on_message(topic, payload, now), now)

    async def read_mattress(self, reader: SerialMattressReader) -> None:
        """Feed the serial mattress's readings through the pipeline."""
        async for update in reader.readings():
            now = self._clock.now()
            outgoing = self.pipeline.on_reading(update.device_id, update.reading, now)
            await self._queue(outgoing, now)

    async def tick_forever(self) -> None:
        """Tick the detectors every :data:`TICK_S` seconds; checkpoint and prune when due."""
        while True:
            await asyncio.sleep(TICK_S)
            now = self._clock.now()
            await self._queue(self.pipeline.on_tick(now), now)
            if self.held:
                await self._write([], [], [])  # the disk may have room again
            if self._last_prune is None or now - self._last_prune >= PRUNE_EVERY:
                self._last_prune = now
                try:
                    await asyncio.to_thread(self._store.prune_aged, now)
                except OutboxError as exc:
                    logger.warning("cannot prune the outbox now (%s); will retry", exc)

    async def _queue(self, outgoing: list[Outgoing], now: datetime) -> None:
        """Store what the detectors produced together with their new state (one transaction)."""
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
        has_events = any(item.is_event for item in outgoing)
        checkpoint_due = (
            self._last_checkpoint is None
            or (now - self._last_checkpoint).total_seconds() >= self._settings.checkpoint_s
        )
        changed: dict[str, dict[str, object]] = {}
        if has_events or checkpoint_due:
            self._last_checkpoint = now
            changed = {
                name: snapshot
                for name, snapshot in self.pipeline.snapshots().items()
                if snapshot != self._saved.get(name)
            }
        malformed = self.pipeline.take_malformed() + self._mattress_malformed()
        if not outgoing and not changed and not malformed:
            return
        await self._write(
            [(item.envelope, item.lane) for item in outgoing],
            [(name, snapshot, now) for name, snapshot in changed.items()],
            malformed,
        )
        self._saved.update(changed)
        for item in outgoing:
            self._stage(EdgeStage.QUEUED, item.envelope.message_id)
        if outgoing:
            self.forwarder.wake()

    async def _write(
        self,
        items: list[tuple[Envelope, OutboxLane]],
        states: list[DetectorState],
        malformed: list[MalformedPayload],
    ) -> None:
        """Store in one transaction, alarms held since the disk filled up first; if even the
        outbox's disk reserve is used up, hold the alarms and snapshots in memory instead
        (the last resort, see HeldAlarms)."""
        held_items, held_states = self.held.pending()
        async with self._lock:
            try:
                await asyncio.to_thread(
                    self._store.put_with_state,
                    held_items + items,
                    [*held_states, *states],
                    malformed,
                )
            except OutboxFullError as exc:
                if not self.held.disk_full:
                    logger.error("%s; even the reserve is used up: alarms wait in memory", exc)
                self.held.hold(items, states)
                return
        if self.held.disk_full:
            logger.warning(
                "the outbox is writable again: %d alarms held in memory stored, %d telemetry "
                "messages were dropped while they were held",
                len(held_items),
                self.held.dropped_telemetry,
            )
        self.held.written()

    def _mattress_malformed(self) -> list[MalformedPayload]:
        """Undecodable mattress frames since the last call, to keep in the outbox database."""
        reader = self.mattress
        if reader is None:
            return []
        count = reader.health.malformed_payloads
        fresh = count - self._mattress_malformed_seen
        self._mattress_malformed_seen = count
        if fresh <= 0:
            return []
        return [
            MalformedPayload(
                m.received_at,
                reader.settings.port,
                encode_frame(m.frame.frame_type, m.frame.seq, m.frame.payload),
                m.reason,
                "serial_mattress",
            )
            for m in list(reader.malformed)[-fresh:]
        ]

    def _stage(self, stage: EdgeStage, message_id: str) -> None:
        if self._on_stage is not None:
            self._on_stage(stage, message_id)
