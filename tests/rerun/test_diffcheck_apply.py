"""Diff validation pinned where mutation testing found it unpinned: what `apply_diff` returns
and the reason an absolute path is refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewer.rerun.diffcheck import (
    DiffPolicy,
    DiffRefused,
    FileChange,
    apply_diff,
    apply_validated,
    check_path,
)

POLICY = DiffPolicy(allow=("methods/",))
NEW_METHOD = (
    "diff --git a/methods/mine.py b/methods/mine.py\nnew file mode 100644\n"
    "index 0000000..1111111\n--- /dev/null\n+++ b/methods/mine.py\n@@ -0,0 +1,2 @@\n"
    "+def run(view):\n+    return 1\n"
)


def _base(tmp_path: Path) -> Path:
    base = tmp_path / "base"
    (base / "methods").mkdir(parents=True)
    (base / "methods" / "naive.py").write_text("def run(view):\n    return None\n")
    return base


def test_apply_diff_returns_the_changes_it_applied(tmp_path: Path) -> None:
    base = _base(tmp_path)
    dest = tmp_path / "applied"
    changes = apply_diff(NEW_METHOD.encode(), base, dest, POLICY)
    assert changes == [FileChange("methods/mine.py", added=2, deleted=0, created=True)]
    assert (dest / "methods" / "mine.py").read_text() == "def run(view):\n    return 1\n"


@pytest.mark.parametrize("policy", [POLICY, DiffPolicy(allow=("/",))])
def test_an_absolute_path_is_refused_as_absolute(policy: DiffPolicy) -> None:
    # Refused for what it is, before the allow-list is asked (which a "/" entry would pass).
    with pytest.raises(DiffRefused) as refused:
        check_path("/methods/a.py", policy)
    assert str(refused.value) == "absolute path '/methods/a.py'"


def test_a_path_needs_only_one_allow_list_entry() -> None:
    # Folders end with "/" and match as prefixes; other entries match one file exactly.
    policy = DiffPolicy(allow=("methods/", "configs/extra.yaml"))
    assert policy.allows("methods/mine.py")
    assert policy.allows("configs/extra.yaml")
    assert not policy.allows("configs/extra.yaml.bak")
    assert not policy.allows("methodsx/mine.py")
    check_path("methods/mine.py", policy)  # no DiffRefused


def test_applying_a_file_the_changes_do_not_declare_is_refused(tmp_path: Path) -> None:
    # The diff creates methods/mine.py and methods/other.py; the changes name only mine.py.
    other = NEW_METHOD.replace("mine.py", "other.py")
    declared = [FileChange("methods/mine.py", added=2, deleted=0, created=True)]
    with pytest.raises(DiffRefused) as refused:
        apply_validated((NEW_METHOD + other).encode(), declared, _base(tmp_path),
                        tmp_path / "applied", POLICY)
    assert str(refused.value) == (
        "applying changed files the diff did not declare: methods/other.py")


def test_applying_a_diff_that_removes_a_file_is_refused(tmp_path: Path) -> None:
    deletion = (
        "diff --git a/methods/naive.py b/methods/naive.py\ndeleted file mode 100644\n"
        "index 1111111..0000000\n--- a/methods/naive.py\n+++ /dev/null\n@@ -1,2 +0,0 @@\n"
        "-def run(view):\n-    return None\n"
    )
    with pytest.raises(DiffRefused) as refused:
        apply_validated(deletion.encode(), [], _base(tmp_path), tmp_path / "applied", POLICY)
    assert str(refused.value) == "applying removed methods/naive.py"
