"""Near-duplicate detection: the same method submitted again under new names.

Code is compared in its normalised form (`normalize_code`) token by token: the similarity
is 2 x (longest common subsequence) / (both lengths), rapidfuzz's Indel similarity, which
is difflib's ratio without its worst cases (difflib's matcher took 7 s on 2,000 tokens of
repetitive code and grows with the cube; agents choose their code). Subjects without code
are compared by idea name (or title). Cheap upper bounds on the similarity (from lengths
and cached token counts) discard most candidates before the real comparison, so one
proposal can be compared with thousands; the tokens and comparisons are capped, so a
hostile proposal costs a bounded time.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz.distance import Indel

from reviewer.checks.memo import Memo
from reviewer.checks.model import Check
from reviewer.checks.normalize import normalize_code
from reviewer.textsafe import short

# How much lower code similarity may be when the idea names agree as well.
NAME_BONUS = 0.1
# Enough to show a proposal is a copy; agents resubmitting one method would otherwise make
# each new copy compare in full with every earlier one, seconds per proposal.
MAX_FOUND = 5
# Code past this many tokens (about 1,000 lines) is not compared: a comparison stays under
# a tenth of a second even for adversarial token orders.
MAX_TOKENS = 20_000
# Full comparisons per proposal, after the bounds: what a flood of look-alikes can cost.
MAX_COMPARED = 200
_TOKEN = re.compile(r"\w+|[^\w\s]")
_WORDS = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class DupSubject:
    """One proposal or finding as duplicate detection sees it; `code` is normalised."""

    id: str
    title: str
    idea: str | None
    code: str
    kind: str  # "proposal" or "finding"


Tokens = tuple[tuple[str, ...], Counter[str]]


def _weight(split: Tokens) -> int:
    """About the bytes a code's tokens and their counts hold (a pointer and a small string
    per token, a dict entry per distinct one), and the code they are kept under."""
    return 80 * len(split[0]) + 100 * len(split[1]) + 2 * sum(map(len, split[0]))


# A search reads a few hundred candidates of similar size, and the next proposal's search
# reads most of them again; the budget keeps a long-running process from growing for ever.
_SPLIT: Memo[str, Tokens] = Memo(8192, weigh=_weight, budget=256 << 20)


def _split(code: str) -> Tokens:
    """The code's tokens and how often each occurs, worked out once per distinct code."""

    def make() -> Tokens:
        tokens = tuple(_TOKEN.findall(code))
        return tokens, Counter(tokens)

    return _SPLIT.get(code, make)


def _overlap_bound(mine: Counter[str], theirs: Counter[str], total: int) -> float:
    """An upper bound on the ratio: tokens in common, ignoring order (difflib's quick_ratio)."""
    small, large = (mine, theirs) if len(mine) <= len(theirs) else (theirs, mine)
    # A plain loop: this runs for each of hundreds of candidates, and is 3x a generator's speed.
    common, count = 0, large.get
    for token, n in small.items():
        m = count(token)
        if m:
            common += n if n < m else m
    return 2.0 * common / total if total else 0.0


def _label(text: str | None) -> str:
    return " ".join(_WORDS.split((text or "").lower())).strip()


def name_similarity(a: DupSubject, b: DupSubject) -> float:
    """How alike the idea names are (titles when either has no idea name)."""
    left, right = (_label(a.idea), _label(b.idea)) if a.idea and b.idea else (
        _label(a.title), _label(b.title))
    if not left or not right:
        return 0.0
    # Titles run to 500 characters, where difflib needed 1.6 s on a hostile pair.
    return Indel.normalized_similarity(left, right)


def _bound(la: int, lb: int) -> float:
    """difflib's real_quick_ratio: sequences of these lengths cannot match better."""
    return 2.0 * min(la, lb) / (la + lb) if la + lb else 0.0


def duplicate_checks(own: DupSubject, others: Iterable[DupSubject],
                     threshold: float = 0.9, max_found: int = MAX_FOUND) -> list[Check]:
    """A `duplicate` finding for each of `others` that is a near-copy of `own`, most alike first.

    The search stops at `max_found` copies, so `others` should come in order of interest.
    """
    mine, my_bag = _split(own.code) if own.code.strip() else ((), Counter())
    compared = 0
    found: list[tuple[float, Check]] = []
    for other in others:
        if other.id == own.id:
            continue
        names = name_similarity(own, other)
        theirs, their_bag = _split(other.code) if other.code.strip() else ((), Counter())
        if mine and theirs:
            need = threshold - NAME_BONUS if names >= threshold else threshold
            total = len(mine) + len(theirs)
            if _bound(len(mine), len(theirs)) < need or _overlap_bound(
                    my_bag, their_bag, total) < need:
                continue
            if compared >= MAX_COMPARED:
                continue
            compared += 1
            similarity = Indel.normalized_similarity(mine[:MAX_TOKENS], theirs[:MAX_TOKENS],
                                                     score_cutoff=need)  # fmt: skip
            if similarity < need:
                continue
            longer = max(len(mine), len(theirs)) > MAX_TOKENS
            cut = f" of the first {MAX_TOKENS:,} tokens" if longer else ""
            why = f"{similarity:.0%} of the normalised code matches{cut}"
        elif names >= threshold:
            similarity = names
            why = f"idea names {similarity:.0%} alike; no code to compare"
        else:
            continue
        message = (f"near-duplicate of {other.kind} {short(other.id[:12], 12)}"
                   f" {short(other.title, 80)!r}: {why}")
        detail = {"other_id": other.id, "similarity": round(similarity, 4),
                  "name_similarity": round(names, 4), "other_kind": other.kind}
        found.append((similarity, Check("duplicate", "low", message, detail)))
        if len(found) >= max_found:
            break
    found.sort(key=lambda pair: -pair[0])
    return [check for _, check in found]


__all__ = ["DupSubject", "duplicate_checks", "name_similarity", "normalize_code"]
