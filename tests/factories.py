"""Builders for test data."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from store import NewProposal


def make_proposal(i: int = 0, **overrides) -> NewProposal:
    original = {
        "agent": overrides.pop("agent", f"agent-{i % 3}"),
        "title": overrides.pop("title", f"Proposal {i}: logconf with warm-up {i}"),
        "summary": overrides.pop("summary", f"We try variant {i} of the confidence loss."),
        "harness": "builtin",
        "idea": overrides.pop("idea", f"idea_{i}"),
        "claimed": overrides.pop(
            "claimed", {"pgr": 0.5 + i / 1e5, "pgr_se": 0.02, "seeds": [1, 2, 3, 4, 5]}
        ),
    }
    diff = overrides.pop("diff", None)
    return NewProposal(
        agent=original["agent"],
        title=original["title"],
        summary=original["summary"],
        harness="builtin",
        source_format="native",
        original=original,
        idea=original["idea"],
        claimed=original["claimed"],
        diff=diff,
        **overrides,
    )


def new_file_diff(path: str, body: str, mode: str = "100644") -> str:
    """A git-style diff that adds `path` with `body`."""
    lines = body.splitlines(keepends=True)
    added = "".join("+" + line for line in lines)
    return (f"diff --git a/{path} b/{path}\nnew file mode {mode}\nindex 0000000..1111111\n"
            f"--- /dev/null\n+++ b/{path}\n@@ -0,0 +1,{len(lines)} @@\n{added}")


def as_before_0005(db: str | Path) -> None:
    """Turn a store back into one written before migration 0005."""
    conn = sqlite3.connect(db, isolation_level=None)
    for name in ("pgr_sort", "title_sort", "agent_sort", "status_sort", "status_pgr",
                 "status_title", "status_agent"):
        conn.execute(f"DROP INDEX proposals_{name}")
    conn.execute("CREATE INDEX proposals_claimed_pgr ON proposals (claimed_pgr)")
    conn.execute("DELETE FROM _sqlite_migrations WHERE name = '0005_sort_indexes'")
    conn.close()



def full_sort_candidates(conn, pid: str, length: int, limit: int | None = None):
    """Near-duplicate candidates by the plain query, every row of the size band sorted whole
    (what the store ran before it chose on lengths alone), codes included."""
    from store import fingerprints

    low, high = int(length * 0.75), int(length / 0.75) + 1
    rows = conn.execute(
        "SELECT f.proposal_id, p.title, p.idea, p.status, f.code, f.diff_sha256, f.length "
        "FROM fingerprints f JOIN proposals p ON p.id = f.proposal_id "
        "WHERE f.length BETWEEN ? AND ? AND f.proposal_id != ? "
        "ORDER BY abs(f.length - ?), f.proposal_id LIMIT ?",
        (low, high, pid, length, fingerprints.MAX_CANDIDATES if limit is None else limit),
    ).fetchall()
    return [fingerprints.Candidate(*row) for row in rows]


def configure_sandbox_harness(repo: Path, commit: str) -> None:
    """Write a config naming `repo` at `commit` as the harness `w2s-sandbox`, whose diffs may
    write under w2s_research/ideas/ (its labels file does not exist: nothing scores here)."""
    from reviewer import paths

    paths.config_file().parent.mkdir(parents=True, exist_ok=True)
    paths.config_file().write_text(
        f'[harness.w2s-sandbox]\npath = "{repo}"\ncommit = "{commit}"\n'
        'allow = ["w2s_research/ideas/"]\n'
        'command = ["python", "run.py", "--idea", "{idea}", "--seed", "{seed}", "--out", "{out}"]\n'
        'predictions = "stdout"\nlabels = "/nonexistent/labels.json"\n'
        "weak_acc = 0.7\nstrong_acc = 0.9\n")
