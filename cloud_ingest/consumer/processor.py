"""The sync core of the consumer: check one message, store or quarantine it, decide its ack.

The ack is only decided after the database has committed; if the database fails,
:class:`cloud_ingest.errors.StoreError` propagates and nothing is acked, so the gateway
keeps the message in its outbox and sends it again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from cloud_ingest.consumer.checks import Accepted, Rejected, check_message
from cloud_ingest.errors import UnstorableMessageError
from cloud_ingest.store import IngestStore
from contracts.ack import AckBody, AckStatus
from contracts.clock import Clock
from contracts.envelope import AckMessage, encode_envelope
from contracts.ids import new_message_id
from contracts.topics import GatewayTopic, TopicKind, build_topic

log = logging.getLogger(__name__)

_MAX_NOTED_SOURCES = 10_000


@dataclass(frozen=True, slots=True)
class OutgoingAck:
    """An ack to publish (QoS 1) once the message it acknowledges is durable."""

    topic: str
    payload: bytes


@dataclass(slots=True)
class IngestCounters:
    """What the consumer did since it started."""

    stored: int = 0
    duplicate: int = 0
    quarantined: int = 0
    store_failed: int = 0

    def count(self, status: AckStatus) -> None:
        """Count one message's outcome."""
        if status is AckStatus.STORED:
            self.stored += 1
        elif status is AckStatus.DUPLICATE:
            self.duplicate += 1
        else:
            self.quarantined += 1


@dataclass
class MessageProcessor:
    """Checks, stores and acknowledges one message at a time (called in a worker thread)."""

    store: IngestStore
    clock: Clock
    counters: IngestCounters = field(default_factory=IngestCounters)
    _noted_sources: set[str] = field(default_factory=set)

    def process(self, topic: str, payload: bytes) -> OutgoingAck | None:
        """Handle one message; return the ack to publish, if any.

        A message the database refuses for good is quarantined like an invalid one.

        Raises:
            StoreError: the database failed; nothing is acked, so the gateway resends.
        """
        checked = check_message(topic, payload)
        if isinstance(checked, Accepted):
            envelope = checked.envelope
            try:
                status = self.store.store(envelope, payload)
            except UnstorableMessageError as exc:
                checked = Rejected(str(exc), checked.topic, envelope.message_id)
            else:
                self.counters.count(status)
                log.debug("%s %s from %s", status.value, envelope.message_id, topic)
                return self._ack(checked.topic, envelope.message_id, status)
        self.store.quarantine(topic, payload, checked.error, checked.message_id)
        self.counters.count(AckStatus.QUARANTINED)
        self._note_bad_source(topic, checked.error)
        if checked.reply_to is None or checked.message_id is None:
            return None
        return self._ack(checked.reply_to, checked.message_id, AckStatus.QUARANTINED)

    def _ack(self, sender: GatewayTopic, message_id: str, status: AckStatus) -> OutgoingAck:
        now = self.clock.now()
        ack = AckMessage(
            message_id=new_message_id(now),
            org_id=sender.org_id,
            gateway_id=sender.gateway_id,
            cloud_time=now,
            body=AckBody(acked=[(message_id, status)]),
        )
        return OutgoingAck(
            build_topic(sender.org_id, sender.gateway_id, TopicKind.ACK), encode_envelope(ack)
        )

    def _note_bad_source(self, topic: str, error: str) -> None:
        """Warn once per topic; later bad messages from it are only counted (and at DEBUG)."""
        if topic in self._noted_sources:
            log.debug("quarantined another message from %s: %s", topic, error)
            return
        if len(self._noted_sources) < _MAX_NOTED_SOURCES:
            self._noted_sources.add(topic)
        log.warning(
            "quarantined a message from %s (%d quarantined so far; later ones from this topic "
            "are logged at DEBUG): %s",
            topic,
            self.counters.quarantined,
            error,
        )
