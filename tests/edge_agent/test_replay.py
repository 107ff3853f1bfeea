"""``edge replay`` and ``edge record``: traces through the same detectors, and back again."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiomqtt
import pytest
import yaml
from typer.testing import CliRunner

from contracts.readings import SmokeReading, WristbandStatus
from edge_agent.cli import app
from edge_agent.replay.record import TraceWriter, record_trace
from edge_agent.replay.runner import TraceReplayer
from edge_agent.replay.trace import TraceLine, parse_trace_line
from firmware_sim.wristband import WristbandSim
from firmware_sim.zigbee2mqtt import SmokeSensorSim
from tests.edge_agent.conftest import BAND_ID, edge_settings
from tests.servers import MosquittoInstance

T0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


def line(at: datetime, device_id: str, reading: SmokeReading | WristbandStatus) -> str:
    return TraceLine(t=at, device_id=device_id, reading=reading).to_json()


def write_config(tmp_path: Path, home: MosquittoInstance, cloud: MosquittoInstance) -> Path:
    path = tmp_path / "edge.yaml"
    settings = edge_settings(tmp_path, home, cloud)
    path.write_text(yaml.safe_dump(settings.model_dump(mode="json")))
    return path


@pytest.fixture
def config(tmp_path: Path) -> Path:
    # replay needs no broker: the endpoints are never contacted
    unused = MosquittoInstance(port=1, workdir=tmp_path)
    return write_config(tmp_path, unused, unused)


def test_replay_prints_one_json_event_per_line_with_trace_time(
    tmp_path: Path, config: Path
) -> None:
    trace = tmp_path / "night.jsonl"
    trace.write_text(
        "# a kitchen fire, and the sensor going silent for 26 h\n"
        + line(T0, "smoke-0001", SmokeReading(smoke=False))
        + "\n\n"
        + line(T0 + timedelta(minutes=5), "smoke-0001", SmokeReading(smoke=True))
        + "\n"
        + line(T0 + timedelta(minutes=9), "smoke-0001", SmokeReading(smoke=False))
        + "\n"
        + line(T0 + timedelta(hours=26), "band-0001", WristbandStatus(heart_rate_bpm=70))
        + "\n"
    )
    result = CliRunner().invoke(app, ["replay", str(trace), "--config", str(config)])
    assert result.exit_code == 0, result.output
    events = [json.loads(x) for x in result.stdout.splitlines()]
    assert [(e["t"], e["event"]["type"], e["event"]["status"]) for e in events] == [
        ("2026-11-24T03:05:00+00:00", "fire", "raised"),
        ("2026-11-24T03:09:00+00:00", "fire", "cleared"),
        ("2026-11-25T04:09:01+00:00", "device_offline", "raised"),  # from a tick, 25 h later
    ]
    assert {e["device_id"] for e in events} == {"smoke-0001"}
    assert "replayed 4 readings" in result.stderr


def test_bad_trace_lines_are_reported_skipped_and_fail_the_run(
    tmp_path: Path, config: Path
) -> None:
    trace = tmp_path / "bad.jsonl"
    trace.write_text(
        '{"t": "2026-11-24T03:00:00", "device_id": "smoke-0001", "reading": {"kind": '
        '"reading.smoke", "smoke": true}}\n'  # naive time
        + "not json\n"
        + line(T0, "smoke-0001", SmokeReading(smoke=True))
        + "\n"
    )
    result = CliRunner().invoke(app, ["replay", str(trace), "--config", str(config)])
    assert result.exit_code == 1
    assert len(result.stdout.splitlines()) == 1  # the good line still raised its fire
    assert f"{trace}:1:" in result.stderr.replace("\n", "")
    assert "2 bad lines skipped" in result.stderr


def test_a_missing_trace_is_a_clear_error(tmp_path: Path, config: Path) -> None:
    result = CliRunner().invoke(app, ["replay", str(tmp_path / "nope"), "--config", str(config)])
    assert result.exit_code == 1
    assert "cannot read the trace" in result.stderr


def test_replay_ticks_through_gaps_like_the_live_agent() -> None:
    replayer = TraceReplayer(
        edge_settings(Path("unused"), *([MosquittoInstance(port=1, workdir=Path())] * 2))
    )
    lines = [
        TraceLine(t=T0, device_id="smoke-0001", reading=SmokeReading(smoke=False)),
        TraceLine(
            t=T0 - timedelta(seconds=5), device_id="smoke-0001", reading=SmokeReading(smoke=True)
        ),
    ]
    events = list(replayer.run(lines))
    assert replayer.out_of_order == 1
    assert [e.t for e in events] == [T0]  # a line from the past counts as now


@pytest.mark.integration
async def test_record_writes_what_replay_reads(
    tmp_path: Path, home_broker: MosquittoInstance
) -> None:
    settings = edge_settings(tmp_path, home_broker, home_broker)
    trace = tmp_path / "recorded.jsonl"
    ready = asyncio.Event()
    with trace.open("w", encoding="utf-8") as handle:
        writer = TraceWriter(handle)
        task = asyncio.create_task(record_trace(settings, writer, duration_s=30, ready=ready))
        async with asyncio.timeout(10):
            await ready.wait()
        band = WristbandSim(BAND_ID)
        smoke = SmokeSensorSim("smoke_kitchen")
        async with aiomqtt.Client(home_broker.host, home_broker.port) as client:
            await band.publish(client, band.accel_topic, band.resting_block(1795489200000))
            await smoke.publish_state(client, {"smoke": True})
            await band.publish(client, band.status_topic, b"{broken")
            await band.publish(client, band.status_topic, band.status_payload(sos=True))
        async with asyncio.timeout(10):
            while writer.lines < 3:
                await asyncio.sleep(0.02)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
    lines = [parse_trace_line(x) for x in trace.read_text().splitlines()]
    assert [(x.device_id, x.reading.kind) for x in lines] == [
        ("band-0001", "reading.wristband_accel"),
        ("smoke-0001", "reading.smoke"),
        ("band-0001", "reading.wristband_status"),
    ]
    assert lines[0].device_time == datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    events = list(TraceReplayer(settings).run(lines))
    assert [e.event.type.value for e in events] == ["fire", "sos"]


@pytest.mark.integration
async def test_record_stops_after_its_duration(
    tmp_path: Path, home_broker: MosquittoInstance
) -> None:
    settings = edge_settings(tmp_path, home_broker, home_broker)
    with (tmp_path / "t.jsonl").open("w") as handle:
        assert await record_trace(settings, TraceWriter(handle), duration_s=0.5) == 0


@pytest.mark.integration
def test_edge_record_command_writes_for_its_duration(
    tmp_path: Path, home_broker: MosquittoInstance
) -> None:
    config = write_config(tmp_path, home_broker, home_broker)
    out = tmp_path / "trace.jsonl"
    result = CliRunner().invoke(
        app, ["record", "--config", str(config), "--out", str(out), "--duration", "0.5"]
    )
    assert result.exit_code == 0, result.output
    assert "recorded 0 readings" in result.stderr
    assert out.exists()


def test_edge_record_to_an_unwritable_place_is_a_clear_error(tmp_path: Path, config: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    result = CliRunner().invoke(
        app, ["record", "--config", str(config), "--out", str(blocker / "t.jsonl")]
    )
    assert result.exit_code == 1
    assert "cannot write the trace" in result.stderr
