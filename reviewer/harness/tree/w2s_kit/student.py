"""A batch of small MLPs, one per seed, trained as one stacked computation.

Every tensor carries a leading seed axis S. Nothing mixes values across that axis, so a
seed's result is the same whether it trains alone or in a batch.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import torch

from .budget import Budget

# loss(logits (S,B,2), targets (S,B,2), progress in [0,1]) -> per-row loss (S,B)
LossFn = Callable[[torch.Tensor, torch.Tensor, float], torch.Tensor]

_INIT_STREAM = 1
_ORDER_STREAM = 2


@dataclass
class Params:
    """Stacked MLP weights: w1 (S,d,h), b1 (S,h), w2 (S,h,2), b2 (S,2)."""

    w1: torch.Tensor
    b1: torch.Tensor
    w2: torch.Tensor
    b2: torch.Tensor

    def tensors(self) -> list[torch.Tensor]:
        """The four tensors, in a fixed order."""
        return [self.w1, self.b1, self.w2, self.b2]

    @property
    def seeds(self) -> int:
        """Size of the seed axis."""
        return int(self.w1.shape[0])


def generator(seed: int, stream: int, salt: int = 0) -> torch.Generator:
    """A CPU generator for one seed; each purpose (init, order) has its own stream."""
    g = torch.Generator(device="cpu")
    g.manual_seed((seed * 1_000_003 + stream * 7_919 + salt * 104_729) % (2**63 - 1))
    return g


def init_params(
    seeds: list[int], d: int, width: int, device: str, dtype: torch.dtype, salt: int = 0
) -> Params:
    """He-style init, drawn per seed on the CPU so every device gets the same numbers."""
    parts: list[list[torch.Tensor]] = [[], [], [], []]
    for seed in seeds:
        g = generator(seed, _INIT_STREAM, salt)
        w1 = torch.randn(d, width, generator=g, dtype=torch.float64) * (2.0 / d) ** 0.5
        w2 = torch.randn(width, 2, generator=g, dtype=torch.float64) * (1.0 / width) ** 0.5
        for slot, t in zip(parts, (w1, torch.zeros(width), w2, torch.zeros(2)), strict=True):
            slot.append(t.to(dtype))
    stacked = [torch.stack(p).to(device) for p in parts]
    return Params(*stacked)


def forward(params: Params, x: torch.Tensor) -> torch.Tensor:
    """Logits (S,N,2) for inputs x (S,N,d)."""
    h = torch.relu(torch.bmm(x, params.w1) + params.b1.unsqueeze(1))
    return torch.bmm(h, params.w2) + params.b2.unsqueeze(1)


def predict_proba(params: Params, x: torch.Tensor, chunk: int = 65_536) -> torch.Tensor:
    """Class probabilities (S,N,2), evaluated in row chunks to bound memory."""
    with torch.no_grad():
        x = x.to(params.w1.device, params.w1.dtype)
        outs = [torch.softmax(forward(params, x[:, i : i + chunk]), dim=-1)
                for i in range(0, x.shape[1], chunk)]
    return torch.cat(outs, dim=1)


def _orders(seeds: list[int], n: int, epochs: int, device: str, salt: int) -> torch.Tensor:
    """Row order for every epoch and seed, (epochs, S, n), from each seed's own stream."""
    per_seed = []
    for seed in seeds:
        g = generator(seed, _ORDER_STREAM, salt)
        per_seed.append(torch.stack([torch.randperm(n, generator=g) for _ in range(epochs)]))
    return torch.stack(per_seed, dim=1).to(device)


def _weighted_mean(loss: torch.Tensor, w: torch.Tensor | None) -> torch.Tensor:
    """Per-seed mean of row losses (S,B) -> (S,), weighted if `w` is given."""
    if w is None:
        return loss.sum(dim=1) / loss.shape[1]
    total = (loss * w).sum(dim=1)
    return total / torch.clamp(w.sum(dim=1), min=1.0)


def _adam_update(g: torch.Tensor, m: torch.Tensor, v: torch.Tensor, t: int, lr: float,
                 budget: Budget) -> torch.Tensor:
    """Adam on flat (S,P) buffers: updates m, v in place and returns the step to subtract.

    Plain elementwise ops only (no fused kernels), so each element's arithmetic is the
    same whatever the number of seeds.
    """
    b1, b2 = budget.betas
    m.mul_(b1).add_(g * (1.0 - b1))
    v.mul_(b2).add_(g * g * (1.0 - b2))
    m_hat = m / (1.0 - b1**t)
    v_hat = v / (1.0 - b2**t)
    return m_hat / (torch.sqrt(v_hat) + budget.eps) * lr


def fit(
    params: Params,
    x: torch.Tensor,
    targets: torch.Tensor,
    loss: LossFn,
    budget: Budget,
    seeds: list[int],
    weights: torch.Tensor | None = None,
    salt: int = 0,
) -> Params:
    """Train a copy of `params` on (x, soft targets) for the fixed budget; returns it.

    The learning rate decays on a cosine from `budget.lr` to zero over all steps.
    """
    device, dtype = params.w1.device, params.w1.dtype
    x = x.to(device, dtype)
    targets = targets.to(device, dtype)
    w = None if weights is None else weights.to(device, dtype)
    n = x.shape[1]
    bs = min(budget.batch_size, n)
    steps_per_epoch = n // bs
    total = steps_per_epoch * budget.epochs
    orders = _orders(seeds, n, budget.epochs, device, salt)
    ps = [t.detach().clone().requires_grad_(True) for t in params.tensors()]
    n_seeds = len(seeds)
    sizes = [t[0].numel() for t in ps]
    m = torch.zeros(n_seeds, sum(sizes), device=device, dtype=dtype)
    v = torch.zeros_like(m)
    rows = torch.arange(len(seeds), device=device).unsqueeze(1)
    step = 0
    for epoch in range(budget.epochs):
        # One gather per epoch; the minibatches are then cheap slices of it.
        order = orders[epoch]
        xe, te = x[rows, order], targets[rows, order]
        we = None if w is None else w[rows, order]
        for k in range(steps_per_epoch):
            cut = slice(k * bs, (k + 1) * bs)
            xb, tb = xe[:, cut], te[:, cut]
            logits = forward(Params(*ps), xb)
            per_row = loss(logits, tb, step / total)
            per_seed = _weighted_mean(per_row, None if we is None else we[:, cut])
            grads = torch.autograd.grad(per_seed.sum(), ps)
            step += 1
            lr = budget.lr * 0.5 * (1.0 + math.cos(math.pi * (step - 1) / total))
            with torch.no_grad():
                flat = torch.cat([g.reshape(n_seeds, -1) for g in grads], dim=1)
                update = _adam_update(flat, m, v, step, lr, budget)
                for p, u in zip(ps, torch.split(update, sizes, dim=1), strict=True):
                    p.sub_(u.reshape(p.shape))
    return Params(*[p.detach() for p in ps])
