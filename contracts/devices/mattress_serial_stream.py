"""A streaming decoder for the mattress serial protocol: bytes in, CRC-checked frames out.

A serial line loses and mangles bytes: a cable is pulled mid-frame, a noisy line flips a bit,
a device boots and prints a banner. The decoder never raises on such input; it resynchronises
on the next sync pattern and counts each kind of problem exactly once:

- **garbage bytes**: bytes outside any frame candidate (noise, a banner, a frame cut within
  its first four bytes, a header claiming more than ``MAX_PAYLOAD`` bytes — whose sync byte
  is then garbage and scanning goes on from the next byte);
- **torn frame**: a frame start (sync + a plausible length) cut short by the next frame's sync
  — either its CRC fails and a sync pattern lies inside it, or, while it is still incomplete,
  a complete valid frame already starts inside it (so a torn frame never delays the next
  frame); decoding goes on at the first sync inside it;
- **CRC error**: a complete candidate whose CRC fails with no sync inside it (a bit error);
  its bytes are skipped (no valid frame can start inside it);
- **frames lost / sequence resets**: a jump in the sequence number of good frames (a jump
  of 32768 or more is a restart of the device's counter, not a loss).

Every valid frame surrounded by junk is found, however the bytes are chunked, unless the
junk itself happens to form a valid frame around it (1 in 65536 for random bytes).

Example:
    >>> from contracts.devices.mattress_serial import FrameType, encode_frame
    >>> good = [encode_frame(FrameType.STATUS, seq, bytes(5)) for seq in range(4)]
    >>> bad_crc = good[1][:-1] + bytes([good[1][-1] ^ 1])
    >>> stream = b"boot v1.2\\n" + good[0] + bad_crc + good[2][:9] + good[3]
    >>> d = FrameDecoder()
    >>> [f.seq for f in d.feed(stream[:20])] + [f.seq for f in d.feed(stream[20:])]
    [0, 3]
    >>> d.stats
    DecoderStats(frames_ok=2, garbage_bytes=10, torn_frames=1, crc_errors=1, frames_lost=2, sequence_resets=0)
"""  # noqa: E501

from __future__ import annotations

from binascii import crc_hqx
from dataclasses import dataclass

from contracts.devices.mattress_serial import CRC_INIT, MAX_PAYLOAD, OVERHEAD, SYNC, Frame

_SYNC0 = SYNC[0]
_SEQ_MOD = 0x10000
_SEQ_RESET_GAP = 0x8000


@dataclass(frozen=True, slots=True)
class DecoderStats:
    """What a decoder has seen so far (counts since it was made)."""

    frames_ok: int = 0
    garbage_bytes: int = 0
    torn_frames: int = 0
    crc_errors: int = 0
    frames_lost: int = 0
    sequence_resets: int = 0


class FrameDecoder:
    """Turns a byte stream into frames, resynchronising after any damage (never raises)."""

    def __init__(self) -> None:
        self._buf = bytearray()
        self._last_seq: int | None = None
        self._frames_ok = 0
        self._garbage = 0
        self._torn = 0
        self._crc_errors = 0
        self._lost = 0
        self._resets = 0

    @property
    def stats(self) -> DecoderStats:
        """The counters, as an immutable snapshot."""
        return DecoderStats(
            frames_ok=self._frames_ok,
            garbage_bytes=self._garbage,
            torn_frames=self._torn,
            crc_errors=self._crc_errors,
            frames_lost=self._lost,
            sequence_resets=self._resets,
        )

    @property
    def pending_bytes(self) -> int:
        """Bytes held back waiting for the rest of a frame."""
        return len(self._buf)

    def feed(self, data: bytes | bytearray | memoryview) -> list[Frame]:
        """Take the next bytes; return the frames they complete, in order."""
        buf = self._buf
        buf += data
        n = len(buf)
        find = buf.find
        out: list[Frame] = []
        pos = 0
        while True:
            p = find(SYNC, pos)
            if p < 0:
                keep = 1 if n > pos and buf[n - 1] == _SYNC0 else 0
                self._garbage += n - keep - pos
                pos = n - keep
                break
            self._garbage += p - pos
            pos = p
            if n - p < 4:
                break
            length = buf[p + 2] | buf[p + 3] << 8
            if length > MAX_PAYLOAD:
                self._garbage += 1
                pos = p + 1
                continue
            end = p + OVERHEAD + length
            if end <= n:
                if crc_hqx(buf[p + 2 : end - 2], CRC_INIT) == buf[end - 2] | buf[end - 1] << 8:
                    seq = buf[p + 5] | buf[p + 6] << 8
                    out.append(Frame(buf[p + 4], seq, bytes(buf[p + 7 : end - 2])))
                    self._count_good(seq)
                    pos = end
                    continue
                inner = find(SYNC, p + 1, end + 1)
                if 0 <= inner < end:
                    self._torn += 1
                    pos = inner
                elif end == n and buf[n - 1] == _SYNC0:
                    break  # a sync may straddle the end: wait for one more byte
                else:
                    self._crc_errors += 1
                    pos = end
                continue
            inner = self._first_inner_sync_if_torn(p, n)
            if inner < 0:
                break
            self._torn += 1
            pos = inner
        del buf[:pos]
        return out

    def flush(self) -> DecoderStats:
        """Drop the bytes held back (the line went away) and count them; return the stats.

        A held-back frame start with a plausible length counts as one torn frame, anything
        shorter as garbage bytes.
        """
        buf = self._buf
        if len(buf) >= 4 and buf[:2] == SYNC:
            self._torn += 1
        else:
            self._garbage += len(buf)
        buf.clear()
        return self.stats

    def reset_sequence(self) -> None:
        """Forget the last sequence number (a reconnected device may count from zero)."""
        self._last_seq = None

    def _count_good(self, seq: int) -> None:
        self._frames_ok += 1
        last = self._last_seq
        self._last_seq = seq
        if last is None:
            return
        gap = (seq - last - 1) % _SEQ_MOD
        if gap >= _SEQ_RESET_GAP:
            self._resets += 1
        else:
            self._lost += gap

    def _first_inner_sync_if_torn(self, p: int, n: int) -> int:
        """For an incomplete candidate at ``p``: its first inner sync if a complete valid
        frame starts inside it (so it was torn), else -1 (keep waiting)."""
        buf = self._buf
        first = q = buf.find(SYNC, p + 1)
        while q >= 0:
            if n - q >= OVERHEAD:
                length = buf[q + 2] | buf[q + 3] << 8
                end = q + OVERHEAD + length
                if (
                    length <= MAX_PAYLOAD
                    and end <= n
                    and crc_hqx(buf[q + 2 : end - 2], CRC_INIT) == buf[end - 2] | buf[end - 1] << 8
                ):
                    return first
            q = buf.find(SYNC, q + 1)
        return -1
