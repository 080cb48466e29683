"""A small plot of the latest rerun's per-seed PGR against the agent's claim."""

from __future__ import annotations

import math
from typing import Any

from textual_plotext import PlotextPlot

from reviewer.present import latest_result

# Values past this are drawn at its edge (the title keeps the true numbers): an agent's claim
# of 1.7e308 once padded the axis to infinity, which crashed the screen.
EDGE = 10.0


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    value = float(value)
    return value if math.isfinite(value) else None


def _drawn(value: float) -> float:
    return min(max(value, -EDGE), EDGE)


def _label(value: float) -> str:
    return f"{value:.3f}" if abs(value) < 1e6 else f"{value:.3g}"


def plot_points(data: dict[str, Any]) -> tuple[list[int], list[float]]:
    """(seeds, PGR) of the latest finished rerun, skipping seeds without a number."""
    result = latest_result(data) or {}
    seeds: list[int] = []
    pgrs: list[float] = []
    for row in result.get("per_seed") or []:
        if not isinstance(row, dict):
            continue
        seed, pgr = row.get("seed"), _number(row.get("pgr"))
        if isinstance(seed, int) and pgr is not None:
            seeds.append(seed)
            pgrs.append(pgr)
    return seeds, pgrs


def y_axis(values: list[float], count: int = 5) -> tuple[float, float, list[float], list[str]]:
    """A padded range around `values` with round tick values and labels inside it.

    A plot a few rows high puts plotext's own ticks at row edges, which reads as false
    precision (1.046, 1.019, ...); round ticks say only what the rows can show.
    """
    lo, hi = min(values), max(values)
    if hi - lo < 0.02:  # one value, or a spread no row could show: a small window around it
        mid = (lo + hi) / 2
        half = max(abs(mid) * 0.05, 0.01)
        lo, hi = mid - half, mid + half
    pad = (hi - lo) * 0.15
    lo, hi = lo - pad, hi + pad
    raw = (hi - lo) / count
    magnitude = 10.0 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    decimals = max(0, -math.floor(math.log10(step)) + (1 if step / magnitude == 2.5 else 0))
    ticks = [round(k * step, 10) for k in range(math.ceil(lo / step), math.floor(hi / step) + 1)]
    return lo, hi, ticks, [f"{t:.{decimals}f}" for t in ticks]


class SeedPlot(PlotextPlot):
    """Per-seed measured PGR as points, the claim and the measured mean as lines.

    Hidden while there is nothing measured; in blinded review the claim line is left out.
    """

    DEFAULT_CSS = """
    SeedPlot { height: 14; border: round $primary; padding: 0 1; }
    """

    def show_data(self, data: dict[str, Any], *, hide_claim: bool = False) -> None:
        seeds, pgrs = plot_points(data)
        self.display = bool(seeds)
        if not seeds:
            return
        self.border_title = "per-seed PGR" + ("" if hide_claim else " vs the claim")
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        xs: list[float] = list(range(1, len(seeds) + 1))
        plt.scatter(xs, [_drawn(p) for p in pgrs], marker="dot")
        mean = sum(pgrs) / len(pgrs)
        plt.hline(_drawn(mean), "blue")
        claim = _number((data.get("claimed") or {}).get("pgr"))
        shown = [*map(_drawn, pgrs), _drawn(mean)]
        if claim is not None and not hide_claim:
            plt.hline(_drawn(claim), "red")
            shown.append(_drawn(claim))
            plt.title(f"dots: each seed   red: claim {_label(claim)}   "
                      f"blue: measured mean {_label(mean)}")
        else:
            plt.title(f"dots: each seed   blue: measured mean {_label(mean)}")
        lo, hi, ticks, labels = y_axis(shown)
        plt.ylim(lo, hi)
        plt.yticks(ticks, labels)
        plt.xticks(xs, [str(s) for s in seeds])
        plt.xlabel("seed")
        self.refresh()
