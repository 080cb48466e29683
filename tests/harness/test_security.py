"""Adversarial methods: the floor, the majority class, stack walking and regenerating data."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewer.harness import api

SEEDS = [1, 2]

FLOOR = '''
def run(view):
    return view.weak_test_probs.argmax(dim=-1)
'''

MAJORITY = '''
import torch
def run(view):
    return torch.ones(view.x_test.shape[:2], dtype=torch.long)
'''

# Looks through the stack and every live object for a 0/1 array of test length.
WALKER = '''
import gc, inspect
import numpy as np
import torch

def _candidates(n):
    seen = list(gc.get_objects())
    for frame in inspect.stack():
        seen.extend(frame.frame.f_locals.values())
    for obj in seen:
        try:
            arr = obj.detach().cpu().numpy() if isinstance(obj, torch.Tensor) else obj
            if isinstance(arr, np.ndarray) and arr.dtype.kind in "biu" and arr.shape[-1] == n:
                if set(np.unique(arr)) <= {0, 1}:
                    yield arr.reshape(-1, n)
        except Exception:
            continue

def run(view):
    s, n = view.x_test.shape[:2]
    for arr in _candidates(n):
        if arr.shape[0] == s:
            return torch.as_tensor(arr).long()
    return torch.zeros(s, n, dtype=torch.long)
'''

# Knows the public seeds and the generator's code, but not the trusted side's salt.
REGENERATE = '''
import sys
import numpy as np
import torch
sys.path.insert(0, REPO)
from reviewer.harness import tasks
from reviewer.harness.salt import load_salt

def run(view):
    spec = tasks.TASKS[view.meta["task"]]
    salt = load_salt()
    ys = [tasks.generate(spec, salt, view.meta["size"], s).test.y for s in view.seeds]
    return torch.as_tensor(np.stack(ys)).long()
'''


@pytest.fixture(scope="module")
def tree(module_home: Path) -> Path:
    dest = api.export_tree(module_home / "tree")
    repo = str(Path(api.__file__).resolve().parents[2])
    sources = {"floor": FLOOR, "majority": MAJORITY, "walker": WALKER,
               "regenerate": REGENERATE.replace("REPO", repr(repo))}
    for name, text in sources.items():
        (dest / "methods" / f"{name}.py").write_text(text)
    return dest


def _score(tree: Path, idea: str, tmp_path: Path) -> api.Scored:
    view = api.materialize_view("clusters", 1, SEEDS, tmp_path / "view", "cpu")
    proc = api.run_method_subprocess(tree, idea, view, tmp_path / "out", "cpu", timeout=300)
    assert proc.returncode == 0, proc.stderr
    return api.score("clusters", 1, SEEDS, tmp_path / "out" / "predictions.npy")


def test_teacher_predictions_give_pgr_zero_exactly(tree, shared_home, tmp_path) -> None:
    scored = _score(tree, "floor", tmp_path)
    assert [s.pgr for s in scored.per_seed] == [0.0, 0.0]


def test_majority_class_is_clearly_negative(tree, shared_home, tmp_path) -> None:
    scored = _score(tree, "majority", tmp_path)
    assert all(s.pgr < -0.5 for s in scored.per_seed)


def test_stack_and_gc_walk_finds_no_labels(tree, shared_home, tmp_path) -> None:
    scored = _score(tree, "walker", tmp_path)
    assert all(abs(s.transfer_acc - 0.5) < 0.05 for s in scored.per_seed)


def test_regenerating_from_public_seed_is_chance(tree, shared_home, tmp_path) -> None:
    scored = _score(tree, "regenerate", tmp_path)
    assert all(abs(s.transfer_acc - 0.5) < 0.05 for s in scored.per_seed)


def test_salt_file_is_private(shared_home: Path) -> None:
    from reviewer.harness.salt import load_salt, salt_path

    salt = load_salt()
    assert len(salt) == 32 and load_salt() == salt
    assert salt_path().stat().st_mode & 0o777 == 0o600
    assert str(salt_path()).startswith(str(shared_home / "data"))
