"""The claim checks' faster helpers answer exactly what the code they replace answered.

`_half_unit` reads a float's last printed digit off its repr instead of building a Decimal,
and `_distinct` counts plain integer seeds as a set; each is compared with the original on
every kind of value, hand-picked and generated.
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from reviewer.checks import claims
from reviewer.ingest.claims import distinct_seeds


def _old_half_unit(value: Any) -> float:
    try:
        exponent = Decimal(repr(value)).as_tuple().exponent
    except (InvalidOperation, ValueError):
        return 0.0
    return 0.5 * 10.0 ** max(min(int(exponent), -1), -12) if isinstance(exponent, int) else 0.0


def _same(a: float, b: float) -> bool:
    return repr(a) == repr(b) or (math.isnan(a) and math.isnan(b))


@pytest.mark.parametrize(
    "value",
    [0.1, 1e-05, 1.5e-07, 1e16, 1e22, 123.0, 0.7377, -0.0, 0.0, 5e-324, 1.7976931348623157e308,
     2.5e-13, 1e-12, 1e-13, 0.5, 1, 0, -7, 10**40, True, False, None, "0.5", [0.5],
     float("nan"), float("inf"), -float("inf"), Decimal("0.25")],
)
def test_half_unit_of_odd_values_is_as_before(value: Any) -> None:
    assert _same(claims._half_unit(value), _old_half_unit(value))


class _Float(float):
    def __repr__(self) -> str:
        return "0.123"


@settings(max_examples=600)
@given(st.one_of(st.floats(), st.integers(), st.floats(0, 1).map(lambda v: round(v, 4)),
                 st.decimals(allow_nan=False).map(float), st.booleans(),
                 st.floats(allow_nan=False).map(_Float)))
def test_half_unit_is_what_decimal_said(value: Any) -> None:
    assert _same(claims._half_unit(value), _old_half_unit(value))


@settings(max_examples=250)
@given(st.lists(st.one_of(st.integers(), st.integers(0, 5), st.booleans(), st.floats(),
                          st.text(max_size=2), st.none()), max_size=12))
def test_distinct_counts_seeds_as_distinct_seeds_does(seeds: list[Any]) -> None:
    assert claims._distinct(seeds) == distinct_seeds(seeds)
    ints = [s for s in seeds if type(s) is int]
    assert claims._distinct(ints) == distinct_seeds(ints)
