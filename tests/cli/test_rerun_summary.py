"""The `rerun` command's text summary says how the teacher-shuffle ablation came out."""

from __future__ import annotations

from reviewer.commands.rerun import rerun_summary

DONE = {"id": 4, "state": "done", "verdict": "reproduced", "pgr_mean": 0.6, "pgr_se": 0.02,
        "pgr_ci": [0.55, 0.65], "baseline_pgr_mean": 0.25, "gain_p_value": 0.001}


def test_each_ablation_outcome_has_its_word():
    def line(ablation: dict) -> str:
        return rerun_summary({**DONE, "ablation": {"pgr_mean": -0.8, "real_pgr_mean": 0.6,
                                              **ablation}}).splitlines()[1]

    assert "ablation: passed," in line({"passed": True, "outcome": "passed"})
    assert "ablation: INCONCLUSIVE," in line({"passed": False, "outcome": "inconclusive"})
    assert "ablation: FAILED," in line({"passed": False, "outcome": "no_drop"})
    assert "ablation: FAILED," in line({"passed": False})  # stored before `outcome` existed


def test_a_rerun_without_a_claim_says_so_instead_of_none():
    from reviewer.present import rerun_line

    done = {**DONE, "verdict": None, "seeds": [1, 2]}
    assert rerun_summary(done).startswith("job 4: measured (no claim)  PGR 0.600")
    assert "no claim: PGR 0.600" in rerun_line(done)
    assert "verdict hidden: PGR" in rerun_line(done, hide_verdict=True)
    assert "PGR" not in rerun_line({**done, "pgr_mean": None, "state": "failed"})


def test_a_one_seed_rerun_of_a_claim_says_one_seed_not_no_claim():
    from reviewer.present import rerun_line

    one = {**DONE, "verdict": None, "seeds": [1], "per_seed": [{"seed": 1, "pgr": 0.6}],
           "notes": ["one seed (0.600): no interval, so no verdict; rerun on 2 or more seeds"]}
    assert rerun_summary(one).startswith("job 4: measured (one seed, no verdict)  PGR 0.600")
    assert "one seed, no verdict: PGR 0.600" in rerun_line(one)
    unclaimed = {**one, "notes": ["no claimed PGR to compare"]}
    assert rerun_summary(unclaimed).startswith("job 4: measured (no claim)")
