"""Write (or reuse) a folder of sandbox finding files for the ingest benchmark.

    python benchmarks/generate_findings.py --count 100000

One `{id}_{idea_name}.json` per finding, in the shape the public W2S sandbox's findings-sync
tool writes (DESIGN §4.2, `samples/findings/`): 1-5 KB of content, claimed metrics, config
with the agent's name, commit ids. Like the real tool, it writes no patches. Folders are
cached beside the generated stores, keyed by count, seed and generator version.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
from datetime import timedelta
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.corpus import AGENTS, Corpus
from benchmarks.generate_store import AGENT_WEIGHTS, EPOCH, GENERATOR_VERSION, cache_root

WEAK, STRONG = "Qwen/Qwen1.5-0.5B", "Qwen/Qwen1.5-7B"


def finding(corpus: Corpus, i: int) -> dict:
    """Finding number `i`: a sandbox agent's write-up of one run."""
    r = corpus.rng
    idea = corpus.idea()
    claim = corpus.claim()
    worked = claim.pgr > 0.3
    return {
        "id": 100_000 + i,
        "post_id": 50_000 + i,
        "title": corpus.title(idea, claim.dataset),
        "content": corpus.summary(idea, claim.dataset, claim),
        "finding_type": "result" if worked else "negative_result",
        "idea_name": idea,
        "run_id": f"run-{r.getrandbits(32):08x}-{idea[:12]}",
        "dataset": claim.dataset,
        "weak_model": WEAK,
        "strong_model": STRONG,
        "pgr": claim.pgr,
        "pgr_se": claim.pgr_se,
        "pgr_delta": round(claim.pgr - 0.42, 3),
        "transfer_acc": claim.transfer_acc,
        "transfer_acc_se": round(r.uniform(0.002, 0.02), 4),
        "weak_acc": claim.weak_acc,
        "strong_acc": claim.strong_acc,
        "num_seeds": len(claim.seeds),
        "seeds": claim.seeds,
        "config": {"agent_name": r.choices(AGENTS, weights=AGENT_WEIGHTS)[0],
                   "lr": r.choice((1e-5, 3e-5, 1e-4)), "epochs": r.randint(1, 4),
                   "aux_weight": round(r.uniform(0.05, 1.0), 3)},
        "worked": worked,
        "commit_id": f"{r.getrandbits(160):040x}",
        "parent_commit_id": f"{r.getrandbits(160):040x}" if r.random() < 0.7 else None,
        "files_snapshot": None,
        "code_snippet": f"loss = xent(logits, weak) + {round(r.uniform(0.05, 1), 2)} * aux(logits)",
        "created_at": (EPOCH + timedelta(seconds=37 * i)).isoformat(timespec="microseconds"),
    }


def write_findings(folder: Path, count: int, seed: int) -> None:
    corpus = Corpus(seed)
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(count):
        obj = finding(corpus, i)
        name = f"{obj['id']}_{obj['idea_name']}.json"
        (folder / name).write_text(json.dumps(obj, indent=2), encoding="utf-8")


def ensure_findings(count: int, seed: int = 1) -> Path:
    """The cached folder of `count` finding files, written on first use."""
    folder = cache_root() / f"findings-n{count}-s{seed}-v{GENERATOR_VERSION}"
    if (folder / ".complete").exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    building = folder.with_name(f"{folder.name}.building-{os.getpid()}")
    shutil.rmtree(building, ignore_errors=True)
    write_findings(building, count, seed)
    (building / ".complete").write_text("")  # hidden, so ingest skips it
    os.replace(building, folder)
    return folder


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    print(ensure_findings(args.count, args.seed))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
