"""A small plot of the latest rerun's per-seed PGR against the agent's claim."""

from __future__ import annotations

from typing import Any

from textual_plotext import PlotextPlot

from reviewer.present import latest_result


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


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


class SeedPlot(PlotextPlot):
    """Per-seed measured PGR as points, the claim and the measured mean as lines.

    Hidden while there is nothing measured; in blinded review the claim line is left out.
    """

    DEFAULT_CSS = """
    SeedPlot { height: 12; border: round $primary; padding: 0 1; }
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
        xs = list(range(1, len(seeds) + 1))
        plt.scatter(xs, pgrs, marker="dot", label="measured per seed")
        mean = sum(pgrs) / len(pgrs)
        plt.hline(mean, "blue")
        claim = _number((data.get("claimed") or {}).get("pgr"))
        if claim is not None and not hide_claim:
            plt.hline(claim, "red")
            plt.title(f"red: claim {claim:.3f}   blue: measured mean {mean:.3f}")
        else:
            plt.title(f"blue: measured mean {mean:.3f}")
        plt.xticks(xs, [str(s) for s in seeds])
        plt.xlabel("seed")
        self.refresh()
