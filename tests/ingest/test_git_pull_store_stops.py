"""`ingest-git` and `pull` when the store fails part-way (a full disk): like `reviewer
ingest`, the report says what was stored and how many were not (`error` in --json, exit 1),
and the next run stores the rest."""

from __future__ import annotations

import json
import random
import string
from pathlib import Path

import pytest

from reviewer.commands.ingest_git import ingest_commits
from reviewer.commands.pull import pull_once
from reviewer.commands.repeat import line_emitter
from reviewer.context import Context
from reviewer.textsafe import clean
from store import ReviewStore
from tests.ingest.helpers import FINDING
from tests.ingest.test_commits import RAMP, commit, repo  # noqa: F401 (repo is a fixture)
from tests.loopback import serving

FULL = "database or disk is full"


def words(seed: int, size: int = 30_000) -> str:
    """Seeded letters, different for each seed, so the store cannot share their pages."""
    return "".join(random.Random(seed).choices(string.ascii_lowercase + " ", k=size))


def fill(store: ReviewStore) -> None:
    """The store's file may grow no further: every write that needs a page meets SQLITE_FULL."""
    pages = store.conn.execute("PRAGMA page_count").fetchone()[0]
    store.conn.execute(f"PRAGMA max_page_count = {pages}")


def unfill(store: ReviewStore) -> None:
    store.conn.execute("PRAGMA max_page_count = 1073741823")


@pytest.fixture
def ctx(tmp_path: Path):
    context = Context(db=str(tmp_path / "s.db"), actor_flag="scanner")
    yield context
    context.close()


def test_ingest_git_reports_what_it_stored_when_the_store_fills(repo, ctx, capsys):  # noqa: F811
    # The store's error ended ingest-git with a traceback: no report of the commit found
    # present, nor of how many were not stored.
    commit(repo, {"methods/one.py": RAMP}, f"One\n\n{words(1)}")
    assert len(ingest_commits(ctx, repo, [])[0].added) == 1
    commit(repo, {"methods/two.py": RAMP}, f"Two\n\n{words(2)}")
    commit(repo, {"methods/three.py": RAMP}, f"Three\n\n{words(3)}")
    fill(ctx.store)
    seen: set[str] = set()

    report, _ = ingest_commits(ctx, repo, [], seen)
    assert report.to_json()["error"] == {"message": FULL, "files_done": 0,
                                         "files_not_stored": 2}
    assert len(report.present) == 1 and report.added == [] and report.errors == []
    assert report.failed and report.stopped is not None
    assert "the ingest stopped after 0 of 2 commits (counted above), 2 not stored" in (
        report.stopped.line())
    line_emitter("scan", as_json=False)(1, report, 0)  # what `ingest-git --every` prints
    out, err = capsys.readouterr()
    assert out.endswith(", errors 0, stopped with 2 commits not stored\n")
    assert err == clean(report.stopped.line(), single_line=True) + "\n"

    unfill(ctx.store)
    again, _ = ingest_commits(ctx, repo, [], seen)  # the commits not stored are not `seen`
    assert len(again.added) == 2 and again.stopped is None and not again.failed
    assert ctx.store.count() == 3


def test_pull_reports_the_findings_it_could_not_store_and_the_next_pull_stores_them(
        tmp_path):
    findings = [{**FINDING, "id": 100 + k, "title": f"Finding {k}", "content": words(k)}
                for k in range(3)]
    body = json.dumps({"findings": findings}).encode()
    store = ReviewStore.open(tmp_path / "pull.db")
    try:
        with serving(lambda _path: (200, body)) as url:
            fill(store)
            seen: set[str] = set()
            report, _ = pull_once(store, url, 5, "puller", seen)
            assert report.to_json()["error"] == {"message": FULL, "files_done": 0,
                                                 "files_not_stored": 3}
            assert report.added == [] and report.errors == [] and report.failed
            assert report.stopped is not None
            assert "stopped after 0 of 3 findings (counted above), 3 not stored" in (
                report.stopped.line())

            unfill(store)
            again, skipped = pull_once(store, url, 5, "puller", seen)
        assert (len(again.added), skipped, again.stopped) == (3, 0, None)
    finally:
        store.close()
