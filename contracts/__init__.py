"""Silverguard's wire contracts: the only place the message formats are defined.

Pure models, topic names, units and the event taxonomy. Nothing here does I/O, and this
package imports no other Silverguard package, so every component can depend on it.

Example:
    >>> from contracts import EventType, TAXONOMY
    >>> TAXONOMY[EventType.FIRE].warning_class.value
    'home_anomaly'
"""

from contracts.ack import AckBody, AckStatus
from contracts.envelope import (
    SCHEMA_VERSION,
    AckMessage,
    Body,
    Envelope,
    decode_ack,
    decode_envelope,
    encode_envelope,
)
from contracts.errors import ContractError, PayloadValidationError, TopicError
from contracts.events import (
    TAXONOMY,
    Audience,
    Dimension,
    EventBody,
    EventStatus,
    EventType,
    Evidence,
    Severity,
    TaxonomyEntry,
    WarningClass,
)
from contracts.ids import message_id_time, new_message_id
from contracts.readings import (
    HomeSensorReading,
    MattressRawBlock,
    MattressVitals,
    SmokeReading,
    WristbandAccelBlock,
    WristbandStatus,
)
from contracts.status import GatewayState, GatewayStatusBody
from contracts.topics import GatewayTopic, TopicKind, build_topic, parse_topic, subscription

__all__ = [
    "SCHEMA_VERSION",
    "TAXONOMY",
    "AckBody",
    "AckMessage",
    "AckStatus",
    "Audience",
    "Body",
    "ContractError",
    "Dimension",
    "Envelope",
    "EventBody",
    "EventStatus",
    "EventType",
    "Evidence",
    "GatewayState",
    "GatewayStatusBody",
    "GatewayTopic",
    "HomeSensorReading",
    "MattressRawBlock",
    "MattressVitals",
    "PayloadValidationError",
    "Severity",
    "SmokeReading",
    "TaxonomyEntry",
    "TopicError",
    "TopicKind",
    "WarningClass",
    "WristbandAccelBlock",
    "WristbandStatus",
    "build_topic",
    "decode_ack",
    "decode_envelope",
    "encode_envelope",
    "message_id_time",
    "new_message_id",
    "parse_topic",
    "subscription",
]
