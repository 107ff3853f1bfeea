"""Topic names of the gateway↔cloud namespace: ``sg/v1/{org}/{gateway}/{kind}``.

Gateways publish ``event``, ``reading`` and ``status`` under their own prefix (the broker's ACL
allows nothing else); the cloud publishes ``ack`` to each gateway.

Example:
    >>> build_topic("org-demo", "gw-0001", TopicKind.EVENT)
    'sg/v1/org-demo/gw-0001/event'
    >>> parse_topic("sg/v1/org-demo/gw-0001/ack")
    GatewayTopic(org_id='org-demo', gateway_id='gw-0001', kind=<TopicKind.ACK: 'ack'>)
    >>> subscription(TopicKind.EVENT, shared_group="ingest")
    '$share/ingest/sg/v1/+/+/event'
    >>> parse_topic("zigbee2mqtt/kitchen")
    Traceback (most recent call last):
    ...
    contracts.errors.TopicError: 'zigbee2mqtt/kitchen' is not a Silverguard topic ...
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from contracts.errors import TopicError
from contracts.ids import IDENTIFIER_PATTERN

PREFIX = "sg/v1"
_ID = re.compile(IDENTIFIER_PATTERN)


class TopicKind(StrEnum):
    """The last level of a Silverguard topic."""

    EVENT = "event"  # detected events: alarm lane
    READING = "reading"  # telemetry: vitals, device state
    STATUS = "status"  # birth / last will, retained
    ACK = "ack"  # cloud → gateway


@dataclass(frozen=True, slots=True)
class GatewayTopic:
    """A parsed Silverguard topic."""

    org_id: str
    gateway_id: str
    kind: TopicKind


def build_topic(org_id: str, gateway_id: str, kind: TopicKind) -> str:
    """Return the topic for a gateway's messages of ``kind``; ids must be topic-safe."""
    for what, value in (("org_id", org_id), ("gateway_id", gateway_id)):
        if not _ID.fullmatch(value):
            raise TopicError(f"{what} {value!r} is not a valid id (lower-case a-z, 0-9, _ or -)")
    return f"{PREFIX}/{org_id}/{gateway_id}/{kind.value}"


def parse_topic(topic: str) -> GatewayTopic:
    """Parse a topic into its org, gateway and kind (raises :class:`TopicError`)."""
    parts = topic.split("/")
    if len(parts) != 5 or "/".join(parts[:2]) != PREFIX:
        raise TopicError(
            f"{topic!r} is not a Silverguard topic (expected {PREFIX}/{{org}}/{{gateway}}/{{kind}})"
        )
    _, _, org_id, gateway_id, kind = parts
    try:
        parsed_kind = TopicKind(kind)
    except ValueError:
        known = ", ".join(k.value for k in TopicKind)
        raise TopicError(f"{topic!r}: unknown kind {kind!r} (known: {known})") from None
    if not (_ID.fullmatch(org_id) and _ID.fullmatch(gateway_id)):
        raise TopicError(f"{topic!r}: org or gateway id is not a valid id")
    return GatewayTopic(org_id, gateway_id, parsed_kind)


def subscription(
    kind: TopicKind,
    *,
    org_id: str = "+",
    gateway_id: str = "+",
    shared_group: str | None = None,
) -> str:
    """A subscription filter for ``kind`` messages, optionally as an MQTT v5 shared subscription."""
    topic = f"{PREFIX}/{org_id}/{gateway_id}/{kind.value}"
    return f"$share/{shared_group}/{topic}" if shared_group else topic
