from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from reviewer.cli import cli
from store import ReviewStore
from tests.factories import as_before_0005

HOSTILE = "\x1b[2J\x1b]52;c;ZXZpbA==\x07[link=https://evil.example]click[/link]\u202e"


def native(i: int, **extra) -> dict:
    return {
        "agent": f"agent-{i}",
        "title": f"Confidence loss variant {i}",
        "summary": f"We try **variant {i}**.",
        "harness": "builtin",
        "idea": f"variant_{i}",
        "claimed": {"pgr": 0.5, "pgr_se": 0.02, "weak_acc": 0.7, "strong_acc": 0.95,
                    "transfer_acc": 0.825, "seeds": [1, 2, 3, 4, 5], "dataset": "w2s-synth"},
        **extra,
    }


@pytest.fixture
def run(tmp_path):
    db = tmp_path / "cli.db"

    def invoke(*args: str, actor: str = "alice@example.org"):
        return CliRunner().invoke(cli, ["--db", str(db), "--actor", actor, *args],
                                  catch_exceptions=False)

    invoke.db = db
    return invoke


@pytest.fixture
def proposals_file(tmp_path) -> Path:
    path = tmp_path / "p.json"
    path.write_text(json.dumps([native(1), native(2), native(3, title="Hostile " + HOSTILE)]))
    return path


def ingest_ids(run, path: Path) -> list[str]:
    result = run("ingest", "--json", str(path))
    assert result.exit_code == 0, result.output
    return json.loads(result.output)["added"]


def test_ingest_is_idempotent_and_reports_json(run, proposals_file):
    added = ingest_ids(run, proposals_file)
    assert len(added) == 3
    again = json.loads(run("ingest", "--json", str(proposals_file)).output)
    assert again["added"] == [] and sorted(again["present"]) == sorted(added)


def test_ingesting_the_stores_own_folder_passes_its_checkpoint_by(run, proposals_file):
    # `ingest .` beside the store read its head checkpoint as a proposal file and failed.
    added = ingest_ids(run, proposals_file)
    head = run.db.with_name(run.db.name + ".head.json")
    assert head.is_file()
    again = run("ingest", "--json", str(run.db.parent))
    assert again.exit_code == 0, again.output
    assert sorted(json.loads(again.output)["present"]) == sorted(added)
    named = run("ingest", str(head))
    assert named.exit_code == 1
    assert "cli.db.head.json: is the store's own audit checkpoint, not proposals" in named.output


def test_an_ingest_stopped_before_its_checks_is_checked_by_the_next(run, monkeypatch):
    # A SIGKILL between storing and checking left a network hack with no high check, for good:
    # the next ingest found it present and checked nothing.
    from reviewer.commands import ingest

    hack = Path(__file__).resolve().parents[2] / "samples" / "proposals" / "09_hack_network.json"
    monkeypatch.setattr(ingest, "run_checks", lambda *args, **kwargs: None)
    (pid,) = ingest_ids(run, hack)
    assert json.loads(run("show", "--json", pid).output)["checks"] == []
    monkeypatch.undo()
    again = run("ingest", "--json", str(hack))
    assert json.loads(again.output)["present"] == [pid]
    shown = json.loads(run("show", "--json", pid).output)
    assert "network" in {c["code"] for c in shown["checks"] if c["severity"] == "high"}
    third = run("ingest", str(hack))  # checked now: a further ingest records nothing more
    assert third.exit_code == 0
    store = ReviewStore.open(run.db)
    try:
        assert [e.action for e in store.events(pid)].count("checks") == 1
    finally:
        store.close()


def test_bad_file_is_rejected_whole_with_file_line_and_field(run, tmp_path, proposals_file):
    ingest_ids(run, proposals_file)
    bad = tmp_path / "bad.jsonl"
    bad.write_text(json.dumps(native(7)) + "\n" + json.dumps(native(8, claimed={"pgr": "high"}))
                   + "\n")
    result = run("ingest", str(bad))
    assert result.exit_code == 1
    assert "bad.jsonl:2" in result.output and "claimed.pgr" in result.output
    listed = json.loads(run("list", "--json").output)
    assert len(listed) == 3  # nothing of bad.jsonl, nothing lost


def test_list_json_shape_and_filters(run, proposals_file):
    ids = ingest_ids(run, proposals_file)
    rows = json.loads(run("list", "--json").output)
    assert {"id", "status", "agent", "idea", "title", "claimed_pgr", "measured_pgr", "verdict",
            "risk"} <= set(rows[0])
    assert {r["id"] for r in rows} == set(ids)
    assert len(json.loads(run("list", "--json", "--agent", "agent-2").output)) == 1
    assert len(json.loads(run("list", "--json", "--search", "hostile").output)) == 1
    assert json.loads(run("list", "--json", "--status", "approved").output) == []


def test_search_ranks_and_stays_terminal_safe(run, proposals_file):
    ingest_ids(run, proposals_file)
    rows = json.loads(run("search", "--json", "loss variant 2").output)
    assert [r["title"] for r in rows] == ["Confidence loss variant 2"]
    assert len(json.loads(run("search", "--json", "--limit", "2", "confidence").output)) == 2
    table = run("search", "hostile")
    assert table.exit_code == 0 and "1 of 1 proposals" in table.output
    # An OSC's payload is shown as text, never sent (80 columns show the title's start).
    assert "Hostile 52;" in table.output and "\x1b" not in table.output
    assert json.loads(run("search", "--json", '" OR *').output) == []


def test_show_json_has_the_documented_shape(run, proposals_file):
    pid = ingest_ids(run, proposals_file)[0]
    data = json.loads(run("show", "--json", pid[:8]).output)
    for key in ("id", "status", "agent", "idea", "title", "harness", "base", "diff_sha256",
                "claimed", "checks", "reruns", "decisions", "published"):
        assert key in data
    assert data["checks"] == [] and data["reruns"] == [] and data["published"] is None
    assert set(data["claimed"]) == {"pgr", "pgr_se", "weak_acc", "strong_acc", "transfer_acc",
                                    "seeds", "dataset"}


def test_decide_comment_undo_and_audit(run, proposals_file):
    pid = ingest_ids(run, proposals_file)[0]
    gated = run("approve", pid, "--reason", "reproduced")
    assert gated.exit_code == 1 and "nothing was rerun" in gated.output
    assert "--override" in gated.output
    approved = run("approve", pid, "--reason", "reproduced", "--override", "no GPU in CI")
    assert approved.exit_code == 0 and "override recorded" in approved.output
    again = run("approve", pid, "--reason", "twice", "--override", "x")
    assert again.exit_code == 1 and "already approved" in again.output
    assert run("comment", pid, "nice").exit_code == 0
    assert run("undo", pid, actor="bob@example.org").exit_code == 0
    assert run("reject", pid, "--reason", "best-of-n claim").exit_code == 0
    data = json.loads(run("show", "--json", pid).output)
    assert data["status"] == "rejected"
    assert [(d["actor"], d["action"]) for d in data["decisions"]] == [
        ("alice@example.org", "override"), ("alice@example.org", "approve"),
        ("bob@example.org", "undo"),
        ("alice@example.org", "reject")]
    verify = run("audit", "verify")
    assert verify.exit_code == 0 and verify.output.startswith("ok:")
    lines = run("audit", "export", "--format", "jsonl").output.splitlines()
    assert [json.loads(x)["action"] for x in lines][-4:] == ["approve", "comment", "undo",
                                                             "reject"]
    md = run("audit", "export", "--format", "md").output
    assert md.startswith("# reviewer audit log") and "| reject |" in md


def test_approve_diff_binds_the_approval_to_the_code_read(run, tmp_path):
    path = tmp_path / "coded.json"
    code = "diff --git a/methods/v.py b/methods/v.py\nnew file mode 100644\n--- /dev/null\n"
    path.write_text(json.dumps(native(1, diff=code + "+++ b/methods/v.py\n@@ -0,0 +1 @@\n+x\n")))
    [pid] = ingest_ids(run, path)
    sha = json.loads(run("show", "--json", pid).output)["diff_sha256"]
    for wrong in ("none", "0" * 12, sha[:8]):  # another diff, or too short a prefix to bind
        stale = run("approve", pid, "--reason", "ok", "--override", "x", "--diff", wrong)
        assert stale.exit_code == 1 and "nothing was recorded" in stale.output, wrong
    assert json.loads(run("show", "--json", pid).output)["status"] == "pending"
    ok = run("approve", pid, "--reason", "ok", "--override", "x", "--diff", sha[:12].upper())
    assert ok.exit_code == 0, ok.output


def test_missing_reason_and_unknown_id_are_clean_errors(run, proposals_file):
    ingest_ids(run, proposals_file)
    assert run("approve", "abcd").exit_code == 2  # click: --reason is required
    result = run("approve", "abcd", "--reason", "x")
    assert result.exit_code == 1 and "no proposal with id abcd" in result.output
    assert "not a proposal id" in run("show", "zzzz").output


def test_verify_fails_naming_the_first_bad_row(run, proposals_file):
    pid = ingest_ids(run, proposals_file)[0]
    run("approve", pid, "--reason", "ok", "--override", "test")
    store = ReviewStore.open(run.db)
    store.conn.execute("DROP TRIGGER events_no_update")
    store.conn.execute("UPDATE events SET actor = 'mallory' WHERE seq = 2")
    store.close()
    result = run("audit", "verify")
    assert result.exit_code == 1 and "seq 2: content hash mismatch" in result.output


def test_verify_problems_quoting_the_database_are_cleaned(run, proposals_file):
    pid = ingest_ids(run, proposals_file)[0]
    store = ReviewStore.open(run.db)
    job = store.jobs.enqueue(pid, kind="rerun", params={}, actor="t")
    store.jobs.complete(job.id, store.jobs.claim("w", job_id=job.id).attempt, {"verdict": "x"})
    store.conn.execute("UPDATE jobs SET kind = 'rerun\x1b[2J\x07' WHERE id = ?", (job.id,))
    store.close()
    result = run("audit", "verify")
    assert result.exit_code == 1 and "as rerun of" in result.output
    assert "\x1b" not in result.output and "\x07" not in result.output


def test_hostile_text_never_reaches_the_terminal_raw(run, proposals_file):
    ids = ingest_ids(run, proposals_file)
    outputs = [run("list").output, run("show", ids[2]).output,
               run("show", "--json", ids[2]).output, run("list", "--json").output]
    for out in outputs:
        assert "\x1b" not in out and "\u202e" not in out and "\x07" not in out
    assert "[link=https://evil.example]click[/link]" in run("show", ids[2]).output


def test_bare_reviewer_prints_the_queue(run, proposals_file):
    ingest_ids(run, proposals_file)
    result = CliRunner().invoke(cli, ["--db", str(run.db)])
    assert result.exit_code == 0 and "3 of 3 proposals" in result.output


def test_the_demo_without_a_terminal_prints_the_queue_riskiest_first():
    """The same order the TUI's queue opens in, not the store's newest-first default."""
    result = CliRunner().invoke(cli, ["demo"])
    assert result.exit_code == 0, result.output
    risks = [float(line.split()[2]) for line in result.output.splitlines()
             if line.split()[1:2] == ["pending"]]
    assert len(risks) >= 12 and len(set(risks)) > 3
    assert risks == sorted(risks, reverse=True)


def test_the_demo_reopens_a_store_with_work_in_it_and_fresh_seeds_it_again():
    # Running the demo again after lunch wiped the morning's decisions and audit trail.
    runner = CliRunner()
    assert runner.invoke(cli, ["demo"]).exit_code == 0
    db = json.loads(runner.invoke(cli, ["path", "--json"]).output)["demo_db"]
    again = runner.invoke(cli, ["demo"])  # nothing done in it yet: seeded again, as before
    assert again.exit_code == 0 and "proposals from samples/" in again.output
    shown = json.loads(runner.invoke(cli, ["--db", db, "list", "--json"]).output)
    pid = shown[0]["id"]
    rejected = runner.invoke(cli, ["--db", db, "--actor", "alice", "reject", pid, "--reason",
                                   "does not reproduce"])
    assert rejected.exit_code == 0, rejected.output

    kept = runner.invoke(cli, ["demo"])

    assert kept.exit_code == 0 and "reopened with the work done in it" in kept.output
    status = json.loads(runner.invoke(cli, ["--db", db, "show", "--json", pid]).output)["status"]
    assert status == "rejected"
    fresh = runner.invoke(cli, ["demo", "--fresh"])
    assert fresh.exit_code == 0 and "proposals from samples/" in fresh.output
    status = json.loads(runner.invoke(cli, ["--db", db, "show", "--json", pid]).output)["status"]
    assert status == "pending"
    assert runner.invoke(cli, ["--db", db, "audit", "verify"]).exit_code == 0


def test_the_demo_refuses_a_store_it_cannot_open_instead_of_wiping_it():
    # A newer reviewer's demo store (or a damaged one) was taken for empty and seeded over.
    runner = CliRunner()
    assert runner.invoke(cli, ["demo"]).exit_code == 0
    db = json.loads(runner.invoke(cli, ["path", "--json"]).output)["demo_db"]
    with open(db, "r+b") as fh:
        fh.write(b"not a database at all, but the reviewer's day")
    kept = Path(db).read_bytes()

    refused = runner.invoke(cli, ["demo"])

    assert refused.exit_code == 1 and "cannot be opened" in refused.output
    assert "reviewer demo --fresh" in refused.output and Path(db).read_bytes() == kept
    assert runner.invoke(cli, ["demo", "--fresh"]).exit_code == 0


def test_actor_falls_back_to_env(tmp_path, proposals_file, monkeypatch):
    monkeypatch.setenv("REVIEWER_ACTOR", "env-actor")
    db = str(tmp_path / "a.db")
    runner = CliRunner()
    out = runner.invoke(cli, ["--db", db, "ingest", "--json", str(proposals_file)])
    pid = json.loads(out.output)["added"][0]
    runner.invoke(cli, ["--db", db, "reject", pid, "--reason", "no"])
    shown = json.loads(runner.invoke(cli, ["--db", db, "show", "--json", pid]).output)
    assert shown["decisions"][0]["actor"] == "env-actor"


def test_path_and_db_env(tmp_path, monkeypatch):
    monkeypatch.setenv("REVIEWER_DB", str(tmp_path / "env.db"))
    out = json.loads(CliRunner().invoke(cli, ["path", "--json"]).output)
    assert out["db"] == str(tmp_path / "env.db")
    assert out["checkpoint"].endswith("env.db.head.json")


def test_not_a_database_is_a_clean_error(tmp_path):
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not sqlite" * 100)
    result = CliRunner().invoke(cli, ["--db", str(junk), "list"])
    assert result.exit_code == 1 and "cannot open the store" in result.output


def test_an_upgrade_is_announced_on_stderr_and_the_json_stays_clean(run, proposals_file):
    ingest_ids(run, proposals_file)
    as_before_0005(run.db)
    result = run("list", "--json")
    assert result.exit_code == 0
    assert "upgrading the store (0005_sort_indexes)" in result.stderr
    assert len(json.loads(result.stdout)) == 3
    assert "upgrading" not in run("list", "--json").stderr  # once only


def test_reject_several_names_those_it_cannot_and_rejects_the_rest(run, proposals_file):
    ids = ingest_ids(run, proposals_file)
    run("reject", ids[0], "--reason", "first")
    result = run("reject", ids[0][:10], ids[1], "nope", ids[2], ids[1][:8],
                 "--reason", "agent caught reading labels")
    assert result.exit_code == 1
    assert f"error: {ids[0][:10]}: " in result.output and "already rejected" in result.output
    assert "error: nope: " in result.output
    assert result.output.count("rejected ") == 2  # ids[1] once, however it was written
    for pid in ids[1:]:
        data = json.loads(run("show", "--json", pid).output)
        assert data["status"] == "rejected"
        assert [d["reason"] for d in data["decisions"]] == ["agent caught reading labels"]
    assert run("audit", "verify").exit_code == 0
