"""The smart mattress over USB-serial: frames in, contract readings out, through any fault.

:class:`SerialMattressReader` opens the port with pyserial, reads it without blocking the
event loop (the port's file descriptor is watched by the loop, reads never wait), decodes the
frames of :mod:`contracts.devices.mattress_serial` and hands on :class:`MattressRawBlock`
(raw mode) or :class:`MattressVitals` (``source=firmware``, vitals mode) readings. On connect it
asks the device to identify itself. Line damage (garbage, torn frames, CRC errors) is
counted by the decoder and never fatal; a payload that does not decode is counted and kept
for inspection. When the port fails (cable pulled, device gone) it counts a disconnect, logs
once, and reopens with exponential backoff until the port is back. POSIX only (the gateway
runs Debian).

Use either form::

    async for update in reader.readings():
        ...
    await reader.run(on_reading)   # on_reading(update) is awaited for each

and put ``reader.health`` (a frozen snapshot of the counters) in the heartbeat. For setup and
commissioning, :func:`identify_mattress` asks the device at a port who it is, once.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import asdict, dataclass
from datetime import datetime

import serial

from contracts.clock import Clock, SystemClock
from contracts.devices.mattress_serial import (
    DeviceState,
    ErrorPayload,
    Frame,
    FrameFormatError,
    IdentifyRequest,
    IdentifyResponse,
    MattressMode,
    RawBlockPayload,
    StatusPayload,
    UnknownFrameTypeError,
    VitalsPayload,
    decode_payload,
    encode_payload_frame,
)
from contracts.devices.mattress_serial_stream import DecoderStats, FrameDecoder
from contracts.errors import PayloadValidationError
from contracts.mqtt import ReconnectBackoff
from contracts.readings import MattressRawBlock, MattressVitals
from edge_agent.config import MattressSettings
from edge_agent.errors import SerialPortError

logger = logging.getLogger(__name__)

KEEP_MALFORMED = 50
"""How many undecodable frames are kept in memory for inspection."""


@dataclass(frozen=True, slots=True)
class MattressUpdate:
    """A reading from the mattress, with when it arrived and its frame's sequence number."""

    device_id: str
    reading: MattressRawBlock | MattressVitals
    received_at: datetime
    seq: int


@dataclass(frozen=True, slots=True)
class MalformedFrame:
    """A frame whose CRC was fine but whose payload did not decode, kept for inspection."""

    received_at: datetime
    frame: Frame
    reason: str


@dataclass(frozen=True, slots=True)
class SerialReaderHealth:
    """The reader's counters since start (line damage, decoding, connection)."""

    port: str
    connected: bool
    frames_ok: int
    garbage_bytes: int
    torn_frames: int
    crc_errors: int
    frames_lost: int
    sequence_resets: int
    unknown_frames: int
    malformed_payloads: int
    device_errors: int
    disconnects: int
    reconnects: int
    open_failures: int
    last_frame_at: datetime | None
    device_state: str | None

    def as_dict(self) -> dict[str, object]:
        """JSON-ready (times as ISO 8601), e.g. for a heartbeat."""
        out = asdict(self)
        out["last_frame_at"] = self.last_frame_at.isoformat() if self.last_frame_at else None
        return out


OnReading = Callable[[MattressUpdate], Awaitable[None]]


class SerialMattressReader:
    """Reads one mattress on a serial port, reconnecting until cancelled."""

    def __init__(
        self,
        settings: MattressSettings,
        *,
        clock: Clock | None = None,
        keep_malformed: int = KEEP_MALFORMED,
        check_mode: bool = True,
    ) -> None:
        self.settings = settings
        self._check_mode = check_mode
        self._clock = clock or SystemClock()
        self._decoder = FrameDecoder()
        self._host_seq = 0
        self._unknown = self._malformed_count = self._device_errors = 0
        self._disconnects = self._reconnects = self._open_failures = 0
        self._last_frame_at: datetime | None = None
        self._device_state: DeviceState | None = None
        self._reported = DecoderStats()
        self._outage_logged = False
        self.identity: IdentifyResponse | None = None
        """What the device said it is (set once it answers IDENTIFY)."""
        self.malformed: deque[MalformedFrame] = deque(maxlen=keep_malformed)
        self.connected = asyncio.Event()
        """Set while the port is open."""
        self.identified = asyncio.Event()
        """Set once the device has answered IDENTIFY (since the last connect)."""

    @property
    def health(self) -> SerialReaderHealth:
        """A snapshot of the counters."""
        stats = self._decoder.stats
        return SerialReaderHealth(
            port=self.settings.port,
            connected=self.connected.is_set(),
            frames_ok=stats.frames_ok,
            garbage_bytes=stats.garbage_bytes,
            torn_frames=stats.torn_frames,
            crc_errors=stats.crc_errors,
            frames_lost=stats.frames_lost,
            sequence_resets=stats.sequence_resets,
            unknown_frames=self._unknown,
            malformed_payloads=self._malformed_count,
            device_errors=self._device_errors,
            disconnects=self._disconnects,
            reconnects=self._reconnects,
            open_failures=self._open_failures,
            last_frame_at=self._last_frame_at,
            device_state=self._device_state.name.lower() if self._device_state else None,
        )

    async def run(self, on_reading: OnReading) -> None:
        """Await ``on_reading(update)`` for every reading, until cancelled."""
        async for update in self.readings():
            await on_reading(update)

    async def readings(self) -> AsyncIterator[MattressUpdate]:
        """Every reading the mattress sends, across disconnects, until cancelled."""
        s = self.settings
        backoff = ReconnectBackoff(initial_s=s.reconnect_initial_s, max_s=s.reconnect_max_s)
        opened_before = False
        while True:
            try:
                port = self._open()
            except SerialPortError as exc:
                self._open_failures += 1
                self._log_outage(str(exc))
                await asyncio.sleep(backoff.next_delay_s())
                continue
            if opened_before:
                self._reconnects += 1
            opened_before = True
            logger.info("mattress %s connected on %s", s.device_id, s.port)
            self._outage_logged = False
            backoff.reset()
            try:
                async for update in self._read_port(port):
                    yield update
            except SerialPortError as exc:
                self._disconnects += 1
                self._log_outage(str(exc))
            finally:
                self.connected.clear()
                _close_quietly(port)
                self._decoder.flush()
                self._decoder.reset_sequence()
            await asyncio.sleep(backoff.next_delay_s())

    async def identify(self, timeout_s: float = 3.0) -> IdentifyResponse:
        """Open the port once, ask the device who it is, and close it again.

        Raises:
            SerialPortError: the port cannot be opened or read, or nothing answered in time.
        """
        port = self._open()
        reading = asyncio.create_task(self._drain(port))
        answered = asyncio.create_task(self.identified.wait())
        try:
            done, _ = await asyncio.wait(
                {reading, answered}, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED
            )
            if reading in done:
                reading.result()
            if self.identity is None or answered not in done:
                raise SerialPortError(
                    f"no answer to IDENTIFY on {self.settings.port} within {timeout_s:g} s: "
                    "check that a mattress is plugged in there and that baud_rate is right"
                )
            return self.identity
        finally:
            for task in (reading, answered):
                task.cancel()
            await asyncio.gather(reading, answered, return_exceptions=True)
            self.connected.clear()
            _close_quietly(port)

    async def _drain(self, port: serial.Serial) -> None:
        async for _ in self._read_port(port):
            pass

    def _open(self) -> serial.Serial:
        s = self.settings
        try:
            return serial.Serial(s.port, s.baud_rate, timeout=0, write_timeout=1.0, exclusive=True)
        except (serial.SerialException, OSError, ValueError) as exc:
            raise SerialPortError(f"cannot open mattress port {s.port}: {exc}") from exc

    async def _read_port(self, port: serial.Serial) -> AsyncIterator[MattressUpdate]:
        loop = asyncio.get_running_loop()
        ready = asyncio.Event()
        fd = port.fileno()
        loop.add_reader(fd, ready.set)
        try:
            self.identified.clear()
            self._send(port, IdentifyRequest())
            self.connected.set()
            while True:
                await ready.wait()
                ready.clear()
                for update in self._handle(self._read_available(port)):
                    yield update
        finally:
            loop.remove_reader(fd)

    def _read_available(self, port: serial.Serial) -> bytes:
        try:
            return bytes(port.read(port.in_waiting or 1))
        except (serial.SerialException, OSError) as exc:
            raise SerialPortError(f"mattress port {self.settings.port} failed: {exc}") from exc

    def _send(self, port: serial.Serial, payload: IdentifyRequest) -> None:
        try:
            port.write(encode_payload_frame(payload, self._host_seq))
        except (serial.SerialException, OSError) as exc:
            raise SerialPortError(f"cannot write to mattress port {self.settings.port}") from exc
        self._host_seq = (self._host_seq + 1) % 0x10000

    def _handle(self, data: bytes) -> list[MattressUpdate]:
        now = self._clock.now()
        out = []
        for frame in self._decoder.feed(data):
            self._last_frame_at = now
            try:
                payload = decode_payload(frame)
                if isinstance(payload, RawBlockPayload | VitalsPayload):
                    reading = payload.to_reading()
                    out.append(MattressUpdate(self.settings.device_id, reading, now, frame.seq))
                else:
                    self._on_control(payload)
            except UnknownFrameTypeError:
                self._unknown += 1
                logger.debug("mattress frame of unknown type %#04x skipped", frame.frame_type)
            except (FrameFormatError, PayloadValidationError) as exc:
                self._keep_malformed(frame, str(exc), now)
        self._log_damage()
        return out

    def _on_control(self, payload: object) -> None:
        if isinstance(payload, IdentifyResponse):
            self.identity = payload
            logger.info(
                "mattress %s is %s %s firmware %s, sending %s",
                self.settings.device_id,
                payload.vendor,
                payload.model,
                payload.firmware_version,
                payload.mode.value,
            )
            self.identified.set()
            if self._check_mode and payload.mode is not self.settings.mode:
                logger.warning(
                    "mattress %s sends %s but the config says %s: set mattress.mode to %s",
                    self.settings.device_id,
                    payload.mode.value,
                    self.settings.mode.value,
                    payload.mode.value,
                )
        elif isinstance(payload, StatusPayload):
            if payload.state is not self._device_state:
                logger.info("mattress %s state: %s", self.settings.device_id, payload.state.name)
            self._device_state = payload.state
        elif isinstance(payload, ErrorPayload):
            self._device_errors += 1
            logger.warning(
                "mattress %s reports error %#06x: %s",
                self.settings.device_id,
                payload.code,
                payload.message[:80],
            )

    def _keep_malformed(self, frame: Frame, reason: str, now: datetime) -> None:
        self._malformed_count += 1
        self.malformed.append(MalformedFrame(now, frame, reason))
        log = logger.warning if self._malformed_count == 1 else logger.debug
        log("mattress %s sent a frame that does not decode (kept): %s", self.settings.port, reason)

    def _log_damage(self) -> None:
        stats = self._decoder.stats
        before = self._reported
        damage = (
            stats.garbage_bytes - before.garbage_bytes,
            stats.torn_frames - before.torn_frames,
            stats.crc_errors - before.crc_errors,
        )
        if any(damage):
            first = not any((before.garbage_bytes, before.torn_frames, before.crc_errors))
            (logger.warning if first else logger.debug)(
                "serial line damage on %s: %d garbage bytes, %d torn frames, %d CRC errors "
                "(skipped; further damage is logged at DEBUG and counted in health)",
                self.settings.port,
                *damage,
            )
        self._reported = stats

    def _log_outage(self, reason: str) -> None:
        if self._outage_logged:
            logger.debug("%s", reason)
            return
        self._outage_logged = True
        logger.warning(
            "%s; retrying with backoff up to every %g s — check the mattress's USB cable",
            reason,
            self.settings.reconnect_max_s,
        )


def _close_quietly(port: serial.Serial) -> None:
    """Close a port that may already be gone (the error would say nothing new)."""
    with contextlib.suppress(serial.SerialException, OSError):
        port.close()


async def identify_mattress(
    port: str, *, baud_rate: int = 115_200, timeout_s: float = 3.0
) -> IdentifyResponse:
    """Ask the mattress at ``port`` who it is and what it sends (for setup).

    Raises:
        SerialPortError: the port cannot be opened or read, or nothing answered in time.
    """
    settings = MattressSettings(
        port=port, baud_rate=baud_rate, device_id="probe", mode=MattressMode.VITALS
    )
    reader = SerialMattressReader(settings, check_mode=False)
    return await reader.identify(timeout_s)
