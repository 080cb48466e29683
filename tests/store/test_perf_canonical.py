"""`canonical_json` and `json_text` write exactly what `json.dumps` with their settings writes.

canonical_json escapes long text with json_text, at the top level and one object down (a
proposal's identity holds its original object); json_text remembers the last few texts it
wrote. Every hash in the store rests on these bytes, so each is compared with json's own
output, or the error json raises, on tricky inputs.
"""

from __future__ import annotations

import json
from collections import OrderedDict
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from store.model import canonical_json, identity_hash, json_text, sha256_hex
from tests.ingest.test_perf_json_text import outcome, tricky_text

_TRICKY = st.sampled_from(
    ['"', "\\", "\\n", "\n", "\r", "\t", "\x00", "\x1f", "\x7f", "\u2028", "\u2029", "\u00a0",
     "\ufeff", "é", "\U0001f600", "\ud800", "\udfff", "a", " ", "/", "</script>"]
)
# Long text: json_text's str.replace path starts at a few hundred characters.
_TEXT = st.one_of(st.text(max_size=20), tricky_text(min_repeats=10))
_SCALAR = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), _TEXT)
_KEY = st.one_of(st.text(max_size=8), _TRICKY)
_JSON = st.recursive(
    _SCALAR,
    lambda inner: st.one_of(st.lists(inner, max_size=4),
                            st.dictionaries(_KEY, inner, max_size=5)),
    max_leaves=16,
)


def _plain(value: Any) -> str:
    return json.dumps(
        value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


@settings(max_examples=150)
@given(_JSON)
def test_canonical_json_writes_what_json_dumps_writes(value: Any) -> None:
    assert outcome(canonical_json, value) == outcome(_plain, value)


@settings(max_examples=100)
@given(st.dictionaries(_KEY, _JSON, max_size=6), st.dictionaries(_KEY, _JSON, max_size=6), _TEXT)
def test_an_object_in_an_object_is_written_as_json_writes_it(
    outer: dict[str, Any], inner: dict[str, Any], text: str
) -> None:
    inner["content"] = "## Idea\n" + text * 3
    outer["object"] = inner
    assert outcome(canonical_json, outer) == outcome(_plain, outer)
    # Deeper down, json's encoder writes it all.
    deeper = {"a": {"b": {"c": "x" * 300, "d": text}}}
    assert canonical_json(deeper) == _plain(deeper)


@pytest.mark.parametrize(
    "value",
    [{}, [], "x" * 300, {"t": "x" * 300, 1: "y"}, {"t": "x" * 300, "n": float("nan")},
     {"o": {"t": "x" * 300, "inf": float("-inf")}}, {"o": {"t": "x" * 300, "s": {1}}},
     {"o": {2: "x" * 300, "k": 1}}, {"t": "x" * 300, "b": b"bytes"},
     OrderedDict([("z", "x" * 300), ("a", 1)]), {"o": OrderedDict([("z", "x" * 300)])},
     {"t": "\ud800" * 300, "u": "\x00" * 300}, {"": "x" * 300, "\ud800": "y" * 300},
     {"o": {"x": True, "y": None, "z": -0.0, "w": 10**30, "t": "\u2028" * 300}}],
)
def test_odd_values_are_written_or_refused_as_json_does(value: Any) -> None:
    assert outcome(canonical_json, value) == outcome(_plain, value)


def test_a_circular_original_is_refused_as_json_refuses_it() -> None:
    inner: dict[str, Any] = {"t": "x" * 300}
    inner["me"] = inner
    for value in (inner, {"object": inner}, {"a": {"object": inner}}):
        assert outcome(canonical_json, value) == outcome(_plain, value)


@settings(max_examples=80)
@given(st.dictionaries(st.text(max_size=8), _JSON, max_size=8), st.sampled_from(
    ["native", "sandbox_finding"]), st.one_of(st.none(), st.text(max_size=64)))
def test_identity_hash_is_the_hash_of_json_dumps(
    original: dict[str, Any], source_format: str, diff_sha: str | None
) -> None:
    original["content"] = "line\n" * 80
    identity: dict[str, Any] = {"format": source_format, "object": original}
    if source_format == "native" and "diff" not in original:
        identity["diff_sha256"] = diff_sha
    assert outcome(lambda _: identity_hash(source_format, original, diff_sha), None) == \
        outcome(lambda _: sha256_hex(_plain(identity)), None)


def test_json_text_remembers_a_text_by_itself_not_by_its_id() -> None:
    texts = ["a" * 300 + str(i) for i in range(20)]
    for text in texts * 2:
        assert json_text(text) == json.dumps(text, ensure_ascii=False)
    # A new text may reuse a freed one's id: it is written afresh.
    for i in range(50):
        text = "\n".join(["q" * 300, str(i)])
        assert json_text(text) == json.dumps(text, ensure_ascii=False)
        del text
