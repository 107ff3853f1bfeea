"""The outbox on a full disk (a real tmpfs) without a reserve, or with its reserve used up:
telemetry is dropped and counted, an alarm write fails with OutboxFullError saying what to do,
nothing half-written stays behind, and once space returns the same outbox takes writes again
and still holds everything it had; the agent holds alarms in memory meanwhile (the last
resort; the reserve itself is tested in test_outbox_reserve.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from contracts import SmokeReading
from contracts.clock import FakeClock
from contracts.config import MqttEndpoint
from edge_agent.agent import _AgentRuntime
from edge_agent.config import EdgeSettings
from edge_agent.errors import OutboxFullError
from edge_agent.outbox.limits import OutboxLimits
from edge_agent.outbox.store import OutboxLane, OutboxStore
from tests.edge_agent.disk_support import tiny_filesystem
from tests.edge_agent.outbox_writer import NOW, envelope, fill_until_disk_full, fire


def test_without_a_reserve_a_full_disk_fails_alarm_writes_and_the_outbox_recovers(
    tmp_path: Path,
) -> None:
    with tiny_filesystem(tmp_path / "disk", 512) as disk:
        store = OutboxStore(disk / "outbox.db", limits=OutboxLimits(reserve_bytes=0))
        try:
            kept = [fire() for _ in range(3)]
            for alarm in kept:
                store.put(alarm, OutboxLane.ALARM)
            dropped = fill_until_disk_full(store, disk)
            with pytest.raises(OutboxFullError, match="disk is full; free space on"):
                store.put(fire(), OutboxLane.ALARM)
            health = store.disk_health()
            (disk / "filler").unlink()
            late = fire()
            store.put(late, OutboxLane.ALARM)
            accepted = envelope(SmokeReading(smoke=False))
            store.put(accepted, OutboxLane.TELEMETRY)
            due = store.due(NOW, 10_000)
            alarms = [i.message_id for i in due if i.lane is OutboxLane.ALARM]
            after = store.disk_health()
        finally:
            store.close()
    assert alarms == [e.message_id for e in [*kept, late]]
    assert health == {
        "disk_full": True,
        "dropped_telemetry": 1,  # the write that found the disk full
        "reserve_bytes": 0,
        "reserve_error": None,
    }
    assert dropped >= 1
    assert after["disk_full"] is False
    assert accepted.message_id in [i.message_id for i in due]  # telemetry accepted again


async def test_the_agent_holds_alarms_in_memory_once_the_reserve_is_used_up(
    tmp_path: Path,
) -> None:
    """No crash: alarms go to the (small) reserve until it is used up, then wait in memory
    (and are due for sending from there), telemetry is dropped and counted; once space returns
    the held alarms are stored ahead of the new one."""
    settings = EdgeSettings(
        org_id="org-demo",
        gateway_id="gw-0001",
        home_id="home-0001",
        resident_id="res-0001",
        home_broker=MqttEndpoint(port=9),
        cloud_broker=MqttEndpoint(port=9),  # never connected here
        outbox_path=tmp_path / "disk" / "outbox.db",
        outbox_limits=OutboxLimits(reserve_bytes=64 * 1024),
    )
    with tiny_filesystem(tmp_path / "disk", 1024) as disk:
        store = OutboxStore(settings.outbox_path, limits=settings.outbox_limits)
        try:
            runtime = _AgentRuntime(settings, store, FakeClock(NOW), None)
            fill_until_disk_full(store, disk)
            in_reserve: list[str] = []
            while not runtime.held:
                alarm = fire()
                await runtime._write([(alarm, OutboxLane.ALARM)], [], [])
                in_reserve.append(alarm.message_id)
                assert len(in_reserve) < 1000, "the 64 KiB reserve never ran out"
            held = in_reserve.pop()
            reading = envelope(SmokeReading(smoke=True))
            await runtime._write([(reading, OutboxLane.TELEMETRY)], [], [])
            full = runtime.health()["outbox"]
            due_from_memory = [i.message_id for i in runtime.held.due(NOW)]
            (disk / "filler").unlink()
            later = fire()
            await runtime._write([(later, OutboxLane.ALARM)], [], [])
            stored = [i.message_id for i in store.due(NOW, 10_000) if i.lane is OutboxLane.ALARM]
            after = runtime.health()["outbox"]
        finally:
            store.close()
    assert in_reserve, "no alarm went to the reserve before it ran out"
    assert full == {
        "disk_full": True,
        "held_alarms": 1,
        "dropped_telemetry": 2,  # the write that found the disk full, and the reading
        "reserve_bytes": 0,
        "reserve_error": None,
    }
    assert due_from_memory == [held]
    assert stored == [*in_reserve, held, later.message_id]
    assert after == {
        "disk_full": False,
        "held_alarms": 0,
        "dropped_telemetry": 2,
        "reserve_bytes": 64 * 1024,
        "reserve_error": None,
    }
