"""Prometheus metrics of the ingest: the names (dashboards import them) and their collectors.

Each worker has its own registry (no globals), served on ``/metrics`` by ``ingest run`` (with
:class:`contracts.metrics.MetricsServer`) when the config has ``metrics: {host, port}``.
``kind`` labels are topic kinds (``event``, ``reading``, ``status``, or ``other`` for topics
that are not ours).

Example:
    >>> from prometheus_client import generate_latest
    >>> m = IngestMetrics()
    >>> m.received.labels(kind="event").inc()
    >>> b"sg_ingest_messages_received_total{kind=\\"event\\"} 1.0" in generate_latest(m.registry)
    True
"""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

MESSAGES_RECEIVED = "sg_ingest_messages_received"
"""Counter{kind}: messages taken from the broker."""
MESSAGES_STORED = "sg_ingest_messages_stored"
"""Counter{kind, status}: messages acked as stored or duplicate (status ``stored|duplicate``)."""
MESSAGES_QUARANTINED = "sg_ingest_messages_quarantined"
"""Counter{kind}: messages kept in the quarantine."""
MESSAGES_NOT_ACKED = "sg_ingest_messages_not_acked"
"""Counter{kind, reason}: left for the gateway to resend (``store_failed|buffer_full``)."""
ACK_LATENCY = "sg_ingest_ack_latency_seconds"
"""Histogram: from taking a message off the broker to publishing its ack."""
MESSAGE_AGE = "sg_ingest_message_age_seconds"
"""Histogram: cloud time at storage minus the message's gateway time (end-to-end lag)."""
QUEUE_DEPTH = "sg_ingest_queue_depth"
"""Gauge: messages received by this worker and not yet processed (consumer lag)."""
DB_WRITE_LATENCY = "sg_ingest_db_write_seconds"
"""Histogram: one batch transaction."""
TSDB_WRITE_LATENCY = "sg_ingest_tsdb_write_seconds"
"""Histogram: one synchronous write to the time-series server (direct or drain)."""
TSDB_WRITE_FAILURES = "sg_ingest_tsdb_write_failures"
"""Counter: writes the time-series server did not take."""
TSDB_BUFFER_POINTS = "sg_ingest_tsdb_buffer_points"
"""Gauge: points waiting in the durable buffer for the time-series server."""
LIVENESS_EVENTS = "sg_ingest_liveness_events"
"""Counter{type, status}: gateway_offline / device_offline events raised or cleared."""

_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)
_AGE_BUCKETS = (0.01, 0.05, 0.1, 0.5, 1, 5, 10, 60, 300, 3600, 86400)


@dataclass
class IngestMetrics:
    """The collectors of one ingest worker, in their own registry."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        self.received = Counter(MESSAGES_RECEIVED, "Messages received", ["kind"], registry=r)
        self.stored = Counter(
            MESSAGES_STORED, "Messages stored and acked", ["kind", "status"], registry=r
        )
        self.quarantined = Counter(
            MESSAGES_QUARANTINED, "Messages quarantined", ["kind"], registry=r
        )
        self.not_acked = Counter(
            MESSAGES_NOT_ACKED, "Messages left unacked", ["kind", "reason"], registry=r
        )
        self.ack_latency = Histogram(
            ACK_LATENCY, "Receipt to ack", buckets=_LATENCY_BUCKETS, registry=r
        )
        self.message_age = Histogram(
            MESSAGE_AGE, "Gateway time to storage", buckets=_AGE_BUCKETS, registry=r
        )
        self.queue_depth = Gauge(QUEUE_DEPTH, "Messages waiting in this worker", registry=r)
        self.db_write = Histogram(
            DB_WRITE_LATENCY, "Batch transaction", buckets=_LATENCY_BUCKETS, registry=r
        )
        self.tsdb_write = Histogram(
            TSDB_WRITE_LATENCY, "Time-series write", buckets=_LATENCY_BUCKETS, registry=r
        )
        self.tsdb_failures = Counter(TSDB_WRITE_FAILURES, "Time-series writes refused", registry=r)
        self.buffer_points = Gauge(TSDB_BUFFER_POINTS, "Points in the durable buffer", registry=r)
        self.liveness_events = Counter(
            LIVENESS_EVENTS, "Liveness events", ["type", "status"], registry=r
        )
