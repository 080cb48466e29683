"""`--every` rounds say their notes and warnings, as a single ingest does: in text, one a
line on stderr after the round's line; in JSON, in the round's object."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from reviewer.cli import cli
from reviewer.publish import published
from store import ReviewStore
from tests.ingest.helpers import NATIVE, write_json
from tests.publish.helpers import configure
from tests.publish.test_unplaced_failures import unlanded_by_a_write_failure

MISSPELT = {**NATIVE, "claimed": {**NATIVE["claimed"], "datset": "blobs"}}


def a_round_with_a_note_and_a_warning(tmp_path: Path) -> tuple[Path, Path, str]:
    """A store with an approval whose files never landed (the ingest's retry publishes it:
    a note) and an inbox holding a proposal with a misspelt field (a warning)."""
    db = tmp_path / "review.db"
    store = ReviewStore.open(db)
    folder = tmp_path / "shared"
    configure(folder)
    pid, blocker = unlanded_by_a_write_failure(store, folder, 1)
    blocker.rmdir()
    store.close()
    inbox = tmp_path / "inbox"
    write_json(inbox / "p.json", MISSPELT)
    return db, inbox, pid


def scan(db: Path, inbox: Path, *more: str):
    return CliRunner().invoke(cli, ["--db", str(db), "ingest", str(inbox), "--every", "1",
                                    "--rounds", "1", *more], catch_exceptions=False)


def test_a_text_round_prints_its_notes_and_warnings_after_its_line(tmp_path):
    # The round's line and its errors were printed, its notes and warnings dropped.
    db, inbox, pid = a_round_with_a_note_and_a_warning(tmp_path)
    ran = scan(db, inbox)
    assert ran.exit_code == 0, ran.output
    assert ran.stdout.count("\n") == 1 and " scan 1: added 1, " in ran.stdout
    store = ReviewStore.open(db)
    live = published(store, pid)
    store.close()
    assert live is not None
    assert ran.stderr.splitlines() == [
        f"note: {pid[:12]}: published {live['file']}, which an earlier publish of its "
        "decision did not land",
        f"warning: {inbox / 'p.json'}: logconf_warm: field 'claimed.datset' is not one "
        "reviewer reads; did you mean 'claimed.dataset'?",
    ]
    lines = ran.output.splitlines()
    assert " scan 1: " in lines[0] and lines[1].startswith("note: ")  # after the round's line


def test_a_json_round_holds_its_notes_and_warnings(tmp_path):
    db, inbox, pid = a_round_with_a_note_and_a_warning(tmp_path)
    ran = scan(db, inbox, "--json")
    assert ran.exit_code == 0, ran.output
    [line] = [json.loads(x) for x in ran.stdout.splitlines()]
    assert line["scan"] == 1 and line["error"] is None and len(line["warnings"]) == 1
    assert [n[:13] for n in line["notes"]] == [f"{pid[:12]}:"]
    assert ran.stderr == ""
