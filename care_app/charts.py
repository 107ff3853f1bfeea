"""Inline SVG charts drawn on the server (no JavaScript, no CDN; they work offline).

Example:
    >>> svg = line_chart([1.0, 3.0, 2.0], rate_hz=1.0, label="accel_g", unit="g")
    >>> svg.startswith("<svg") and "<polyline" in svg and "3.0 g" in svg
    True
    >>> "<rect" in bar_chart([0, 2, 5], labels=["0", "1", "2"], label="activity")
    True
"""

from __future__ import annotations

import math
from collections.abc import Collection, Sequence
from html import escape

WIDTH = 320
HEIGHT = 140
PAD_L = 36
PAD_B = 20
PAD_T = 12


def _finite(values: Sequence[float]) -> list[float]:
    return [v for v in values if isinstance(v, int | float) and math.isfinite(v)]


def line_chart(
    values: Sequence[float],
    *,
    rate_hz: float,
    label: str,
    unit: str = "",
    marker_s: float | None = None,
) -> str:
    """A line chart of ``values`` sampled at ``rate_hz``, with min/max labels and a time axis
    in seconds; ``marker_s`` draws a vertical line (e.g. the moment of impact)."""
    finite = _finite(values)
    if len(finite) < 2:
        return ""
    lo, hi = min(finite), max(finite)
    span = (hi - lo) or 1.0
    duration = (len(values) - 1) / rate_hz
    plot_w, plot_h = WIDTH - PAD_L - 4, HEIGHT - PAD_B - PAD_T

    def x(i: float) -> float:
        return PAD_L + plot_w * (i / rate_hz) / (duration or 1.0)

    def y(v: float) -> float:
        return PAD_T + plot_h * (1 - (v - lo) / span)

    points = " ".join(f"{x(i):.1f},{y(v):.1f}" for i, v in enumerate(values) if math.isfinite(v))
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">',
        f'<line x1="{PAD_L}" y1="{PAD_T + plot_h}" x2="{WIDTH - 4}" y2="{PAD_T + plot_h}" '
        'class="axis"/>',
        f'<text x="2" y="{PAD_T + 8}" class="tick">{hi:.1f} {escape(unit)}</text>',
        f'<text x="2" y="{PAD_T + plot_h}" class="tick">{lo:.1f} {escape(unit)}</text>',
        f'<text x="{PAD_L}" y="{HEIGHT - 4}" class="tick">0 s</text>',
        f'<text x="{WIDTH - 4}" y="{HEIGHT - 4}" class="tick" text-anchor="end">'
        f"{duration:.0f} s</text>",
    ]
    if marker_s is not None and 0 <= marker_s <= duration:
        mx = x(marker_s * rate_hz)
        parts.append(
            f'<line x1="{mx:.1f}" y1="{PAD_T}" x2="{mx:.1f}" y2="{PAD_T + plot_h}" class="mark"/>'
        )
    parts.append(f'<polyline points="{points}" class="line" fill="none"/>')
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(
    values: Sequence[float],
    *,
    labels: Sequence[str],
    label: str,
    highlights: Collection[int] = (),
) -> str:
    """Bars of ``values`` with a label under every few bars (e.g. activity by hour); the bars
    at ``highlights`` stand out (e.g. the usual sleep window)."""
    if not values:
        return ""
    top = max(_finite(values) or [0.0]) or 1.0
    plot_w, plot_h = WIDTH - 8, HEIGHT - PAD_B - PAD_T
    step = plot_w / len(values)
    every = max(1, len(values) // 8)
    parts = [
        f'<svg class="chart" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" '
        f'aria-label="{escape(label)}" xmlns="http://www.w3.org/2000/svg">',
        f'<text x="{WIDTH - 6}" y="{PAD_T - 1}" class="tick" text-anchor="end">max {top:g}</text>',
    ]
    for i, v in enumerate(values):
        h = plot_h * (v / top if math.isfinite(v) else 0.0)
        cls = "bar hi" if i in highlights else "bar"
        parts.append(
            f'<rect x="{4 + i * step + 1:.1f}" y="{PAD_T + plot_h - h:.1f}" '
            f'width="{max(1.0, step - 2):.1f}" height="{h:.1f}" class="{cls}"/>'
        )
        if i % every == 0:
            parts.append(
                f'<text x="{4 + i * step:.1f}" y="{HEIGHT - 4}" class="tick">'
                f"{escape(labels[i])}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)
