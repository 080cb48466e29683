"""`validate` accepts and refuses each check's detail exactly as json.dumps did.

It skips the dump for a detail of plain values (`_plain`), which json always writes; the
stored detail is written by a prebuilt encoder. Both are compared with json here.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from store.checks import _DETAIL, _plain, validate
from store.errors import StoreError

_VALUE = st.one_of(
    st.none(), st.booleans(), st.integers(), st.integers(min_value=10**4000,
                                                         max_value=10**4400),
    st.floats(), st.text(), st.lists(st.integers(), max_size=3), st.binary(max_size=3),
    st.sets(st.integers(), max_size=2), st.dictionaries(st.text(max_size=3), st.floats(),
                                                        max_size=2),
)
_DETAILS = st.dictionaries(st.one_of(st.text(max_size=5), st.integers(), st.floats(),
                                     st.booleans(), st.none()), _VALUE, max_size=5)


def _old_verdict(detail: dict[Any, Any]) -> str | None:
    try:
        json.dumps(detail, allow_nan=False)
    except (TypeError, ValueError) as exc:
        return f"checks[0].detail: not JSON ({exc})"
    return None


def _verdict(detail: dict[Any, Any]) -> str | None:
    try:
        validate([{"code": "c", "severity": "low", "message": "m", "detail": detail}])
    except StoreError as exc:
        return str(exc)
    return None


@settings(max_examples=600)
@given(_DETAILS)
def test_a_detail_is_accepted_or_refused_as_json_dumps_did(detail: dict[Any, Any]) -> None:
    assert _verdict(detail) == _old_verdict(detail)
    if _plain(detail):
        assert _old_verdict(detail) is None


@pytest.mark.parametrize(
    "detail",
    [{}, {"a": float("nan")}, {"a": float("inf")}, {"a": 2**64}, {"a": 2**70},
     {"a": 10**5000}, {"a": -(2**64)}, {1: "x"}, {"a": "\ud800"}, {"a": {1}}, {"a": b"x"},
     {"a": [float("nan")]}, {"a": True, "b": None, "c": -0.0, "d": 1e308}],
)
def test_odd_details_are_judged_as_before(detail: dict[Any, Any]) -> None:
    assert _verdict(detail) == _old_verdict(detail)


@settings(max_examples=300)
@given(st.dictionaries(st.text(max_size=5), st.one_of(st.none(), st.booleans(), st.integers(),
                                                      st.floats(), st.text()), max_size=5))
def test_the_stored_detail_is_what_json_dumps_wrote(detail: dict[str, Any]) -> None:
    assert _DETAIL.encode(detail) == json.dumps(detail, sort_keys=True)
