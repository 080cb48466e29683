"""The diff model: lines are located as unidiff reads them, flagged exactly, made on demand."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from unidiff import PatchSet

from reviewer.diffhunks import _located_bodies, _unidiff_bodies
from reviewer.diffhunks import scan_hunks as _scans
from reviewer.difflines import _display
from reviewer.diffmodel import build
from reviewer.evalwords import EVAL_WORDS
from reviewer.evalwords import word_matches as _word_matches
from reviewer.textsafe import clean, show_bare_cr
from reviewer.widgets.diff_view import safe
from tests.factories import new_file_diff

WORDS = ["label", "labels", "Tests", "xtest", "score", "SCORER", "scoring", "eval_acc", "salt",
         "cached", "Ground Truth", "ground-truth", "groundtruth", "scor", "teſt", "Kache"]  # noqa: RUF001
GLUE = [" ", "_", "-", ".", "(", "x", "9", "ſ", "K", "İ", "é"]  # noqa: RUF001


@settings(max_examples=400, deadline=None)
@given(st.lists(st.one_of(st.sampled_from(WORDS), st.sampled_from(GLUE)), max_size=30))
def test_word_matches_agree_with_the_case_insensitive_pattern(parts):
    text = "".join(parts)
    expected = [(m.start(), m.group(0).lower()) for m in EVAL_WORDS.finditer(text)]
    assert list(_word_matches(text)) == expected


# Hunk body lines: kind and text (text without line breaks that splitlines would split on).
TEXT = st.text(st.sampled_from("ab @\\+-#_é labels"), max_size=12)
BODY_LINE = st.tuples(st.sampled_from("+- "), TEXT) | st.just(("blank", "")) | st.just(
    ("marker", "")
)
EOL = st.sampled_from(["\n", "\r\n"])


@st.composite
def diffs(draw: st.DrawFn) -> str:
    """Multi-file diffs with blank context lines, no-newline markers inside and after hunks,
    trailing blank lines, CRLF, and junk between files."""
    out: list[str] = []
    for f in range(draw(st.integers(1, 3))):
        if draw(st.booleans()):
            out.append(f"diff --git a/m/f{f}.py b/m/f{f}.py\nindex 1..2 100644\n")
        out.append(f"--- a/m/f{f}.py\n+++ b/m/f{f}.py\n")
        for h in range(draw(st.integers(1, 3))):
            first = draw(st.tuples(st.sampled_from("+- "), TEXT))
            body = [first, *draw(st.lists(BODY_LINE, max_size=7))]
            eol = draw(EOL)
            source = sum(1 for kind, _ in body if kind in ("-", " ", "blank"))
            target = sum(1 for kind, _ in body if kind in ("+", " ", "blank"))
            out.append(f"@@ -{h * 20 + 1},{source} +{h * 20 + 1},{target} @@ def f{h}():{eol}")
            for kind, text in body:
                if kind == "blank":
                    out.append(eol)
                elif kind == "marker":
                    out.append("\\ No newline at end of file\n")
                else:
                    out.append(f"{kind}{text}{eol}")
            for _ in range(draw(st.integers(0, 2))):
                out.append(draw(st.sampled_from(["\n", "\\ No newline at end of file\n"])))
        if draw(st.booleans()):
            out.append("some note between files\n")
    return "".join(out)


def shown(bodies: list[list[str]] | None) -> list[list[tuple[str, str]]] | None:
    return None if bodies is None else [[_display(line) for line in body] for body in bodies]


@settings(max_examples=300, deadline=None)
@given(diffs())
def test_located_hunk_bodies_are_the_lines_unidiff_parses(diff):
    raw = diff.splitlines(keepends=True)
    hunks = [hunk for patched in PatchSet(raw, metadata_only=True) for hunk in patched]
    expected = shown(_unidiff_bodies(raw))
    assert shown(_located_bodies(raw, hunks)) == expected  # the fast path is taken, and right
    bodies, scans = _scans(raw, hunks)
    assert shown(bodies) == expected
    for hunk, scan in zip(hunks, scans, strict=True):
        assert (scan.added, scan.removed) == (hunk.added, hunk.removed)


def test_a_body_the_locator_cannot_place_comes_from_unidiff():
    # unidiff reads one line into an empty hunk, whatever its counts say.
    diff = "--- a/methods/a.py\n+++ b/methods/a.py\n@@ -1,0 +1,0 @@\n\\odd\n"
    raw = diff.splitlines(keepends=True)
    hunks = [hunk for patched in PatchSet(raw, metadata_only=True) for hunk in patched]
    assert _located_bodies(raw, hunks) is None
    assert _scans(raw, hunks)[0] == [["\\odd\n"]]
    assert [line.text for line in build(diff).lines][-1] == "\\odd"


def test_a_10k_line_diff_is_flagged_up_front_and_its_lines_made_on_demand():
    body = "".join(f"x_{i} = {i}\n" for i in range(10_000))
    body += "y = np.load('/data/Labels.npy')\n"
    doc = build(new_file_diff("methods/big.py", body))
    assert doc.lines.made == 0
    assert len(doc.lines) == 10_003  # file title, hunk header, 10,001 lines
    assert doc.files[0].reasons == ["hunk at +1 mentions labels"]
    assert doc.lines.made == 0
    last = doc.lines[-1]
    assert last.kind == "added" and last.flagged and "Labels.npy" in last.text
    assert not doc.lines[5000].flagged
    assert doc.lines.made == 2
    assert doc.width == max(len(line.text) for line in doc.lines) + 4


@settings(max_examples=300, deadline=None)
@given(st.text(st.characters(max_codepoint=0x3000)) | st.text(st.sampled_from("ab \t\x1b[2J\x07~")))
def test_the_viewers_shortcut_cleans_exactly_as_textsafe_does(text):
    assert safe(text) == clean(show_bare_cr(text))


def test_a_carriage_return_inside_a_line_is_drawn_not_dropped():
    # Python breaks the line there and runs what follows; dropped, the code read as a comment.
    line = "    # keep the test split in order\r    return torch.zeros(n)"
    assert safe(line) == "    # keep the test split in order\u240d    return torch.zeros(n)"


def test_lines_split_on_newline_only_like_git_apply():
    from reviewer.diffmodel import build

    body = "x = 1\rimport socket\u2028y = 2\x0cz = 3\n"
    diff = (
        "diff --git a/methods/m.py b/methods/m.py\nnew file mode 100644\n"
        "--- /dev/null\n+++ b/methods/m.py\n@@ -0,0 +1 @@\n+" + body
    )
    doc = build(diff)
    added = [line for line in doc.lines if line.kind == "added"]
    assert len(added) == 1  # one line for git, so one line on screen


def test_a_new_file_line_maps_to_its_display_line_past_removed_ones():
    diff = (
        "diff --git a/methods/a.py b/methods/a.py\n--- a/methods/a.py\n+++ b/methods/a.py\n"
        "@@ -1,4 +1,5 @@\n import torch\n-x = 1\n+x = 2\n+y = open('/labels').read()\n"
        " def run(view):\n     return view\n"
        "@@ -10,2 +11,3 @@ def other():\n a = 1\n+b = np.load('labels.npy')\n c = 3\n"
        "\\ No newline at end of file\n"
    )
    doc = build(diff)
    shown = {line: doc.lines[i].text for line in (1, 3, 12, 13)
             if (i := doc.index_of("methods/a.py", line)) is not None}
    assert shown == {1: " import torch", 3: "+y = open('/labels').read()",
                     12: "+b = np.load('labels.npy')", 13: " c = 3"}
    assert doc.index_of("methods/a.py", 9) is None  # between the hunks: not shown
    assert doc.index_of("methods/b.py", 1) is None
