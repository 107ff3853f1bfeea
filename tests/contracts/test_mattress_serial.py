"""The mattress serial format: payloads round-trip, bad payloads are refused with our error."""

from __future__ import annotations

import struct

import pytest

from contracts.devices.mattress_serial import (
    MAX_PAYLOAD,
    DeviceState,
    ErrorPayload,
    Frame,
    FrameFormatError,
    FrameType,
    IdentifyRequest,
    IdentifyResponse,
    MattressMode,
    Payload,
    RawBlockPayload,
    StatusPayload,
    UnknownFrameTypeError,
    VitalsPayload,
    crc16,
    decode_frame,
    decode_payload,
    encode_frame,
    encode_payload_frame,
)
from contracts.errors import PayloadValidationError
from contracts.readings import MattressSource


def test_crc_is_ccitt_false() -> None:
    assert crc16(b"123456789") == 0x29B1
    assert crc16(b"\x00") == 0xE1F0


@pytest.mark.parametrize(
    "payload",
    [
        RawBlockPayload(2**32 - 1, 100.0, "bcg", 0.5, (0, 1, -1, 32767, -32768)),
        RawBlockPayload(0, 250.5, "pressure", 2.0, (7,)),
        VitalsPayload(True, 61.5, 14.2, 0.35, 0.87),
        VitalsPayload(False, None, None, None, None),
        StatusPayload(DeviceState.SENSOR_FAULT, 86_400, "压力传感器 2 断线"),
        StatusPayload(DeviceState.OK, 0),
        ErrorPayload(0x0102, "ADC overrun"),
        IdentifyRequest(),
        IdentifyResponse(MattressMode.VITALS, 0.0, "Acme", "BCG-Belt", "SN-42", "2.3.1"),
    ],
)
def test_every_payload_round_trips_through_a_frame(payload: Payload) -> None:
    wire = encode_payload_frame(payload, 65535)
    frame = decode_frame(wire)
    assert (frame.frame_type, frame.seq) == (payload.FRAME_TYPE, 65535)
    assert decode_payload(frame) == payload


def test_raw_block_becomes_a_reading_in_physical_units() -> None:
    reading = RawBlockPayload(300, 100.0, "bcg", 0.25, (4, -8, 0)).to_reading()
    assert reading.samples == [1.0, -2.0, 0.0]
    assert (reading.first_sample_seq, reading.sample_rate_hz, reading.channel) == (300, 100, "bcg")


def test_vitals_become_a_firmware_reading() -> None:
    reading = VitalsPayload(True, 72.0, 16.0, 1.5, 0.9).to_reading()
    assert reading.source is MattressSource.FIRMWARE
    assert (reading.in_bed, reading.heart_rate_bpm, reading.resp_rate_br_min) == (True, 72, 16)
    empty = VitalsPayload(False, None, None, None, None).to_reading()
    assert (empty.in_bed, empty.heart_rate_bpm, empty.signal_quality) == (False, None, None)


def test_vitals_out_of_the_contract_range_are_a_payload_error() -> None:
    payload = VitalsPayload.decode(struct.pack("<BHHHB", 1, 4000, 140, 0, 90))
    assert payload.heart_rate_bpm == 400.0
    with pytest.raises(PayloadValidationError, match="heart_rate_bpm"):
        payload.to_reading()


@pytest.mark.parametrize(
    ("frame", "message"),
    [
        (Frame(FrameType.RAW_BLOCK, 0, bytes(11)), "RAW_BLOCK payload of 11 bytes"),
        (Frame(FrameType.RAW_BLOCK, 0, bytes(12)), "RAW_BLOCK payload of 12 bytes"),
        (
            Frame(FrameType.RAW_BLOCK, 0, struct.pack("<IHBfh", 0, 1000, 9, 1.0, 0)),
            "channel 9",
        ),
        (Frame(FrameType.VITALS, 0, bytes(7)), "VITALS payload of 7 bytes"),
        (Frame(FrameType.STATUS, 0, b"\x09" + bytes(4)), "unknown state 9"),
        (Frame(FrameType.STATUS, 0, bytes(5) + b"\xff"), "not UTF-8"),
        (Frame(FrameType.ERROR, 0, b"\x01"), "too short"),
        (Frame(FrameType.IDENTIFY_REQUEST, 0, b"\x00"), "no payload"),
        (Frame(FrameType.IDENTIFY_RESPONSE, 0, b"\x00\x00\x00\x05ab"), "run past"),
        (Frame(FrameType.IDENTIFY_RESPONSE, 0, b"\x07\x00\x00"), "unknown mode 7"),
        (Frame(FrameType.IDENTIFY_RESPONSE, 0, b"\x00\x00\x00" + bytes(5)), "after its strings"),
    ],
)
def test_malformed_payloads_are_refused_with_the_reason(frame: Frame, message: str) -> None:
    with pytest.raises(FrameFormatError, match=message):
        decode_payload(frame)


def test_an_unknown_type_is_its_own_error() -> None:
    frame = decode_frame(encode_frame(0x42, 1, b"future"))
    with pytest.raises(UnknownFrameTypeError, match="0x42"):
        decode_payload(frame)


def test_encoding_refuses_what_the_format_cannot_carry() -> None:
    with pytest.raises(FrameFormatError, match="exceeds 1024"):
        encode_frame(FrameType.STATUS, 0, bytes(MAX_PAYLOAD + 1))
    with pytest.raises(FrameFormatError, match="out of range"):
        encode_frame(FrameType.STATUS, 70_000)
    with pytest.raises(FrameFormatError, match="signal quality"):
        VitalsPayload(True, 60.0, 12.0, 0.0, 2.55).encode()
    with pytest.raises(FrameFormatError, match="heart rate"):
        VitalsPayload(True, -1.0, 12.0, 0.0, 0.5).encode()
    with pytest.raises(FrameFormatError, match="over 255 bytes"):
        IdentifyResponse(MattressMode.RAW, 100.0, "x" * 256, "m", "s", "f").encode()


def test_decode_frame_explains_what_is_wrong() -> None:
    wire = encode_frame(FrameType.STATUS, 1, bytes(5))
    with pytest.raises(FrameFormatError, match="no sync"):
        decode_frame(b"\x00" + wire[1:])
    with pytest.raises(FrameFormatError, match="frame says 5 payload bytes, got 4"):
        decode_frame(wire[:-3] + wire[-2:])
