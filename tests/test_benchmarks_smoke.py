"""The scale benchmarks keep working: a tiny run of each (timings are reported, never asserted).

The store, search, ingest, ingest-git, code-ingest, TUI and hostile-input benchmarks run
in-process on 300 proposals, 20 finding files, an agent branch of 6 commits, 30 proposals with
code (enough for the scan workers), a 200-line diff, 10 key presses and a 40-line hostile pair;
the rerun and harness figures train models and start sandboxes, so their smoke run is marked
slow.
"""

from __future__ import annotations

import json
import shutil

import pytest
from unidiff import PatchSet

from benchmarks import run_all
from benchmarks.generate_store import big_proposal_id, ensure_store, store_path
from store import ReviewStore

SMALL = ["--size", "300", "--findings", "20", "--big-lines", "200", "--presses", "10",
         "--repeats", "1", "--ingest-repeats", "1", "--sessions", "1",
         "--git-commits", "6", "--git-methods", "3", "--code-proposals", "30"]


@pytest.fixture
def bench_env(tmp_path, monkeypatch):
    monkeypatch.setenv("REVIEWER_BENCH_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("REVIEWER_HOME", str(tmp_path / "home"))
    return tmp_path


def test_generated_store_is_realistic_deterministic_and_cached(bench_env):
    path = ensure_store(120, seed=3, big_lines=200, progress=lambda _: None)
    assert path == store_path(120, 3, 200)
    store = ReviewStore.open(path)
    try:
        assert store.count() == 121
        statuses = {s: store.count(status=s) for s in ("pending", "approved", "rejected")}
        assert statuses["pending"] < 121 and statuses["approved"] + statuses["rejected"] > 0
        assert len(store.agents()) > 3
        assert store.jobs.counts()["done"] > 0
        row = store.get(store.list(limit=1, sort="oldest")[0]["id"])
        assert 1000 <= len(row["summary"]) <= 5000
        diff = row["diff"].decode()
        assert diff.startswith(f"diff --git a/methods/{row['idea']}.py")
        assert 50 <= PatchSet(diff)[0].added <= 2000
        big = store.get(big_proposal_id(store))
        assert PatchSet(big["diff"].decode())[0].added == 200
        assert store.verify().ok
        parented = store.conn.execute(
            "SELECT id FROM proposals WHERE parent IS NOT NULL ORDER BY rowid LIMIT 1"
        ).fetchone()[0]
        assert len(store.lineage(parented).parents) == 1  # each names a real earlier proposal
        digest = [(r["id"], r["status"], r["risk"]) for r in store.list(limit=200)]
    finally:
        store.close()
    # A second call reuses the cached file; a rebuild from the same seed is identical.
    assert ensure_store(120, seed=3, big_lines=200, progress=lambda _: None) == path
    shutil.rmtree(path.parent)
    store = ReviewStore.open(ensure_store(120, seed=3, big_lines=200, progress=lambda _: None))
    try:
        assert [(r["id"], r["status"], r["risk"]) for r in store.list(limit=200)] == digest
    finally:
        store.close()


def test_run_all_smoke_store_search_ingest_and_tui(bench_env, capsys):
    out = bench_env / "figures.json"
    assert run_all.main([*SMALL, "--skip", "rerun,harness", "--hostile-lines", "40",
                         "--json", str(out), "--markdown"]) == 0
    printed = capsys.readouterr().out
    data = json.loads(out.read_text())
    names = [f["name"] for f in data["figures"]]
    assert names == [
        "search: first page (queue)",
        "search: best match first (bm25)",
        "queue refresh vs loading every finding",
        "queue: page in the middle, slowest sort",
        "agents: every agent's record",
        "lineage: one proposal, both ways",
        "ingest 20 finding files",
        "ingest-git: 6 commits over 3 methods",
        "ingest 30 proposals with code",
        "TUI first interactive frame",
        "j/k, mean per press (10 presses)",
        "open a 200-line diff",
        "hostile: duplicate check, 40-line repetitive pair",
        "hostile: diff from the parent, 400-line files",
        "hostile: title similarity, 30 characters",
    ]
    for figure in data["figures"]:
        assert figure["verdict"] in ("pass", "MISS", "info")
        assert figure["name"] in printed
    assert data["machine"]["sqlite"] and data["machine"]["python"]
    assert "| figure |" in printed


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap not installed")
def test_run_all_smoke_rerun_and_harness(bench_env, capsys):
    assert run_all.main(["--only", "rerun,harness", "--bench-repeats", "1", "--seeds", "2"]) == 0
    printed = capsys.readouterr().out
    assert "rerun: sandbox + scoring overhead" in printed
    assert "harness: 2 seeds batched vs sequential (CPU)" in printed
