"""The ingest scan is no quieter than the rerun: a diff git reads otherwise than the diff
parser, or a modified file the scan cannot see whole, raises a high check."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewer.checks.bases import tree_base
from reviewer.checks.static import scan_diff
from tests.checks.helpers import ALLOW, modified_diff
from tests.rerun.diff_sections import (
    FIT,
    HOSTILE,
    METHOD,
    PATH,
    base_tree,
    git_applies,
    git_diff,
)


@pytest.fixture
def base(tmp_path: Path) -> Path:
    return base_tree(tmp_path / "base")


def _found(diff: str, base: Path | None) -> set[tuple[str, str]]:
    read = None if base is None else tree_base(base)
    return {(c.code, c.severity) for c in scan_diff(diff, ALLOW, read)}


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_a_diff_the_rerun_refuses_raises_a_high_check(kind, base):
    make, _ = HOSTILE[kind]
    checks = [c for c in scan_diff(make(), ALLOW, tree_base(base)) if c.code == "diff_refused"]
    assert [c.severity for c in checks] == ["high"]
    assert checks[0].message.startswith("a rerun refuses this diff: ")


@pytest.mark.parametrize("kind", ["out_of_order", "joined_by_marker"])
def test_the_file_is_judged_as_git_writes_it(kind, base):
    # Out of order or joined, the hunks land where git puts them, and the read is seen there.
    make, _ = HOSTILE[kind]
    assert ("ground_truth_access", 3) in {
        (c.code, c.detail.get("line")) for c in scan_diff(make(), ALLOW, tree_base(base))}


HONEST = {
    "loses its final newline": (METHOD, METHOD.rstrip("\n")),
    "gains a final newline": (METHOD.rstrip("\n"), METHOD),
    "two hunks": ("".join(f"x{i} = {i}\n" for i in range(40)),
                  "".join(f"x{i} = {i * 10 if i in (3, 35) else i}\n" for i in range(40))),
    "crlf": (METHOD.replace("\n", "\r\n"), METHOD.replace("\n", "\r\n").replace("dim=-1", "-1")),
}


@pytest.mark.parametrize("shape", sorted(HONEST))
def test_honest_shapes_stay_quiet(shape, tmp_path):
    before, after = HONEST[shape]
    root = tmp_path / "tree"
    (root / "methods").mkdir(parents=True)
    (root / PATH).write_bytes(before.encode())
    diff = git_diff(tmp_path, {PATH: before.encode()},
                    {PATH: after.encode(), "methods/new.py": b"A = 1\n"}).decode()
    assert _found(diff, root) == set()


def test_lines_are_placed_where_git_places_them(base, tmp_path):
    # The context matches three lines before and three after the stated line: git tries
    # after first, into the code, where an earlier guess put the read inside a string.
    root = tmp_path / "tree"
    (root / "methods").mkdir(parents=True)
    text = ('import numpy as np\nDOC = """\n    a = 1\n    b = 2\n"""\n\n\n'
            "def run(view):\n    a = 1\n    b = 2\n    return view.weak_probs.argmax(-1)\n")
    (root / PATH).write_text(text)
    diff = (f"diff --git a/{PATH} b/{PATH}\n--- a/{PATH}\n+++ b/{PATH}\n"
            "@@ -6,2 +6,3 @@\n     a = 1\n+    y = np.load(view.x_test)\n     b = 2\n")
    assert git_applies(root, diff)
    assert ("ground_truth_access", 10) in {
        (c.code, c.detail.get("line")) for c in scan_diff(diff, ALLOW, tree_base(root))}


def test_a_file_whose_hunks_git_refuses_is_flagged(base):
    # The second hunk's context is a line the first one wrote, which git never matches.
    diff = (f"diff --git a/{PATH} b/{PATH}\n--- a/{PATH}\n+++ b/{PATH}\n"
            "@@ -2,2 +2,3 @@\n import torch\n+NOTE = 1\n \n"
            f"@@ -4,2 +4,3 @@\n NOTE = 1\n+Y = np.load('v')\n {FIT}\n")
    assert not git_applies(base, diff)
    assert ("unanalysed_code", "high") in _found(diff, base)


def test_a_file_that_does_not_parse_once_rebuilt_is_flagged(base):
    diff = modified_diff(PATH, METHOD, METHOD.replace("import torch\n", "import torch\nx = (\n"))
    assert ("unanalysed_code", "high") in _found(diff, base)


def test_a_file_the_harness_lacks_is_flagged(base):
    diff = modified_diff("methods/absent.py", METHOD, METHOD.replace("dim=-1", "-1"))
    assert ("unanalysed_code", "high") in _found(diff, base)


def test_one_parsing_line_does_not_excuse_the_rest():
    # Hunks alone (no harness copy): one added line parses, the other does not.
    diff = modified_diff(PATH, METHOD, METHOD.replace(
        "import torch\n", "import torch\nOK = 1\nBAD = (]\n"))
    checks = [c for c in scan_diff(diff, ALLOW) if c.code == "unparseable_code"]
    assert [c.detail["line"] for c in checks] == [4]
    assert "1 of the 2 added lines" in checks[0].message

