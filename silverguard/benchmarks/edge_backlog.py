"""How fast the edge agent drains a backlog once the cloud is back, and whether alarms go first.

An outbox is filled with ``telemetry`` readings and ``alarms`` fire events (one alarm after
every ``telemetry // alarms`` readings, as a long outage would leave them), then
``python -m edge_agent run`` starts against an embedded cloud broker whose subscriber acks
each message after "storing" it, as cloud_ingest does. Reported: messages acked per second
from the birth message to the last ack, and whether every alarm arrived before the first
reading (the alarm lane drains first). Figures include the embedded (amqtt) broker's cost.

Example (the backlog; ``silverguard bench edge --backlog N`` runs the drain):
    >>> import tempfile
    >>> with tempfile.TemporaryDirectory() as d:
    ...     fill_outbox(Path(d) / "outbox.db", telemetry=100, alarms=10)
    ...     store = OutboxStore(Path(d) / "outbox.db")
    ...     [item.lane.name for item in store.due(datetime.now(UTC), 12)][9:12]
    ...     store.close()
    ['ALARM', 'TELEMETRY', 'TELEMETRY']
"""

from __future__ import annotations

import asyncio
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from contracts.devices.mattress_serial import MattressMode
from contracts.envelope import Envelope
from contracts.events import EventBody, EventType, Evidence
from contracts.ids import new_message_id
from contracts.readings import SmokeReading
from edge_agent.outbox.store import OutboxLane, OutboxStore
from silverguard.benchmarks.edge import (
    GATEWAY,
    ORG,
    AckingCloud,
    agent_process,
    write_home_config,
)
from silverguard.demo.brokers import EmbeddedBroker
from silverguard.ports import free_port

CHUNK = 1000


def fill_outbox(path: Path, *, telemetry: int, alarms: int) -> None:
    """Put the backlog in the outbox at ``path`` (stored oldest first)."""
    store = OutboxStore(path)
    start = datetime.now(UTC) - timedelta(hours=1)
    every = max(1, telemetry // max(alarms, 1))
    items: list[tuple[Envelope, OutboxLane]] = []
    made_alarms = 0
    for i in range(telemetry):
        at = start + timedelta(milliseconds=10 * i)
        items.append((_envelope(at, SmokeReading(smoke=False)), OutboxLane.TELEMETRY))
        if made_alarms < alarms and i % every == every - 1:
            fire = EventBody.of(EventType.FIRE, Evidence(summary="backlog bench"))
            items.append((_envelope(at, fire), OutboxLane.ALARM))
            made_alarms += 1
    try:
        for i in range(0, len(items), CHUNK):
            store.put_with_state(items[i : i + CHUNK])
    finally:
        store.close()


async def run_backlog_bench(*, telemetry: int = 10_000, alarms: int = 100) -> dict[str, object]:
    """Drain a backlog through a real agent process (see the module docstring)."""
    home_port, cloud_port = free_port(), free_port()
    total = telemetry + alarms
    with tempfile.TemporaryDirectory(prefix="sg-bench-backlog-") as tmp:
        workdir = Path(tmp)
        config = write_home_config(workdir, home_port, cloud_port, None, MattressMode.VITALS)
        await asyncio.to_thread(
            fill_outbox, workdir / "outbox.db", telemetry=telemetry, alarms=alarms
        )
        cloud = AckingCloud(cloud_port)
        async with EmbeddedBroker(home_port, "home"), EmbeddedBroker(cloud_port, "cloud"):
            task = asyncio.create_task(cloud.run())
            try:
                async with agent_process(config):
                    async with asyncio.timeout(60):
                        await cloud.online.wait()
                    t0 = time.monotonic()
                    async with asyncio.timeout(max(60.0, total / 50)):
                        while cloud.acked < total:
                            await asyncio.sleep(0.02)
                    elapsed = time.monotonic() - t0
            finally:
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)
    kinds = cloud.kinds
    last_alarm = max((i for i, k in enumerate(kinds) if k == "event"), default=-1)
    first_reading = min((i for i, k in enumerate(kinds) if k == "reading"), default=len(kinds))
    return {
        "messages": total,
        "alarms": alarms,
        "drain_s": round(elapsed, 2),
        "messages_per_s": round(total / elapsed, 1) if elapsed > 0 else None,
        "alarms_first": last_alarm < first_reading,
        "broker": "embedded amqtt (in the bench process)",
    }


def _envelope(at: datetime, body: SmokeReading | EventBody) -> Envelope:
    return Envelope(
        message_id=new_message_id(at),
        org_id=ORG,
        gateway_id=GATEWAY,
        home_id="home-bench",
        device_id="smoke-bench",
        gateway_time=at,
        body=body,
    )
