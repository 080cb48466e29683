"""The view a method receives: unlabeled arrays, the teacher's soft labels and a student kit.

A view folder holds `x_transfer.npy`, `weak_probs.npy`, `x_test.npy`, `weak_test_probs.npy`
and `meta.json`. It never holds ground truth.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import torch

from . import losses as _losses
from .budget import Budget, student_budget
from .student import LossFn, Params, init_params
from .student import fit as _fit
from .student import predict_proba as _predict_proba

ARRAYS = ("x_transfer", "weak_probs", "x_test", "weak_test_probs")
META = "meta.json"


class View:
    """Everything a method may use. Tensors have a leading seed axis S.

    Attributes: x_transfer (S,N_t,d), weak_probs (S,N_t,2), x_test (S,N_test,d),
    weak_test_probs (S,N_test,2), seeds, device, budget, meta and `losses`.
    """

    def __init__(self, arrays: dict[str, np.ndarray], meta: dict, device: str) -> None:
        self.meta = meta
        self.seeds: list[int] = [int(s) for s in meta["seeds"]]
        self.device = device
        self.budget: Budget = student_budget(int(meta["size"]))
        tensors = {k: torch.from_numpy(np.ascontiguousarray(v)).to(device)
                   for k, v in arrays.items()}
        self.x_transfer: torch.Tensor = tensors["x_transfer"]
        self.weak_probs: torch.Tensor = tensors["weak_probs"]
        self.x_test: torch.Tensor = tensors["x_test"]
        self.weak_test_probs: torch.Tensor = tensors["weak_test_probs"]
        self.losses = SimpleNamespace(
            xent=_losses.xent, logconf=_losses.logconf, make_logconf=_losses.make_logconf
        )

    @property
    def dim(self) -> int:
        """Width d of the strong representation."""
        return int(self.x_transfer.shape[-1])

    def new_student(self) -> Params:
        """A freshly initialised student per seed (the same init on every call)."""
        return init_params(self.seeds, self.dim, self.budget.width, self.device, torch.float32)

    def fit(
        self,
        params: Params,
        x: torch.Tensor,
        targets: torch.Tensor,
        loss: LossFn | None = None,
        weights: torch.Tensor | None = None,
    ) -> Params:
        """Train `params` on soft targets (S,N,2) for the harness's fixed budget.

        `loss` defaults to `losses.xent`; `weights` (S,N) weight rows within each seed.
        """
        return _fit(params, x, targets, loss or _losses.xent, self.budget, self.seeds,
                    weights=weights)

    def predict_proba(self, params: Params, x: torch.Tensor) -> torch.Tensor:
        """Class probabilities (S,N,2)."""
        return _predict_proba(params, x)


def load_view(folder: str | Path, device: str = "cpu") -> View:
    """Read a view folder (plain .npy files, never pickles) onto `device`."""
    folder = Path(folder)
    meta = json.loads((folder / META).read_text(encoding="utf-8"))
    arrays = {name: np.load(folder / f"{name}.npy", allow_pickle=False) for name in ARRAYS}
    return View(arrays, meta, device)


def slice_view(view: View, index: int) -> View:
    """A one-seed view cut from `view` (used to check batched runs against sequential)."""
    arrays = {name: getattr(view, name)[index : index + 1].cpu().numpy() for name in ARRAYS}
    meta = {**view.meta, "seeds": [view.seeds[index]]}
    return View(arrays, meta, view.device)
