"""The labels an incident is routed, silenced and inhibited by (pure).

Example:
    >>> from datetime import UTC, datetime
    >>> from contracts.envelope import Envelope
    >>> from contracts.events import EventBody, EventType, Evidence
    >>> now = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    >>> env = Envelope(message_id="01JDZ3S3G2J8T0V0G8W6ZQ4C0Y", org_id="org-demo",
    ...     gateway_id="gw-0001", home_id="home-0001", resident_id="res-0001",
    ...     device_id="smoke-1", device_time=now, gateway_time=now,
    ...     body=EventBody.of(EventType.FIRE, Evidence(summary="smoke"), detector="edge.fire/v1"))
    >>> labels = incident_labels(env, env.body, team_id="t-north")
    >>> labels["type"], labels["severity"], labels["team"], labels["org"], labels["detector"]
    ('fire', 'critical', 't-north', 'org-demo', 'edge.fire/v1')
"""

from __future__ import annotations

from contracts.envelope import Envelope
from contracts.events import EventBody

LABEL_NAMES = (
    "org",
    "team",
    "resident",
    "home",
    "gateway",
    "device",
    "type",
    "severity",
    "warning_class",
    "audience",
    "detector",
)
"""Every label a matcher can name (a missing one matches as the empty string)."""


def incident_labels(envelope: Envelope, body: EventBody, *, team_id: str | None) -> dict[str, str]:
    """The labels of the incident ``body`` opens (empty values are left out)."""
    labels = {
        "org": envelope.org_id,
        "team": team_id or "",
        "resident": envelope.resident_id or "",
        "home": envelope.home_id or "",
        "gateway": envelope.gateway_id or "",
        "device": envelope.device_id or "",
        "type": body.type.value,
        "severity": body.severity.value,
        "warning_class": body.warning_class.value,
        "audience": body.audience.value,
        "detector": body.detector or "",
    }
    return {k: v for k, v in labels.items() if v}
