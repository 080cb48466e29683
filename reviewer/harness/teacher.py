"""The weak teacher: a tiny MLP trained on ground truth of its own split (trusted side)."""

from __future__ import annotations

import torch

from reviewer.harness.tree.w2s_kit import losses, student
from reviewer.harness.tree.w2s_kit.budget import Budget, size_root

# A separate init stream so the teacher never shares random numbers with a student.
TEACHER_SALT = 17


def teacher_budget(size: int) -> Budget:
    """The teacher's fixed budget: narrow, with large batches over a large split.

    A teacher fitted to few rows varies from seed to seed in how confident it is, and the
    auxiliary-confidence baseline follows that spread; many cheap rows make it steady.
    """
    return Budget(width=8, epochs=15, batch_size=4096 * size_root(size), lr=3e-2)


def one_hot(y: torch.Tensor) -> torch.Tensor:
    """(S,N) labels -> (S,N,2) one-hot targets."""
    return torch.nn.functional.one_hot(y, 2).to(torch.float32)


def train_teacher(
    view: torch.Tensor, y: torch.Tensor, seeds: list[int], size: int, device: str
) -> student.Params:
    """Fit the teacher on (view (S,N,k), labels (S,N)) for every seed at once."""
    budget = teacher_budget(size)
    params = student.init_params(seeds, view.shape[-1], budget.width, device, torch.float32,
                                 salt=TEACHER_SALT)
    return student.fit(params, view, one_hot(y), losses.xent, budget, seeds,
                       salt=TEACHER_SALT)
