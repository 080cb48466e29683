"""Build (or reuse) a realistic review store for the benchmarks.

    python benchmarks/generate_store.py                  # 100k proposals, seed 1
    python benchmarks/generate_store.py --size 300       # small
    python benchmarks/generate_store.py --force          # rebuild even if cached

Proposals come from 9 agents with 1-5 KB Markdown summaries, diffs adding a 50-2,000 line
`methods/<idea>.py`, and claims. Some are already decided (approve/reject events), reran
(finished rerun jobs with result dicts) and flagged (static checks). One more proposal,
idea `bench_big_diff`, carries a diff of `big_lines` lines for the diff-screen benchmark.

Everything goes through ReviewStore's public verbs in large batches, with a seeded corpus and
a fixed clock, so a (size, seed) pair always gives the same database. The file is cached
under `benchmarks/.cache/` (or $REVIEWER_BENCH_CACHE), keyed by size, seed, big-diff lines
and the schema version, so later runs reuse it.
"""

from __future__ import annotations

import argparse
import hashlib
import itertools
import json
import os
import shutil
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.corpus import AGENTS, Corpus
from reviewer.harness import treehash
from reviewer.rerun import stats
from store import NewProposal, ReviewStore, audit
from store.db import connect
from store.schema import migrations

GENERATOR_VERSION = 2  # 2: proposals name parents
BIG_IDEA = "bench_big_diff"
BIG_LINES = 10_000
ADD_BATCH = 2_000
CHECK_BATCH = 5_000
DECIDED, RERAN, FLAGGED = 0.20, 0.05, 0.15  # shares of the proposals
PARENTED = 0.4  # share that names an earlier proposal as its parent
ACTOR_INGEST, ACTOR_REVIEW, ACTOR_WORKER = "bench-ingest", "reviewer@bench", "worker@bench"
EPOCH = datetime(2025, 6, 1, tzinfo=UTC)
AGENT_WEIGHTS = (20, 16, 14, 12, 10, 9, 8, 6, 5)  # some agents post far more than others

Progress = Callable[[str], None]


def cache_root() -> Path:
    """Where generated stores and finding folders are kept between runs."""
    env = os.environ.get("REVIEWER_BENCH_CACHE")
    root = Path(env) if env else Path(__file__).resolve().parent / ".cache"
    root.mkdir(parents=True, exist_ok=True)
    ignore = root / ".gitignore"
    if not ignore.exists():
        ignore.write_text("*\n")  # the cache is large and never committed
    return root


def schema_version() -> str:
    """Changes whenever the store gains a migration or the generator changes."""
    names = "\n".join(m.name for m in migrations._migrations)
    return hashlib.sha256(f"{GENERATOR_VERSION}\n{names}".encode()).hexdigest()[:10]


def store_path(size: int, seed: int, big_lines: int = BIG_LINES) -> Path:
    key = f"store-n{size}-s{seed}-big{big_lines}-{schema_version()}"
    return cache_root() / key / "store.db"


def step_clock(start: datetime = EPOCH, step_ms: int = 7) -> Callable[[], str]:
    """A deterministic clock: every reading is `step_ms` later than the last."""
    counter = itertools.count()

    def now() -> str:
        return (start + timedelta(milliseconds=step_ms * next(counter))).isoformat(
            timespec="microseconds"
        )

    return now


def new_proposal(corpus: Corpus, i: int, base: str, diff_lines: int | None = None,
                 idea: str | None = None, parent: str | None = None) -> NewProposal:
    """Proposal `i` of the stream: agent, prose, claim, a method diff and maybe a parent."""
    r = corpus.rng
    agent = r.choices(AGENTS, weights=AGENT_WEIGHTS)[0]
    idea = idea or corpus.idea()
    claim = corpus.claim()
    title = corpus.title(idea, claim.dataset)
    summary = corpus.summary(idea, claim.dataset, claim)
    diff = corpus.method_diff(idea, diff_lines or corpus.diff_lines())
    created = (EPOCH - timedelta(days=30) + timedelta(seconds=20 * i)).isoformat()
    original = {
        "agent": agent,
        "title": title,
        "summary": summary,
        "harness": "builtin",
        "base": base,
        "idea": idea,
        "claimed": claim.to_json(),
        "created_at": created,
        "diff_path": f"diffs/{i:06d}_{idea}.diff",
        "parent": parent,
    }
    return NewProposal(
        agent=agent, title=title, summary=summary, harness="builtin", source_format="native",
        original=original, base=base, idea=idea, diff=diff, claimed=claim.to_json(),
        created_at=created, parent=parent, source=f"bench:{i}",
    )


def pick_parent(corpus: Corpus, earlier: list[str]) -> str | None:
    """A published-style id prefix of an earlier proposal, or None.

    Cubing a uniform draw favours the oldest proposals, so a few gather thousands of
    children, as a popular early finding does.
    """
    r = corpus.rng
    if not earlier or r.random() >= PARENTED:
        return None
    return earlier[int(len(earlier) * r.random() ** 3)][:12]


def static_checks(corpus: Corpus, claim: dict, flagged: bool) -> list[dict]:
    """What the static scan might have said: claim-shape warnings, and for the flagged share
    a high-severity code finding."""
    r = corpus.rng
    found: list[dict] = []
    if len(claim["seeds"]) < 3:
        found.append({"code": "few_seeds", "severity": "medium",
                      "message": f"the claim rests on {len(claim['seeds'])} seed(s)",
                      "detail": {"seeds": len(claim["seeds"])}})
    if claim["pgr_se"] == 0:
        found.append({"code": "no_se", "severity": "medium",
                      "message": "the claim gives no standard error", "detail": {}})
    if flagged:
        code, what = r.choice((
            ("ground_truth_access", "opens a file named like labels: '/data/labels.npy'"),
            ("network", "imports urllib.request and posts data"),
            ("protected_path", "writes outside methods/: run.py"),
            ("process_escape", "calls subprocess.run"),
            ("frame_introspection", "reads sys._getframe().f_back.f_locals"),
        ))
        line = r.randint(20, 400)
        found.append({"code": code, "severity": "high", "message": f"methods/x.py:{line}: {what}",
                      "detail": {"line": line}})
    return found


def rerun_result(corpus: Corpus, claim: dict, diff_sha256: str | None) -> dict:
    """A finished rerun's result dict, from synthetic per-seed scores run through the real
    statistics (so verdicts and intervals are consistent)."""
    r = corpus.rng
    seeds = sorted(r.sample(range(1, 1000), 5))
    honest = r.random() < 0.6
    centre = claim["pgr"] if honest else claim["pgr"] * r.uniform(0.3, 0.8)
    rows, base = [], []
    for s in seeds:
        weak, ceil = r.uniform(0.65, 0.75), r.uniform(0.9, 0.96)
        pgr = centre + r.gauss(0, 0.03)
        rows.append(stats.SeedRow(s, round(weak + pgr * (ceil - weak), 4), round(weak, 4),
                                  round(ceil, 4), pgr))
        base.append(0.26 + r.gauss(0, 0.02))
    result = stats.rerun_stats(rows, base, claim["pgr"], claim["pgr_se"], len(claim["seeds"]),
                               0.26).to_json()
    result.update({
        "reason": None, "checks": [], "task": claim["dataset"], "size": 1,
        "ablation": {"pgr_mean": round(r.uniform(-0.05, 0.1), 4), "real_pgr_mean":
                     result["pgr_mean"], "per_seed": [], "drop": None, "p_value": 0.001,
                     "passed": True, "reason": None},
        "env": {"harness": treehash.git_tree_hash(), "diff_sha256": diff_sha256,
                "torch": "2.13.0+cpu", "device": "cpu", "device_name": "cpu", "cuda": False,
                "sandbox": "bubblewrap", "wall_s": round(r.uniform(2, 40), 3)},
        "log_tail": "epoch 10/10 loss 0.41\n",
    })
    return result


def build(path: Path, size: int, seed: int, big_lines: int = BIG_LINES,
          progress: Progress = print) -> dict:
    """Write the store at `path` (which must not exist); returns counts of what it holds."""
    started = time.perf_counter()
    corpus = Corpus(seed)
    base = treehash.git_tree_hash()
    # No path: the head checkpoint is written once at the end instead of after every write.
    store = ReviewStore(connect(path), clock=step_clock(), configured=True)
    # A generated benchmark file is rebuilt rather than recovered, so skip the fsyncs.
    store.conn.execute("PRAGMA synchronous = OFF")
    ids: list[str] = []
    made: list[str] = []  # ids of the proposals built so far, stored or not yet
    claims: list[dict] = []
    shas: list[str | None] = []
    try:
        for start in range(0, size, ADD_BATCH):
            batch = []
            for i in range(start, min(start + ADD_BATCH, size)):
                batch.append(new_proposal(corpus, i, base, parent=pick_parent(corpus, made)))
                made.append(batch[-1].content_hash)
            if start + ADD_BATCH >= size:
                batch.append(new_proposal(corpus, size, base, big_lines, BIG_IDEA))
            result = store.add_proposals(batch, actor=ACTOR_INGEST)
            assert len(result.added) == len(batch), "the corpus repeated a proposal"
            ids += result.added
            claims += [p.claimed for p in batch]
            shas += [p.diff_sha256 for p in batch]
            elapsed = time.perf_counter() - started
            progress(f"  proposals {len(ids):>7}/{size + 1}  {elapsed:6.1f} s")
        r = corpus.rng
        items = [(pid, static_checks(corpus, claim, r.random() < FLAGGED))
                 for pid, claim in zip(ids, claims, strict=True)]
        for start in range(0, len(items), CHECK_BATCH):
            store.record_checks_batch(items[start:start + CHECK_BATCH], "static",
                                      actor=ACTOR_INGEST)
        progress(f"  checks recorded           {time.perf_counter() - started:6.1f} s")
        reran = [k for k in range(len(ids)) if r.random() < RERAN]
        for k in reran:
            job = store.jobs.enqueue(ids[k], kind="rerun", params={"seeds": [1, 2, 3, 4, 5], "task":
                                     claims[k]["dataset"]}, actor=ACTOR_REVIEW)
            claimed = store.jobs.claim(ACTOR_WORKER, job_id=job.id)
            assert claimed is not None
            store.jobs.complete(job.id, claimed.attempt, rerun_result(corpus, claims[k],
                                                                      shas[k]))
        progress(f"  reruns {len(reran)} done         {time.perf_counter() - started:6.1f} s")
        decided = [k for k in range(len(ids) - 1) if r.random() < DECIDED]
        for k in decided:
            if r.random() < 0.4:
                store.approve(ids[k], reason="reproduced within the interval; code is clean",
                              actor=ACTOR_REVIEW)
            else:
                store.reject(ids[k], reason=r.choice((
                    "claim not reproduced", "reads test labels", "duplicate of an earlier "
                    "finding", "too few seeds to support the claim")), actor=ACTOR_REVIEW)
        progress(f"  decisions {len(decided)}         {time.perf_counter() - started:6.1f} s")
        audit.write_checkpoint(audit.checkpoint_path(path), *audit.head(store.conn))
    finally:
        store.close()
    return {"proposals": len(ids), "reran": len(reran), "decided": len(decided),
            "seconds": round(time.perf_counter() - started, 1)}


def ensure_store(size: int, seed: int = 1, *, big_lines: int = BIG_LINES, force: bool = False,
                 progress: Progress = print) -> Path:
    """The cached store for (size, seed, big_lines, schema), built on first use."""
    path = store_path(size, seed, big_lines)
    folder = path.parent
    if folder.is_dir() and (folder / "meta.json").exists() and not force:
        return path
    shutil.rmtree(folder, ignore_errors=True)
    building = folder.with_name(f"{folder.name}.building-{os.getpid()}")
    shutil.rmtree(building, ignore_errors=True)
    building.mkdir(parents=True)
    progress(f"generating {size} proposals (seed {seed}) into {folder}")
    meta = build(building / "store.db", size, seed, big_lines, progress)
    meta.update({"size": size, "seed": seed, "big_lines": big_lines, "schema": schema_version()})
    (building / "meta.json").write_text(json.dumps(meta, indent=2))
    os.replace(building, folder)  # atomic: a half-built store is never picked up
    return path


def big_proposal_id(store: ReviewStore) -> str:
    """The id of the proposal carrying the big diff."""
    row = store.conn.execute("SELECT id FROM proposals WHERE idea = ?", (BIG_IDEA,)).fetchone()
    if row is None:
        raise LookupError(f"no {BIG_IDEA} proposal in this store")
    return str(row[0])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--big-lines", type=int, default=BIG_LINES)
    parser.add_argument("--force", action="store_true", help="rebuild even if cached")
    args = parser.parse_args(argv)
    path = ensure_store(args.size, args.seed, big_lines=args.big_lines, force=args.force)
    print(path)
    print((path.parent / "meta.json").read_text())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
