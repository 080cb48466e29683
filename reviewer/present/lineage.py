"""A proposal's lineage as text: what it builds on and what builds on it."""

from __future__ import annotations

from typing import Any

from reviewer.textsafe import short, short_middle


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
    agent, title = short_middle(item["agent"], 40), short(item["title"], title_width)
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
