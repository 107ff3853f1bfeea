"""Debounced bed presence: the one place raw in-bed flags become "in bed" / "out of bed".

A mattress's in-bed flag (the firmware's, or the edge estimate from the raw signal) flickers
when the resident sits on the edge or turns over. :class:`PresenceTracker` confirms a change
only when the new value has held for ``enter_after`` (getting in) or ``exit_after`` (getting
out), and dates the change from the first reading that showed it, so "out of bed 38 min"
counts from when the resident actually left. Every detector that needs presence (bed, vitals,
the no-return and routine detectors) uses this class rather than its own debounce.

Defaults: in after 10 s, out after 20 s. Sitting down on the bed for a few seconds is not
going to bed; a turn-over that unloads the sensor lasts a few seconds, and a real exit still
shows within 20 s (telecare bed-exit mats use 10–30 s delays).

Example:
    >>> from datetime import UTC, datetime, timedelta
    >>> t0 = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    >>> p = PresenceTracker()
    >>> [p.update(True, t0 + timedelta(seconds=s)) for s in (0, 5)]
    [None, None]
    >>> change = p.update(True, t0 + timedelta(seconds=10))
    >>> change.state.value, change.since.time().isoformat()
    ('in_bed', '02:00:00')
    >>> p.update(False, t0 + timedelta(seconds=60)), p.update(True, t0 + timedelta(seconds=65))
    (None, None)
    >>> p.state.value, PresenceTracker.from_snapshot(p.snapshot()).snapshot() == p.snapshot()
    ('in_bed', True)
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from edge_agent.errors import DetectorStateError

__all__ = ["PresenceChange", "PresenceState", "PresenceTracker"]


class PresenceState(StrEnum):
    """Debounced presence of one bed."""

    UNKNOWN = "unknown"
    IN_BED = "in_bed"
    OUT_OF_BED = "out_of_bed"


@dataclass(frozen=True, slots=True)
class PresenceChange:
    """A confirmed change: the new state, and when the readings first showed it."""

    state: PresenceState
    since: datetime


class PresenceTracker:
    """Debounces one bed's in-bed readings (pure: the caller passes each reading's time)."""

    def __init__(
        self,
        *,
        enter_after: timedelta = timedelta(seconds=10),
        exit_after: timedelta = timedelta(seconds=20),
    ) -> None:
        self._enter_after = enter_after
        self._exit_after = exit_after
        self.state = PresenceState.UNKNOWN
        self.since: datetime | None = None
        """When the current state began (``None`` while unknown)."""
        self._pending: PresenceState | None = None
        self._pending_since: datetime | None = None

    def update(self, in_bed: bool, now: datetime) -> PresenceChange | None:
        """Take one reading; return the change it confirms, if any."""
        seen = PresenceState.IN_BED if in_bed else PresenceState.OUT_OF_BED
        if seen == self.state:
            self._pending = self._pending_since = None
            return None
        if seen != self._pending or self._pending_since is None:
            self._pending, self._pending_since = seen, now
        wait = self._enter_after if in_bed else self._exit_after
        if now - self._pending_since < wait:
            return None
        self.state, self.since = seen, self._pending_since
        self._pending = self._pending_since = None
        return PresenceChange(self.state, self.since)

    def snapshot(self) -> dict[str, object]:
        """The state as JSON-ready data."""
        return {
            "state": self.state.value,
            "since": self.since.isoformat() if self.since else None,
            "pending": self._pending.value if self._pending else None,
            "pending_since": self._pending_since.isoformat() if self._pending_since else None,
        }

    def restore(self, snapshot: dict[str, object]) -> None:
        """Replace the state with one from :meth:`snapshot` (raises DetectorStateError)."""
        try:
            state = PresenceState(str(snapshot["state"]))
            pending = snapshot.get("pending")
            raw_since, raw_pending_since = snapshot.get("since"), snapshot.get("pending_since")
            since = datetime.fromisoformat(str(raw_since)) if raw_since else None
            pending_state = PresenceState(str(pending)) if pending else None
            pending_since = (
                datetime.fromisoformat(str(raw_pending_since)) if raw_pending_since else None
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise DetectorStateError(f"presence snapshot is damaged: {exc}") from exc
        self.state, self.since = state, since
        self._pending, self._pending_since = pending_state, pending_since

    @classmethod
    def from_snapshot(
        cls,
        snapshot: dict[str, object],
        *,
        enter_after: timedelta = timedelta(seconds=10),
        exit_after: timedelta = timedelta(seconds=20),
    ) -> PresenceTracker:
        """A tracker restored from ``snapshot``."""
        tracker = cls(enter_after=enter_after, exit_after=exit_after)
        tracker.restore(snapshot)
        return tracker
