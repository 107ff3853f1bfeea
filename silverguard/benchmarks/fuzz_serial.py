"""A seeded mutation fuzzer for the mattress serial decoder (``silverguard bench fuzz-serial``).

It builds a stream of frames (valid payloads of every type, random payloads, unknown types),
damages a share of them (bit flips, dropped and inserted bytes, truncation, duplication, random
junk between frames), feeds it to :class:`~contracts.devices.mattress_serial_stream.
FrameDecoder` in random chunks and checks, for every frame:

- the decoder never raises, and every frame it returns has a CRC that checks out;
- every frame it returns is a run of the bytes fed, and every undamaged frame comes out,
  unless damaged bytes formed a CRC-valid frame overlapping it (counted apart: both readings
  of those bytes are valid frames);
- decoding a returned frame's payload and turning it into a reading either works or raises
  :class:`~contracts.errors.ContractError` with a message, never anything else.

Example:
    >>> result = run_serial_fuzz(2_000, seed=7)
    >>> result["frames"], result["failures"], result["untouched_missing_unexplained"]
    (2000, [], 0)
"""

from __future__ import annotations

import random
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from contracts.devices.mattress_serial import (
    MAX_PAYLOAD,
    DeviceState,
    ErrorPayload,
    Frame,
    FrameType,
    IdentifyResponse,
    MattressMode,
    RawBlockPayload,
    StatusPayload,
    VitalsPayload,
    decode_payload,
    encode_frame,
)
from contracts.devices.mattress_serial_stream import FrameDecoder
from contracts.errors import ContractError

_MUTATIONS = ("flip", "drop", "insert", "truncate", "duplicate", "junk", "sync_junk")


@dataclass
class _Outcome:
    failures: list[str] = field(default_factory=list)
    payload_errors: Counter[str] = field(default_factory=Counter)
    readings: int = 0


def _valid_payload(rng: random.Random, frame_type: int) -> bytes:
    if frame_type == FrameType.RAW_BLOCK:
        counts = tuple(rng.randint(-32768, 32767) for _ in range(rng.randint(1, 100)))
        return RawBlockPayload(rng.randrange(2**32), 100.0, "bcg", 0.01, counts).encode()
    if frame_type == FrameType.VITALS:
        return VitalsPayload(
            rng.random() < 0.5, rng.uniform(30, 180), rng.uniform(4, 40), rng.random(), rng.random()
        ).encode()
    if frame_type == FrameType.STATUS:
        return StatusPayload(rng.choice(list(DeviceState)), rng.randrange(2**32), "ok").encode()
    if frame_type == FrameType.ERROR:
        return ErrorPayload(rng.randrange(2**16), "sensor fault").encode()
    if frame_type == FrameType.IDENTIFY_RESPONSE:
        return IdentifyResponse(MattressMode.RAW, 100.0, "Acme", "BCG-1", "SN1", "1.0").encode()
    return b""


def _frame(rng: random.Random, seq: int) -> bytes:
    """One valid frame: mostly well-formed payloads, some random payloads and unknown types."""
    roll = rng.random()
    frame_type: int = rng.choice(list(FrameType))
    if roll < 0.6:
        payload = _valid_payload(rng, frame_type)
    elif roll < 0.95:
        payload = rng.randbytes(rng.randint(0, 64))
    else:
        frame_type = rng.randrange(256)
        payload = rng.randbytes(rng.randint(0, MAX_PAYLOAD))
    return encode_frame(frame_type, seq, payload)


def _mutate(rng: random.Random, wire: bytes) -> bytes:
    data = bytearray(wire)
    kind = rng.choice(_MUTATIONS)
    if kind == "flip":
        for _ in range(rng.randint(1, 3)):
            data[rng.randrange(len(data))] ^= 1 << rng.randrange(8)
    elif kind == "drop":
        del data[rng.randrange(len(data))]
    elif kind == "insert":
        data.insert(rng.randrange(len(data) + 1), rng.randrange(256))
    elif kind == "truncate":
        del data[rng.randrange(1, len(data)) :]
    elif kind == "duplicate":
        data = data + data
    elif kind == "junk":
        data = bytearray(rng.randbytes(rng.randint(1, 40))) + data
    else:  # a sync pattern and a plausible header followed by junk
        data = bytearray(b"\xaa\x55" + rng.randbytes(rng.randint(2, 20))) + data
    return bytes(data)


def _check_frame(frame: Frame, out: _Outcome) -> None:
    try:
        payload = decode_payload(frame)
        if isinstance(payload, RawBlockPayload | VitalsPayload):
            payload.to_reading()
            out.readings += 1
    except ContractError as exc:
        if not str(exc):
            out.failures.append(f"{type(exc).__name__} without a message")
        out.payload_errors[type(exc).__name__] += 1
    except Exception as exc:
        out.failures.append(f"type {frame.frame_type:#04x}: {type(exc).__name__}: {exc}")


def _fuzz_batch(
    rng: random.Random, first_seq: int, size: int, damaged_share: float, out: _Outcome
) -> Counter[str]:
    """One stream of ``size`` frames through a fresh decoder, fed in random chunks."""
    counts: Counter[str] = Counter()
    parts: list[bytes] = []
    untouched: list[tuple[int, int]] = []  # (start, end) of undamaged frames in the stream
    offset = 0
    for i in range(first_seq, first_seq + size):
        wire = _frame(rng, i % 0x10000)
        if rng.random() < damaged_share:
            wire = _mutate(rng, wire)
        else:
            untouched.append((offset, offset + len(wire)))
        parts.append(wire)
        offset += len(wire)
    stream = b"".join(parts)
    decoder = FrameDecoder()
    spans: list[tuple[int, int]] = []  # where each returned frame lies in the stream
    pos = cursor = 0
    while pos < len(stream):
        step = rng.randint(1, 4096)
        try:
            got = decoder.feed(stream[pos : pos + step])
        except Exception as exc:
            out.failures.append(f"decoder raised {type(exc).__name__}: {exc}")
            got = []
        for frame in got:
            wire = encode_frame(frame.frame_type, frame.seq, frame.payload)
            start = stream.find(wire, cursor)
            if start < 0:
                out.failures.append(f"frame seq {frame.seq} is not in the bytes fed")
                continue
            spans.append((start, start + len(wire)))
            cursor = start + len(wire)
            _check_frame(frame, out)
        pos += step
    decoder.flush()
    starts = {start for start, _ in spans}
    for start, end in untouched:
        if start in starts:
            continue
        counts["untouched_missing"] += 1
        # Damaged bytes may themselves form a CRC-valid frame that overlaps the next one (a
        # frame missing its last byte, completed by the next sync's 0xAA): both readings of
        # the bytes are valid, so the decoder cannot be faulted for taking the first.
        if not any(s < end and start < e for s, e in spans):
            counts["untouched_missing_unexplained"] += 1
    counts["untouched_frames"] += len(untouched)
    counts["stream_bytes"] += len(stream)
    stats = decoder.stats
    counts["decoder_frames_ok"] += stats.frames_ok
    counts["decoder_garbage_bytes"] += stats.garbage_bytes
    counts["decoder_torn_frames"] += stats.torn_frames
    counts["decoder_crc_errors"] += stats.crc_errors
    return counts


def run_serial_fuzz(frames: int, *, seed: int = 1, damaged_share: float = 0.3) -> dict[str, Any]:
    """Fuzz the decoder with ``frames`` frames; return counts and any failures (JSON-ready).

    Frames go in streams of 1,000 (each through a fresh decoder, so where every frame lies in
    the bytes is known exactly).
    """
    rng = random.Random(seed)  # noqa: S311 - reproducible test data, not secrets
    started = time.perf_counter()
    out = _Outcome()
    counts: Counter[str] = Counter()
    for done in range(0, frames, 1000):
        counts += _fuzz_batch(rng, done, min(1000, frames - done), damaged_share, out)
    elapsed = time.perf_counter() - started
    return {
        "frames": frames,
        "seed": seed,
        "damaged_share": damaged_share,
        "stream_bytes": counts["stream_bytes"],
        "untouched_frames": counts["untouched_frames"],
        "untouched_missing": counts["untouched_missing"],
        "untouched_missing_unexplained": counts["untouched_missing_unexplained"],
        "readings": out.readings,
        "payload_rejections": dict(out.payload_errors),
        "decoder": {
            key.removeprefix("decoder_"): value
            for key, value in sorted(counts.items())
            if key.startswith("decoder_")
        },
        "failures": out.failures[:20],
        "seconds": round(elapsed, 2),
        "frames_per_s": round(frames / elapsed) if elapsed else None,
    }
