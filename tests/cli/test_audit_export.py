"""`reviewer audit export`: atomic `-o` files, one-line write errors, and inert Markdown."""

from __future__ import annotations

import errno
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from reviewer.cli import cli
from store import ReviewStore
from store.audit import Event
from tests.factories import make_proposal
from tests.mdrender import cells, live_elements

HOSTILE = (
    "<img src=x onerror=alert(1)> <script>alert(1)</script> [x](http://evil) "
    "![](http://p.png) `tick` ``two`` a | b \\| c"
)
OLD = "the previous export\n"


@pytest.fixture
def db(tmp_path: Path) -> Path:
    """A file store with a proposal, and a rejection whose reason is hostile agent-style text."""
    path = tmp_path / "review.db"
    store = ReviewStore.open(path)
    try:
        pid = store.add_proposal(make_proposal(1), actor="ingest")
        store.reject(pid, reason=HOSTILE, actor="bob@example.org")
    finally:
        store.close()
    return path


def export(db: Path, *args: str) -> Result:
    return CliRunner().invoke(cli, ["--db", str(db), "audit", "export", *args])


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_a_missing_folder_is_a_one_line_error(db, tmp_path):
    out = tmp_path / "missing" / "audit.jsonl"
    result = export(db, "-o", str(out))
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert result.output.strip().splitlines() == [
        f"Error: {out}: cannot write the audit export: No such file or directory"
    ]


def test_an_error_part_way_leaves_the_old_file_whole(db, tmp_path, monkeypatch):
    real = ReviewStore.events

    def one_then_full(self: ReviewStore, *args: object, **kwargs: object) -> Iterator[Event]:
        yield next(iter(real(self, *args, **kwargs)))
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(ReviewStore, "events", one_then_full)
    out = tmp_path / "audit.md"
    out.write_text(OLD)
    result = export(db, "--format", "md", "-o", str(out))
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert f"{out}: cannot write the audit export: No space left on device" in result.output
    assert out.read_text() == OLD
    assert leftovers(tmp_path) == []
    monkeypatch.undo()
    assert export(db, "-o", str(out)).exit_code == 0
    events = [json.loads(line) for line in out.read_text().splitlines()]
    assert events[-1]["payload"]["reason"] == HOSTILE and leftovers(tmp_path) == []


def test_a_symlink_at_the_output_is_refused_and_its_target_kept(db, tmp_path):
    target = tmp_path / "elsewhere.txt"
    target.write_text(OLD)
    link = tmp_path / "audit.jsonl"
    link.symlink_to(target)
    result = export(db, "-o", str(link))
    assert result.exit_code == 1 and "not a regular file" in result.output
    assert link.is_symlink() and target.read_text() == OLD


def test_markdown_payloads_render_as_literal_text(db):
    result = export(db, "--format", "md")
    assert result.exit_code == 0, result.output
    assert live_elements(result.output) == []
    rows = cells(result.output)
    assert rows and all(len(row) == 6 for row in rows)
    reject = rows[-1]
    assert reject[2:4] == ["bob@example.org", "reject"]
    # The cell shows exactly the JSON payload, escapes and all, as plain text.
    assert json.loads(reject[5])["reason"] == HOSTILE
