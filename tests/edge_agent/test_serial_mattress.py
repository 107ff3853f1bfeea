"""The serial mattress reader over a real pseudo-terminal, against the emulated firmware."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable
from pathlib import Path

import pytest

from contracts.devices.mattress_serial import (
    SYNC,
    DeviceState,
    ErrorPayload,
    FrameType,
    MattressMode,
    StatusPayload,
    VitalsPayload,
    encode_frame,
    encode_payload_frame,
)
from contracts.readings import MattressRawBlock, MattressSource, MattressVitals
from edge_agent.errors import SerialPortError
from edge_agent.readers.serial_mattress import (
    MattressUpdate,
    SerialMattressReader,
    identify_mattress,
)
from firmware_sim.bcg import BcgSynth
from firmware_sim.mattress import BLOCK_SAMPLES, BOOT_BANNER, SCALE, MattressFirmwareSim, quantise
from tests.edge_agent.serial_support import background, mattress_settings, running, wait_until


async def test_vitals_mode_readings_and_identity() -> None:
    with MattressFirmwareSim(MattressMode.VITALS, heart_rate_bpm=58, speed=20, seed=2) as sim:
        reader = SerialMattressReader(mattress_settings(sim.port_path, MattressMode.VITALS))
        async with running(reader) as updates, background(sim.run()):
            await wait_until(lambda: len(updates) >= 10 and reader.identity is not None, "vitals")
        assert reader.identity is not None
        assert (reader.identity.mode, reader.identity.serial_number) == (
            MattressMode.VITALS,
            "SIM-000001",
        )
        readings = [u.reading for u in updates]
        assert all(isinstance(r, MattressVitals) for r in readings)
        vitals = [r for r in readings if isinstance(r, MattressVitals)]
        assert all(v.source is MattressSource.FIRMWARE and v.in_bed for v in vitals)
        assert all(v.heart_rate_bpm is not None and 53 < v.heart_rate_bpm < 63 for v in vitals)
        assert {u.device_id for u in updates} == {"mattress-0001"}
        seqs = [u.seq for u in updates]
        assert seqs == sorted(seqs)
        health = reader.health
        assert (health.garbage_bytes, health.torn_frames, health.crc_errors) == (0, 0, 0)
        assert health.frames_ok >= len(updates) + 1  # + the IDENTIFY answer
        assert sim.identify_requests == 1
        json.dumps(health.as_dict())


async def test_raw_mode_delivers_the_exact_samples() -> None:
    with MattressFirmwareSim(MattressMode.RAW, speed=10, seed=5) as sim:
        reader = SerialMattressReader(mattress_settings(sim.port_path, MattressMode.RAW))
        async with running(reader) as updates:
            await wait_until(reader.connected.is_set, "the port to open")
            async with background(sim.run()):
                await wait_until(lambda: len(updates) >= 20, "20 raw blocks")
        blocks = [u.reading for u in updates]
        assert all(isinstance(b, MattressRawBlock) for b in blocks)
        raw = [b for b in blocks if isinstance(b, MattressRawBlock)]
        assert [b.first_sample_seq for b in raw] == [BLOCK_SAMPLES * i for i in range(len(raw))]
        assert {(b.sample_rate_hz, b.channel) for b in raw} == {(100.0, "bcg")}
        synth = BcgSynth(seed=5)
        expected = [quantise(v) * SCALE for v in synth.samples(BLOCK_SAMPLES * len(raw))]
        assert [s for b in raw for s in b.samples] == expected
        assert reader.health.frames_lost == 0


def vitals_frame(seq: int) -> bytes:
    frame = encode_payload_frame(VitalsPayload(True, 60.0, 14.0, 0.1, 0.9), seq)
    assert frame.count(SYNC) == 1  # the counts below assume no sync pattern inside a frame
    return frame


async def test_line_damage_and_bad_payloads_are_counted_exactly() -> None:
    with MattressFirmwareSim(MattressMode.VITALS) as sim:
        reader = SerialMattressReader(mattress_settings(sim.port_path, MattressMode.VITALS))
        async with running(reader) as updates, background(sim.run(stream=False)):
            await wait_until(lambda: reader.identity is not None, "the IDENTIFY answer (seq 0)")
            bad_crc = bytearray(vitals_frame(3))
            bad_crc[-1] ^= 0x01
            garbage = b"\x00\x13 boot v2.1 \r\n\xff"
            stream = [
                vitals_frame(1),
                garbage,
                vitals_frame(2)[:10],  # torn: the cable wobbled
                bytes(bad_crc),
                vitals_frame(4),
                encode_frame(FrameType.VITALS, 5, b"\x01\x02"),  # CRC fine, payload not
                encode_frame(0x7E, 6, b"newer firmware"),
                encode_payload_frame(ErrorPayload(0x0031, "ADC overrun"), 7),
                encode_payload_frame(StatusPayload(DeviceState.CALIBRATING, 12), 8),
                vitals_frame(11),  # 9 and 10 never came
            ]
            for chunk in stream:
                sim.write(chunk)
            await wait_until(lambda: len(updates) == 3, "the three good vitals")
            await wait_until(lambda: reader.health.frames_ok == 1 + 7, "every good frame")
        assert [u.seq for u in updates] == [1, 4, 11]
        health = reader.health
        assert (health.garbage_bytes, health.torn_frames, health.crc_errors) == (len(garbage), 1, 1)
        assert (health.malformed_payloads, health.unknown_frames, health.device_errors) == (1, 1, 1)
        assert health.frames_lost == 2 + 2  # 2 and 3 damaged, 9 and 10 missing
        assert health.device_state == "calibrating"
        assert health.disconnects == 0
        assert [m.frame.seq for m in reader.malformed] == [5]
        assert "VITALS payload of 2 bytes" in reader.malformed[0].reason


async def test_unplugged_cable_reconnects_when_the_port_is_back(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    link = tmp_path / "ttyMattress"
    sim = MattressFirmwareSim(MattressMode.VITALS, link=link, speed=25)
    with sim:
        reader = SerialMattressReader(mattress_settings(link, MattressMode.VITALS))
        async with running(reader) as updates, background(sim.run()):
            await wait_until(lambda: len(updates) >= 5, "readings before the unplug")
            first_pts = str(link.readlink())
            with caplog.at_level(logging.WARNING, logger="edge_agent.readers.serial_mattress"):
                sim.unplug()
                await wait_until(lambda: reader.health.disconnects == 1, "the disconnect")
                assert not link.exists()
                await wait_until(lambda: not reader.connected.is_set(), "the port closed")
                seen = len(updates)
                await wait_until(lambda: reader.health.open_failures >= 3, "reopen attempts")
                sim.replug()
                await wait_until(lambda: reader.health.reconnects == 1, "the reconnect")
                await wait_until(lambda: len(updates) >= seen + 5, "readings after the replug")
            await wait_until(lambda: sim.identify_requests == 2, "a new IDENTIFY")
        assert link.readlink().as_posix().startswith("/dev/pts/"), first_pts
    health = reader.health
    assert (health.disconnects, health.reconnects) == (1, 1)
    # Logged once per outage, however many times it retried while unplugged.
    messages = [r.getMessage() for r in caplog.records]
    assert len([m for m in messages if "failed" in m]) == 1, messages
    assert len([m for m in messages if "cannot open" in m]) == 0, messages


async def test_a_port_that_is_not_there_yet_is_waited_for(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    link = tmp_path / "ttyLater"
    reader = SerialMattressReader(mattress_settings(link, MattressMode.RAW))
    with caplog.at_level(logging.WARNING, logger="edge_agent.readers.serial_mattress"):
        async with running(reader) as updates:
            await wait_until(
                lambda: any("cannot open" in r.getMessage() for r in caplog.records), "a log"
            )
            await wait_until(lambda: reader.health.open_failures >= 3, "reopen attempts")
            with MattressFirmwareSim(MattressMode.RAW, link=link, speed=10) as sim:
                async with background(sim.run()):
                    await wait_until(lambda: len(updates) >= 3, "raw blocks")
    assert len(caplog.records) == 1, [r.getMessage() for r in caplog.records]
    assert "check the mattress's USB cable" in caplog.records[0].getMessage()
    assert (reader.health.disconnects, reader.health.reconnects) == (0, 0)


async def test_a_mode_mismatch_is_explained(caplog: pytest.LogCaptureFixture) -> None:
    with MattressFirmwareSim(MattressMode.RAW) as sim:
        reader = SerialMattressReader(mattress_settings(sim.port_path, MattressMode.VITALS))
        with caplog.at_level(logging.WARNING, logger="edge_agent.readers.serial_mattress"):
            async with running(reader), background(sim.run(stream=False)):
                await wait_until(lambda: reader.identity is not None, "the IDENTIFY answer")
    assert "sends raw but the config says vitals: set mattress.mode to raw" in caplog.text


async def test_the_emulators_own_faults_are_counted_exactly() -> None:
    with MattressFirmwareSim(MattressMode.VITALS, seed=11) as sim:
        reader = SerialMattressReader(mattress_settings(sim.port_path, MattressMode.VITALS))
        async with running(reader) as updates, background(sim.run(stream=False)):
            await wait_until(lambda: reader.identity is not None, "the IDENTIFY answer")
            sim.send_frame()
            sim.send_garbage()
            sim.send_torn_frame()
            sim.send_frame()
            sim.send_bad_crc_frame()
            sim.send_frame()
            await wait_until(lambda: len(updates) == 3, "three good frames")
        health = reader.health
        damage = (health.garbage_bytes, health.torn_frames, health.crc_errors)
        assert damage == (len(BOOT_BANNER), 1, 1)
        assert health.frames_lost == 2
        assert sim.bytes_dropped == 0


async def test_identify_asks_once_for_setup() -> None:
    with MattressFirmwareSim(MattressMode.RAW, serial_number="SN-9") as sim:
        async with background(sim.run(stream=False)):
            identity = await identify_mattress(sim.port_path, timeout_s=10)
    assert (identity.mode, identity.sample_rate_hz, identity.serial_number) == (
        MattressMode.RAW,
        100.0,
        "SN-9",
    )


async def test_identify_explains_a_missing_or_silent_port(tmp_path: Path) -> None:
    with pytest.raises(SerialPortError, match=r"cannot open mattress port .*ttyNone"):
        await identify_mattress(str(tmp_path / "ttyNone"))
    sim = MattressFirmwareSim(MattressMode.RAW)  # plugged in, but its loop is not running
    with sim, pytest.raises(SerialPortError, match=r"no answer to IDENTIFY .* within 0\.3 s"):
        await identify_mattress(sim.port_path, timeout_s=0.3)


@pytest.mark.parametrize("mode", [MattressMode.VITALS, MattressMode.RAW])
async def test_random_faults_lose_exactly_the_damaged_frames(mode: MattressMode) -> None:
    speed = 100 if mode is MattressMode.VITALS else 40  # 100 or 160 frames/s
    sim = MattressFirmwareSim(mode, speed=speed, fault_rate=0.25, seed=21)
    with sim:
        reader = SerialMattressReader(mattress_settings(sim.port_path, mode))
        async with running(reader) as updates:
            await wait_until(reader.connected.is_set, "the port to open")
            sim.send_frame()  # a first good frame: losses count from here
            await wait_until(lambda: len(updates) == 1, "the first frame")
            async with background(sim.run()):
                await wait_until(lambda: sim.frames_sent >= 120, "120 frames streamed")
            sim.send_frame()  # a last good frame: every damaged one before it is now counted
            await wait_until(lambda: len(updates) == sim.frames_sent, "every intact frame")
    assert sim.bytes_dropped == 0
    assert set(sim.faults) == {"garbage", "torn", "bad_crc"}
    health = reader.health
    assert health.frames_lost == sim.faults["torn"] + sim.faults["bad_crc"]
    assert health.torn_frames + health.crc_errors == health.frames_lost
    assert health.frames_ok == sim.frames_sent + 1  # + the IDENTIFY answer
    assert health.garbage_bytes > 0


def more_than(items: list[MattressUpdate], n: int) -> Callable[[], bool]:
    """A condition: ``n`` more items than now."""
    want = len(items) + n
    return lambda: len(items) >= want


@pytest.mark.slow
async def test_soak_many_unplugs_on_a_faulty_line(tmp_path: Path) -> None:
    link = tmp_path / "ttySoak"
    sim = MattressFirmwareSim(MattressMode.RAW, link=link, speed=10, fault_rate=0.1, seed=3)
    cycles = 15
    with sim:
        reader = SerialMattressReader(mattress_settings(link, MattressMode.RAW))
        async with running(reader) as updates, background(sim.run()):
            for cycle in range(cycles):
                await wait_until(more_than(updates, 20), f"readings in cycle {cycle}")
                sim.unplug()
                await wait_until(lambda: not reader.connected.is_set(), "the port closed")
                await asyncio.sleep(0.3)
                sim.replug()
            await wait_until(lambda: reader.health.reconnects == cycles, "the last reconnect")
            await wait_until(more_than(updates, 20), "readings after the last replug")
    health = reader.health
    assert (health.disconnects, health.reconnects) == (cycles, cycles)
    assert sim.identify_requests == cycles + 1
    assert health.frames_ok >= len(updates)
