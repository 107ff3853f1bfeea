"""Prometheus metrics of the alert router: the names (dashboards import them) and collectors.

Each router has its own registry (no globals), served on ``/metrics`` by ``alerting run`` when
the config has ``metrics: {host, port}`` (default port 9311); the router's HTTP API counts its
requests into the same registry (:mod:`contracts.http_metrics`). ``channel`` labels are
:class:`~alerting.channels.kinds.ChannelKind` values; ``kind`` labels of failures are
:class:`FailureKind` values.

Example:
    >>> from prometheus_client import generate_latest
    >>> m = AlertingMetrics()
    >>> m.failed.labels(channel="sms", kind=FailureKind.RETRYABLE).inc()
    >>> b'sg_alerting_notification_failures_total{channel="sms",kind="retryable"} 1.0' in (
    ...     generate_latest(m.registry))
    True
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

from alerting.errors import DeliveryError

NOTIFICATIONS_SENT = "sg_alerting_notifications_sent"
"""Counter{channel}: notifications the channel took (a receipt came back)."""
NOTIFICATION_FAILURES = "sg_alerting_notification_failures"
"""Counter{channel, kind}: attempts the channel refused or that failed (``retryable|permanent``)."""
DELIVERY_LATENCY = "sg_alerting_delivery_seconds"
"""Histogram{channel, outcome}: from the start of a send attempt to the channel's answer
(``outcome`` is ``delivered`` or a :class:`FailureKind`)."""
FIRST_DELIVERY_LATENCY = "sg_alerting_first_delivery_seconds"
"""Histogram: from an incident's opening to the first of its pages delivered."""
PAGES_CLAIMED = "sg_alerting_pages_claimed"
"""Counter{channel}: due notifications this router claimed to send (first tries and retries)."""
ACTIVE_INCIDENTS = "sg_alerting_active_incidents"
"""Gauge{status}: incidents not yet closed or resolved, by status (the whole database, as
seen by this router; several routers report the same number: aggregate with ``max``)."""
ESCALATION_STEPS = "sg_alerting_escalation_steps"
"""Counter{step}: escalation steps paged (``step`` 1 is the first page of an incident)."""
FEED_LAG = "sg_alerting_feed_lag_seconds"
"""Histogram: from the ingest storing an event to this router opening its incident."""

_SEND_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
_WAIT_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600)


class FailureKind(StrEnum):
    """Whether a failed delivery may succeed if tried again (5xx, timeout) or never will (4xx)."""

    RETRYABLE = "retryable"
    PERMANENT = "permanent"

    @classmethod
    def of(cls, exc: DeliveryError) -> FailureKind:
        """The kind of a channel's error.

        >>> from alerting.errors import PermanentDeliveryError
        >>> FailureKind.of(PermanentDeliveryError("410 Gone")).value
        'permanent'
        """
        return cls.RETRYABLE if exc.retryable else cls.PERMANENT


DELIVERED = "delivered"
"""The ``outcome`` label of a delivery-latency observation that got a receipt."""


@dataclass
class AlertingMetrics:
    """The collectors of one alert router, in their own registry."""

    registry: CollectorRegistry = field(default_factory=CollectorRegistry)

    def __post_init__(self) -> None:
        r = self.registry
        self.sent = Counter(NOTIFICATIONS_SENT, "Notifications delivered", ["channel"], registry=r)
        self.failed = Counter(
            NOTIFICATION_FAILURES, "Failed delivery attempts", ["channel", "kind"], registry=r
        )
        self.delivery = Histogram(
            DELIVERY_LATENCY,
            "Send attempt to channel answer",
            ["channel", "outcome"],
            buckets=_SEND_BUCKETS,
            registry=r,
        )
        self.first_delivery = Histogram(
            FIRST_DELIVERY_LATENCY,
            "Incident opened to first page delivered",
            buckets=_WAIT_BUCKETS,
            registry=r,
        )
        self.claimed = Counter(PAGES_CLAIMED, "Notifications claimed", ["channel"], registry=r)
        self.active_incidents = Gauge(
            ACTIVE_INCIDENTS, "Incidents not closed or resolved", ["status"], registry=r
        )
        self.escalation_steps = Counter(
            ESCALATION_STEPS, "Escalation steps paged", ["step"], registry=r
        )
        self.feed_lag = Histogram(
            FEED_LAG, "Event stored to incident opened", buckets=_WAIT_BUCKETS, registry=r
        )
