"""The smart mattress's binary serial protocol (USB-serial BCG belts and mattresses).

Real BCG mattresses speak a framed binary protocol over a USB-serial port and send either the
raw ballistocardiogram (~100 Hz) or their own presence / heart rate / breathing figures
(~1 Hz). This module is the one definition of that protocol: frame layout, payload layouts,
pure encoders and decoders. The streaming, resynchronising decoder is in
:mod:`contracts.devices.mattress_serial_stream`; ``firmware_sim.mattress`` emulates a mattress
with it and ``edge_agent.readers.serial_mattress`` reads one.

Frame (every integer little-endian)::

    offset  size  field
    0       2     sync      0xAA 0x55
    2       2     length    N, payload bytes (0 .. 1024)
    4       1     type      FrameType
    5       2     sequence  u16, +1 per frame the device sends, wraps at 65536
    7       N     payload   by type, see below
    7+N     2     CRC-16    CRC-16/CCITT-FALSE of bytes 2 .. 7+N (length, type, sequence,
                            payload): poly 0x1021, init 0xFFFF, not reflected, xorout 0,
                            check value 0x29B1 for b"123456789" (``binascii.crc_hqx(d, 0xFFFF)``)

The length's high byte is at most 0x04, never a sync byte, so a frame cut within its first
four bytes reads as garbage to a receiver and one cut later as a torn frame.

Payloads:

=================  ====  =====================================================================
type               code  payload
=================  ====  =====================================================================
RAW_BLOCK          0x01  u32 first_sample_seq, u16 sample rate (0.1 Hz), u8 channel
                         (0 bcg, 1 pressure), f32 scale (units per count), i16 samples[n >= 1]
VITALS             0x02  u8 flags (bit 0 in bed), u16 heart rate (0.1 bpm), u16 breathing rate
                         (0.1 /min), u16 movement index (0.01), u8 signal quality (%);
                         0xFFFF / 0xFF = not known
STATUS             0x03  u8 DeviceState, u32 uptime (s), UTF-8 detail (rest of the payload)
ERROR              0x04  u16 error code, UTF-8 message (rest of the payload)
IDENTIFY_REQUEST   0x10  empty (host → device; the device answers IDENTIFY_RESPONSE)
IDENTIFY_RESPONSE  0x11  u8 mode (0 raw, 1 vitals), u16 raw sample rate (0.1 Hz, 0 in vitals
                         mode), then vendor, model, serial number, firmware version, each a u8
                         byte length + UTF-8
=================  ====  =====================================================================

Example:
    >>> hex(crc16(b"123456789"))
    '0x29b1'
    >>> wire = encode_frame(FrameType.VITALS, 7, VitalsPayload(True, 61.5, 14.0, 0.2, 0.9).encode())
    >>> wire.hex(" ")
    'aa 55 08 00 02 07 00 01 67 02 8c 00 14 00 5a 35 34'
    >>> frame = decode_frame(wire)
    >>> frame.seq, decode_payload(frame)
    (7, VitalsPayload(in_bed=True, heart_rate_bpm=61.5, resp_rate_br_min=14.0, movement_index=0.2, signal_quality=0.9))
    >>> decode_payload(frame).to_reading().heart_rate_bpm
    61.5
"""  # noqa: E501

from __future__ import annotations

import struct
from binascii import crc_hqx
from dataclasses import dataclass
from enum import IntEnum, StrEnum
from typing import ClassVar

from contracts.errors import ContractError
from contracts.readings import MattressRawBlock, MattressSource, MattressVitals

SYNC = b"\xaa\x55"
"""The two bytes every frame starts with."""
HEADER = struct.Struct("<HBH")
"""length, type, sequence (after the sync bytes)."""
HEADER_SIZE = len(SYNC) + HEADER.size
CRC_SIZE = 2
OVERHEAD = HEADER_SIZE + CRC_SIZE
"""Bytes a frame adds to its payload."""
MAX_PAYLOAD = 1024
"""The longest payload; a header claiming more is not a frame start."""
CRC_INIT = 0xFFFF

_UNKNOWN16 = 0xFFFF
_UNKNOWN8 = 0xFF


class FrameType(IntEnum):
    """What a frame carries."""

    RAW_BLOCK = 0x01
    VITALS = 0x02
    STATUS = 0x03
    ERROR = 0x04
    IDENTIFY_REQUEST = 0x10
    IDENTIFY_RESPONSE = 0x11


class MattressMode(StrEnum):
    """What a mattress sends: the raw signal, or its firmware's own vitals."""

    RAW = "raw"
    VITALS = "vitals"


class DeviceState(IntEnum):
    """The state a STATUS frame reports."""

    OK = 0
    CALIBRATING = 1
    SENSOR_FAULT = 2
    OVERLOAD = 3


class FrameFormatError(ContractError):
    """Bytes are not a valid frame, or a frame's payload does not match its type."""


@dataclass(frozen=True, slots=True)
class Frame:
    """One frame whose CRC checked out (``frame_type`` may be a type we do not know)."""

    frame_type: int
    seq: int
    payload: bytes


def crc16(data: bytes | bytearray | memoryview) -> int:
    """CRC-16/CCITT-FALSE of ``data`` (check value 0x29B1).

    >>> crc16(b"")
    65535
    """
    return crc_hqx(data, CRC_INIT)


def encode_frame(frame_type: int, seq: int, payload: bytes = b"") -> bytes:
    """The wire bytes of one frame.

    Raises:
        FrameFormatError: the payload is too long, or the type or sequence is out of range.

    >>> encode_frame(FrameType.IDENTIFY_REQUEST, 0).hex(" ")
    'aa 55 00 00 10 00 00 6f 52'
    """
    if len(payload) > MAX_PAYLOAD:
        raise FrameFormatError(f"payload of {len(payload)} bytes exceeds {MAX_PAYLOAD}")
    if not 0 <= frame_type <= 0xFF or not 0 <= seq <= 0xFFFF:
        raise FrameFormatError(f"type {frame_type} or sequence {seq} out of range")
    body = HEADER.pack(len(payload), frame_type, seq) + payload
    return SYNC + body + crc16(body).to_bytes(2, "little")


def decode_frame(data: bytes) -> Frame:
    """Decode exactly one frame (use the stream decoder for a byte stream).

    Raises:
        FrameFormatError: ``data`` is not exactly one valid frame.

    >>> decode_frame(b"\\xaa\\x55\\x00\\x00\\x10\\x00\\x00\\x00\\x00")
    Traceback (most recent call last):
    ...
    contracts.devices.mattress_serial.FrameFormatError: CRC mismatch: frame says 0x0000, bytes give 0x526f
    """  # noqa: E501
    if len(data) < OVERHEAD or data[:2] != SYNC:
        raise FrameFormatError("not a frame: too short or no sync bytes 0xAA 0x55")
    length, frame_type, seq = HEADER.unpack_from(data, 2)
    if len(data) != OVERHEAD + length:
        raise FrameFormatError(f"frame says {length} payload bytes, got {len(data) - OVERHEAD}")
    sent = int.from_bytes(data[-2:], "little")
    computed = crc16(data[2:-2])
    if sent != computed:
        raise FrameFormatError(f"CRC mismatch: frame says {sent:#06x}, bytes give {computed:#06x}")
    return Frame(frame_type, seq, bytes(data[HEADER_SIZE:-2]))


def _tenths(value: float | None, what: str, scale: float = 10.0) -> int:
    if value is None:
        return _UNKNOWN16
    raw = round(value * scale)
    if not 0 <= raw < _UNKNOWN16:
        raise FrameFormatError(f"{what} {value} cannot be encoded")
    return raw


def _from_tenths(raw: int, scale: float = 10.0) -> float | None:
    return None if raw == _UNKNOWN16 else raw / scale


def _text(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FrameFormatError(f"{what} is not UTF-8") from exc


@dataclass(frozen=True, slots=True)
class RawBlockPayload:
    """A block of raw samples (value = count × scale)."""

    FRAME_TYPE: ClassVar[FrameType] = FrameType.RAW_BLOCK
    _HEAD: ClassVar[struct.Struct] = struct.Struct("<IHBf")
    CHANNELS: ClassVar[tuple[str, str]] = ("bcg", "pressure")

    first_sample_seq: int
    sample_rate_hz: float
    channel: str
    scale: float
    counts: tuple[int, ...]

    def encode(self) -> bytes:
        """The payload bytes.

        >>> RawBlockPayload(5, 100.0, "bcg", 0.001, (1, -2)).encode().hex(" ")
        '05 00 00 00 e8 03 00 6f 12 83 3a 01 00 fe ff'
        """
        head = self._HEAD.pack(
            self.first_sample_seq,
            _tenths(self.sample_rate_hz, "sample rate"),
            self.CHANNELS.index(self.channel),
            self.scale,
        )
        return head + struct.pack(f"<{len(self.counts)}h", *self.counts)

    @classmethod
    def decode(cls, payload: bytes) -> RawBlockPayload:
        """Parse the payload (raises :class:`FrameFormatError` if it is malformed)."""
        n, odd = divmod(len(payload) - cls._HEAD.size, 2)
        if n < 1 or odd:
            raise FrameFormatError(f"RAW_BLOCK payload of {len(payload)} bytes is malformed")
        first, rate, channel, scale = cls._HEAD.unpack_from(payload)
        if channel >= len(cls.CHANNELS) or rate in (0, _UNKNOWN16):
            raise FrameFormatError(f"RAW_BLOCK has channel {channel} or rate {rate}")
        counts = struct.unpack_from(f"<{n}h", payload, cls._HEAD.size)
        return cls(first, rate / 10.0, cls.CHANNELS[channel], scale, counts)

    def to_reading(self) -> MattressRawBlock:
        """The contract reading (samples in physical units); out-of-range values raise
        :class:`contracts.errors.PayloadValidationError`."""
        scale = self.scale
        return MattressRawBlock.parse_payload(
            {
                "channel": self.channel,
                "sample_rate_hz": self.sample_rate_hz,
                "first_sample_seq": self.first_sample_seq,
                "samples": [c * scale for c in self.counts],
            }
        )


@dataclass(frozen=True, slots=True)
class VitalsPayload:
    """The firmware's own once-a-second figures (``None`` = the firmware does not know)."""

    FRAME_TYPE: ClassVar[FrameType] = FrameType.VITALS
    _LAYOUT: ClassVar[struct.Struct] = struct.Struct("<BHHHB")

    in_bed: bool
    heart_rate_bpm: float | None
    resp_rate_br_min: float | None
    movement_index: float | None
    signal_quality: float | None

    def encode(self) -> bytes:
        """The payload bytes."""
        quality = _UNKNOWN8 if self.signal_quality is None else round(self.signal_quality * 100)
        if self.signal_quality is not None and not 0 <= quality <= 100:
            raise FrameFormatError(f"signal quality {self.signal_quality} is not within 0..1")
        return self._LAYOUT.pack(
            1 if self.in_bed else 0,
            _tenths(self.heart_rate_bpm, "heart rate"),
            _tenths(self.resp_rate_br_min, "breathing rate"),
            _tenths(self.movement_index, "movement index", 100.0),
            quality,
        )

    @classmethod
    def decode(cls, payload: bytes) -> VitalsPayload:
        """Parse the payload (raises :class:`FrameFormatError` if it is malformed)."""
        if len(payload) != cls._LAYOUT.size:
            raise FrameFormatError(f"VITALS payload of {len(payload)} bytes, expected 8")
        flags, hr, rr, movement, quality = cls._LAYOUT.unpack(payload)
        return cls(
            in_bed=bool(flags & 1),
            heart_rate_bpm=_from_tenths(hr),
            resp_rate_br_min=_from_tenths(rr),
            movement_index=_from_tenths(movement, 100.0),
            signal_quality=None if quality == _UNKNOWN8 else quality / 100,
        )

    def to_reading(self) -> MattressVitals:
        """The contract reading (``source=firmware``); out-of-range values raise
        :class:`contracts.errors.PayloadValidationError`."""
        return MattressVitals.parse_payload(
            {
                "source": MattressSource.FIRMWARE,
                "in_bed": self.in_bed,
                "heart_rate_bpm": self.heart_rate_bpm,
                "resp_rate_br_min": self.resp_rate_br_min,
                "movement_index": self.movement_index,
                "signal_quality": self.signal_quality,
            }
        )


@dataclass(frozen=True, slots=True)
class StatusPayload:
    """The device's state and uptime."""

    FRAME_TYPE: ClassVar[FrameType] = FrameType.STATUS
    _HEAD: ClassVar[struct.Struct] = struct.Struct("<BI")

    state: DeviceState
    uptime_s: int
    detail: str = ""

    def encode(self) -> bytes:
        """The payload bytes."""
        return self._HEAD.pack(self.state, self.uptime_s) + self.detail.encode()

    @classmethod
    def decode(cls, payload: bytes) -> StatusPayload:
        """Parse the payload (raises :class:`FrameFormatError` if it is malformed)."""
        if len(payload) < cls._HEAD.size:
            raise FrameFormatError(f"STATUS payload of {len(payload)} bytes is too short")
        state, uptime = cls._HEAD.unpack_from(payload)
        try:
            known = DeviceState(state)
        except ValueError as exc:
            raise FrameFormatError(f"STATUS has unknown state {state}") from exc
        return cls(known, uptime, _text(payload[cls._HEAD.size :], "STATUS detail"))


@dataclass(frozen=True, slots=True)
class ErrorPayload:
    """An error the device reports (vendor-specific code, human-readable message)."""

    FRAME_TYPE: ClassVar[FrameType] = FrameType.ERROR

    code: int
    message: str = ""

    def encode(self) -> bytes:
        """The payload bytes."""
        return self.code.to_bytes(2, "little") + self.message.encode()

    @classmethod
    def decode(cls, payload: bytes) -> ErrorPayload:
        """Parse the payload (raises :class:`FrameFormatError` if it is malformed)."""
        if len(payload) < 2:
            raise FrameFormatError(f"ERROR payload of {len(payload)} bytes is too short")
        return cls(int.from_bytes(payload[:2], "little"), _text(payload[2:], "ERROR message"))


@dataclass(frozen=True, slots=True)
class IdentifyRequest:
    """The host asks the device who it is."""

    FRAME_TYPE: ClassVar[FrameType] = FrameType.IDENTIFY_REQUEST

    def encode(self) -> bytes:
        """The (empty) payload."""
        return b""

    @classmethod
    def decode(cls, payload: bytes) -> IdentifyRequest:
        """Parse the payload (it must be empty)."""
        if payload:
            raise FrameFormatError("IDENTIFY_REQUEST carries no payload")
        return cls()


@dataclass(frozen=True, slots=True)
class IdentifyResponse:
    """Who the device is and what it sends.

    >>> info = IdentifyResponse(MattressMode.RAW, 100.0, "Acme", "BCG-1", "SN1", "1.0")
    >>> IdentifyResponse.decode(info.encode()) == info
    True
    """

    FRAME_TYPE: ClassVar[FrameType] = FrameType.IDENTIFY_RESPONSE
    MODES: ClassVar[tuple[MattressMode, MattressMode]] = (MattressMode.RAW, MattressMode.VITALS)
    _HEAD: ClassVar[struct.Struct] = struct.Struct("<BH")

    mode: MattressMode
    sample_rate_hz: float
    vendor: str
    model: str
    serial_number: str
    firmware_version: str

    def encode(self) -> bytes:
        """The payload bytes (each string at most 255 UTF-8 bytes)."""
        out = bytearray(
            self._HEAD.pack(self.MODES.index(self.mode), _tenths(self.sample_rate_hz, "rate"))
        )
        for text in (self.vendor, self.model, self.serial_number, self.firmware_version):
            raw = text.encode()
            if len(raw) > 0xFF:
                raise FrameFormatError(f"identify string {text[:20]!r}… is over 255 bytes")
            out += bytes([len(raw)]) + raw
        return bytes(out)

    @classmethod
    def decode(cls, payload: bytes) -> IdentifyResponse:
        """Parse the payload (raises :class:`FrameFormatError` if it is malformed)."""
        if len(payload) < cls._HEAD.size:
            raise FrameFormatError("IDENTIFY_RESPONSE payload is too short")
        mode, rate = cls._HEAD.unpack_from(payload)
        if mode >= len(cls.MODES):
            raise FrameFormatError(f"IDENTIFY_RESPONSE has unknown mode {mode}")
        pos, texts = cls._HEAD.size, []
        for _ in range(4):
            if pos >= len(payload) or pos + 1 + payload[pos] > len(payload):
                raise FrameFormatError("IDENTIFY_RESPONSE strings run past the payload")
            end = pos + 1 + payload[pos]
            texts.append(_text(payload[pos + 1 : end], "IDENTIFY_RESPONSE string"))
            pos = end
        if pos != len(payload):
            raise FrameFormatError("IDENTIFY_RESPONSE has bytes after its strings")
        return cls(cls.MODES[mode], rate / 10.0, *texts)


Payload = (
    RawBlockPayload
    | VitalsPayload
    | StatusPayload
    | ErrorPayload
    | IdentifyRequest
    | IdentifyResponse
)
"""Any decoded payload."""

_DECODERS: dict[int, type[Payload]] = {
    cls.FRAME_TYPE: cls
    for cls in (
        RawBlockPayload,
        VitalsPayload,
        StatusPayload,
        ErrorPayload,
        IdentifyRequest,
        IdentifyResponse,
    )
}


class UnknownFrameTypeError(FrameFormatError):
    """A frame's CRC is fine but its type is not one this protocol version knows."""


def decode_payload(frame: Frame) -> Payload:
    """Decode a frame's payload by its type.

    Raises:
        UnknownFrameTypeError: the type is unknown (a newer firmware: skip the frame).
        FrameFormatError: the payload does not match its type.

    >>> decode_payload(Frame(0x7F, 0, b""))
    Traceback (most recent call last):
    ...
    contracts.devices.mattress_serial.UnknownFrameTypeError: unknown frame type 0x7f
    """
    decoder = _DECODERS.get(frame.frame_type)
    if decoder is None:
        raise UnknownFrameTypeError(f"unknown frame type {frame.frame_type:#04x}")
    return decoder.decode(frame.payload)


def encode_payload_frame(payload: Payload, seq: int) -> bytes:
    """The wire bytes of a frame carrying ``payload``.

    >>> decode_frame(encode_payload_frame(IdentifyRequest(), 3)).frame_type
    16
    """
    return encode_frame(payload.FRAME_TYPE, seq, payload.encode())
