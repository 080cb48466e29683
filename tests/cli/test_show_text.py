"""`reviewer show` as text: checks, reruns, gates, publication and timeline, all cleaned."""

from __future__ import annotations

import io
import json

from rich.console import Console

from reviewer.commands.show import print_proposal
from tests.cli.test_cli import HOSTILE, ingest_ids, native, proposals_file, run  # noqa: F401  (fixtures)
from tests.factories import new_file_diff

RESULT = {"verdict": "reproduced", "pgr_mean": 0.6, "pgr_se": 0.02, "pgr_ci": [0.55, 0.65],
          "baseline_pgr_mean": 0.25, "gain_p_value": 0.001,
          "ablation": {"passed": True, "outcome": "passed", "pgr_mean": -0.8,
                       "real_pgr_mean": 0.6},
          "checks": [{"code": "seed_spread", "severity": "medium",
                      "message": "seed 3 is an outlier"}]}


def _finish(store, pid: str, result: dict) -> int:
    job = store.jobs.enqueue(pid, kind="rerun", params={"seeds": [11, 12, 13]}, actor="t")
    store.jobs.complete(job.id, store.jobs.claim("w", job_id=job.id).attempt, result)
    return job.id


def test_show_prints_checks_reruns_gates_and_timeline(run, tmp_path):  # noqa: F811
    from store import ReviewStore

    path = tmp_path / "one.json"
    # A single seed and a PGR above 1 give high and medium static checks.
    path.write_text(json.dumps(native(1, claimed={"pgr": 1.06, "pgr_se": 0.0, "seeds": [7]})))
    pid = ingest_ids(run, path)[0]
    store = ReviewStore.open(run.db)
    job_id = _finish(store, pid, RESULT)
    store.close()
    run("comment", pid, "the warm-up looks harmless")
    out = run("show", pid[:10]).output

    assert "checks   1 high, 3 medium" in out
    high = out.index("  high    claim_inconsistent")
    assert high < out.index("  medium  few_seeds") < out.index("  medium  seed_spread")
    assert f"  job {job_id}: reproduced  PGR 0.600 ± 0.020  95% CI [0.550, 0.650]" in out
    assert "    teacher-shuffle ablation: passed, PGR 0.600 -> -0.800" in out
    # The rerun's own check is listed once, with the others, not again under the rerun.
    assert out.count("seed 3 is an outlier") == 1
    assert "gates    an approval is blocked by:" in out
    assert "  - unresolved high-severity checks: claim_inconsistent" in out
    assert "comment  the warm-up looks harmless" in out


def test_a_proposal_with_nothing_yet_says_so(run, proposals_file):  # noqa: F811
    pid = ingest_ids(run, proposals_file)[0]
    out = run("show", pid).output
    # No code is attached, and `reviewer rerun` refuses it: the hint to run it sent nowhere.
    assert "reruns   none (it carries no code to run)" in out
    assert "gates    an approval is blocked by:" in out
    run("reject", pid, "--reason", "not novel")
    out = run("show", pid).output
    # Gates only matter while a decision is open.
    assert "gates" not in out and "reject  not novel" in out


def test_hostile_rerun_and_check_text_is_cleaned(run, proposals_file):  # noqa: F811
    from store import ReviewStore

    pid = ingest_ids(run, proposals_file)[0]
    store = ReviewStore.open(run.db)
    _finish(store, pid, {"verdict": "failed", "pgr_mean": None,
                         "reason": "invalid predictions: " + HOSTILE,
                         "checks": [{"code": "x\x1b[2J", "severity": "high",
                                     "message": "m " + HOSTILE}]})
    store.close()
    out = run("show", pid).output
    assert "failed: invalid predictions:" in out
    assert "52;c;ZXZpbA==[link=https://evil.example]click[/link]" in out  # shown, not hidden
    assert "\x1b" not in out and "\x07" not in out and "\u202e" not in out


def _render(data: dict) -> str:
    buffer = io.StringIO()
    print_proposal(data, Console(file=buffer, width=200, markup=False, highlight=False))
    return buffer.getvalue()


def _data(**extra) -> dict:
    claimed = {"pgr": 0.5, "pgr_se": None, "weak_acc": 0.7, "strong_acc": None,
               "transfer_acc": None, "seeds": [1], "dataset": None}
    return {"id": "a" * 64, "status": "approved", "agent": "a", "idea": "i", "title": "T",
            "summary": "S\n\n", "harness": "builtin", "base": None, "diff_sha256": None,
            "claimed": claimed, "risk": None, "checks": [], "gates": [], "reruns": [],
            "decisions": [], "comments": [], "published": None, "assist": None, **extra}


def test_published_record_and_second_opinion_lines():
    out = _render(_data(
        published={"file": "findings/abc_i.json", "commit": "0123456789abcdef", "pushed": True},
        assist={"model": "claude\x1b[31m", "answer": {"suspected_hack": True, "risk": "high"},
                "stale": True},
    ))
    assert "published  findings/abc_i.json, commit 0123456789ab, pushed" in out
    assert "second opinion  claude: suspected hack yes, risk high (advisory; the diff " in out
    assert "\x1b" not in out
    assert "checks   none" in out and "claimed  PGR 0.500  weak 0.700  strong -" in out
    assert "diff     none attached" in out and "risk     -" in out
    bare = _render(_data(idea=None, claimed={**_data()["claimed"], "seeds": None}))
    assert "idea     —" in bare and "seeds -" in bare


def test_pending_with_every_gate_met_says_an_approval_may_proceed():
    out = _render(_data(status="pending"))
    assert "gates    met: an approval may proceed" in out


def test_lineage_both_ways_and_the_note_after_rejecting_a_parent(run, tmp_path):  # noqa: F811
    root_file = tmp_path / "root.json"
    root_file.write_text(json.dumps(native(1)))
    root = ingest_ids(run, root_file)[0]
    kid_file = tmp_path / "kid.json"
    kid_file.write_text(json.dumps(native(2, parent=root[:12])))
    kid = ingest_ids(run, kid_file)[0]
    grandkid_file = tmp_path / "grandkid.json"
    grandkid_file.write_text(json.dumps(native(4, parent=kid[:12])))
    grandkid = ingest_ids(run, grandkid_file)[0]
    orphan_file = tmp_path / "orphan.json"
    orphan_file.write_text(json.dumps(native(3, parent="nothing-here")))
    orphan = ingest_ids(run, orphan_file)[0]

    rejected = run("reject", root, "--reason", "reads the labels")
    assert rejected.exit_code == 0
    assert (f"1 pending proposal builds on {root[:12]}, and 1 more descends from it through "
            f"pending ones; `reviewer list --builds-on {root[:12]} --line --status pending` "
            "lists them") in rejected.stderr
    listed = run("list", "--builds-on", root[:12], "--line", "--status", "pending", "--json")
    assert {r["id"] for r in json.loads(listed.output)} == {kid, grandkid}
    direct = run("list", "--builds-on", root[:12], "--json")
    assert [r["id"] for r in json.loads(direct.output)] == [kid]
    assert "--line needs --builds-on" in run("list", "--line").output
    out = run("show", grandkid).output
    assert (f"  - descends from rejected proposal {root[:12]} through pending {kid[:12]}"
            in out)
    out = run("show", root).output
    assert f"built on by 1:\n  {kid[:12]} (pending, agent-2): Confidence loss variant 2" in out
    out = run("show", kid).output
    assert f"builds on {root[:12]} (rejected, agent-1): Confidence loss variant 1" in out
    assert f"  - builds on rejected proposal {root[:12]}" in out
    assert "--parent`: what its code changes" not in out  # no code to compare
    data = json.loads(run("show", kid, "--json").output)
    assert data["lineage"]["parent"] == root[:12]
    assert [p["id"] for p in data["lineage"]["parents"]] == [root]
    out = run("show", orphan).output
    assert "builds on nothing-here (not in this store)" in out
    listed = json.loads(run("list", "--builds-on", root[:8], "--json").output)
    assert [item["id"] for item in listed] == [kid]
    assert "1 of 1 proposals" in run("list", "--builds-on", root).output
    unknown = run("list", "--builds-on", "abcdef012345")
    assert unknown.exit_code == 1 and "no proposal" in unknown.output
    coded_file = tmp_path / "coded.json"
    coded_file.write_text(json.dumps(native(4, parent=root, diff=new_file_diff(
        "methods/variant_4.py", "x = 1\n"))))  # fmt: skip
    coded = ingest_ids(run, coded_file)[0]
    shown = run("show", coded).output
    assert f"`reviewer diff {coded[:12]} --parent`: what its code changes" in shown
    assert "reruns   none (`reviewer rerun ID` queues one)" in shown


def test_each_rerun_note_is_shown_under_it_and_cleaned():
    measured = {"id": 3, "state": "done", "verdict": "reproduced", "pgr_mean": 0.6,
                "pgr_se": 0.02, "pgr_ci": [0.55, 0.65], "baseline_pgr_mean": 0.25,
                "gain_p_value": 0.001, "reason": None,
                "notes": ["claim 0.570 is below the interval [0.580, 0.620]: the method "
                          "measured better than claimed", "possibly \x1b[31mbest-of-N\u202e\n!"]}
    failed = {"id": 4, "state": "done", "verdict": "failed", "pgr_mean": None,
              "reason": "no valid predictions", "notes": ["no valid predictions"]}
    lines = _render(_data(reruns=[measured, failed])).splitlines()
    at = lines.index("  job 3: reproduced  PGR 0.600 ± 0.020  95% CI [0.550, 0.650]  naive "
                     "0.250  paired p 0.001")
    assert lines[at + 1:at + 3] == [
        "    note: claim 0.570 is below the interval [0.580, 0.620]: the method measured "
        "better than claimed",
        "    note: possibly best-of-N !",
    ]
    # A failed rerun's one note is its reason, which its own line already gives.
    assert lines[at + 3] == "  job 4: failed: no valid predictions"
    assert not any("note: no valid predictions" in line for line in lines)
