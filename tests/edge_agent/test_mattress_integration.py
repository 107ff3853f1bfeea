"""The real serial path inside the agent: a raw-mode mattress on a pty → edge vitals in the
cloud, line damage counted in the heartbeat, and `edge record` writing the mattress too."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from contracts import GatewayStatusBody
from contracts.devices.mattress_serial import MattressMode
from contracts.readings import MattressSource, MattressVitals
from edge_agent.agent import EdgeStage
from edge_agent.replay.record import TraceWriter, record_trace
from edge_agent.replay.trace import parse_trace_line
from firmware_sim.mattress import MattressFirmwareSim
from tests.edge_agent.conftest import edge_settings
from tests.edge_agent.serial_support import background, mattress_settings
from tests.edge_agent.test_agent_integration import cloud_side, running_agent
from tests.servers import MosquittoInstance

pytestmark = pytest.mark.integration


async def test_raw_bcg_over_a_pty_becomes_edge_vitals_in_the_cloud(
    tmp_path: Path, home_broker: MosquittoInstance, cloud_broker: MosquittoInstance
) -> None:
    link = tmp_path / "ttyMATTRESS"
    with MattressFirmwareSim(MattressMode.RAW, link=link, heart_rate_bpm=66, speed=4) as sim:
        settings = edge_settings(
            tmp_path,
            home_broker,
            cloud_broker,
            heartbeat_s=0.3,
            mattress=mattress_settings(link, MattressMode.RAW),
        )
        stages: list[tuple[EdgeStage, str]] = []
        async with (
            cloud_side(cloud_broker) as cloud,
            background(sim.run()),
            running_agent(settings, stages),
        ):
            sim.send_bad_crc_frame()

            def vitals() -> list[MattressVitals]:
                return [r.body for r in cloud.readings if isinstance(r.body, MattressVitals)]

            await cloud.wait_for(lambda: len(vitals()) >= 3, timeout_s=30)
            assert all(v.source is MattressSource.EDGE for v in vitals())
            assert {r.device_id for r in cloud.readings} == {"mattress-0001"}
            assert not any(r.body.kind == "reading.mattress_raw" for r in cloud.readings)

            def serial_health() -> dict[str, object]:
                body = cloud.status[-1].body if cloud.status else None
                if isinstance(body, GatewayStatusBody) and body.readers:
                    return dict(body.readers.get("serial_mattress", {}))
                return {}

            await cloud.wait_for(lambda: serial_health().get("crc_errors") == 1)
            health = serial_health()
            assert health["connected"] is True
            assert isinstance(health["frames_ok"], int)
            assert health["frames_ok"] > 40


async def test_record_writes_the_mattress_as_well(
    tmp_path: Path, home_broker: MosquittoInstance
) -> None:
    link = tmp_path / "ttyMATTRESS"
    with MattressFirmwareSim(MattressMode.VITALS, link=link, speed=10) as sim:
        settings = edge_settings(
            tmp_path,
            home_broker,
            home_broker,
            mattress=mattress_settings(link, MattressMode.VITALS),
        )
        trace = tmp_path / "night.jsonl"
        with trace.open("w") as handle:
            writer = TraceWriter(handle)
            async with background(sim.run()):
                task = asyncio.create_task(record_trace(settings, writer, duration_s=30))
                async with asyncio.timeout(20):
                    while writer.lines < 3:
                        await asyncio.sleep(0.05)
                task.cancel()
                with pytest.raises(asyncio.CancelledError):
                    await task
        lines = [parse_trace_line(x) for x in trace.read_text().splitlines()]
        assert len(lines) >= 3
        assert {(x.device_id, x.reading.kind) for x in lines} == {
            ("mattress-0001", "reading.mattress_vitals")
        }
