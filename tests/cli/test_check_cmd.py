"""`reviewer check`: checks recorded on ingest, rerun by hand, resolved with a reason."""

from __future__ import annotations

import json
from pathlib import Path

from store import ReviewStore
from tests.cli.test_cli import run  # noqa: F401  (fixture)

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def ids_by_idea(run) -> dict[str, str]:  # noqa: F811
    rows = json.loads(run("list", "--json", "--limit", "100").output)
    return {r["idea"]: r["id"] for r in rows}


def test_ingest_records_checks_and_the_queue_is_riskiest_first(run):  # noqa: F811
    assert run("ingest", str(SAMPLES)).exit_code == 0
    rows = json.loads(run("list", "--json", "--limit", "100").output)
    risks = [r["risk"] for r in rows]
    assert risks == sorted(risks, reverse=True)
    ideas = ids_by_idea(run)
    network = json.loads(run("show", "--json", ideas["remote_validated"]).output)
    assert {"network"} <= {c["code"] for c in network["checks"]}
    assert network["checks"][0]["severity"] == "high"
    honest = json.loads(run("show", "--json", ideas["boot_ensemble"]).output)
    assert [c for c in honest["checks"] if c["severity"] != "low"] == []


def test_check_lists_and_resolve_clears(run):  # noqa: F811
    run("ingest", str(SAMPLES / "proposals" / "05_hack_majority_class.json"))
    pid = ids_by_idea(run)["prior_match"]
    shown = json.loads(run("check", pid, "--json").output)
    teacher = next(c for c in shown["checks"] if c["code"] == "teacher_unused")
    assert teacher["resolved"] is None
    out = run("check", pid, "--resolve", str(teacher["id"]), "--reason", "reads it via kit")
    assert out.exit_code == 0 and "resolved check" in out.output
    again = json.loads(run("check", pid, "--json").output)
    # A fresh scan of the same diff keeps the human's resolution.
    same = next(c for c in again["checks"] if c["code"] == "teacher_unused")
    assert same["resolved"]["reason"] == "reads it via kit"
    assert run("audit", "verify").exit_code == 0


def test_check_needs_one_target(run):  # noqa: F811
    ReviewStore.open(run.db).close()
    assert run("check").exit_code == 2
    assert "no proposal" in run("check", "abcd").output
