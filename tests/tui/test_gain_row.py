"""The measured gain over the naive baseline is shown beside its paired p-value."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from reviewer.commands.rerun import rerun_summary
from reviewer.widgets.claim_panel import claim_renderable

RERUN = {"id": 3, "state": "done", "verdict": "reproduced", "pgr_mean": 0.6, "pgr_se": 0.02,
         "pgr_ci": [0.55, 0.65], "baseline_pgr_mean": 0.25, "per_seed": [],
         "seeds": [1, 2, 3]}


def gain_row(hide_claim: bool = False, **result: object) -> list[str]:
    """The claimed and measured cells of the panel's gain row."""
    data = {"claimed": {"pgr": 0.6, "pgr_se": 0.02}, "reruns": [{**RERUN, **result}]}
    console = Console(width=160, file=io.StringIO(), record=True, markup=False)
    console.print(claim_renderable(data, hide_claim=hide_claim))
    line = next(line.strip() for line in console.export_text().splitlines()
                if line.strip().startswith("gain over naive"))
    return line.removeprefix("gain over naive").split(None, 1)


@pytest.mark.parametrize(("gain", "p", "shown"), [
    (0.35, 0.001, "+0.350 (paired p 0.0010)"),
    (-0.12, 0.03, "-0.120 (paired p 0.0300)"),
    (0.35, None, "+0.350"),
    (None, 0.2, "- (paired p 0.2000)"),
    (None, None, "-"),
])
def test_the_gain_row_shows_the_signed_gain_with_its_paired_p(gain, p, shown):
    assert gain_row(gain_mean=gain, gain_p_value=p) == ["-", shown]


def test_blinded_review_shows_the_measured_gain_as_it_shows_the_naive_baseline():
    # Both are measured, not claimed: blinding hides the claim column only.
    row = gain_row(hide_claim=True, gain_mean=0.35, gain_p_value=0.001)
    assert row == ["-", "+0.350 (paired p 0.0010)"]


def test_show_prints_the_gain_beside_the_paired_p():
    line = rerun_summary({**RERUN, "gain_mean": 0.35, "gain_p_value": 0.001})
    assert line.endswith("naive 0.250  gain +0.350 (paired p 0.001)")
    worse = rerun_summary({**RERUN, "gain_mean": -0.05, "gain_p_value": 0.4})
    assert worse.endswith("naive 0.250  gain -0.050 (paired p 0.4)")
    # An external harness has no paired baseline: no gain, no p.
    assert rerun_summary({**RERUN, "gain_mean": None, "gain_p_value": None}).endswith(
        "naive 0.250  paired p -")
