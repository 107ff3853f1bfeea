"""Pure message checks: a gateway speaks only for itself, each body on its own topic."""

from __future__ import annotations

import pytest

from cloud_ingest.consumer.checks import Accepted, Rejected, check_message
from contracts import Envelope, GatewayState, encode_envelope
from tests.cloud_ingest.support import event_envelope, reading_envelope, status_envelope


@pytest.mark.parametrize(
    ("envelope", "kind"),
    [
        (event_envelope(), "event"),
        (reading_envelope(), "reading"),
        (status_envelope(GatewayState.OFFLINE), "status"),
    ],
)
def test_each_body_is_accepted_on_its_own_topic(envelope: Envelope, kind: str) -> None:
    result = check_message(f"sg/v1/org-t/gw-1/{kind}", encode_envelope(envelope))
    assert isinstance(result, Accepted)
    assert result.envelope == envelope
    assert result.topic.kind.value == kind


def test_body_on_the_wrong_topic_is_rejected_with_its_id() -> None:
    env = reading_envelope()
    result = check_message("sg/v1/org-t/gw-1/event", encode_envelope(env))
    assert isinstance(result, Rejected)
    assert "'reading.smoke' body must be sent on the 'reading' topic" in result.error
    assert result.message_id == env.message_id


@pytest.mark.parametrize("topic", ["sg/v1/org-t/gw-2/event", "sg/v1/org-x/gw-1/event"])
def test_gateway_may_only_speak_for_itself(topic: str) -> None:
    env = event_envelope()
    result = check_message(topic, encode_envelope(env))
    assert isinstance(result, Rejected)
    assert "a gateway may only speak for itself" in result.error
    assert result.reply_to is not None
    assert topic.startswith(f"sg/v1/{result.reply_to.org_id}/{result.reply_to.gateway_id}/")


def test_garbage_is_rejected_without_an_id() -> None:
    result = check_message("sg/v1/org-t/gw-1/event", b"\xff\x00 not json")
    assert isinstance(result, Rejected)
    assert result.message_id is None
    assert result.error.startswith("invalid Envelope")


def test_invalid_body_keeps_the_recoverable_id() -> None:
    payload = encode_envelope(event_envelope()).replace(b'"critical"', b'"apocalyptic"')
    result = check_message("sg/v1/org-t/gw-1/event", payload)
    assert isinstance(result, Rejected)
    assert result.message_id is not None
    assert "severity" in result.error


def test_foreign_topic_gets_no_reply() -> None:
    result = check_message("sg/v1/ORG/gw-1/event", encode_envelope(event_envelope()))
    assert isinstance(result, Rejected)
    assert result.reply_to is None
