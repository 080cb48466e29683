"""Read an external harness's outputs and the reviewer's labels, trusted side.

Everything the sandbox wrote is hostile: no symlinks at any level, no FIFOs, size caps,
strict JSON (no NaN, Infinity or duplicate keys), `.npy` without pickle, and exactly one
0/1 int per test row.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

from reviewer.config import STDOUT
from reviewer.plainnpy import load_plain_npy
from store import capped

BEGIN, END = "### RESULTS_JSON ###", "### END_RESULTS ###"
MAX_PREDICTION_BYTES = 64 * 1024 * 1024


class PredictionError(ValueError):
    """A seed's predictions are missing, malformed or unsafe to read."""


class LabelsError(ValueError):
    """The reviewer's label file is unreadable or malformed."""


def _reject(value: str) -> NoReturn:
    raise ValueError(f"{value} is not allowed")


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError("duplicate key in a JSON object")
    return dict(pairs)


def strict_json(text: str | bytes) -> Any:
    """JSON without NaN, Infinity or duplicate keys, which a hostile writer could use."""
    return json.loads(text, parse_constant=_reject, object_pairs_hook=_no_duplicates)


def read_predictions(where: str, out: Path, stdout: str, n: int) -> np.ndarray:
    """One seed's predictions from its stdout block or its output file, checked against `n`."""
    if where == STDOUT:
        return _check(_from_block(stdout), n)
    rel = where.removeprefix("{out}/")
    data = _read_under(out, rel)
    if rel.endswith(".npy"):
        try:
            array = load_plain_npy(data, n)
        except ValueError as exc:
            raise PredictionError(f"{rel}: not a plain .npy array ({exc})") from exc
        if array.ndim != 1 or array.dtype.kind not in "iu":
            raise PredictionError(f"{rel}: need a 1-D int array, not {array.dtype} {array.shape}")
        return _check(array.tolist(), n)
    try:
        obj = strict_json(data)
    except (ValueError, RecursionError) as exc:
        raise PredictionError(f"{rel}: bad JSON ({exc})") from exc
    return _check(obj, n)


def _from_block(stdout: str) -> Any:
    """The JSON of the last complete RESULTS_JSON block on stdout."""
    end = stdout.rfind(END)
    begin = stdout.rfind(BEGIN, 0, end) if end >= 0 else -1
    if begin < 0:
        raise PredictionError(f"no complete {BEGIN} … {END} block on stdout")
    try:
        return strict_json(stdout[begin + len(BEGIN) : end])
    except (ValueError, RecursionError) as exc:
        raise PredictionError(f"bad JSON in the results block ({exc})") from exc


def _check(obj: Any, n: int) -> np.ndarray:
    """A flat list of exactly `n` ints, each 0 or 1 (booleans and floats are refused)."""
    rows = obj.get("predictions") if isinstance(obj, dict) else obj
    if not isinstance(rows, list):
        raise PredictionError("need a `predictions` list")
    if len(rows) != n:
        raise PredictionError(f"{len(rows)} predictions for {n} test rows")
    for i, value in enumerate(rows):
        if type(value) is not int or value not in (0, 1):
            raise PredictionError(f"row {i}: {str(value)[:40]!r} is not 0 or 1")
    return np.asarray(rows, dtype=np.int8)


def _read_under(root: Path, rel: str, cap: int = MAX_PREDICTION_BYTES) -> bytes:
    """A regular file under `root`, following no symlink at any level and never blocking."""
    fds: list[int] = []
    try:
        folder_flags = os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW
        fds.append(os.open(root, folder_flags))
        *folders, name = rel.split("/")
        for folder in folders:
            fds.append(os.open(folder, folder_flags, dir_fd=fds[-1]))
        fds.append(os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=fds[-1]))
        return capped.read_regular(fds[-1], cap)
    except capped.Refused as exc:
        if exc.why == capped.NOT_REGULAR:
            raise PredictionError(f"{rel}: not a regular file") from exc
        if exc.why == capped.TOO_BIG:
            raise PredictionError(f"{rel}: {exc.size} bytes exceeds the {cap}-byte cap") from exc
        raise PredictionError(f"{rel}: larger than the {cap}-byte cap") from exc
    except OSError as exc:
        raise PredictionError(f"{rel}: cannot open ({exc.strerror})") from exc
    finally:
        for fd in fds:
            os.close(fd)


def load_labels(path: Path) -> np.ndarray:
    """The reviewer's test labels: JSON list (or {"labels": [...]}) or .npy of 0/1."""
    try:
        if path.suffix == ".npy":
            values = np.load(path, allow_pickle=False).tolist()
        else:
            obj = strict_json(path.read_bytes())
            values = obj.get("labels") if isinstance(obj, dict) else obj
    except (OSError, ValueError, EOFError) as exc:
        raise LabelsError(f"cannot read the labels file {path}: {exc}") from exc
    try:
        labels = _check(values, len(values) if isinstance(values, list) else -1)
    except PredictionError as exc:
        raise LabelsError(f"bad labels file {path}: {exc}") from exc
    if labels.size == 0:
        raise LabelsError(f"the labels file {path} is empty")
    return labels
