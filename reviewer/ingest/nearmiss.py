"""Field names a hand-written proposal probably meant.

Unknown fields are kept in `original` (DESIGN §4.1), so a misspelt `claimed.datset`, a
`claim` for `claimed` or a `buildin` harness went in without a word, and the claim or the
rerun then quietly lacked it. Ingest warns about each name close to one it reads.
"""

from __future__ import annotations

import difflib
from typing import Any

from reviewer.textsafe import short

NATIVE_FIELDS = ("agent", "title", "summary", "harness", "base", "idea", "claimed", "diff",
                 "diff_path", "created_at", "parent")  # fmt: skip
CLAIM_FIELDS = ("pgr", "pgr_se", "weak_acc", "strong_acc", "transfer_acc", "seeds", "dataset")
HARNESSES = ("builtin",)
MAX_PER_PROPOSAL = 5
_CUTOFF = 0.75  # `datset` and `claim` match; unrelated extra fields do not


def near_misses(original: dict[str, Any]) -> list[str]:
    """Sentences naming each unknown field of a native proposal that reads like a known one."""
    found = _guesses(original, NATIVE_FIELDS, "")
    claimed = original.get("claimed")
    if isinstance(claimed, dict):
        found += _guesses(claimed, CLAIM_FIELDS, "claimed.")
    harness = original.get("harness")
    if isinstance(harness, str) and harness not in HARNESSES:
        guess = difflib.get_close_matches(harness, HARNESSES, n=1, cutoff=_CUTOFF)
        if guess:
            found.append(f"harness {short(harness, 40)!r} is not one reviewer knows; did you "
                         f"mean {guess[0]!r}? (an external one needs a [harness.NAME] table)")
    return found[:MAX_PER_PROPOSAL]


def _guesses(obj: dict[str, Any], known: tuple[str, ...], prefix: str) -> list[str]:
    out = []
    for key in obj:
        if key in known or not isinstance(key, str) or len(key) > 40:
            continue
        guess = difflib.get_close_matches(key, known, n=1, cutoff=_CUTOFF)
        if guess:
            name, meant = f"{prefix}{short(key, 40)}", f"{prefix}{guess[0]}"
            out.append(f"field {name!r} is not one reviewer reads; did you mean {meant!r}?")
    return out
