"""The shipped samples/ must ingest cleanly and show what samples/README.md says."""

from __future__ import annotations

from pathlib import Path

from reviewer.ingest import read_paths

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def _all():
    results = read_paths([SAMPLES])
    errors = [str(r.error) for r in results if r.error]
    assert errors == []
    return [p for r in results for p in r.proposals]


def test_samples_ingest_without_errors():
    proposals = _all()
    assert len(proposals) >= 14
    assert len({p.content_hash for p in proposals}) == len(proposals)


def test_samples_cover_the_promised_cases():
    by_agent = {p.agent: p for p in _all()}
    native = [p for p in by_agent.values() if p.source_format == "native"]
    assert all(p.harness == "builtin" and p.diff for p in native)
    for p in native:
        if p.agent not in ("agent-iota", "agent-kappa"):
            assert p.diff.startswith(f"diff --git a/methods/{p.idea}.py".encode()), p.agent
    assert b"new file mode 120000" in by_agent["agent-kappa"].diff
    assert b"diff --git a/run.py b/run.py" in by_agent["agent-iota"].diff
    assert b"urllib.request" in by_agent["agent-lambda"].diff
    assert b"/data/labels.npy" in by_agent["agent-theta"].diff
    assert b"weak_probs" not in by_agent["agent-eta"].diff
    inflated, honest = by_agent["agent-delta"], by_agent["agent-alpha"]
    assert inflated.diff == honest.diff and len(inflated.claimed["seeds"]) <= 2
    assert "best of 10" in inflated.summary
    hostile = by_agent["agent-mu"]
    for marker in ("\x1b[2J", "[bold red]"):
        assert marker in hostile.title
    # Invisible characters leave the stored title, and the original keeps them as evidence.
    assert "\u202e" not in hostile.title
    assert "\u202e" in hostile.original["title"]
    for marker in ("\x1b]52;c;", "[link=https://evil.example/approve]"):
        assert marker in hostile.summary


def test_sample_findings():
    findings = {p.external_id: p for p in _all() if p.source_format == "sandbox_finding"}
    assert set(findings) == {"101", "102", "103", "104"}
    assert findings["101"].diff.startswith(
        b"diff --git a/w2s_research/ideas/entropy_min/run.py")
    assert findings["102"].diff is None and findings["103"].diff is None
    assert findings["101"].agent == "aar-3"
    assert findings["102"].agent == "sandbox:run-1d0e5b77-smo"
    assert findings["103"].agent == "aar-7"
    # 104 builds on 103: its parent is 103's commit, which ingest keeps as 103's base.
    assert findings["104"].parent == findings["103"].base == "c0ffee" + "0" * 34
