"""What a proposal changes relative to its parent: both applied to the harness, compared."""

from __future__ import annotations

import subprocess
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from reviewer.cli import cli
from reviewer.harness.treehash import TREE_ROOT
from reviewer.parentdiff import ParentDiffError, parent_diff
from reviewer.rerun.diffcheck import BUILTIN_ALLOW, MAX_DIFF_BYTES, DiffPolicy, apply_diff
from store import ReviewStore
from tests.factories import configure_sandbox_harness, make_proposal, new_file_diff

POLICY = DiffPolicy(allow=BUILTIN_ALLOW)
NO_NEWLINE = "\\ No newline at end of file\n"
NAIVE = "methods/naive.py"


def git_edit(tmp_path: Path, path: str, new: str) -> str:
    """`git diff` of the harness file `path` rewritten to `new`, with a/ and b/ prefixes."""
    return git_edit_at(tmp_path / "edit", path, (TREE_ROOT / path).read_text(), new)


def add(store: ReviewStore, i: int, diff: str | None, **extra) -> str:
    return store.add_proposal(
        make_proposal(i, diff=None if diff is None else diff.encode(), **extra), actor="a")


@pytest.fixture
def store(tmp_path):
    s = ReviewStore.open(tmp_path / "s.db")
    yield s
    s.close()


def tree(diffs: list[bytes], dest: Path) -> dict[str, bytes]:
    """The harness with `diffs` applied one after another; every file's bytes."""
    base = TREE_ROOT
    for n, diff in enumerate(diffs):
        apply_diff(diff, base, dest / str(n), POLICY)
        base = dest / str(n)
    return {p.relative_to(base).as_posix(): p.read_bytes() for p in base.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts}  # fmt: skip


def test_the_parents_tree_plus_the_change_is_the_childs_tree(store, tmp_path):
    naive = (TREE_ROOT / NAIVE).read_text()
    parent = add(store, 1, new_file_diff("methods/a.py", "x = 1\ny = 2\n"))
    no_newline = new_file_diff("methods/a.py", "x = 1\ny = 3\nz = 4") + "\n" + NO_NEWLINE
    child_diff = no_newline + git_edit(
        tmp_path, NAIVE, naive.replace("def run", "LABELS = open('labels.npy')\n\n\ndef run", 1))
    child = add(store, 2, child_diff, parent=parent[:12])
    found = parent_diff(store, child[:8])
    assert found.parent.id == parent and found.files == ["methods/a.py", NAIVE]
    text = found.diff.decode()
    assert "-y = 2\n+y = 3\n+z = 4\n\\ No newline at end of file\n" in text
    assert "+LABELS = open('labels.npy')" in text and "x = 1" in text.split("@@")[2]
    # Applied to the parent's tree, the change gives exactly the child's tree.
    stepped = tree([store.get(parent)["diff"], found.diff], tmp_path / "stepped")
    assert stepped == tree([child_diff.encode()], tmp_path / "direct")


def test_a_file_only_the_parent_made_is_gone_and_the_same_code_is_no_change(store):
    parent = add(store, 1, new_file_diff("methods/a.py", "x = 1\n") +
                 new_file_diff("methods/b.py", "b = 1\n"))  # fmt: skip
    child = add(store, 2, new_file_diff("methods/a.py", "x = 1\n"), parent=parent)
    found = parent_diff(store, child)
    assert found.files == ["methods/b.py"]
    assert found.diff.decode() == (
        "diff --git a/methods/b.py b/methods/b.py\ndeleted file mode 100644\n"
        "index 6e5be25..0000000\n--- a/methods/b.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-b = 1\n")
    same = add(store, 3, new_file_diff("methods/a.py", "x = 1\n") +
               new_file_diff("methods/b.py", "b = 1\n"), parent=parent[:16])  # fmt: skip
    assert parent_diff(store, same).diff == b"" and parent_diff(store, same).files == []


def test_hostile_files_that_defeat_difflib_are_compared_at_once(store):
    # Python's difflib needs about a minute for each of these pairs; git needs milliseconds.
    n = 20_000
    alternating = ("".join(f"x{i}\n" for i in range(n)),
                   "".join(f"x{i}\n" if i % 2 else "y\n" for i in range(n)))
    repeating = ("".join(f"{i % 300}\n" for i in range(n)),
                 "".join(f"{i * 7 % 300}\n" for i in range(n)))
    for i, (old, new) in enumerate((alternating, repeating)):
        parent = add(store, 10 + 2 * i, new_file_diff("methods/h.py", old))
        child = add(store, 11 + 2 * i, new_file_diff("methods/h.py", new), parent=parent)
        assert len(store.get(child)["diff"]) < MAX_DIFF_BYTES  # within what a rerun accepts
        found = parent_diff(store, child)
        assert found.files == ["methods/h.py"] and found.diff.count(b"\n-") > 1000


def test_a_parent_without_code_compares_with_the_harness(store):
    parent = add(store, 1, None)
    child = add(store, 2, new_file_diff("methods/a.py", "x = 1\n"), parent=parent)
    found = parent_diff(store, child)
    assert found.files == ["methods/a.py"]
    assert "new file mode 100644\nindex 0000000..7d4290a\n--- /dev/null" in found.diff.decode()


def test_no_comparison_says_why(store):
    code = new_file_diff("methods/a.py", "x = 1\n")
    lone = add(store, 1, code)
    orphan = add(store, 2, code, parent="f" * 40)
    parent = add(store, 3, code)
    bare = add(store, 4, None, parent=parent)
    other_base = add(store, 5, code, parent=parent, base="e" * 40)
    hostile = add(store, 6, new_file_diff("w2s_kit/scorer.py", "cheat = 1\n"))
    child_of_hostile = add(store, 7, code, parent=hostile)
    for pid, message in [
        (lone, "names no proposal it builds on"),
        (orphan, "not in this store"),
        (bare, "has no code attached"),
        (other_base, "targets another harness tree"),
        (child_of_hostile, "its parent's diff cannot be applied: w2s_kit/scorer.py is outside"),
    ]:
        with pytest.raises(ParentDiffError, match=message):
            parent_diff(store, pid)


def test_cli_prints_the_change_and_strips_escapes(tmp_path):
    db = str(tmp_path / "s.db")
    s = ReviewStore.open(db)
    try:
        parent = add(s, 1, new_file_diff("methods/a.py", "x = 1\n"))
        child = add(s, 2, new_file_diff("methods/a.py", "x = '\x1b[2Jwiped'\n"), parent=parent)
    finally:
        s.close()
    runner = CliRunner()
    out = runner.invoke(cli, ["--db", db, "diff", child[:10], "--parent"])
    assert out.exit_code == 0, out.output
    assert out.stdout == ("diff --git a/methods/a.py b/methods/a.py\n"
                          "index 7d4290a..ddd03c9 100644\n--- a/methods/a.py\n+++ b/methods/a.py\n"
                          "@@ -1 +1 @@\n-x = 1\n+x = 'wiped'\n")
    assert out.stderr.startswith(f"from {parent[:12]} (pending, ") and "1 file differs" in \
        out.stderr
    whole = runner.invoke(cli, ["--db", db, "diff", child[:10]])
    assert whole.exit_code == 0 and "+x = 'wiped'" in whole.stdout
    assert "\x1b" not in whole.stdout
    none = runner.invoke(cli, ["--db", db, "diff", parent[:10], "--parent"])
    assert none.exit_code == 1 and "names no proposal it builds on" in none.output


def test_the_sample_chain_shows_only_the_calibration_step():
    from tests.tui.conftest import sample_store

    store = sample_store()
    try:
        child = next(r["id"] for r in store.list(limit=100) if r["agent"] == "agent-nu")
        found = parent_diff(store, child)
        assert found.parent.agent == "agent-alpha" and found.files == ["methods/logconf_warm.py"]
        text = found.diff.decode()
        added = [line for line in text.splitlines() if line.startswith("+") and
                 not line.startswith("+++")]  # fmt: skip
        assert len(added) == 17 and any("test_labels.npy" in line for line in added)
        assert "AUX_WEIGHT" not in "".join(added)  # the parent's loss is not repeated
    finally:
        store.close()


def test_an_external_harness_is_read_at_its_pinned_commit(store, tmp_path):
    from tests.rerun.test_external import git

    repo = tmp_path / "w2s"
    idea = repo / "w2s_research/ideas/base/run.py"
    idea.parent.mkdir(parents=True)
    idea.write_text("print('base')\n")
    git(repo, "init", "-q")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "harness")
    commit = git(repo, "rev-parse", "HEAD")
    idea.write_text("print('edited after the pin')\n")  # the working tree must not count
    configure_sandbox_harness(repo, commit)

    def edit(new: str) -> bytes:
        return git_edit_at(tmp_path / f"e{len(new)}", "w2s_research/ideas/base/run.py",
                           "print('base')\n", new).encode()

    def finding(i: int, diff: bytes, parent: str | None = None) -> str:
        made = replace(make_proposal(i, diff=diff, parent=parent), harness="w2s-sandbox",
                       base=commit, source_format="sandbox_finding")
        return store.add_proposal(made, actor="a")

    parent = finding(1, edit("print('base')\nprint('parent')\n"))
    child = finding(2, edit("print('base')\nprint('parent')\nprint('child')\n"), parent=parent)
    found = parent_diff(store, child)
    assert found.files == ["w2s_research/ideas/base/run.py"]
    assert [line for line in found.diff.decode().splitlines() if line[:1] in "+-"
            and line[:3] not in ("+++", "---")] == ["+print('child')"]  # fmt: skip


def git_edit_at(work: Path, path: str, old: str, new: str) -> str:
    """`git diff` of `path` going from `old` to `new`, with a/ and b/ prefixes."""
    target = work / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(old)
    run = lambda *args: subprocess.run(["git", *args], cwd=work, capture_output=True,  # noqa: E731
                                       text=True, check=True).stdout  # fmt: skip
    run("init", "-q")
    run("add", path)
    target.write_text(new)
    return run("diff", "--", path)
