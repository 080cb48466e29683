"""Big ingests and check runs count what is done on stderr, only on a terminal."""

from __future__ import annotations

import io
import sys

from reviewer.commands import ingest as ingest_cmd


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_count_overwrites_one_line_and_ends_it(monkeypatch):
    monkeypatch.setattr(sys, "stderr", Terminal())
    show = ingest_cmd.progress_on_terminal("stored", "files", 1000)
    for done in (1000, 2000, 2500):
        show(done, 2500)
    assert sys.stderr.getvalue() == (
        "\rstored 1,000 of 2,500 files\rstored 2,000 of 2,500 files\rstored 2,500 of 2,500 files\n"
    )


def test_one_batch_shows_nothing(monkeypatch):
    monkeypatch.setattr(sys, "stderr", Terminal())
    ingest_cmd.progress_on_terminal("stored", "files", 1000)(15, 15)
    assert sys.stderr.getvalue() == ""


def test_not_on_a_terminal(monkeypatch):
    monkeypatch.setattr(sys, "stderr", io.StringIO())
    assert ingest_cmd.progress_on_terminal("stored", "files", 1000) is None


def test_checks_are_counted_before_each_chunk_and_at_the_end(monkeypatch, tmp_path):
    from reviewer.commands.ingest_report import IngestReport
    from store import ReviewStore
    from tests.factories import make_proposal

    monkeypatch.setattr(sys, "stderr", Terminal())
    monkeypatch.setattr(ingest_cmd, "CHECK_CHUNK", 2)
    store = ReviewStore.open(tmp_path / "store.db")
    try:
        ids = [store.add_proposal(make_proposal(i), actor="t") for i in range(5)]
        report = IngestReport()
        ingest_cmd.run_checks(store, ids, "t", report,
                              ingest_cmd.progress_on_terminal("checked", "proposals", 3))
        assert report.warnings == [] and all(store.checks(pid) is not None for pid in ids)
    finally:
        store.close()
    assert sys.stderr.getvalue() == "".join(
        f"\rchecked {n} of 5 proposals" for n in (0, 2, 4, 5)) + "\n"
