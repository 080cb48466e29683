"""Shared data and helpers for the ingest tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from reviewer.ingest import FileResult, read_paths

NATIVE: dict[str, Any] = {
    "agent": "agent-1",
    "title": "Logconf with a longer warm-up",
    "summary": "We **tune** the warm-up.",
    "harness": "builtin",
    "idea": "logconf_warm",
    "base": "0000000",
    "claimed": {"pgr": 0.58, "pgr_se": 0.02, "weak_acc": 0.7, "strong_acc": 0.9,
                "transfer_acc": 0.816, "seeds": [0, 1, 2, 3, 4], "dataset": "blobs"},
}

FINDING: dict[str, Any] = {
    "id": 42, "post_id": 7, "title": "Confidence-weighted loss helps",
    "content": "Weighting by teacher confidence recovers more of the gap.",
    "finding_type": "result", "idea_name": "conf_weight", "run_id": "run-2b9c81aa77e1",
    "dataset": "sciq", "weak_model": "qwen-0.5b", "strong_model": "qwen-7b",
    "pgr": 0.41, "pgr_se": 0.03, "pgr_delta": 0.12, "transfer_acc": 0.78,
    "transfer_acc_se": 0.01, "weak_acc": 0.7, "strong_acc": 0.9, "num_seeds": 3,
    "seeds": [1, 2, 3], "config": {"lr": 1e-4, "epochs": 2}, "worked": True,
    "commit_id": "a1b2c3d4e5f6", "parent_commit_id": "0f0f0f0f0f0f",
    "files_snapshot": {"w2s_research/ideas/conf_weight/run.py": "print(1)"},
    "code_snippet": "loss = w * xent", "created_at": "2025-06-01T12:00:00Z",
}


def write_json(path: Path, value: Any) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value), encoding="utf-8")
    return path


def read_one(path: Path) -> FileResult:
    [result] = read_paths([path])
    return result


def error_of(path: Path) -> str:
    result = read_one(path)
    assert result.error is not None, result
    assert result.proposals == []
    return str(result.error)


