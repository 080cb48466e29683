"""Diff builders and shortcuts for the checks tests."""

from __future__ import annotations

import difflib
from pathlib import Path

from reviewer.checks.model import Check
from reviewer.checks.static import scan_diff
from reviewer.ingest import read_paths
from tests.factories import new_file_diff

ALLOW = ("methods/",)
SAMPLES = Path(__file__).resolve().parents[2] / "samples"


def modified_diff(path: str, before: str, after: str, context: int = 3) -> str:
    """A git-style diff that changes `path` from `before` to `after`."""
    body = difflib.unified_diff(before.splitlines(True), after.splitlines(True),
                                f"a/{path}", f"b/{path}", n=context)
    return f"diff --git a/{path} b/{path}\nindex 1111111..2222222 100644\n" + "".join(body)


def scan_new(body: str, path: str = "methods/x.py") -> list[Check]:
    return scan_diff(new_file_diff(path, body), ALLOW)


def codes(checks: list[Check]) -> set[str]:
    return {c.code for c in checks}


def sample_proposals() -> dict[str, object]:
    """Every sample proposal by agent name, read with the project's own ingest."""
    results = read_paths([SAMPLES])
    assert [str(r.error) for r in results if r.error] == []
    return {p.agent: p for r in results for p in r.proposals}
