"""Replay a trace through the agent's own pipeline and detectors, with a fake clock.

Readings go in at their trace time; between them the detectors are ticked once per trace
second, as the live agent ticks them once per wall second, so "nothing for 20 minutes" fires at
the same trace time as it would live. Runs as fast as the detectors allow.

Example:
    >>> from datetime import UTC, datetime, timedelta
    >>> from pathlib import Path
    >>> from contracts.config import MqttEndpoint
    >>> from contracts.readings import SmokeReading
    >>> from edge_agent.config import EdgeSettings
    >>> from edge_agent.replay.trace import TraceLine
    >>> settings = EdgeSettings(org_id="org-demo", gateway_id="gw-0001", home_id="home-0001",
    ...     resident_id="res-0001", home_broker=MqttEndpoint(), cloud_broker=MqttEndpoint(),
    ...     outbox_path=Path("x.db"))
    >>> t0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    >>> trace = [TraceLine(t=t0, device_id="smoke-0001", reading=SmokeReading(smoke=False)),
    ...          TraceLine(t=t0 + timedelta(seconds=30), device_id="smoke-0001",
    ...                    reading=SmokeReading(smoke=True))]
    >>> replayer = TraceReplayer(settings)
    >>> [(e.t.isoformat(), e.device_id, e.event.type.value) for e in replayer.run(trace)]
    [('2026-11-24T03:00:30+00:00', 'smoke-0001', 'fire')]
    >>> replayer.ticks
    31
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

from contracts.clock import FakeClock
from contracts.events import EventBody
from edge_agent.agent import TICK_S
from edge_agent.config import EdgeSettings
from edge_agent.detectors.registry import build_detectors
from edge_agent.pipeline import EdgePipeline, Outgoing, default_raw_processor_factory
from edge_agent.replay.trace import TraceLine

TICK = timedelta(seconds=TICK_S)


@dataclass(frozen=True, slots=True)
class ReplayedEvent:
    """An event the detectors raised or cleared during a replay."""

    t: datetime
    device_id: str | None
    event: EventBody

    def to_json(self) -> str:
        """One output line: ``{"t", "device_id", "event"}``."""
        return json.dumps(
            {
                "t": self.t.isoformat(),
                "device_id": self.device_id,
                "event": self.event.model_dump(mode="json"),
            },
            ensure_ascii=False,
        )


class TraceReplayer:
    """The live pipeline with a fake clock (one per replay: detectors keep state)."""

    def __init__(self, settings: EdgeSettings) -> None:
        self.pipeline = EdgePipeline(
            settings,
            build_detectors(settings.detection),
            raw_processor_factory=default_raw_processor_factory(),
        )
        self.clock: FakeClock | None = None
        self.ticks = 0
        self.readings = 0
        self.out_of_order = 0
        self._next_tick: datetime | None = None

    def run(self, lines: Iterable[TraceLine]) -> Iterator[ReplayedEvent]:
        """Events of every line, in order (lines earlier than the clock count as now)."""
        for line in lines:
            yield from self.feed(line)

    def feed(self, line: TraceLine) -> Iterator[ReplayedEvent]:
        """Tick up to the line's time, then show it to the detectors."""
        if self.clock is None:
            self.clock = FakeClock(line.t)
            self._next_tick = line.t
        yield from self.advance_to(line.t)
        now = self.clock.now()
        if line.t < now:
            self.out_of_order += 1
        self.readings += 1
        yield from _events(
            self.pipeline.on_reading(line.device_id, line.reading, now, line.device_time)
        )
        yield from self.advance_to(now)

    def advance_to(self, t: datetime) -> Iterator[ReplayedEvent]:
        """Tick once per second of trace time up to and including ``t``."""
        if self.clock is None or self._next_tick is None:
            return
        while self._next_tick <= t:
            self.clock.advance(max(timedelta(0), self._next_tick - self.clock.now()))
            self.ticks += 1
            yield from _events(self.pipeline.on_tick(self._next_tick))
            self._next_tick += TICK
        if t > self.clock.now():
            self.clock.advance(t - self.clock.now())


def _events(outgoing: list[Outgoing]) -> Iterator[ReplayedEvent]:
    for item in outgoing:
        if isinstance(item.envelope.body, EventBody):
            yield ReplayedEvent(
                item.envelope.gateway_time, item.envelope.device_id, item.envelope.body
            )
