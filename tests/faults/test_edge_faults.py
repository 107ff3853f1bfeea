"""Faults on the home gateway, through the whole chain (edge agent processes → cloud broker →
ingest → PostgreSQL → alert router → webhook receiver): the agent SIGKILLed while it forwards
a backlog (a power loss). Afterwards every alarm is stored once and in its gateway's lane order,
the backlog's telemetry after its alarms, one incident per resident, every page once in
escalation order; the delays are printed as a JSON line."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import signal
from pathlib import Path

import pytest

from tests.edge_agent.disk_support import fill, tiny_filesystem
from tests.edge_agent.outbox_support import outbox_rows
from tests.faults.chain import (
    CloudChain,
    EdgeHome,
    cloud_chain,
    edge_log,
    edge_process,
    gateway_health,
    produce,
    until,
)
from tests.faults.checks import (
    StoredEvent,
    assert_alarms_once_in_lane_order,
    assert_incidents_once,
    assert_pages_once_in_lane_order,
    assert_telemetry_once_after_alarms,
    report_delays,
    stored_events,
    wait_for_care_pages,
)
from tests.faults.uplink import uplink_relay
from tests.servers import mosquitto


def fires(cloud: CloudChain) -> list[StoredEvent]:
    return [e for e in stored_events(cloud.database_url) if e.status.startswith("fire/")]


def _backlogged(home: EdgeHome) -> bool:
    """Every toggle's alarm and at least the readings wait in the home's outbox."""
    return len(home.alarms()) == 2 * TOGGLES and len(home.telemetry()) >= READINGS


def _drained(home: EdgeHome) -> bool:
    return not outbox_rows(home.outbox)


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
                async with contextlib.AsyncExitStack() as stack:
                    agents = [await stack.enter_async_context(edge_process(c)) for c in configs]
                    gateways = {h.gateway_id for h in homes}
                    await until("every gateway online", lambda: gateways <= cloud.online())
                    await uplink.cut()  # a backlog builds in each outbox
                    await produce(home_broker, homes, toggles=TOGGLES, readings=READINGS)
                    for home in homes:
                        await until(
                            f"{home.gateway_id}'s backlog",
                            functools.partial(_backlogged, home),
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
                                await asyncio.to_thread(agent.wait, 10)
                                alive.remove((home, agent))
                        await asyncio.sleep(0.01)
                for home in homes:
                    left = outbox_rows(home.outbox)
                    assert left, f"{home.gateway_id} drained before the kill: nothing was tested"
                async with contextlib.AsyncExitStack() as stack:
                    for config in configs:
                        await stack.enter_async_context(edge_process(config))
                    for home in homes:
                        await until(
                            f"{home.gateway_id}'s outbox to drain after the restart",
                            functools.partial(_drained, home),
                            timeout_s=90,
                        )
                await wait_for_care_pages(
                    cloud.receiver, HOMES, timeout_s=60, database_url=postgres_url
                )
                cloud.assert_alive()
        events = assert_alarms_once_in_lane_order(postgres_url, alarms)
        assert_telemetry_once_after_alarms(postgres_url, events, telemetry)
        assert_incidents_once(postgres_url, residents)
        assert_pages_once_in_lane_order(postgres_url, cloud.receiver, HOMES)
        report_delays("edge agent SIGKILLed mid-backlog", postgres_url, cloud.receiver, events)
    for home in homes:
        assert "Traceback" not in edge_log(home, tail=0), edge_log(home)


async def test_outbox_disk_full_keeps_detecting_and_loses_no_alarm(
    tmp_path: Path, postgres_url: str
) -> None:
    """Designed behaviour: with the outbox's disk full the agent keeps running and detecting;
    the outbox frees its reserve file and alarms are still written durably to SQLite (none
    waits in memory) and forwarded, telemetry is dropped and counted, the heartbeat's health
    says ``disk_full``; once space returns the reserve is made again, telemetry is accepted
    again and everything drains through the outbox."""
    home = EdgeHome(1, tmp_path / "home-1")
    async with cloud_chain(tmp_path, postgres_url, [home.resident_id]) as cloud:
        with (
            tiny_filesystem(tmp_path / "disk", 2048) as disk,
            mosquitto(tmp_path / "home-broker") as home_broker,
        ):
            config = home.write_config(
                home_broker,
                cloud.broker.port,
                outbox_path=str(disk / "outbox.db"),
                heartbeat_s=1,
            )
            async with edge_process(config) as agent:
                await until("the gateway online", lambda: home.gateway_id in cloud.online())
                filled = fill(disk / "filler")
                await produce(home_broker, [home], toggles=TOGGLES, readings=READINGS, heard=False)
                await until(
                    "the alarms raised on a full disk", lambda: len(fires(cloud)) >= 2 * TOGGLES
                )
                health = await gateway_health(cloud.broker, home.gateway_id)
                assert health["outbox"]["disk_full"] is True
                assert health["outbox"]["dropped_telemetry"] > 0
                assert health["outbox"]["held_alarms"] == 0  # on disk, in the reserve's space
                assert health["outbox"]["reserve_bytes"] == 0  # freed for them
                assert agent.poll() is None, edge_log(home)
                (disk / "filler").unlink()  # space returns
                await produce(home_broker, [home], toggles=TOGGLES, readings=0, heard=False)
                await until("every alarm", lambda: len(fires(cloud)) >= 4 * TOGGLES)
                await until("the outbox to drain", lambda: not outbox_rows(disk / "outbox.db"))
                health = await gateway_health(cloud.broker, home.gateway_id)
                assert health["outbox"] == {
                    "disk_full": False,
                    "held_alarms": 0,
                    "dropped_telemetry": health["outbox"]["dropped_telemetry"],
                    "reserve_bytes": 512 * 1024,  # made again
                    "reserve_error": None,
                }
                assert agent.poll() is None, edge_log(home)
            await wait_for_care_pages(cloud.receiver, 1, timeout_s=60, database_url=postgres_url)
            cloud.assert_alive()
    events = fires(cloud)
    assert len({e.message_id for e in events}) == len(events) == 4 * TOGGLES  # each once
    statuses = [e.status for e in events]  # in lane order: raised, cleared, raised, …
    assert statuses == ["fire/raised", "fire/cleared"] * (2 * TOGGLES)
    assert_incidents_once(postgres_url, [home.resident_id])
    assert_pages_once_in_lane_order(postgres_url, cloud.receiver, 1)
    report_delays(
        "outbox disk full",
        postgres_url,
        cloud.receiver,
        events,
        filler_bytes=filled,
        dropped_telemetry=health["outbox"]["dropped_telemetry"],
    )
    log = edge_log(home, tail=0)
    assert "the disk is full" in log
    assert "is freed for alarms" in log
    assert "has room again: reserve" in log
    assert "Traceback" not in log, log
