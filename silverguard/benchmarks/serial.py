"""How fast the mattress serial path decodes: the figures behind a million-frame fuzz run and
the edge agent's CPU budget.

Measures, on one core: the stream decoder's frames/s on a clean raw-mode stream and on a
damaged one (junk bursts, torn frames, CRC errors), and frames → contract readings per second
(payload decoding plus pydantic validation) for raw blocks and for vitals. From those it gives
the share of one core a real-time raw-mode mattress needs on the serial path (4 frames/s).

Example:
    >>> result = run_serial_bench(2000)
    >>> result["clean"]["frames"], result["damaged"]["frames_ok"] < 2000
    (2000, True)
"""

from __future__ import annotations

import platform
import random
import time
from collections.abc import Callable

from contracts.devices.mattress_serial import (
    Frame,
    RawBlockPayload,
    VitalsPayload,
    decode_payload,
    encode_payload_frame,
)
from contracts.devices.mattress_serial_stream import FrameDecoder
from firmware_sim.bcg import BcgSynth
from firmware_sim.mattress import BLOCK_SAMPLES, SCALE, quantise

CHUNK = 4096
"""Bytes per feed (what one read of a busy port returns)."""
RAW_FRAMES_PER_S = 100 / BLOCK_SAMPLES


def raw_frames(n: int, seed: int = 0) -> list[bytes]:
    """``n`` RAW_BLOCK frames of synthetic BCG (100 distinct blocks, cycled)."""
    synth = BcgSynth(seed=seed)
    blocks = [tuple(quantise(v) for v in synth.samples(BLOCK_SAMPLES)) for _ in range(100)]
    return [
        encode_payload_frame(
            RawBlockPayload(i * BLOCK_SAMPLES % 2**32, 100.0, "bcg", SCALE, blocks[i % 100]),
            i % 0x10000,
        )
        for i in range(n)
    ]


def damage(frames: list[bytes], seed: int = 0) -> bytes:
    """The frames with every 10th followed by junk, every 20th torn, every 25th bad CRC."""
    rng = random.Random(seed)  # noqa: S311 (test data, not a secret)
    out = bytearray()
    for i, frame in enumerate(frames):
        if i % 20 == 19:
            out += frame[: rng.randrange(4, len(frame) - 1)]
        elif i % 25 == 24:
            out += frame[:-1] + bytes([frame[-1] ^ 0x5A])
        else:
            out += frame
        if i % 10 == 9:
            out += rng.randbytes(16)
    return bytes(out)


def _decode_all(stream: bytes) -> tuple[list[Frame], FrameDecoder, float]:
    decoder = FrameDecoder()
    frames: list[Frame] = []
    start = time.perf_counter()
    for pos in range(0, len(stream), CHUNK):
        frames += decoder.feed(stream[pos : pos + CHUNK])
    decoder.flush()
    return frames, decoder, time.perf_counter() - start


def _rate(count: int, work: Callable[[], object]) -> float:
    start = time.perf_counter()
    work()
    return count / (time.perf_counter() - start)


def run_serial_bench(n_frames: int) -> dict[str, object]:
    """Run every measurement on ``n_frames`` frames; return the figures (JSON-ready)."""
    frames = raw_frames(n_frames)
    clean = b"".join(frames)
    decoded, _, clean_s = _decode_all(clean)
    damaged_stream = damage(frames)
    _, damaged_decoder, damaged_s = _decode_all(damaged_stream)
    vitals = [
        encode_payload_frame(VitalsPayload(True, 60.0 + i % 20, 14.0, 0.1, 0.9), i % 0x10000)
        for i in range(min(n_frames, 50_000))
    ]
    vitals_frames, _, _ = _decode_all(b"".join(vitals))
    sample = decoded[: min(n_frames, 50_000)]
    payloads_per_s = _rate(len(sample), lambda: [decode_payload(f) for f in sample])
    payloads = [RawBlockPayload.decode(f.payload) for f in sample]
    readings_per_s = _rate(len(payloads), lambda: [p.to_reading() for p in payloads])
    raw_pipeline_per_s = 1 / (1 / payloads_per_s + 1 / readings_per_s + clean_s / n_frames)
    vitals_per_s = _rate(
        len(vitals_frames),
        lambda: [VitalsPayload.decode(f.payload).to_reading() for f in vitals_frames],
    )
    stats = damaged_decoder.stats
    return {
        "python": platform.python_version(),
        "clean": {
            "frames": len(decoded),
            "bytes": len(clean),
            "frames_per_s": round(n_frames / clean_s),
            "mb_per_s": round(len(clean) / clean_s / 1e6, 2),
        },
        "damaged": {
            "bytes": len(damaged_stream),
            "frames_ok": stats.frames_ok,
            "garbage_bytes": stats.garbage_bytes,
            "torn_frames": stats.torn_frames,
            "crc_errors": stats.crc_errors,
            "frames_per_s": round(n_frames / damaged_s),
        },
        "raw_payloads_decoded_per_s": round(payloads_per_s),
        "raw_frames_to_readings_per_s": round(raw_pipeline_per_s),
        "vitals_frames_to_readings_per_s": round(vitals_per_s),
        "one_raw_mattress_cpu_pct_of_core": round(100 * RAW_FRAMES_PER_S / raw_pipeline_per_s, 4),
        "million_frame_fuzz_decode_s": round(1e6 / (n_frames / damaged_s), 1),
    }
