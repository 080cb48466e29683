"""A commit message as a proposal: subject, body, and the claim in git trailers.

    Raise the confidence floor as training goes on

    Body in Markdown: what changed and why it should help.

    Idea: logconf_ramp
    Claimed-PGR: 0.61 ± 0.02
    Seeds: 1,2,3,4,5

The last paragraph is read as trailers only when every line in it is `Key: value` (or a
continuation line starting with a space), as `git interpret-trailers` reads them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from reviewer.ingest.errors import IngestError

_LINE = re.compile(r"([A-Za-z0-9][A-Za-z0-9-]{0,63}):[ \t]*(.*)")
_NUMBER = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d{1,3})?"
_PGR = re.compile(rf"({_NUMBER})(?:\s*(?:±|\+/?-)\s*({_NUMBER}))?")
_SEED_PART = re.compile(r"(\d{1,9})(?:\s*-\s*(\d{1,9}))?")
MAX_SEEDS = 1000
# Trailer (lower case) -> the claim field it fills.
CLAIM_NUMBERS = {
    "claimed-pgr-se": "pgr_se",
    "claimed-weak-acc": "weak_acc",
    "claimed-strong-acc": "strong_acc",
    "claimed-transfer-acc": "transfer_acc",
}
TEXT = {"agent": "agent", "idea": "idea", "builds-on": "parent"}


@dataclass
class Message:
    """A commit message split into its subject, body and trailers."""

    title: str
    body: str
    trailers: list[tuple[str, str]] = field(default_factory=list)


def split_message(text: str) -> Message:
    """Subject (first paragraph, joined), body, and the trailer block if there is one."""
    paragraphs = [p for p in re.split(r"\n[ \t]*\n", text.strip("\n")) if p.strip()]
    if not paragraphs:
        return Message("", "")
    title = " ".join(line.strip() for line in paragraphs[0].splitlines()).strip()
    rest = paragraphs[1:]
    trailers = _trailers(rest[-1]) if rest else None
    if trailers is not None:
        rest = rest[:-1]
    return Message(title, "\n\n".join(rest).strip("\n"), trailers or [])


def _trailers(block: str) -> list[tuple[str, str]] | None:
    found: list[tuple[str, str]] = []
    for line in block.splitlines():
        if line[:1] in (" ", "\t") and found:
            found[-1] = (found[-1][0], f"{found[-1][1]} {line.strip()}")
            continue
        match = _LINE.fullmatch(line.rstrip())
        if match is None:
            return None
        found.append((match[1], match[2].strip()))
    return found


class Fields:
    """What the recognised trailers say; the rest are kept as they were written."""

    def __init__(self, trailers: list[tuple[str, str]], fail: Any) -> None:
        self.text: dict[str, str] = {}
        self.claimed: dict[str, Any] = {}
        self.other: list[list[str]] = []
        seen: set[str] = set()
        bad: list[IngestError] = []  # every bad trailer is named, not only the first
        for key, value in trailers:
            low = key.lower()
            known = low in TEXT or low in CLAIM_NUMBERS or low in ("claimed-pgr", "seeds",
                                                                   "dataset")
            try:
                if known and low in seen:
                    raise fail(f"trailer {key}", "given twice")
                seen.add(low)
                self._read(key, low, value, fail)
            except IngestError as exc:
                bad.append(exc)
        if len(bad) == 1:
            raise bad[0]
        if bad:
            also = "; ".join(f"{e.field}: {e.message}" for e in bad[1:])
            raise fail(bad[0].field or "trailer", f"{bad[0].message}; also {also}")

    def _read(self, key: str, low: str, value: str, fail: Any) -> None:
        if low in TEXT:
            self.text[TEXT[low]] = value
        elif low == "claimed-pgr":
            self._pgr(key, value, fail)
        elif low in CLAIM_NUMBERS:
            self.claimed[CLAIM_NUMBERS[low]] = _number(key, value, fail)
        elif low == "seeds":
            self.claimed["seeds"] = _seeds(key, value, fail)
        elif low == "dataset":
            self.claimed["dataset"] = value
        else:
            self.other.append([key, value])

    def _pgr(self, key: str, value: str, fail: Any) -> None:
        match = _PGR.fullmatch(value)
        if match is None:
            raise fail(f"trailer {key}", f"expected a number, or `number ± se`, got {value!r}")
        self.claimed["pgr"] = float(match[1])
        if match[2] is not None:
            if "pgr_se" in self.claimed:
                raise fail(f"trailer {key}", "the SE is also given as Claimed-PGR-SE")
            self.claimed["pgr_se"] = float(match[2])


def _number(key: str, value: str, fail: Any) -> float:
    if re.fullmatch(_NUMBER, value) is None:
        raise fail(f"trailer {key}", f"expected a number, got {value!r}")
    return float(value)


def _seeds(key: str, value: str, fail: Any) -> list[int]:
    seeds: list[int] = []
    for part in re.split(r"[,\s]+", value.strip()):
        match = _SEED_PART.fullmatch(part)
        if match is None:
            raise fail(f"trailer {key}", f"expected seeds such as 1,2,3 or 1-5, got {value!r}")
        lo = int(match[1])
        hi = int(match[2]) if match[2] is not None else lo
        if hi < lo or len(seeds) + hi - lo + 1 > MAX_SEEDS:
            raise fail(f"trailer {key}", f"expected at most {MAX_SEEDS} seeds in increasing "
                       f"ranges, got {value!r}")
        seeds.extend(range(lo, hi + 1))
    return seeds


def failure(where: str) -> Any:
    """An error factory naming `where` (a repository and commit) and the trailer."""

    def fail(field_name: str, message: str) -> IngestError:
        return IngestError(where, None, field_name, message)

    return fail
