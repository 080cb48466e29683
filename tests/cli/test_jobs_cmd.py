"""`reviewer jobs`: the rerun queue in claim order, finished reruns on request."""

from __future__ import annotations

import json

from store import ReviewStore
from tests.cli.test_cli import ingest_ids, proposals_file, run  # noqa: F401  (fixtures)


def test_queue_then_finished_as_text_and_json(run, proposals_file):  # noqa: F811
    ids = ingest_ids(run, proposals_file)
    store = ReviewStore.open(run.db)
    done = store.jobs.enqueue(ids[0], kind="rerun", params={"seeds": [4, 5, 6]}, actor="t")
    store.jobs.complete(done.id, store.jobs.claim("w", job_id=done.id).attempt,
                        {"verdict": "not_reproduced", "pgr_mean": 0.31, "pgr_se": 0.02})
    running = store.jobs.enqueue(ids[1], kind="rerun", params={"seeds": [1, 2]}, actor="t")
    store.jobs.claim("w", job_id=running.id)
    store.jobs.heartbeat(running.id, 1, progress={"stage": "running idea_2 on 2 seeds"})
    queued = store.jobs.enqueue(ids[2], kind="rerun", params={"seeds": [7]}, actor="t")
    store.close()

    text = run("jobs").output
    assert "reruns: 1 running, 1 queued" in text
    lines = [row.split() for row in text.splitlines() if row.strip()[:1].isdigit()]
    assert [(r[0], r[1], r[2]) for r in lines] == [
        (str(running.id), "running", ids[1][:12]), (str(queued.id), "queued", ids[2][:12])]
    assert "running idea_2 on 2" in text
    assert "\x1b" not in text and "\u202e" not in text  # the hostile title is cleaned

    finished = json.loads(run("jobs", "--state", "done", "--json").output)
    assert [(j["id"], j["proposal_id"], j["verdict"], j["pgr_mean"]) for j in finished] == [
        (done.id, ids[0], "not_reproduced", 0.31)]
    assert "not_reproduced 0.310" in run("jobs", "--state", "done").output
    every = json.loads(run("jobs", "--all", "--json").output)
    assert [j["id"] for j in every] == [running.id, queued.id, done.id]
    bad = run("jobs", "--all", "--state", "done")
    assert bad.exit_code == 2 and "not both" in bad.output


def test_a_running_job_whose_worker_died_says_so(run, proposals_file):  # noqa: F811
    # A worker killed mid-run left its job shown as `running … building the view` for good.
    ids = ingest_ids(run, proposals_file)
    store = ReviewStore.open(run.db)
    lost = store.jobs.enqueue(ids[0], kind="rerun", params={"seeds": [1, 2]}, actor="t")
    store.jobs.claim("w", job_id=lost.id, lease_s=0.0)  # a lease that has already lapsed
    store.jobs.heartbeat(lost.id, 1, progress={"stage": "building the view"}, lease_s=-1.0)
    last = store.jobs.enqueue(ids[1], kind="rerun", params={"seeds": [1]}, actor="t",
                              max_attempts=1)
    store.jobs.claim("w", job_id=last.id)
    store.jobs.heartbeat(last.id, 1, lease_s=-1.0)
    store.close()
    text = run("jobs").output
    assert "building the view" not in text
    assert "worker lost; retry due" in text and "worker lost; no retry" in text
