"""A small plot of the latest rerun's per-seed PGR against the agent's claim."""

from __future__ import annotations

import math
from typing import Any

from rich.text import Text
from textual import events
from textual_plotext import PlotextPlot

from reviewer.present import latest_result

# The lines differ in their characters as well as their colours (red and blue), so they read
# without colour; the key on the bottom border names them at every width the plot fits.
CLAIM_MARK, MEAN_MARK = "=", "-"

# Values past this are drawn at its edge (the key keeps the true numbers): an agent's claim
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


def key_forms(mean: float, claim: float | None) -> list[Text]:
    """The plot's key, longest first: each form names what the last leaves out."""
    mean_line = (MEAN_MARK * 3, "blue")
    claim_line = (CLAIM_MARK * 3, "red")
    m = _label(mean)
    if claim is None:
        return [
            Text.assemble("• each seed   ", mean_line, f" blue: measured mean {m}"),
            Text.assemble(mean_line, f" mean {m}"),
            Text.assemble(mean_line, " mean"),
        ]
    c = _label(claim)
    return [
        Text.assemble(
            "• each seed   ", claim_line, f" red: claim {c}   ", mean_line,
            f" blue: measured mean {m}",
        ),
        Text.assemble(claim_line, f" red: claim {c}  ", mean_line, f" blue: mean {m}"),
        Text.assemble(claim_line, f" claim {c}  ", mean_line, f" mean {m}"),
        Text.assemble(claim_line, " claim  ", mean_line, " mean"),
    ]


class SeedPlot(PlotextPlot):
    """Per-seed measured PGR as points, the claim and the measured mean as lines.

    Hidden while there is nothing measured; in blinded review the claim line is left out.
    """

    DEFAULT_CSS = """
    SeedPlot { height: 14; border: round $primary; padding: 0 1; }
    """

    def __init__(
        self,
        *,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self._keys: list[Text] = []

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
        # Lines are drawn across the whole x range, so one seed gets a range around it.
        left, right = (1.0, float(len(seeds))) if len(seeds) > 1 else (0.0, 2.0)
        plt.xlim(left, right)
        mean = sum(pgrs) / len(pgrs)
        claim = _number((data.get("claimed") or {}).get("pgr"))
        shown = [*map(_drawn, pgrs), _drawn(mean)]
        if claim is not None and not hide_claim:
            plt.plot([left, right], [_drawn(claim)] * 2, marker=CLAIM_MARK, color="red")
            shown.append(_drawn(claim))
        else:
            claim = None
        plt.plot([left, right], [_drawn(mean)] * 2, marker=MEAN_MARK, color="blue")
        # The seeds go last so that a line through a seed's row does not hide its dot.
        plt.scatter(xs, [_drawn(p) for p in pgrs], marker="dot")
        self._keys = key_forms(mean, claim)
        self._fit_key()
        lo, hi, ticks, labels = y_axis(shown)
        plt.ylim(lo, hi)
        plt.yticks(ticks, labels)
        plt.xticks(xs, [str(s) for s in seeds])
        plt.xlabel("seed")
        self.refresh()

    def on_resize(self, _event: events.Resize) -> None:
        self._fit_key()

    def _fit_key(self) -> None:
        """Put the longest key form that fits on the bottom border, else the shortest."""
        if not self._keys:
            return
        room = self.outer_size.width - 6  # two corners, and a rule and a space each side
        self.border_subtitle = next(
            (key for key in self._keys if key.cell_len <= room), self._keys[-1]
        )
