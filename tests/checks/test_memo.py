"""A file's checks and code form are worked out once, and never served for other inputs."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from reviewer.checks import normalize, static
from reviewer.checks.bases import tree_base
from reviewer.checks.memo import Memo, digest
from reviewer.checks.static import scan_diff
from tests.checks.helpers import ALLOW, modified_diff
from tests.factories import full_sort_candidates, new_file_diff
from tests.spies import calls_to

# run() reads the teacher only on the two lines the diff below replaces.
FIT = (
    "    params = view.fit(view.new_student(), view.x_transfer, view.weak_probs,\n"
    "                      view.losses.xent)\n"
)
BASE = (
    "import torch\n\n\n"
    "def run(view):\n" + FIT +
    "    return view.predict_proba(params, view.x_test).argmax(dim=-1)\n"
)
# The same file but for a line the diff does not touch, which reads the teacher too.
BASE_READS_LATER = BASE.replace("argmax(dim=-1)", "argmax(dim=-1) + 0 * view.weak_probs.sum()")
NO_TEACHER = BASE.replace(
    FIT, "    params = view.fit(view.new_student(), view.x_transfer, None, view.losses.xent)\n")
LAZY = "import torch\n\n\ndef run(view):\n    return torch.zeros(len(view.x_test))\n"


@pytest.fixture(autouse=True)
def cold_memos():
    static._PYTHON_CHECKS.clear()
    normalize._FORMS.clear()
    yield
    static._PYTHON_CHECKS.clear()
    normalize._FORMS.clear()


@pytest.fixture
def counted(monkeypatch):
    """The path of each file whose code checks really ran."""
    return calls_to(monkeypatch, static, "_code_checks", lambda f, path, policy, whole: path)


def _tree(root: Path, text: str) -> Path:
    (root / "methods").mkdir(parents=True)
    (root / "methods" / "m.py").write_text(text)
    return root


def test_digest_keeps_the_boundaries_and_none_apart():
    assert digest("ab", "c") != digest("a", "bc")
    assert digest(None) != digest("") != digest()
    assert digest("x", None) != digest(None, "x")
    assert digest("é", "\ud800") == digest("é", "\ud800")  # surrogates from hostile text


def test_memo_makes_once_and_drops_the_least_recently_used():
    memo: Memo[bytes, int] = Memo(2)
    made: list[str] = []

    def make(name: str, value: int):
        return lambda: made.append(name) or value

    assert memo.get(b"a", make("a", 1)) == 1
    assert memo.get(b"b", make("b", 2)) == 2
    assert memo.get(b"a", make("a", 9)) == 1  # kept, and now the most recent
    assert memo.get(b"c", make("c", 3)) == 3  # drops b
    assert memo.get(b"a", make("a", 9)) == 1
    assert memo.get(b"b", make("b", 4)) == 4
    assert made == ["a", "b", "c", "b"]


def test_memo_answers_every_thread_the_same():
    memo: Memo[bytes, object] = Memo(8)
    seen: list[object] = []
    value = object()

    def worker():
        for _ in range(200):
            seen.append(memo.get(b"k", lambda: value))

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == [value] * 800


def test_a_file_repeated_in_later_diffs_is_analysed_once(counted):
    first = new_file_diff("methods/a.py", LAZY)
    later = first + new_file_diff("methods/b.py", LAZY.replace("zeros", "ones"))
    cold = scan_diff(later, ALLOW)
    static._PYTHON_CHECKS.clear()
    counted.clear()
    assert scan_diff(first, ALLOW) == [c for c in cold if c.detail.get("path") == "methods/a.py"]
    assert scan_diff(later, ALLOW) == cold
    assert scan_diff(later, ALLOW) == cold
    assert counted == ["methods/a.py", "methods/b.py"]
    assert {c.code for c in cold} >= {"teacher_unused"}


def test_the_same_hunk_on_another_base_is_judged_again(tmp_path, counted):
    # A line between the hunk and the return, so the hunk applies to both bases as git applies.
    def spaced(text: str) -> str:
        return text.replace("    return", "    out = params\n    return")

    diff = modified_diff("methods/m.py", spaced(BASE), spaced(NO_TEACHER), context=1)
    dropped = tree_base(_tree(tmp_path / "one", spaced(BASE)))
    still_reads = tree_base(_tree(tmp_path / "two", spaced(BASE_READS_LATER)))
    for order in ([dropped, still_reads], [still_reads, dropped]):
        static._PYTHON_CHECKS.clear()
        verdicts = {id(base): [c.code for c in scan_diff(diff, ALLOW, base)
                               if c.code == "teacher_unused"] for base in order}
        assert verdicts == {id(dropped): ["teacher_unused"], id(still_reads): []}


def test_another_allow_list_or_path_is_judged_again(counted):
    allowed = scan_diff(new_file_diff("methods/a.py", LAZY), ALLOW)
    elsewhere = scan_diff(new_file_diff("methods/a.py", LAZY), ("other/",))
    moved = scan_diff(new_file_diff("methods/c.py", LAZY), ALLOW)
    assert "teacher_unused" in {c.code for c in allowed}
    assert "teacher_unused" not in {c.code for c in elsewhere}
    assert [c.detail.get("path") for c in moved if c.code == "teacher_unused"] == ["methods/c.py"]
    assert len(counted) == 3


def test_code_forms_are_shared_and_match_a_cold_run():
    diff = new_file_diff("methods/a.py", LAZY) + new_file_diff("methods/b.py", LAZY)
    warm = normalize.normalize_code(diff)
    assert len(normalize._FORMS._items) == 1  # both files' added text is the same
    normalize._FORMS.clear()
    assert normalize.normalize_code(diff) == warm
    big = "x = 1\n" * (normalize.MEMO_MAX_CHARS // 6 + 1)
    normalize.normalize_code(new_file_diff("methods/big.py", big))
    assert len(normalize._FORMS._items) == 1  # a large file is not kept


def test_a_weighed_memo_keeps_within_its_budget():
    memo: Memo[bytes, str] = Memo(100, weigh=len, budget=10)
    for name in ("aaaa", "bbbb", "cc"):
        memo.get(name.encode(), lambda name=name: name)
    assert len(memo) == 3
    memo.get(b"dddd", lambda: "dddd")  # 14 > 10: the oldest goes
    assert len(memo) == 3 and memo.get(b"aaaa", lambda: "made again") == "made again"
    assert memo.get(b"big", lambda: "x" * 11) == "x" * 11  # larger than the whole budget
    assert memo.get(b"big", lambda: "again") == "again"  # so it was never kept
    assert memo._total <= 10


def test_duplicate_tokens_are_bounded_by_their_size(monkeypatch):
    from reviewer.checks import duplicate

    monkeypatch.setattr(duplicate, "_SPLIT", Memo(8192, weigh=duplicate._weight, budget=50_000))
    for i in range(200):
        duplicate._split(f"x{i} = y + {i}\n" * 50)
    assert 0 < duplicate._SPLIT._total <= 50_000 and len(duplicate._SPLIT) < 200


def test_get_many_makes_only_the_missing_in_one_call():
    memo: Memo[str, int] = Memo(10)
    calls: list[list[str]] = []

    def make(keys):
        calls.append(keys)
        return {k: len(k) for k in keys if k != "gone"}

    assert memo.get_many(["a", "bb"], make) == {"a": 1, "bb": 2}
    assert memo.get_many(["bb", "ccc", "gone"], make) == {"bb": 2, "ccc": 3}
    assert calls == [["a", "bb"], ["ccc", "gone"]]
    assert memo.get_many(["a", "ccc"], make) == {"a": 1, "ccc": 3} and len(calls) == 2


def test_candidate_codes_are_read_once_and_again_when_a_fingerprint_changes(tmp_path,
                                                                             monkeypatch):
    from reviewer.checks import scanpool
    from store import ReviewStore, fingerprints
    from tests.factories import make_proposal

    store = ReviewStore.open(tmp_path / "store.db")
    try:
        ids = [store.add_proposal(make_proposal(i), actor="t") for i in range(12)]
        store.put_fingerprints([(pid, f"code {i:02d} " + "x" * (40 + i))
                                for i, pid in enumerate(ids)])
        reads = calls_to(monkeypatch, fingerprints, "codes", lambda conn, pids: pids)
        scanpool._CODES.clear()
        first = scanpool.similar_with_codes(store.conn, ids[0], 45)
        assert first == full_sort_candidates(store.conn, ids[0], 45) and len(first) == 11
        second = scanpool.similar_with_codes(store.conn, ids[1], 45)
        assert second == full_sort_candidates(store.conn, ids[1], 45)
        assert [len(r) for r in reads] == [11, 1]  # only ids[0] was new the second time
        store.put_fingerprints([(ids[5], "rewritten " + "y" * 40)])
        again = scanpool.similar_with_codes(store.conn, ids[0], 45)
        assert again == full_sort_candidates(store.conn, ids[0], 45)
        assert reads[-1] == [ids[5]]
        assert [c.code for c in again if c.proposal_id == ids[5]] == ["rewritten " + "y" * 40]
    finally:
        store.close()


def test_the_scan_and_the_code_form_share_one_parse_of_a_diff(monkeypatch):
    from reviewer.checks import patches

    parsed = calls_to(monkeypatch, patches, "_parse", lambda diff: diff)
    patches._RECENT.clear()
    diff = new_file_diff("methods/a.py", LAZY)
    normalize.normalize_code(diff)
    scan_diff(diff, ALLOW)
    assert parsed == [diff]
    broken = "@@ -1,3 +1,3 @@\n-only one line\n"
    for _ in range(2):
        with pytest.raises(Exception, match="Unexpected hunk found"):
            patches.parse_patch(broken)
    assert parsed == [diff, broken]
    assert [c.code for c in scan_diff(broken, ALLOW)] == ["unparseable_diff"]
