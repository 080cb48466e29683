"""The tree hash is git's own tree id, and export writes exactly the hashed files."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from reviewer.harness import api, treehash

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")


def _git_write_tree(folder: Path) -> str:
    env = {"GIT_CONFIG_NOSYSTEM": "1", "HOME": str(folder.parent), "PATH": "/usr/bin:/bin"}
    for argv in (["git", "init", "-q"], ["git", "add", "-A"]):
        subprocess.run(argv, cwd=folder, check=True, env=env)
    out = subprocess.run(["git", "write-tree"], cwd=folder, check=True, env=env,
                         capture_output=True, text=True)
    return out.stdout.strip()


def test_tree_hash_equals_git_write_tree(tmp_path: Path) -> None:
    dest = api.export_tree(tmp_path / "tree")
    assert _git_write_tree(dest) == api.tree_hash()


def test_hash_of_patched_copy_matches_git(tmp_path: Path) -> None:
    dest = api.export_tree(tmp_path / "tree")
    (dest / "methods" / "new_idea.py").write_text("def run(view):\n    return None\n")
    (dest / "methods" / "sub").mkdir()
    (dest / "methods" / "sub" / "a-b.txt").write_text("x")
    assert treehash.git_tree_hash(dest) == _git_write_tree(dest)
    assert treehash.git_tree_hash(dest) != api.tree_hash()


def test_export_has_methods_kit_and_readme_only(tmp_path: Path) -> None:
    dest = api.export_tree(tmp_path / "tree")
    names = {p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file()}
    assert {"README.md", "methods/naive.py", "methods/logconf.py",
            "methods/confident_only.py", "w2s_kit/run.py"} <= names
    assert not any("__pycache__" in n or n.endswith(".pyc") for n in names)
    assert not any("salt" in n or "tasks" in n for n in names)


def test_export_refuses_non_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "x").write_text("x")
    with pytest.raises(FileExistsError):
        api.export_tree(tmp_path)


def test_symlink_in_tree_is_refused(tmp_path: Path) -> None:
    dest = api.export_tree(tmp_path / "tree")
    (dest / "methods" / "link.py").symlink_to(dest / "methods" / "naive.py")
    with pytest.raises(ValueError, match="symlink"):
        treehash.git_tree_hash(dest)
