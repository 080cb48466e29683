"""The queue table and status bars: filters, sorts, columns, widths and cells."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from reviewer.blinding import blind_agent_text, list_claims
from reviewer.present.values import age, num, pm
from reviewer.textsafe import short
from store.query import SORTS

STATUS_FILTERS: tuple[str | None, ...] = (None, "pending", "approved", "rejected")
SORT_KEYS: tuple[str, ...] = tuple(SORTS)
# Sorting by the claimed PGR, or by risk (which weighs it in), would reveal hidden claims.
BLIND_SORTS: tuple[str, ...] = tuple(s for s in SORT_KEYS if s not in ("pgr", "risk"))


@dataclass(frozen=True)
class Column:
    """One table column: header, width (0 = takes the rest), right-aligned or not.

    On a narrow line a column gives up cells down to `least` (0: it keeps `width`), and one
    with `drop` is left out on a line narrower than that, so the rest column stays readable.
    A `last` column gives up cells only when the others are at their least and the rest
    column would still get fewer than REST_LEAST. A `middle` column is cut in its middle.
    """

    key: str
    header: str
    width: int
    right: bool = False
    least: int = 0
    drop: int = 0
    last: bool = False
    middle: bool = False


# Under 76 cells the idea goes, and then the status narrows (its colour still tells), so
# that the verdict and the flags keep their room.
QUEUE_COLUMNS: tuple[Column, ...] = (
    Column("status", "status", 8, least=4, last=True),
    Column("risk", "risk", 5, right=True, least=4),
    # Agents' names tend to share a prefix and differ at the end (`w2s-agent-3`).
    Column("agent", "agent", 14, least=8, middle=True),
    Column("idea", "idea", 18, least=9, drop=76),
    Column("title", "title", 0),
    Column("claimed", "claimed", 7, right=True),
    Column("measured", "measured ± SE", 15, right=True, least=6),
    Column("verdict", "verdict", 14, least=8),
    Column("flags", "flags", 5, right=True),
    Column("age", "age", 4, right=True, drop=100),
)


def queue_cells(row: dict[str, Any], now: datetime) -> dict[str, str]:
    """The cells of one queue row, every agent string cleaned to one line.

    `claim_hidden` (set in blinded review) hides the claim, the verdict that compares to it,
    and the risk score, which weighs the claimed PGR in, and masks the claim in the title.
    """
    hidden = bool(row.get("claim_hidden"))
    claimed, verdict = num(row.get("claimed_pgr")), short(row.get("verdict"), 40) or "-"
    risk = row.get("risk")
    flags = row.get("flags")
    return {
        "status": row.get("status") or "-",
        "risk": "-" if risk is None else ("·" if hidden else f"{risk:.1f}"),
        "agent": short(row.get("agent"), 200),
        "idea": short(row.get("idea"), 200) or "-",
        "title": short(
            blind_agent_text(row.get("title"), list_claims(row)) if hidden else row.get("title"),
            500,
        ),
        "claimed": "hidden" if hidden and claimed != "-" else claimed,
        "measured": pm(row.get("measured_pgr"), row.get("measured_pgr_se")),
        "verdict": "hidden" if hidden and verdict != "-" else verdict,
        "flags": "-" if not flags else str(flags),
        "age": age(row.get("ingested_at"), now),
    }


REST_WANTED = 24  # cells the rest column (a title, a payload) gets before others shrink
REST_LEAST = 8  # and the fewest it gets, even if the line then runs off the screen


@cache
def column_widths(total: int, columns: tuple[Column, ...] = QUEUE_COLUMNS) -> tuple[int, ...]:
    """Widths of `columns` for a line of `total` cells, one space between shown columns; a
    dropped column is 0. At 80 cells the queue's nine fixed columns took 99, leaving its
    title 8 cells and pushing the verdict, flags and age off the screen."""
    shown = [c.drop <= total for c in columns]
    widths = [c.width if on else 0 for c, on in zip(columns, shown, strict=True)]
    spare = total - sum(widths) - (sum(shown) - 1)
    for _ in range(max(0, REST_WANTED - spare)):
        slack = [
            (w - (c.least or c.width), c.last, i)
            for i, (c, w) in enumerate(zip(columns, widths, strict=True))
            if c.width and w
        ]
        first = [(most, i) for most, last, i in slack if most > 0 and not last]
        if not first and spare < REST_LEAST:
            first = [(most, i) for most, _, i in slack if most > 0]
        most, at = max(first, default=(0, -1))
        if most <= 0:
            break
        widths[at] -= 1
        spare += 1
    # A tuple: the result is cached and shared by every line drawn at this width.
    return tuple(
        w if c.width or not on else max(REST_LEAST, spare)
        for c, w, on in zip(columns, widths, shown, strict=True)
    )


@dataclass(frozen=True)
class BarPart:
    """One part of a status bar: its text, a shorter one for a narrow line ("" leaves it
    out there), and how long it stays as the line narrows (EXTRA: the first to go; KEPT:
    never left out)."""

    text: str
    brief: str
    keep: int

    EXTRA = 1
    KEPT = 100


def fit_bar(parts: list[BarPart], width: int) -> str:
    """`parts` on one line of `width` cells: in full if they fit, else without the extras,
    else shortened and without the parts that keep least, cut with an ellipsis as a last
    resort."""
    for kept in (parts, [p for p in parts if p.keep > BarPart.EXTRA]):
        line = "   ".join(p.text for p in kept)
        if len(line) <= width:
            return line
    kept = [p for p in parts if p.brief]
    while True:
        line = "  ".join(p.brief for p in kept)
        droppable = [p for p in kept if p.keep < BarPart.KEPT]
        if len(line) <= width or not droppable:
            return line if len(line) <= width else line[: max(width - 1, 0)] + "…"
        kept.remove(min(droppable, key=lambda p: p.keep))
