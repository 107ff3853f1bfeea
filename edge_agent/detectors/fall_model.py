"""A small, explainable fall model: logistic regression on the impact features.

The coefficients live in :mod:`edge_agent.detectors.fall_coefficients`, written by
``silverguard eval falls-train --weda DIR`` (reproducible: the same files give the same
table). Each weight multiplies a standardised feature, so its sign and size say what the
model learnt: a hard impact, a large orientation change and a wrist that rings on through
the impact then lies still push towards a fall; a wrist whose mean magnitude stays off 1 g
after the impact (still clapping, shaking) or that was already moving a lot before
(jogging) pushes away.

Example:
    >>> import numpy as np
    >>> rng = np.random.default_rng(0)
    >>> x = rng.normal(size=(200, 2))
    >>> y = (x[:, 0] - x[:, 1] > 0).astype(float)
    >>> m = fit_logistic(x, y, names=("a", "b"), l2=1.0)
    >>> m.weights[0] > 0 > m.weights[1]
    True
    >>> round(m.probability([3.0, -3.0]), 2)
    1.0
    >>> FallModel.from_dict(m.to_dict()) == m
    True
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

__all__ = ["FallModel", "fit_logistic"]


@dataclass(frozen=True, slots=True)
class FallModel:
    """Standardise each input, weigh it, add the intercept, squash to a probability."""

    names: tuple[str, ...]
    means: tuple[float, ...]
    scales: tuple[float, ...]
    weights: tuple[float, ...]
    intercept: float
    threshold: float = 0.5
    """Probability from which an impact is a suspected fall."""

    def probability(self, inputs: Sequence[float]) -> float:
        """The probability that these model inputs are a fall."""
        if len(inputs) != len(self.weights):
            raise ValueError(f"the model takes {len(self.weights)} inputs, got {len(inputs)}")
        z = self.intercept + sum(
            w * (x - m) / s
            for w, x, m, s in zip(self.weights, inputs, self.means, self.scales, strict=True)
        )
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, z))))

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form (what the coefficients table holds)."""
        return {
            "names": list(self.names),
            "means": list(self.means),
            "scales": list(self.scales),
            "weights": list(self.weights),
            "intercept": self.intercept,
            "threshold": self.threshold,
        }

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> FallModel:
        """The model back from :meth:`to_dict` (raises ``ValueError`` if it is malformed)."""
        try:
            names = tuple(str(v) for v in data["names"])  # type: ignore[attr-defined]
            floats = {
                k: tuple(float(v) for v in data[k])  # type: ignore[attr-defined]
                for k in ("means", "scales", "weights")
            }
            intercept = float(data["intercept"])  # type: ignore[arg-type]
            threshold = float(data.get("threshold", 0.5))  # type: ignore[arg-type]
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"fall model table is malformed: {exc}") from exc
        if (
            not len(names)
            == len(floats["means"])
            == len(floats["scales"])
            == len(floats["weights"])
        ):
            raise ValueError("fall model table: names, means, scales and weights differ in length")
        return cls(
            names, floats["means"], floats["scales"], floats["weights"], intercept, threshold
        )


def fit_logistic(
    x: npt.NDArray[np.float64],
    y: npt.NDArray[np.float64],
    *,
    names: Sequence[str],
    l2: float = 1.0,
    threshold: float = 0.5,
    iterations: int = 100,
) -> FallModel:
    """Fit an L2-regularised logistic regression by Newton's method (IRLS); deterministic.

    Args:
        x: inputs, shape ``(n, k)``.
        y: 0/1 labels, shape ``(n,)``.
        names: the ``k`` input names.
        l2: ridge penalty on the standardised weights (not on the intercept).
        threshold: the decision probability stored with the model.
        iterations: the most Newton steps (it stops earlier once converged).
    """
    means = x.mean(axis=0)
    scales = x.std(axis=0)
    scales[scales == 0] = 1.0
    z = np.column_stack([np.ones(len(x)), (x - means) / scales])
    penalty = l2 * np.eye(z.shape[1])
    penalty[0, 0] = 0.0
    w = np.zeros(z.shape[1])
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-np.clip(z @ w, -50, 50)))
        hessian = z.T @ (z * (p * (1 - p))[:, None]) + penalty
        step = np.linalg.solve(hessian, z.T @ (p - y) + penalty @ w)
        w -= step
        if float(np.abs(step).max()) < 1e-10:
            break
    return FallModel(
        names=tuple(names),
        means=tuple(round(float(v), 6) for v in means),
        scales=tuple(round(float(v), 6) for v in scales),
        weights=tuple(round(float(v), 6) for v in w[1:]),
        intercept=round(float(w[0]), 6),
        threshold=threshold,
    )
