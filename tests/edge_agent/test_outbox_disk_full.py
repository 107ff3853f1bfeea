"""The outbox on a full disk (a real tmpfs): the write fails with OutboxFullError saying what to
do, nothing half-written stays behind, and once space returns the same outbox takes writes
again and still holds everything it had; the agent holds alarms in memory meanwhile."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from contracts import Envelope, SmokeReading, new_message_id
from contracts.clock import FakeClock
from contracts.config import MqttEndpoint
from contracts.events import EventBody, EventType, Evidence
from edge_agent.agent import _AgentRuntime
from edge_agent.config import EdgeSettings
from edge_agent.errors import OutboxFullError
from edge_agent.outbox.store import OutboxLane, OutboxStore
from tests.edge_agent.disk_support import fill, tiny_filesystem

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def _envelope(body: EventBody | SmokeReading) -> Envelope:
    return Envelope(
        message_id=new_message_id(NOW),
        org_id="org-demo",
        gateway_id="gw-0001",
        gateway_time=NOW,
        body=body,
    )


def _fire() -> Envelope:
    return _envelope(EventBody.of(EventType.FIRE, Evidence(summary="smoke detected")))


def _fill_with_telemetry(store: OutboxStore) -> None:
    for _ in range(2000):  # the WAL and the database take what was left
        store.put(_envelope(SmokeReading(smoke=False)), OutboxLane.TELEMETRY)


def test_a_full_disk_is_reported_as_such_and_the_outbox_recovers(tmp_path: Path) -> None:
    with tiny_filesystem(tmp_path / "disk", 512) as disk:
        store = OutboxStore(disk / "outbox.db")
        try:
            kept = [_fire() for _ in range(3)]
            for envelope in kept:
                store.put(envelope, OutboxLane.ALARM)
            fill(disk / "filler")
            with pytest.raises(OutboxFullError, match="disk is full; free space on"):
                _fill_with_telemetry(store)
            with pytest.raises(OutboxFullError):
                store.put(_fire(), OutboxLane.ALARM)
            (disk / "filler").unlink()
            late = _fire()
            store.put(late, OutboxLane.ALARM)
            alarms = [i.message_id for i in store.due(NOW, 100) if i.lane is OutboxLane.ALARM]
        finally:
            store.close()
    assert alarms == [e.message_id for e in [*kept, late]]


async def test_the_agent_holds_alarms_in_memory_while_the_disk_is_full(tmp_path: Path) -> None:
    """No crash: the alarm waits in memory (and is due for sending from there), telemetry is
    dropped and counted; once a write succeeds the held alarm is stored ahead of the new one."""
    settings = EdgeSettings(
        org_id="org-demo",
        gateway_id="gw-0001",
        home_id="home-0001",
        resident_id="res-0001",
        home_broker=MqttEndpoint(port=9),
        cloud_broker=MqttEndpoint(port=9),  # never connected here
        outbox_path=tmp_path / "disk" / "outbox.db",
    )
    with tiny_filesystem(tmp_path / "disk", 512) as disk:
        store = OutboxStore(settings.outbox_path)
        try:
            runtime = _AgentRuntime(settings, store, FakeClock(NOW), None)
            fill(disk / "filler")
            with pytest.raises(OutboxFullError):
                _fill_with_telemetry(store)
            held, reading = _fire(), _envelope(SmokeReading(smoke=True))
            await runtime._write(
                [(held, OutboxLane.ALARM), (reading, OutboxLane.TELEMETRY)], [], []
            )
            full = runtime.health()["outbox"]
            due_from_memory = [i.message_id for i in runtime.held.due(NOW)]
            (disk / "filler").unlink()
            later = _fire()
            await runtime._write([(later, OutboxLane.ALARM)], [], [])
            stored = [i.message_id for i in store.due(NOW, 100) if i.lane is OutboxLane.ALARM]
            after = runtime.health()["outbox"]
        finally:
            store.close()
    assert full == {"disk_full": True, "held_alarms": 1, "dropped_telemetry": 1}
    assert due_from_memory == [held.message_id]
    assert stored == [held.message_id, later.message_id]
    assert after == {"disk_full": False, "held_alarms": 0, "dropped_telemetry": 1}
