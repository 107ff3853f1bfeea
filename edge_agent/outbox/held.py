"""Alarms held in memory when even the outbox's disk reserve is used up (the last resort).

On a full disk the store first frees its reserve file and goes on writing alarms durably
(:mod:`edge_agent.outbox.reserve`). Only when that write too fails (``SQLITE_FULL`` with the
reserve gone) does the agent keep each new alarm (and the detector snapshot that goes with it)
here, in the order raised; the forwarder sends it from here (acks remove it); telemetry is
dropped and counted — alarms keep priority. Once a write succeeds again, what is still held is
written to the outbox, ahead of anything new, and this buffer empties. A power cut while alarms
are held here loses them: the gateway-health report (``outbox`` in the heartbeat's reader
health, ``held_alarms``) says so while it lasts.

Example:
    >>> from datetime import UTC, datetime, timedelta
    >>> from contracts import Envelope, SmokeReading, new_message_id
    >>> from contracts.events import EventBody, EventType, Evidence
    >>> now = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    >>> def env(body):
    ...     return Envelope(message_id=new_message_id(now), org_id="org-demo",
    ...                     gateway_id="gw-0001", gateway_time=now, body=body)
    >>> fire = env(EventBody.of(EventType.FIRE, Evidence(summary="smoke")))
    >>> held = HeldAlarms(timedelta(seconds=10))
    >>> held.hold([(fire, OutboxLane.ALARM), (env(SmokeReading(smoke=True)), OutboxLane.TELEMETRY)])
    >>> [i.message_id == fire.message_id for i in held.due(now)], held.health()["dropped_telemetry"]
    ([True], 1)
    >>> held.mark_sent([fire.message_id], now)
    >>> held.due(now + timedelta(seconds=5)), len(held.due(now + timedelta(seconds=11)))
    ([], 1)
    >>> held.ack([fire.message_id]), held.health()["held_alarms"]
    ([...], 0)
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from contracts.envelope import Envelope, encode_envelope, topic_kind_of
from edge_agent.outbox.store import DetectorState, OutboxItem, OutboxLane


@dataclass
class _Held:
    envelope: Envelope
    payload: bytes
    sent_at: datetime | None = None
    send_count: int = 0


@dataclass
class HeldAlarms:
    """Alarms and detector snapshots waiting for the outbox's disk to have room again."""

    ack_timeout: timedelta
    _alarms: dict[str, _Held] = field(default_factory=dict)
    _states: dict[str, DetectorState] = field(default_factory=dict)
    dropped_telemetry: int = 0
    disk_full: bool = False

    def __bool__(self) -> bool:
        return bool(self._alarms or self._states)

    def hold(
        self, items: Sequence[tuple[Envelope, OutboxLane]], states: Sequence[DetectorState] = ()
    ) -> None:
        """Keep the alarms of ``items`` (drop their telemetry) and the newest snapshots."""
        self.disk_full = True
        for envelope, lane in items:
            if lane is OutboxLane.ALARM:
                self._alarms.setdefault(
                    envelope.message_id, _Held(envelope, encode_envelope(envelope))
                )
            else:
                self.dropped_telemetry += 1
        for state in states:
            self._states[state[0]] = state

    def pending(self) -> tuple[list[tuple[Envelope, OutboxLane]], list[DetectorState]]:
        """What to write first once the disk has room: held alarms in order, snapshots."""
        alarms = [(held.envelope, OutboxLane.ALARM) for held in self._alarms.values()]
        return alarms, list(self._states.values())

    def written(self) -> None:
        """Everything pending is in the outbox now."""
        self._alarms.clear()
        self._states.clear()
        self.disk_full = False

    def due(self, now: datetime) -> list[OutboxItem]:
        """Held alarms never sent, or sent longer than the ack timeout ago, in order."""
        return [
            OutboxItem(mid, OutboxLane.ALARM, topic_kind_of(h.envelope), h.payload, h.send_count)
            for mid, h in self._alarms.items()
            if h.sent_at is None or h.sent_at <= now - self.ack_timeout
        ]

    def mark_sent(self, message_ids: Iterable[str], now: datetime) -> None:
        """Record a publish of these (ids not held are ignored)."""
        for message_id in message_ids:
            held = self._alarms.get(message_id)
            if held is not None:
                held.sent_at = now
                held.send_count += 1

    def ack(self, message_ids: Iterable[str]) -> list[str]:
        """Forget acked alarms; returns the ids that were held."""
        return [mid for mid in message_ids if self._alarms.pop(mid, None) is not None]

    def health(self) -> dict[str, int | bool]:
        """The ``outbox`` entry of the heartbeat's health report."""
        return {
            "disk_full": self.disk_full,
            "held_alarms": len(self._alarms),
            "dropped_telemetry": self.dropped_telemetry,
        }
