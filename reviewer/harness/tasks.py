"""Task families and the salted data generator (trusted side only).

The generator's code is public; its secret salt is not. Every random draw, including the
rotation that hides the target, derives from the salt, so a method that knows the public
seed and this code still cannot regenerate the labels.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import cache
from typing import TYPE_CHECKING

import numpy as np

from reviewer.harness.tree.w2s_kit.budget import size_root

if TYPE_CHECKING:
    from threadpoolctl import ThreadpoolController


@dataclass(frozen=True)
class TaskSpec:
    """One task family: how the target, distractors and the weak view are built."""

    name: str
    summary: str
    positive_rate: float = 0.5
    margin: float = 1.9  # target cluster centres at +-margin
    target_noise: float = 0.62  # spread of each cluster: a clear low-density gap between classes
    label_flip: float = 0.047  # labels flipped at random: with the gap, Bayes accuracy ~0.95
    n_binary: int = 4  # binary distractor concepts, more salient than the target
    binary_amp: float = 3.0
    n_cont: int = 8  # continuous factors, as salient as the target
    noise_std: float = 0.5
    spurious: float = 0.0  # P(distractor 0 agrees with y) - 0.5, for an entangled family
    weak_mix: str = "continuous"  # which visible factor leaks into the weak signal
    imitable: float = 1.07  # weight of that visible factor in the weak signal
    private: float = 1.05  # weight of noise the strong model cannot see
    view_dims: int = 4


TASKS: dict[str, TaskSpec] = {
    spec.name: spec
    for spec in (
        TaskSpec("clusters", "balanced clustered target; weak view leaks a continuous factor"),
        TaskSpec(
            "imbalanced",
            "30% of the rows in one class, which one drawn per seed from the secret salt; "
            "weak view leaks a continuous factor",
            positive_rate=0.3,
        ),
        TaskSpec(
            "entangled",
            "a salient binary distractor agrees with the target 70% of the time; "
            "the weak view leaks that distractor",
            spurious=0.2,
            weak_mix="binary",
            imitable=0.95,
            private=1.5,
        ),
    )
}

DEFAULT_TASK = "clusters"

# Bumped whenever the same (salt, task, size, seed) can yield different arrays, so that
# baselines cached from the old arrays are not paired with the new ones.
DATA_VERSION = 4


@cache
def _blas() -> ThreadpoolController:
    """The process's BLAS thread pools, found once (it inspects the loaded libraries)."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


@contextmanager
def _one_blas_thread() -> Iterator[None]:
    """Run numpy's small products (the QR, the weak view's 4 columns) on one BLAS thread.

    A threaded float32 product splits its sums differently, so the arrays depended on the
    core count; and OpenBLAS's idle threads spin after each call, taking the cores from the
    torch training that follows (a one-seed pipeline ran 30% slower).
    """
    with _blas().limit(limits=1, user_api="blas"):
        yield


@dataclass(frozen=True)
class Split:
    """One split of one seed: strong inputs, the weak view and the labels."""

    x: np.ndarray  # (N, d) float32, what the strong model sees; (N, 0) for weak_train
    view: np.ndarray  # (N, k) float32, what the weak teacher sees
    y: np.ndarray  # (N,) int64 ground truth


@dataclass(frozen=True)
class SeedData:
    """The three splits of one seed."""

    weak_train: Split
    transfer: Split
    test: Split


def split_sizes(size: int) -> tuple[int, int, int]:
    """(weak_train, transfer, test) row counts at `size`.

    The splits are large even at size 1 because per-seed spread, not compute, limits how
    well five seeds pin down a PGR: the teacher's view is 4 columns wide, so its many rows
    are cheap, and the test split is sized for accuracy, so it grows only with the root.
    """
    return 32000 * size, 16000 * size, 20000 * size_root(size)


def strong_dim(size: int) -> int:
    """Width of the strong representation: 64 at size 1."""
    return 64 * size_root(size)


def task_rng(salt: bytes, task: str, size: int, seed: int) -> np.random.Generator:
    """The generator for one (task, size, seed), keyed by the secret salt."""
    digest = hashlib.sha256(b"w2s-task\0" + salt + f"\0{task}\0{size}\0{seed}".encode()).digest()
    return np.random.default_rng(np.random.SeedSequence(int.from_bytes(digest, "big")))


def _rotation(rng: np.random.Generator, d: int) -> np.ndarray:
    """A uniformly random orthogonal matrix (QR with sign fix)."""
    q, r = np.linalg.qr(rng.standard_normal((d, d)))
    return q * np.sign(np.diag(r))


def _latents(spec: TaskSpec, rng: np.random.Generator, n: int, d: int) -> tuple[np.ndarray, ...]:
    """Labels and the latent matrix (n, d): target, binary distractors, continuous factors, noise.

    Everything is drawn in float32: at the split sizes used here float64 draws and products
    would dominate a one-seed run.
    """
    y = (rng.random(n) < spec.positive_rate).astype(np.int64)
    flip = rng.random(n) < spec.label_flip
    bits = rng.random((n, spec.n_binary)) < 0.5
    latent = rng.standard_normal((n, d), dtype=np.float32)
    target = latent[:, 0]
    target *= spec.target_noise
    target += np.where(y == 1, spec.margin, -spec.margin).astype(np.float32)
    y = np.where(flip, 1 - y, y)
    if spec.spurious:
        agree = rng.random(n) < 0.5 + spec.spurious
        bits[:, 0] = np.where(agree, y == 1, y == 0)
    nb, nc = spec.n_binary, spec.n_cont
    latent[:, 1 : 1 + nb] += np.where(bits, spec.binary_amp, -spec.binary_amp).astype(np.float32)
    cont_std = float(np.sqrt(spec.margin**2 + spec.target_noise**2))
    latent[:, 1 + nb : 1 + nb + nc] *= cont_std
    latent[:, 1 + nb + nc :] *= spec.noise_std
    return y, latent


def _latent_scale(spec: TaskSpec, d: int) -> float:
    """RMS scale of the latent coordinates, so x has roughly unit variance per dimension."""
    rest = d - 1 - spec.n_binary - spec.n_cont
    t_var = spec.margin**2 + spec.target_noise**2
    total = t_var * (1 + spec.n_cont) + spec.n_binary * (spec.binary_amp**2 + 1.0)
    return float(np.sqrt((total + rest * spec.noise_std**2) / d))


def _product(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a @ b for the large rotation, on torch's threads.

    torch's CPU product gave the same bits on one thread or two and in row chunks, where
    OpenBLAS's changed with its thread count; and it shares the cores' one thread pool with
    the training that follows, instead of a second pool spinning beside it.
    """
    import torch

    return torch.from_numpy(a).matmul(torch.from_numpy(b)).numpy()


def _make_split(
    spec: TaskSpec, rng: np.random.Generator, n: int, d: int, rot: np.ndarray, view_rot: np.ndarray
) -> Split:
    """Sample n rows, rotate them into x, and build the weak teacher's view."""
    y, latent = _latents(spec, rng, n, d)
    x = _product(latent, (rot.T / _latent_scale(spec, d)).astype(np.float32))
    t_std = float(np.sqrt(spec.margin**2 + spec.target_noise**2))
    if spec.weak_mix == "binary":
        leak = latent[:, 1] / (spec.binary_amp + 1.0)
    else:
        leak = latent[:, 1 + spec.n_binary] / t_std
    signal = latent[:, 0] / t_std + spec.imitable * leak
    signal += spec.private * rng.standard_normal(n, dtype=np.float32)
    view = rng.standard_normal((n, spec.view_dims), dtype=np.float32)
    view[:, 0] = signal
    return Split(x, (view @ view_rot.T.astype(np.float32)).astype(np.float32), y)


def _make_weak_split(
    spec: TaskSpec, rng: np.random.Generator, n: int, view_rot: np.ndarray
) -> Split:
    """The teacher's split: labels and the weak view only, since no student trains on it.

    It draws only the latents the view is built from, the same way `_make_split` does, so
    it stays cheap at the many rows a steady teacher needs.
    """
    y = (rng.random(n) < spec.positive_rate).astype(np.int64)
    flip = rng.random(n) < spec.label_flip
    target = rng.standard_normal(n, dtype=np.float32) * spec.target_noise
    target += np.where(y == 1, spec.margin, -spec.margin).astype(np.float32)
    y = np.where(flip, 1 - y, y)
    t_std = float(np.sqrt(spec.margin**2 + spec.target_noise**2))
    if spec.weak_mix == "binary":
        bits = rng.random(n) < 0.5
        if spec.spurious:
            agree = rng.random(n) < 0.5 + spec.spurious
            bits = np.where(agree, y == 1, y == 0)
        noise = rng.standard_normal(n, dtype=np.float32)
        leak = (np.where(bits, spec.binary_amp, -spec.binary_amp) + noise) / (spec.binary_amp + 1.0)
    else:
        leak = rng.standard_normal(n, dtype=np.float32)  # a continuous factor over its std
    signal = target / t_std + spec.imitable * leak
    signal += spec.private * rng.standard_normal(n, dtype=np.float32)
    view = rng.standard_normal((n, spec.view_dims), dtype=np.float32)
    view[:, 0] = signal
    x = np.zeros((n, 0), dtype=np.float32)
    return Split(x, (view @ view_rot.T.astype(np.float32)).astype(np.float32), y)


def generate(spec: TaskSpec, salt: bytes, size: int, seed: int) -> SeedData:
    """All splits for one seed of one task at `size`; deterministic given the salt."""
    with _one_blas_thread():
        return _generate(spec, salt, size, seed)


def oriented(spec: TaskSpec, salt: bytes, size: int, seed: int) -> TaskSpec:
    """`spec` with its classes swapped for about half the seeds, by a salted coin.

    With a public positive rate, "the smaller cluster is class 1" told a method the labels'
    orientation without the teacher: it could cluster x, name the clusters, and still pass
    the teacher-shuffle ablation by spotting the shuffle. A balanced task has nothing to swap.
    """
    if spec.positive_rate == 0.5:
        return spec
    digest = hashlib.sha256(b"w2s-orient\0" + salt + f"\0{spec.name}\0{size}\0{seed}".encode())
    if digest.digest()[0] & 1:
        return replace(spec, positive_rate=1.0 - spec.positive_rate)
    return spec


def _generate(spec: TaskSpec, salt: bytes, size: int, seed: int) -> SeedData:
    spec = oriented(spec, salt, size, seed)
    rng = task_rng(salt, spec.name, size, seed)
    d = strong_dim(size)
    rot = _rotation(rng, d)
    view_rot = _rotation(rng, spec.view_dims)
    n_weak, n_transfer, n_test = split_sizes(size)
    weak = _make_weak_split(spec, rng, n_weak, view_rot)
    splits = [_make_split(spec, rng, n, d, rot, view_rot) for n in (n_transfer, n_test)]
    return SeedData(weak, *splits)


def generate_many(spec: TaskSpec, salt: bytes, size: int, seeds: list[int]) -> list[SeedData]:
    """`generate` for several seeds, in threads (numpy's draws and products drop the GIL).

    Each seed has its own generator, so the result is the same as a loop over `generate`.
    """
    workers = min(len(seeds), os.cpu_count() or 1)
    with _one_blas_thread():
        if workers <= 1:
            return [_generate(spec, salt, size, seed) for seed in seeds]
        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(lambda seed: _generate(spec, salt, size, seed), seeds))
