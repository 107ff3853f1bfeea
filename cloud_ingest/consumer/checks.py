"""Pure checks of one received MQTT message: is it a message this topic may carry?

A gateway may only speak for itself (topic org and gateway equal the envelope's), and a body
must travel on the topic of its kind. What fails is rejected with a reason that a quarantine
row can show, and with the message id if one can be recovered, so the gateway can be told
to stop resending.

Example:
    >>> from datetime import UTC, datetime
    >>> from contracts.envelope import Envelope, encode_envelope
    >>> from contracts.readings import SmokeReading
    >>> now = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    >>> env = Envelope(message_id="01JDZ3S3G2J8T0V0G8W6ZQ4C0Y", org_id="org-a",
    ...                gateway_id="gw-1", gateway_time=now, body=SmokeReading(smoke=False))
    >>> check_message("sg/v1/org-a/gw-1/reading", encode_envelope(env)).envelope == env
    True
    >>> r = check_message("sg/v1/org-a/gw-2/reading", encode_envelope(env))
    >>> r.message_id, r.reply_to.gateway_id
    ('01JDZ3S3G2J8T0V0G8W6ZQ4C0Y', 'gw-2')
    >>> r.error
    "envelope is from org-a/gw-1 but arrived on gw-2's topic sg/v1/org-a/gw-2/reading: ..."
    >>> check_message("sg/v1/org-a/gw-1/event", b"\\xff not json").message_id is None
    True
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from contracts.envelope import Envelope, decode_envelope, topic_kind_of
from contracts.errors import PayloadValidationError, TopicError
from contracts.ids import MESSAGE_ID_PATTERN
from contracts.topics import GatewayTopic, TopicKind, parse_topic

_MESSAGE_ID = re.compile(MESSAGE_ID_PATTERN)


@dataclass(frozen=True, slots=True)
class Accepted:
    """A valid message on the right topic."""

    topic: GatewayTopic
    envelope: Envelope


@dataclass(frozen=True, slots=True)
class Rejected:
    """A message to quarantine.

    ``reply_to`` is the sending gateway's topic (``None`` if the topic itself is not ours);
    ``message_id`` is the id recovered from the payload, if any, to ack as quarantined.
    """

    error: str
    reply_to: GatewayTopic | None
    message_id: str | None


def recover_message_id(payload: bytes) -> str | None:
    """The message id of a payload that failed validation, if it has a valid-looking one.

    >>> recover_message_id(b'{"message_id": "01JDZ3S3G2J8T0V0G8W6ZQ4C0Y", "body": 1}')
    '01JDZ3S3G2J8T0V0G8W6ZQ4C0Y'
    >>> recover_message_id(b'{"message_id": "nope"}') is None
    True
    """
    try:
        data = json.loads(payload)
    except (ValueError, RecursionError):
        return None
    if not isinstance(data, dict):
        return None
    candidate = data.get("message_id")
    if isinstance(candidate, str) and _MESSAGE_ID.fullmatch(candidate):
        return candidate
    return None


def check_message(topic: str, payload: bytes) -> Accepted | Rejected:
    """Validate ``payload`` and check that ``topic`` may carry it."""
    try:
        where = parse_topic(topic)
    except TopicError as exc:
        return Rejected(f"topic not accepted: {exc}", None, recover_message_id(payload))
    if where.kind is TopicKind.ACK:
        return Rejected("acks travel cloud→gateway; a gateway must not publish one", None, None)
    try:
        envelope = decode_envelope(payload)
    except PayloadValidationError as exc:
        return Rejected(str(exc), where, recover_message_id(payload))
    if (envelope.org_id, envelope.gateway_id) != (where.org_id, where.gateway_id):
        return Rejected(
            f"envelope is from {envelope.org_id}/{envelope.gateway_id} but arrived on "
            f"{where.gateway_id}'s topic {topic}: a gateway may only speak for itself "
            "(check the gateway's org_id/gateway_id settings and its broker credentials)",
            where,
            envelope.message_id,
        )
    expected = topic_kind_of(envelope)
    if expected is not where.kind:
        return Rejected(
            f"a {envelope.body.kind!r} body must be sent on the {expected.value!r} topic, "
            f"not on {topic}",
            where,
            envelope.message_id,
        )
    return Accepted(where, envelope)
