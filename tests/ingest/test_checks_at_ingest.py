"""Checks recorded inside the ingest transaction equal those of a separate pass afterwards."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from reviewer.checks.run import SOURCE, check_proposals, ingest_checker
from reviewer.commands.ingest import ingest_paths, store_files
from reviewer.commands.ingest_report import IngestReport
from reviewer.ingest import read_paths
from store import ReviewStore
from store import checks as checks_table
from store.checks import IngestChecks
from tests.factories import make_proposal, new_file_diff
from tests.ingest.helpers import FINDING, write_json

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def _findings(folder: Path) -> Path:
    """Findings without code whose claims and wording trip each kind of claim check."""
    variants: list[dict[str, Any]] = [
        {},
        {"pgr": 0.95},  # does not follow from the accuracies
        {"seeds": None, "pgr_se": None},
        {"seeds": [7], "pgr_se": 0.0, "content": "We report the best of 10 runs."},
        {"seeds": [1, 2, 3], "content": "Averaged over f\u0131ve independent seeds."},
        {"weak_acc": 0.95, "strong_acc": 0.9, "transfer_acc": 0.97, "pgr": 1.4},
        {"pgr": None, "weak_acc": None, "strong_acc": None, "transfer_acc": None,
         "pgr_se": None, "seeds": None, "content": "Just an idea, no numbers."},
    ]
    for i, change in enumerate(variants):
        write_json(folder / f"{i + 1}_idea{i}.json",
                   {**FINDING, "id": i + 1, "idea_name": f"idea{i}", **change})
    return folder


def _separate_pass(store: ReviewStore, paths: list[Path]) -> IngestReport:
    """The ingest as it ran before checks went in with it: store first, then check."""
    report = IngestReport()
    store_files(store, read_paths(paths), "a", report)
    check_proposals(store, report.added + report.attached, actor="a")
    return report


def _state(store: ReviewStore, pid: str) -> dict[str, Any]:
    row = store.get(pid)
    checks = [{k: c[k] for k in ("code", "severity", "message", "detail", "source",
                                 "diff_sha256", "resolved")} for c in store.checks(pid)]
    fingerprint = store.conn.execute(
        "SELECT diff_sha256, length, code FROM fingerprints WHERE proposal_id = ?", (pid,)
    ).fetchone()
    payloads = [(e.action, e.payload) for e in store.events(pid)]
    return {"risk": row["risk"], "flags": row["flags"], "checks": checks,
            "fingerprint": fingerprint, "events": payloads}


@pytest.fixture
def stores(tmp_path):
    opened = [ReviewStore.open(tmp_path / name / "store.db") for name in ("inline", "separate")]
    yield opened
    for store in opened:
        store.close()


def test_inline_checks_match_a_separate_pass(stores, tmp_path):
    inline, separate = stores
    paths = [SAMPLES, _findings(tmp_path / "findings")]
    report = ingest_paths(inline, paths, "a")
    before = _separate_pass(separate, paths)

    assert not report.errors and report.added == before.added
    assert len(report.added) == 24
    # Every finding without code was checked with its ingest; the samples with code were not.
    without_code = {pid for pid in report.added if inline.get(pid)["diff"] is None}
    assert report.checked == without_code and len(without_code) == 10
    codes = {c["code"] for pid in without_code for c in inline.checks(pid)}
    assert {"claim_inconsistent", "few_seeds", "no_se", "best_of_n"} <= codes
    for pid in report.added:
        assert _state(inline, pid) == _state(separate, pid), pid
        assert [e.action for e in inline.events(pid)] == ["ingest", "checks"]
    assert inline.verify().ok


def test_recorded_risk_is_what_a_refresh_computes(stores, tmp_path):
    inline, _ = stores
    report = ingest_paths(inline, [_findings(tmp_path / "findings")], "a")
    for pid in report.added:
        row = inline.get(pid)
        assert row["flags"] == len(inline.checks(pid))
        assert checks_table.refresh_risk(inline.conn, pid) == row["risk"]
    assert any(inline.get(pid)["flags"] for pid in report.added)


def test_a_patch_attached_later_in_the_same_run_is_scanned_afterwards(stores, tmp_path):
    inline, _ = stores
    first, later = tmp_path / "first", tmp_path / "later"
    write_json(first / "42_conf_weight.json", FINDING)
    write_json(later / "42_conf_weight.json", FINDING)
    (later / "42_conf_weight.patch").write_text(
        "diff --git a/run.py b/run.py\n--- a/run.py\n+++ b/run.py\n@@ -1 +1 @@\n-a = 1\n+a = 2\n"
    )
    report = ingest_paths(inline, [first, later], "a")
    [pid] = report.added
    assert report.attached == [pid] and pid in report.checked
    assert report.unchecked() == [pid]
    events = list(inline.events(pid))
    assert [e.action for e in events] == ["ingest", "checks", "attach_diff", "checks"]
    assert events[1].payload["diff_sha256"] is None
    assert events[3].payload["diff_sha256"] == inline.get(pid)["diff_sha256"] is not None
    # The file that brought the code is on record, and each row's stamp is its event's time.
    assert events[2].payload["source"] == str(later / "42_conf_weight.json")
    row = inline.get(pid)
    assert row["ingested_at"] == events[0].ts and row["updated_at"] == events[2].ts
    assert inline.verify().ok


def test_findings_that_do_not_validate_are_left_to_the_caller(mem_store):
    def bad(row: dict[str, Any]) -> IngestChecks:
        return IngestChecks(SOURCE, [{"code": "x", "severity": "dire", "message": "m"}], "")

    [outcome] = mem_store.add_proposal_groups([[make_proposal(1)]], actor="a", checker=bad)
    [pid] = outcome.added
    assert outcome.checked == []
    assert [e.action for e in mem_store.events(pid)] == ["ingest"]
    assert mem_store.get(pid)["flags"] == 0 and mem_store.checks(pid) == []


def test_proposals_with_code_are_left_to_the_batch_pass(mem_store):
    check = ingest_checker()
    code = new_file_diff("methods/m.py", "def run(view):\n    return view.weak_probs\n")
    group = [make_proposal(1), make_proposal(2, diff=code.encode())]
    [outcome] = mem_store.add_proposal_groups([group], actor="a", checker=check)
    without, with_code = outcome.added
    assert outcome.checked == [without]
    assert [e.action for e in mem_store.events(with_code)] == ["ingest"]
