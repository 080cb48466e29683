"""The claim panel shows the rerun's teacher-shuffle ablation and held-out tasks."""

from __future__ import annotations

import io

from rich.console import Console

from reviewer.widgets.claim_panel import claim_renderable


def render(data: dict) -> str:
    console = Console(width=160, file=io.StringIO(), record=True, markup=False)
    console.print(claim_renderable(data))
    return console.export_text()


def view(**result) -> dict:
    rerun = {"state": "done", "pgr_mean": 0.59, "pgr_se": 0.02, "verdict": "reproduced",
             "per_seed": [], "seeds": [1, 2, 3], **result}
    return {"claimed": {"pgr": 0.6, "pgr_se": 0.02}, "reruns": [rerun]}


def test_ablation_passed_and_heldout_tasks():
    text = render(view(
        ablation={"passed": True, "real_pgr_mean": 0.59, "pgr_mean": -0.85, "drop": 1.44,
                  "p_value": 0.0005},
        heldout=[{"task": "imbalanced", "pgr_mean": 0.61, "pgr_se": 0.03,
                  "baseline_pgr_mean": 0.16, "gain": 0.45}],
    ))
    assert "teacher-shuffle ablation: passed" in text
    assert "0.590 → -0.850" in text
    assert "held-out imbalanced: PGR 0.610 ± 0.030, naive 0.160, gain 0.450" in text


def test_failed_and_missing_ablation_are_said_plainly():
    assert "teacher-shuffle ablation: FAILED" in render(view(ablation={"passed": False}))
    assert "teacher-shuffle ablation: not run" in render(view())


def test_inconclusive_ablation_is_not_called_failed():
    text = render(view(ablation={"passed": False, "outcome": "inconclusive", "drop": 0.93,
                                 "real_pgr_mean": 0.66, "pgr_mean": -0.27, "p_value": 0.13}))
    assert "teacher-shuffle ablation: INCONCLUSIVE" in text and "FAILED" not in text
    no_drop = render(view(ablation={"passed": False, "outcome": "no_drop", "drop": 0.0}))
    assert "teacher-shuffle ablation: FAILED" in no_drop


def test_no_rerun_offers_the_key_only_when_there_is_code_to_run():
    # A sandbox finding with no patch: `r` is off, so "press r" sent the reviewer nowhere.
    claimed = {"pgr": 0.6, "pgr_se": 0.02}
    assert "no rerun yet — press r" in render(
        {"claimed": claimed, "reruns": [], "diff_sha256": "ab" * 32})
    text = render({"claimed": claimed, "reruns": [], "diff_sha256": None})
    assert "no rerun: it carries no code to run" in text and "press r" not in text


def test_a_p_value_that_rounds_to_zero_reads_below_the_last_place():
    # "0.0000" read as a p of exactly zero: certainty no test gives.
    text = render(view(gain_p_value=4.8e-07, ablation={"passed": True, "real_pgr_mean": 0.59,
                                                       "pgr_mean": -0.85, "p_value": 0.0}))
    assert "gain over naive" in text and "< 0.0001" in text and "0.0000" not in text
    assert "0.0123" in render(view(gain_p_value=0.01234))


def test_a_rerun_refused_before_any_seed_ran_shows_no_measured_seeds():
    claimed = {"pgr": 0.6, "pgr_se": 0.02, "seeds": [1, 2, 3, 4, 5]}
    refused = {"state": "done", "verdict": "refused", "reason": "the diff is refused",
               "per_seed": [], "seeds": [1, 2, 3, 4, 5], "pgr_mean": None}
    seeds_row = next(line for line in render({"claimed": claimed, "reruns": [refused]})
                     .splitlines() if line.strip().startswith("seeds"))
    assert seeds_row.split() == ["seeds", "5", "-"]
