"""Claimed against measured PGR as a small, self-contained SVG scatter.

Hand-built so the report needs no plotting dependency; every label is cleaned of control and
bidi characters and XML-escaped, and the SVG has no scripts, links or external references.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from reviewer.report.fmt import figure
from reviewer.textsafe import clean, short

COLORS = {
    "reproduced": "#1b7f3b",
    "not_reproduced": "#c62828",
    "failed": "#6d6d6d",
    "refused": "#e65100",
}
OTHER_COLOR = "#1f4e9c"
# Each verdict has its own marker (a body, some with a cross knocked out) so the plot reads
# without colour: red and green are near-equal in luminance and alike to a colour-blind eye.
SHAPES: dict[str, tuple[str, str]] = {
    "reproduced": ("circle", ""),
    "not_reproduced": ("circle", "x"),
    "failed": ("square", ""),
    "refused": ("diamond", ""),
}
OTHER_SHAPE = ("square", "+")
# PGR outside this window is drawn at the edge: an agent's 1e9 must not squash the others.
LIMITS = (-1.0, 2.0)

WIDTH, HEIGHT = 600, 440
LEFT, TOP, SIDE = 64, 24, 340  # the square plot area's origin and side, in pixels
LEGEND_X = LEFT + SIDE + 28


@dataclass(frozen=True)
class Point:
    """One proposal on the plot: its row number in the report, claim, measurement, verdict."""

    number: int
    label: str
    claimed: float
    measured: float
    verdict: str
    ci: tuple[float, float] | None = None


def _text(value: str) -> str:
    # Control characters are not allowed in XML at all, escaped or not: the SVG broke on one.
    return escape(clean(value), quote=True)


def _domain(points: Sequence[Point]) -> tuple[float, float]:
    """The axis range: at least [0, 1], widened to the data within LIMITS, on a 0.25 grid."""
    values = [v for p in points for v in (p.claimed, p.measured)]
    lo = max(LIMITS[0], min([0.0, *values]))
    hi = min(LIMITS[1], max([1.0, *values]))
    return math.floor(lo * 4) / 4, math.ceil(hi * 4) / 4


def _ticks(lo: float, hi: float) -> list[float]:
    step = 0.25 if hi - lo <= 1.5 else 0.5
    first = math.ceil(lo / step - 1e-9)
    return [round(i * step, 6) for i in range(first, math.floor(hi / step + 1e-9) + 1)]


class _Scale:
    def __init__(self, lo: float, hi: float) -> None:
        self.lo, self.hi = lo, hi

    def clamp(self, v: float) -> float:
        return min(max(v, self.lo), self.hi)

    def x(self, v: float) -> float:
        return LEFT + (self.clamp(v) - self.lo) / (self.hi - self.lo) * SIDE

    def y(self, v: float) -> float:
        return TOP + SIDE - (self.clamp(v) - self.lo) / (self.hi - self.lo) * SIDE


def _axes(s: _Scale) -> list[str]:
    out = [
        f'<rect x="{LEFT}" y="{TOP}" width="{SIDE}" height="{SIDE}" fill="#ffffff" '
        'stroke="#333333" stroke-width="1"/>'
    ]
    for t in _ticks(s.lo, s.hi):
        x, y = s.x(t), s.y(t)
        out += [
            f'<line x1="{x:.1f}" y1="{TOP}" x2="{x:.1f}" y2="{TOP + SIDE}" stroke="#e4e4e4"/>',
            f'<line x1="{LEFT}" y1="{y:.1f}" x2="{LEFT + SIDE}" y2="{y:.1f}" stroke="#e4e4e4"/>',
            f'<text x="{x:.1f}" y="{TOP + SIDE + 16}" text-anchor="middle">{t:g}</text>',
            f'<text x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{t:g}</text>',
        ]
    mid = TOP + SIDE / 2
    out += [
        f'<text x="{LEFT + SIDE / 2}" y="{TOP + SIDE + 36}" text-anchor="middle">'
        "claimed PGR</text>",
        f'<text x="{LEFT - 44}" y="{mid}" text-anchor="middle" '
        f'transform="rotate(-90 {LEFT - 44} {mid})">measured PGR</text>',
        f'<line class="diagonal" x1="{s.x(s.lo):.1f}" y1="{s.y(s.lo):.1f}" '
        f'x2="{s.x(s.hi):.1f}" y2="{s.y(s.hi):.1f}" stroke="#555555" stroke-dasharray="5 4"/>',
        f'<text x="{s.x(s.hi) - 30:.1f}" y="{s.y(s.hi) + 10:.1f}" text-anchor="end" '
        'fill="#555555">y = x</text>',
    ]
    return out


def _marker(
    verdict: str, x: float, y: float, *, hollow: bool = False, attrs: str = ""
) -> list[str]:
    """A verdict's marker centred on (x, y): white-filled when `hollow`; `attrs` go on each part."""
    color = COLORS.get(verdict, OTHER_COLOR)
    body, cross = SHAPES.get(verdict, OTHER_SHAPE)
    fill = "#ffffff" if hollow else color
    paint = f'fill="{fill}" stroke="{color}" stroke-width="1.5"{attrs}'
    if body == "circle":
        out = [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="5" {paint}/>']
    else:
        side = 9 if body == "square" else 8
        turn = f' transform="rotate(45 {x:.1f} {y:.1f})"' if body == "diamond" else ""
        out = [
            f'<rect x="{x - side / 2:.1f}" y="{y - side / 2:.1f}" width="{side}" '
            f'height="{side}" {paint}{turn}/>'
        ]
    # The cross is drawn in whichever of white and the colour stands out against the body.
    ink = color if hollow else "#ffffff"
    arm = 2.8 if cross == "x" else 3.2
    ends = {
        "x": [(-arm, -arm, arm, arm), (-arm, arm, arm, -arm)],
        "+": [(-arm, 0.0, arm, 0.0), (0.0, -arm, 0.0, arm)],
    }.get(cross, [])
    out += [
        f'<line x1="{x + a:.1f}" y1="{y + b:.1f}" x2="{x + c:.1f}" y2="{y + d:.1f}" '
        f'stroke="{ink}" stroke-width="1.6"{attrs}/>'
        for a, b, c, d in ends
    ]
    return out


def _point(p: Point, s: _Scale) -> str:
    color = COLORS.get(p.verdict, OTHER_COLOR)
    x, y = s.x(p.claimed), s.y(p.measured)
    off = s.clamp(p.claimed) != p.claimed or s.clamp(p.measured) != p.measured
    title = (
        f"#{p.number} {short(p.label, 80)}: claimed {figure(p.claimed)}, "
        f"measured {figure(p.measured)}"
        f" ({p.verdict.replace('_', ' ')}){' — off scale, drawn at the edge' if off else ''}"
    )
    parts = [f'<g class="point" data-verdict="{_text(p.verdict)}"><title>{_text(title)}</title>']
    if p.ci is not None:
        y0, y1 = s.y(p.ci[0]), s.y(p.ci[1])
        parts.append(
            f'<line x1="{x:.1f}" y1="{y0:.1f}" x2="{x:.1f}" y2="{y1:.1f}" stroke="{color}" '
            'stroke-width="1.5"/>'
        )
    parts += [
        *_marker(p.verdict, x, y, hollow=off),
        f'<text x="{x + 7:.1f}" y="{y - 6:.1f}" font-size="10">{p.number}</text></g>',
    ]
    return "".join(parts)


def _legend(points: Sequence[Point]) -> list[str]:
    present = list(dict.fromkeys(["reproduced", "not_reproduced", *(p.verdict for p in points)]))
    out = []
    for i, verdict in enumerate(present):
        y = TOP + 10 + i * 20
        n = sum(1 for p in points if p.verdict == verdict)
        label = verdict.replace("_", " ")
        key = f' class="key" data-verdict="{_text(verdict)}"'
        out += [
            *_marker(verdict, LEGEND_X, y, attrs=key),
            f'<text x="{LEGEND_X + 10}" y="{y + 4}">{_text(short(label, 20))} ({n})</text>',
        ]
    y = TOP + 10 + len(present) * 20 + 8
    out.append(f'<text x="{LEGEND_X - 6}" y="{y}" font-size="10">bars: 95% CI;</text>')
    out.append(f'<text x="{LEGEND_X - 6}" y="{y + 13}" font-size="10">hollow: off scale</text>')
    return out


def scatter_svg(points: Sequence[Point]) -> str:
    """One SVG document: the points, the axes, the y = x diagonal and a verdict legend."""
    lo, hi = _domain(points)
    s = _Scale(lo, hi)
    body = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{HEIGHT}" '
        f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="pgr-plot-title" '
        'font-family="sans-serif" font-size="12">',
        '<title id="pgr-plot-title">Claimed against measured PGR, one point per proposal</title>',
        *_axes(s),
        *(_point(p, s) for p in points),
        *_legend(points),
        "</svg>",
    ]
    return "\n".join(body)
