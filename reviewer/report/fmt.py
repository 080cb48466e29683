"""Number and label formatting shared by the Markdown and HTML renderers."""

from __future__ import annotations

from typing import Any

from reviewer.report.collect import finite
from reviewer.textsafe import clean

SUMMARY_LIMIT = 2000  # characters of an agent's summary a report reproduces
# Outside this band a figure prints in scientific notation: an agent's claimed 1.7e308 would
# otherwise fill a table cell with 309 digits.
SCIENTIFIC_FROM = 1e6
SCIENTIFIC_BELOW = 1e-6


def figure(number: float, places: int = 3, *, sign: bool = False) -> str:
    """`number` with `places` decimals, or `places` significant digits when it is huge or tiny."""
    plus = "+" if sign else ""
    size = abs(number)
    if size >= SCIENTIFIC_FROM or 0 < size < SCIENTIFIC_BELOW:
        return f"{number:{plus}.{places}g}"
    return f"{number:{plus}.{places}f}"


def num(value: Any, places: int = 3) -> str:
    number = finite(value)
    return "—" if number is None else figure(number, places)


def pm(mean: Any, se: Any) -> str:
    """`mean ± se`, or just the mean when there is no standard error."""
    return num(mean) if finite(se) is None else f"{num(mean)} ± {num(se)}"


def interval(ci: Any) -> str:
    if not isinstance(ci, list | tuple) or len(ci) != 2 or None in map(finite, ci):
        return "—"
    return f"[{num(ci[0])}, {num(ci[1])}]"


def seeds(value: Any) -> str:
    if not isinstance(value, list):
        return "—"
    return ", ".join(str(s) for s in value if isinstance(s, int) and not isinstance(s, bool))


def line(value: Any) -> str:
    """Agent or stored text as one clean line (no controls, escapes or bidi characters)."""
    if value is None:
        return ""
    return clean(value if isinstance(value, str) else str(value), single_line=True)


def summary(text: Any) -> str:
    """The agent's summary, cleaned and cut to SUMMARY_LIMIT characters."""
    body = clean(text if isinstance(text, str) else "").strip()
    if len(body) > SUMMARY_LIMIT:
        body = body[:SUMMARY_LIMIT].rstrip() + f"\n[… cut at {SUMMARY_LIMIT} characters]"
    return body


def env_line(env: Any) -> str:
    """Where a rerun ran: harness, device, torch, sandbox and wall time."""
    if not isinstance(env, dict):
        return ""
    parts = [
        ("harness", env.get("harness")),
        ("device", env.get("device_name") or env.get("device")),
        ("torch", env.get("torch")),
        ("sandbox", env.get("sandbox")),
    ]
    text = ", ".join(f"{k} {line(v)}" for k, v in parts if v not in (None, ""))
    wall = finite(env.get("wall_s"))
    return text + (f", {figure(wall, 1)} s" if wall is not None else "")


def verdict_label(verdict: str) -> str:
    return verdict.replace("_", " ")


def count_label(key: str) -> str:
    """The column heading of one `Report.counts()` key."""
    if key.startswith("checks_"):
        return f"{key.removeprefix('checks_')} checks"
    return verdict_label(key)


def signed(value: float | None) -> str:
    """A difference with its sign, or `—`."""
    number = finite(value)
    return "—" if number is None else figure(number, sign=True)
