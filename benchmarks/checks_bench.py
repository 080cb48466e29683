"""The static checks at ingest: one agent's long git branch, and proposals that carry code.

    python -m benchmarks.checks_bench                      # both figures, median of 3
    python -m benchmarks.checks_bench --commits 6 --methods 3 --count 30 --repeats 1   # smoke

**ingest-git of a branch.** Each commit changes one method, so a commit's proposal (its whole
diff from the harness commit) carries every method the branch has touched so far: the same
files again and again. The baseline turns off the memo of per-file checks and code forms
(`reviewer.checks.memo`), so every file of every diff is analysed again.

**Proposals with code.** The finding files of the main ingest figure carry no code, so no
diff is scanned. Agents' native proposals do: each has a method diff of 50-2,000 lines (the
store generator's), and its static checks (diff scan, normalised code, duplicate search) cost
far more than storing it. The baseline runs the same ingest with all of them in this process.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.corpus import Corpus
from benchmarks.figures import Figure, median, ms, one_line, secs, timed, times
from benchmarks.generate_store import new_proposal
from reviewer.checks import normalize, scanpool, static
from reviewer.checks.memo import clear_all
from reviewer.commands.ingest import ingest_paths
from reviewer.gitenv import isolated_env
from reviewer.harness import api
from reviewer.harness.gitexport import commit_tree
from reviewer.harness.treehash import git_tree_hash
from reviewer.paths import db_path
from store import ReviewStore

ACTOR = "bench"


def make_branch(root: Path, commits: int, methods: int) -> Path:
    """The exported harness as a git repository, and `commits` commits on `main` after it."""
    repo = api.export_tree(root / "repo")
    base = commit_tree(repo, api.tree_hash())
    naive = (repo / "methods" / "naive.py").read_text()
    stream = []
    for i in range(commits):
        body = f"{naive}\n\ndef variant_{i}(x):\n    return x * {i} + {i % 7}\n"
        message = f"m{i % methods}: variant {i}\n\nTry variant {i}.\n\nIdea: m{i % methods}\n"
        stream.append(f"commit refs/heads/main\ncommitter agent <agent@localhost> "
                      f"{1_700_000_000 + i} +0000\ndata {len(message.encode())}\n{message}")
        if i == 0:
            stream.append(f"from {base}\n")
        stream.append(f"M 100644 inline methods/m{i % methods}.py\n"
                      f"data {len(body.encode())}\n{body}\n")
    subprocess.run(["git", "-C", str(repo), "fast-import", "--quiet"], check=True,
                   input="".join(stream).encode(), env=isolated_env(root))  # fmt: skip
    return repo


def _ingest_git(repo: Path, home: Path, memo: bool, commits: int) -> float:
    """Seconds for `reviewer ingest-git repo` into a fresh store under `home`."""
    from reviewer.cli import cli

    entries = (static._PYTHON_CHECKS.entries, normalize._FORMS.entries)
    clear_all()  # what an earlier run analysed must not make this one faster
    if not memo:
        static._PYTHON_CHECKS.entries = normalize._FORMS.entries = 0
    old_home = os.environ.get("REVIEWER_HOME")
    os.environ["REVIEWER_HOME"] = str(home)
    try:
        with contextlib.redirect_stdout(io.StringIO()):
            seconds = timed(lambda: cli.main(["ingest-git", str(repo)], prog_name="reviewer",
                                             standalone_mode=False))
        store = ReviewStore.open(db_path())
        try:
            assert store.count() == commits, f"stored {store.count()} of {commits} commits"
        finally:
            store.close()
        return seconds
    finally:
        static._PYTHON_CHECKS.entries, normalize._FORMS.entries = entries
        if old_home is None:
            os.environ.pop("REVIEWER_HOME", None)
        else:
            os.environ["REVIEWER_HOME"] = old_home


def measure_git(commits: int, methods: int, repeats: int) -> dict[str, list[float]]:
    """Wall seconds with and without the memo, interleaved, `repeats` of each."""
    runs: dict[str, list[float]] = {"memo": [], "afresh": []}
    with tempfile.TemporaryDirectory(prefix="reviewer-bench-git-") as tmp:
        repo = make_branch(Path(tmp), commits, methods)
        for i in range(repeats):
            runs["memo"].append(_ingest_git(repo, Path(tmp, f"memo{i}"), True, commits))
            runs["afresh"].append(_ingest_git(repo, Path(tmp, f"afresh{i}"), False, commits))
    return runs


def _figure(name: str, runs: dict[str, list[float]], baseline: str, each: str, items: int
            ) -> Figure:
    """`runs` holds the measured times first and the baseline's second."""
    (_, measured), (_, old) = runs.items()
    t, base = median(measured), median(old)
    return Figure(name, secs(t), "-", f"{baseline} {secs(base)}", times(base / t), None,
                  f"{ms(t / items)} {each}; median of {len(measured)}, interleaved", dict(runs))


def git_figure(commits: int, methods: int, repeats: int) -> Figure:
    return _figure(f"ingest-git: {commits:,} commits over {methods} methods",
                   measure_git(commits, methods, repeats), "files afresh", "a commit", commits)


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


def _ingest_files(folder: Path, db: Path, count: int, workers: bool) -> float:
    clear_all()  # what an earlier run analysed must not make this one faster
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


def measure_code(count: int, seed: int, repeats: int) -> dict[str, list[float]]:
    """Wall seconds with workers and in one process, interleaved, `repeats` of each."""
    runs: dict[str, list[float]] = {"workers": [], "here": []}
    with tempfile.TemporaryDirectory(prefix="reviewer-bench-code-") as tmp:
        folder = Path(tmp, "proposals")
        write_proposals(folder, count, seed)
        for i in range(repeats):
            for name, workers in (("workers", True), ("here", False)):
                db = Path(tmp, f"{name}{i}", "store.db")
                runs[name].append(_ingest_files(folder, db, count, workers))
    return runs


def code_figure(count: int, seed: int, repeats: int) -> Figure:
    return _figure(f"ingest {count:,} proposals with code", measure_code(count, seed, repeats),
                   "scans in one process", "a proposal, static checks included", count)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=600, help="commits on the branch")
    parser.add_argument("--methods", type=int, default=40, help="methods they cycle through")
    parser.add_argument("--count", type=int, default=500, help="proposals with code")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    print(one_line(git_figure(args.commits, args.methods, args.repeats)))
    print(one_line(code_figure(args.count, args.seed, args.repeats)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
