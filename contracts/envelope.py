"""The versioned envelope every gateway→cloud message travels in.

Example:
    >>> from datetime import UTC, datetime
    >>> from contracts.readings import SmokeReading
    >>> now = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    >>> env = Envelope(message_id=new_message_id(now), org_id="org-demo", gateway_id="gw-0001",
    ...                home_id="home-0001", resident_id="res-0001", device_id="smoke-kitchen",
    ...                device_time=now, gateway_time=now, body=SmokeReading(smoke=True))
    >>> decode_envelope(encode_envelope(env)) == env
    True
    >>> decode_envelope(b'{"schema_version": 1}')
    Traceback (most recent call last):
    ...
    contracts.errors.PayloadValidationError: invalid Envelope: message_id: Field required; ...
"""

from __future__ import annotations

from typing import Annotated

from pydantic import AwareDatetime, Field

from contracts.ack import AckBody
from contracts.base import ContractModel
from contracts.errors import PayloadValidationError
from contracts.events import EventBody
from contracts.ids import Identifier, MessageId, new_message_id
from contracts.readings import (
    HomeSensorReading,
    MattressRawBlock,
    MattressVitals,
    SmokeReading,
    WristbandAccelBlock,
    WristbandStatus,
)
from contracts.status import GatewayStatusBody
from contracts.topics import TopicKind

__all__ = [
    "SCHEMA_VERSION",
    "AckMessage",
    "Body",
    "Envelope",
    "decode_ack",
    "decode_envelope",
    "encode_envelope",
    "new_message_id",
    "topic_kind_of",
]

SCHEMA_VERSION = 1
"""The envelope's schema version. A receiver rejects versions newer than its own."""

Body = Annotated[
    EventBody
    | SmokeReading
    | MattressVitals
    | MattressRawBlock
    | WristbandAccelBlock
    | WristbandStatus
    | HomeSensorReading
    | GatewayStatusBody,
    Field(discriminator="kind"),
]
"""Everything a gateway sends, told apart by its ``kind`` field."""


class Envelope(ContractModel):
    """A gateway→cloud message: who it is about, when, and what.

    ``device_time`` is the device's own clock (may be absent or wrong); ``gateway_time`` is
    when the gateway received or created the message. Ids are pseudonymous.
    """

    schema_version: int = Field(default=SCHEMA_VERSION, ge=1, le=SCHEMA_VERSION)
    message_id: MessageId
    org_id: Identifier
    gateway_id: Identifier
    home_id: Identifier | None = None
    resident_id: Identifier | None = None
    device_id: Identifier | None = None
    device_time: AwareDatetime | None = None
    gateway_time: AwareDatetime
    body: Body


class AckMessage(ContractModel):
    """The cloud's acknowledgement, sent to one gateway's ack topic after durable storage."""

    schema_version: int = Field(default=SCHEMA_VERSION, ge=1, le=SCHEMA_VERSION)
    message_id: MessageId
    org_id: Identifier
    gateway_id: Identifier
    cloud_time: AwareDatetime
    body: AckBody


def topic_kind_of(envelope: Envelope) -> TopicKind:
    """The topic kind a message must travel on (gateways publish it there, the cloud checks it).

    >>> from contracts.status import GatewayState
    >>> from datetime import UTC, datetime
    >>> topic_kind_of(Envelope(message_id="01JDZ3S3G2J8T0V0G8W6ZQ4C0Y", org_id="o",
    ...     gateway_id="g", gateway_time=datetime(2026, 1, 1, tzinfo=UTC),
    ...     body=GatewayStatusBody(state=GatewayState.OFFLINE))).value
    'status'
    """
    if isinstance(envelope.body, EventBody):
        return TopicKind.EVENT
    if isinstance(envelope.body, GatewayStatusBody):
        return TopicKind.STATUS
    return TopicKind.READING


def encode_envelope(envelope: Envelope | AckMessage) -> bytes:
    """Serialise a message to compact UTF-8 JSON."""
    return envelope.model_dump_json(exclude_none=True).encode()


def decode_envelope(payload: bytes | str) -> Envelope:
    """Parse and validate a gateway message.

    Raises:
        PayloadValidationError: the payload is not valid JSON or breaks the contract.
    """
    return Envelope.parse_payload(payload)


def decode_ack(payload: bytes | str) -> AckMessage:
    """Parse and validate an ack message (raises :class:`PayloadValidationError`)."""
    return AckMessage.parse_payload(payload)


_ = PayloadValidationError  # re-exported for the doctest above
