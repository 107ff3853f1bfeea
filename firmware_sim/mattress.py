"""An emulated BCG mattress on a pseudo-terminal pair: the real serial path, no hardware.

The emulator holds the master side of a pty (``os.openpty``) and speaks the protocol of
:mod:`contracts.devices.mattress_serial` on it; the edge agent opens the slave side by name
with pyserial exactly as it opens ``/dev/ttyUSB0``. In ``raw`` mode it sends 100 Hz synthetic
BCG (:class:`firmware_sim.bcg.BcgSynth`) in blocks of 25 samples; in ``vitals`` mode one VITALS
frame a second, as a mattress's own firmware does. It answers IDENTIFY_REQUEST at any time.

Faults on demand: garbage bytes, a torn frame, a frame with a bad CRC, and ``unplug()`` /
``replug()``. Unplugging closes the pty (the agent's port gets an I/O error, as with a pulled
USB cable). The kernel may hand out a different ``/dev/pts/N`` on replug, so give ``link``:
a symlink that always points at the current slave and disappears while unplugged, like a
udev ``/dev/serial/by-id/…`` link. Both sides use the link path.

Example:
    >>> sim = MattressFirmwareSim(MattressMode.VITALS, heart_rate_bpm=58.0, seed=3)
    >>> with sim:
    ...     sim.port_path.startswith("/dev/pts/")
    True
    >>> from contracts.devices.mattress_serial import decode_frame, decode_payload
    >>> decode_payload(decode_frame(sim.next_frame())).heart_rate_bpm
    58.1
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
import tty
from collections import Counter
from pathlib import Path
from types import TracebackType

from contracts.devices.mattress_serial import (
    FrameType,
    IdentifyResponse,
    MattressMode,
    RawBlockPayload,
    VitalsPayload,
    encode_payload_frame,
)
from contracts.devices.mattress_serial_stream import FrameDecoder
from firmware_sim.bcg import BcgSynth
from firmware_sim.errors import FirmwareSimError

logger = logging.getLogger(__name__)

SCALE = 2.0**-11
"""Units per count of the raw samples (a power of two: counts × scale is exact)."""
BLOCK_SAMPLES = 25
"""Raw samples per RAW_BLOCK frame (4 frames a second at 100 Hz)."""
BOOT_BANNER = b"\x00\x13\x37 boot banner\r\n"
"""What :meth:`MattressFirmwareSim.send_garbage` sends by default (no sync pair in it)."""


def quantise(value: float) -> int:
    """A sample in counts, clipped to int16 (what the firmware's ADC path does).

    >>> quantise(0.5), quantise(100.0)
    (1024, 32767)
    """
    return max(-32768, min(32767, round(value / SCALE)))


class MattressFirmwareSim:
    """One emulated mattress on a pty pair (use as a context manager, or open/close)."""

    def __init__(
        self,
        mode: MattressMode,
        *,
        link: Path | None = None,
        heart_rate_bpm: float = 62.0,
        resp_rate_br_min: float = 14.0,
        in_bed: bool = True,
        sample_rate_hz: float = 100.0,
        speed: float = 1.0,
        fault_rate: float = 0.0,
        seed: int = 0,
        serial_number: str = "SIM-000001",
    ) -> None:
        if speed <= 0 or not 0 <= fault_rate <= 1:
            raise ValueError("speed must be positive and fault_rate within 0..1")
        self.mode = mode
        self.link = link
        self.speed = speed
        self.synth = BcgSynth(
            sample_rate_hz=sample_rate_hz,
            heart_rate_bpm=heart_rate_bpm,
            resp_rate_br_min=resp_rate_br_min,
            in_bed=in_bed,
            seed=seed,
        )
        self.identity = IdentifyResponse(
            mode,
            sample_rate_hz if mode is MattressMode.RAW else 0.0,
            "Silverguard",
            "SIM-BCG-1",
            serial_number,
            "1.0.0",
        )
        self._rng = random.Random(seed)  # noqa: S311 (a simulated signal, not a secret)
        self._seq = 0
        self._master: int | None = None
        self._slave: int | None = None
        self._slave_path = ""
        self._generation = 0
        self._host = FrameDecoder()
        self.frames_sent = 0
        self.bytes_dropped = 0
        """Bytes the port could not take (nobody reading, buffer full), as on a real UART."""
        self.identify_requests = 0
        self.fault_rate = fault_rate
        """Share of streamed frames :meth:`run` replaces by a fault (garbage, torn, bad CRC)."""
        self.faults: Counter[str] = Counter()
        """Faults sent so far, by kind (``garbage``, ``torn``, ``bad_crc``)."""

    @property
    def port_path(self) -> str:
        """The path the host opens: ``link`` if given, else the slave's ``/dev/pts/N``."""
        return str(self.link) if self.link is not None else self._slave_path

    @property
    def plugged(self) -> bool:
        """Whether the pty exists."""
        return self._master is not None

    def open(self) -> None:
        """Create the pty pair (raw: no echo, no line editing) and point ``link`` at it."""
        if self._master is not None:
            return
        master, slave = os.openpty()
        tty.setraw(slave)
        os.set_blocking(master, False)
        self._master, self._slave = master, slave
        self._generation += 1
        self._slave_path = os.ttyname(slave)
        if self.link is not None:
            tmp = self.link.with_name(self.link.name + ".new")
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
            tmp.symlink_to(self._slave_path)
            tmp.replace(self.link)
        logger.info("mattress emulator (%s mode) on %s", self.mode.value, self.port_path)

    def close(self) -> None:
        """Close the pty (the host sees its port fail) and remove ``link``."""
        if self._master is None:
            return
        with contextlib.suppress(RuntimeError):
            asyncio.get_running_loop().remove_reader(self._master)
        if self.link is not None:
            with contextlib.suppress(FileNotFoundError):
                self.link.unlink()
        for fd in (self._master, self._slave):
            if fd is not None:
                os.close(fd)
        self._master = self._slave = None
        self._host = FrameDecoder()

    unplug = close
    replug = open

    def __enter__(self) -> MattressFirmwareSim:
        self.open()
        return self

    def __exit__(
        self, _t: type[BaseException] | None, _e: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self.close()

    def write(self, data: bytes) -> int:
        """Send bytes as they are; what the port cannot take now is dropped and counted."""
        if self._master is None:
            raise FirmwareSimError("the mattress is unplugged: replug() it first")
        try:
            written = os.write(self._master, data)
        except BlockingIOError:
            written = 0
        self.bytes_dropped += len(data) - written
        return written

    def next_frame(self) -> bytes:
        """The next data frame of the current mode (uses one sequence number)."""
        if self.mode is MattressMode.RAW:
            first = self.synth.sample_seq % 2**32
            counts = tuple(quantise(v) for v in self.synth.samples(BLOCK_SAMPLES))
            payload: RawBlockPayload | VitalsPayload = RawBlockPayload(
                first, self.synth.sample_rate_hz, "bcg", SCALE, counts
            )
        else:
            payload = self._vitals()
        return self._frame(payload)

    def send_frame(self) -> bytes:
        """Send the next data frame; return it."""
        frame = self.next_frame()
        self.write(frame)
        self.frames_sent += 1
        return frame

    def send_garbage(self, data: bytes = BOOT_BANNER) -> None:
        """Send bytes that are no frame (they must not contain the sync pair 0xAA 0x55)."""
        self.write(data)
        self.faults["garbage"] += 1

    def send_torn_frame(self, keep: int = 10) -> None:
        """Send only the first ``keep`` bytes of the next frame, at most all but its last two
        (it is lost)."""
        frame = self.next_frame()
        self.write(frame[: min(keep, len(frame) - 2)])
        self.faults["torn"] += 1

    def send_bad_crc_frame(self) -> None:
        """Send the next frame with its CRC damaged (it is lost)."""
        frame = bytearray(self.next_frame())
        frame[-1] ^= 0x01
        self.write(bytes(frame))
        self.faults["bad_crc"] += 1

    def send_frame_or_fault(self) -> None:
        """Send the next frame, or with probability ``fault_rate`` one of the faults."""
        if self.fault_rate and self._rng.random() < self.fault_rate:
            fault = self._rng.choice(("garbage", "torn", "bad_crc"))
            if fault == "garbage":
                self.send_garbage(self._rng.randbytes(16).replace(b"\xaa", b"\x00"))
            elif fault == "torn":
                self.send_torn_frame(self._rng.randrange(4, 64))
            else:
                self.send_bad_crc_frame()
        else:
            self.send_frame()

    async def run(self, *, stream: bool = True) -> None:
        """Answer the host and, with ``stream``, send data frames at the mode's rate
        (× ``speed``), until cancelled. Nothing is sent while unplugged (the device is off)."""
        loop = asyncio.get_running_loop()
        raw = self.mode is MattressMode.RAW
        period = (BLOCK_SAMPLES / self.synth.sample_rate_hz if raw else 1.0) / self.speed
        watched = -1
        due = loop.time()
        try:
            while True:
                if self._generation != watched and self._master is not None:
                    loop.add_reader(self._master, self._on_host_bytes)
                    watched = self._generation
                if stream and self._master is not None:
                    self.send_frame_or_fault()
                due += period if stream else 0.05
                await asyncio.sleep(max(0.0, due - loop.time()))
        finally:
            if self._master is not None:
                loop.remove_reader(self._master)

    def answer_host(self) -> None:
        """Read what the host sent and answer each IDENTIFY_REQUEST (called by :meth:`run`)."""
        self._on_host_bytes()

    def _on_host_bytes(self) -> None:
        if self._master is None:
            return
        try:
            data = os.read(self._master, 4096)
        except (BlockingIOError, OSError):
            return
        for frame in self._host.feed(data):
            if frame.frame_type == FrameType.IDENTIFY_REQUEST:
                self.identify_requests += 1
                self.write(self._frame(self.identity))

    def _frame(self, payload: RawBlockPayload | VitalsPayload | IdentifyResponse) -> bytes:
        frame = encode_payload_frame(payload, self._seq)
        self._seq = (self._seq + 1) % 0x10000
        return frame

    def _vitals(self) -> VitalsPayload:
        s, rng = self.synth, self._rng
        if not s.in_bed:
            return VitalsPayload(False, None, None, 0.0, None)
        return VitalsPayload(
            True,
            round(s.heart_rate_bpm + rng.gauss(0.0, 0.8), 1),
            round(s.resp_rate_br_min + rng.gauss(0.0, 0.4), 1),
            round(abs(rng.gauss(0.1, 0.05)), 2),
            round(rng.uniform(0.8, 0.95), 2),
        )
