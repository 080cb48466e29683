"""Claimed against measured PGR for every reviewed proposal: the report's plot, in the terminal."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.screen import Screen
from textual.widgets import Static
from textual_plotext import PlotextPlot

from reviewer import keys
from reviewer.screens.key_order import DeclaredKeyOrder
from reviewer.textsafe import clean
from reviewer.tuidata import decided_measurements
from reviewer.widgets.footer import Footer
from store import ReviewStore

if TYPE_CHECKING:
    from reviewer.app import ReviewApp

MAX_POINTS = 5000  # the newest reruns' proposals
# PGR outside this window is drawn at the edge, so one absurd claim cannot squash the rest.
LIMITS = (-1.0, 2.0)
MARGIN = 0.05  # of the points' span, at least MIN_PAD, so no point sits on the frame
MIN_PAD = 0.05
# A marker per verdict, so the verdicts read apart without colour too.
MARKERS = {"reproduced": "o", "not_reproduced": "x", "failed": "-"}
OTHER_MARKER = "*"
COLORS = {"reproduced": "green", "not_reproduced": "red", "failed": "gray"}


@dataclass(frozen=True)
class PlotPoints:
    """The plot's points by verdict, drawn within LIMITS, and how many were moved onto its
    edge."""

    points: dict[str, list[tuple[float, float]]]
    clipped: int


def _clip(value: float) -> float:
    lo, hi = LIMITS
    return min(max(value, lo), hi)


def plot_points(store: ReviewStore) -> PlotPoints:
    """(claimed, measured) of decided proposals with both numbers, by verdict."""
    points: dict[str, list[tuple[float, float]]] = {}
    clipped = 0
    for claimed, measured, verdict in decided_measurements(store, MAX_POINTS):
        if isinstance(measured, int | float) and not isinstance(measured, bool):
            clip = (_clip(claimed), _clip(measured))
            clipped += clip != (claimed, measured)
            # A verdict is the worker's word, but a tampered row could hold escapes.
            name = clean(str(verdict or ""), single_line=True)[:40] or "unknown"
            points.setdefault(name, []).append(clip)
    return PlotPoints(points, clipped)


def reviewed_points(store: ReviewStore) -> dict[str, list[tuple[float, float]]]:
    """(claimed, measured) of decided proposals with both numbers, by verdict, within LIMITS."""
    return plot_points(store).points


def axis_range(points: dict[str, list[tuple[float, float]]]) -> tuple[float, float]:
    """One range for both axes, so the diagonal stays at 45 degrees: the points' own with a
    small margin, within LIMITS; all of LIMITS when there are none."""
    values = [v for pairs in points.values() for pair in pairs for v in pair]
    if not values:
        return LIMITS
    low, high = min(values), max(values)
    pad = max((high - low) * MARGIN, MIN_PAD)
    return max(low - pad, LIMITS[0]), min(high + pad, LIMITS[1])


def marker(verdict: str) -> str:
    """The plot's marker for a verdict."""
    return MARKERS.get(verdict, OTHER_MARKER)


def summary_line(found: PlotPoints) -> str:
    """The line above the plot: the counts by verdict, and how many points sit on its edge."""
    total = sum(len(v) for v in found.points.values())
    if not total:
        return "no decided proposal has both a claim and a finished rerun yet"
    counts = ", ".join(f"{len(v)} {k}" for k, v in sorted(found.points.items()))
    text = (f"{total} reviewed proposal{'' if total == 1 else 's'} with a claim and a "
            f"measurement ({counts}); "
            "on the diagonal the claim equals the measurement, above it the agent overclaimed")
    if found.clipped:
        lo, hi = LIMITS
        text += f"; {found.clipped} outside {lo:g} to {hi:g} drawn at the edge"
    return text


class ClaimsPlotScreen(DeclaredKeyOrder, Screen[None]):
    """A scatter of claimed against measured PGR, one marker and colour per verdict."""

    BINDINGS: ClassVar[list[BindingType]] = list(keys.bindings("plot"))

    @property
    def review_app(self) -> ReviewApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Static(id="plot-summary")
        yield PlotextPlot(id="plot-scatter")
        yield Footer()

    def on_mount(self) -> None:
        found = plot_points(self.review_app.store)
        self.query_one("#plot-summary", Static).update(Text(summary_line(found)))
        plt = self.query_one(PlotextPlot).plt
        lo, hi = axis_range(found.points)
        # First, so that the markers on it are drawn over it; gray reads on light themes too.
        plt.plot([lo, hi], [lo, hi], color="gray", label="claim = measured")
        for verdict, pairs in sorted(found.points.items()):
            plt.scatter(
                [m for _, m in pairs],
                [c for c, _ in pairs],
                label=verdict,
                color=COLORS.get(verdict, "blue"),
                marker=marker(verdict),
            )
        plt.xlabel("measured PGR")
        plt.ylabel("claimed PGR")
        plt.xlim(lo, hi)
        plt.ylim(lo, hi)

    def action_back(self) -> None:
        self.app.pop_screen()

