"""A process that writes to an outbox on a full disk, then waits to be killed ("power cut").

``python -m tests.edge_agent.outbox_writer DISK ALARMS RESERVE_BYTES``: opens
``DISK/outbox.db`` (making its reserve), fills the disk with ``DISK/filler``, writes telemetry
until the store is in disk-full mode, then ``ALARMS`` alarms, each with its detector snapshot,
prints one JSON line (the alarms' ids as the store acknowledged them and its disk health) and
sleeps: the test SIGKILLs it without any close or flush and reopens the outbox.
"""

from __future__ import annotations

import json
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from contracts import Envelope, SmokeReading, new_message_id
from contracts.events import EventBody, EventType, Evidence
from edge_agent.outbox.limits import OutboxLimits
from edge_agent.outbox.store import OutboxLane, OutboxStore
from tests.edge_agent.disk_support import fill

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def envelope(body: EventBody | SmokeReading) -> Envelope:
    """An envelope of gateway ``gw-0001`` at :data:`NOW`."""
    return Envelope(
        message_id=new_message_id(NOW),
        org_id="org-demo",
        gateway_id="gw-0001",
        gateway_time=NOW,
        body=body,
    )


def fire() -> Envelope:
    """A fire alarm."""
    return envelope(EventBody.of(EventType.FIRE, Evidence(summary="smoke detected")))


def fill_until_disk_full(store: OutboxStore, disk: Path) -> int:
    """Fill the disk, then write telemetry until the store is in disk-full mode; returns how
    many telemetry writes that took."""
    fill(disk / "filler")
    writes = 0
    while not store.disk_full:
        if writes >= 10_000:
            raise AssertionError(f"the disk {disk} never filled up")
        store.put(envelope(SmokeReading(smoke=False)), OutboxLane.TELEMETRY)
        writes += 1
    return writes


def main(disk: Path, alarms: int, reserve_bytes: int) -> None:
    """Write, report, and wait to be killed."""
    store = OutboxStore(disk / "outbox.db", limits=OutboxLimits(reserve_bytes=reserve_bytes))
    fill_until_disk_full(store, disk)
    written: list[str] = []
    for _ in range(alarms):
        alarm = fire()
        store.put_with_state(
            [(alarm, OutboxLane.ALARM)], [("fire", {"smoke": True, "raised": len(written)}, NOW)]
        )
        written.append(alarm.message_id)
    print(json.dumps({"alarms": written, "health": store.disk_health()}), flush=True)
    while True:
        time.sleep(60)


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]))
