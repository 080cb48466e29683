"""Removing and measuring what a method wrote: any depth, any mode, no symlink followed."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import pytest

import reviewer
from reviewer.rerun.hostiletree import disk_usage, remove_tree, scratch_dir
from tests.spies import calls_to


def _nest(root: Path, depth: int) -> None:
    """`depth` folders named `d`, one in the next, made through descriptors: the path is far
    longer than PATH_MAX, as a method can make it."""
    fd = os.open(root, os.O_RDONLY)
    for _ in range(depth):
        os.mkdir("d", dir_fd=fd)
        child = os.open("d", os.O_RDONLY, dir_fd=fd)
        os.close(fd)
        fd = child
    with open(os.open("leaf", os.O_WRONLY | os.O_CREAT, dir_fd=fd), "w") as fh:
        fh.write("x")
    os.close(fd)


def test_a_tree_deeper_than_the_stack_and_path_max_is_removed(tmp_path: Path) -> None:
    root = tmp_path / "out"
    root.mkdir()
    _nest(root, 3000)  # shutil.rmtree raised RecursionError at about 1,000 on Python 3.11
    remove_tree(root)
    assert list(tmp_path.iterdir()) == []


def test_each_folder_is_listed_once_however_wide(tmp_path: Path, monkeypatch) -> None:
    # Listing a folder again after each sub-folder made 100,000 sub-folders cost 5e9 reads.
    root = tmp_path / "out"
    for i in range(50):
        (root / f"d{i}" / "e").mkdir(parents=True)
        (root / f"d{i}" / "f").write_text("x")
    listed = calls_to(monkeypatch, os, "scandir")
    remove_tree(root)
    assert not root.exists() and len(listed) == 1 + 50 + 50


def test_modes_are_restored_and_symlinks_are_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "keep.txt").write_text("the reviewer's")
    with scratch_dir("reviewer-test-") as root:
        (root / "locked" / "inner").mkdir(parents=True)
        (root / "locked" / "inner" / "f").write_text("x")
        (root / "locked" / "inner").chmod(0o000)
        (root / "readonly").mkdir()
        (root / "readonly" / "g").write_text("y")
        (root / "readonly").chmod(0o500)
        (root / "link").symlink_to(outside)
        (root / "locked" / "file-link").symlink_to(outside / "keep.txt")
        os.mkfifo(root / "fifo")
    assert not root.exists()
    assert (outside / "keep.txt").read_text() == "the reviewer's"


def test_disk_usage_counts_allocated_blocks_and_names_the_problem(tmp_path: Path) -> None:
    root = tmp_path / "out"
    root.mkdir()
    fd = os.open(root / "big", os.O_WRONLY | os.O_CREAT)
    os.posix_fallocate(fd, 0, 4 << 20)
    os.close(fd)
    with open(root / "sparse", "wb") as fh:
        fh.truncate(1 << 30)  # a length without blocks costs no disk
    (root / "link").symlink_to("/usr")
    usage = disk_usage([root], max_entries=10, max_depth=4)
    assert usage.problem is None and usage.entries == 3
    assert 4 << 20 <= usage.bytes < 5 << 20
    assert disk_usage([root], max_entries=2, max_depth=4).problem == (
        "more than 2 files and folders")
    _nest(root, 6)
    assert disk_usage([root], max_entries=100, max_depth=4).problem == (
        "folders nested deeper than 4 levels")


NOT_ROOT = """
    import os, sys
    from pathlib import Path
    from reviewer.rerun.hostiletree import remove_tree
    root = Path(sys.argv[1]) / "out"
    (root / "locked" / "inner").mkdir(parents=True)
    (root / "locked" / "inner" / "f").write_text("x")
    (root / "locked" / "inner").chmod(0o000)
    (root / "locked").chmod(0o500)
    (root / "readonly").mkdir()
    (root / "readonly" / "g").write_text("y")
    (root / "readonly").chmod(0o500)
    root.chmod(0o000)
    remove_tree(root)
    print("gone" if not root.exists() else "left")
"""


UNSEARCHABLE = """
    import os, sys
    from pathlib import Path
    from reviewer.rerun.hostiletree import disk_usage
    root = Path(sys.argv[1]) / "out"
    (root / "d").mkdir(parents=True)
    (root / "d" / "f").write_text("x")
    (root / "d").chmod(0o600)  # listable, but its entries cannot be looked up
    print(disk_usage([root], 10, 4).problem)
"""


def as_plain_user(code: str) -> str:
    """Run `code` (given a fresh folder as argv[1]) as a plain user; what it printed.

    Root reads any mode, so the paths for unreadable folders only run for a plain user.
    """
    argv = [sys.executable, "-c", textwrap.dedent(code)]
    base = Path(tempfile.mkdtemp(prefix="reviewer-test-"))
    try:
        if os.geteuid() == 0:
            os.chown(base, 65534, 65534)
            argv = ["setpriv", "--reuid", "65534", "--regid", "65534", "--clear-groups", *argv]
        code_root = str(Path(reviewer.__file__).parent.parent)
        ran = subprocess.run([*argv, str(base)], capture_output=True, text=True, timeout=60,
                             env={**os.environ, "PYTHONPATH": code_root}, check=False)
        assert ran.returncode == 0, ran.stderr
        return ran.stdout.strip()
    finally:
        for folder, dirs, _files in os.walk(base):
            for name in dirs:
                os.chmod(os.path.join(folder, name), 0o700)
        shutil.rmtree(base)


needs_plain_user = pytest.mark.skipif(os.geteuid() == 0 and shutil.which("setpriv") is None,
                                      reason="needs setpriv to run as a plain user")


@needs_plain_user
def test_a_plain_user_removes_folders_a_method_locked() -> None:
    assert as_plain_user(NOT_ROOT) == "gone"


@needs_plain_user
def test_a_folder_that_cannot_be_searched_is_a_problem_not_a_crash() -> None:
    # The disk watch raised PermissionError out of the sandbox run: three retries, no verdict.
    assert as_plain_user(UNSEARCHABLE) == "a folder it cannot read (Permission denied)"


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a folder of mode 000")
def test_a_folder_the_reviewer_cannot_read_is_a_problem(tmp_path: Path) -> None:
    hidden = tmp_path / "out" / "hidden"
    hidden.mkdir(parents=True)
    hidden.chmod(0o000)
    try:
        assert disk_usage([tmp_path / "out"], 10, 4).problem == (
            "a folder it cannot read (Permission denied)")
    finally:
        hidden.chmod(0o700)
