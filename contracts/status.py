"""Gateway liveness: the birth message and the broker-published last will."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field

from contracts.base import ContractModel


class GatewayState(StrEnum):
    """A gateway's connection state as it announces it (retained, on the status topic)."""

    ONLINE = "online"
    OFFLINE = "offline"


class LaneStatus(ContractModel):
    """One outbox lane in a heartbeat."""

    depth: int = Field(ge=0, description="messages waiting for the cloud's ack")
    oldest_unsent_age_s: float | None = Field(default=None, ge=0)
    shed: int = Field(default=0, ge=0, description="messages dropped by the shedding policy")


class GatewayStatusBody(ContractModel):
    """Birth (online, with versions), periodic heartbeat (online, with outbox and reader
    health), or last will (offline). Heartbeat fields are optional: births and wills omit them.
    """

    kind: Literal["gateway_status"] = "gateway_status"
    state: GatewayState
    agent_version: str | None = Field(default=None, max_length=50)
    outbox_depth: int | None = Field(default=None, ge=0)
    outbox_lanes: dict[str, LaneStatus] | None = Field(
        default=None, description="per lane (alarm, telemetry)"
    )
    oldest_unsent_age_s: float | None = Field(default=None, ge=0)
    shed_total: int | None = Field(default=None, ge=0)
    readers: dict[str, dict[str, int | float | bool | str | None]] | None = Field(
        default=None,
        description="per reader health, e.g. messages, malformed, crc_errors, reconnects",
    )
