"""How big the outbox may grow, and what it sheds first (the ``outbox_limits:`` config block).

When the cloud is away for long, the outbox grows. Past ``max_messages`` or ``max_bytes`` it
drops the OLDEST TELEMETRY first (``ShedReason.FULL``), and telemetry older than
``telemetry_max_age_h`` is dropped anyway (``ShedReason.AGE``): a week-old heart rate helps no
one, a fire alarm always does. Alarms are never shed; if alarms alone exceed the bounds the
outbox keeps growing and says so. Every shed message is counted (persistently, by reason and
lane), logged and reported in the heartbeat and by ``silverguard edge outbox status``.

Example:
    >>> OutboxLimits().max_messages, OutboxLimits().telemetry_max_age_h
    (200000, 72.0)
    >>> [r.value for r in ShedReason]
    ['full', 'age']
"""

from __future__ import annotations

from enum import StrEnum

from pydantic import Field

from contracts.config import ConfigModel


class ShedReason(StrEnum):
    """Why telemetry was dropped from the outbox."""

    FULL = "full"
    """The outbox reached ``max_messages`` or ``max_bytes``."""
    AGE = "age"
    """The reading was older than ``telemetry_max_age_h``."""


class OutboxLimits(ConfigModel):
    """Bounds of the outbox (a few hundred MB of flash at most on a gateway)."""

    max_messages: int = Field(default=200_000, ge=100)
    max_bytes: int = Field(default=256 * 1024 * 1024, ge=64 * 1024)
    telemetry_max_age_h: float = Field(default=72.0, gt=0)
    max_in_flight: int = Field(
        default=2_000,
        ge=1,
        description="telemetry sent but not yet acked; alarms are never held back by it",
    )
    telemetry_resend_max_s: float = Field(
        default=160.0,
        gt=0,
        le=86_400,
        description="unacked telemetry is sent again after ack_timeout_s, then after twice "
        "that, and so on up to this (contracts.mqtt.resend_wait_s); alarms are sent again "
        "every ack_timeout_s",
    )
    reserve_bytes: int = Field(
        default=512 * 1024,
        ge=0,
        description="disk kept free beside the outbox for alarms on a full disk (0: none); "
        "see edge_agent.outbox.reserve for the sizing",
    )
