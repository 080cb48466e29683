"""Hostile inputs against the code that compares agents' text, and the difflib it replaced.

    python benchmarks/hostile_bench.py [--lines 1000]    # or: run_all --only hostile

An agent chooses its code and titles, so comparing them must cost a bounded time whatever
they hold. Each figure times the shipped comparison on a pair built to defeat difflib, with
difflib on the same pair as the baseline (run once: it takes seconds to minutes).
"""

from __future__ import annotations

import argparse
import difflib
import sys
from collections.abc import Callable
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.figures import Figure, median, ms, table, timed, times


def _repetitive(lines: int, changed: bool) -> str:
    """Normalised code of a few tokens repeated: difflib's matcher grows with the cube."""
    from reviewer.checks.normalize import normalize_code

    body = [f"z{i} = bar(c, d) - {i % 9}" if changed and i % 10 == 0 else
            f"x{i % 50} = foo(a, b) + {i % 7}" for i in range(lines)]  # fmt: skip
    added = "".join(f"+{line}\n" for line in body)
    return normalize_code(f"diff --git a/m.py b/m.py\n--- /dev/null\n+++ b/m.py\n"
                          f"@@ -0,0 +1,{lines} @@\n{added}")  # fmt: skip


def _repeat(fn: Callable[[], object], repeats: int) -> list[float]:
    return [timed(fn) for _ in range(repeats)]


def _figure(name: str, new: list[float], old: float, note: str) -> Figure:
    value = median(new)
    return Figure(name, ms(value), baseline=f"difflib {ms(old)}",
                  ratio=times(old / value) if value else "-", note=note,
                  raw={"measured_s": new, "baseline_s": old})  # fmt: skip


def duplicate_figure(lines: int, repeats: int) -> Figure:
    """The duplicate check on a pair of repetitive methods against difflib's token ratio."""
    from reviewer.checks.duplicate import DupSubject, _split, duplicate_checks

    own, other = _repetitive(lines, False), _repetitive(lines, True)
    subjects = (DupSubject("a", "t", "i", own, "proposal"),
                DupSubject("b", "t", "i", other, "proposal"))  # fmt: skip
    new = _repeat(lambda: duplicate_checks(subjects[0], [subjects[1]]), repeats)
    old = timed(lambda: difflib.SequenceMatcher(None, _split(own)[0], _split(other)[0],
                                                autojunk=False).ratio())  # fmt: skip
    return _figure(f"hostile: duplicate check, {lines:,}-line repetitive pair", new, old,
                   f"{len(_split(own)[0]):,} tokens each")


def parent_diff_figure(lines: int, repeats: int) -> Figure:
    """The diff from a parent's file to its child's, alternating lines, against difflib."""
    from reviewer.parentdiff import _git_diff

    old_text = "".join(f"x{i}\n" for i in range(lines))
    new_text = "".join(f"x{i}\n" if i % 2 else "y\n" for i in range(lines))
    new = _repeat(lambda: _git_diff({"methods/m.py": old_text}, {"methods/m.py": new_text}),
                repeats)
    old = timed(lambda: list(difflib.unified_diff(old_text.splitlines(True),
                                                  new_text.splitlines(True))))  # fmt: skip
    return _figure(f"hostile: diff from the parent, {lines:,}-line files", new, old,
                   "git diff-tree in a scratch repository")


def title_figure(chars: int, repeats: int) -> Figure:
    """Title similarity (no idea names) on a hostile pair, against difflib's ratio."""
    from reviewer.checks.duplicate import DupSubject, name_similarity

    left = DupSubject("a", "ab " * (chars // 3), None, "", "proposal")
    right = DupSubject("b", "ba " * (chars // 3), None, "", "proposal")
    new = _repeat(lambda: name_similarity(left, right), repeats)
    old = timed(lambda: difflib.SequenceMatcher(None, left.title, right.title,
                                                autojunk=False).ratio())  # fmt: skip
    return _figure(f"hostile: title similarity, {chars} characters", new, old,
                   "titles are capped at 500 characters")


def hostile_figures(lines: int = 1000, repeats: int = 5) -> list[Figure]:
    """Every hostile-input figure; `lines` sizes the code pair (the diff files get 10x)."""
    return [duplicate_figure(lines, repeats), parent_diff_figure(lines * 10, repeats),
            title_figure(min(500, max(30, lines // 2)), repeats)]  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    print(table(hostile_figures(args.lines, args.repeats)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
