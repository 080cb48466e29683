"""A diff path that reads as another file's name (a look-alike letter, a combining mark) is
refused, and the refusal writes the path with code points so the reviewer can tell."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewer.rerun.diffcheck import DiffPolicy, DiffRefused, apply_diff, misleading, validate
from tests.rerun.test_diffcheck import git_diff, new_file

POLICY = DiffPolicy(allow=("methods/",))

# Each reads as methods/logconf_warm.py (or close to it) on the reviewer's screen.
DECOYS = {
    "cyrillic o": ("methods/l\u043egconf_warm.py", "methods/l\\u043egconf_warm.py"),
    "greek omicron": ("methods/l\u03bfgconf_warm.py", "methods/l\\u03bfgconf_warm.py"),
    "combining acute": ("methods/logconf\u0301_warm.py", "methods/logconf\\u0301_warm.py"),
    "latin small capital": ("methods/logcon\ua730_warm.py", "methods/logcon\\ua730_warm.py"),
}


@pytest.mark.parametrize("kind", sorted(DECOYS))
def test_a_decoy_beside_the_real_file_is_refused_naming_its_code_points(kind: str) -> None:
    decoy, written = DECOYS[kind]
    diff = (new_file("methods/logconf_warm.py") + new_file(decoy, "steal = 1\n")).encode()
    with pytest.raises(DiffRefused, match="non-ASCII") as refused:
        validate(diff, POLICY)
    assert written in str(refused.value)
    assert str(refused.value).isascii()


def test_applying_a_decoy_leaves_nothing(tmp_path: Path) -> None:
    base = tmp_path / "base"
    (base / "methods").mkdir(parents=True)
    diff = new_file("methods/l\u043egconf_warm.py").encode()
    with pytest.raises(DiffRefused, match="non-ASCII"):
        apply_diff(diff, base, tmp_path / "dest", POLICY)
    assert not (tmp_path / "dest").exists()


def test_git_s_quoted_form_of_a_decoy_is_refused_for_its_name(tmp_path: Path) -> None:
    base = tmp_path / "base"
    (base / "methods").mkdir(parents=True)
    (base / "methods" / "naive.py").write_text("x = 1\n")
    diff = git_diff(base, tmp_path, lambda r: (r / "methods" / "l\u043egconf.py").write_text("y\n"))
    assert b'"b/methods/l\\320\\276gconf.py"' in diff  # git quotes the name; git apply reads it
    with pytest.raises(DiffRefused, match=r"non-ASCII.*methods/l\\u043egconf\.py"):
        validate(diff, POLICY)


def test_non_ascii_inside_a_file_is_still_accepted() -> None:
    diff = new_file("methods/cafe.py", "name = 'caf\u00e9 \u043e'\n").encode()
    assert [c.path for c in validate(diff, POLICY)] == ["methods/cafe.py"]


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("methods/logconf_warm.py", None),
        ("methods/l\u043egconf_warm.py", "non-ASCII"),
        ("methods/na\u200bive.py", "invisible"),
        ("methods/naive.py ", "spaces at the ends"),
    ],
)
def test_misleading_says_why_a_path_reads_as_another(path: str, reason: str | None) -> None:
    problem = misleading(path)
    assert (problem is None) if reason is None else (reason in (problem or ""))
