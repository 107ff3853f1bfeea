"""Generated junk into every parser of a message that crosses a wire (hypothesis).

The home-broker readers (Zigbee2MQTT smoke sensors, wristbands), the cloud's check of an
uplink message and every contract model: no crash and no exception other than the contracts'
own with a message; a message over MQTT that cannot be used is quarantined (kept, counted).
"""

from __future__ import annotations

import importlib
import json
import pkgutil
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import contracts
from cloud_ingest.consumer.checks import Accepted, Rejected, check_message
from contracts.base import ContractModel
from contracts.envelope import Envelope, encode_envelope
from contracts.errors import PayloadValidationError
from contracts.readings import SmokeReading
from edge_agent.readers.wristband import WristbandReader
from edge_agent.readers.zigbee2mqtt import Z2mSmokeReader

NOW = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
FUZZ = settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_scalars = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=30)
)
json_values = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=6) | st.dictionaries(st.text(max_size=12), inner, max_size=6)
    ),
    max_leaves=30,
)

VALID_Z2M = {"smoke": True, "battery": 87, "linkquality": 120, "tamper": False, "last_seen": 1}
VALID_ACCEL = {"ts": 1764000000000, "xyz": [[0.1, 0.2, 9.8], [0.0, 0.1, 9.7]], "dt_ms": [0, 20]}
VALID_STATUS = {"hr": 71, "sos": False, "battery": 80, "worn": True}


def mutated(valid: dict[str, Any]) -> st.SearchStrategy[dict[str, Any]]:
    """A valid payload with some fields replaced by junk and junk fields added."""
    return st.builds(
        lambda keep, junk, extra: {
            **{k: v for k, v in valid.items() if k in keep},
            **junk,
            **extra,
        },
        st.sets(st.sampled_from(sorted(valid))),
        st.dictionaries(st.sampled_from(sorted(valid)), json_values, max_size=3),
        st.dictionaries(st.text(max_size=8), json_values, max_size=2),
    )


def encode(value: object) -> bytes:
    """JSON bytes of ``value`` (NaN and infinities allowed: they are junk too)."""
    return json.dumps(value, allow_nan=True).encode()


payloads = (
    st.binary(max_size=200)
    | json_values.map(encode)
    | mutated(VALID_Z2M).map(encode)
    | mutated(VALID_ACCEL).map(encode)
    | mutated(VALID_STATUS).map(encode)
    | st.just(b"[" * 5000)  # absurd nesting
)


@FUZZ
@given(payload=payloads, kind=st.sampled_from(["state", "availability"]))
def test_zigbee2mqtt_reader_never_crashes_and_quarantines_junk(payload: bytes, kind: str) -> None:
    reader = Z2mSmokeReader("zigbee2mqtt", {"smoke_kitchen": "smoke-0001"})
    topic = "zigbee2mqtt/smoke_kitchen" + ("/availability" if kind == "availability" else "")
    update = reader.parse(topic, payload, NOW)
    if update is None and payload.strip():
        assert reader.malformed_count == 1
        kept = reader.malformed[-1]
        assert kept.payload == payload
        assert kept.topic == topic
        assert kept.reason
    else:
        assert reader.malformed_count == 0


@FUZZ
@given(payload=payloads, kind=st.sampled_from(["accel", "status"]))
def test_wristband_reader_never_crashes_and_quarantines_junk(payload: bytes, kind: str) -> None:
    reader = WristbandReader("wristband", {"c8f09e3a11b2": "band-0001"})
    topic = f"wristband/c8f09e3a11b2/{kind}"
    update = reader.parse(topic, payload, NOW)
    if update is None and payload.strip():
        assert reader.malformed_count == 1
        kept = reader.malformed[-1]
        assert kept.payload == payload
        assert kept.reason
    else:
        assert reader.malformed_count == 0
        assert update is None or update.device_id == "band-0001"


ENVELOPE = json.loads(
    encode_envelope(
        Envelope(
            message_id="01JDZ3S3G2J8T0V0G8W6ZQ4C0Y",
            org_id="org-a",
            gateway_id="gw-1",
            gateway_time=NOW,
            body=SmokeReading(smoke=True),
        )
    )
)


@FUZZ
@given(
    payload=payloads | mutated(ENVELOPE).map(encode),
    topic=st.sampled_from(
        ["sg/v1/org-a/gw-1/reading", "sg/v1/org-a/gw-1/event", "sg/v1/org-a/gw-2/reading"]
    )
    | st.text(max_size=40),
)
def test_the_cloud_check_rejects_junk_with_a_reason(payload: bytes, topic: str) -> None:
    checked = check_message(topic, payload)
    assert isinstance(checked, Accepted | Rejected)
    if isinstance(checked, Rejected):
        assert checked.error.strip()


def _contract_models() -> list[type[ContractModel]]:
    for module in pkgutil.walk_packages(contracts.__path__, "contracts."):
        importlib.import_module(module.name)
    found: list[type[ContractModel]] = []
    todo: list[type[ContractModel]] = [ContractModel]
    while todo:
        cls = todo.pop()
        for sub in cls.__subclasses__():
            found.append(sub)
            todo.append(sub)
    return sorted(set(found), key=lambda c: f"{c.__module__}.{c.__qualname__}")


MODELS = _contract_models()


def test_every_contract_model_is_fuzzed() -> None:
    names = {model.__qualname__ for model in MODELS}  # the walk really found the models
    assert {"Envelope", "AckMessage", "Z2mSmokeState", "WristbandAccelPayload"} <= names


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m.__qualname__)
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=json_values | st.binary(max_size=100))
def test_contract_models_reject_junk_with_their_own_error(
    model: type[ContractModel], data: object
) -> None:
    raw = data if isinstance(data, bytes) else encode(data)
    error: PayloadValidationError | None = None
    try:
        model.parse_payload(raw)
    except PayloadValidationError as exc:  # anything else fails the test
        error = exc
    if error is not None:
        message = str(error)
        assert message.startswith(f"invalid {model.__name__}: "), message
        assert message.isprintable(), f"not one readable line: {message!r}"
        assert error.problems
        assert all(where and why for where, why in error.problems)
