"""Extreme claimed numbers: every figure stays a few characters long and no mean overflows."""

from __future__ import annotations

import re
import sys

import pytest

from reviewer.report import fmt, html, markdown
from reviewer.report.collect import collect, finite, mean_gap
from store import ReviewStore
from tests.report.helpers import add, finish_rerun, rerun_result

FIXED = "2026-02-01T00:00:00+00:00"
HUGE = 1.7e308
LONG_DIGITS = re.compile(r"\d{20,}")


def huge_claims(store: ReviewStore) -> list[str]:
    """Two rejected proposals by agent-1 claiming a PGR of 1.7e308, each rerun and measured."""
    ids = [add(store, i, HUGE) for i in (1, 4)]
    for pid in ids:
        finish_rerun(store, pid, rerun_result(store, pid, 0.61))
        store.reject(pid, reason="inflated", actor="bob@example.org")
    return ids


@pytest.mark.parametrize(
    ("value", "places", "expected"),
    [
        (0.61, 3, "0.610"),
        (-0.0, 3, "-0.000"),
        (0.0004, 3, "0.000"),
        (0.02531, 4, "0.0253"),
        (999999.0, 3, "999999.000"),
        (HUGE, 3, "1.7e+308"),
        (-1234567.0, 3, "-1.23e+06"),
        (1e-320, 3, "1e-320"),
        (-1e-300, 3, "-1e-300"),
        (float("inf"), 3, "—"),
        (10**400, 3, "—"),
    ],
    ids=lambda v: repr(v)[:24],
)
def test_num_is_fixed_for_ordinary_values_and_short_for_extreme_ones(value, places, expected):
    assert fmt.num(value, places) == expected


def test_signed_and_wall_time_are_bounded():
    assert fmt.signed(0.3) == "+0.300" and fmt.signed(-0.01) == "-0.010"
    assert fmt.signed(HUGE) == "+1.7e+308"
    assert fmt.signed(float("inf")) == "—" and fmt.signed(None) == "—"
    assert fmt.env_line({"wall_s": 12.5}).endswith("12.5 s")
    assert fmt.env_line({"wall_s": 1e300}).endswith("1e+300 s")


def test_mean_gap_cannot_overflow():
    assert mean_gap([]) is None
    assert mean_gap([(0.61, 0.60), (0.90, 0.60)]) == pytest.approx(0.155)
    assert mean_gap([(HUGE, 0.6), (HUGE, 0.6)]) == pytest.approx(HUGE)
    assert mean_gap([(sys.float_info.max, -sys.float_info.max)]) == sys.float_info.max
    assert finite(mean_gap([(-HUGE, HUGE)] * 3)) == -sys.float_info.max


def test_agents_overclaim_of_huge_claims_is_finite(mem_store):
    huge_claims(mem_store)
    (row,) = collect(mem_store).agents()
    assert row.overclaim == pytest.approx(HUGE - 0.6)


def test_markdown_report_prints_huge_claims_briefly(mem_store):
    ids = huge_claims(mem_store)
    text = markdown.render(collect(mem_store, clock=lambda: FIXED))
    assert "| agent-1 | 2 | 0 | 2 | 2 | 0 | 0 | 0 | 0 | +1.7e+308 |" in text
    assert "+inf" not in text
    for pid in ids:
        row = next(line for line in text.splitlines() if f"`{pid[:12]}`" in line)
        assert "| 1.7e+308 ± 0.020 |" in row
    assert LONG_DIGITS.findall(text) == []


def test_html_report_prints_huge_claims_briefly(mem_store):
    huge_claims(mem_store)
    page = html.render(collect(mem_store, clock=lambda: FIXED))
    assert '<td class="n">+1.7e+308</td>' in page and "+inf" not in page
    assert "1.7e+308 ± 0.020" in page
    assert LONG_DIGITS.findall(page) == []  # the plot's tooltips included
