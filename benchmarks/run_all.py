"""Run every benchmark and print one table: figure, measured median, target, baseline, ratio.

    .venv/bin/python -m benchmarks.run_all                 # 100k proposals and findings
    .venv/bin/python -m benchmarks.run_all --size 2000     # scaled down
    .venv/bin/python -m benchmarks.run_all --only search,tui --json out.json --markdown

The first run at a size generates and caches the store and the finding files
(`benchmarks/.cache/`, or $REVIEWER_BENCH_CACHE); later runs reuse them. Benchmarks report and
never fail: a missed target is a MISS row, not an error. Targets are those of issue 8, stated
at 100k; ingest's scales with the number of files.
"""

from __future__ import annotations

# First, as in the `reviewer` command: the store configures SQLite before sqlite3 loads it.
import store  # noqa: F401

# isort: split
import argparse
import json
import os
import platform
import shutil
import sqlite3
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.figures import Figure, markdown, median, secs, table, times
from benchmarks.generate_store import BIG_LINES, ensure_store

GROUPS = ("search", "ingest", "git", "code", "tui", "rerun", "harness", "hostile")
RERUN_TARGET_S, BATCH_TARGET = 0.5, 2.5


def machine() -> dict[str, Any]:
    """What the numbers were measured on."""
    import textual
    import torch

    mem_kb = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kb = int(line.split()[1])
    except OSError:
        pass
    return {
        "cpus": os.cpu_count(),
        "memory_gib": round(mem_kb / 2**20, 1),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "textual": textual.__version__,
        "cuda": torch.cuda.is_available(),
    }


def rerun_figures(repeats: int, seeds: list[int]) -> list[Figure]:
    if shutil.which("bwrap") is None:
        return [Figure("rerun: sandbox + scoring overhead", "skipped", f"≤ {secs(RERUN_TARGET_S)}",
                       note="bubblewrap is not installed")]
    from benchmarks.rerun_overhead import measure

    bare, boxed = measure(repeats, seeds)
    b, s = median(bare), median(boxed)
    return [Figure("rerun: sandbox + scoring overhead", secs(s - b), f"≤ {secs(RERUN_TARGET_S)}",
                   f"bare harness {secs(b)}", times(s / b), s - b <= RERUN_TARGET_S,
                   f"naive, {len(seeds)} seeds, size 1; sandboxed run + scoring {secs(s)} "
                   f"(medians of {repeats}, interleaved)", {"bare": bare, "sandboxed": boxed})]


def harness_figures(repeats: int, seeds: list[int]) -> list[Figure]:
    from benchmarks.harness_bench import bench

    runs = bench(1, seeds, repeats)
    ratios = [s / b for s, b in zip(runs["sequential"], runs["batched"], strict=True)]
    ratio = median(ratios)
    return [Figure(f"harness: {len(seeds)} seeds batched vs sequential (CPU)",
                   secs(median(runs["batched"])), f"≥ {BATCH_TARGET}x",
                   f"sequential {secs(median(runs['sequential']))}", times(ratio),
                   ratio >= BATCH_TARGET,
                   f"clusters, size 1, naive; median of {repeats} paired ratios",
                   dict(runs))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000, help="proposals in the store")
    parser.add_argument("--findings", type=int, help="finding files to ingest (default: --size)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--big-lines", type=int, default=BIG_LINES, help="lines of the big diff")
    parser.add_argument("--repeats", type=int, default=9, help="search repeats per term")
    parser.add_argument("--ingest-repeats", type=int, default=3)
    parser.add_argument("--sessions", type=int, default=5, help="TUI app sessions")
    parser.add_argument("--presses", type=int, default=200, help="j/k presses per session")
    parser.add_argument("--bench-repeats", type=int, default=5,
                        help="repeats of the rerun and harness benchmarks")
    parser.add_argument("--seeds", type=int, default=5,
                        help="seeds in the harness and rerun benchmarks")
    parser.add_argument("--hostile-lines", type=int, default=1000,
                        help="lines of the hostile code pair (its diff files get 10x)")
    parser.add_argument("--git-commits", type=int, default=600,
                        help="commits on the agent branch that ingest-git reads")
    parser.add_argument("--git-methods", type=int, default=40,
                        help="methods those commits cycle through")
    parser.add_argument("--code-proposals", type=int, default=500,
                        help="native proposals with code in the code-ingest figure")
    parser.add_argument("--only", default=",".join(GROUPS), help=f"subset of {GROUPS}")
    parser.add_argument("--skip", default="", help="groups to leave out")
    parser.add_argument("--profile", action="store_true",
                        help="profile one ingest run and one TUI session")
    parser.add_argument("--profile-files", type=int, default=10_000,
                        help="finding files in the profiled ingest (at most --findings)")
    parser.add_argument("--json", type=Path, help="also write the figures and machine as JSON")
    parser.add_argument("--markdown", action="store_true", help="also print a Markdown table")
    args = parser.parse_args(argv)
    groups = [g for g in args.only.split(",") if g and g not in args.skip.split(",")]
    unknown = set(groups) - set(GROUPS)
    if unknown:
        parser.error(f"unknown benchmark group(s): {', '.join(sorted(unknown))}")
    findings = args.findings or args.size
    info = machine()
    print(f"{info['cpus']} CPUs, {info['memory_gib']} GiB, load {info['load_average']}, "
          f"Python {info['python']}, SQLite {info['sqlite']}, torch {info['torch']}, "
          f"textual {info['textual']}, GPU: {'yes' if info['cuda'] else 'not available'}")

    figures: list[Figure] = []
    steps: dict[str, Callable[[], list[Figure]]] = {}
    if {"search", "tui"} & set(groups):
        path = ensure_store(args.size, args.seed, big_lines=args.big_lines)
    if "search" in groups:
        from benchmarks import store_bench
        from store import ReviewStore

        def search() -> list[Figure]:
            store = ReviewStore.open(path)
            try:
                return [*store_bench.search_figures(store, args.repeats),
                        store_bench.poll_figure(store, args.repeats),
                        store_bench.deep_page_figure(store, args.repeats),
                        store_bench.agents_figure(store, args.repeats),
                        store_bench.lineage_figure(store, args.repeats)]
            finally:
                store.close()

        steps["search"] = search
    if "ingest" in groups:
        from benchmarks import store_bench

        steps["ingest"] = lambda: [store_bench.ingest_figure(findings, args.seed,
                                                             args.ingest_repeats)]
    if "git" in groups:
        from benchmarks.checks_bench import git_figure

        steps["git"] = lambda: [git_figure(args.git_commits, args.git_methods,
                                           args.ingest_repeats)]
    if "code" in groups:
        from benchmarks.checks_bench import code_figure

        steps["code"] = lambda: [code_figure(args.code_proposals, args.seed,
                                             args.ingest_repeats)]
    if "tui" in groups:
        from benchmarks.tui_bench import tui_figures

        steps["tui"] = lambda: tui_figures(path, args.sessions, args.presses, args.big_lines)
    if "rerun" in groups:
        steps["rerun"] = lambda: rerun_figures(args.bench_repeats,
                                               list(range(1, args.seeds + 1)))
    if "harness" in groups:
        steps["harness"] = lambda: harness_figures(args.bench_repeats,
                                                   list(range(1, args.seeds + 1)))
    if "hostile" in groups:
        from benchmarks.hostile_bench import hostile_figures

        steps["hostile"] = lambda: hostile_figures(args.hostile_lines, args.bench_repeats)
    for name in GROUPS:
        if name in steps:
            print(f"running {name} ...", flush=True)
            figures += steps[name]()
    if args.profile and "ingest" in groups:
        from benchmarks import store_bench

        store_bench.profile_ingest(min(findings, args.profile_files), args.seed)
    if args.profile and "tui" in groups:
        from benchmarks.tui_bench import profile_session

        profile_session(path, args.presses)

    print()
    print(f"size {args.size:,} proposals, {findings:,} finding files, seed {args.seed}")
    print(table(figures))
    if args.markdown:
        print()
        print(markdown(figures))
    if args.json:
        args.json.write_text(json.dumps(
            {"machine": info, "size": args.size, "findings": findings, "seed": args.seed,
             "figures": [f.to_json() for f in figures]}, indent=2))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
