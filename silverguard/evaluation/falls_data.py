"""WEDA-FALL on disk: the recordings, their activity and subject, and the marked fall windows.

WEDA-FALL (Marques & Moreno, "Wrist Elderly Daily Activity and Fall Dataset") holds one CSV
per trial, ``<activity>/U<uid>_R<trial>_accel.csv`` with columns ``accel_time_list`` (s),
``accel_x_list``, ``accel_y_list``, ``accel_z_list`` (m/s² with gravity), and
``fall_timestamps.csv`` (``filename,start_time,end_time``) marking each fall by hand.

Example:
    >>> parse_name("F03/U02_R01_accel.csv")
    ('F03', 'U02', 'F03/U02_R01')
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import numpy.typing as npt

from silverguard.evaluation.errors import EvaluationError

__all__ = ["WedaRecording", "load_recordings", "parse_name"]


@dataclass(frozen=True, slots=True)
class WedaRecording:
    """One trial: its samples and, for a fall, the marked window."""

    key: str
    activity: str
    subject: str
    t_s: npt.NDArray[np.float64]
    xyz_m_s2: npt.NDArray[np.float64]
    fall_window_s: tuple[float, float] | None

    @property
    def is_fall(self) -> bool:
        """Falls are activities F01–F08; D01–D11 are daily activities."""
        return self.activity.startswith("F")


def parse_name(relative: str) -> tuple[str, str, str]:
    """``(activity, subject, key)`` of a file path relative to the dataset root."""
    activity, name = Path(relative).parts[-2:]
    stem = name.removesuffix("_accel.csv")
    return activity, stem.split("_")[0], f"{activity}/{stem}"


def _windows(root: Path) -> dict[str, tuple[float, float]]:
    path = root / "fall_timestamps.csv"
    try:
        with path.open(newline="") as fh:
            return {
                row["filename"]: (float(row["start_time"]), float(row["end_time"]))
                for row in csv.DictReader(fh)
            }
    except (OSError, KeyError, ValueError) as exc:
        raise EvaluationError(
            f"cannot read the fall windows in {path}: {exc}; point --weda at the weda-fall "
            "directory (it holds F01..F08, D01..D11 and fall_timestamps.csv)"
        ) from exc


def load_recordings(root: Path, subjects: set[str] | None = None) -> list[WedaRecording]:
    """Every recording under ``root`` (only ``subjects``' if given), sorted by key."""
    windows = _windows(root)
    out: list[WedaRecording] = []
    for path in sorted(root.glob("[FD][0-9][0-9]/U*_accel.csv")):
        activity, subject, key = parse_name(str(path.relative_to(root)))
        if subjects is not None and subject not in subjects:
            continue
        try:
            data = np.loadtxt(path, delimiter=",", skiprows=1, ndmin=2)
        except (OSError, ValueError) as exc:
            raise EvaluationError(f"cannot read {path}: {exc}") from exc
        if data.shape[0] < 2 or data.shape[1] != 4:
            raise EvaluationError(f"{path} does not hold time,x,y,z columns")
        order = np.argsort(data[:, 0], kind="stable")
        data = data[order]
        window = windows.get(key) if activity.startswith("F") else None
        if activity.startswith("F") and window is None:
            raise EvaluationError(f"{key} is a fall without a marked window in fall_timestamps")
        out.append(WedaRecording(key, activity, subject, data[:, 0], data[:, 1:], window))
    if not out:
        raise EvaluationError(
            f"no WEDA-FALL recordings under {root}"
            + (f" for subjects {sorted(subjects)}" if subjects else "")
            + ": check --weda and --subjects"
        )
    return out
