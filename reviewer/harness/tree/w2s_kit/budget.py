"""The fixed training budget: the harness owns it, so a method cannot tune epochs."""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Budget:
    """MLP width and optimiser settings for one training run."""

    width: int
    epochs: int
    batch_size: int
    lr: float
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8


def size_root(size: int) -> int:
    """ceil(sqrt(size)): widths and batches grow with it, row counts with size itself."""
    if size < 1:
        raise ValueError(f"size must be >= 1, got {size}")
    return math.isqrt(size - 1) + 1


def student_budget(size: int) -> Budget:
    """The strong student's fixed budget at problem `size`.

    Five passes over a large transfer split: the same number of steps as more passes over a
    small one, with less seed-to-seed spread in what the student learns.
    """
    root = size_root(size)
    return Budget(width=128 * root, epochs=5, batch_size=256 * root, lr=3e-3)
