"""The stream decoder resynchronises after any damage, counts it exactly, and never crashes."""

from __future__ import annotations

from dataclasses import asdict

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from contracts.devices.mattress_serial import (
    SYNC,
    Frame,
    FrameType,
    RawBlockPayload,
    VitalsPayload,
    encode_frame,
    encode_payload_frame,
)
from contracts.devices.mattress_serial_stream import DecoderStats, FrameDecoder

PROPERTY = settings(
    max_examples=150, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow]
)


def vitals(seq: int) -> bytes:
    return encode_payload_frame(VitalsPayload(True, 60.0 + seq % 10, 14.0, 0.1, 0.9), seq)


def feed_in_chunks(decoder: FrameDecoder, data: bytes, size: int) -> list[Frame]:
    frames: list[Frame] = []
    for start in range(0, len(data), size):
        frames += decoder.feed(data[start : start + size])
    return frames


def test_clean_stream_in_one_byte_chunks() -> None:
    stream = b"".join(vitals(seq) for seq in range(50))
    d = FrameDecoder()
    frames = feed_in_chunks(d, stream, 1)
    assert [f.seq for f in frames] == list(range(50))
    assert d.stats == DecoderStats(frames_ok=50)
    assert d.pending_bytes == 0


def test_each_kind_of_damage_is_counted_exactly_once() -> None:
    bad_crc = bytearray(vitals(2))
    bad_crc[9] ^= 0x40  # a bit error in the payload
    stream = (
        b"\x00\x13garbage"  # 9 garbage bytes
        + vitals(0)
        + vitals(1)[:11]  # torn: cut after its header, then the next frame begins
        + bytes(bad_crc)
        + b"\xaa\x55\xff\xff"  # a "header" claiming 65535 bytes: 4 garbage bytes
        + vitals(3)
        + vitals(9)  # 5 frames lost on the way
        + vitals(10)[:3]  # cut within its first 4 bytes: garbage
        + vitals(11)
    )
    for chunk in (1, 3, 7, len(stream)):
        d = FrameDecoder()
        frames = feed_in_chunks(d, stream, chunk)
        assert [f.seq for f in frames] == [0, 3, 9, 11], chunk
        assert d.stats == DecoderStats(
            frames_ok=4,
            garbage_bytes=9 + 4 + 3,
            torn_frames=1,
            crc_errors=1,
            frames_lost=2 + 5 + 1,
            sequence_resets=0,
        ), chunk


def test_a_torn_frame_does_not_delay_the_next_one() -> None:
    # The torn frame claims 600 payload bytes; the next frame must come out at once.
    torn = encode_frame(FrameType.STATUS, 1, bytes(600))[:20]
    d = FrameDecoder()
    assert d.feed(torn) == []
    frames = d.feed(vitals(2))
    assert [f.seq for f in frames] == [2]
    assert d.stats.torn_frames == 1


def test_flush_counts_what_was_held_back() -> None:
    d = FrameDecoder()
    d.feed(vitals(0) + vitals(1)[:10])
    assert d.pending_bytes == 10
    assert d.flush() == DecoderStats(frames_ok=1, torn_frames=1)
    d.feed(b"\x01\xaa")
    assert d.flush().garbage_bytes == 2
    assert d.pending_bytes == 0


def test_sequence_wraps_and_resets() -> None:
    d = FrameDecoder()
    d.feed(vitals(65534) + vitals(65535) + vitals(0) + vitals(1))
    assert d.stats.frames_lost == 0
    d.feed(vitals(40_000))  # a restarted device numbers from somewhere else
    assert (d.stats.frames_lost, d.stats.sequence_resets) == (0, 1)
    d.reset_sequence()
    d.feed(vitals(7))
    assert (d.stats.frames_lost, d.stats.sequence_resets) == (0, 1)


def test_sync_bytes_inside_a_raw_block_do_not_split_it() -> None:
    counts = (0x55AA, 0x55AA, 100)  # little-endian: 0xAA 0x55, twice
    wire = encode_payload_frame(RawBlockPayload(0, 100.0, "bcg", 1.0, counts), 1)
    assert wire.count(SYNC) == 3
    d = FrameDecoder()
    assert [f.seq for f in feed_in_chunks(d, wire * 3, 5)] == [1, 1, 1]
    assert d.stats.garbage_bytes == d.stats.torn_frames == d.stats.crc_errors == 0


frames_strategy = st.lists(
    st.tuples(
        st.sampled_from([FrameType.RAW_BLOCK, FrameType.VITALS, FrameType.STATUS, 0x7E]),
        st.integers(0, 0xFFFF),
        st.binary(max_size=64),
    ),
    min_size=1,
    max_size=12,
)


@PROPERTY
@given(data=st.binary(max_size=4096), chunk=st.integers(1, 300))
def test_random_bytes_never_crash_and_only_valid_frames_come_out(data: bytes, chunk: int) -> None:
    d = FrameDecoder()
    for frame in feed_in_chunks(d, data, chunk):
        assert encode_frame(frame.frame_type, frame.seq, frame.payload) in data
    stats = d.flush()
    assert stats.garbage_bytes <= len(data)


@PROPERTY
@given(
    frames=frames_strategy,
    junk=st.lists(st.binary(max_size=80), min_size=13, max_size=13),
    chunk=st.integers(1, 200),
)
def test_every_valid_frame_embedded_in_junk_is_found(
    frames: list[tuple[int, int, bytes]], junk: list[bytes], chunk: int
) -> None:
    stream = junk[0] + b"".join(encode_frame(*f) + junk[i + 1] for i, f in enumerate(frames))
    decoded = feed_in_chunks(FrameDecoder(), stream, chunk)
    found = [(f.frame_type, f.seq, f.payload) for f in decoded]
    remaining = iter(found)
    assert all(f in remaining for f in frames), "a valid frame was lost"


mutation = st.one_of(
    st.none(),
    st.tuples(st.just("flip"), st.integers(0, 200), st.integers(1, 255)),
    st.tuples(st.just("cut"), st.integers(0, 200), st.integers(0, 0)),
    st.tuples(st.just("drop"), st.integers(0, 200), st.integers(1, 20)),
)


@PROPERTY
@given(
    payloads=st.lists(st.binary(max_size=40), min_size=1, max_size=15),
    mutations=st.lists(mutation, min_size=15, max_size=15),
    chunk=st.integers(1, 64),
)
def test_mutated_streams_keep_every_untouched_frame_and_chunking_does_not_matter(
    payloads: list[bytes], mutations: list[tuple[str, int, int] | None], chunk: int
) -> None:
    parts, untouched = [], []
    for seq, payload in enumerate(payloads):
        wire = bytearray(encode_frame(FrameType.STATUS, seq, payload))
        change = mutations[seq]
        if change is None:
            untouched.append(seq)
        else:
            op, at, arg = change
            at %= len(wire)
            if op == "flip":
                wire[at] ^= arg
            elif op == "cut":
                del wire[at:]
            else:
                del wire[at : at + arg]
        parts.append(bytes(wire))
    stream = b"".join(parts)
    whole, chunked = FrameDecoder(), FrameDecoder()
    seqs = [f.seq for f in whole.feed(stream)]
    assert [f.seq for f in feed_in_chunks(chunked, stream, chunk)] == seqs
    assert asdict(whole.flush()) == asdict(chunked.flush())
    assert set(untouched) <= set(seqs)
