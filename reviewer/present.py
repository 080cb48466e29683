"""Plain-text presentation of store rows for the TUI: ages, numbers, timelines.

Pure functions with no Textual import, so the rules behind what the screens show are tested
without an app. Every string that came from an agent goes through `textsafe` here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache
from typing import Any

from reviewer.blinding import blind_agent_text, list_claims
from reviewer.textsafe import clean, short
from store.agents import AgentRecord
from store.query import SORTS

STATUS_FILTERS: tuple[str | None, ...] = (None, "pending", "approved", "rejected")
SORT_KEYS: tuple[str, ...] = tuple(SORTS)
# Sorting by the claimed PGR, or by risk (which weighs it in), would reveal hidden claims.
BLIND_SORTS: tuple[str, ...] = tuple(s for s in SORT_KEYS if s not in ("pgr", "risk"))
ACTIVE_JOB_STATES = ("queued", "running")
LOG_TAIL_LINES = 8
PREDICTIONS = ("reproduced", "not_reproduced", "unsure")


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
    """One table column: header, width (0 = takes the rest), right-aligned or not.

    On a narrow line a column gives up cells down to `least` (0: it keeps `width`), and one
    with `drop` is left out on a line narrower than that, so the rest column stays readable.
    A `last` column gives up cells only when the others are at their least and the rest
    column would still get fewer than REST_LEAST.
    """

    key: str
    header: str
    width: int
    right: bool = False
    least: int = 0
    drop: int = 0
    last: bool = False


# Under 76 cells the idea goes, and then the status narrows (its colour still tells), so
# that the verdict and the flags keep their room.
QUEUE_COLUMNS: tuple[Column, ...] = (
    Column("status", "status", 8, least=4, last=True),
    Column("risk", "risk", 5, right=True, least=4),
    Column("agent", "agent", 14, least=8),
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
        "title": short(blind_agent_text(row.get("title"), list_claims(row)) if hidden
                       else row.get("title"), 500),
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
        slack = [(w - (c.least or c.width), c.last, i) for i, (c, w) in enumerate(
            zip(columns, widths, strict=True)) if c.width and w]
        first = [(most, i) for most, last, i in slack if most > 0 and not last]
        if not first and spare < REST_LEAST:
            first = [(most, i) for most, _, i in slack if most > 0]
        most, at = max(first, default=(0, -1))
        if most <= 0:
            break
        widths[at] -= 1
        spare += 1
    # A tuple: the result is cached and shared by every line drawn at this width.
    return tuple(w if c.width or not on else max(REST_LEAST, spare)
                 for c, w, on in zip(columns, widths, shown, strict=True))


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


@dataclass(frozen=True)
class TimelineEntry:
    """One line of a proposal's timeline: a decision, a comment or an assessment."""

    at: str
    actor: str
    action: str
    text: str


def assessment_text(assessment: dict[str, Any]) -> str:
    """`predicted not_reproduced (blinded): note` for one recorded assessment."""
    verdict = short(str(assessment.get("predicted_verdict") or "-"), 40)
    blinded = " (blinded)" if assessment.get("blinded") else ""
    note = clean(assessment.get("note"))
    return f"predicted {verdict}{blinded}" + (f": {note}" if note else "")


def publication_text(action: str, payload: dict[str, Any]) -> str:
    """One line on a publish, a failed publish or a withdrawal, from its event payload."""
    if action == "withdraw":
        if payload.get("kept"):
            return ("left the shared record in place, since another reviewer's store still "
                    f"approves it: {clean(payload.get('reason'))}")
        removed = payload.get("removed") or []
        return f"removed {len(removed)} file(s): {clean(payload.get('reason'))}"
    if action == "publish_failed":
        what = "withdrawal" if payload.get("withdraw") else "publish"
        return f"{what} failed at {payload.get('stage')}: {clean(payload.get('error'))}"
    text = clean(str(payload.get("file") or payload.get("folder") or ""))
    if payload.get("commit"):
        text += f", commit {str(payload['commit'])[:12]}"
    if payload.get("pushed"):
        text += ", pushed"
    if payload.get("kept_remote"):
        text += " (another reviewer's record was there first)"
    return text


def timeline(data: dict[str, Any]) -> list[TimelineEntry]:
    """Decisions, comments, assessments and publications of a proposal's view, oldest first."""
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
    entries += [
        TimelineEntry(
            a.get("at") or "",
            clean(a.get("actor"), single_line=True),
            "assess",
            assessment_text(a),
        )
        for a in data.get("assessments", [])
    ]
    entries += [
        TimelineEntry(
            p.get("at") or "",
            clean(p.get("actor"), single_line=True),
            p["action"],
            publication_text(p["action"], p.get("payload") or {}),
        )
        for p in data.get("publications", [])
    ]
    return sorted(entries, key=lambda e: e.at)


def latest_result(data: dict[str, Any]) -> dict[str, Any] | None:
    """The newest rerun that finished with a result, or None."""
    done = [r for r in data.get("reruns", []) if r.get("state") == "done"]
    return done[-1] if done else None


def has_active_rerun(data: dict[str, Any]) -> bool:
    return active_rerun_id(data) is not None


def active_rerun_id(data: dict[str, Any]) -> int | None:
    """The newest rerun still queued or running, which the cancel key stops."""
    active = [r for r in data.get("reruns", []) if r.get("state") in ACTIVE_JOB_STATES]
    job_id = active[-1].get("id") if active else None
    return job_id if isinstance(job_id, int) else None


def log_tail_lines(rerun: dict[str, Any], count: int = LOG_TAIL_LINES) -> list[str]:
    """The last `count` lines a running rerun printed, each cleaned to one line."""
    if rerun.get("state") != "running":
        return []
    tail = (rerun.get("progress") or {}).get("log_tail")
    if not isinstance(tail, str):
        return []
    lines = [clean(line, single_line=True) for line in clean(tail).splitlines()]
    return [line[:200] for line in lines if line][-count:]


def rerun_line(rerun: dict[str, Any], *, hide_verdict: bool = False) -> str:
    """One line of rerun history: id, state, seeds, stage or verdict (unless blinded)."""
    seeds = rerun.get("seeds") or []
    parts = [f"#{rerun.get('id')}", str(rerun.get("state")), f"{len(seeds)} seeds"]
    progress = rerun.get("progress") or {}
    if rerun.get("state") == "running" and progress.get("stage"):
        parts.append(f"stage {short(str(progress['stage']), 40)}")
    if rerun.get("verdict") or rerun.get("pgr_mean") is not None:
        # A rerun of a proposal without a claimed PGR measures it and has no verdict.
        named = short(str(rerun["verdict"]), 40) if rerun.get("verdict") else "no claim"
        verdict = "verdict hidden" if hide_verdict else named
        parts.append(f"{verdict}: PGR {pm(rerun.get('pgr_mean'), rerun.get('pgr_se'))}")
    if rerun.get("error"):
        parts.append(short(str(rerun["error"]), 80))
    if rerun.get("unsafe_no_sandbox"):
        parts.append("UNSAFE: no sandbox")
    return "  ".join(parts)


SEVERITIES = ("high", "medium", "low")


def ablation_word(ablation: dict[str, Any]) -> str:
    """`passed`, `INCONCLUSIVE` or `FAILED` for a rerun's teacher-shuffle ablation object.

    Results stored before `outcome` existed say only whether the ablation passed.
    """
    if ablation.get("passed"):
        return "passed"
    return "INCONCLUSIVE" if ablation.get("outcome") == "inconclusive" else "FAILED"


def checks_by_severity(checks: list[Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Checks grouped high, medium, low (then any unknown severity), empty groups dropped."""
    groups: dict[str, list[dict[str, Any]]] = {s: [] for s in SEVERITIES}
    for check in checks:
        if isinstance(check, dict):
            severity = check.get("severity")
            key = severity if severity in SEVERITIES else "other"
            groups.setdefault(key, []).append(check)
    return [(severity, found) for severity, found in groups.items() if found]


def duplicate_target(checks: list[Any]) -> str | None:
    """The other proposal's id named by the most severe `duplicate` check, or None."""
    for _severity, found in checks_by_severity(checks):
        for check in found:
            detail = check.get("detail")
            other = detail.get("other_id") if isinstance(detail, dict) else None
            if check.get("code") == "duplicate" and isinstance(other, str) and other:
                return other
    return None


def check_line(checks: list[Any]) -> tuple[str, int] | None:
    """(path, line) of the most severe open check that names a line of the diff, or None."""
    for _severity, found in checks_by_severity(checks):
        for check in found:
            detail = check.get("detail")
            if not isinstance(detail, dict) or check.get("resolved"):
                continue
            path, line = detail.get("path"), detail.get("line")
            if isinstance(path, str) and path and isinstance(line, int) and not isinstance(
                    line, bool) and line > 0:
                return path, line
    return None


def held_up(record: AgentRecord) -> str:
    """The share of an agent's rerun claims that reproduced, as a percentage, or `-`."""
    value = record.reproduced_share
    return "-" if value is None else f"{100 * value:.0f}%"


def children_note(count: int, pid: str, line: int | None = None, complete: bool = True) -> str:
    """After a rejection: the pending proposals that name it as their parent, and how many
    more pending ones descend from it through them (whose approval the rejection gates too)."""
    noun = "proposal builds" if count == 1 else "proposals build"
    note = f"{count} pending {noun} on {pid[:12]}"
    # The walk down stops at 2,000 proposals, so it can count fewer than the direct ones.
    more = 0 if line is None else max(line - count, 0)
    if not complete:
        note += f", and {f'at least {more}' if more else 'perhaps'} more descend from it"
        note += " through pending ones"
    elif more:
        verb = "descends" if more == 1 else "descend"
        note += f", and {more} more {verb} from it through pending ones"
    return note


def relative_text(item: dict[str, Any], title_width: int = 80) -> str:
    """A lineage relative: short id, status, agent and title, cleaned to one line."""
    agent, title = short(item["agent"], 40), short(item["title"], title_width)
    return f"{item['id'][:12]} ({item['status']}, {agent}): {title}"


def lineage_line(lineage: dict[str, Any] | None) -> str:
    """One line on what a proposal builds on and what builds on it; empty when neither."""
    if not lineage:
        return ""
    parts = []
    if lineage["parent"]:
        found = lineage["parents"]
        if not found:
            parts.append(f"builds on {short(lineage['parent'], 64)} (not in this store)")
        else:
            more = f" and {len(found) - 1} more" if len(found) > 1 else ""
            parts.append(f"builds on {relative_text(found[0])}{more}")
    if lineage["children_total"]:
        parts.append(f"built on by {lineage['children_total']}")
    return "  ·  ".join(parts)
