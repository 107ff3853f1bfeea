"""The sync core of the consumer: check a batch of messages, store or quarantine them, decide acks.

A batch is stored in one transaction and acked only after it committed — and, for telemetry,
only after its points are on the time-series server or in the durable buffer (same
transaction). If the database fails, the batch is retried one message at a time, so one bad
row cannot hold back the others; what still fails is not acked, and its gateway resends it.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

from cloud_ingest.consumer.checks import Accepted, Rejected, check_message
from cloud_ingest.errors import StoreError, UnstorableMessageError
from cloud_ingest.metrics import IngestMetrics
from cloud_ingest.store import IngestStore
from cloud_ingest.store.batch import Incoming, QuarantineEntry
from cloud_ingest.tsdb import TelemetrySink, points_of
from contracts.ack import AckBody, AckStatus
from contracts.clock import Clock
from contracts.envelope import AckMessage, encode_envelope
from contracts.ids import new_message_id
from contracts.topics import GatewayTopic, TopicKind, build_topic

log = logging.getLogger(__name__)

_MAX_NOTED_SOURCES = 10_000


@dataclass(frozen=True, slots=True)
class Received:
    """A message as taken from the broker; ``at_s`` is ``time.perf_counter()`` then."""

    topic: str
    payload: bytes
    at_s: float


@dataclass(frozen=True, slots=True)
class OutgoingAck:
    """An ack to publish (QoS 1) once the messages it acknowledges are durable."""

    topic: str
    payload: bytes
    received_at_s: tuple[float, ...]
    """When each acknowledged message was received (for the ack-latency metric)."""


@dataclass(slots=True)
class IngestCounters:
    """What the consumer did since it started."""

    stored: int = 0
    duplicate: int = 0
    quarantined: int = 0
    store_failed: int = 0
    deferred: int = 0

    def count(self, status: AckStatus) -> None:
        """Count one message's outcome."""
        if status is AckStatus.STORED:
            self.stored += 1
        elif status is AckStatus.DUPLICATE:
            self.duplicate += 1
        else:
            self.quarantined += 1


_Outcome = tuple[Received, GatewayTopic | None, str | None, AckStatus]
"""A message, whom to ack (if anyone), the id to ack, and what happened to it."""


@dataclass(frozen=True, slots=True)
class _Item:
    received: Received
    checked: Accepted
    points: list[str]


@dataclass
class MessageProcessor:
    """Checks, stores and acknowledges batches of messages (called in a worker thread)."""

    store: IngestStore
    clock: Clock
    metrics: IngestMetrics = field(default_factory=IngestMetrics)
    telemetry: TelemetrySink | None = None
    track_liveness: bool = False
    counters: IngestCounters = field(default_factory=IngestCounters)
    _noted_sources: set[str] = field(default_factory=set)

    def process(self, topic: str, payload: bytes) -> OutgoingAck | None:
        """Handle one message; the ack to publish, if any (see :meth:`process_batch`)."""
        acks = self.process_batch([Received(topic, payload, time.perf_counter())])
        return acks[0] if acks else None

    def process_batch(self, batch: Sequence[Received]) -> list[OutgoingAck]:
        """Handle messages; returns the acks to publish (one per gateway).

        Never raises for a message: invalid ones are quarantined, ones the database cannot
        take now are left unacked (counted), so their gateways resend them.
        """
        items: list[_Item] = []
        rejected: list[tuple[Received, Rejected]] = []
        received_by_kind: Counter[str] = Counter()
        for received in batch:
            checked = check_message(received.topic, received.payload)
            received_by_kind[_kind(checked)] += 1
            if isinstance(checked, Accepted):
                points = points_of(checked.envelope) if self.telemetry else []
                items.append(_Item(received, checked, points))
            else:
                rejected.append((received, checked))
        items, buffered = self._send_points(items)
        outcomes = self._store(items, rejected, buffered)
        position = {id(received): i for i, received in enumerate(batch)}
        outcomes.sort(key=lambda outcome: position[id(outcome[0])])  # acks in arrival order
        for kind, count in received_by_kind.items():  # one labels() per kind, not per message
            self.metrics.received.labels(kind=kind).inc(count)
        return self._acks(outcomes)

    def _send_points(self, items: list[_Item]) -> tuple[list[_Item], bool]:
        """Write telemetry points now if possible; else decide whether they can be buffered.

        Returns the items to store and whether their points go to the buffer. Telemetry that
        fits neither is left out (not acked): the gateway keeps it.
        """
        lines = [line for item in items for line in item.points]
        if self.telemetry is None or not lines or self.telemetry.write_now(lines):
            return items, False
        if self.telemetry.has_room(len(lines)):
            return items, True
        keep = [item for item in items if not item.points]
        for item in items:
            if item.points:
                self.counters.deferred += 1
                self.metrics.not_acked.labels(
                    kind=item.checked.topic.kind.value, reason="buffer_full"
                ).inc()
        log.debug("time-series buffer full: %d message(s) left unacked", len(items) - len(keep))
        return keep, False

    def _store(
        self,
        items: list[_Item],
        rejected: list[tuple[Received, Rejected]],
        buffered: bool,
    ) -> list[_Outcome]:
        """Store everything in one transaction, or one by one if that fails."""
        entries = [QuarantineEntry(r.topic, r.payload, c.error, c.message_id) for r, c in rejected]
        points = [line for item in items for line in item.points] if buffered else []
        started = time.perf_counter()
        try:
            statuses = self.store.store_batch(
                [Incoming(i.checked.envelope, i.received.payload) for i in items],
                quarantine=entries,
                buffered_points=points,
                track_liveness=self.track_liveness,
            )
        except StoreError as exc:
            log.debug("batch of %d not stored (%s); storing one by one", len(items), exc)
            return self._one_by_one(items, rejected, buffered)
        self.metrics.db_write.observe(time.perf_counter() - started)
        if points and self.telemetry is not None:
            self.telemetry.note_buffered(len(points))
        outcomes: list[_Outcome] = [
            (i.received, i.checked.topic, i.checked.envelope.message_id, status)
            for i, status in zip(items, statuses, strict=True)
        ]
        for received, checked in rejected:
            self._quarantined(received, checked)
            outcomes.append((received, checked.reply_to, checked.message_id, AckStatus.QUARANTINED))
        now = self.clock.now()
        for item in items:
            self.metrics.message_age.observe(
                max(0.0, (now - item.checked.envelope.gateway_time).total_seconds())
            )
        return outcomes

    def _one_by_one(
        self,
        items: list[_Item],
        rejected: list[tuple[Received, Rejected]],
        buffered: bool,
    ) -> list[_Outcome]:
        outcomes: list[_Outcome] = []
        for item in items:
            envelope = item.checked.envelope
            points = item.points if buffered else []
            try:
                [status] = self.store.store_batch(
                    [Incoming(envelope, item.received.payload)],
                    buffered_points=points,
                    track_liveness=self.track_liveness,
                )
            except UnstorableMessageError as exc:
                rejected.append(
                    (item.received, Rejected(str(exc), item.checked.topic, envelope.message_id))
                )
                continue
            except StoreError as exc:
                self._not_stored(item.received, item.checked.topic.kind.value, exc)
                continue
            if points and self.telemetry is not None:
                self.telemetry.note_buffered(len(points))
            outcomes.append((item.received, item.checked.topic, envelope.message_id, status))
        for received, checked in rejected:
            try:
                self.store.quarantine(
                    received.topic, received.payload, checked.error, checked.message_id
                )
            except StoreError as exc:
                self._not_stored(received, _kind(checked), exc)
                continue
            self._quarantined(received, checked)
            outcomes.append((received, checked.reply_to, checked.message_id, AckStatus.QUARANTINED))
        return outcomes

    def _acks(self, outcomes: list[_Outcome]) -> list[OutgoingAck]:
        by_gateway: dict[tuple[str, str], list[tuple[str, AckStatus]]] = defaultdict(list)
        received_at: dict[tuple[str, str], list[float]] = defaultdict(list)
        stored_by_kind: Counter[tuple[str, str]] = Counter()
        for received, sender, message_id, status in outcomes:
            if status is not AckStatus.QUARANTINED:
                self.counters.count(status)
                stored_by_kind[(sender.kind.value if sender else "other", status.value)] += 1
            if sender is None or message_id is None:
                continue
            key = (sender.org_id, sender.gateway_id)
            by_gateway[key].append((message_id, status))
            received_at[key].append(received.at_s)
        for (kind, status_name), count in stored_by_kind.items():
            self.metrics.stored.labels(kind=kind, status=status_name).inc(count)
        now = self.clock.now()
        acks = []
        for (org_id, gateway_id), acked in by_gateway.items():
            ack = AckMessage(
                message_id=new_message_id(now),
                org_id=org_id,
                gateway_id=gateway_id,
                cloud_time=now,
                body=AckBody(acked=acked),
            )
            acks.append(
                OutgoingAck(
                    build_topic(org_id, gateway_id, TopicKind.ACK),
                    encode_envelope(ack),
                    tuple(received_at[(org_id, gateway_id)]),
                )
            )
        return acks

    def _not_stored(self, received: Received, kind: str, exc: StoreError) -> None:
        self.counters.store_failed += 1
        self.metrics.not_acked.labels(kind=kind, reason="store_failed").inc()
        log.debug("not stored, not acked (%s): %s", received.topic, exc)

    def _quarantined(self, received: Received, checked: Rejected) -> None:
        self.counters.count(AckStatus.QUARANTINED)
        self.metrics.quarantined.labels(kind=_kind(checked)).inc()
        self._note_bad_source(received.topic, checked.error)

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


def _kind(checked: Accepted | Rejected) -> str:
    """The metric label of a message: its topic kind, or ``other``."""
    if isinstance(checked, Accepted):
        return checked.topic.kind.value
    return checked.reply_to.kind.value if checked.reply_to else "other"
