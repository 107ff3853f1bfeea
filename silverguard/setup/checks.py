"""Pure judgements of the commissioning self-test: what counts as seen, with its figures.

Example:
    >>> wrist_movement_g([(0.0, 0.0, 1.0), (0.3, 0.1, 1.2)])
    0.24...
    >>> result = CheckResult("bed", passed=False, figures={}, advice="lie on the bed")
    >>> result.as_dict()["passed"]
    False
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

MOVEMENT_G = 0.15
"""The band counts as moved when |a| departs this far from 1 g (a wave of the arm)."""


@dataclass(frozen=True)
class CheckResult:
    """One self-test check: passed or not, its figures, what to do if it failed."""

    name: str
    passed: bool
    figures: dict[str, Any] = field(default_factory=dict)
    advice: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "name": self.name,
            "passed": self.passed,
            "figures": self.figures,
            "advice": None if self.passed else self.advice,
        }


def wrist_movement_g(xyz_g: Sequence[tuple[float, float, float]]) -> float:
    """How far the acceleration's magnitude strays from 1 g in one block (g)."""
    return max(abs(math.sqrt(x * x + y * y + z * z) - 1.0) for x, y, z in xyz_g)
