"""Write the view folder a method process reads: unlabeled arrays and teacher labels only."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from reviewer.harness import baselines
from reviewer.harness.tasks import SeedData
from reviewer.harness.tree.w2s_kit.view import META
from reviewer.harness.treehash import git_tree_hash

VIEW_FORMAT = 1


def write_view(
    task: str, size: int, seeds: list[int], out_dir: str | Path, device: str = "cpu",
    data: list[SeedData] | None = None,
) -> Path:
    """Materialise the view for (task, size, seeds) into `out_dir`; baselines are cached.

    The folder gets x_transfer, weak_probs, x_test, weak_test_probs (.npy) and meta.json.
    Labels, the teacher's view and the salt never enter it.
    """
    data = data or baselines.load_data(task, size, seeds)
    base = baselines.get_baselines(task, size, seeds, device, data)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    arrays = {
        "x_transfer": np.stack([d.transfer.x for d in data]),
        "weak_probs": np.stack([b.weak_probs for b in base]),
        "x_test": np.stack([d.test.x for d in data]),
        "weak_test_probs": np.stack([b.weak_test_probs for b in base]),
    }
    for name, array in arrays.items():
        np.save(out / f"{name}.npy", array.astype(np.float32), allow_pickle=False)
    meta = {
        "format": VIEW_FORMAT,
        "task": task,
        "size": size,
        "seeds": list(seeds),
        "dim": int(arrays["x_transfer"].shape[-1]),
        "n_transfer": int(arrays["x_transfer"].shape[1]),
        "n_test": int(arrays["x_test"].shape[1]),
        "harness": git_tree_hash(),
    }
    (out / META).write_text(json.dumps(meta, indent=2), encoding="utf-8")
    return out
