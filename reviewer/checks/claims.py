"""Checks on a proposal's claimed numbers and on what its text says about how they were got.

The numbers are only claims; these checks find claims that contradict themselves or the
definition of PGR, and claims that rest on too few runs or on the best of many. The text is
judged as a reader sees it (`lookalike.fold`), so `be\u200bst of 10` is "best of 10".
"""

from __future__ import annotations

import itertools
import math
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any

from reviewer import lookalike
from reviewer.checks import wording
from reviewer.checks.model import Check
from reviewer.ingest.claims import distinct_seeds
from reviewer.textsafe import short

MIN_SEEDS = 3
MIN_PGR_TOL = 0.01
MAX_TEXT = 100_000  # characters of folded text searched for best-of wording
# Text is folded a piece at a time, since NFKC writes up to 18 characters for one and a long
# summary of such characters cost seconds to fold whole.
_FOLD_CHUNK = 4096
ACCURACIES = ("weak_acc", "strong_acc", "transfer_acc")
_BEST_OF = re.compile(
    r"(?:(?:selected|picked|chose|report(?:ed)?) the )?best[- ]of[- ](?:the[- ])?\w+"
    r"(?:[- ](?:runs|seeds|trials))?|best[- ](?:run|seed|result|checkpoint|trial|restart)s?\b"
    r"|top[- ]?1 of|max(?:imum)?[- ]over[- ](?:the[- ])?(?:\w+[- ])?(?:seeds|runs|trials)"
    r"|cherry[- ]?pick|(?:selected|picked|chose|report(?:ed)?) the (?:best|highest|top)"
    r"|best[- ]performing (?:seed|run)|highest of \w+ (?:runs|seeds)",
    re.IGNORECASE)
# Every _BEST_OF match holds one of these, at most 13 characters ("selected the ") in.
_BEST_OF_KEYS, _BEST_OF_LEAD = ("best", "top", "max", "cherry", "highest"), 13
_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
          "eight": 8, "nine": 9, "ten": 10, "twenty": 20, "fifty": 50, "hundred": 100}
_RUNS = re.compile(
    r"\b(\d{1,4}|" + "|".join(_WORDS) + r")\s+(?:random\s+|different\s+|independent\s+)?"
    r"(?:seeds|runs|trials|restarts|repeats)\b"
    # "four runs per seed" counts an ensemble's members, not seeds.
    r"(?!\s+(?:per|for\s+each|on\s+each|of\s+each)\b)", re.IGNORECASE)
_RUNS_KEYS = ("seeds", "runs", "trials", "restarts", "repeats")
_RUNS_LONGEST = len("independent")  # no number or qualifier word in _RUNS is longer


def _runs_starts(text: str, at: int) -> list[int]:
    """Where a _RUNS match ending in the keyword at `at` can start: one or two words back."""
    return wording.words_before(text, at, 2, _RUNS_LONGEST)


def reads(text: str) -> str:
    """The first `MAX_TEXT` characters of what `text` reads as (`lookalike.fold`): invisible
    characters go before the cut, so they cannot push a phrase past it."""
    if text.isascii():
        return text[:MAX_TEXT]
    text = lookalike.strip_invisible(text)
    parts: list[str] = []
    size = start = 0
    while start < len(text) and size < MAX_TEXT:
        end = start + _FOLD_CHUNK
        # A combining mark stays with its letter, which NFKC may compose it into.
        while end < len(text) and unicodedata.combining(text[end]):
            end += 1
        parts.append(lookalike.fold(text[start:end]))
        size += len(parts[-1])
        start = end
    return "".join(parts)[:MAX_TEXT]


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


# _half_unit's answers, by the exponent of the last printed digit (clamped to [-12, -1]).
_HALF_UNITS = {exponent: 0.5 * 10.0**exponent for exponent in range(-12, 0)}


def _half_unit(value: Any) -> float:
    """Half a unit in the last printed digit: how far a rounded number may be from the truth.

    A whole number counts as written to one decimal, as `1.0` is: these metrics lie in
    [0, 1], and `"pgr": 1` took 0.5 of slack that let any accuracies pass beside it.
    """
    if type(value) is float and math.isfinite(value):
        # The exponent Decimal(repr(value)) has, read off repr's digits and its own exponent.
        digits, _, power = repr(value).partition("e")
        point = digits.find(".")
        exponent = (int(power) if power else 0) - (len(digits) - point - 1 if point >= 0 else 0)
        return _HALF_UNITS[max(min(exponent, -1), -12)]
    if type(value) is int:
        return _HALF_UNITS[-1]  # an integer's exponent is 0
    try:
        decimal_exponent = Decimal(repr(value)).as_tuple().exponent
    except (InvalidOperation, ValueError):
        return 0.0
    if not isinstance(decimal_exponent, int):
        return 0.0
    return _HALF_UNITS[max(min(decimal_exponent, -1), -12)]


def _pgr_range(claimed: dict[str, Any]) -> tuple[float, float] | None:
    """The PGRs the rounded accuracies allow: every corner of their rounding box."""
    w, s, t = (_number(claimed.get(k)) for k in ("weak_acc", "strong_acc", "transfer_acc"))
    if w is None or s is None or t is None:
        return None
    boxes = [(v - _half_unit(claimed[k]), v + _half_unit(claimed[k]))
             for v, k in ((w, "weak_acc"), (s, "strong_acc"), (t, "transfer_acc"))]
    values = [(tt - ww) / (ss - ww) for ww, ss, tt in itertools.product(*boxes) if ss - ww > 1e-9]
    return (min(values), max(values)) if values else None


def _inconsistent(message: str, **detail: Any) -> Check:
    return Check("claim_inconsistent", "high", message, detail)


def _consistency(claimed: dict[str, Any]) -> list[Check]:
    found: list[Check] = []
    for key in ACCURACIES:
        value = _number(claimed.get(key))
        if value is not None and not 0.0 <= value <= 1.0:
            found.append(_inconsistent(f"{key} {value:g} lies outside [0, 1]",
                                       field=key, value=value))
    se = _number(claimed.get("pgr_se"))
    if se is not None and se < 0:
        found.append(_inconsistent(f"pgr_se {se:g} is negative", field="pgr_se", value=se))
    w, s, t, p = (_number(claimed.get(k)) for k in ("weak_acc", "strong_acc", "transfer_acc",
                                                     "pgr"))
    if w is not None and s is not None and w >= s:
        found.append(_inconsistent(f"weak_acc {w:g} >= strong_acc {s:g}: there is no gap to"
                                   " recover, so PGR is undefined", field="weak_acc", value=w))
    if t is not None and s is not None:
        slack = _half_unit(claimed["transfer_acc"]) + _half_unit(claimed["strong_acc"])
        if t > s + slack:
            found.append(_inconsistent(f"transfer_acc {t:g} is above the strong ceiling"
                                       f" (strong_acc {s:g})", field="transfer_acc", value=t))
    if p is not None and p > 1.0:
        found.append(_inconsistent(f"PGR {p:g} is above 1: the student would beat the strong"
                                   " ceiling", field="pgr", value=p))
    allowed = _pgr_range(claimed) if w is not None and s is not None and w < s else None
    if p is not None and allowed is not None:
        tol = max(MIN_PGR_TOL, _half_unit(claimed["pgr"]))
        low, high = allowed
        if not low - tol <= p <= high + tol:
            assert w is not None and s is not None  # allowed is only set when both are
            computed = ((t or 0.0) - w) / (s - w)
            found.append(_inconsistent(
                f"PGR {p:g} does not match (transfer_acc - weak_acc) / (strong_acc - weak_acc)"
                f" = {computed:.3f} from the claimed accuracies", field="pgr", value=p,
                computed=round(computed, 6)))
    return found


def _distinct(seeds: list[Any]) -> int:
    """`distinct_seeds(seeds)`, at once for plain integers, whose JSON differs as they do."""
    if all(type(seed) is int for seed in seeds):
        return len(set(seeds))
    return distinct_seeds(seeds)


def _seed_checks(claimed: dict[str, Any], seeds: list[Any] | None) -> list[Check]:
    found: list[Check] = []
    if seeds is None:
        found.append(Check("few_seeds", "medium", "the claim lists no seeds: how many runs"
                           " back it is unknown", {"field": "seeds", "count": None}))
    elif (distinct := _distinct(seeds)) < MIN_SEEDS:
        # [7, 7, 7] is one run listed three times, not three seeds.
        listed = short(", ".join(map(str, seeds)), 60)
        what = (f"{distinct} seed{'s' if distinct != 1 else ''}" if distinct == len(seeds)
                else f"{distinct} different seed{'s' if distinct != 1 else ''}")
        found.append(Check("few_seeds", "medium",
                           f"only {what} ({listed});"
                           f" at least {MIN_SEEDS} are needed to judge the spread",
                           {"field": "seeds", "count": distinct}))
    if _number(claimed.get("pgr")) is None:
        return found
    se = _number(claimed.get("pgr_se"))
    if se is None:
        message = "no standard error for the claimed PGR"
    elif se == 0 and seeds is not None and len(seeds) > 1:
        message = f"pgr_se is 0 over {len(seeds)} seeds: no spread at all is implausible"
    elif se == 0:
        message = "pgr_se is 0 " + ("from a single seed: one run has no standard error"
                                    if seeds else "and the seeds are not listed")
    else:
        return found
    found.append(Check("no_se", "medium", message, {"field": "pgr_se", "value": se}))
    return found


def _best_of(text: str, seeds: list[Any] | None) -> list[Check]:
    """Wording that reveals a max over runs; phrases are quoted as the reader sees them."""
    text = reads(text)
    match = wording.search(_BEST_OF, text, _BEST_OF_KEYS, _BEST_OF_LEAD)
    if match is not None:
        phrase = short(match.group(0), 60)
        return [Check("best_of_n", "medium", f"the text says {phrase!r}: the number may be the"
                      " best of several runs, not their mean", {"phrase": phrase})]
    if seeds is None:  # no listed seeds to compare a mentioned count with
        return []
    for run in wording.finditer(_RUNS, text, _RUNS_KEYS, _runs_starts):
        # Folded: "five" with a dotless i matches too, and lower() would keep that i.
        word = wording.fold(run.group(1)) or run.group(1)
        said = _WORDS[word] if word in _WORDS else int(word)
        if said > len(seeds):
            phrase = short(run.group(0), 60)
            return [Check("best_of_n", "medium",
                          f"the text mentions {phrase!r} but the claim lists {len(seeds)}"
                          " seed(s): the others may have been dropped",
                          {"phrase": phrase, "said": said, "listed": len(seeds)})]
    return []


def claim_checks(claimed: dict[str, Any] | None, text: str) -> list[Check]:
    """Findings about a claim (`pgr`, `pgr_se`, accuracies, `seeds`) and its title + summary."""
    claimed = claimed if isinstance(claimed, dict) else {}
    raw_seeds = claimed.get("seeds")
    seeds = list(raw_seeds) if isinstance(raw_seeds, list | tuple) else None
    if not any(claimed.get(k) is not None for k in ("pgr", "pgr_se", *ACCURACIES, "seeds")):
        return _best_of(text or "", seeds)
    return [*_consistency(claimed), *_seed_checks(claimed, seeds), *_best_of(text or "", seeds)]
