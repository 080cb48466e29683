"""normalize_code and duplicate_checks: renamed copies match, different methods do not."""

from __future__ import annotations

import itertools
import random

from hypothesis import given, settings
from hypothesis import strategies as st

from reviewer.checks.duplicate import (
    MAX_COMPARED,
    MAX_TOKENS,
    DupSubject,
    duplicate_checks,
    normalize_code,
)
from tests.checks.helpers import sample_proposals
from tests.factories import new_file_diff

METHOD = '''"""Weighted cross-entropy."""

import torch

POWER = 2.0  # sharpness


def run(view):
    """Weights rows by confidence."""
    probs = view.weak_probs
    weights = (probs[..., 1] - probs[..., 0]).abs().pow(POWER)
    return view.fit(view.new_student(), view.x_transfer, probs, weights=weights)
'''
RENAMED = '''"""Something else entirely, in other words."""

import torch

SHARP = 2.0


def run(v):
    # a comment that was not there
    soft = v.weak_probs
    w = (soft[..., 1] - soft[..., 0]).abs().pow(SHARP)
    return v.fit(v.new_student(), v.x_transfer, soft, weights=w)
'''


def _subject(pid, code, idea="idea", title="Title", kind="proposal"):
    return DupSubject(pid, title, idea, code, kind)


def test_names_docstrings_and_comments_do_not_matter():
    one = normalize_code(new_file_diff("methods/a.py", METHOD))
    two = normalize_code(new_file_diff("methods/b.py", RENAMED))
    assert one == two
    assert "weak_probs" in one and "POWER" not in one and "Weighted" not in one


def test_behaviour_changes_do_matter():
    changed = METHOD.replace("pow(POWER)", "pow(POWER) + 1.0")
    assert normalize_code(new_file_diff("m/a.py", METHOD)) != normalize_code(
        new_file_diff("m/a.py", changed))


def test_only_added_lines_count():
    diff = ("diff --git a/m.py b/m.py\n--- a/m.py\n+++ b/m.py\n@@ -1,2 +1,2 @@\n"
            " import torch\n-x = 1\n+x = 2\n")
    assert normalize_code(diff) == "v0 = 2"


def test_unparseable_code_falls_back_to_text():
    text = normalize_code(new_file_diff("m/a.py", "def broken(:\n    x   =  1   # note\n"))
    assert text == "def broken(:\nx = 1"
    assert normalize_code("") == ""
    broken = "diff --git a/x b/x\n--- a/x\n+++ b/x\n@@ -1,5 +1,5 @@\n+kept  line\n"
    assert normalize_code(broken) == "kept line"


def test_duplicate_is_reported_with_the_other_id_and_title():
    own = _subject("a" * 64, normalize_code(new_file_diff("m/a.py", METHOD)))
    other = _subject("b" * 64, normalize_code(new_file_diff("m/b.py", RENAMED)),
                     title="The copy", kind="finding")
    [check] = duplicate_checks(own, [other])
    assert (check.code, check.severity) == ("duplicate", "low")
    assert check.message.startswith("near-duplicate of finding bbbbbbbbbbbb 'The copy':")
    assert check.detail["other_id"] == "b" * 64 and check.detail["similarity"] == 1.0


def test_itself_and_different_code_are_not_duplicates():
    code = normalize_code(new_file_diff("m/a.py", METHOD))
    other = normalize_code(new_file_diff("m/b.py", "import torch\n\ndef run(view):\n"
                                         "    return torch.zeros(3)\n"))
    assert duplicate_checks(_subject("a", code), [_subject("a", code), _subject("b", other)]) == []


def test_without_code_the_idea_name_decides():
    own = _subject("a", "", idea="always_majority")
    same = _subject("b", "", idea="always-majority")
    other = _subject("c", "", idea="entropy_min")
    assert [c.detail["other_id"] for c in duplicate_checks(own, [same, other])] == ["b"]


def test_threshold_is_respected():
    code = normalize_code(new_file_diff("m/a.py", METHOD))
    near = normalize_code(new_file_diff("m/a.py", METHOD.replace(
        "probs, weights=weights)", "probs, weights=weights * 2.0 + 1.0)")))
    own, other = _subject("a", code, idea="x"), _subject("b", near, idea="y")
    assert duplicate_checks(own, [other], threshold=0.99) == []
    assert len(duplicate_checks(own, [other], threshold=0.8)) == 1


def test_sample_near_duplicates_pair_up_and_honest_samples_do_not():
    samples = sample_proposals()
    subjects = {a: _subject(a, normalize_code(p.diff.decode()), idea=p.idea, title=p.title)
                for a, p in samples.items() if p.diff is not None}
    [pair] = duplicate_checks(subjects["agent-epsilon"], [subjects["agent-zeta"]])
    assert pair.detail["other_id"] == "agent-zeta"
    honest = [subjects[a] for a in ("agent-alpha", "agent-beta", "agent-gamma")]
    for one, two in itertools.permutations(honest, 2):
        assert duplicate_checks(one, [two]) == []


def test_many_others_are_compared():
    code = normalize_code(new_file_diff("m/a.py", METHOD))
    others = [_subject(str(i), code.replace("2.0", f"{i}.5") * (1 + i % 3), idea=f"i{i}")
              for i in range(2000)]
    found = duplicate_checks(_subject("me", code), others)
    assert found and all(c.detail["similarity"] >= 0.9 for c in found)
    assert {c.detail["other_id"] for c in found} <= {str(i) for i in range(0, 2000, 3)}


def test_the_search_stops_at_enough_copies_and_takes_the_others_in_order():
    code = normalize_code(new_file_diff("m/a.py", METHOD))
    others = [_subject(str(i), code, idea=f"i{i}") for i in range(50)]
    found = duplicate_checks(_subject("me", code), others)
    assert [c.detail["other_id"] for c in found] == [str(i) for i in range(5)]
    assert len(duplicate_checks(_subject("me", code), others, max_found=50)) == 50


def test_an_approved_copy_is_named_even_behind_many_pending_ones():
    from reviewer.checks.scanpool import ranked, subject
    from store.fingerprints import Candidate

    diff = new_file_diff("methods/a.py", METHOD)
    code = normalize_code(diff)
    pending = [Candidate(f"p{i}", f"t{i}", f"i{i}", "pending", code) for i in range(30)]
    approved = Candidate("found", "t", "i", "approved", code)
    checks = duplicate_checks(subject("me", "mine", "mine", "pending", code),
                              ranked([*pending, approved]))
    others = [c.detail["other_id"] for c in checks if c.code == "duplicate"]
    assert others[0] == "found" and len(others) == 5


def _repetitive(lines: int, changed: bool) -> str:
    """Code that repeats a few tokens: difflib's matcher took 96 s on a pair of these."""
    body = [f"z{i} = bar(c, d) - {i % 9}" if changed and i % 10 == 0 else
            f"x{i % 50} = foo(a, b) + {i % 7}" for i in range(lines)]  # fmt: skip
    return normalize_code(new_file_diff("m/a.py", "\n".join(body) + "\n"))


def test_a_hostile_repetitive_pair_is_still_compared_exactly():
    own, other = _subject("a", _repetitive(2000, False)), _subject("b", _repetitive(2000, True))
    [check] = duplicate_checks(own, [other])
    assert 0.9 <= check.detail["similarity"] < 1.0
    assert check.message.endswith("of the normalised code matches")


def test_long_code_is_compared_on_its_first_tokens():
    head = _repetitive(2000, False)
    assert len(head.split()) > MAX_TOKENS // 4
    long_own = head * 3
    long_other = head * 2 + _repetitive(2000, True)
    [check] = duplicate_checks(_subject("a", long_own), [_subject("b", long_other)])
    assert check.detail["similarity"] == 1.0
    assert check.message.endswith(f"matches of the first {MAX_TOKENS:,} tokens")


def test_full_comparisons_per_proposal_are_capped(monkeypatch):
    import reviewer.checks.duplicate as duplicate

    calls = []
    real = duplicate.Indel.normalized_similarity

    class Counting:
        @staticmethod
        def normalized_similarity(*args, **kwargs):
            if isinstance(args[0], tuple):  # token sequences, not idea names
                calls.append(1)
            return real(*args, **kwargs)

    monkeypatch.setattr(duplicate, "Indel", Counting)
    tokens = normalize_code(new_file_diff("m/a.py", METHOD)).split()
    # The same tokens in other orders: every bound passes, no comparison finds a copy.
    others = []
    for i in range(300):
        shuffled = tokens[:]
        random.Random(i).shuffle(shuffled)
        others.append(_subject(str(i), " ".join(shuffled), idea=f"i{i}"))
    assert duplicate_checks(_subject("me", " ".join(tokens)), others) == []
    assert len(calls) == MAX_COMPARED


def test_long_hostile_titles_compare_at_once():
    # Titles are compared when an idea is missing; difflib took 1.6 s on a pair like this.
    own = _subject("a", "", idea=None, title="ab " * 166)
    other = _subject("b", "", idea=None, title="ba " * 166)
    assert duplicate_checks(own, [other]) == []
    assert duplicate_checks(own, [_subject("c", "", idea=None, title="ab " * 166)])


@settings(max_examples=200, deadline=None)
@given(st.lists(st.sampled_from("abcdef"), max_size=40), st.lists(st.sampled_from("abcxyz"),
                                                                   max_size=40))
def test_the_overlap_bound_is_the_multiset_overlap(left, right):
    from collections import Counter

    from reviewer.checks.duplicate import _overlap_bound

    total = len(left) + len(right)
    common = sum((Counter(left) & Counter(right)).values())
    assert _overlap_bound(Counter(left), Counter(right), total) == (
        2.0 * common / total if total else 0.0)
