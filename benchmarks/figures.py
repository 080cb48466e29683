"""One measured figure against its target and baseline, and the table that prints them.

Benchmarks report; they never fail. `passed` is None for a figure that is informative only
or was skipped.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass
class Figure:
    """A measured median, what it should be, and what the same work costs the baseline way."""

    name: str
    measured: str
    target: str = "-"
    baseline: str = "-"
    ratio: str = "-"
    passed: bool | None = None
    note: str = ""
    raw: dict[str, Any] = field(default_factory=dict)

    @property
    def verdict(self) -> str:
        return {True: "pass", False: "MISS", None: "info"}[self.passed]

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "verdict": self.verdict}


def timed(fn: Callable[[], Any]) -> float:
    """Wall seconds one call of `fn` takes."""
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def median(values: Iterable[float]) -> float:
    return statistics.median(list(values))


def mean(values: Iterable[float]) -> float:
    return statistics.fmean(list(values))


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.1f} ms" if seconds < 10 else f"{seconds:.1f} s"


def secs(seconds: float) -> str:
    return f"{seconds:.2f} s"


def times(ratio: float) -> str:
    return f"{ratio:.1f}x"


COLUMNS = ("figure", "measured (median)", "target", "baseline", "ratio", "")


def table(figures: Sequence[Figure]) -> str:
    """The figures as an aligned text table, notes underneath."""
    rows = [COLUMNS] + [
        (f.name, f.measured, f.target, f.baseline, f.ratio, f.verdict) for f in figures
    ]
    widths = [max(len(r[i]) for r in rows) for i in range(len(COLUMNS))]
    lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip()
             for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    notes = [f"  {f.name}: {f.note}" for f in figures if f.note]
    return "\n".join(lines + (["", *notes] if notes else []))


def markdown(figures: Sequence[Figure]) -> str:
    """The same table in Markdown, for RESULTS.md."""
    head = "| " + " | ".join(c or "result" for c in COLUMNS) + " |"
    rule = "|" + "|".join("---" for _ in COLUMNS) + "|"
    body = [
        "| " + " | ".join((f.name, f.measured, f.target, f.baseline, f.ratio, f.verdict)) + " |"
        for f in figures
    ]
    return "\n".join([head, rule, *body])


def one_line(figure: Figure) -> str:
    """A figure as one line, for a benchmark script run on its own."""
    return (f"{figure.name}: {figure.measured} ({figure.note}); baseline {figure.baseline}, "
            f"{figure.ratio}")
