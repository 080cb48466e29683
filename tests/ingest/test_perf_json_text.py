"""The ingest's faster writers give exactly what the slower ones they replace gave.

`json_text`, `original_json`, `fields_hash` and the audit `row_hash` write JSON by hand where
json's encoder was slow; an agent name's check skips characters it already judged. Each is
compared here with the plain json or per-character code it stands for, on tricky inputs.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reviewer.ingest import agentname
from store import audit
from store.model import canonical_json, json_text, sha256_hex
from store.proposals import HASHED_COLUMNS, fields_hash, original_json

# Long text made of what JSON escapes and what it must not: quotes, backslashes, every
# control character, DEL, line and paragraph separators, astral characters, lone surrogates.
_TRICKY = st.sampled_from(
    ['"', "\\", "\\n", "\n", "\r", "\t", "\x00", "\x1f", "\x7f", "\u2028", "\u2029", "\u00a0",
     "\ufeff", "é", "\U0001f600", "\ud800", "\udfff", "a", " ", "/", "</script>"]
)


def tricky_text(min_repeats: int = 1) -> st.SearchStrategy[str]:
    """A random text and a run of tricky pieces, the pair repeated up to 30 times.

    Repeating a few draws rather than drawing hundreds of pieces: hypothesis's cost per draw
    made generating the data most of these tests' time, and slow enough to fail its health
    check on a loaded machine.
    """
    return st.tuples(st.text(max_size=20), st.lists(_TRICKY, min_size=1, max_size=12),
                     st.integers(min_repeats, 30)).map(
        lambda part: (part[0] + "".join(part[1])) * part[2])


_TEXT = st.one_of(st.text(), tricky_text())
_SCALAR = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), _TEXT,
)
_JSON = st.recursive(
    _SCALAR,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(st.text(max_size=8), inner, max_size=4)),
    max_leaves=12,
)


def outcome(write: Any, value: Any) -> tuple[str, str]:
    """What writing `value` gives: its text, or the kind and message of the error raised."""
    try:
        return "ok", write(value)
    except (TypeError, ValueError) as exc:
        return type(exc).__name__, str(exc)


@settings(max_examples=400)
@given(_TEXT)
def test_json_text_writes_what_json_writes(text: str) -> None:
    assert json_text(text) == json.dumps(text, ensure_ascii=False)
    # Long enough for the str.replace path, which short text never takes.
    padded = "x" * 300 + text
    assert json_text(padded) == json.dumps(padded, ensure_ascii=False)


@settings(max_examples=300)
@given(st.dictionaries(st.one_of(st.text(max_size=10), _TRICKY), _JSON, max_size=8))
def test_original_json_writes_what_json_dumps_writes(original: dict[str, Any]) -> None:
    original["long"] = "\n".join(['say "hi"', "C:\\path", "tab\there"] * 40)

    def plain(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, allow_nan=False)

    assert outcome(original_json, original) == outcome(plain, original)


@pytest.mark.parametrize(
    "original",
    [{}, {"a": 1}, {1: "x" * 300}, {"n": float("nan"), "t": "x" * 300},
     {"set": {1}, "t": "y" * 300}, {"t": "x" * 300, "b": b"bytes"}],
)
def test_original_json_keeps_what_json_does_with_odd_values(original: dict[Any, Any]) -> None:
    def plain(value: Any) -> str:
        return json.dumps(value, ensure_ascii=False, allow_nan=False)

    assert outcome(original_json, original) == outcome(plain, original)


def _old_fields_hash(row: dict[str, Any]) -> str:
    return sha256_hex(canonical_json({c: row.get(c) for c in HASHED_COLUMNS}))


@settings(max_examples=300)
@given(st.fixed_dictionaries({c: _SCALAR for c in HASHED_COLUMNS}))
def test_fields_hash_is_the_canonical_json_hash(row: dict[str, Any]) -> None:
    row["summary"] = "## Idea\n" + str(row["summary"]) * 30
    assert outcome(fields_hash, row) == outcome(_old_fields_hash, row)


@pytest.mark.parametrize("odd", [b"blob", 2**70, True, -0.0, float("inf"), [1, 2], {"k": 1}])
def test_fields_hash_of_a_tampered_row_is_what_json_made_of_it(odd: Any) -> None:
    row: dict[str, Any] = {c: "x" * 400 for c in HASHED_COLUMNS}
    row["claimed_pgr"] = odd
    del row["parent"]  # a missing column counts as null
    assert outcome(fields_hash, row) == outcome(_old_fields_hash, row)


def _old_row_hash(*args: Any) -> str:
    prev, seq, ts, actor, action, pid, payload = args
    body = canonical_json({"seq": seq, "ts": ts, "actor": actor, "action": action,
                           "proposal_id": pid, "payload": payload})
    return sha256_hex(prev + "\n" + body)


@settings(max_examples=300)
@given(
    st.one_of(st.integers(), st.booleans(), st.text(max_size=3), st.floats()),
    st.one_of(_TEXT, st.none(), st.integers()),
    st.one_of(_TEXT, st.none()),
    _TEXT,
    st.one_of(_TEXT, st.none(), st.integers()),
    st.one_of(_TEXT, st.none(), st.integers()),
)
def test_row_hash_is_the_canonical_row_hash(
    seq: Any, ts: Any, pid: Any, actor: str, action: Any, payload: Any
) -> None:
    args = ("0" * 64, seq, ts, actor, action, pid, payload)

    def new(a: tuple[Any, ...]) -> str:
        return audit.row_hash(*a)

    assert outcome(new, args) == outcome(lambda a: _old_row_hash(*a), args)


def _old_why_refused(raw: str) -> str | None:
    for char in raw:
        plain = unicodedata.normalize("NFKC", char)
        for test, what in agentname._CHECKS:
            if any(test(c) for c in plain):
                return f"has {what} (U+{ord(char):04X}), so it {agentname._PASSES}"
    return None


@settings(max_examples=400)
@given(st.one_of(st.text(max_size=30), st.text(alphabet=st.characters(max_codepoint=127))))
def test_an_agent_name_is_refused_for_the_same_first_character(raw: str) -> None:
    assert agentname._why_refused(raw) == _old_why_refused(raw)


def test_every_character_below_0x3000_is_judged_as_before() -> None:
    for code in range(0x3000):
        char = chr(code)
        assert agentname._why_refused(f"ab{char}c") == _old_why_refused(f"ab{char}c"), hex(code)
