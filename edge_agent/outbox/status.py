"""What ``silverguard edge outbox status`` reports: depth per lane, oldest unacked age, shed
and malformed counts, read from the outbox database (safe while the agent runs: WAL).

Example:
    >>> import tempfile, pathlib
    >>> from datetime import UTC, datetime
    >>> now = datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
    >>> with tempfile.TemporaryDirectory() as d:
    ...     store = OutboxStore(pathlib.Path(d) / "outbox.db")
    ...     report = outbox_report(store, now)
    ...     store.close()
    >>> report.to_json()["lanes"]["alarm"]
    {'depth': 0, 'bytes': 0, 'oldest_unacked_age_s': None}
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from edge_agent.outbox.store import OutboxLane, OutboxStore


@dataclass(frozen=True, slots=True)
class LaneReport:
    """One lane's backlog."""

    depth: int
    bytes: int
    oldest_unacked_age_s: float | None


@dataclass(frozen=True, slots=True)
class OutboxReport:
    """The outbox at one moment."""

    path: str
    lanes: dict[str, LaneReport]
    shed: dict[str, int] = field(default_factory=dict)
    malformed: dict[str, int] = field(default_factory=dict)
    recent_malformed: list[dict[str, str]] = field(default_factory=list)

    def to_json(self) -> dict[str, object]:
        """JSON-ready data (the ``--json`` output)."""
        return {
            "path": self.path,
            "lanes": {
                name: {
                    "depth": lane.depth,
                    "bytes": lane.bytes,
                    "oldest_unacked_age_s": lane.oldest_unacked_age_s,
                }
                for name, lane in self.lanes.items()
            },
            "shed": self.shed,
            "malformed": self.malformed,
            "recent_malformed": self.recent_malformed,
        }


def outbox_report(store: OutboxStore, now: datetime, *, recent: int = 5) -> OutboxReport:
    """Read the report from ``store`` (raises OutboxError)."""
    lanes = {}
    for lane in OutboxLane:
        depth, size, oldest = store.lane_stats()[lane]
        age = None if oldest is None else round(max(0.0, now.timestamp() - oldest), 3)
        lanes[lane.name.lower()] = LaneReport(depth, size, age)
    counters = store.counters()
    return OutboxReport(
        path=str(store.path),
        lanes=lanes,
        shed={k.removeprefix("shed."): v for k, v in counters.items() if k.startswith("shed.")},
        malformed={
            k.removeprefix("malformed."): v
            for k, v in counters.items()
            if k.startswith("malformed.")
        },
        recent_malformed=[
            {
                "received_at": m.received_at.isoformat(),
                "source": m.source,
                "topic": m.topic,
                "reason": m.reason[:200],
            }
            for m in store.malformed(recent)
        ],
    )
