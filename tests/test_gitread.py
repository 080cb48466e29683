"""A pinned commit's files come from git's object store, byte for byte, whatever steers git."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from reviewer.gitenv import GitError
from reviewer.gitread import export_commit, read_blob

SUBST = "version $Format:%H$\n"


def git(repo: Path, *args: str, stdin: str | None = None) -> str:
    return subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org",
                           "-C", str(repo), *args], input=stdin, capture_output=True,
                          text=True, check=True).stdout.strip()  # fmt: skip


def commit_files(repo: Path, files: dict[str, str]) -> str:
    for rel, text in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "files")
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = tmp_path / "harness"
    root.mkdir()
    git(root, "init", "-q")
    return root


def test_export_takes_the_commit_not_the_working_tree(repo, tmp_path):
    (repo / "tool.sh").write_text("#!/bin/sh\n")
    (repo / "tool.sh").chmod(0o755)
    (repo / "link").symlink_to("tool.sh")
    commit = commit_files(repo, {"w2s/score.py": "SCORER = True\n"})
    (repo / "w2s" / "score.py").write_text("SCORER = 'edited'\n")
    (repo / "untracked.txt").write_text("x")
    dest = tmp_path / "export"
    assert export_commit(repo, commit, dest, 60) == ["link"]
    assert (dest / "w2s" / "score.py").read_text() == "SCORER = True\n"
    assert not (dest / "untracked.txt").exists() and not (dest / "link").exists()
    assert (dest / "tool.sh").stat().st_mode & 0o777 == 0o644
    assert sorted(p.relative_to(dest).as_posix() for p in dest.rglob("*") if p.is_file()) == [
        "tool.sh", "w2s/score.py"]
    with pytest.raises(FileExistsError):
        export_commit(repo, commit, dest, 60)


def test_attributes_and_filters_change_no_byte_and_run_nothing(repo, tmp_path):
    ran = tmp_path / "filter-ran"
    git(repo, "config", "filter.mark.smudge", f"touch {ran}; cat")
    files = {".gitattributes": "secret.py export-ignore\nversion.txt export-subst\n"
                               "*.py filter=mark\ncrlf.txt text eol=crlf\n",
             "secret.py": "KEY = 1\n", "m.py": "RUN = 1\n", "version.txt": SUBST,
             "crlf.txt": "a\nb\n"}
    commit = commit_files(repo, files)
    # git archive would drop secret.py, fill in the version and run the filter.
    archived = subprocess.run(["git", "-C", str(repo), "archive", commit],
                              capture_output=True, check=True).stdout  # fmt: skip
    assert SUBST.encode() not in archived and b"KEY = 1" not in archived and ran.exists()
    ran.unlink()
    dest = tmp_path / "export"
    assert export_commit(repo, commit, dest, 60) == []
    for rel, text in files.items():
        assert (dest / rel).read_bytes() == text.encode()
        assert read_blob(repo, commit, rel, 60) == text.encode()
    assert not ran.exists()


def test_a_replace_ref_or_the_environment_cannot_swap_the_content(repo, tmp_path, monkeypatch):
    pinned = commit_files(repo, {"m.py": "honest\n"})
    other = commit_files(repo, {"m.py": "swapped\n"})
    git(repo, "replace", pinned, other)
    assert git(repo, "show", f"{pinned}:m.py") == "swapped"  # what plain git now says
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    git(elsewhere, "init", "-q")
    monkeypatch.setenv("GIT_DIR", str(elsewhere / ".git"))
    monkeypatch.setenv("GIT_CONFIG_PARAMETERS", "'core.fsmonitor'='touch /tmp/nope'")
    assert read_blob(repo, pinned, "m.py", 60) == b"honest\n"
    export_commit(repo, pinned, tmp_path / "export", 60)
    assert (tmp_path / "export" / "m.py").read_text() == "honest\n"


def test_missing_files_commits_and_repositories(repo, tmp_path):
    commit = commit_files(repo, {"m.py": "x\n"})
    assert read_blob(repo, commit, "absent.py", 60) is None
    assert read_blob(repo, "0" * 40, "m.py", 60) is None
    assert read_blob(tmp_path / "nowhere", commit, "m.py", 60) is None
    with pytest.raises(GitError, match="git ls-tree failed"):
        export_commit(repo, "0" * 40, tmp_path / "export", 60)
    assert not (tmp_path / "export").exists()


def test_a_tree_entry_that_leaves_the_folder_is_refused(repo, tmp_path):
    blob = git(repo, "hash-object", "-w", "--stdin", stdin="escape\n")
    try:
        tree = git(repo, "mktree", stdin=f"100644 blob {blob}\t..\n")
    except subprocess.CalledProcessError:
        pytest.skip("this git refuses to build such a tree")
    commit = git(repo, "commit-tree", tree, "-m", "bad")
    with pytest.raises(GitError, match="unsafe path"):
        export_commit(repo, commit, tmp_path / "export", 60)
    assert not (tmp_path / "export").exists()
