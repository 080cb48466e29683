"""Runner: `python -m w2s_kit.run --view DIR --out DIR --idea NAME [--device cpu]`.

It reads only the view folder, imports `methods/<idea>.py`, and writes the method's
predictions to `<out>/predictions.npy` (int8, shape (S, N_test)) plus `<out>/run.json`.
"""

from __future__ import annotations

import argparse
import importlib
import json
import re
import sys
import time
from pathlib import Path

import numpy as np
import torch

from .view import load_view

IDEA = re.compile(r"^[a-z_][a-z0-9_]{0,63}$")


def run_idea(idea: str, view_dir: str, out_dir: str, device: str) -> Path:
    """Run one method on one view folder and write its predictions; returns the file."""
    if not IDEA.match(idea):
        raise ValueError(f"bad idea name {idea!r}: use lowercase letters, digits and _")
    # The methods package sits beside w2s_kit, so the tree root must be importable.
    root = str(Path(__file__).resolve().parent.parent)
    if root not in sys.path:
        sys.path.insert(0, root)
    view = load_view(view_dir, device)
    module = importlib.import_module(f"methods.{idea}")
    start = time.perf_counter()
    preds = module.run(view)
    wall = time.perf_counter() - start
    if not isinstance(preds, torch.Tensor):
        raise TypeError(f"run() must return a torch tensor, got {type(preds).__name__}")
    array = preds.detach().to("cpu").numpy()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / "predictions.npy"
    np.save(path, array.astype(np.int8) if array.dtype.kind in "biu" else array,
            allow_pickle=False)
    info = {"idea": idea, "seeds": view.seeds, "wall_s": wall, "device": device,
            "torch": torch.__version__}
    (out / "run.json").write_text(json.dumps(info), encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m w2s_kit.run")
    parser.add_argument("--view", required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--idea", required=True)
    parser.add_argument("--device", default="cpu")
    args = parser.parse_args(argv)
    run_idea(args.idea, args.view, args.out, args.device)
    return 0


if __name__ == "__main__":
    sys.exit(main())
