"""The emulated mattress: a real pty a pyserial client can open, talk to and lose."""

from __future__ import annotations

import asyncio
import math
import subprocess
import sys
import time
from pathlib import Path

import pytest
import serial

from contracts.devices.mattress_serial import (
    IdentifyRequest,
    IdentifyResponse,
    MattressMode,
    RawBlockPayload,
    VitalsPayload,
    decode_payload,
    encode_payload_frame,
)
from contracts.devices.mattress_serial_stream import FrameDecoder
from firmware_sim.bcg import BcgSynth
from firmware_sim.errors import FirmwareSimError
from firmware_sim.mattress import BLOCK_SAMPLES, MattressFirmwareSim
from tests.edge_agent.serial_support import background


def read_payloads(port: serial.Serial, count: int, timeout_s: float = 20.0) -> list[object]:
    """Blocking: read frames from ``port`` until ``count`` payloads or the timeout."""
    decoder, out = FrameDecoder(), list[object]()
    port.timeout = 0.2
    deadline = time.monotonic() + timeout_s
    while len(out) < count and time.monotonic() < deadline:
        out += [decode_payload(f) for f in decoder.feed(port.read(256))]
    assert decoder.stats.crc_errors == decoder.stats.torn_frames == 0
    return out


def heart_period_samples(samples: list[float], rate_hz: float) -> int:
    """The lag (in samples) of the autocorrelation peak between 0.3 s and 1.5 s."""
    window = int(0.3 * rate_hz)
    hp = [
        x - sum(samples[i - window : i + window]) / (2 * window)
        for i, x in enumerate(samples)
        if window <= i < len(samples) - window
    ]
    mean = sum(hp) / len(hp)
    hp = [x - mean for x in hp]

    def corr(lag: int) -> float:
        return sum(a * b for a, b in zip(hp, hp[lag:], strict=False))

    return max(range(int(0.3 * rate_hz), int(1.5 * rate_hz)), key=corr)


@pytest.mark.parametrize("bpm", [50.0, 75.0, 110.0])
def test_the_synthetic_bcg_beats_at_the_heart_rate(bpm: float) -> None:
    samples = BcgSynth(heart_rate_bpm=bpm, resp_rate_br_min=15.0, seed=7).samples(3000)
    assert abs(heart_period_samples(samples, 100.0) - 6000 / bpm) <= 3


def test_an_empty_bed_is_only_noise() -> None:
    occupied = BcgSynth(seed=1).samples(1000)
    empty = BcgSynth(in_bed=False, seed=1).samples(1000)

    def rms(xs: list[float]) -> float:
        return math.sqrt(sum(x * x for x in xs) / len(xs))

    assert rms(empty) < 0.05
    assert rms(occupied) > 0.3


async def test_it_answers_identify_over_the_pty() -> None:
    with MattressFirmwareSim(MattressMode.RAW, serial_number="SN-77") as sim:
        async with background(sim.run(stream=False)):

            def ask() -> list[object]:
                with serial.Serial(sim.port_path, 115200, timeout=0.2) as port:
                    port.write(encode_payload_frame(IdentifyRequest(), 0))
                    return read_payloads(port, 1)

            answers = await asyncio.to_thread(ask)
    assert answers == [
        IdentifyResponse(MattressMode.RAW, 100.0, "Silverguard", "SIM-BCG-1", "SN-77", "1.0.0")
    ]


async def test_raw_mode_streams_contiguous_blocks() -> None:
    sim = MattressFirmwareSim(MattressMode.RAW, speed=20)
    with sim, serial.Serial(sim.port_path, 115200, timeout=0.2) as port:
        async with background(sim.run()):
            payloads = await asyncio.to_thread(read_payloads, port, 8)
    blocks = [p for p in payloads if isinstance(p, RawBlockPayload)]
    assert len(blocks) == len(payloads) >= 8
    firsts = [b.first_sample_seq for b in blocks]
    assert firsts == list(range(firsts[0], firsts[0] + BLOCK_SAMPLES * len(blocks), BLOCK_SAMPLES))


def test_unplug_removes_the_link_and_replug_restores_it(tmp_path: Path) -> None:
    link = tmp_path / "ttyMattress"
    sim = MattressFirmwareSim(MattressMode.VITALS, link=link)
    with sim:
        assert link.is_symlink()
        assert sim.port_path == str(link)
        sim.unplug()
        assert not link.exists()
        assert not sim.plugged
        with pytest.raises(FirmwareSimError, match="replug"):
            sim.send_frame()
        sim.replug()
        assert str(link.readlink()).startswith("/dev/pts/")
    assert not link.exists()


def test_bytes_nobody_reads_are_dropped_like_on_a_uart() -> None:
    with MattressFirmwareSim(MattressMode.RAW) as sim:
        for _ in range(2000):
            sim.send_frame()
    assert sim.bytes_dropped > 0
    assert sim.frames_sent == 2000


def test_the_cli_prints_the_port_and_serves_vitals(tmp_path: Path) -> None:
    link = tmp_path / "ttyCli"
    code = "from firmware_sim.cli import app; app()"  # = silverguard sim, without the rest
    args = ["mattress", "--mode", "vitals", "--link", str(link), "--speed", "20"]
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args, "--duration", "1.5", "--heart-rate", "90"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == str(link)
        with serial.Serial(str(link), 115200, timeout=0.2) as port:
            payloads = read_payloads(port, 5)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()
    assert proc.returncode == 0, err
    vitals = [p for p in payloads if isinstance(p, VitalsPayload)]
    assert len(vitals) >= 5
    assert all(v.heart_rate_bpm is not None and 85 < v.heart_rate_bpm < 95 for v in vitals)
    assert "frames sent, faults: none" in out
    assert not link.exists()
