"""Dynamic integrity checks of a rerun: leak signatures, teacher-shuffle ablation, held-out tasks.

The unit tests work on crafted arrays; the slow ones really run the sandbox at size 1 on CPU.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from reviewer.cli import cli
from reviewer.harness import salt, treehash
from reviewer.rerun import ablation, heldout, signatures
from tests.factories import new_file_diff

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "proposals"
SEEDS = [1, 2, 3]
needs_bwrap = pytest.mark.skipif(shutil.which("bwrap") is None,
                                 reason="bubblewrap not installed")
ECHO = '''"""Distillation with a calibration prior (it returns the teacher's test argmax)."""
import torch


def run(view):
    return view.weak_test_probs.argmax(dim=-1)
'''


def codes(checks: list) -> set[str]:
    return {c.code if hasattr(c, "code") else c["code"] for c in checks}


# ---- leak signatures on crafted arrays ----------------------------------------------------

def test_above_ceiling_fires_on_a_label_leak_and_not_below_the_ceiling():
    leak = signatures.above_ceiling([1.0, 1.0, 0.999], [0.95, 0.951, 0.949])
    assert leak is not None and leak.severity == "high" and "3 SE" in leak.message
    assert leak.detail["excess"] == pytest.approx(0.0497, abs=1e-3)
    assert signatures.above_ceiling([0.94, 0.948, 0.93], [0.95, 0.951, 0.949]) is None


def test_above_ceiling_ignores_a_steady_negligible_excess_and_handles_one_seed():
    # Zero spread makes 3 SE zero; the floor keeps a 0.001 excess from reading as a leak.
    assert signatures.above_ceiling([0.951, 0.952], [0.95, 0.951]) is None
    one = signatures.above_ceiling([0.99], [0.95])
    assert one is not None and "one seed gives no SE" in one.message
    assert signatures.above_ceiling([0.96], [0.95]) is None


def test_constant_predictions_fires_on_the_majority_class_and_names_the_share():
    rng = np.random.default_rng(0)
    labels = (rng.random((3, 2000)) < 0.3).astype(np.int64)
    check = signatures.constant_predictions(np.zeros_like(labels), labels)
    # An honest method whose loss went NaN predicts one class too: the message says so.
    assert check is not None and "loss gone NaN" in check.message
    assert check is not None and check.severity == "high"
    assert "100.0% class 0 on 3 of 3 seeds" in check.message
    skewed = np.ones_like(labels)
    skewed[:, :10] = 0  # 99.5% class 1 where the truth is 30% class 1
    assert signatures.constant_predictions(skewed, labels) is not None


def test_constant_predictions_accepts_predictions_that_follow_the_base_rate():
    rng = np.random.default_rng(1)
    labels = (rng.random((3, 2000)) < 0.3).astype(np.int64)
    noisy = np.where(rng.random(labels.shape) < 0.1, 1 - labels, labels)
    assert signatures.constant_predictions(noisy, labels) is None
    few = (rng.random(labels.shape) < 0.06).astype(np.int64)  # skewed, but not constant
    assert signatures.constant_predictions(few, labels) is None


def test_echoes_teacher_fires_on_a_copy_and_not_on_a_student():
    rng = np.random.default_rng(2)
    teacher = rng.integers(0, 2, (3, 4000))
    check = signatures.echoes_teacher(teacher.copy(), teacher)
    assert check is not None and check.severity == "medium" and "100.00%" in check.message
    student = np.where(rng.random(teacher.shape) < 0.02, 1 - teacher, teacher)
    assert signatures.echoes_teacher(student, teacher) is None


def test_leak_signatures_of_an_honest_looking_run_are_empty():
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 2, (3, 4000))
    teacher = np.where(rng.random(labels.shape) < 0.25, 1 - labels, labels)
    preds = np.where(rng.random(labels.shape) < 0.12, 1 - labels, labels)
    assert signatures.leak_signatures(preds, labels, teacher, [0.95, 0.95, 0.95]) == []
    found = signatures.leak_signatures(labels, labels, teacher, [0.95, 0.95, 0.95])
    assert codes(found) == {"above_ceiling"}
    assert all(set(c.to_json()) == {"code", "severity", "message", "detail"} for c in found)


# ---- teacher-shuffle ablation ---------------------------------------------------------------

def test_ablation_passes_on_a_collapse_and_flags_a_method_that_ignores_the_teacher():
    good = ablation.judge(SEEDS, [0.6, 0.65, 0.55], [-0.8, -0.85, -0.9])
    assert good.passed and good.drop == pytest.approx(1.45) and good.p_value < 0.05
    assert good.checks() == []
    same = ablation.judge(SEEDS, [-0.3, -0.34, -0.33], [-0.3, -0.34, -0.33])
    assert not same.passed and same.drop == 0 and same.p_value == 1.0
    (check,) = same.checks()
    assert check.code == "teacher_unused" and check.severity == "high"
    assert check.message.startswith("teacher-shuffle ablation: PGR did not drop (-0.323 → -0.323")


def test_ablation_needs_significance_with_three_seeds_and_says_when_the_test_is_weak():
    noisy = ablation.judge(SEEDS, [0.9, 0.2, 0.5], [0.1, 0.6, 0.35])
    assert noisy.drop >= ablation.MIN_DROP and noisy.p_value >= 0.05 and not noisy.passed
    assert noisy.outcome == "inconclusive" and noisy.to_json()["outcome"] == "inconclusive"
    two = ablation.judge([1, 2], [0.6, 0.5], [0.1, 0.2])
    assert two.passed and "paired test is weak" in two.reason
    failed = ablation.Ablation(False, "the shuffled-teacher run failed: timed out", 0.5,
                               ran=False)
    assert codes(failed.checks()) == {"ablation_failed"}
    assert failed.to_json()["passed"] is False and "timed out" in failed.to_json()["reason"]


# Per-seed PGRs measured with the shipped `logconf` and the sample `boot_ensemble` methods
# (size 1, clusters, two of 30 salts each): a shuffled student that finds the clusters on its
# own lands near -2.7 (labelled the wrong way round) or near +0.97 (the right way round).
INVERTED = ([0.51, 0.53, 0.67], [-2.72, -0.89, -0.87])
LUCKY = ([0.61, 0.68, 0.69], [-0.91, 0.97, -0.86])


def test_a_bigger_collapse_on_one_seed_still_passes():
    """A larger drop on one seed raises the t-test's p; the every-seed rule still passes it."""
    real, shuffled = INVERTED
    judged = ablation.judge(SEEDS, real, shuffled)
    assert judged.passed and judged.checks() == [] and judged.p_value < ablation.ALPHA
    worse = ablation.judge(SEEDS, real, [-4.0, -0.89, -0.87])  # an even bigger drop
    assert worse.p_value > ablation.ALPHA  # the t-test alone would now flag it
    assert worse.passed and worse.outcome == "passed"


def test_a_seed_that_kept_its_pgr_is_inconclusive_not_teacher_unused():
    real, shuffled = LUCKY
    judged = ablation.judge(SEEDS, real, shuffled)
    assert not judged.passed and judged.p_value > ablation.ALPHA
    assert judged.outcome == "inconclusive" and judged.kept_seeds() == [SEEDS[1]]
    (check,) = judged.checks()
    assert check.code == "ablation_inconclusive" and check.severity == "medium"
    assert f"not on seed {SEEDS[1]} (p=" in check.message and "with 3 seeds" in check.message
    assert check.detail["kept_seeds"] == [SEEDS[1]]
    # One seed that barely moved below MIN_DROP with a mean drop under it: teacher_unused.
    flat = ablation.judge(SEEDS, [0.5, 0.5, 0.5], [0.45, 0.42, 0.5])
    assert flat.outcome == "no_drop" and codes(flat.checks()) == {"teacher_unused"}


def test_shuffled_view_permutes_only_the_teacher_rows_per_seed(tmp_path):
    rng = np.random.default_rng(4)
    src = tmp_path / "view"
    (src / ".cache").mkdir(parents=True)
    arrays = {"x_transfer": rng.random((2, 50, 3)), "weak_probs": rng.random((2, 50, 2)),
              "x_test": rng.random((2, 40, 3)), "weak_test_probs": rng.random((2, 40, 2))}
    for name, array in arrays.items():
        np.save(src / f"{name}.npy", array.astype(np.float32))
    (src / "meta.json").write_text('{"seeds": [5, 6]}')
    (src / ".cache" / "test_labels.npy").write_bytes(b"decoy")
    dst = ablation.write_shuffled_view(src, tmp_path / "shuffled", [5, 6], b"k" * 32)
    for name, array in arrays.items():
        assert np.array_equal(np.load(src / f"{name}.npy"), array.astype(np.float32))
        moved = np.load(dst / f"{name}.npy")
        if name in ablation.SHUFFLED:
            assert not np.array_equal(moved, array.astype(np.float32))
            for i in range(2):  # the same rows, in another order, within each seed
                assert np.array_equal(np.sort(moved[i], axis=0),
                                      np.sort(array[i].astype(np.float32), axis=0))
        else:
            assert np.array_equal(moved, array.astype(np.float32))
    assert (dst / "meta.json").read_text() == '{"seeds": [5, 6]}'
    again = ablation.write_shuffled_view(src, tmp_path / "again", [5, 6], b"k" * 32)
    other = ablation.write_shuffled_view(src, tmp_path / "other", [5, 6], b"j" * 32)
    probs = [np.load(d / "weak_probs.npy") for d in (dst, again, other)]
    assert np.array_equal(probs[0], probs[1]) and not np.array_equal(probs[0], probs[2])


# ---- held-out tasks -------------------------------------------------------------------------

def test_does_not_transfer_names_the_task_where_the_gain_vanishes():
    runs = [heldout.HeldoutRun("imbalanced", 0.6, 0.02, 0.16, 0.44),
            heldout.HeldoutRun("entangled", 0.62, 0.01, 0.61, 0.01)]
    (check,) = heldout.transfer_checks(0.33, runs)
    assert check.code == "does_not_transfer" and check.severity == "medium"
    assert "held-out task entangled" in check.message and check.detail["task"] == "entangled"
    assert heldout.transfer_checks(0.03, runs) == []  # 0.01 is a third of 0.03
    assert heldout.transfer_checks(-0.1, runs) == []  # no tuned gain to lose
    crashed = [heldout.HeldoutRun("imbalanced", reason="the method exited with status 1")]
    (check,) = heldout.transfer_checks(0.2, crashed)
    assert "failed on it" in check.message
    assert heldout.other_tasks("clusters") == ["imbalanced", "entangled"]


# ---- end to end, in the sandbox -------------------------------------------------------------

# The salt keys the task data and the teacher shuffle. A fresh random one per run made these
# 3-seed statistical verdicts vary from run to run (the honest sample's ablation p once came out
# at 0.094), so the end-to-end tests pin one and give the same verdicts every time.
FIXED_SALT = hashlib.sha256(b"reviewer test_dynamic_checks salt").digest()


@pytest.fixture(scope="module")
def shared_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("dynamic-home")


@pytest.fixture
def db(shared_home, monkeypatch, tmp_path) -> Path:
    """One salt and baseline cache for the module, so baselines train once per task."""
    monkeypatch.setenv("REVIEWER_HOME", str(shared_home))
    path = salt.salt_path()
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(FIXED_SALT)
    return tmp_path / "dynamic.db"


def invoke(db: Path, *args: str):
    return CliRunner().invoke(cli, ["--db", str(db), *args], catch_exceptions=False)


def ingest(db: Path, file: Path) -> str:
    out = invoke(db, "ingest", "--json", str(file))
    assert out.exit_code == 0, out.output
    return json.loads(out.output)["added"][0]


def method_proposal(folder: Path, idea: str, code: str, title: str, claimed: dict) -> Path:
    """A proposal file adding `methods/<idea>.py` against the pinned harness."""
    obj = {"agent": f"agent-{idea}", "title": title, "summary": "…", "harness": "builtin",
           "idea": idea, "base": treehash.git_tree_hash(),
           "diff": new_file_diff(f"methods/{idea}.py", code), "claimed": claimed}
    file = folder / f"{idea}.json"
    file.write_text(json.dumps(obj))
    return file


def rerun(db: Path, pid: str, *extra: str) -> dict:
    out = invoke(db, "rerun", pid, "--seed-list", ",".join(map(str, SEEDS)), "--wait",
                 "--json", *extra)
    assert out.exit_code == 0, out.output
    return json.loads(out.output[out.output.index("{"):])


@needs_bwrap
@pytest.mark.slow
def test_majority_class_hack_is_caught_by_the_ablation_and_the_signatures(db):
    pid = ingest(db, SAMPLES / "05_hack_majority_class.json")
    result = rerun(db, pid, "--task", "imbalanced")
    assert result["state"] == "done" and result["pgr_mean"] is not None
    shuffled = result["ablation"]
    assert shuffled["passed"] is False and shuffled["drop"] == pytest.approx(0.0)
    assert [row["seed"] for row in shuffled["per_seed"]] == SEEDS
    found = {c["code"]: c for c in result["checks"]}
    # Which class is the majority is a salted coin per seed, so predicting class 0 scores
    # well on some seeds and badly on others: the claim fits only a wide interval.
    assert set(found) == {"teacher_unused", "constant_predictions"}
    assert result["verdict"] == "not_reproduced"
    assert any("only because the seeds disagree" in note for note in result["notes"])
    assert found["teacher_unused"]["severity"] == "high"
    assert "100.0% class 0" in found["constant_predictions"]["message"]
    shown = json.loads(invoke(db, "show", "--json", pid).output)
    assert set(found) <= {c["code"] for c in shown["checks"]}  # beside any static checks
    assert shown["reruns"][0]["ablation"] == shuffled


@needs_bwrap
@pytest.mark.slow
def test_honest_sample_passes_the_ablation_and_reports_held_out_tasks(db):
    pid = ingest(db, SAMPLES / "01_honest_logconf_warmup.json")
    result = rerun(db, pid, "--heldout")
    assert result["state"] == "done" and result["pgr_mean"] is not None, result
    assert result["checks"] == []
    shuffled = result["ablation"]
    assert shuffled["passed"] is True and shuffled["drop"] >= ablation.MIN_DROP
    assert shuffled["p_value"] < ablation.ALPHA
    assert shuffled["real_pgr_mean"] == pytest.approx(result["pgr_mean"])
    tasks = [entry["task"] for entry in result["heldout"]]
    assert tasks == ["imbalanced", "entangled"]
    for entry in result["heldout"]:
        assert entry["pgr_mean"] is not None and entry["baseline_pgr_mean"] is not None
        gap = entry["pgr_mean"] - entry["baseline_pgr_mean"]
        assert entry["gain"] == pytest.approx(gap) and entry["reason"] is None
    events = invoke(db, "audit", "export").output.splitlines()
    requested = next(json.loads(e) for e in events if '"rerun_requested"' in e)
    params = requested["payload"]["params"]
    assert params["ablation"] is True and params["heldout"] is True


@needs_bwrap
@pytest.mark.slow
def test_a_method_returning_the_teachers_test_argmax_echoes_the_teacher(db, tmp_path):
    file = method_proposal(tmp_path, "calibrated_distill", ECHO, "perfectly calibrated "
                           "distillation", {"pgr": 0.9, "pgr_se": 0.01, "seeds": [1, 2, 3]})
    result = rerun(db, ingest(db, file), "--no-ablation")
    assert result["ablation"] is None and result["heldout"] is None
    assert result["pgr_mean"] == pytest.approx(0.0, abs=1e-9)  # the teacher scores as the teacher
    assert codes(result["checks"]) == {"echoes_teacher"}
