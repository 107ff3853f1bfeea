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


class GatewayStatusBody(ContractModel):
    """Birth (online, with versions) or last will (offline)."""

    kind: Literal["gateway_status"] = "gateway_status"
    state: GatewayState
    agent_version: str | None = Field(default=None, max_length=50)
    outbox_depth: int | None = Field(default=None, ge=0)
