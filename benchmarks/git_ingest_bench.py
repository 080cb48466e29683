"""`ingest-git` of one agent's long branch, against the same ingest analysing every file afresh.

    python -m benchmarks.git_ingest_bench                  # 600 commits over 40 methods
    python -m benchmarks.git_ingest_bench --commits 6 --methods 3 --repeats 1   # smoke

Each commit changes one method, so a commit's proposal (its whole diff from the harness
commit) carries every method the branch has touched so far: the same files again and
again. The baseline turns off the memo of per-file checks and code forms
(`reviewer.checks.memo`), so every file of every diff is analysed again.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import subprocess
import sys
import tempfile
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.figures import Figure, median, ms, secs, timed, times
from reviewer.checks import normalize, static
from reviewer.checks.memo import clear_all
from reviewer.gitenv import isolated_env
from reviewer.harness import api
from reviewer.harness.gitexport import commit_tree
from reviewer.paths import db_path
from store import ReviewStore


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


def _ingest(repo: Path, home: Path, memo: bool, commits: int) -> float:
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


def measure(commits: int, methods: int, repeats: int) -> dict[str, list[float]]:
    """Wall seconds with and without the memo, interleaved, `repeats` of each."""
    runs: dict[str, list[float]] = {"memo": [], "afresh": []}
    with tempfile.TemporaryDirectory(prefix="reviewer-bench-git-") as tmp:
        repo = make_branch(Path(tmp), commits, methods)
        for i in range(repeats):
            runs["memo"].append(_ingest(repo, Path(tmp, f"memo{i}"), True, commits))
            runs["afresh"].append(_ingest(repo, Path(tmp, f"afresh{i}"), False, commits))
    return runs


def git_figure(commits: int, methods: int, repeats: int) -> Figure:
    runs = measure(commits, methods, repeats)
    t, base = median(runs["memo"]), median(runs["afresh"])
    return Figure(f"ingest-git: {commits:,} commits over {methods} methods", secs(t), "-",
                  f"files afresh {secs(base)}", times(base / t), None,
                  f"{ms(t / commits)} a commit; median of {repeats}, interleaved", dict(runs))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--commits", type=int, default=600)
    parser.add_argument("--methods", type=int, default=40)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)
    figure = git_figure(args.commits, args.methods, args.repeats)
    print(f"{figure.name}: {figure.measured} ({figure.note}); baseline {figure.baseline}, "
          f"{figure.ratio}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
