"""What every channel gets (a :class:`Notice`) and gives back (a :class:`DeliveryReceipt`).

A channel's ``send`` either returns a receipt or raises
:class:`~alerting.errors.RetryableDeliveryError` / :class:`~alerting.errors.PermanentDeliveryError`.
Notices carry pseudonymous ids and the event summary only: no names, no addresses.

Example:
    >>> from datetime import UTC, datetime
    >>> n = Notice(incident_id="01JDZ3S3G2J8T0V0G8W6ZQ4C0Y", person_id="p-1", target="x",
    ...            type="fire", severity="critical", warning_class="home_anomaly",
    ...            resident_id="res-0001", home_id="home-0001", summary="smoke detected",
    ...            opened_at=datetime(2026, 11, 24, 3, 0, tzinfo=UTC),
    ...            accept_url="https://sg.example/a/TOKEN", accept_token="TOKEN")
    >>> n.title
    '【紧急】火警 · 住户 res-0001'
    >>> sorted(n.payload())[:3]
    ['accept_token', 'accept_url', 'home_id']
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from alerting.incidents.labels import notice_title


@dataclass(frozen=True, slots=True)
class Notice:
    """One notification to render and send."""

    incident_id: str
    person_id: str
    target: str
    type: str
    severity: str
    warning_class: str
    resident_id: str
    home_id: str | None
    summary: str
    opened_at: datetime
    accept_url: str
    accept_token: str

    @property
    def title(self) -> str:
        """The one-line headline, e.g. ``【紧急】火警 · 住户 res-0001``."""
        return notice_title(self.type, self.severity, self.resident_id)

    def payload(self) -> dict[str, str | None]:
        """The JSON-ready fields a machine receiver gets."""
        return {
            "incident_id": self.incident_id,
            "person_id": self.person_id,
            "title": self.title,
            "type": self.type,
            "severity": self.severity,
            "warning_class": self.warning_class,
            "resident_id": self.resident_id,
            "home_id": self.home_id,
            "summary": self.summary,
            "opened_at": self.opened_at.isoformat(),
            "accept_url": self.accept_url,
            "accept_token": self.accept_token,
        }


@dataclass(frozen=True, slots=True)
class DeliveryReceipt:
    """What the far end said when it took the notification (HTTP status, SMTP reply)."""

    code: int
    detail: str


class ChannelSender(Protocol):
    """A notification channel."""

    async def send(self, notice: Notice) -> DeliveryReceipt:
        """Deliver ``notice`` or raise a retryable/permanent ``DeliveryError``."""
        ...
