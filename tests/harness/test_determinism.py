"""Seeds never couple: batched runs equal one-seed runs bit for bit, and reruns repeat."""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import pytest
import torch

from reviewer.harness import api, treehash
from reviewer.harness.tree.w2s_kit import losses
from reviewer.harness.tree.w2s_kit.run import run_idea
from reviewer.harness.tree.w2s_kit.view import load_view, slice_view

SEEDS = [3, 1, 4]


@pytest.fixture(scope="module")
def view_dir(module_home: Path) -> Path:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("REVIEWER_HOME", str(module_home))
        return api.materialize_view("clusters", 1, SEEDS, module_home / "view", "cpu")


@pytest.mark.parametrize("loss_name", ["xent", "logconf"])
def test_batched_equals_sequential(view_dir: Path, loss_name: str) -> None:
    view = load_view(view_dir)
    loss = getattr(losses, loss_name)
    weights = (view.weak_probs.max(-1).values > 0.75).float()
    batched = view.predict_proba(
        view.fit(view.new_student(), view.x_transfer, view.weak_probs, loss, weights),
        view.x_test)
    for i in range(len(SEEDS)):
        one = slice_view(view, i)
        alone = one.predict_proba(
            one.fit(one.new_student(), one.x_transfer, one.weak_probs, loss, weights[i : i + 1]),
            one.x_test)
        assert torch.equal(alone[0], batched[i]), f"seed {SEEDS[i]} differs"


def test_same_result_hash_twice(view_dir: Path, tmp_path: Path) -> None:
    digests = []
    for k in range(2):
        out = run_idea("logconf", str(view_dir), str(tmp_path / f"out{k}"), "cpu")
        digests.append(hashlib.sha256(np.load(out).tobytes()).hexdigest())
    assert digests[0] == digests[1]


def test_view_folder_holds_no_labels(view_dir: Path) -> None:
    names = sorted(p.name for p in view_dir.iterdir())
    assert names == ["meta.json", "weak_probs.npy", "weak_test_probs.npy", "x_test.npy",
                     "x_transfer.npy"]
    meta = (view_dir / "meta.json").read_text()
    assert "salt" not in meta and treehash.git_tree_hash() in meta


def test_baselines_are_cached(shared_home: Path) -> None:
    from reviewer.harness import baselines

    folder = baselines.cache_folder("clusters", 1, "cpu")
    stamps = {p: p.stat().st_mtime_ns for p in folder.glob("seed*.npz")}
    assert len(stamps) == len(SEEDS)
    again = baselines.get_baselines("clusters", 1, SEEDS, "cpu")
    assert {p: p.stat().st_mtime_ns for p in folder.glob("seed*.npz")} == stamps
    assert [b.seed for b in again] == SEEDS
    assert str(folder).startswith(str(shared_home / "cache"))
