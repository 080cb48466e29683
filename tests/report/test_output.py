"""`write_atomic` and `reviewer report -o`: only a regular file (or nothing) is ever replaced."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner

from reviewer.cli import cli
from reviewer.report.output import write_atomic
from store import ReviewStore


def fifo(folder: Path) -> Path:
    path = folder / "report.md"
    os.mkfifo(path)
    return path


def test_a_fifo_is_refused_and_left_alone(tmp_path):
    path = fifo(tmp_path)
    with pytest.raises(FileExistsError, match="not a regular file") as caught:
        write_atomic(path, "text")
    assert caught.value.filename == str(path)
    assert stat.S_ISFIFO(os.lstat(path).st_mode)
    assert sorted(tmp_path.iterdir()) == [path]  # no temporary file left behind


def test_a_symlink_is_refused_and_neither_it_nor_its_target_changes(tmp_path):
    target = tmp_path / "target.md"
    target.write_text("keep")
    link = tmp_path / "report.md"
    link.symlink_to(target)
    with pytest.raises(FileExistsError, match="not a regular file"):
        write_atomic(link, "text")
    assert link.is_symlink() and os.readlink(link) == str(target)
    assert target.read_text() == "keep"


def test_report_to_a_fifo_is_a_one_line_error(tmp_path):
    db = tmp_path / "review.db"
    ReviewStore.open(db).close()
    path = fifo(tmp_path)
    result = CliRunner().invoke(cli, ["--db", str(db), "report", "-o", str(path)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit)
    assert result.output.strip().splitlines() == [
        f"Error: {path}: cannot write the report: exists and is not a regular file "
        "(a device, FIFO, symlink or folder); left as it is"
    ]
    assert stat.S_ISFIFO(os.lstat(path).st_mode)
