"""A second alert router alongside the first, fed through the real path: gateways → cloud
broker → ingest → event feed → two router processes on one database. Every fall opens one
incident and pages each step of its escalation once, whichever router takes it."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest

from alerting.store.db import migrate as migrate_alerting
from cloud_ingest.store import migrate as migrate_ingest
from firmware_sim.fleet import Fleet
from silverguard.benchmarks.ingest_servers import IngestWorker
from silverguard.sinks import WebhookReceiver
from tests.alerting.router_support import (
    assert_each_page_once,
    fleet_configs,
    router_process,
    wait_healthy,
)
from tests.alerting.support import WEBHOOK_SECRET
from tests.faults.checks import (
    FALL_PAGES,
    assert_pages_once_in_lane_order,
    query_rows,
    report_delays,
    stored_events,
)
from tests.servers import free_port, mosquitto

pytestmark = [pytest.mark.faults, pytest.mark.integration, pytest.mark.timeout(240)]
HOMES = 4


async def test_a_second_router_alongside_the_first_pages_each_step_once(
    tmp_path: Path, postgres_url: str
) -> None:
    migrate_ingest(postgres_url)  # the event feed the routers read
    migrate_alerting(postgres_url)
    residents = [f"res-{n:04d}" for n in range(1, HOMES + 1)]
    with mosquitto(tmp_path / "cloud") as broker:
        ingest_config = {
            "database_url": postgres_url,
            "broker": {"host": "127.0.0.1", "port": broker.port, "protocol": "5"},
            "shared_group": "ingest",
            "migrate_on_start": False,
        }
        worker = IngestWorker(ingest_config, tmp_path, "w0")
        fleet = Fleet(broker.port, HOMES, org="org-demo", alarms_per_home=1)
        try:
            async with WebhookReceiver(WEBHOOK_SECRET.encode(), port=free_port()) as receiver:
                configs, ports = fleet_configs(
                    tmp_path, postgres_url, receiver, residents, routers=2, second_step_after_s=1
                )
                with router_process(configs[0]) as first, router_process(configs[1]) as second:
                    await wait_healthy([first, second], ports)
                    await asyncio.to_thread(worker.wait_subscribed)
                    started = time.monotonic()
                    fleet.start()
                    expected = 4 * HOMES  # primary, then backup + lead, then family
                    await receiver.wait_for(expected, timeout_s=90)
                    fleet.stop_sending()
                    await asyncio.to_thread(fleet.drain)
                    await asyncio.sleep(1.5)  # time for a double page to show up
                    assert first.poll() is None
                    assert second.poll() is None
                    elapsed = time.monotonic() - started
        finally:
            fleet.close()
            worker.stop()
    assert elapsed < 90
    assert_each_page_once(postgres_url, receiver, expected)
    incidents = query_rows(
        postgres_url, "select resident_id, count(*) from incidents group by resident_id"
    )
    assert dict(incidents) == dict.fromkeys(residents, 1)
    assert len(fleet.alarm_ids) == HOMES
    assert_pages_once_in_lane_order(postgres_url, receiver, HOMES, FALL_PAGES)
    report_delays("a second alert router", postgres_url, receiver, stored_events(postgres_url))
