"""`reviewer ingest` counts stored files on stderr, only on a terminal and only when big."""

from __future__ import annotations

import io
import sys

from reviewer.commands import ingest as ingest_cmd


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_count_overwrites_one_line_and_ends_it(monkeypatch):
    monkeypatch.setattr(sys, "stderr", Terminal())
    show = ingest_cmd._progress_on_terminal()
    for done in (1000, 2000, 2500):
        show(done, 2500)
    assert sys.stderr.getvalue() == (
        "\rstored 1,000 of 2,500 files\rstored 2,000 of 2,500 files\rstored 2,500 of 2,500 files\n"
    )


def test_one_batch_shows_nothing(monkeypatch):
    monkeypatch.setattr(sys, "stderr", Terminal())
    ingest_cmd._progress_on_terminal()(15, 15)
    assert sys.stderr.getvalue() == ""


def test_not_on_a_terminal(monkeypatch):
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert ingest_cmd._progress_on_terminal() is None
