"""Trusted baselines per seed: the weak teacher and the strong ceiling, cached on disk.

The cache lives under `reviewer.paths.cache_dir()`, which no method process can see. It is
keyed by the harness tree hash, the salt's fingerprint, the task, the size and the device.
"""

from __future__ import annotations

import io
import sys
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from reviewer.harness import tasks
from reviewer.harness.salt import load_salt, salt_id
from reviewer.harness.teacher import one_hot, train_teacher
from reviewer.harness.tree.w2s_kit import losses, student
from reviewer.harness.tree.w2s_kit.budget import student_budget
from reviewer.harness.treehash import git_tree_hash
from reviewer.paths import cache_dir
from store.atomic import replace_bytes


@dataclass(frozen=True)
class SeedBaseline:
    """One seed's teacher outputs and baseline accuracies on the test split."""

    seed: int
    weak_probs: np.ndarray  # (N_transfer, 2) float32, the teacher's soft labels
    weak_test_probs: np.ndarray  # (N_test, 2) float32
    weak_acc: float
    ceiling_acc: float


@dataclass
class _Held:
    """One (salt, task, size)'s test labels by seed, while a `data_held` block runs."""

    key: tuple[bytes, str, int] | None = None
    labels: dict[int, np.ndarray] = field(default_factory=dict)
    unsaved: dict[Path, SeedBaseline] = field(default_factory=dict)  # by cache file


_HELD: ContextVar[_Held | None] = ContextVar("reviewer_held_labels", default=None)


@contextmanager
def data_held() -> Iterator[None]:
    """In this block, the test labels of the data `load_data` made are kept for `load_labels`.

    A rerun builds the view, then scores the method, reads the trusted labels and scores the
    ablation: each of those needs only the labels, and regenerating every split for them
    took about 2 s each at size 16. The arrays themselves are not kept, so the method runs
    beside no copy of them; only the latest task's labels are, and the context is per thread.
    Baselines the cache could not store (a full disk) are kept too, so every step of the
    rerun scores against the same ones. A block inside another keeps the outer one's.
    """
    if _HELD.get() is not None:
        yield
        return
    token = _HELD.set(_Held())
    try:
        yield
    finally:
        _HELD.reset(token)


def _held(salt: bytes, task: str, size: int) -> _Held | None:
    held = _HELD.get()
    if held is not None and held.key != (salt, task, size):
        held.key, held.labels = (salt, task, size), {}
    return held


def load_data(task: str, size: int, seeds: list[int]) -> list[tasks.SeedData]:
    """Regenerate each seed's splits from the secret salt."""
    spec = tasks.TASKS[task]
    salt = load_salt()
    data = tasks.generate_many(spec, salt, size, seeds)
    held = _held(salt, task, size)
    if held is not None:
        held.labels.update((s, d.test.y) for s, d in zip(seeds, data, strict=True))
    return data


def load_labels(task: str, size: int, seeds: list[int]) -> list[np.ndarray]:
    """Each seed's test labels: kept from `load_data` in a `data_held` block, else made."""
    held = _held(load_salt(), task, size)
    kept: dict[int, np.ndarray] = {} if held is None else held.labels
    missing = [s for s in dict.fromkeys(seeds) if s not in kept]
    if missing:
        made = load_data(task, size, missing)
        kept.update((s, d.test.y) for s, d in zip(missing, made, strict=True))
    return [kept[s] for s in seeds]


def _stack(data: list[tasks.SeedData], split: str, field: str, device: str = "cpu") -> torch.Tensor:
    """Stack one array of one split across seeds into (S, ...) on `device`.

    Each seed is copied straight into its slot, so a GPU run skips a host-side stack
    of the whole batch (over a gigabyte at size 16 with five seeds).
    """
    arrays = [torch.from_numpy(getattr(getattr(d, split), field)) for d in data]
    out = torch.empty((len(arrays), *arrays[0].shape), dtype=arrays[0].dtype, device=device)
    for slot, array in zip(out, arrays, strict=True):
        slot.copy_(array)
    return out


def weak_predictions(weak_test_probs: np.ndarray) -> np.ndarray:
    """The teacher's hard predictions, exactly as a method would take them (argmax)."""
    return np.argmax(weak_test_probs, axis=-1)


def accuracy(preds: np.ndarray, y: np.ndarray) -> float:
    """Share of rows where `preds` equals `y`."""
    return float(np.mean(np.asarray(preds) == y))


def compute_baselines(
    task: str, size: int, seeds: list[int], device: str, data: list[tasks.SeedData]
) -> list[SeedBaseline]:
    """Train teachers and ceilings for `seeds` as one batched computation."""
    teacher = train_teacher(_stack(data, "weak_train", "view", device),
                            _stack(data, "weak_train", "y", device), seeds, size, device)
    weak = student.predict_proba(teacher, _stack(data, "transfer", "view", device)).cpu().numpy()
    weak_test = student.predict_proba(teacher, _stack(data, "test", "view", device)).cpu().numpy()
    x_t = _stack(data, "transfer", "x", device)
    budget = student_budget(size)
    init = student.init_params(seeds, x_t.shape[-1], budget.width, device, torch.float32)
    ceiling = student.fit(init, x_t, one_hot(_stack(data, "transfer", "y", device)), losses.xent,
                          budget, seeds)
    del x_t  # the largest array of the run; free it before the test split arrives
    x_test = _stack(data, "test", "x", device)
    ceil_pred = student.predict_proba(ceiling, x_test).argmax(-1).cpu().numpy()
    out = []
    for i, (seed, d) in enumerate(zip(seeds, data, strict=True)):
        wt = weak_test[i].astype(np.float32)
        out.append(SeedBaseline(seed, weak[i].astype(np.float32), wt,
                                accuracy(weak_predictions(wt), d.test.y),
                                accuracy(ceil_pred[i], d.test.y)))
    return out


def cache_folder(task: str, size: int, device: str) -> Path:
    """Where one (tree, salt, data version, task, size, device kind) keeps its baselines."""
    kind = torch.device(device).type
    return (cache_dir() / "harness" / "baselines" / git_tree_hash() / salt_id(load_salt())
            / f"data{tasks.DATA_VERSION}" / task / f"size{size}" / kind)


def write_atomic(path: Path, data: bytes) -> None:
    """Put `data` at `path` through a synced temporary file beside it.

    On failure no temporary file is left, and the OSError names `path` (its folder when that
    cannot be made) with the reason.
    """
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror or str(exc), str(path.parent)) from exc
    try:
        replace_bytes(path, data)  # synced: a crash must not leave a renamed but empty file
    except OSError as exc:
        raise OSError(exc.errno, exc.strerror or str(exc), str(path)) from exc


def _save(path: Path, b: SeedBaseline) -> None:
    """Write one seed's baseline atomically (see `write_atomic`)."""
    buf = io.BytesIO()
    np.savez(buf, weak_probs=b.weak_probs, weak_test_probs=b.weak_test_probs,
             accs=np.array([b.weak_acc, b.ceiling_acc]))
    write_atomic(path, buf.getvalue())


def _save_all(made: dict[Path, SeedBaseline]) -> dict[Path, SeedBaseline]:
    """Cache each baseline; those that could not be written, after one note on stderr.

    The cache is only a cache: a full disk costs recomputing the baselines next time, never
    the rerun at hand.
    """
    unsaved: dict[Path, SeedBaseline] = {}
    first: OSError | None = None
    for path, b in made.items():
        try:
            _save(path, b)
        except OSError as exc:
            unsaved[path] = b
            first = first or exc
    if first is not None:
        print(f"note: could not cache {len(unsaved)} baseline(s): {first.filename}: "
              f"{first.strerror}; scoring without the cache", file=sys.stderr)
    return unsaved


def _load(path: Path, seed: int) -> SeedBaseline | None:
    """Read one seed's cached baseline (no pickles); None when there is none or it cannot be
    read whole (a file cut short before cache writes went through a synced temp file)."""
    try:
        with np.load(path, allow_pickle=False) as z:
            accs = z["accs"]
            return SeedBaseline(seed, z["weak_probs"], z["weak_test_probs"],
                                float(accs[0]), float(accs[1]))
    except (OSError, ValueError, EOFError, KeyError, IndexError, zipfile.BadZipFile):
        return None


def get_baselines(
    task: str, size: int, seeds: list[int], device: str = "cpu",
    data: list[tasks.SeedData] | None = None,
) -> list[SeedBaseline]:
    """Baselines for `seeds`, from the cache where present; missing seeds train together."""
    if task not in tasks.TASKS:
        raise KeyError(f"unknown task {task!r}; known: {', '.join(tasks.TASKS)}")
    folder = cache_folder(task, size, device)
    paths = {s: folder / f"seed{s}.npz" for s in seeds}
    held = _HELD.get()
    kept = {} if held is None else held.unsaved
    found = {s: kept[paths[s]] for s in seeds if paths[s] in kept}
    for s in seeds:
        if s not in found and (cached := _load(paths[s], s)) is not None:
            found[s] = cached
    missing = [s for s in seeds if s not in found]
    if missing:
        by_seed = dict(zip(seeds, data, strict=True)) if data else {}
        miss_data = [by_seed[s] for s in missing] if data else load_data(task, size, missing)
        made = compute_baselines(task, size, missing, device, miss_data)
        found.update((b.seed, b) for b in made)
        kept.update(_save_all({paths[b.seed]: b for b in made}))
    return [found[s] for s in seeds]
