"""A diff that floods one code (thousands of files) gets a bounded list, and one proposal whose
checks cannot be made or recorded costs only itself its checks, never the rest of its batch."""

from __future__ import annotations

import pytest

from reviewer.checks import run as checks_run
from reviewer.checks import scanpool, static
from reviewer.checks.model import Check
from reviewer.checks.run import check_proposals, static_findings
from reviewer.checks.static import scan_diff
from store import ReviewStore
from store.checks import MAX_CHECKS
from tests.checks.helpers import ALLOW, sample_proposals
from tests.factories import make_proposal, new_file_diff

FLOOD = 600  # files: over the store's cap of checks per report
MAX_PER_CODE = 20  # checks of one code a proposal lists (the README says so)


def flood_diff(directory: str, count: int = FLOOD, body: str = "x = 0\n") -> str:
    return "".join(new_file_diff(f"{directory}/x{i}.py", body) for i in range(count))


def summary_of(checks: list[Check], code: str) -> Check:
    (summary,) = [c for c in checks if c.code == code and "not_listed" in c.detail]
    return summary


@pytest.mark.parametrize(("directory", "code", "what"), [
    ("methods/\u00e9", "unsafe_file", "unsafe files"),  # names that read as another
    ("evil", "protected_path", "files outside the allow-list"),
])
def test_a_flood_of_files_lists_a_few_and_counts_the_rest(directory, code, what):
    found = scan_diff(flood_diff(directory), ALLOW)
    assert [c.code for c in found] == [code] * (MAX_PER_CODE + 1)
    summary = summary_of(found, code)
    more = FLOOD - MAX_PER_CODE
    assert summary.severity == "high"
    assert summary.detail == {"path": None, "line": None, "not_listed": more}
    assert summary.message == f"... and {more:,} more {what} beyond the {MAX_PER_CODE} listed"
    listed = [c.detail["path"] for c in found if c is not summary]
    assert listed == [f"{directory}/x{i}.py" for i in range(MAX_PER_CODE)]


def test_python_checks_of_many_files_are_bounded_across_the_diff():
    # Each file holds its own 20 reads; 50 files of them were 1,000 checks of one code.
    reads = "".join(f"open('/data/labels{i}.npy')\n" for i in range(25))
    found = scan_diff(flood_diff("methods", 50, reads), ALLOW)
    gta = [c for c in found if c.code == "ground_truth_access"]
    assert len(gta) == MAX_PER_CODE + 1
    assert summary_of(found, "ground_truth_access").detail["not_listed"] == 50 * 20 - MAX_PER_CODE


def test_bounded_keeps_the_most_severe_and_bounding_again_changes_nothing():
    bounded = static.bounded
    mediums = [Check("few_seeds", "medium", f"m{i}") for i in range(30)]
    highs = [Check("few_seeds", "high", f"h{i}") for i in range(5)]
    other = Check("no_se", "low", "other")
    once = bounded([*mediums, other, *highs], per_code=10)
    assert [c.message for c in once] == [*(f"m{i}" for i in range(5)), "other",
                                         *(f"h{i}" for i in range(5)), once[-1].message]
    assert once[-1].severity == "medium" and once[-1].detail["not_listed"] == 25
    assert bounded(once, per_code=10) == once
    assert bounded([*once, Check("few_seeds", "high", "late")], per_code=10)[-1].detail == {
        "path": None, "line": None, "not_listed": 26}


def test_a_proposals_whole_list_is_bounded():
    row = {"id": "p", "harness": "builtin", "title": "t", "summary": "s",
           "claimed": {"pgr": 0.5, "seeds": [1]}}
    scanned = [Check("protected_path", "high", f"f{i}", {"path": f"f{i}"}) for i in range(FLOOD)]
    dups = [Check("duplicate", "low", f"d{i}", {"other_id": f"o{i}"}) for i in range(FLOOD)]
    found = static_findings(row, lambda harness: ALLOW, scanned=scanned, duplicates=dups)
    counts = {code: sum(c.code == code for c in found) for code in {c.code for c in found}}
    assert counts["protected_path"] == counts["duplicate"] == MAX_PER_CODE + 1
    assert len(found) < MAX_CHECKS // 2


@pytest.fixture
def store():
    s = ReviewStore.memory()
    yield s
    s.close()


def batch(store: ReviewStore) -> tuple[str, str, str]:
    """The honest sample 01, sample 05 (a finding), and a flood of 600 misleading names."""
    samples = sample_proposals()
    honest, hacked = samples["agent-alpha"], samples["agent-eta"]
    hostile = make_proposal(1, idea="dos", diff=flood_diff("methods/\u00e9").encode())
    return tuple(store.add_proposal(p, actor="t") for p in (honest, hacked, hostile))


def test_a_flooding_diff_is_checked_with_its_batch(store):
    honest, hacked, hostile = batch(store)
    check_proposals(store, [honest, hacked, hostile], actor="t")
    assert store.never_checked([honest, hacked, hostile], "static") == []
    assert "teacher_unused" in {c["code"] for c in store.checks(hacked)}
    flood = [c for c in store.checks(hostile) if c["code"] == "unsafe_file"]
    assert len(flood) == MAX_PER_CODE + 1
    assert {c["detail"].get("not_listed") for c in flood} == {None, FLOOD - MAX_PER_CODE}


def test_checks_the_store_refuses_cost_only_their_proposal(store, monkeypatch):
    # With no bound, the flood is a real report over the store's cap.
    monkeypatch.setattr(static, "MAX_PER_CODE", 10**6, raising=False)
    honest, hacked, hostile = batch(store)
    with pytest.raises(checks_run.ChecksNotRecorded) as caught:
        check_proposals(store, [honest, hacked, hostile], actor="t")
    assert list(caught.value.failed) == [hostile]
    assert "too many checks in one report" in caught.value.failed[hostile]
    assert hostile[:12] in str(caught.value) and "1 of 3" in str(caught.value)
    assert store.never_checked([honest, hacked, hostile], "static") == [hostile]
    assert "teacher_unused" in {c["code"] for c in store.checks(hacked)}


def test_record_findings_records_all_but_the_refused(store):
    honest, hacked, hostile = batch(store)
    over = [Check("unsafe_file", "high", f"f{i}") for i in range(MAX_CHECKS + 1)]
    results = {honest: [], hostile: over, hacked: over[:3]}
    failed = checks_run.record_findings(store, results, actor="t")
    assert failed == {hostile: f"too many checks in one report ({MAX_CHECKS + 1} > {MAX_CHECKS})"}
    assert store.never_checked([honest, hacked, hostile], "static") == [hostile]
    assert len(store.checks(hacked)) == 3


def test_a_scan_that_fails_costs_only_its_proposal(store, monkeypatch):
    real = scanpool.diff_findings

    def failing_on_flood(harness, diff, *args):
        if diff is not None and "\u00e9" in diff:
            raise RecursionError("a bug this diff trips")
        return real(harness, diff, *args)

    monkeypatch.setattr(scanpool, "diff_findings", failing_on_flood)
    honest, hacked, hostile = batch(store)
    with pytest.raises(checks_run.ChecksNotRecorded) as caught:
        check_proposals(store, [honest, hacked, hostile], actor="t")
    assert caught.value.failed == {
        hostile: "the diff scan failed (RecursionError: a bug this diff trips)"}
    assert store.never_checked([honest, hacked, hostile], "static") == [hostile]


def test_twenty_decoys_in_one_file_cannot_push_a_finding_in_another_out():
    from reviewer.checks.model import Check
    from reviewer.checks.static import bounded

    decoys = [Check("ground_truth_access", "high", f"decoy {i}", {"path": "methods/aa.py",
                                                                  "line": i})
              for i in range(20)]
    real = Check("ground_truth_access", "high", "reads labels", {"path": "methods/zz.py",
                                                                 "line": 36})
    kept = bounded([*decoys, real])
    assert real in kept
    assert sum(c.detail.get("not_listed", 0) for c in kept) == 1
