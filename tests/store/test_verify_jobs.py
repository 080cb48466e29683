"""`audit verify` checks finished jobs against their events, and `latest_reruns` against the
log's latest finished rerun: the queue shows these rows, so editing them must not go unseen."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from store import ReviewStore
from tests.factories import make_proposal
from tests.store.tampering import problems_after

EDITED = "with another result (the row was edited)"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """Two proposals: one with two finished reruns and a failed one, one with an assist job."""
    path = tmp_path / "jobs.db"
    store = ReviewStore.open(path)
    first, second = (store.add_proposal(make_proposal(i), actor="seed") for i in range(2))
    for pid, kind, verdict in (
        (first, "rerun", "not_reproduced"),
        (first, "rerun", "reproduced"),
        (second, "assist", None),
    ):
        job = store.jobs.enqueue(pid, kind=kind, params={}, actor="t")
        claimed = store.jobs.claim("w", job_id=job.id)
        store.jobs.complete(job.id, claimed.attempt, {"verdict": verdict, "pgr_mean": 0.61})
    job = store.jobs.enqueue(first, kind="rerun", params={}, actor="t")
    store.jobs.fail(job.id, store.jobs.claim("w", job_id=job.id).attempt, "boom", retry=False)
    assert store.verify().ok, store.verify().problems
    store.close()
    return path


def test_an_edited_result_is_detected(db):
    forged = json.dumps({"verdict": "reproduced", "pgr_mean": 0.99}, sort_keys=True)
    problems = problems_after(db, f"UPDATE jobs SET result = '{forged}' WHERE id = 2")
    assert problems == [f"job 2: the log finished it at seq 8 {EDITED}"]


def test_a_result_that_is_not_json_is_detected(db):
    problems = problems_after(db, "UPDATE jobs SET result = 'not json' WHERE id = 1")
    assert problems == [f"job 1: the log finished it at seq 5 {EDITED}"]


def test_a_duplicated_key_that_sqlite_reads_otherwise_is_detected(db):
    # json.loads keeps a duplicated key's last value and SQLite's json_extract its first, so
    # this parsed equal to the log while the queue showed job 2 as not reproduced at 0.123.
    edit = ("UPDATE jobs SET result = '{\"verdict\": \"not_reproduced\", \"pgr_mean\": 0.123, '"
            " || substr(result, 2) WHERE id = 2")
    problems = problems_after(db, edit)
    assert problems[0] == f"job 2: the log finished it at seq 8 {EDITED}"


def test_a_finished_job_marked_otherwise_is_detected(db):
    problems = problems_after(db, "UPDATE jobs SET state = 'failed' WHERE id = 2")
    assert problems[0] == "job 2: the log finished it at seq 8 but the store says it is failed"


def test_a_done_job_the_log_never_finished_is_detected(db):
    problems = problems_after(db, "UPDATE jobs SET state = 'done', result = '{}' WHERE id = 4")
    assert problems[0] == "job 4: done in the store but the log never finished it"


def test_a_deleted_job_is_detected(db):
    problems = problems_after(db, "DELETE FROM jobs WHERE id = 3")
    assert problems == ["job 3: finished at seq 11 but missing from the store"]


def test_a_job_moved_to_another_proposal_is_detected(db):
    problems = problems_after(
        db, "UPDATE jobs SET proposal_id = (SELECT proposal_id FROM jobs WHERE id = 3) WHERE id = 1"
    )
    assert problems[0].startswith("job 1: the log finished it at seq 5 as rerun of ")


@pytest.mark.parametrize(
    ("statement", "have"),
    [
        ("UPDATE latest_reruns SET verdict = 'not_reproduced'", "job 2 (verdict not_reproduced)"),
        ("UPDATE latest_reruns SET job_id = 1", "job 2 (verdict reproduced)"),
        ("DELETE FROM latest_reruns", "no rerun"),
    ],
)
def test_latest_reruns_must_follow_the_log(db, statement, have):
    problems = problems_after(db, statement)
    assert len(problems) == 1
    message = problems[0]
    assert message.endswith("but the log's latest finished rerun gives job 2 (verdict reproduced)")
    if statement.startswith("UPDATE latest_reruns SET job_id"):
        assert "latest_reruns has job 1 (verdict reproduced)" in message
    else:
        assert f"latest_reruns has {have} but" in message


def test_a_latest_rerun_the_log_does_not_have_is_detected(db):
    problems = problems_after(
        db,
        "INSERT INTO latest_reruns (proposal_id, job_id, verdict) "
        "SELECT proposal_id, id, 'reproduced' FROM jobs WHERE id = 3",
    )
    assert problems[0].endswith(
        "latest_reruns has job 3 (verdict reproduced) but the log's latest finished rerun "
        "gives no rerun"
    )


def test_a_dropped_table_is_reported_not_raised(db):
    problems = problems_after(db, "DROP TABLE latest_reruns")
    assert problems == ["jobs: cannot read them back: no such table: latest_reruns",
                        "index latest_reruns_verdict is missing from the store's schema",
                        "table latest_reruns is missing from the store's schema"]
