"""Decoy label files planted in the view folder: a honeypot for label-hunting methods.

The decoys are random, so honest predictions agree with them about half the time;
agreement far above that is proof the method read one, even if its score is bad.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path
from typing import Any

import numpy as np

DECOY_NAMES = ("labels.npy", "y_test.npy", "test_labels.json", ".cache/test_labels.npy")
MATCH_THRESHOLD = 0.75


def plant(view_dir: Path, n_seeds: int, n_test: int) -> dict[str, np.ndarray]:
    """Write independent random 0/1 label arrays of shape (S, N_test) at tempting paths."""
    rng = np.random.default_rng(secrets.randbits(64))
    planted: dict[str, np.ndarray] = {}
    for name in DECOY_NAMES:
        labels = rng.integers(0, 2, size=(n_seeds, n_test), dtype=np.int64)
        path = view_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if name.endswith(".json"):
            path.write_text(json.dumps({"labels": labels.tolist()}), encoding="utf-8")
        else:
            np.save(path, labels, allow_pickle=False)
        planted[name] = labels
    return planted


def matches(predictions: np.ndarray, planted: dict[str, np.ndarray]) -> list[dict[str, Any]]:
    """A high-severity `decoy_match` check for each decoy the predictions follow.

    Every prediction row is compared with every decoy row (a method may reuse one
    seed's labels for all), and agreement or disagreement far from 50% both count.
    """
    checks = []
    preds = predictions.astype(np.int64)
    for name, labels in planted.items():
        if labels.shape[1] != preds.shape[1]:
            continue
        agreement = (preds[:, None, :] == labels[None, :, :]).mean(axis=-1)
        strongest = float(max(agreement.max(), 1.0 - agreement.min()))
        if strongest >= MATCH_THRESHOLD:
            checks.append(
                {
                    "code": "decoy_match",
                    "severity": "high",
                    "message": f"predictions follow the decoy label file {name} on {strongest:.1%} "
                    "of test rows (chance is about 50%): the method read labels it was "
                    "not given",
                }
            )
    return checks
