"""`reviewer report` through click: output targets, formats and clear errors."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from reviewer.cli import cli
from store import ReviewStore
from tests.report.helpers import populated


@pytest.fixture
def db(tmp_path) -> tuple[Path, dict[str, str]]:
    path = tmp_path / "review.db"
    store = ReviewStore.open(path)
    try:
        ids = populated(store)
    finally:
        store.close()
    return path, ids


def run(db_path: Path, *args: str):
    return CliRunner().invoke(cli, ["--db", str(db_path), "report", *args])


def test_markdown_to_stdout(db):
    path, ids = db
    result = run(path)
    assert result.exit_code == 0, result.output
    assert result.output.startswith("# Review report\n")
    assert "| 4 | 2 | 1 | 1 | 1 |" in result.output
    assert all(pid in result.output for name, pid in ids.items() if name != "untouched")
    assert ids["untouched"] not in result.output
    assert "ok (" in result.output  # audit verify passed on the real file store


def test_one_proposal(db):
    path, ids = db
    result = run(path, ids["good"][:10])
    assert result.exit_code == 0, result.output
    assert len(re.findall(r"^### ", result.output, re.M)) == 1 and ids["good"] in result.output


def test_html_to_a_file_atomically(db, tmp_path):
    path, _ = db
    out = tmp_path / "appendix.html"
    out.write_text("old")
    result = run(path, "-o", str(out))  # the suffix picks HTML
    assert result.exit_code == 0, result.output
    assert f"wrote {out}: 4 proposals" in result.output
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and "<svg" in page and page.endswith("</html>\n")
    assert [p.name for p in tmp_path.iterdir() if "appendix" in p.name] == ["appendix.html"]


def test_explicit_format_wins_over_the_suffix(db, tmp_path):
    path, _ = db
    out = tmp_path / "report.html"
    assert run(path, "--format", "md", "-o", str(out)).exit_code == 0
    assert out.read_text(encoding="utf-8").startswith("# Review report")
    result = run(path, "--format", "html")
    assert result.exit_code == 0 and result.output.startswith("<!DOCTYPE html>")


def test_since(db):
    path, ids = db
    assert ids["good"] in run(path, "--since", "2000-01-01").output
    result = run(path, "--since", "2999-01-01T00:00:00Z")
    assert result.exit_code == 0 and "No proposal matched." in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "last tuesday"], "expected an ISO date"),
        (["ffffffffffff"], "ffffffffffff"),
        (["zz"], "zz"),
    ],
)
def test_bad_input_gets_a_clear_error(db, args, message):
    path, _ = db
    result = run(path, *args)
    assert result.exit_code != 0
    assert message in result.output and "Traceback" not in result.output
    assert result.exception is None or isinstance(result.exception, SystemExit)


def test_id_and_since_together_is_a_usage_error(db):
    path, ids = db
    result = run(path, ids["good"], "--since", "2026-01-01")
    assert result.exit_code == 2 and "not both" in result.output


def test_unwritable_output_is_a_clear_error(db, tmp_path):
    path, _ = db
    result = run(path, "-o", str(tmp_path / "missing" / "r.md"))
    assert result.exit_code == 1 and "cannot write the report" in result.output
