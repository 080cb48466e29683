"""teacher_unused for a method file the diff modifies: judged on the whole file after the change."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import unidiff
from hypothesis import given, settings
from hypothesis import strategies as st

from reviewer.checks.bases import MAX_BASE_FILES, git_base, tree_base
from reviewer.checks.postimage import apply_hunks
from reviewer.checks.run import static_findings
from reviewer.checks.scanpool import harness_bases
from reviewer.checks.static import scan_diff
from reviewer.harness.treehash import TREE_ROOT
from reviewer.rerun.diffcheck import BUILTIN_ALLOW
from tests.checks.helpers import ALLOW, modified_diff

READS = (
    "import torch\n\n\n"
    "def helper(n):\n    return n\n\n\n"
    "def run(view):\n"
    "    params = view.fit(view.new_student(), view.x_transfer, view.weak_probs,\n"
    "                      view.losses.xent)\n"
    "    return view.predict_proba(params, view.x_test).argmax(dim=-1)\n"
)
MAJORITY = (
    "import torch\n\n\n"
    "def helper(n):\n    return n\n\n\n"
    "def run(view):\n"
    "    return torch.zeros(len(view.x_test), dtype=torch.long)\n"
)


def _teacher(checks):
    return [c for c in checks if c.code == "teacher_unused"]


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = tmp_path / "tree"
    (root / "methods").mkdir(parents=True)
    (root / "methods" / "m.py").write_text(READS)
    (root / "secret.py").write_text(READS)
    return root


@pytest.mark.parametrize("context", [0, 1, 3])
def test_a_change_that_stops_reading_the_teacher_is_flagged(tree, context):
    diff = modified_diff("methods/m.py", READS, MAJORITY, context=context)
    [check] = _teacher(scan_diff(diff, ALLOW, tree_base(tree)))
    assert check.severity == "medium"
    assert check.message == ("methods/m.py:8: after this change run() never reads the teacher's"
                             " labels (view.weak_probs)")
    assert check.detail == {"path": "methods/m.py", "line": 8}
    # Without the base only the hunks are seen, which cannot tell.
    assert _teacher(scan_diff(diff, ALLOW)) == []


def test_a_change_that_still_reads_it_is_not(tree):
    after = READS.replace("return n", "return n + 1")
    assert _teacher(scan_diff(modified_diff("methods/m.py", READS, after), ALLOW,
                              tree_base(tree))) == []


def test_a_method_that_never_read_it_is_not_this_changes_doing(tree):
    (tree / "methods" / "m.py").write_text(MAJORITY)
    after = MAJORITY.replace("return n", "return n + 1")
    assert _teacher(scan_diff(modified_diff("methods/m.py", MAJORITY, after), ALLOW,
                              tree_base(tree))) == []


def test_a_diff_that_only_deletes_lines_is_judged_too(tree):
    before = MAJORITY.replace("def run(view):\n", "def run(view):\n    p = view.weak_probs\n")
    (tree / "methods" / "m.py").write_text(before)
    diff = modified_diff("methods/m.py", before, MAJORITY)
    changed = [ln for ln in diff.splitlines()[4:] if ln[:1] in "+-"]
    assert changed == ["-    p = view.weak_probs"]  # one deleted line, nothing added
    [check] = _teacher(scan_diff(diff, ALLOW, tree_base(tree)))
    assert check.detail["line"] == 8


def test_a_diff_that_does_not_fit_the_base_is_not_judged(tree):
    # The hunk's context (run's own line) differs from the harness's file.
    other = "def run(view):  # v2"
    diff = modified_diff("methods/m.py", READS.replace("def run(view):", other),
                         MAJORITY.replace("def run(view):", other))
    assert f"\n {other}\n" in diff
    assert _teacher(scan_diff(diff, ALLOW, tree_base(tree))) == []


def test_files_outside_the_allow_list_or_the_tree_are_never_read(tree):
    reads: list[str] = []

    def base(path: str) -> str | None:
        reads.append(path)
        return tree_base(tree)(path)

    for path in ("secret.py", "methods/../secret.py"):
        scan_diff(modified_diff(path, READS, MAJORITY), ALLOW, base)
    assert reads == []
    assert tree_base(tree / "methods")("../secret.py") is None
    (tree / "methods" / "link.py").symlink_to(tree / "secret.py")
    assert tree_base(tree / "methods")("link.py") is None


def test_a_renamed_method_is_read_at_its_old_path(tree):
    diff = modified_diff("methods/m.py", READS, MAJORITY).replace(
        "diff --git a/methods/m.py b/methods/m.py\n",
        "diff --git a/methods/m.py b/methods/n.py\nsimilarity index 60%\n"
        "rename from methods/m.py\nrename to methods/n.py\n").replace(
        "+++ b/methods/m.py", "+++ b/methods/n.py")
    [check] = _teacher(scan_diff(diff, ALLOW, tree_base(tree)))
    assert check.detail["path"] == "methods/n.py"


def test_the_builtin_harness_reads_its_own_tree():
    naive = (TREE_ROOT / "methods" / "naive.py").read_text()
    run_at = naive.index("def run")
    lazy = naive[:run_at] + (
        "def run(view) -> torch.LongTensor:  # noqa: ANN001\n"
        "    return torch.zeros(len(view.x_test), dtype=torch.long)\n")
    diff = modified_diff("methods/naive.py", naive, lazy)
    row = {"id": "0" * 64, "title": "t", "summary": "s", "idea": None, "harness": "builtin",
           "diff": diff.encode(), "claimed": {}}
    found = static_findings(row, lambda h: BUILTIN_ALLOW, harness_bases)
    [check] = _teacher(found)
    assert check.detail == {"path": "methods/naive.py",
                            "line": naive[:run_at].count("\n") + 1}
    # An unconfigured harness has no files to compare with.
    row["harness"] = "nowhere"
    assert _teacher(static_findings(row, lambda h: BUILTIN_ALLOW, harness_bases)) == []


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def test_an_external_harness_is_read_at_its_pinned_commit(tmp_path):
    repo = tmp_path / "harness"
    (repo / "methods").mkdir(parents=True)
    (repo / "methods" / "m.py").write_text(READS)
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "base")
    commit = subprocess.run(["git", "-C", str(repo), "rev-parse", "HEAD"], check=True,
                            capture_output=True, text=True).stdout.strip()
    (repo / "methods" / "m.py").write_text("edited after the pin\n")
    read = git_base(repo, commit)
    assert read("methods/m.py") == READS
    assert read("methods/absent.py") is None
    [check] = _teacher(scan_diff(modified_diff("methods/m.py", READS, MAJORITY), ALLOW, read))
    assert check.detail["line"] == 8


lines = st.lists(st.sampled_from(["a", "b", "c", "", "def f():", "    return 1"]),
                 max_size=30)


def _git_apply(tmp: Path, base: str, diff: str, path: str = "m.py") -> str | None:
    """What real `git apply` makes of `diff` on `base` at `path` (None where it refuses)."""
    (tmp / path).parent.mkdir(parents=True, exist_ok=True)
    (tmp / path).write_text(base)
    out = subprocess.run(["git", "apply", "-"], input=diff.encode(), cwd=tmp,
                         capture_output=True, check=False)
    return (tmp / path).read_text() if out.returncode == 0 else None


@settings(max_examples=200, deadline=None)
@given(before=lines, after=lines, context=st.sampled_from([0, 1, 3]))
def test_applying_a_diff_gives_the_file_git_makes(tmp_path_factory, before, after, context):
    old = "".join(f"{ln}\n" for ln in before)
    new = "".join(f"{ln}\n" for ln in after)
    diff = modified_diff("m.py", old, new, context=context)
    patch = unidiff.PatchSet(diff)
    if not len(patch) or not len(patch[0]):  # no change, no hunks
        assert old == new
        return
    image = apply_hunks(old, patch[0])
    # Without context git places a hunk otherwise than it was made, or refuses it.
    assert (None if image is None else image.text) == _git_apply(tmp_path_factory.mktemp("g"),
                                                                 old, diff)
    if context:
        assert image is not None and image.text == new
        assert image.added == {ln.target_line_no for hunk in patch[0] for ln in hunk
                               if ln.is_added}


def test_a_hunk_that_does_not_match_gives_none():
    patch = unidiff.PatchSet(modified_diff("m.py", "a\nb\nc\n", "a\nB\nc\n"))
    image = apply_hunks("a\nb\nc\n", patch[0])
    assert image is not None and (image.text, image.added) == ("a\nB\nc\n", {2})
    assert apply_hunks("a\nx\nc\n", patch[0]) is None
    assert apply_hunks("", patch[0]) is None


def test_one_diff_reads_at_most_so_many_base_files(tree):
    reads: list[str] = []

    def base(path: str) -> str | None:
        reads.append(path)
        return READS

    many = "".join(modified_diff(f"methods/m{i}.py", READS, MAJORITY)
                   for i in range(MAX_BASE_FILES + 5))
    found = _teacher(scan_diff(many, ALLOW, base))
    # One finding a base file read, at most 20 of them listed and the rest counted.
    listed = [c for c in found if "not_listed" not in c.detail]
    counted = sum(c.detail.get("not_listed", 0) for c in found)
    assert len(reads) == len(listed) + counted == MAX_BASE_FILES
    assert reads == [f"methods/m{i}.py" for i in range(MAX_BASE_FILES)]


def test_a_hunk_with_wrong_line_numbers_is_placed_where_it_matches_as_git_would(tree):
    diff = modified_diff("methods/m.py", READS, MAJORITY)
    header = next(ln for ln in diff.splitlines() if ln.startswith("@@"))
    assert header == "@@ -6,6 +6,4 @@"
    shifted = diff.replace(header, "@@ -2,6 +2,4 @@")  # git apply still finds it, 4 lines on
    [check] = _teacher(scan_diff(shifted, ALLOW, tree_base(tree)))
    assert check.detail["line"] == 8


def test_lines_split_as_git_splits_them(tmp_path):
    """A form feed is a line break to str.splitlines but not to git."""
    repo = tmp_path / "harness"
    (repo / "methods").mkdir(parents=True)
    before = READS.replace("def helper(n):", "\x0c\ndef helper(n):  # \x0c page")
    (repo / "methods" / "m.py").write_text(before)
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "base")
    (repo / "methods" / "m.py").write_text(
        MAJORITY.replace("def helper(n):", "\x0c\ndef helper(n):  # \x0c page"))
    diff = subprocess.run(["git", "-C", str(repo), "diff"], check=True, capture_output=True,
                          text=True).stdout
    [check] = _teacher(scan_diff(diff, ALLOW, git_base(repo, "HEAD")))
    assert check.detail["line"] == 9  # one line more than READS: the form feed's own line


def _codes_at(checks) -> set[tuple[str, int]]:
    return {(c.code, c.detail["line"]) for c in checks}


def test_added_lines_are_analysed_with_the_whole_files_imports(tree):
    """`import torch` sits outside the hunk; with the base, torch.load still resolves."""
    after = READS.replace("    params = view.fit(",
                          "    blob = torch.load(name)\n    params = view.fit(")
    diff = modified_diff("methods/m.py", READS, after)
    assert "import torch" not in diff
    assert ("ground_truth_access", 9) in _codes_at(scan_diff(diff, ALLOW, tree_base(tree)))
    assert "ground_truth_access" not in {c.code for c in scan_diff(diff, ALLOW)}


def test_an_alias_made_in_an_unchanged_line_is_followed(tree):
    base = READS.replace("import torch\n", "import torch\nimport numpy as q\n")
    (tree / "methods" / "m.py").write_text(base)
    after = base.replace("    params = view.fit(", "    blob = q.load(name)\n"
                         "    params = view.fit(")
    diff = modified_diff("methods/m.py", base, after)
    found = _codes_at(scan_diff(diff, ALLOW, tree_base(tree)))
    assert ("ground_truth_access", 10) in found
    # The unchanged import is the harness's own line and is not reported.
    assert not [line for _, line in found if line == 2]
    assert "ground_truth_access" not in {c.code for c in scan_diff(diff, ALLOW)}


def test_lines_placed_elsewhere_are_reported_where_they_landed(tree):
    after = READS.replace("    params = view.fit(",
                          "    blob = torch.load(name)\n    params = view.fit(")
    diff = modified_diff("methods/m.py", READS, after)
    header = next(ln for ln in diff.splitlines() if ln.startswith("@@"))
    lengths = re.fullmatch(r"@@ -\d+,(\d+) \+\d+,(\d+) @@", header)
    assert lengths is not None and not header.startswith("@@ -1,")
    # Not line 1, which git holds to the file's top: from line 3 it searches, as for any offset.
    shifted = diff.replace(header, f"@@ -3,{lengths[1]} +3,{lengths[2]} @@")
    assert _git_apply(tree.parent / "git", READS, shifted, "methods/m.py") == after
    assert ("ground_truth_access", 9) in _codes_at(scan_diff(shifted, ALLOW, tree_base(tree)))
