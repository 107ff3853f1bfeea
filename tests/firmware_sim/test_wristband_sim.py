"""The emulated wristband: its JSON, a WEDA-FALL-style CSV replay, and `sim wristband`."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiomqtt
import pytest
from typer.testing import CliRunner

from contracts.devices.wristband import WristbandAccelPayload, WristbandStatusPayload
from firmware_sim.cli import app
from firmware_sim.errors import FirmwareSimError
from firmware_sim.wristband import WristbandSim, blocks_of, read_accel_csv
from tests.servers import MosquittoInstance, free_port

WEDA_HEADER = "accel_time_list,accel_x_list,accel_y_list,accel_z_list\n"


def weda_csv(path: Path, rows: int) -> Path:
    lines = [f"{i / 50:.2f},0.01,-0.02,{0.98 + i / 1000:.3f}\n" for i in range(rows)]
    path.write_text(WEDA_HEADER + "".join(lines))
    return path


def test_a_weda_style_csv_becomes_one_second_blocks(tmp_path: Path) -> None:
    rows = read_accel_csv(weda_csv(tmp_path / "F01_accel.csv", 120))
    assert rows[1] == (0.02, 0.01, -0.02, 0.981)
    blocks = list(blocks_of(rows))
    assert [(t0, len(xyz)) for t0, xyz in blocks] == [(0.0, 50), (1.0, 50), (2.0, 20)]
    payload = WristbandSim("b1").accel_payload(1795489200000, blocks[1][1])
    parsed = WristbandAccelPayload.parse_payload(payload)
    assert (parsed.seq, len(parsed.xyz), parsed.unit) == (1, 50, "g")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a,b,c\n1,2,3\n", "need a time column"),
        (WEDA_HEADER + "0,0,0,x\n", "not a number"),
        (WEDA_HEADER, "has no samples"),
    ],
)
def test_a_bad_csv_is_a_clear_error(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(FirmwareSimError, match=message):
        read_accel_csv(path)


def test_status_changes_and_unknown_fields() -> None:
    band = WristbandSim("b1")
    status = WristbandStatusPayload.parse_payload(band.status_payload(sos=True, battery=9))
    assert (status.sos, status.battery, status.hr) == (True, 9, 72)
    with pytest.raises(FirmwareSimError, match="no status field gps"):
        band.status_payload(gps=1)


async def test_stream_publishes_blocks_and_status(mosquitto_broker: MosquittoInstance) -> None:
    band = WristbandSim("b-stream")
    async with aiomqtt.Client(mosquitto_broker.host, mosquitto_broker.port) as client:
        await client.subscribe("wristband/b-stream/#", qos=1)
        sent = await band.stream(client, seconds=3, start_ms=0, time_scale=0)
        topics: list[str] = []
        async with asyncio.timeout(10):
            async for message in client.messages:
                topics.append(message.topic.value)
                if len(topics) == 4:
                    break
    assert sent == 3
    assert topics.count("wristband/b-stream/accel") == 3
    assert topics.count("wristband/b-stream/status") == 1


def test_sim_wristband_command(tmp_path: Path, mosquitto_broker: MosquittoInstance) -> None:
    args = ["wristband", "--host", mosquitto_broker.host, "--port", str(mosquitto_broker.port)]
    result = CliRunner().invoke(app, [*args, "--seconds", "0.1", "--sos"])
    assert result.exit_code == 0, result.output
    assert "1 blocks" in result.output
    csv = weda_csv(tmp_path / "F01_accel.csv", 60)
    result = CliRunner().invoke(app, [*args, "--csv", str(csv)])
    assert result.exit_code == 0, result.output
    assert f"2 blocks from {csv}" in result.output.replace("\n", "")


def test_sim_wristband_to_a_dead_broker_fails_clearly() -> None:
    result = CliRunner().invoke(app, ["wristband", "--port", str(free_port()), "--seconds", "1"])
    assert result.exit_code == 1
    assert "is it running" in " ".join(result.output.split())


def _detections_of(blocks: list[list[tuple[float, float, float]]]) -> list[str]:
    from datetime import UTC, datetime, timedelta

    from contracts.devices.wristband import WristbandAccelPayload
    from edge_agent.detectors.fall import FallDetector
    from firmware_sim.wristband import WristbandSim

    band = WristbandSim("c8f09e3a11b2", seed=7)
    detector = FallDetector()
    t0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    ms0 = int(t0.timestamp() * 1000)
    out = []
    for i, block in enumerate(blocks):
        payload = WristbandAccelPayload.parse_payload(band.accel_payload(ms0 + i * 1000, block))
        out += detector.observe("band-1", payload.to_reading(), t0 + timedelta(seconds=i + 1))
    out += detector.tick(t0 + timedelta(seconds=len(blocks) + 60))
    return [d.event.type.value for d in out]


def test_the_emulated_fall_is_a_fall_and_an_upright_wrist_is_not() -> None:
    """The demo's fall scenario plays these motions; the real detector must agree."""
    from firmware_sim.wristband import WristbandSim

    band = WristbandSim("c8f09e3a11b2", seed=3)
    assert _detections_of(band.upright_seconds(4) + band.fall_motion()) == ["fall"]
    assert _detections_of(band.upright_seconds(12)) == []
