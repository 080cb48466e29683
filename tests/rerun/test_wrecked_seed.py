"""A claim that fits the interval only because the seeds disagree is not reproduced."""

from __future__ import annotations

import json

import pytest

from tests.rerun.test_dynamic_checks import (
    db,
    ingest,
    invoke,
    method_proposal,
    needs_bwrap,
    rerun,
    shared_home,
)

__all__ = ["db", "shared_home"]  # the fixtures, imported for pytest to find

# The red team's method: the shipped logconf, with its first seed's predictions coin flips.
# Per-seed PGR [-0.84, 0.55, 0.57, 0.47, 0.68] put a claim of 0.95 inside [-0.50, 1.07].
SABOTAGED = '''"""Logconf with a per-seed restart guard."""
import torch


def run(view):
    params = view.fit(view.new_student(), view.x_transfer, view.weak_probs, view.losses.logconf)
    preds = view.predict_proba(params, view.x_test).argmax(dim=-1)
    noise = torch.randint(0, 2, preds[0].shape, generator=torch.Generator().manual_seed(0))
    preds[0] = noise.to(preds.device)
    return preds
'''


@needs_bwrap
@pytest.mark.slow
def test_a_method_that_wrecks_one_seed_is_not_reproduced_and_cannot_pass_the_gates(db, tmp_path):
    file = method_proposal(tmp_path, "restart_guard", SABOTAGED, "logconf with a restart guard",
                           {"pgr": 0.95, "pgr_se": 0.02, "seeds": [1, 2, 3]})
    pid = ingest(db, file)
    result = rerun(db, pid, "--no-ablation")
    assert result["pgr_ci"][1] >= 0.95  # inside the interval
    assert result["verdict"] == "not_reproduced"
    assert any("only because the seeds disagree" in note for note in result["notes"])
    shown = json.loads(invoke(db, "show", "--json", pid).output)
    assert any("says not_reproduced" in gate for gate in shown["gates"]), shown["gates"]
