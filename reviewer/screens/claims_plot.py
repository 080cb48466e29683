"""Claimed against measured PGR for every reviewed proposal: the report's plot, in the terminal."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.screen import Screen
from textual.widgets import Static
from textual_plotext import PlotextPlot

from reviewer import keys
from reviewer.screens.key_order import DeclaredKeyOrder
from reviewer.tuidata import decided_measurements
from reviewer.widgets.footer import Footer
from store import ReviewStore

if TYPE_CHECKING:
    from reviewer.app import ReviewApp

MAX_POINTS = 5000  # the newest reruns' proposals
# PGR outside this window is drawn at the edge, so one absurd claim cannot squash the rest.
LIMITS = (-1.0, 2.0)


def reviewed_points(store: ReviewStore) -> dict[str, list[tuple[float, float]]]:
    """(claimed, measured) of decided proposals with both numbers, by verdict."""
    points: dict[str, list[tuple[float, float]]] = {}
    for claimed, measured, verdict in decided_measurements(store, MAX_POINTS):
        if isinstance(measured, int | float) and not isinstance(measured, bool):
            lo, hi = LIMITS
            clip = (min(max(claimed, lo), hi), min(max(measured, lo), hi))
            points.setdefault(str(verdict or "unknown"), []).append(clip)
    return points


class ClaimsPlotScreen(DeclaredKeyOrder, Screen[None]):
    """A scatter of claimed against measured PGR, one marker colour per verdict."""

    BINDINGS: ClassVar[list[BindingType]] = list(keys.bindings("plot"))

    @property
    def review_app(self) -> ReviewApp:
        return self.app  # type: ignore[return-value]

    def compose(self) -> ComposeResult:
        yield Static(id="plot-summary")
        yield PlotextPlot(id="plot-scatter")
        yield Footer()

    def on_mount(self) -> None:
        points = reviewed_points(self.review_app.store)
        total = sum(len(v) for v in points.values())
        counts = ", ".join(f"{len(v)} {k}" for k, v in sorted(points.items()))
        summary = (
            f"{total} reviewed proposal{'' if total == 1 else 's'} with a claim and a "
            f"measurement ({counts}); "
            "on the diagonal the claim equals the measurement, above it the agent overclaimed"
            if total
            else "no decided proposal has both a claim and a finished rerun yet"
        )
        self.query_one("#plot-summary", Static).update(Text(summary))
        plt = self.query_one(PlotextPlot).plt
        colors = {"reproduced": "green", "not_reproduced": "red", "failed": "gray"}
        for verdict, pairs in sorted(points.items()):
            plt.scatter(
                [m for _, m in pairs],
                [c for c, _ in pairs],
                label=verdict,
                color=colors.get(verdict, "blue"),
            )
        lo, hi = LIMITS
        plt.plot([lo, hi], [lo, hi], color="white", label="claim = measured")
        plt.xlabel("measured PGR")
        plt.ylabel("claimed PGR")
        plt.xlim(lo, hi)
        plt.ylim(lo, hi)

    def action_back(self) -> None:
        self.app.pop_screen()

