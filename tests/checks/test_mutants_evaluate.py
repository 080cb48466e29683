"""evaluate pinned where mutation testing found it unpinned: subscripts and slices, unary
operators, concatenation, and the size caps that keep a hostile expression small."""

from __future__ import annotations

import ast

import pytest

from reviewer.checks.evaluate import (
    MAX_EVAL_DEPTH,
    MAX_ITEMS,
    MAX_TEXT,
    Evaluator,
    Unfoldable,
    Value,
)
from reviewer.checks.scope import Scope


def _value(expr: str) -> Value:
    """What the evaluator makes of `expr` in an empty module."""
    return Evaluator(Scope([ast.parse("")])).value(ast.parse(expr, mode="eval").body, {})


def _unfoldable(expr: str) -> None:
    with pytest.raises(Unfoldable):
        _value(expr)


def _folds(expr: str) -> set[str]:
    """What a scan's folding makes of `expr`, failures included (they fold to nothing)."""
    return Scope([ast.parse("")]).fold(ast.parse(expr, mode="eval").body)


@pytest.mark.parametrize(("expr", "expected"), [
    ("'abcdef'[2]", "c"),
    ("(10, 20, 30)[-1]", 30),
    ("'abcdef'[1:4]", "bcd"),
    ("'abcdef'[:2]", "ab"),
    ("'abcdef'[4:]", "ef"),
    ("'abcdef'[1:5:2]", "bd"),
    ("'abcdef'[::-2]", "fdb"),
    ("(1, 2, 3, 4)[1:3]", (2, 3)),
])
def test_subscripts_and_slices_give_what_python_gives(expr: str, expected: Value) -> None:
    """An index or a slice of a constant string or tuple is evaluated as Python would."""
    assert _value(expr) == expected


@pytest.mark.parametrize("expr", ["(5)[0]", "'abc'['a']", "'abc'[1:'a']", "'abc'[::'x']"])
def test_a_subscript_that_is_not_an_int_on_a_sequence_does_not_fold(expr: str) -> None:
    """Indexing an int, or indexing or slicing with a string, is refused, not guessed."""
    _unfoldable(expr)


def test_an_index_out_of_range_folds_to_nothing() -> None:
    """`'abc'[5]` raises in Python; folding it gives no string rather than a wrong one."""
    assert _folds("''.join(c for c in 'abc'[5])") == set()
    assert _folds("''.join(c for c in 'abc'[2])") == {"c"}


@pytest.mark.parametrize(("expr", "expected"), [
    ("-5", -5), ("+5", 5), ("~5", -6), ("-(-7)", 7), ("~-1", 0),
    (f"-{2**31 - 1}", -(2**31 - 1)),
])
def test_unary_minus_plus_and_invert_on_ints(expr: str, expected: int) -> None:
    """-, + and ~ of an int give Python's answer, within the int cap."""
    assert _value(expr) == expected


@pytest.mark.parametrize("expr", ["-'a'", "~'a'", "-(1,)", "not 1", f"~{2**31 - 1}"])
def test_unary_on_a_non_int_or_past_the_cap_does_not_fold(expr: str) -> None:
    """A unary op on a string or tuple, `not`, and ~(2**31-1) = -2**31 are refused."""
    _unfoldable(expr)


def test_a_unary_minus_builds_a_hidden_name() -> None:
    """`chr(-c)` over negated codes folds to the string they spell."""
    assert _folds("''.join(chr(-c) for c in (-47, -112, -114, -111, -99))") == {"/proc"}


@pytest.mark.parametrize(("expr", "expected"), [
    ("'ab' + 'cd'", "abcd"),
    ("(1,) + (2, 3)", (1, 2, 3)),
    ("'' + 'x'", "x"),
    ("1 + 2", 3),
    ("1 + 100", 101),
    ("1 << 0", 1),
])
def test_concatenation_of_like_values(expr: str, expected: Value) -> None:
    """+ joins two strings or two tuples, and adds two ints (the shift-count cap of 0..64
    applies to shifts only)."""
    assert _value(expr) == expected


@pytest.mark.parametrize("expr", ["2 ** 3", "7 / 2", "'a' + 1", "1 + 'a'", "(1,) + 'a'",
                                  "'a' + (1,)", "'ab' - 'b'", "'ab' * 'b'", "(1,) - (1,)"])
def test_mixed_or_non_add_operations_on_sequences_do_not_fold(expr: str) -> None:
    """Powers and true division, a string plus an int or a tuple, and -/* between
    sequences, are refused (not raised as an error the scan would trip on)."""
    _unfoldable(expr)


def test_concatenation_is_capped_at_max_text() -> None:
    """Two strings joined by + fold up to MAX_TEXT characters, and no further."""
    half = MAX_TEXT // 2
    assert _value(f"'a' * {half} + 'b' * {half}") == "a" * half + "b" * half
    _unfoldable(f"'a' * {half} + 'b' * {half + 1}")


def test_tuple_concatenation_is_capped_at_max_items() -> None:
    """Two tuples joined by + fold up to MAX_ITEMS items, and no further."""
    half = MAX_ITEMS // 2
    assert _value(f"(1,) * {half} + (2,) * {half}") == (1,) * half + (2,) * half
    _unfoldable(f"(1,) * {half} + (2,) * {half + 1}")


CAPS = [
    ("text_repeat", f"'x' * {MAX_TEXT}", f"'x' * {MAX_TEXT + 1}"),
    ("text_repeat_of_two", f"'xy' * {MAX_TEXT // 2}", f"'xy' * {MAX_TEXT // 2 + 1}"),
    ("tuple_repeat", f"(0,) * {MAX_ITEMS}", f"(0,) * {MAX_ITEMS + 1}"),
    ("int_up", f"{2**31 - 2} + 1", f"{2**31 - 1} + 1"),
    ("int_down", f"-{2**31 - 2} - 1", f"-{2**31 - 1} - 1"),
    ("left_shift", "1 << 30", "1 << 31"),
    ("right_shift", "1 >> 64", "1 >> 65"),
    ("range", f"len(range({MAX_ITEMS}))", f"len(range({MAX_ITEMS + 1}))"),
    ("comprehension", f"len([0 for a in range(2) for b in range({MAX_ITEMS // 2})])",
     f"len([0 for a in range(2) for b in range({MAX_ITEMS // 2 + 1})])"),
    ("tuple_literal", f"len(({'0,' * MAX_ITEMS}))", f"len(({'0,' * (MAX_ITEMS + 1)}))"),
]


@pytest.mark.parametrize(("ok", "too_big"), [c[1:] for c in CAPS], ids=[c[0] for c in CAPS])
def test_size_caps_sit_exactly_at_their_limits(ok: str, too_big: str) -> None:
    """Each cap lets a value of exactly its size fold and refuses one a step bigger."""
    _value(ok)
    _unfoldable(too_big)


def test_a_repeat_count_below_zero_or_a_shift_below_zero_does_not_fold() -> None:
    """`'ab' * -1` and `1 << -1` are refused; `'ab' * 0` is the empty string."""
    assert _value("'ab' * 0") == ""
    _unfoldable("'ab' * -1")
    _unfoldable("1 << -1")
    _unfoldable("1 >> -1")


def test_a_join_is_capped_counting_its_separators() -> None:
    """A join whose parts plus separators pass MAX_TEXT is refused, though its parts fit."""
    sep = "x" * 8
    parts = MAX_TEXT // (1 + len(sep))  # 455 one-letter parts: 455 + 8 * 455 = 4095
    assert len(str(_value(f"'{sep}'.join(('a',) * {parts})"))) == parts + len(sep) * (parts - 1)
    _unfoldable(f"'{sep}'.join(('a',) * {parts + 1})")  # 456 + 8 * 456 = 4104
    _unfoldable(f"''.join(('a' * {MAX_TEXT}, 'b'))")
    assert len(str(_value(f"''.join(('abcdefgh',) * {MAX_TEXT // 8})"))) == MAX_TEXT


def test_bytes_constants_are_text_and_long_constants_are_refused() -> None:
    """A bytes literal is read as latin-1 text; a string literal over MAX_TEXT is refused."""
    assert _value("b'/pr\\xe9c'") == "/pr\u00e9c"
    assert _value(f"'{'z' * MAX_TEXT}'") == "z" * MAX_TEXT
    _unfoldable(f"'{'z' * (MAX_TEXT + 1)}'")


def test_nesting_is_capped_at_max_eval_depth() -> None:
    """MAX_EVAL_DEPTH nested operators fold; one more is refused."""
    assert _value("-" * MAX_EVAL_DEPTH + "5") == 5
    _unfoldable("-" * (MAX_EVAL_DEPTH + 1) + "5")


def test_one_expression_has_its_own_step_budget() -> None:
    """An expression of ~1,800 steps folds; one of ~3,000 is refused by the per-expression
    budget (MAX_STEPS) though the module's budget has room for it."""
    assert _value("len([0 for a in range(6) for b in range(300) if 0])") == 0
    _unfoldable("len([0 for a in range(10) for b in range(300) if 0])")
