"""Pure liveness rules: which gateways and devices went offline, or came back, as of ``now``.

A gateway is offline when its last status says so (the broker published its last will, or
it said goodbye) or when nothing has arrived from it for ``missed_heartbeats`` × the heartbeat
interval. A device is offline after ``missed_heartbeats`` × its kind's expected cadence of
silence — unless its gateway is offline, which is then the one thing to report (and a
device's flag is kept as it is until its gateway is back). Each change becomes one
device-health event: ``gateway_offline`` / ``device_offline``, raised or cleared, for
operators (the taxonomy's audience), never a care-worker page.

Example:
    >>> from datetime import UTC, datetime, timedelta
    >>> from cloud_ingest.config import LivenessSettings
    >>> t0 = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    >>> gw = Watched("org-a", "gw-1", None, DeviceKind.GATEWAY, None, None, t0, None)
    >>> bed = Watched("org-a", "gw-1", "bed-1", DeviceKind.MATTRESS, "home-1", "res-1", t0, None)
    >>> rules = LivenessSettings(gateway_heartbeat_s=60, missed_heartbeats=3)
    >>> assess([gw, bed], {}, t0 + timedelta(seconds=179), rules)
    []
    >>> later = t0 + timedelta(seconds=181)
    >>> [(c.watched.device_id, c.offline) for c in assess([gw, bed], {}, later, rules)]
    [(None, True)]
    >>> [c.evidence.summary for c in assess([gw], {}, later, rules)]
    ['gateway gw-1 silent for 181 s (expected a message every 60 s; offline after 3 missed)']
    >>> [(c.watched.device_id, c.event().type.value) for c in assess([bed], {}, later, rules)]
    [('bed-1', 'device_offline')]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from cloud_ingest.config import LivenessSettings
from contracts.events import EventBody, EventStatus, EventType, Evidence
from contracts.series import DeviceKind
from contracts.status import GatewayState

DETECTOR = "cloud.liveness/v1"


@dataclass(frozen=True, slots=True)
class Watched:
    """A gateway (``device_id`` None) or device, as last heard from."""

    org_id: str
    gateway_id: str
    device_id: str | None
    device_kind: DeviceKind
    home_id: str | None
    resident_id: str | None
    last_seen_at: datetime
    offline_since: datetime | None
    """Set while an offline event stands (raised and not yet cleared)."""


@dataclass(frozen=True, slots=True)
class Change:
    """One liveness change to record as an event."""

    watched: Watched
    offline: bool
    evidence: Evidence

    def event(self) -> EventBody:
        """The device-health event of this change."""
        type_ = (
            EventType.GATEWAY_OFFLINE
            if self.watched.device_kind is DeviceKind.GATEWAY
            else EventType.DEVICE_OFFLINE
        )
        status = EventStatus.RAISED if self.offline else EventStatus.CLEARED
        return EventBody.of(type_, self.evidence, status=status, detector=DETECTOR)


def assess(
    watched: Sequence[Watched],
    announced: Mapping[tuple[str, str], GatewayState],
    now: datetime,
    rules: LivenessSettings,
) -> list[Change]:
    """The changes as of ``now``; ``announced`` is each gateway's last status (if any)."""
    changes: list[Change] = []
    gateways_down: set[tuple[str, str]] = set()
    for w in watched:
        if w.device_kind is not DeviceKind.GATEWAY:
            continue
        key = (w.org_id, w.gateway_id)
        said_offline = announced.get(key) is GatewayState.OFFLINE
        silent_s = (now - w.last_seen_at).total_seconds()
        silent = silent_s > rules.gateway_offline_after_s
        if said_offline or silent:
            gateways_down.add(key)
            if w.offline_since is None:
                changes.append(Change(w, True, _gateway_evidence(w, silent_s, said_offline, rules)))
        elif w.offline_since is not None:
            changes.append(Change(w, False, _back(w, now)))
    for w in watched:
        if w.device_kind is DeviceKind.GATEWAY or (w.org_id, w.gateway_id) in gateways_down:
            continue
        cadence_s = rules.device_cadence_s.get(w.device_kind.value)
        if cadence_s is None:
            continue
        silent_s = (now - w.last_seen_at).total_seconds()
        if silent_s > cadence_s * rules.missed_heartbeats:
            if w.offline_since is None:
                changes.append(Change(w, True, _device_evidence(w, silent_s, cadence_s, rules)))
        elif w.offline_since is not None:
            changes.append(Change(w, False, _back(w, now)))
    return changes


def _gateway_evidence(
    w: Watched, silent_s: float, said_offline: bool, rules: LivenessSettings
) -> Evidence:
    values: dict[str, float | int | bool | str] = {
        "silent_s": round(silent_s),
        "heartbeat_s": rules.gateway_heartbeat_s,
        "announced_offline": said_offline,
    }
    if said_offline:
        summary = f"gateway {w.gateway_id} announced offline (last will or goodbye)"
    else:
        summary = (
            f"gateway {w.gateway_id} silent for {silent_s:.0f} s (expected a message every "
            f"{rules.gateway_heartbeat_s:.0f} s; offline after {rules.missed_heartbeats} missed)"
        )
    return Evidence(summary=summary, values=values)


def _device_evidence(
    w: Watched, silent_s: float, cadence_s: float, rules: LivenessSettings
) -> Evidence:
    return Evidence(
        summary=(
            f"{w.device_kind.value} {w.device_id} silent for {silent_s:.0f} s (expected every "
            f"{cadence_s:.0f} s; offline after {rules.missed_heartbeats} missed)"
        ),
        values={"silent_s": round(silent_s), "expected_every_s": cadence_s},
    )


def _back(w: Watched, now: datetime) -> Evidence:
    what = "gateway" if w.device_kind is DeviceKind.GATEWAY else w.device_kind.value
    name = w.gateway_id if w.device_id is None else w.device_id
    down_s = (now - w.offline_since).total_seconds() if w.offline_since else 0.0
    return Evidence(
        summary=f"{what} {name} heard from again after {down_s:.0f} s offline",
        values={"offline_s": round(down_s)},
    )
