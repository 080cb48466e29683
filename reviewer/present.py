"""Plain-text presentation of store rows for the TUI: ages, numbers, timelines.

Pure functions with no Textual import, so the rules behind what the screens show are tested
without an app. Every string that came from an agent goes through `textsafe` here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from reviewer.textsafe import clean, short
from store.query import SORTS

STATUS_FILTERS: tuple[str | None, ...] = (None, "pending", "approved", "rejected")
SORT_KEYS: tuple[str, ...] = tuple(SORTS)
ACTIVE_JOB_STATES = ("queued", "running")


def next_in(cycle: tuple[Any, ...], current: Any) -> Any:
    """The element after `current` in `cycle`, wrapping around."""
    index = cycle.index(current) if current in cycle else -1
    return cycle[(index + 1) % len(cycle)]


def parse_time(value: str | None) -> datetime | None:
    """An ISO-8601 time as an aware datetime (naive times are taken as UTC), or None."""
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def age(value: str | None, now: datetime) -> str:
    """A compact age such as `5m`, `3h`, `2d`, `6w`; `-` when unknown."""
    then = parse_time(value)
    if then is None:
        return "-"
    seconds = max(0, int((now - then).total_seconds()))
    for unit, size in (("y", 365 * 86400), ("w", 7 * 86400), ("d", 86400), ("h", 3600)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds // 60}m"


def num(value: Any, digits: int = 3) -> str:
    """A float with fixed digits, or `-` for anything that is not a number."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return "-"
    return f"{value:.{digits}f}"


def pm(mean: Any, se: Any) -> str:
    """`mean ± se`, or just the mean when there is no SE, or `-`."""
    if num(mean) == "-":
        return "-"
    return num(mean) if num(se) == "-" else f"{num(mean)} ± {num(se)}"


@dataclass(frozen=True)
class Column:
    """One queue column: header, width (0 = takes the rest), right-aligned or not."""

    key: str
    header: str
    width: int
    right: bool = False


QUEUE_COLUMNS: tuple[Column, ...] = (
    Column("status", "status", 8),
    Column("agent", "agent", 14),
    Column("idea", "idea", 18),
    Column("title", "title", 0),
    Column("claimed", "claimed", 7, right=True),
    Column("measured", "measured ± SE", 15, right=True),
    Column("verdict", "verdict", 14),
    Column("age", "age", 4, right=True),
)


def queue_cells(row: dict[str, Any], now: datetime) -> dict[str, str]:
    """The cells of one queue row, every agent string cleaned to one line."""
    return {
        "status": row.get("status") or "-",
        "agent": short(row.get("agent"), 200),
        "idea": short(row.get("idea"), 200) or "-",
        "title": short(row.get("title"), 500),
        "claimed": num(row.get("claimed_pgr")),
        "measured": pm(row.get("measured_pgr"), row.get("measured_pgr_se")),
        "verdict": short(row.get("verdict"), 40) or "-",
        "age": age(row.get("ingested_at"), now),
    }


def column_widths(total: int) -> list[int]:
    """Widths of QUEUE_COLUMNS for a line of `total` cells, one space between columns."""
    fixed = sum(c.width for c in QUEUE_COLUMNS) + len(QUEUE_COLUMNS) - 1
    rest = max(8, total - fixed)
    return [c.width or rest for c in QUEUE_COLUMNS]


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a proposal's timeline: a decision, a comment or a rerun."""

    at: str
    actor: str
    action: str
    text: str


def timeline(data: dict[str, Any]) -> list[TimelineEntry]:
    """Decisions and comments of a `shapes.show()` object, oldest first."""
    entries = [
        TimelineEntry(
            d.get("at") or "",
            clean(d.get("actor"), single_line=True),
            d["action"],
            clean(d.get("reason")),
        )
        for d in data.get("decisions", [])
    ]
    entries += [
        TimelineEntry(
            c.get("at") or "",
            clean(c.get("actor"), single_line=True),
            "comment",
            clean(c.get("text")),
        )
        for c in data.get("comments", [])
    ]
    return sorted(entries, key=lambda e: e.at)


def latest_result(data: dict[str, Any]) -> dict[str, Any] | None:
    """The newest rerun that finished with a result, or None."""
    done = [r for r in data.get("reruns", []) if r.get("state") == "done"]
    return done[-1] if done else None


def has_active_rerun(data: dict[str, Any]) -> bool:
    return any(r.get("state") in ACTIVE_JOB_STATES for r in data.get("reruns", []))


def rerun_line(rerun: dict[str, Any]) -> str:
    """One line of rerun history: id, state, seeds, stage or verdict."""
    seeds = rerun.get("seeds") or []
    parts = [f"#{rerun.get('id')}", str(rerun.get("state")), f"{len(seeds)} seeds"]
    progress = rerun.get("progress") or {}
    if rerun.get("state") == "running" and progress.get("stage"):
        parts.append(f"stage {short(str(progress['stage']), 40)}")
    if rerun.get("verdict"):
        parts.append(f"{rerun['verdict']}: PGR {pm(rerun.get('pgr_mean'), rerun.get('pgr_se'))}")
    if rerun.get("error"):
        parts.append(short(str(rerun["error"]), 80))
    if rerun.get("unsafe_no_sandbox"):
        parts.append("UNSAFE: no sandbox")
    return "  ".join(parts)
