"""Monitoring coverage of a home (pure): the share of its devices the cloud hears from now.

A device counts when it has been heard from, is not flagged offline, and its gateway is not
offline either (the gateway's own liveness row, or its announced state). The fleet dashboard's
"Monitoring coverage per home" (``dashboards.fleet.coverage_sql``) applies the same rule over
time, from the offline events the liveness sweep stores when it sets and clears those flags.

Example:
    >>> devices = [{"id": "bed-1", "gateway_id": "gw-1", "home_id": "h-1"},
    ...            {"id": "smoke-1", "gateway_id": "gw-1", "home_id": "h-1"}]
    >>> live = [{"gateway_id": "gw-1", "device_id": None, "offline_since": None},
    ...         {"gateway_id": "gw-1", "device_id": "bed-1", "offline_since": None}]
    >>> c = home_coverage("h-1", devices, live, {"gw-1": "online"})
    >>> c.covered, c.total, c.share, c.silent
    (1, 2, 0.5, ['smoke-1'])
    >>> home_coverage("h-1", devices, live, {"gw-1": "offline"}).share
    0.0
    >>> home_coverage("h-2", devices, live, {}).share is None
    True
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Coverage:
    """How many of a home's devices are heard from, and which are silent."""

    covered: int
    total: int
    silent: list[str] = field(default_factory=list)

    @property
    def share(self) -> float | None:
        """``covered / total`` (``None`` for a home without devices)."""
        return round(self.covered / self.total, 3) if self.total else None

    @property
    def percent(self) -> str:
        """The share as a whole percentage (``–`` without devices)."""
        return "–" if self.share is None else f"{self.share * 100:.0f}%"


def home_coverage(
    home_id: str,
    devices: Sequence[Mapping[str, Any]],
    liveness: Sequence[Mapping[str, Any]],
    gateway_states: Mapping[str, str | None],
) -> Coverage:
    """The coverage of ``home_id`` from the device list, liveness rows and gateway states."""
    rows = {(r["gateway_id"], r["device_id"]): r for r in liveness}
    mine = [d for d in devices if d.get("home_id") == home_id]
    silent = []
    for device in mine:
        gateway = device.get("gateway_id")
        own = rows.get((gateway, device["id"]))
        gateway_row = rows.get((gateway, None))
        gateway_down = gateway_states.get(gateway or "") == "offline" or (
            gateway_row is not None and gateway_row.get("offline_since") is not None
        )
        if own is None or own.get("offline_since") is not None or gateway_down:
            silent.append(str(device["id"]))
    return Coverage(len(mine) - len(silent), len(mine), silent)
