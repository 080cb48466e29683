"""Ingest of native proposals that carry code, with the diff scans in workers or in one process.

    python -m benchmarks.code_ingest_bench                 # 500 proposals, median of 3
    python -m benchmarks.code_ingest_bench --count 20 --repeats 1   # smoke

The finding files of the main ingest figure carry no code, so no diff is scanned. Agents'
native proposals do: each has a method diff of 50-2,000 lines (the store generator's), and
its static checks (diff scan, normalised code, duplicate search) cost far more than storing
it. The baseline runs the same ingest with every diff scanned in this process.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.corpus import Corpus
from benchmarks.figures import Figure, median, ms, secs, timed, times
from benchmarks.generate_store import new_proposal
from reviewer.checks import memo, scanpool
from reviewer.commands.ingest import ingest_paths
from reviewer.harness.treehash import git_tree_hash
from store import ReviewStore

ACTOR = "bench"


def write_proposals(folder: Path, count: int, seed: int) -> None:
    """`count` native proposal files, each with its diff inline, deterministic in `seed`."""
    folder.mkdir(parents=True)
    corpus, base = Corpus(seed), git_tree_hash()
    for i in range(count):
        proposal = new_proposal(corpus, i, base)
        obj = {k: v for k, v in proposal.original.items() if k not in ("diff_path", "parent")}
        assert proposal.diff is not None
        obj["diff"] = proposal.diff.decode()
        (folder / f"{i:06d}.json").write_text(json.dumps(obj))


def _ingest(folder: Path, db: Path, count: int, workers: bool) -> float:
    memo.clear_all()  # what an earlier run analysed must not make this one faster
    minimum = scanpool.PARALLEL_MIN
    if not workers:
        scanpool.PARALLEL_MIN = sys.maxsize
    store = ReviewStore.open(db)
    try:
        report = None

        def run() -> None:
            nonlocal report
            report = ingest_paths(store, [folder], ACTOR)

        seconds = timed(run)
        assert report is not None and not report.errors and len(report.added) == count, report
        assert not report.warnings, report.warnings
        return seconds
    finally:
        store.close()
        scanpool.PARALLEL_MIN = minimum


def measure(count: int, seed: int, repeats: int) -> dict[str, list[float]]:
    """Wall seconds with workers and in one process, interleaved, `repeats` of each."""
    runs: dict[str, list[float]] = {"workers": [], "here": []}
    with tempfile.TemporaryDirectory(prefix="reviewer-bench-code-") as tmp:
        folder = Path(tmp, "proposals")
        write_proposals(folder, count, seed)
        for i in range(repeats):
            runs["workers"].append(_ingest(folder, Path(tmp, f"w{i}", "store.db"), count, True))
            runs["here"].append(_ingest(folder, Path(tmp, f"h{i}", "store.db"), count, False))
    return runs


def code_figure(count: int, seed: int, repeats: int) -> Figure:
    runs = measure(count, seed, repeats)
    t, base = median(runs["workers"]), median(runs["here"])
    return Figure(f"ingest {count:,} proposals with code", secs(t), "-",
                  f"scans in one process {secs(base)}", times(base / t), None,
                  f"{ms(t / count)} a proposal, static checks included; median of {repeats}, "
                  f"interleaved", dict(runs))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    figure = code_figure(args.count, args.seed, args.repeats)
    print(f"{figure.name}: {figure.measured} ({figure.note}); baseline {figure.baseline}, "
          f"{figure.ratio}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
