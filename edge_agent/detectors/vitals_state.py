"""What the vitals detector remembers per mattress, and its JSON form (snapshot/restore).

Example:
    >>> s = Series()
    >>> for t in range(0, 130, 10):
    ...     s.add(float(t), 60.0 + t, max_gap_s=30)
    >>> s.trim(130 - 120.0)
    >>> s.values[:2], s.covers(130.0, 120.0, max_gap_s=30, min_readings=5)
    ([70.0, 80.0], True)
    >>> Series.from_dict(s.to_dict()) == s
    True
"""

from __future__ import annotations

from dataclasses import dataclass, field

from edge_agent.detectors.presence import PresenceTracker
from edge_agent.errors import DetectorStateError

__all__ = ["BedVitals", "Series"]


@dataclass(slots=True)
class Series:
    """Good readings of one metric in the last window, and how long they have run unbroken."""

    times: list[float] = field(default_factory=list)
    values: list[float] = field(default_factory=list)
    since: float | None = None
    """Start of the current unbroken run of good readings (epoch seconds)."""
    last: float | None = None

    def add(self, t: float, value: float, max_gap_s: float) -> None:
        """Append a good reading; a gap longer than ``max_gap_s`` starts a new run."""
        if self.last is None or t - self.last > max_gap_s:
            self.times, self.values, self.since = [], [], t
        self.times.append(t)
        self.values.append(float(value))
        self.last = t

    def trim(self, oldest: float) -> None:
        """Forget readings older than ``oldest``."""
        keep = next((i for i, t in enumerate(self.times) if t >= oldest), len(self.times))
        del self.times[:keep], self.values[:keep]

    def covers(self, now: float, window_s: float, max_gap_s: float, min_readings: int) -> bool:
        """Whether the readings span a whole window up to ``now`` (fresh, unbroken, enough)."""
        return (
            self.since is not None
            and self.last is not None
            and now - self.since >= window_s
            and now - self.last <= max_gap_s
            and len(self.values) >= min_readings
        )

    def to_dict(self) -> dict[str, object]:
        """JSON-ready."""
        return {"times": self.times, "values": self.values, "since": self.since, "last": self.last}

    @classmethod
    def from_dict(cls, raw: object) -> Series:
        """Inverse of :meth:`to_dict` (raises DetectorStateError)."""
        try:
            if not isinstance(raw, dict):
                raise TypeError("series is not a mapping")
            times = [float(t) for t in raw["times"]]
            values = [float(v) for v in raw["values"]]
            if len(times) != len(values):
                raise ValueError("times and values differ in length")
            since, last = raw.get("since"), raw.get("last")
            return cls(
                times,
                values,
                None if since is None else float(since),
                None if last is None else float(last),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise DetectorStateError(f"vitals snapshot series is damaged: {exc}") from exc


@dataclass(slots=True)
class BedVitals:
    """One mattress's presence, recent good readings, raised alerts and apnea count."""

    presence: PresenceTracker
    series: dict[str, Series]
    raised: set[str] = field(default_factory=set)
    no_breath_since: float | None = None
    apnea: bool = False

    @classmethod
    def new(cls) -> BedVitals:
        """A bed seen for the first time."""
        return cls(PresenceTracker(), {"hr": Series(), "rr": Series()})

    def to_dict(self) -> dict[str, object]:
        """JSON-ready."""
        return {
            "presence": self.presence.snapshot(),
            "series": {k: s.to_dict() for k, s in sorted(self.series.items())},
            "raised": sorted(self.raised),
            "no_breath_since": self.no_breath_since,
            "apnea": self.apnea,
        }

    @classmethod
    def from_dict(cls, raw: object) -> BedVitals:
        """Inverse of :meth:`to_dict` (raises DetectorStateError)."""
        if not isinstance(raw, dict):
            raise DetectorStateError("vitals snapshot: a bed is not a mapping")
        try:
            presence = PresenceTracker.from_snapshot(dict(raw["presence"]))
            series = {str(k): Series.from_dict(v) for k, v in dict(raw["series"]).items()}
            if set(series) != {"hr", "rr"}:
                raise ValueError(f"series {sorted(series)} instead of hr and rr")
            nbs = raw.get("no_breath_since")
            return cls(
                presence,
                series,
                {str(x) for x in raw.get("raised", [])},
                None if nbs is None else float(nbs),
                bool(raw.get("apnea", False)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise DetectorStateError(f"vitals snapshot is damaged: {exc}") from exc
