"""CPU seconds used by processes, from ``/proc/<pid>/stat`` (Linux), per named component.

Example:
    >>> line = "42 (mosq uitto) S 1 42 42 0 -1 4194560 700 0 0 0 250 50 0 0 20 0 1 0"
    >>> cpu_ticks_of_stat(line)
    300
    >>> usage = CpuUsage(seconds=3.0, wall_s=10.0)
    >>> usage.as_dict(cores=2)
    {'cpu_s': 3.0, 'pct_of_one_core': 30.0, 'pct_of_machine': 15.0}
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

__all__ = ["CpuSampler", "CpuUsage", "cpu_ticks_of_stat"]

_TICKS_PER_S = os.sysconf("SC_CLK_TCK")


def cpu_ticks_of_stat(line: str) -> int:
    """utime + stime (clock ticks) from a ``/proc/<pid>/stat`` line.

    The command name (field 2) may hold spaces and parentheses, so fields are counted from
    its closing parenthesis.
    """
    fields = line[line.rindex(")") + 2 :].split()
    return int(fields[11]) + int(fields[12])  # fields 14 and 15 of proc(5)


def _cpu_s(pid: int) -> float | None:
    try:
        line = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:  # gone
        return None
    return cpu_ticks_of_stat(line) / _TICKS_PER_S


@dataclass(frozen=True)
class CpuUsage:
    """CPU seconds one component used over ``wall_s`` seconds."""

    seconds: float
    wall_s: float

    def as_dict(self, cores: int) -> dict[str, float]:
        """Seconds, % of one core, % of the machine's ``cores``."""
        pct = 100 * self.seconds / self.wall_s if self.wall_s > 0 else 0.0
        return {
            "cpu_s": round(self.seconds, 2),
            "pct_of_one_core": round(pct, 1),
            "pct_of_machine": round(pct / cores, 1),
        }


class CpuSampler:
    """Reads the CPU time of each component's processes at :meth:`start` and :meth:`stop`.

    A process that exits in between counts up to its last reading; one that appears in
    between is not seen (give every PID before starting).
    """

    def __init__(self, components: Mapping[str, Iterable[int]]) -> None:
        self._pids = {name: list(pids) for name, pids in components.items()}
        self._start: dict[int, float] = {}
        self._started = 0.0

    def start(self) -> None:
        """Take the first reading."""
        self._started = time.monotonic()
        for pids in self._pids.values():
            for pid in pids:
                value = _cpu_s(pid)
                if value is not None:
                    self._start[pid] = value

    def stop(self) -> dict[str, CpuUsage]:
        """Take the second reading; CPU used per component in between."""
        wall = time.monotonic() - self._started
        out = {}
        for name, pids in self._pids.items():
            used = 0.0
            for pid in pids:
                end = _cpu_s(pid)
                if end is not None and pid in self._start:
                    used += end - self._start[pid]
            out[name] = CpuUsage(used, wall)
        return out
