"""Faults on the home gateway, through the whole chain (edge agent processes → cloud broker →
ingest → PostgreSQL → alert router → webhook receiver): the agent SIGKILLed while it forwards
a backlog (a power loss). Afterwards every alarm is stored once and in its gateway's lane order,
the backlog's telemetry after its alarms, one incident per resident, every page once in
escalation order; the delays are printed as a JSON line."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from pathlib import Path

import pytest

from tests.edge_agent.outbox_support import outbox_rows
from tests.faults.chain import EdgeHome, cloud_chain, edge_log, edge_process, produce, until
from tests.faults.checks import (
    assert_alarms_once_in_lane_order,
    assert_incidents_once,
    assert_pages_once_in_lane_order,
    assert_telemetry_once_after_alarms,
    report_delays,
    wait_for_care_pages,
)
from tests.faults.uplink import uplink_relay
from tests.servers import mosquitto

pytestmark = [pytest.mark.faults, pytest.mark.integration, pytest.mark.timeout(240)]
HOMES = 2
TOGGLES = 10
READINGS = 100


async def test_edge_agent_sigkilled_mid_backlog_loses_and_duplicates_nothing(
    tmp_path: Path, postgres_url: str
) -> None:
    homes = [EdgeHome(i, tmp_path / f"home-{i}") for i in range(1, HOMES + 1)]
    residents = [h.resident_id for h in homes]
    async with cloud_chain(tmp_path, postgres_url, residents) as cloud:
        async with uplink_relay(cloud.broker.port) as uplink:
            with mosquitto(tmp_path / "home-broker") as home_broker:
                configs = [h.write_config(home_broker, uplink.port) for h in homes]
                with contextlib.ExitStack() as stack:
                    agents = [stack.enter_context(edge_process(c)) for c in configs]
                    gateways = {h.gateway_id for h in homes}
                    await until("every gateway online", lambda: gateways <= cloud.online())
                    await uplink.cut()  # a backlog builds in each outbox
                    await produce(home_broker, homes, toggles=TOGGLES, readings=READINGS)
                    for home in homes:
                        await until(
                            f"{home.gateway_id}'s backlog",
                            lambda h=home: (
                                len(h.alarms()) == 2 * TOGGLES  # type: ignore[misc]
                                and len(h.telemetry()) >= READINGS
                            ),
                        )
                    alarms = {h.gateway_id: h.alarms() for h in homes}
                    telemetry = {h.gateway_id: h.telemetry() for h in homes}
                    depth = {h.gateway_id: len(outbox_rows(h.outbox)) for h in homes}
                    await uplink.restore()
                    # power loss: each agent is SIGKILLed as soon as the cloud's first acks reach it
                    alive = list(zip(homes, agents, strict=True))
                    while alive:
                        for home, agent in list(alive):
                            if len(outbox_rows(home.outbox)) < depth[home.gateway_id]:
                                agent.send_signal(signal.SIGKILL)
                                agent.wait(10)
                                alive.remove((home, agent))
                        await asyncio.sleep(0.01)
                for home in homes:
                    left = outbox_rows(home.outbox)
                    assert left, f"{home.gateway_id} drained before the kill: nothing was tested"
                with contextlib.ExitStack() as stack:
                    for config in configs:
                        stack.enter_context(edge_process(config))
                    for home in homes:
                        await until(
                            f"{home.gateway_id}'s outbox to drain after the restart",
                            lambda h=home: not outbox_rows(h.outbox),  # type: ignore[misc]
                            timeout_s=90,
                        )
                await wait_for_care_pages(cloud.receiver, HOMES, timeout_s=60)
                cloud.assert_alive()
        events = assert_alarms_once_in_lane_order(postgres_url, alarms)
        assert_telemetry_once_after_alarms(postgres_url, events, telemetry)
        assert_incidents_once(postgres_url, residents)
        assert_pages_once_in_lane_order(postgres_url, cloud.receiver, HOMES)
        report_delays("edge agent SIGKILLed mid-backlog", postgres_url, cloud.receiver, events)
    for home in homes:
        assert "Traceback" not in edge_log(home), edge_log(home)
