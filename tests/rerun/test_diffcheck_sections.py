"""Diffs git reads otherwise than the diff parser are refused; the shapes git writes are not.

Each hostile diff here is one plain `git apply` takes, so only `validate` stands between it
and the sandbox.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewer.rerun.diffcheck import DiffPolicy, DiffRefused, apply_diff, validate
from tests.rerun.diff_sections import HOSTILE, METHOD, PATH, base_tree, git_applies, git_diff

POLICY = DiffPolicy(allow=("methods/",))


@pytest.fixture
def base(tmp_path: Path) -> Path:
    return base_tree(tmp_path / "base")


@pytest.mark.parametrize("kind", sorted(HOSTILE))
def test_a_diff_git_reads_otherwise_is_refused(kind, base):
    make, reason = HOSTILE[kind]
    diff = make()
    assert git_applies(base, diff)
    with pytest.raises(DiffRefused, match=reason):
        validate(diff.encode(), POLICY)


def _accepted(tmp_path: Path, files: dict[str, bytes], edits: dict[str, bytes]) -> bytes:
    """Checks `validate` and `apply_diff` take git's own diff, and that it lands whole."""
    diff = git_diff(tmp_path, files, edits)
    root = tmp_path / "tree"
    for name, data in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_bytes(data)
    validate(diff, POLICY)
    apply_diff(diff, root, tmp_path / "applied", POLICY)
    for name, data in edits.items():
        assert (tmp_path / "applied" / name).read_bytes() == data
    return diff


def test_a_file_losing_its_final_newline_is_accepted(tmp_path):
    diff = _accepted(tmp_path, {PATH: METHOD.encode()}, {PATH: METHOD.rstrip("\n").encode()})
    assert b"\\ No newline at end of file" in diff


def test_a_file_gaining_its_final_newline_is_accepted(tmp_path):
    diff = _accepted(tmp_path, {PATH: METHOD.rstrip("\n").encode()}, {PATH: METHOD.encode()})
    assert b"\\ No newline at end of file" in diff


def test_a_last_line_changed_in_a_file_without_one_is_accepted(tmp_path):
    before = METHOD.rstrip("\n")
    _accepted(tmp_path, {PATH: before.encode()}, {PATH: before.replace("dim=-1", "-1").encode()})


def test_a_crlf_file_is_accepted(tmp_path):
    body = METHOD.replace("\n", "\r\n").encode()
    diff = _accepted(tmp_path, {"score.py": b"S = 1\n"}, {"methods/w.py": body})
    assert b"\r\n" in diff


def test_two_hunks_in_order_are_accepted(tmp_path):
    long = "".join(f"x{i} = {i}\n" for i in range(40))
    edited = long.replace("x3 = 3", "x3 = 30").replace("x35 = 35", "x35 = 350")
    diff = _accepted(tmp_path, {PATH: long.encode()}, {PATH: edited.encode()})
    assert diff.count(b"\n@@ ") == 2


def test_a_new_file_beside_a_modified_one_is_accepted(tmp_path):
    _accepted(tmp_path, {PATH: METHOD.encode()},
              {PATH: METHOD.replace("dim=-1", "-1").encode(), "methods/new.py": b"A = 1\n"})


def test_a_marker_after_an_unchanged_line_is_refused(base):
    # git need not place such a hunk at the file's end: here it joins `import torch` with
    # the blank line after it, as the `\ No newline` said of a line mid-file.
    diff = (f"diff --git a/{PATH} b/{PATH}\n--- a/{PATH}\n+++ b/{PATH}\n"
            "@@ -1,2 +1,3 @@\n import numpy as np\n+L = np.load('v')\n import torch\n"
            "\\ No newline at end of file\n")
    assert git_applies(base, diff)
    with pytest.raises(DiffRefused, match="after an unchanged line"):
        validate(diff.encode(), POLICY)


def test_a_hunk_after_a_marker_is_refused(base):
    diff = (f"diff --git a/{PATH} b/{PATH}\n--- a/{PATH}\n+++ b/{PATH}\n"
            "@@ -1,1 +1,1 @@\n-import numpy as np\n\\ No newline at end of file\n"
            "+import numpy as np\n@@ -7,1 +7,1 @@\n-x\n+y\n")
    with pytest.raises(DiffRefused, match="after a '\\\\ No newline' marker"):
        validate(diff.encode(), POLICY)


def test_overlapping_hunks_are_refused():
    diff = (f"diff --git a/{PATH} b/{PATH}\n--- a/{PATH}\n+++ b/{PATH}\n"
            "@@ -2,2 +2,3 @@\n import torch\n+A = 1\n \n"
            "@@ -3,1 +4,2 @@\n \n+B = 2\n")
    with pytest.raises(DiffRefused, match="out of order or overlapping"):
        validate(diff.encode(), POLICY)
