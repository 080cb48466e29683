"""Plain-text forms of single values: ages, numbers, mean ± SE, shares, cycling choices."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from store.agents import AgentRecord


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


def signed(value: Any, digits: int = 3) -> str:
    """`num` with its sign always shown (`+0.123`, `-0.050`), or `-`."""
    return "-" if num(value, digits) == "-" else f"{value:+.{digits}f}"


def p_value(value: Any) -> str:
    """A p-value to 4 places; one that rounds to zero reads `< 0.0001`, never `0.0000`."""
    if num(value, 4) == "-":
        return "-"
    return "< 0.0001" if 0 <= value < 0.00005 else num(value, 4)


def pm(mean: Any, se: Any) -> str:
    """`mean ± se`, or just the mean when there is no SE, or `-`."""
    if num(mean) == "-":
        return "-"
    return num(mean) if num(se) == "-" else f"{num(mean)} ± {num(se)}"


def held_up(record: AgentRecord) -> str:
    """The share of an agent's rerun claims that reproduced, as a percentage, or `-`."""
    value = record.reproduced_share
    return "-" if value is None else f"{100 * value:.0f}%"
