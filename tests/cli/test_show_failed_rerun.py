"""A rerun that failed says why: `show` prints the end of its output, `show --json` keeps it."""

from __future__ import annotations

import io
import json

from rich.console import Console

from reviewer.commands.show import print_proposal
from reviewer.shapes import show
from store import ReviewStore
from tests.cli.test_cli import ingest_ids, native, run  # noqa: F401  (fixtures)

EXCEPTION = "TypeError: two_arg_loss() takes 2 positional arguments but 3 were given"
TRACEBACK = (
    "epoch 0 loss 0.7\n"
    "Traceback (most recent call last):\n"
    '  File "/sandbox/tree/methods/bad_sig2.py", line 9, in fit\n'
    "    return view.fit(params, loss=two_arg_loss)\n"
    f"{EXCEPTION}\n"
)
FAILED = {"verdict": "failed", "reason": "the method exited with status 1",
          "notes": ["the method exited with status 1"], "pgr_mean": None, "log_tail": TRACEBACK}
# What a hostile method can print: escapes, an OSC clipboard write, Rich markup, bidi controls.
HOSTILE_LINES = [
    "\x1b[2J\x1b[31mscreen cleared",
    "\x1b]52;c;ZXZpbA==\x07[bold green]APPROVED by the reviewer[/]",
    "[link=https://evil.example]click[/link] \u202eevil\u2066",
]
BIG = "A" * 1_000_000


def _proposal(run, tmp_path) -> str:  # noqa: F811
    path = tmp_path / "one.json"
    path.write_text(json.dumps(native(1)))
    return ingest_ids(run, path)[0]


def _finish(db, pid: str, result: dict) -> int:
    store = ReviewStore.open(db)
    try:
        job = store.jobs.enqueue(pid, kind="rerun", params={"seeds": [11, 12]}, actor="t")
        store.jobs.complete(job.id, store.jobs.claim("w", job_id=job.id).attempt, result)
        return job.id
    finally:
        store.close()


def _text(db, pid: str) -> str:
    """`show`'s text on a wide console, so no line is wrapped and every cap is visible."""
    store = ReviewStore.open(db)
    try:
        out = Console(width=2_000, file=io.StringIO(), markup=False, highlight=False)
        print_proposal(show(store, pid), out)
        return out.file.getvalue()
    finally:
        store.close()


def test_a_failed_rerun_shows_the_exception_its_output_ends_with(run, tmp_path):  # noqa: F811
    pid = _proposal(run, tmp_path)
    job_id = _finish(run.db, pid, FAILED)
    out = run("show", pid).output

    assert f"job {job_id}: failed: the method exited with status 1" in out
    assert f"its output ends with: {EXCEPTION}" in " ".join(out.split())
    text = _text(run.db, pid)
    assert f"    its output ends with: {EXCEPTION}\n" in text
    assert "    the last 5 lines of the method's own output:\n" in text
    assert f"    │ {EXCEPTION}\n" in text
    assert "    │     return view.fit(params, loss=two_arg_loss)\n" in text  # indentation kept


def test_show_json_carries_the_stored_log_tail_or_null(run, tmp_path):  # noqa: F811
    pid = _proposal(run, tmp_path)
    _finish(run.db, pid, FAILED)
    _finish(run.db, pid, {"verdict": "failed", "reason": "no predictions", "pgr_mean": None})
    reruns = json.loads(run("show", pid, "--json").stdout)["reruns"]
    assert [r["log_tail"] for r in reruns] == [TRACEBACK, None]
    assert json.loads(run("jobs", "--all", "--json").stdout)[-1]["log_tail"] == TRACEBACK


def test_a_hostile_log_is_inert_and_capped(run, tmp_path):  # noqa: F811
    pid = _proposal(run, tmp_path)
    lines = [f"line {i}" for i in range(20)] + HOSTILE_LINES + [BIG, "ValueError: " + "B" * 500]
    _finish(run.db, pid, {**FAILED, "log_tail": "\n".join(lines)})
    text = _text(run.db, pid)

    assert "\x1b" not in text and "\x07" not in text
    assert "\u202e" not in text and "\u2066" not in text
    # Markup stays literal text: nothing turned it into style or a link.
    assert "│ 52;c;ZXZpbA==[bold green]APPROVED by the reviewer[/]\n" in text
    assert "│ [link=https://evil.example]click[/link] evil\n" in text
    shown = [line for line in text.splitlines() if line.startswith("    │ ")]
    assert len(shown) == 12 and shown[0] == "    │ line 13"
    assert all(len(line) <= len("    │ ") + 200 for line in shown)
    assert f"    │ {'A' * 200}" in shown
    assert f"    its output ends with: ValueError: {'B' * 188}" in text.splitlines()
    assert len(text) < 10_000


def test_a_failed_job_shows_its_last_heartbeat_s_output(run, tmp_path):  # noqa: F811
    pid = _proposal(run, tmp_path)
    store = ReviewStore.open(run.db)
    try:
        job = store.jobs.enqueue(pid, kind="rerun", params={"seeds": [11]}, actor="t")
        attempt = store.jobs.claim("w", job_id=job.id).attempt
        store.jobs.heartbeat(job.id, attempt, progress={"stage": "training",
                                                        "log_tail": f"step 1\n{EXCEPTION}\n"})
        store.jobs.fail(job.id, attempt, "the worker's write was refused", retry=False)
    finally:
        store.close()
    text = _text(run.db, pid)

    assert f"job {job.id}: failed: the worker's write was refused" in text
    assert f"    its output ends with: {EXCEPTION}\n" in text
    assert "    │ step 1\n" in text
    # JSON keeps it where it was stored, under `progress`; there is no result to hold one.
    rerun = json.loads(run("show", pid, "--json").stdout)["reruns"][0]
    assert rerun["log_tail"] is None and EXCEPTION in rerun["progress"]["log_tail"]


def test_a_reproduced_rerun_prints_no_output_and_a_plain_last_line_is_no_exception(
    run, tmp_path  # noqa: F811
):
    pid = _proposal(run, tmp_path)
    _finish(run.db, pid, {"verdict": "reproduced", "pgr_mean": 0.6, "pgr_se": 0.02,
                          "pgr_ci": [0.55, 0.65], "log_tail": f"{EXCEPTION}\n"})
    assert "│" not in _text(run.db, pid) and EXCEPTION not in _text(run.db, pid)
    _finish(run.db, pid, {**FAILED, "log_tail": "Error: see the log\nall done: no errors\n"})
    text = _text(run.db, pid)
    assert "its output ends with" not in text and "    │ all done: no errors\n" in text


def test_show_quotes_the_exception_once_and_rerun_wait_s_summary_quotes_it(run, tmp_path):  # noqa: F811
    from reviewer.commands.rerun import rerun_summary

    pid = _proposal(run, tmp_path)
    _finish(run.db, pid, FAILED)
    out = run("show", pid).output
    assert " ".join(out.split()).count(f"its output ends with: {EXCEPTION}") == 1
    [item] = json.loads(run("show", pid, "--json").stdout)["reruns"]
    assert rerun_summary(item).endswith(f"\n  its output ends with: {EXCEPTION}")
