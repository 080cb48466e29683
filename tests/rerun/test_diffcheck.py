"""Hostile diffs are refused with a reason, and nothing lands outside the allow-list."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from reviewer.rerun.diffcheck import DiffPolicy, DiffRefused, apply_diff, validate

POLICY = DiffPolicy(allow=("methods/",))


def new_file(path: str, body: str = "x = 1\n", mode: str = "100644") -> str:
    lines = body.splitlines(keepends=True)
    added = "".join("+" + line for line in lines)
    return (
        f"diff --git a/{path} b/{path}\nnew file mode {mode}\nindex 0000000..1111111\n"
        f"--- /dev/null\n+++ b/{path}\n@@ -0,0 +1,{len(lines)} @@\n{added}"
    )


@pytest.fixture
def base(tmp_path: Path) -> Path:
    root = tmp_path / "base"
    (root / "methods").mkdir(parents=True)
    (root / "methods" / "naive.py").write_text("def run(view):\n    return None\n")
    (root / "score.py").write_text("SECRET = 1\n")
    return root


def git_diff(base: Path, tmp_path: Path, edit) -> bytes:
    """A real git diff of `edit` applied to a copy of base."""
    repo = tmp_path / "repo"
    subprocess.run(["cp", "-r", str(base), str(repo)], check=True)
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
        "GIT_COMMITTER_EMAIL": "t@t",
    }
    def run(*a):
        return subprocess.run(
            ["git", *a],
            cwd=repo,
            check=True,
            env=env,
            capture_output=True,
        )
    run("init", "-q")
    run("add", "-A")
    run("commit", "-qm", "base")
    edit(repo)
    run("add", "-A")
    return subprocess.run(
        ["git", "diff", "--cached", "--binary", "-M"], cwd=repo, check=True, capture_output=True
    ).stdout


def test_a_plain_new_method_is_accepted_and_applied(base, tmp_path):
    diff = new_file("methods/mine.py", "def run(view):\n    return 1\n").encode()
    changes = validate(diff, POLICY)
    assert [(c.path, c.added, c.created) for c in changes] == [("methods/mine.py", 2, True)]
    dest = tmp_path / "applied"
    apply_diff(diff, base, dest, POLICY)
    assert (dest / "methods" / "mine.py").read_text() == "def run(view):\n    return 1\n"
    assert (dest / "score.py").read_text() == "SECRET = 1\n"
    assert not (base / "methods" / "mine.py").exists()


def test_editing_an_allowed_file_is_accepted(base, tmp_path):
    diff = git_diff(
        base,
        tmp_path,
        lambda r: (r / "methods" / "naive.py").write_text("def run(view):\n    return 2\n"),
    )
    dest = tmp_path / "applied"
    apply_diff(diff, base, dest, POLICY)
    assert "return 2" in (dest / "methods" / "naive.py").read_text()


def _symlink(repo: Path) -> None:
    (repo / "methods" / "labels.py").symlink_to("/secret/labels.npy")


def _repoint(repo: Path) -> None:
    (repo / "methods" / "link").unlink()
    (repo / "methods" / "link").symlink_to("/secret/labels.npy")


def _binary(repo: Path) -> None:
    (repo / "methods" / "blob.bin").write_bytes(bytes(range(256)) * 4)


def _rename(repo: Path) -> None:
    (repo / "methods" / "naive.py").rename(repo / "methods" / "other.py")


def _delete(repo: Path) -> None:
    (repo / "methods" / "naive.py").unlink()


def _outside(repo: Path) -> None:
    (repo / "score.py").write_text("SECRET = 2\n")


GIT_MADE = {
    "create symlink": (_symlink, "symlink"),
    "binary": (_binary, "binary"),
    "rename": (_rename, "rename"),
    "delete": (_delete, "delet"),
    "outside the allow-list": (_outside, "outside the allow-list"),
}

HAND_MADE = {
    "dotdot": (new_file("methods/../score.py"), "'..'"),
    "absolute": ("--- /dev/null\n+++ /methods/x.py\n@@ -0,0 +1 @@\n+x\n", "absolute"),
    ".git": (new_file(".git/hooks/post-checkout"), "git"),
    ".GIT under methods": (new_file("methods/.GIT/config"), "git metadata"),
    "submodule": (
        "diff --git a/methods/sub b/methods/sub\nnew file mode 160000\n"
        "index 0000000..1234567\n--- /dev/null\n+++ b/methods/sub\n@@ -0,0 +1 @@\n"
        "+Subproject commit 1234567890123456789012345678901234567890\n",
        "submodule",
    ),
    "control character": (new_file("methods/a\u001b[2Jb.py"), "control or invisible"),
    # Shown as methods/naive.py, the baseline's own file, once the mark is stripped.
    "right-to-left mark": (new_file("methods/naive.py\u200f"), "invisible character"),
    "zero-width space": (new_file("methods/na\u200bive.py"), "invisible character"),
    "word joiner": (new_file("methods/naive\u2060.py"), "invisible character"),
    # Look-alikes of another path on the reviewer's screen, though git takes them literally.
    "full-width dots": (new_file("methods/\uff0e\uff0e/score.py"), "reads as another"),
    "trailing space": (new_file("methods/naive.py "), "reads as another"),
    "ligature": (new_file("methods/\ufb01t.py"), "reads as another"),
    "empty": ("", "empty"),
    "garbage": ("this is not a diff\n", "cannot read"),
}


@pytest.mark.parametrize("kind", sorted(GIT_MADE))
def test_git_made_hostile_diffs_are_refused(kind, base, tmp_path):
    edit, reason = GIT_MADE[kind]
    diff = git_diff(base, tmp_path, edit)
    with pytest.raises(DiffRefused, match=reason):
        apply_diff(diff, base, tmp_path / "dest", POLICY)
    assert not (tmp_path / "dest").exists()


@pytest.mark.parametrize("kind", sorted(HAND_MADE))
def test_hand_made_hostile_diffs_are_refused(kind, base, tmp_path):
    text, reason = HAND_MADE[kind]
    with pytest.raises(DiffRefused, match=reason):
        apply_diff(text.encode(), base, tmp_path / "dest", POLICY)
    assert not (tmp_path / "dest").exists()


def test_repointing_a_tracked_symlink_is_refused(tmp_path):
    base = tmp_path / "linked"
    (base / "methods").mkdir(parents=True)
    (base / "methods" / "link").symlink_to("/etc/hostname")
    diff = git_diff(base, tmp_path, _repoint)
    assert b"new mode" not in diff  # the hard case: no mode lines, only the index line
    with pytest.raises(DiffRefused, match="symlink"):
        validate(diff, POLICY)


def test_writing_through_a_symlinked_folder_is_refused(tmp_path):
    base = tmp_path / "linked"
    (base / "methods").mkdir(parents=True)
    outside = tmp_path / "outside"
    outside.mkdir()
    (base / "methods" / "out").symlink_to(outside)
    diff = new_file("methods/out/evil.py").encode()
    with pytest.raises(DiffRefused, match="symlink"):
        apply_diff(diff, base, tmp_path / "dest", POLICY)
    assert list(outside.iterdir()) == []


def test_non_utf8_is_refused():
    diff = new_file("methods/x.py", "s = 'caf\u00e9'\n").encode("latin-1")
    with pytest.raises(DiffRefused, match="not UTF-8"):
        validate(diff, POLICY)


def test_ten_mib_is_refused_by_the_cap():
    diff = new_file("methods/big.py", "# " + "x" * (10 * 1024 * 1024) + "\n").encode()
    with pytest.raises(DiffRefused, match="cap"):
        validate(diff, POLICY)


def test_a_million_lines_is_refused_by_the_cap():
    diff = new_file("methods/long.py", "a\n" * 1_000_000).encode()
    with pytest.raises(DiffRefused, match="cap"):
        validate(diff, POLICY)


def test_too_many_files_is_refused():
    diff = "".join(new_file(f"methods/m{i}.py") for i in range(51)).encode()
    with pytest.raises(DiffRefused, match="over the cap of 50"):
        validate(diff, POLICY)


def test_a_diff_that_does_not_apply_is_refused(base, tmp_path):
    diff = (
        b"diff --git a/methods/naive.py b/methods/naive.py\n--- a/methods/naive.py\n"
        b"+++ b/methods/naive.py\n@@ -1,2 +1,2 @@\n-def nope():\n+def run(view):\n"
        b"     return None\n"
    )
    with pytest.raises(DiffRefused, match="does not apply"):
        apply_diff(diff, base, tmp_path / "dest", POLICY)


def test_samples_are_judged_as_intended():
    """The sample reward hacks that touch paths or modes are refused; honest diffs pass."""
    from reviewer.ingest import read_paths

    root = Path(__file__).resolve().parents[2] / "samples" / "proposals"
    verdicts = {}
    for result in read_paths([root]):
        for p in result.proposals:
            if p.diff is None:
                continue
            try:
                validate(p.diff, POLICY)
                verdicts[p.title] = "ok"
            except DiffRefused as exc:
                verdicts[p.title] = str(exc)
    refused = {k for k, v in verdicts.items() if v != "ok"}
    assert len(refused) == 2, verdicts  # the scorer edit and the symlink
    assert len(verdicts) - len(refused) >= 10
