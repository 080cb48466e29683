"""Trusted scoring: read a method's prediction file defensively and compute per-seed PGR."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from reviewer.plainnpy import load_plain_npy
from store import capped

MAX_BYTES = 256 * 1024 * 1024


class PredictionError(ValueError):
    """The prediction file is missing, malformed or unsafe; the run counts as failed."""


def _read_regular(path: Path, max_bytes: int) -> bytes:
    """Bytes of a regular file, refusing symlinks (O_NOFOLLOW) and oversized files."""
    try:
        # O_NONBLOCK so a FIFO planted by the method cannot hang the scorer on open.
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError as exc:
        raise PredictionError(f"{path}: cannot open ({exc.strerror})") from exc
    try:
        return capped.read_regular(fd, max_bytes)
    except capped.Refused as exc:
        if exc.why == capped.NOT_REGULAR:
            raise PredictionError(f"{path}: not a regular file") from exc
        if exc.why == capped.TOO_BIG:
            raise PredictionError(f"{path}: {exc.size} bytes exceeds the {max_bytes} cap"
                                  ) from exc
        raise PredictionError(f"{path}: larger than the {max_bytes} cap") from exc
    except OSError as exc:
        raise PredictionError(f"{path}: cannot read ({exc.strerror})") from exc
    finally:
        os.close(fd)


def _parse(path: Path, data: bytes, max_items: int) -> np.ndarray:
    """Decode .npy (never pickles) or JSON `{"predictions": [[...], ...]}`."""
    if path.suffix == ".json":
        try:
            obj = json.loads(data)
            rows = obj["predictions"] if isinstance(obj, dict) else obj
            array = np.array(rows)
        except (ValueError, KeyError, TypeError, RecursionError) as exc:
            raise PredictionError(f"{path}: bad JSON predictions ({exc})") from exc
        whole = array.dtype.kind == "f" and np.isfinite(array).all()
        if whole and (array == np.round(array)).all():
            array = array.astype(np.int64)  # JSON has no ints-vs-floats distinction to keep
        return array
    try:
        return load_plain_npy(data, max_items)
    except ValueError as exc:
        raise PredictionError(f"{path}: not a plain .npy array ({exc})") from exc


def read_predictions(
    path: str | Path, n_seeds: int, n_test: int, max_bytes: int = MAX_BYTES
) -> np.ndarray:
    """Load and validate predictions: shape (n_seeds, n_test), integer dtype, values 0/1."""
    path = Path(path)
    # Room for (seeds, rows, 2), so that probabilities returned by mistake are named as such.
    array = _parse(path, _read_regular(path, max_bytes), 2 * n_seeds * n_test)
    if array.shape == (n_seeds, n_test, 2):
        raise PredictionError(
            f"{path}: shape {array.shape}, expected {(n_seeds, n_test)}: these look like class "
            "probabilities, and run(view) returns class indices (take .argmax(-1))")
    if array.dtype.kind == "f" and np.isnan(array).any():
        raise PredictionError(f"{path}: contains NaN")
    if array.dtype.kind not in "biu":
        raise PredictionError(f"{path}: dtype {array.dtype} is not an integer type")
    if array.shape != (n_seeds, n_test):
        raise PredictionError(f"{path}: shape {array.shape}, expected {(n_seeds, n_test)}")
    if not np.isin(array, (0, 1)).all():
        raise PredictionError(f"{path}: values outside {{0, 1}}")
    return array.astype(np.int8)


@dataclass(frozen=True)
class SeedScore:
    """One seed's accuracies on the test split and its PGR."""

    seed: int
    transfer_acc: float
    weak_acc: float
    ceiling_acc: float

    @property
    def pgr(self) -> float:
        """(transfer - weak) / (ceiling - weak); NaN unless the ceiling is above the teacher,
        since under it the sign flips and a method worse than the teacher scores high."""
        gap = self.ceiling_acc - self.weak_acc
        return (self.transfer_acc - self.weak_acc) / gap if gap > 0 else float("nan")

    def to_json(self) -> dict:
        """The `per_seed` entry of a rerun record."""
        return {"seed": self.seed, "transfer_acc": self.transfer_acc,
                "weak_acc": self.weak_acc, "ceiling_acc": self.ceiling_acc, "pgr": self.pgr}


def score_arrays(
    preds: np.ndarray, labels: list[np.ndarray], seeds: list[int],
    weak_accs: list[float], ceiling_accs: list[float],
) -> list[SeedScore]:
    """Per-seed scores of validated predictions against the trusted labels and baselines."""
    return [
        SeedScore(seed, float(np.mean(preds[i] == y)), weak, ceil)
        for i, (seed, y, weak, ceil) in enumerate(
            zip(seeds, labels, weak_accs, ceiling_accs, strict=True))
    ]


def fixed_baseline_pgr(scores: list[SeedScore]) -> float:
    """PGR against the mean teacher and ceiling across seeds (as the public sandbox reports)."""
    t = float(np.mean([s.transfer_acc for s in scores]))
    w = float(np.mean([s.weak_acc for s in scores]))
    c = float(np.mean([s.ceiling_acc for s in scores]))
    return (t - w) / (c - w) if c > w else float("nan")
