"""How an agent's name is shown beside others: names that read the same are told apart.

Ingest now refuses a name that could pass for another's, but a store filled before that may
hold `agent\u2011alpha` beside `agent-alpha`, and the agents views would print two rows a
reviewer cannot tell apart, one of them borrowing the other's record.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from reviewer.lookalike import fold, shown
from reviewer.textsafe import short_middle


def reading(name: str) -> str:
    """What `name` reads as on a screen: folded, with its spacing as a reader sees it."""
    return " ".join(fold(name).split())


def lookalikes(names: Iterable[str]) -> set[str]:
    """The names that read the same as another name among `names`."""
    by_reading: defaultdict[str, list[str]] = defaultdict(list)
    for name in names:
        by_reading[reading(name)].append(name)
    return {name for group in by_reading.values() if len(group) > 1 for name in group}


LOOKALIKE_MARK = "\u2248"  # ≈: reads as another agent's name
LOOKALIKE_NOTE = f"{LOOKALIKE_MARK}: reads as another agent's name, so written with its code points"


def agent_label(name: str, twins: set[str], width: int = 40) -> str:
    """`name` cleaned and cut in its middle to `width` (names tend to differ at the end);
    when it reads as another agent's name, written with its code points, which differ, and
    marked: `agent\\u2011alpha ≈` beside `agent-alpha ≈`."""
    if name not in twins:
        return short_middle(name, width)
    return f"{short_middle(shown(name), width - 2)} {LOOKALIKE_MARK}"
