"""The cloud's application-level acknowledgement of gateway messages.

A broker's PUBACK only says the broker has the message; this ack says the cloud has *stored*
it, so only this one lets a gateway delete a message from its outbox.

Example:
    >>> a = AckBody(acked=[("01JDZ3S3G2J8T0V0G8W6ZQ4C0Y", AckStatus.STORED)])
    >>> a.acked[0][1].value
    'stored'
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field

from contracts.base import ContractModel
from contracts.ids import MessageId


class AckStatus(StrEnum):
    """What the cloud did with a message."""

    STORED = "stored"
    DUPLICATE = "duplicate"  # already stored earlier: the gateway may forget it
    QUARANTINED = "quarantined"  # invalid, kept for inspection: resending will not help


class AckBody(ContractModel):
    """Acknowledges one or more messages from one gateway."""

    kind: Literal["ack"] = "ack"
    acked: list[tuple[MessageId, AckStatus]] = Field(min_length=1, max_length=10_000)
