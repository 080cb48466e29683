"""Losses for the student kit: each maps (logits, targets, progress) to per-row losses.

`logits` and `targets` are (S,B,2); `progress` is the fraction of training done. A loss
returns (S,B) and never pools anything across the seed axis.

The built-in losses also carry `row_grad(logits, targets, progress) -> (S,B,2)`, the
gradient of each row's loss with respect to its logits, which lets `fit` skip autograd. A
method's own loss needs no such attribute: `fit` differentiates it with autograd.
"""

from __future__ import annotations

import torch

from .student import LossFn, softmax2


def xent(logits: torch.Tensor, targets: torch.Tensor, progress: float = 0.0) -> torch.Tensor:
    """Cross-entropy against soft (or one-hot) targets."""
    del progress
    return -(targets * torch.log_softmax(logits, dim=-1)).sum(dim=-1)


def _xent_grad(logits: torch.Tensor, targets: torch.Tensor, progress: float = 0.0) -> torch.Tensor:
    """d xent / d logits per row: softmax * sum(targets) - targets."""
    del progress
    return softmax2(logits) * targets.sum(dim=-1, keepdim=True) - targets


xent.row_grad = _xent_grad  # type: ignore[attr-defined]


def harden_to_balance(probs: torch.Tensor, positive_rate: torch.Tensor) -> torch.Tensor:
    """One-hot predictions whose class-1 share matches `positive_rate` (S,), per seed.

    The threshold is each seed's own quantile of p(class 0), so seeds never share one.
    """
    p0 = probs[..., 0]
    ordered = torch.sort(p0, dim=1).values
    pos = positive_rate.clamp(0.0, 1.0) * (p0.shape[1] - 1)
    lo = torch.floor(pos).long().unsqueeze(1)
    hi = torch.ceil(pos).long().unsqueeze(1)
    frac = (pos - torch.floor(pos)).unsqueeze(1)
    a, b = ordered.gather(1, lo), ordered.gather(1, hi)
    q = a + (b - a) * frac
    is_zero = p0 >= q
    return torch.stack([is_zero, ~is_zero], dim=-1).to(probs.dtype)


def make_logconf(aux_weight: float = 0.5, warmup: float = 0.2) -> LossFn:
    """The auxiliary confidence loss of Burns et al. (2023).

    The target mixes the teacher's labels with the student's own hardened predictions,
    thresholded so the hardened labels keep the teacher's class balance in the batch. The
    mixing weight grows linearly to `aux_weight` over the first `warmup` of training.
    """

    def mixed(logits: torch.Tensor, targets: torch.Tensor, progress: float) -> torch.Tensor:
        coef = aux_weight * min(1.0, progress / warmup) if warmup > 0 else aux_weight
        with torch.no_grad():
            probs = softmax2(logits)
            rate = targets[..., 1].mean(dim=1)
            hard = harden_to_balance(probs, rate)
        return targets * (1.0 - coef) + hard * coef

    def logconf(logits: torch.Tensor, targets: torch.Tensor, progress: float = 0.0) -> torch.Tensor:
        return xent(logits, mixed(logits, targets, progress))

    def row_grad(
        logits: torch.Tensor, targets: torch.Tensor, progress: float = 0.0
    ) -> torch.Tensor:
        return _xent_grad(logits, mixed(logits, targets, progress))

    logconf.row_grad = row_grad  # type: ignore[attr-defined]
    return logconf


logconf = make_logconf()
