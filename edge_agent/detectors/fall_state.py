"""The fall detector's state per wristband and per mattress, and its JSON snapshot.

Times are POSIX seconds (floats), so a snapshot round-trips exactly through JSON.

Example:
    >>> bands = {"band-1": BandState(t=[1.0, 1.02], xyz=[[0.0, 0.0, 9.8], [0.0, 0.1, 9.8]])}
    >>> again, beds = load(dump(bands, {}))
    >>> again == bands, beds
    (True, {})
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

from pydantic import TypeAdapter, ValidationError

from edge_agent.errors import DetectorStateError

__all__ = ["SNAPSHOT_VERSION", "BandState", "BedState", "PendingFall", "dump", "load"]

SNAPSHOT_VERSION = 1


@dataclass(slots=True)
class PendingFall:
    """A suspected fall held for an "I'm OK" press until ``deadline``."""

    impact_at: float
    suspected_at: float
    deadline: float
    probability: float
    features: dict[str, float]
    source: str


@dataclass(slots=True)
class BandState:
    """What the detector remembers about one wristband."""

    t: list[float] = field(default_factory=list)
    """Sample times on the gateway's clock (the last ~15 s)."""
    xyz: list[list[float]] = field(default_factory=list)
    last_arrival: float | None = None
    scanned_until: float | None = None
    """Impacts up to this sample time have been judged."""
    quiet_until: float = 0.0
    """Impacts before this time belong to a fall already suspected or set aside."""
    moved_at: float | None = None
    """The last sample time the wrist moved (magnitude off 1 g by more than 0.25 g)."""
    recent: list[float] = field(default_factory=list)
    """The last impact judged: time, probability, model inputs."""
    recent_features: dict[str, float] = field(default_factory=dict)
    sos_pressed: bool = False
    band_flag: bool = False
    band_flag_at: float | None = None
    im_ok_presses: list[float] = field(default_factory=list)
    pending: PendingFall | None = None


@dataclass(slots=True)
class BedState:
    """What the detector remembers about one mattress (for corroboration)."""

    in_bed: bool = False
    in_bed_since: float | None = None
    seen_at: float | None = None


def dump(bands: dict[str, BandState], beds: dict[str, BedState]) -> dict[str, object]:
    """JSON-ready snapshot of the state."""
    return {
        "version": SNAPSHOT_VERSION,
        "bands": {k: asdict(v) for k, v in sorted(bands.items())},
        "beds": {k: asdict(v) for k, v in sorted(beds.items())},
    }


def load(snapshot: dict[str, object]) -> tuple[dict[str, BandState], dict[str, BedState]]:
    """The state back from :func:`dump`; raises ``DetectorStateError`` if it is unusable."""
    if snapshot.get("version") != SNAPSHOT_VERSION:
        raise DetectorStateError(
            f"fall detector snapshot has version {snapshot.get('version')!r}, expected "
            f"{SNAPSHOT_VERSION}: it will start from a blank state"
        )
    try:
        bands = _BANDS.validate_python(snapshot.get("bands"))
        beds = _BEDS.validate_python(snapshot.get("beds"))
    except ValidationError as exc:
        raise DetectorStateError(f"fall detector snapshot is damaged: {exc}") from exc
    return bands, beds


_BANDS = TypeAdapter(dict[str, BandState])
_BEDS = TypeAdapter(dict[str, BedState])
