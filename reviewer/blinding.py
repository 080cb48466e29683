"""Masking the agent's claimed numbers in text, for blinded review and the second opinion.

A claim is only a claim, and seeing it first anchors the judgement of the method: blinded
review hides it from the human until an assessment is recorded, and the second opinion
never sees it. The agent's own text (title, summary, messages quoting it) repeats the claim,
so the numbers in it that show a claimed value are masked too.
"""

from __future__ import annotations

import json
import math
import re
import unicodedata
from typing import Any

from reviewer.lookalike import invisible
from reviewer.textsafe import clean

WITHHELD = "[withheld]"
# Metric fields of a native claim and of a sandbox finding's original object (DESIGN §4.1-4.2).
CLAIM_FIELDS = (
    "pgr", "pgr_se", "pgr_delta", "weak_acc", "strong_acc", "transfer_acc", "transfer_acc_se",
)  # fmt: skip
ACCURACIES = ("weak_acc", "strong_acc", "transfer_acc")
# A decimal with a point, or a decimal comma after a lone 0 ("0,97", not in "0,1,2" or
# "1,0,97"), or a whole number, either with an exponent, then an optional percent or per-mille
# sign, a word for one ("97 percent", "97 per cent", "97 pct", "97 pc", "97 hundredths"), or
# a denominator ("97/100", "97 out of 100", "97 of 100", "970 in 1000", "97 per 100.", a
# sentence's full stop after it). A letter, `_` or a list's comma may come before it
# ("PGR0.97", "[0.93,0.97]").
_NUMBER = re.compile(
    r"(?<![\d.])"
    r"((?:\d*\.\d+|(?<!\d,)0,\d+(?![,\d])|\d+)(?:[eE][-+]?\d{1,3})?)"
    r"(\s?[%\u2030\u2031]"
    r"|(?:\s?/\s?|\s{1,3}(?i:out\s{1,3}of|of|in|per)\s{1,3})10{2,4}(?!\d|[.,]\d)"
    r"|[\s-]{0,3}(?i:per[\s-]?cent(?:age)?|pct|pc|hundredths|thousandths)\b)?"
)
# How much smaller than written a number is after per mille and per ten thousand signs
# ("970\u2030" reads as 0.97) and thousandths; a denominator's zeros say it, and every other
# unit is a percent.
_SHIFTS = {"\u2030": 3, "\u2031": 4, "thousandths": 3}
# Drawn as a decimal point, yet left alone by NFKC (which already makes the full-width stop,
# the small stop and the one dot leader "."): middle dots, the hyphenation point, dot
# operators, the Arabic decimal separator, and the ideographic full stop CJK text may use.
_POINTS = "\u00b7\u2027\u2219\u22c5\u2e31\u30fb\ua78f\u066b\u3002"
# Dashes and minus signs NFKC leaves alone, each drawn as an exponent's "-".
_MINUS = "\u2010\u2011\u2012\u2013\u2014\u2015\u2212\ufe58"
# The Arabic percent sign, drawn as "%" after a number.
_PERCENT = "\u066a"
_PLAIN = str.maketrans({**dict.fromkeys(_POINTS, "."), **dict.fromkeys(_MINUS, "-"),
                        **dict.fromkeys(_PERCENT, "%")})


def claim_values(row: dict[str, Any]) -> list[float]:
    """Every claimed metric: the `claimed` object, the original's fields, and the PGR the
    claimed accuracies imply (a check may print it)."""
    sources: list[Any] = [row.get("claimed") or {}]
    try:
        sources.append(json.loads(row.get("original") or "{}"))
    except ValueError:
        pass
    values = []
    for source in sources:
        if not isinstance(source, dict):
            continue
        for name in CLAIM_FIELDS:
            value = _metric(source.get(name))
            if value is not None:
                values.append(abs(value))
        weak, strong, transfer = (_metric(source.get(k)) for k in ACCURACIES)
        if weak is not None and strong is not None and transfer is not None and strong != weak:
            values.append(abs((transfer - weak) / (strong - weak)))
    return values


def blind(text: str, claims: list[float]) -> str:
    """Mask the decimals and percentages in `text` that show a claimed value.

    A number matches when it equals a claim, or rounds the same at its own precision of at
    least two places; whole numbers stay, as counts, seeds and lines would collide too often.
    Numbers are read as they look: full-width or other compatibility digits and a look-alike
    decimal point (`0\u00b797`) count, and the whole number as written is masked.
    """
    spans = [match.span() for match in _NUMBER.finditer(text) if _shows(match, claims)]
    if not text.isascii():
        # Read both ways: a superscript before a number (`x\u00b20.97`) must not hide it.
        plain, origin = _as_read(text)
        spans += [
            (origin[m.start()], origin[m.end() - 1] + 1)
            for m in _NUMBER.finditer(plain)
            if _shows(m, claims)
        ]
    return _masked(text, spans)


def _masked(text: str, spans: list[tuple[int, int]]) -> str:
    """`text` with each of `spans` (overlapping ones merged) replaced by WITHHELD."""
    out: list[str] = []
    done = 0
    for start, end in sorted(spans):
        if start >= done:
            out += [text[done:start], WITHHELD]
        done = max(done, end)
    return "".join(out) + text[done:]


def _as_read(text: str) -> tuple[str, list[int]]:
    """`text` as a reader takes its numbers (characters that draw as nothing dropped, each
    other one NFKC-normalised, look-alike points, minus and percent signs made ASCII), with
    the index in `text` each character comes from."""
    pieces: list[str] = []
    origin: list[int] = []
    for index, char in enumerate(text):
        if char.isascii():
            plain = char
        elif invisible(char):
            continue  # `0.9\u034f7` reads as 0.97
        else:
            plain = unicodedata.normalize("NFKC", char).translate(_PLAIN)
        pieces.append(plain)
        origin += [index] * len(plain)
    return "".join(pieces), origin


def _shows(match: re.Match[str], claims: list[float]) -> bool:
    """Whether the number `match` found shows one of `claims`."""
    number, unit = match.group(1).replace(",", "."), match.group(2)
    shift = _shift(unit)
    places = _places(number) + shift
    if places <= 0:
        return False
    shown = float(number) / 10**shift
    return any(
        math.isclose(value, shown, rel_tol=1e-9, abs_tol=1e-12)
        or (places >= 2 and round(value, places) == round(shown, places))
        for value in claims
    )


def _shift(unit: str | None) -> int:
    """How many places smaller than written a number is after `unit` (None: none)."""
    if unit is None:
        return 0
    word = unit.strip().lower()
    if word.endswith("0"):
        return len(word) - len(word.rstrip("0"))  # "/100", "out of 1000"
    return _SHIFTS.get(word, 2)


def _places(number: str) -> int:
    """Decimal places of a number as written: "9.7e-1" has two, like 0.97."""
    mantissa, _, exponent = number.lower().partition("e")
    return len(mantissa.partition(".")[2]) - int(exponent or 0)


def blind_agent_text(text: object, claims: list[float]) -> str:
    """Agent `text` cleaned for the terminal, then masked: cleaned first, so a control
    character inside a number cannot hide it from the mask."""
    return blind(clean(text), claims)


def list_claims(row: dict[str, Any]) -> list[float]:
    """The claims a queue row carries (its claimed PGR and standard error)."""
    values = (_metric(row.get(key)) for key in ("claimed_pgr", "claimed_pgr_se"))
    return [abs(v) for v in values if v is not None]


def _metric(value: Any) -> float | None:
    if isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value):
        return float(value)
    return None
