"""ctrl+c during an ingest says what was stored instead of click's bare "Aborted!"."""

from __future__ import annotations

import pytest

import reviewer.commands.ingest as ingest_command
from tests.cli.test_cli import run  # noqa: F401  (fixture)


@pytest.mark.parametrize(("batches", "said"), [
    ([(1000, 3000), (2000, 3000)], "2,000 of 3,000 files stored, each whole"),
    ([], "no batch of files stored yet"),
])
def test_an_interrupted_ingest_says_what_it_stored(run, tmp_path, monkeypatch, batches, said):  # noqa: F811
    def planned(store, plan, actor, progress, checking):
        for done, total in batches:
            progress(done, total)
        raise KeyboardInterrupt  # what ctrl+c raises in the middle of a batch

    monkeypatch.setattr(ingest_command, "ingest_planned", planned)
    (tmp_path / "f.json").write_text("{}")
    out = run("ingest", str(tmp_path / "f.json"))
    assert out.exit_code == 130
    assert f"ingest interrupted: {said}" in out.output and "Aborted!" not in out.output
    assert "`reviewer ingest` again stores the rest" in out.output
