"""A batch of small MLPs, one per seed, trained as one stacked computation.

Every tensor carries a leading seed axis S. Nothing mixes values across that axis, so a
seed's result is the same whether it trains alone or in a batch.
"""

from __future__ import annotations

import math
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
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


def softmax2(logits: torch.Tensor) -> torch.Tensor:
    """Softmax over a last axis of size 2, as sigmoids of the logit differences.

    Equal to `torch.softmax(logits, -1)` up to rounding, and several times faster on the CPU,
    where a softmax over two columns takes a slow path.
    """
    return torch.sigmoid(logits - logits.flip(-1))


def forward(params: Params, x: torch.Tensor) -> torch.Tensor:
    """Logits (S,N,2) for inputs x (S,N,d)."""
    h = torch.relu(torch.bmm(x, params.w1) + params.b1.unsqueeze(1))
    # A two-column output is far faster on the CPU as (2,h) @ (h,N) than as (N,h) @ (h,2).
    z = torch.bmm(params.w2.transpose(1, 2), h.transpose(1, 2)) + params.b2.unsqueeze(2)
    return z.transpose(1, 2)


# Hidden activations per chunk on the CPU: about 4 MiB of float32, so they stay in cache
# between the two products (five seeds' 20,000 test rows at once ran 2.4x slower).
_CPU_CHUNK_FLOATS = 1 << 20


def predict_chunk(params: Params) -> int:
    """Rows per chunk in `predict_proba`: bounded memory on a GPU, cache-sized on the CPU.

    Always a multiple of 256 rows: a product computes the rows of a partial block at its
    end differently, so chunks aligned to every block size give each row the same bits as
    one product over all rows. The same for any number of seeds, since each seed is
    predicted on its own.
    """
    if params.w1.device.type != "cpu":
        return 65_536
    rows = _CPU_CHUNK_FLOATS // params.w1.shape[-1]
    return max(1024, rows // 256 * 256)


def predict_proba(params: Params, x: torch.Tensor, chunk: int | None = None) -> torch.Tensor:
    """Class probabilities (S,N,2), evaluated seed by seed in row chunks (`predict_chunk` by
    default).

    One product over several seeds splits its rows across threads otherwise than a
    one-seed product does (MKL on an AVX-512 CPU with two threads), which gave a seed
    other bits in a batch than alone; products of one seed each give the same bits.
    """
    chunk = chunk or predict_chunk(params)
    seeds, rows = x.shape[0], x.shape[1]
    out = torch.empty(seeds, rows, 2, device=params.w1.device, dtype=params.w1.dtype)
    with torch.no_grad():
        x = x.to(params.w1.device, params.w1.dtype)
        for s in range(seeds):
            w1, b1 = params.w1[s : s + 1], params.b1[s : s + 1].unsqueeze(1)
            w2t, b2 = params.w2[s : s + 1].transpose(1, 2), params.b2[s : s + 1].unsqueeze(2)
            for i in range(0, rows, chunk):
                # `forward` with its intermediate results updated in place.
                h = torch.bmm(x[s : s + 1, i : i + chunk], w1).add_(b1).relu_()
                z = torch.bmm(w2t, h.transpose(1, 2)).add_(b2)
                out[s : s + 1, i : i + chunk] = softmax2(z.transpose(1, 2))
    return out


def _cores() -> int:
    """CPU cores this process may use (macOS has no affinity call: all of them there)."""
    affinity = getattr(os, "sched_getaffinity", None)
    return len(affinity(0)) if affinity is not None else os.cpu_count() or 1


def _orders(seeds: list[int], n: int, epochs: int, device: str, salt: int) -> torch.Tensor:
    """Row order for every epoch and seed, (epochs, S, n), from each seed's own stream."""
    # Each permutation is drawn straight into its slot: stacking copied every order twice.
    orders = torch.empty((epochs, len(seeds), n), dtype=torch.int64)

    def draw(i: int) -> None:
        g = generator(seeds[i], _ORDER_STREAM, salt)
        for epoch in range(epochs):
            torch.randperm(n, generator=g, out=orders[epoch, i])

    # randperm is serial and drops the GIL, so seeds draw in parallel; each has its own
    # generator and its own slots, so the orders are the same as drawn one after another.
    workers = min(len(seeds), _cores())
    if workers > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            list(pool.map(draw, range(len(seeds))))
    else:
        for i in range(len(seeds)):
            draw(i)
    return orders.to(device)


# Opaque element types as wide as a whole row, for the rows `_Rows` gathers in one piece.
_ROW_TYPES = {4: torch.int32, 8: torch.int64, 16: torch.complex128}


class _Rows:
    """The rows of a (R, ...) tensor, gathered by row index into (S, B, ...) minibatches.

    On the CPU, a row of 4, 8 or 16 bytes (a teacher's view, two-class targets) is gathered
    as one element of a 1-D tensor: `index_select` copies those in a tight loop, several
    times faster than its row-by-row path. The copy is bit for bit, so the values are
    unchanged. A GPU gathers narrow rows fast already, so it keeps the plain path.
    """

    def __init__(self, t: torch.Tensor) -> None:
        self.t, self.tail = t.contiguous(), tuple(t.shape[1:])
        row_bytes = self.t[0].numel() * self.t.element_size() if len(self.t) else 0
        wide = _ROW_TYPES.get(row_bytes) if self.t.device.type == "cpu" else None
        self.packed = None if wide is None else self.t.view(-1).view(wide)

    def take(self, pick: torch.Tensor, seeds: int, batch: int) -> torch.Tensor:
        """Rows `pick` (S*B,) as (S, B, ...)."""
        if self.packed is None:
            return self.t.index_select(0, pick).view(seeds, batch, *self.tail)
        return self.packed.index_select(0, pick).view(self.t.dtype).view(seeds, batch, *self.tail)


def _weighted_mean(loss: torch.Tensor, w: torch.Tensor | None) -> torch.Tensor:
    """Per-seed mean of row losses (S,B) -> (S,), weighted if `w` is given."""
    if w is None:
        return loss.sum(dim=1) / loss.shape[1]
    total = (loss * w).sum(dim=1)
    return total / torch.clamp(w.sum(dim=1), min=1.0)


def _loss_grad(
    loss: LossFn,
    logits: torch.Tensor,
    targets: torch.Tensor,
    w: torch.Tensor | None,
    progress: float,
) -> torch.Tensor:
    """d(per-seed mean loss)/d logits (S,B,2), analytic when the loss provides `row_grad`."""
    row_grad = getattr(loss, "row_grad", None)
    if row_grad is None:
        logits = logits.requires_grad_(True)
        with torch.enable_grad():
            per_seed = _weighted_mean(loss(logits, targets, progress), w)
            return torch.autograd.grad(per_seed.sum(), logits)[0]
    g = row_grad(logits, targets, progress)
    if w is None:
        return g / g.shape[1]
    return g * (w / torch.clamp(w.sum(dim=1, keepdim=True), min=1.0)).unsqueeze(-1)


class _Trainer:
    """Weights, gradients and Adam moments of a stacked MLP, each in one flat buffer.

    Every buffer is laid out parameter by parameter (w1 (S,d,h), b1 (S,h), w2 stored
    transposed as (S,2,h), b2 (S,2)), so the optimiser is a handful of elementwise ops over
    all seeds at once. Only plain IEEE operations (no fused multiply-add, no reductions
    across elements) touch the buffers, so an element's arithmetic is the same whatever
    the number of seeds.
    """

    def __init__(self, params: Params) -> None:
        # w2 is kept transposed for the same reason as in `forward`.
        init = [params.w1, params.b1, params.w2.transpose(1, 2), params.b2]
        self.shapes = [tuple(t.shape) for t in init]
        self.sizes = [t.numel() for t in init]
        self.flat = torch.cat([t.reshape(-1) for t in init])
        self.grad = torch.empty_like(self.flat)
        self.m = torch.zeros_like(self.flat)
        self.v = torch.zeros_like(self.flat)
        self.tmp = torch.empty_like(self.flat)
        self.p = self._views(self.flat)
        self.g = self._views(self.grad)

    def _views(self, buf: torch.Tensor) -> list[torch.Tensor]:
        return [
            chunk.view(shape)
            for chunk, shape in zip(torch.split(buf, self.sizes), self.shapes, strict=True)
        ]

    def step(
        self,
        x: torch.Tensor,
        targets: torch.Tensor,
        w: torch.Tensor | None,
        loss: LossFn,
        progress: float,
    ) -> None:
        """Gradients of the per-seed mean loss on one minibatch (S,B,.), into `grad`.

        The MLP's backward pass is written out as batched matrix products; only a loss
        without `row_grad` goes through autograd, and then only from its logits.
        """
        w1, b1, w2t, b2 = self.p
        gw1, gb1, gw2t, gb2 = self.g
        h = torch.bmm(x, w1).add_(b1.unsqueeze(1)).relu_()
        z = torch.bmm(w2t, h.transpose(1, 2)).add_(b2.unsqueeze(2))
        logits = z.transpose(1, 2).contiguous()
        dlogits = _loss_grad(loss, logits, targets, w, progress)
        torch.bmm(dlogits.transpose(1, 2), h, out=gw2t)
        torch.sum(dlogits, dim=1, out=gb2)
        dh = torch.ops.aten.threshold_backward(torch.bmm(dlogits, w2t), h, 0.0)
        torch.bmm(x.transpose(1, 2), dh, out=gw1)
        torch.sum(dh, dim=1, out=gb1)

    def adam(self, t: int, lr: float, budget: Budget) -> None:
        """One bias-corrected Adam step with learning rate `lr`."""
        b1, b2 = budget.betas
        g, m, v, tmp = self.grad, self.m, self.v, self.tmp
        m.mul_(b1).add_(torch.mul(g, 1.0 - b1, out=tmp))
        v.mul_(b2).add_(torch.mul(g, g, out=tmp).mul_(1.0 - b2))
        denom = torch.sqrt(v, out=tmp).div_(math.sqrt(1.0 - b2**t)).add_(budget.eps)
        self.flat.sub_(torch.div(m, denom, out=tmp).mul_(lr / (1.0 - b1**t)))

    def params(self) -> Params:
        """The current weights as a fresh `Params`."""
        w1, b1, w2t, b2 = (t.clone() for t in self.p)
        return Params(w1, b1, w2t.transpose(1, 2).contiguous(), b2)


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
    offsets = torch.arange(len(seeds), device=device).unsqueeze(1) * n
    flat = [None if t is None else _Rows(t.reshape(len(seeds) * n, *t.shape[2:]))
            for t in (x, targets, w)]
    trainer = _Trainer(params)
    step = 0
    with torch.no_grad():
        for epoch in range(budget.epochs):
            rows = orders[epoch] + offsets  # (S, n) rows of the seed-flattened arrays
            for k in range(steps_per_epoch):
                # Gathering each minibatch as it is used keeps it in cache for the products.
                pick = rows[:, k * bs : (k + 1) * bs].reshape(-1)
                xb, tb, wb = (None if t is None else t.take(pick, len(seeds), bs) for t in flat)
                trainer.step(xb, tb, wb, loss, step / total)
                step += 1
                lr = budget.lr * 0.5 * (1.0 + math.cos(math.pi * (step - 1) / total))
                trainer.adam(step, lr, budget)
    return trainer.params()
