"""Training the fall model on WEDA-FALL, leave-subjects-out, and writing its coefficients.

The training examples are the impacts the detector itself would judge (the same
:func:`~edge_agent.detectors.fall_features.impact_candidates` and features): in a fall
recording the strongest impact inside the marked window (±1 s) is a fall; other impacts in
the window are left out (they are the same fall); every other impact is not a fall.

Example:
    >>> import numpy as np
    >>> t = np.arange(0, 8, 0.025)
    >>> xyz = np.tile([0.0, 0.0, 9.81], (t.size, 1))
    >>> xyz[np.argmin(abs(t - 4.0))] = [40.0, 0.0, 20.0]
    >>> rec = WedaRecording("D09/U01_R01", "D09", "U01", t, xyz, None)
    >>> [(e.label, round(e.t_s, 2)) for e in impact_examples(rec)]
    [(0, 4.0)]
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from edge_agent.detectors.fall import FallSettings
from edge_agent.detectors.fall_features import FEATURE_NAMES, impact_candidates, impact_features
from edge_agent.detectors.fall_model import FallModel, fit_logistic
from silverguard.evaluation.falls_data import WedaRecording

__all__ = [
    "L2",
    "WINDOW_MARGIN_S",
    "ImpactExample",
    "coefficients_source",
    "impact_examples",
    "train",
    "write_coefficients",
]

WINDOW_MARGIN_S = 1.0
L2 = 1.0


@dataclass(frozen=True, slots=True)
class ImpactExample:
    """One impact of one recording, its model inputs and its label (1 fall, 0 not)."""

    key: str
    subject: str
    t_s: float
    inputs: list[float]
    label: int


def impact_examples(rec: WedaRecording, min_peak_g: float | None = None) -> list[ImpactExample]:
    """The labelled impacts of one recording (see the module docstring)."""
    peak = FallSettings().min_peak_g if min_peak_g is None else min_peak_g
    found: list[tuple[float, list[float], float]] = []
    for i in impact_candidates(rec.t_s, rec.xyz_m_s2, min_peak_g=peak):
        f = impact_features(rec.t_s, rec.xyz_m_s2, float(rec.t_s[i]))
        if f is not None:
            found.append((float(rec.t_s[i]), f.model_inputs(), f.peak_g))
    win = rec.fall_window_s
    inside = [
        k
        for k, (t, _, _) in enumerate(found)
        if win is not None and win[0] - WINDOW_MARGIN_S <= t <= win[1] + WINDOW_MARGIN_S
    ]
    best = max(inside, key=lambda k: found[k][2]) if inside else None
    return [
        ImpactExample(rec.key, rec.subject, t, inputs, int(k == best))
        for k, (t, inputs, _) in enumerate(found)
        if k == best or k not in inside
    ]


def train(examples: Sequence[ImpactExample], *, l2: float = L2) -> FallModel:
    """Fit the fall model on ``examples`` (deterministic)."""
    if not any(e.label for e in examples) or all(e.label for e in examples):
        raise ValueError("training needs both falls and non-falls")
    x = np.array([e.inputs for e in examples], dtype=np.float64)
    y = np.array([e.label for e in examples], dtype=np.float64)
    return fit_logistic(x, y, names=FEATURE_NAMES, l2=l2)


def coefficients_source(model: FallModel, recordings: Iterable[WedaRecording]) -> str:
    """The Python source of ``edge_agent/detectors/fall_coefficients.py`` for ``model``."""
    recs = list(recordings)
    subjects = sorted({r.subject for r in recs})
    falls = sum(r.is_fall for r in recs)

    def floats(values: Sequence[float]) -> str:
        return "[" + ", ".join(repr(v) for v in values) + "]"

    names = "".join(f'        "{n}",\n' for n in model.names)
    return (
        '"""Fall model coefficients, written by ``silverguard eval falls-train`` (do not edit).\n'
        "\n"
        f"Trained on WEDA-FALL (Marques & Moreno): {len(recs)} recordings ({falls} falls),\n"
        f"{len(subjects)} subjects ({subjects[0]}…{subjects[-1]}); L2 = {L2}. Reproduce with\n"
        "``silverguard eval falls-train --weda ../shared/data/weda-fall``.\n"
        "\n"
        "Example:\n"
        "    >>> sorted(MODEL)\n"
        "    ['intercept', 'means', 'names', 'scales', 'threshold', 'weights']\n"
        '"""\n'
        "\n"
        "MODEL: dict[str, object] = {\n"
        f'    "names": [\n{names}    ],\n'
        f'    "means": {floats(model.means)},\n'
        f'    "scales": {floats(model.scales)},\n'
        f'    "weights": {floats(model.weights)},\n'
        f'    "intercept": {model.intercept!r},\n'
        f'    "threshold": {model.threshold!r},\n'
        "}\n"
    )


def write_coefficients(path: Path, model: FallModel, recordings: Iterable[WedaRecording]) -> None:
    """Write the coefficients table for ``model`` to ``path``."""
    path.write_text(coefficients_source(model, recordings), encoding="utf-8")
