"""Impact candidates and the physically meaningful features of a wrist fall (pure numpy).

Works on sample timestamps, never on an assumed rate: wristbands deliver samples in bursts
(WEDA-FALL's Fitbit gives 4 samples 2 ms apart every ~100 ms, ~40 Hz on average), so time
windows are taken on timestamps and the jerk divides each sample-to-sample change by the
*average* sample period of the window (burst delivery times are not sampling times).

The features of an impact at time ``t``, all explainable to a care worker:
    * ``peak_g``: the acceleration magnitude at the impact (g, with gravity);
    * ``jerk_g_s``: the largest sample-to-sample change of the acceleration vector within
      ±0.5 s, per second (g/s);
    * ``free_fall_g``: the smallest magnitude in the second before the impact (a fall often
      starts with a partial free fall, well below 1 g);
    * ``orientation_change_deg``: the angle between the mean gravity direction at the wrist
      before (``t-2.5 … t-0.5`` s) and after (``t+0.8 … t+2.5`` s) the impact;
    * ``post_std_g``: how much the magnitude still moves after the impact (lying still → ~0);
    * ``post_offset_g``: how far the mean magnitude after the impact is from 1 g (at rest it
      is 1 g whatever the pose; clapping or shaking on goes well off it);
    * ``pre_std_g``: how much it moved before (jogging, clapping: large and periodic);
    * ``impact_rotation_deg``: how far the wrist turned through the impact itself (mean
      direction ``t-0.7 … t-0.15`` s against ``t+0.15 … t+0.7`` s);
    * ``settle_std_g``: how much the magnitude rings on in the ``0.1 … 0.8`` s after the impact
      (a hand hitting a table stops dead; a falling body rolls and slides on).

The model (:meth:`ImpactFeatures.model_inputs`) weighs the peak, the two orientation changes
and the four movement figures; jerk and free fall are reported as evidence only (adding them
did not help leave-subjects-out on WEDA-FALL).

Example:
    >>> import numpy as np
    >>> t = np.arange(0, 8, 0.025)
    >>> xyz = np.tile([0.0, 0.0, 9.81], (t.size, 1))
    >>> xyz[t > 4.0] = [9.81, 0.0, 0.0]          # the wrist ends up turned by 90°
    >>> xyz[np.argmin(abs(t - 4.0))] = [40.0, 0.0, 20.0]   # a ~4.6 g impact
    >>> [round(float(t[i]), 3) for i in impact_candidates(t, xyz, min_peak_g=2.0)]
    [4.0]
    >>> f = impact_features(t, xyz, 4.0)
    >>> round(f.peak_g, 1), round(f.orientation_change_deg), round(f.post_std_g, 3)
    (4.6, 90, 0.0)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import numpy.typing as npt

__all__ = [
    "FEATURE_NAMES",
    "GRAVITY_M_S2",
    "ImpactFeatures",
    "impact_candidates",
    "impact_features",
]

GRAVITY_M_S2 = 9.80665
PRE_WINDOW_S = (-2.5, -0.5)
POST_WINDOW_S = (0.8, 2.5)
MIN_POST_DATA_S = 1.0
"""The least post-impact data a decision needs (the rest of the post window is used if there)."""
JERK_HALF_WINDOW_S = 0.5
FREE_FALL_WINDOW_S = 1.0
PEAK_NEIGHBOURHOOD_S = 1.0
MIN_WINDOW_SAMPLES = 5

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class ImpactFeatures:
    """What one impact looked like (see the module docstring for each feature)."""

    peak_g: float
    jerk_g_s: float
    free_fall_g: float
    orientation_change_deg: float
    post_std_g: float
    post_offset_g: float
    pre_std_g: float
    impact_rotation_deg: float
    settle_std_g: float

    def as_dict(self) -> dict[str, float]:
        """The features by name, rounded for evidence."""
        return {k: round(v, 3) for k, v in asdict(self).items()}

    def model_inputs(self) -> list[float]:
        """The transformed features a :class:`~edge_agent.detectors.fall_model.FallModel`
        weighs, in the order of :data:`FEATURE_NAMES` (logs of the positive magnitudes)."""
        return [
            float(np.log(self.peak_g)),
            self.orientation_change_deg / 90.0,
            self.post_std_g,
            self.post_offset_g,
            self.pre_std_g,
            self.impact_rotation_deg / 90.0,
            self.settle_std_g,
        ]


FEATURE_NAMES: tuple[str, ...] = (
    "log_peak_g",
    "orientation_change_90deg",
    "post_std_g",
    "post_offset_g",
    "pre_std_g",
    "impact_rotation_90deg",
    "settle_std_g",
)


def _magnitude_g(xyz: FloatArray) -> FloatArray:
    return np.asarray(np.linalg.norm(xyz, axis=1) / GRAVITY_M_S2, dtype=np.float64)


def impact_candidates(
    t: FloatArray, xyz: FloatArray, *, min_peak_g: float, start_s: float | None = None
) -> list[int]:
    """Indices of impacts: samples at least ``min_peak_g`` that are the largest within ±1 s.

    Args:
        t: sample times in seconds, non-decreasing (any origin).
        xyz: accelerations in m/s² with gravity, shape ``(n, 3)``.
        min_peak_g: the smallest magnitude that counts as an impact.
        start_s: only samples at or after this time are returned (already scanned before).
    """
    magnitude = _magnitude_g(xyz)
    out: list[int] = []
    for i in np.flatnonzero(magnitude >= min_peak_g):
        if start_s is not None and t[i] < start_s:
            continue
        lo = np.searchsorted(t, t[i] - PEAK_NEIGHBOURHOOD_S, side="left")
        hi = np.searchsorted(t, t[i] + PEAK_NEIGHBOURHOOD_S, side="right")
        window = magnitude[lo:hi]
        # the first sample reaching the neighbourhood's maximum is the impact
        if magnitude[i] >= window.max() and not np.any(window[: i - lo] >= magnitude[i]):
            out.append(int(i))
    return out


def impact_features(t: FloatArray, xyz: FloatArray, t_impact: float) -> ImpactFeatures | None:
    """The features of the impact at ``t_impact``; ``None`` when the data around it is too
    sparse to judge (fewer than 5 samples before, or less than 1 s after the impact)."""
    magnitude = _magnitude_g(xyz)
    pre = (t >= t_impact + PRE_WINDOW_S[0]) & (t < t_impact + PRE_WINDOW_S[1])
    post = (t > t_impact + POST_WINDOW_S[0]) & (t <= t_impact + POST_WINDOW_S[1])
    if pre.sum() < MIN_WINDOW_SAMPLES or post.sum() < MIN_WINDOW_SAMPLES:
        return None
    if t[-1] < t_impact + MIN_POST_DATA_S:
        return None
    angle = _angle_deg(xyz[pre], xyz[post])
    just_before = (t >= t_impact - 0.7) & (t < t_impact - 0.15)
    just_after = (t > t_impact + 0.15) & (t <= t_impact + 0.7)
    rotation = 0.0
    if just_before.sum() >= 2 and just_after.sum() >= 2:
        rotation = _angle_deg(xyz[just_before], xyz[just_after])
    ringing = (t > t_impact + 0.1) & (t <= t_impact + 0.8)
    settle = float(magnitude[ringing].std()) if ringing.sum() >= 3 else 0.0
    lo = np.searchsorted(t, t_impact - JERK_HALF_WINDOW_S, side="left")
    hi = np.searchsorted(t, t_impact + JERK_HALF_WINDOW_S, side="right")
    jerk = 0.0
    if hi - lo >= 2 and t[hi - 1] > t[lo]:
        period = float(t[hi - 1] - t[lo]) / (hi - lo - 1)
        steps = np.linalg.norm(np.diff(xyz[lo:hi], axis=0), axis=1) / GRAVITY_M_S2
        jerk = float(steps.max()) / period
    ff = (t >= t_impact - FREE_FALL_WINDOW_S) & (t <= t_impact)
    at = int(np.searchsorted(t, t_impact, side="left"))
    return ImpactFeatures(
        peak_g=float(magnitude[min(at, len(t) - 1)]),
        jerk_g_s=jerk,
        free_fall_g=float(magnitude[ff].min()) if ff.any() else 1.0,
        orientation_change_deg=angle,
        post_std_g=float(magnitude[post].std()),
        post_offset_g=abs(float(magnitude[post].mean()) - 1.0),
        pre_std_g=float(magnitude[pre].std()),
        impact_rotation_deg=rotation,
        settle_std_g=settle,
    )


def _angle_deg(first: FloatArray, second: FloatArray) -> float:
    """The angle between the mean acceleration directions of two stretches of samples."""
    u, v = first.mean(axis=0), second.mean(axis=0)
    norms = float(np.linalg.norm(u) * np.linalg.norm(v))
    cosine = float(u @ v) / norms if norms > 0 else 1.0
    return float(np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0))))
