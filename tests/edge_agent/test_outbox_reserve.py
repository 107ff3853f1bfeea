"""The outbox's disk reserve on a real tmpfs: alarms written into it survive a power cut (the
writer is SIGKILLed, nothing closed or flushed), it is made again only once space returns and
before telemetry is accepted again, a reserve that cannot be made is reported, not fatal, and
the default size holds hundreds of alarms (the arithmetic in edge_agent/outbox/reserve.py)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from contracts import SmokeReading
from edge_agent.errors import OutboxFullError
from edge_agent.outbox.limits import OutboxLimits
from edge_agent.outbox.store import OutboxLane, OutboxStore
from tests.edge_agent.disk_support import fill, free_bytes, tiny_filesystem
from tests.edge_agent.outbox_writer import NOW, envelope, fill_until_disk_full, fire

REPO = Path(__file__).resolve().parents[2]


def _write_then_power_cut(disk: Path, alarms: int) -> dict[str, object]:
    """Run the writer process until it reports, then SIGKILL it; returns its report."""
    writer = subprocess.Popen(
        [sys.executable, "-m", "tests.edge_agent.outbox_writer", str(disk), str(alarms), "524288"],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert writer.stdout is not None
        line = writer.stdout.readline()
    finally:
        writer.send_signal(signal.SIGKILL)
        _, stderr = writer.communicate(timeout=30)
    assert line, f"the outbox writer died: {stderr.decode()[-2000:]}"
    assert writer.returncode == -signal.SIGKILL
    report: dict[str, object] = json.loads(line)
    return report


def test_alarms_written_on_a_full_disk_survive_a_power_cut(tmp_path: Path) -> None:
    with tiny_filesystem(tmp_path / "disk", 2048) as disk:
        report = _write_then_power_cut(disk, alarms=200)
        wal = (disk / "outbox.db-wal").stat().st_size
        reopened = OutboxStore(disk / "outbox.db")  # the reboot; the disk is still full
        try:
            stored = [i.message_id for i in reopened.due(NOW, 10_000)]
            snapshot = reopened.load_detector_state("fire")
            health = reopened.disk_health()
        finally:
            reopened.close()
    assert report["health"] == {
        "disk_full": True,
        "dropped_telemetry": 1,
        "reserve_bytes": 0,
        "reserve_error": None,
    }
    assert stored[-200:] == report["alarms"]  # every alarm, in order, after the telemetry
    assert snapshot == {"smoke": True, "raised": 199}
    assert wal == 0  # truncated after every commit on the reserve
    assert health["reserve_bytes"] == 0
    assert "cannot make the outbox's disk reserve" in str(health["reserve_error"])


def test_the_reserve_is_made_again_before_telemetry_is_accepted(tmp_path: Path) -> None:
    reserve = 256 * 1024
    with tiny_filesystem(tmp_path / "disk", 2048) as disk:
        store = OutboxStore(disk / "outbox.db", limits=OutboxLimits(reserve_bytes=reserve))
        try:
            made = store.reserve.path.stat().st_size
            fill_until_disk_full(store, disk)
            alarm = fire()
            store.put(alarm, OutboxLane.ALARM)
            filler = disk / "filler"
            room = reserve * 3 // 2 - free_bytes(disk)  # room for a reserve, not for two
            os.truncate(filler, filler.stat().st_size - room)
            early = envelope(SmokeReading(smoke=False))
            store.put(early, OutboxLane.TELEMETRY)
            partial = (store.disk_health(), store.reserve.present, free_bytes(disk))
            filler.unlink()
            accepted = envelope(SmokeReading(smoke=False))
            store.put(accepted, OutboxLane.TELEMETRY)
            ids = [i.message_id for i in store.due(NOW, 10_000)]
            after = store.disk_health()
        finally:
            store.close()
    assert made == reserve
    assert partial[0]["disk_full"] is True
    assert partial[0]["dropped_telemetry"] == 2  # the write that found the disk full, early
    assert partial[1] is False
    assert reserve <= partial[2] < 2 * reserve  # room for it, yet the store waits for twice
    assert alarm.message_id in ids
    assert early.message_id not in ids
    assert accepted.message_id in ids
    assert after == {
        "disk_full": False,
        "dropped_telemetry": 2,
        "reserve_bytes": reserve,
        "reserve_error": None,
    }


def test_a_reserve_that_cannot_be_made_is_reported_not_fatal(tmp_path: Path) -> None:
    with tiny_filesystem(tmp_path / "disk", 512) as disk:
        OutboxStore(disk / "outbox.db", limits=OutboxLimits(reserve_bytes=0)).close()
        fill(disk / "filler")
        os.truncate(disk / "filler", (disk / "filler").stat().st_size - 64 * 1024)
        store = OutboxStore(disk / "outbox.db")  # default reserve: 512 KiB, no room
        try:
            health = store.disk_health()
            leftover = store.reserve.path.exists()
            alarm = fire()
            store.put(alarm, OutboxLane.ALARM)  # the 64 KiB left take it
            ids = [i.message_id for i in store.due(NOW, 10)]
        finally:
            store.close()
    assert health["reserve_bytes"] == 0
    assert health["disk_full"] is False
    assert "No space left on device" in str(health["reserve_error"])
    assert "free space on" in str(health["reserve_error"])
    assert leftover is False  # the partial file is removed
    assert ids == [alarm.message_id]


def test_the_default_reserve_holds_hundreds_of_alarms(tmp_path: Path) -> None:
    """Each alarm with its detector snapshot, durably, until the reserve is used up."""
    with tiny_filesystem(tmp_path / "disk", 2048) as disk:
        store = OutboxStore(disk / "outbox.db")
        try:
            fill_until_disk_full(store, disk)
            written = _write_alarms_until_full(store)
            stored = store.depth()[OutboxLane.ALARM]
        finally:
            store.close()
    print(json.dumps({"alarms_in_default_reserve": written}))
    assert stored == written
    assert written >= 300, f"only {written} alarms fit in the default 512 KiB reserve"


def _write_alarms_until_full(store: OutboxStore) -> int:
    """How many alarms (each with a snapshot) the store took before OutboxFullError."""
    for written in range(100_000):
        try:
            store.put_with_state([(fire(), OutboxLane.ALARM)], [("fire", {"n": written}, NOW)])
        except OutboxFullError:
            return written
    raise AssertionError("100000 alarms written on a full disk: the disk never filled up")


def test_an_outbox_on_a_full_disk_opens_with_its_reserve(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A restart on a disk filled up while the agent was stopped: SQLite cannot make its WAL
    index, so the store frees the reserve to open, in disk-full mode, and takes alarms."""
    with tiny_filesystem(tmp_path / "disk", 1024) as disk:
        OutboxStore(disk / "outbox.db", limits=OutboxLimits(reserve_bytes=256 * 1024)).close()
        fill(disk / "filler")
        store = OutboxStore(disk / "outbox.db", limits=OutboxLimits(reserve_bytes=256 * 1024))
        try:
            alarm = fire()
            store.put(alarm, OutboxLane.ALARM)
            store.put(envelope(SmokeReading(smoke=False)), OutboxLane.TELEMETRY)
            ids = [i.message_id for i in store.due(NOW, 10)]
            health = store.disk_health()
        finally:
            store.close()
    assert "is freed to open it (the disk is full)" in caplog.text
    assert ids == [alarm.message_id]
    assert health == {
        "disk_full": True,
        "dropped_telemetry": 1,
        "reserve_bytes": 0,
        "reserve_error": None,
    }
