"""scan_diff on the shape of a diff: paths, modes, unparseable input, and never raising."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from reviewer.checks.static import scan_diff
from tests.checks.helpers import ALLOW, codes, modified_diff, scan_new
from tests.factories import new_file_diff

RUN = "def run(view):\n    return view.weak_probs\n"


def _protected(diff: str) -> list[str]:
    return [c.message for c in scan_diff(diff, ALLOW) if c.code == "protected_path"]


def test_nothing_to_scan():
    assert scan_diff(None, ALLOW) == []
    assert scan_diff("", ALLOW) == []
    assert scan_diff("  \n", ALLOW) == []


def test_new_method_under_the_allow_list_is_clean():
    assert scan_new(RUN) == []


def test_modifying_a_file_outside_the_allow_list():
    assert _protected(modified_diff("run.py", "a = 1\n", "a = 2\n")) == [
        "run.py: modifies a file outside the allow-list (methods/)"]
    [check] = [c for c in scan_diff(modified_diff("run.py", "a = 1\n", "a = 2\n"), ALLOW)]
    assert (check.severity, check.detail["path"]) == ("high", "run.py")


def test_creating_a_file_outside_the_allow_list():
    assert _protected(new_file_diff("w2s_kit/scorer.py", RUN)) == [
        "w2s_kit/scorer.py: creates a file outside the allow-list (methods/)"]


def test_deleting_a_protected_file():
    diff = ("diff --git a/w2s_kit/run.py b/w2s_kit/run.py\ndeleted file mode 100644\n"
            "index 1111111..0000000\n--- a/w2s_kit/run.py\n+++ /dev/null\n@@ -1 +0,0 @@\n-x = 1\n")
    assert _protected(diff) == ["w2s_kit/run.py: deletes a file outside the allow-list (methods/)"]


def test_renaming_a_protected_file_into_the_allow_list():
    diff = ("diff --git a/w2s_kit/losses.py b/methods/losses.py\nsimilarity index 100%\n"
            "rename from w2s_kit/losses.py\nrename to methods/losses.py\n")
    messages = _protected(diff)
    assert len(messages) == 1 and messages[0].startswith("w2s_kit/losses.py: renames")


def test_paths_that_escape_the_tree():
    for path in ("methods/../run.py", "methods/.git/config", "methods/.GIT/hooks/x"):
        expected = [f"{path}: path escapes the harness tree"]
        assert _protected(new_file_diff(path, "x = 1\n")) == expected


def test_other_allow_lists():
    diff = new_file_diff("w2s_research/ideas/x/run.py", "x = 1\n")
    assert scan_diff(diff, ("w2s_research/ideas/",)) == []
    assert codes(scan_diff(diff, ALLOW)) == {"protected_path"}


def test_symlink_is_an_unsafe_file():
    diff = new_file_diff("methods/table.npy", "/data/labels.npy", mode="120000")
    [check] = scan_diff(diff, ALLOW)
    assert (check.code, check.severity) == ("unsafe_file", "high")
    assert check.message == ("methods/table.npy: adds a symlink (mode 120000)"
                             " pointing at '/data/labels.npy'")


def test_garbage_is_an_unparseable_diff():
    [check] = scan_diff("diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,5 +1,5 @@\n-a\n", ALLOW)
    assert (check.code, check.severity) == ("unparseable_diff", "medium")


def test_new_file_with_a_syntax_error_is_unparseable_but_still_scanned():
    found = scan_new("import os\ndef broken(:\n    pass\nos.system('x')\n" + RUN)
    by_code = {c.code: c for c in found}
    assert by_code["unparseable_code"].severity == "medium"
    assert by_code["unparseable_code"].message.startswith("methods/x.py:2: does not parse")
    assert by_code["process_escape"].detail["line"] == 4


def test_modified_file_where_nothing_added_parses():
    found = scan_diff(modified_diff("methods/m.py", "x = 1\n", "x = 1\n$$ !!\n@@ ??\n"), ALLOW)
    assert [(c.code, c.detail["line"]) for c in found] == [("unparseable_code", 2)]


def test_hunk_starting_inside_a_bracket_still_parses_the_added_lines():
    before = "".join(f"z{i} = {i}\n" for i in range(10)) + "call(\n    1,\n    2,\n    3,\n)\n"
    after = before.replace("    3,\n", "    3,\n    4,\n")
    assert scan_diff(modified_diff("methods/m.py", before, after, context=1), ALLOW) == []


def test_non_python_files_are_not_parsed():
    assert scan_diff(new_file_diff("methods/notes.md", "import socket\n"), ALLOW) == []


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_never_raises_on_arbitrary_text(text):
    assert isinstance(scan_diff(text, ALLOW), list)


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("()[]{}'\"\\:#@+-. \nabosx=1_"), max_size=200))
def test_never_raises_on_arbitrary_added_python(body):
    found = scan_diff(new_file_diff("methods/x.py", body), ALLOW)
    found += scan_diff(modified_diff("methods/x.py", "a = 1\nb = 2\n", "a = 1\n" + body), ALLOW)
    assert all(c.severity in ("high", "medium", "low") for c in found)


_HUNK_LINE = st.tuples(st.sampled_from([" ", "+", "-", "\\"]), st.text(max_size=40))


@settings(max_examples=300, deadline=None)
@given(st.lists(_HUNK_LINE, max_size=30), st.integers(0, 5), st.integers(0, 40),
       st.sampled_from(["methods/x.py", "run.py", "a b/c.py", "/dev/null"]))
def test_never_raises_on_diff_shaped_text(lines, start, count, path):
    body = "".join(prefix + text.replace("\n", " ") + "\n" for prefix, text in lines)
    diff = (f"diff --git a/{path} b/{path}\n--- a/{path}\n+++ b/{path}\n"
            f"@@ -{start},{count} +{start},{count} @@\n{body}")
    assert isinstance(scan_diff(diff, ALLOW), list)
    assert isinstance(scan_diff(new_file_diff(path, body), ALLOW), list)


def test_too_much_unparseable_code_is_reported_not_skipped_silently():
    junk = "".join(f"    ) junk{i} ( [\n" for i in range(4000))
    found = scan_diff(modified_diff("methods/m.py", "x = 1\n", "x = 1\n" + junk), ALLOW)
    [check] = found
    assert check.code == "unparseable_code" and "were not scanned" in check.message


def test_messages_are_safe_to_print():
    path = "run\x1b[2J\u202e.py"
    found = scan_diff(new_file_diff(path, "import os\nx = os.getenv('\x1b]52;c;x\x07')\n"), ALLOW)
    assert {c.code for c in found} == {"protected_path", "ground_truth_access", "unsafe_file"}
    for check in found:
        assert not any(ch in check.message for ch in "\x1b\x07\u202e"), check.message
    assert found[0].detail["path"] == path  # the evidence itself is kept verbatim
