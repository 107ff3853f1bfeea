"""The envelope round-trips every body and rejects bad payloads with one clear error type."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from contracts import (
    AckBody,
    AckStatus,
    Envelope,
    EventBody,
    EventType,
    Evidence,
    GatewayState,
    GatewayStatusBody,
    MattressRawBlock,
    MattressVitals,
    PayloadValidationError,
    SmokeReading,
    WristbandAccelBlock,
    WristbandStatus,
    decode_ack,
    decode_envelope,
    encode_envelope,
    new_message_id,
)
from contracts.envelope import AckMessage, Body

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)

BODIES: list[Body] = [
    EventBody.of(EventType.FIRE, Evidence(summary="烟雾报警", values={"battery_pct": 92})),
    SmokeReading(smoke=False, battery_pct=80),
    MattressVitals(in_bed=True, heart_rate_bpm=62, resp_rate_br_min=14),
    MattressRawBlock(sample_rate_hz=100, first_sample_seq=0, samples=[0.1, 0.2]),
    WristbandAccelBlock(
        sample_rate_hz=50, t_offsets_s=[0, 0.02], x_m_s2=[0, 0], y_m_s2=[0, 0], z_m_s2=[9.8, 9.8]
    ),
    WristbandStatus(heart_rate_bpm=70, sos_pressed=True, battery_pct=55, on_wrist=True),
    GatewayStatusBody(state=GatewayState.ONLINE, agent_version="0.1.0"),
]


def make(body: Body) -> Envelope:
    return Envelope(
        message_id=new_message_id(NOW),
        org_id="org-demo",
        gateway_id="gw-0001",
        home_id="home-0001",
        resident_id="res-0001",
        device_id="smoke-0001",
        device_time=NOW,
        gateway_time=NOW,
        body=body,
    )


@pytest.mark.parametrize("body", BODIES, ids=lambda b: b.kind)
def test_every_body_round_trips(body: Body) -> None:
    env = make(body)
    assert decode_envelope(encode_envelope(env)) == env


def test_ack_round_trips() -> None:
    ack = AckMessage(
        message_id=new_message_id(NOW),
        org_id="org-demo",
        gateway_id="gw-0001",
        cloud_time=NOW,
        body=AckBody(acked=[(new_message_id(NOW), AckStatus.DUPLICATE)]),
    )
    assert decode_ack(encode_envelope(ack)) == ack


def _raw(**changes: object) -> bytes:
    data = json.loads(encode_envelope(make(BODIES[0])))
    data.update(changes)
    return json.dumps(data).encode()


@pytest.mark.parametrize(
    ("payload", "fragment"),
    [
        (b"not json", "Invalid JSON"),
        (b"[]", "Envelope"),
        (_raw(message_id="not-a-ulid"), "message_id"),
        (_raw(org_id="Org With Spaces"), "org_id"),
        (_raw(org_id="a/b"), "org_id"),
        (_raw(gateway_time="2026-11-24T03:00:00"), "gateway_time"),
        (_raw(schema_version=99), "schema_version"),
        (_raw(surprise=1), "surprise"),
        (_raw(body={"kind": "reading.smoke", "smoke": "maybe"}), "body.reading.smoke.smoke"),
        (_raw(body={"kind": "teleport"}), "body"),
        (_raw(body={"kind": "event", "type": "alien", "evidence": {"summary": "x"}}), "type"),
    ],
)
def test_bad_payloads_raise_one_clear_error(payload: bytes, fragment: str) -> None:
    with pytest.raises(PayloadValidationError) as info:
        decode_envelope(payload)
    assert fragment in str(info.value)
    assert str(info.value).startswith("invalid Envelope:")
    assert isinstance(info.value, ValueError)


def test_event_taxonomy_must_match_type() -> None:
    fire = json.loads(encode_envelope(make(BODIES[0])))
    fire["body"]["warning_class"] = "fraud"
    with pytest.raises(PayloadValidationError, match="belongs to warning_class 'home_anomaly'"):
        decode_envelope(json.dumps(fire))


def test_event_severity_may_be_raised_by_the_detector() -> None:
    event = EventBody.of(EventType.HR_HIGH, Evidence(summary="hr"), severity=None)
    assert event.severity.value == "high"
    worse = EventBody.of(EventType.HR_HIGH, Evidence(summary="hr 190"), severity=event.severity)
    assert worse.severity == event.severity


def test_accel_block_lengths_checked() -> None:
    with pytest.raises(ValueError, match="same length"):
        WristbandAccelBlock(
            sample_rate_hz=50, t_offsets_s=[0, 1], x_m_s2=[0], y_m_s2=[0, 0], z_m_s2=[0, 0]
        )


def test_evidence_signal_needs_rate() -> None:
    with pytest.raises(ValueError, match="signal_rate_hz"):
        Evidence(summary="x", signal={"hr": [60.0]})


def test_message_ids_sort_by_time() -> None:
    later = datetime(2026, 11, 24, 3, 0, 1, tzinfo=UTC)
    ids = [new_message_id(NOW) for _ in range(50)] + [new_message_id(later)]
    assert max(ids) == ids[-1]
    assert len(set(ids)) == len(ids)
