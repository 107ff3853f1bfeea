"""Topics parse back to what built them; exported JSON Schemas accept real messages."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from contracts import TopicError, TopicKind, build_topic, parse_topic
from contracts.devices.zigbee2mqtt import Z2mSmokeState
from contracts.signing import SignatureError, sign_webhook, verify_webhook
from silverguard.cli import app
from tests.contracts.test_envelope import BODIES, make


@pytest.mark.parametrize("kind", list(TopicKind))
def test_topic_round_trip(kind: TopicKind) -> None:
    parsed = parse_topic(build_topic("org-1", "gw_7", kind))
    assert (parsed.org_id, parsed.gateway_id, parsed.kind) == ("org-1", "gw_7", kind)


@pytest.mark.parametrize(
    "topic", ["sg/v1/org/gw", "sg/v2/org/gw/event", "sg/v1/org/gw/nope", "sg/v1/Org/gw/event"]
)
def test_bad_topics_rejected(topic: str) -> None:
    with pytest.raises(TopicError):
        parse_topic(topic)


def test_build_topic_refuses_wildcards() -> None:
    with pytest.raises(TopicError, match="not a valid id"):
        build_topic("org", "+", TopicKind.EVENT)


def test_export_schema_cli_and_schemas_accept_real_messages(tmp_path: Path) -> None:
    result = CliRunner().invoke(app, ["contracts", "export-schema", str(tmp_path / "schemas")])
    assert result.exit_code == 0, result.output
    envelope_schema = json.loads((tmp_path / "schemas" / "envelope.schema.json").read_text())
    for body in BODIES:
        jsonschema.validate(json.loads(make(body).model_dump_json()), envelope_schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"message_id": "x"}, envelope_schema)
    z2m_schema = json.loads((tmp_path / "schemas" / "z2m-smoke-state.schema.json").read_text())
    jsonschema.validate({"smoke": True, "battery": 92, "unknown_new_field": 1}, z2m_schema)


def test_z2m_ignores_unknown_fields_but_rejects_wrong_types() -> None:
    assert Z2mSmokeState.parse_payload(b'{"smoke": false, "new_fw_field": 3}').smoke is False
    with pytest.raises(ValueError, match="smoke"):
        Z2mSmokeState.parse_payload(b'{"smoke": "yes please"}')


def test_webhook_signature_rejects_tampering_and_replay() -> None:
    ts = int(datetime(2026, 11, 24, tzinfo=UTC).timestamp())
    sig = sign_webhook(b"k", ts, b"{}")
    verify_webhook(b"k", str(ts), sig, b"{}", now_s=ts + 1)
    with pytest.raises(SignatureError, match="does not match"):
        verify_webhook(b"k", str(ts), sig, b'{"x":1}', now_s=ts + 1)
    with pytest.raises(SignatureError, match="from now"):
        verify_webhook(b"k", str(ts), sig, b"{}", now_s=ts + 3600)
    with pytest.raises(SignatureError, match="missing"):
        verify_webhook(b"k", None, sig, b"{}", now_s=ts)
