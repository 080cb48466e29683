"""An agent's name cannot pass for another's: look-alikes are refused, spellings folded."""

from __future__ import annotations

import dataclasses
import json
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from reviewer.cli import cli
from reviewer.ingest.agentname import agent_name, normalized
from reviewer.ingest.errors import IngestError
from reviewer.ingest.fields import Where
from reviewer.lookalike import shown
from store import ReviewStore
from store.model import identity_hash
from tests.ingest.helpers import error_of, read_one, write_json

# Each reads as "agent-alpha" (or as no name at all) on a terminal.
LOOK_ALIKES = [
    "agent\u2011alpha",  # non-breaking hyphen
    "agent\u2010alpha",  # hyphen
    "agent\u2212alpha",  # minus sign
    "\u0430gent-alpha",  # Cyrillic a
    "agent-\u0430\u04cf\u0440\u04bb\u0430",  # "alpha" wholly in Cyrillic look-alikes
    "agent-alpha\u3164",  # Hangul filler
    "agent-alpha\u2800",  # braille blank
    "agent-alpha\ufe0f",  # variation selector
    "agent-alpha\u034f",  # combining grapheme joiner
    "agent\u1680alpha",  # ogham space mark, which NFKC leaves alone
    "\u3164",
    "\u2800\u2800",
    "\u0251gent-alpha",  # Latin alpha (IPA)
    "agent-\u1d00lpha",  # Latin small capital A
    "agent-b\u0131t",  # dotless i
    "\ua4eegent-alpha",  # Lisu A
    "\u13aa\u13f4-team",  # Cherokee letters drawn as "AB"
    "agent\u2500alpha",  # a box-drawing line
]
# Each is stored as the plain spelling on the right.
SPELLINGS = [
    ("\uff41\uff47\uff45\uff4e\uff54-alpha", "agent-alpha"),  # fullwidth
    ("\uff41\uff47\uff45\uff4e\uff54\uff0d\uff41\uff4c\uff50\uff48\uff41", "agent-alpha"),
    ("agent-alpha\u00a0", "agent-alpha"),
    ("agent-alpha\u2000", "agent-alpha"),
    ("  agent   alpha ", "agent alpha"),
    ("agent\u00a0alpha", "agent alpha"),
    ("agent-e\u0301lpha", "agent-\u00e9lpha"),  # NFD becomes NFC
    ("agent-\u00e9lpha", "agent-\u00e9lpha"),
    ("agent-\u0431\u043e\u0440\u0438\u0441", "agent-\u0431\u043e\u0440\u0438\u0441"),  # Cyrillic
    ("agent-\u03bc", "agent-\u03bc"),  # Greek mu has no Latin twin
    ("Nguy\u1ec5n", "Nguy\u1ec5n"),  # an accented plain letter
    ("Bj\u00f8rn", "Bj\u00f8rn"),
]


def native(agent: str, **extra: Any) -> dict[str, Any]:
    return {"agent": agent, "title": "Logconf with a ramp", "summary": "It ramps.",
            "harness": "builtin", **extra}  # fmt: skip


def invoke(db: Path, *args: str):
    return CliRunner().invoke(cli, ["--db", str(db), *args], catch_exceptions=False)


@pytest.mark.parametrize("raw", LOOK_ALIKES)
def test_a_native_look_alike_name_is_refused_naming_the_field(tmp_path, raw):
    path = write_json(tmp_path / "p.json", native(raw))
    message = error_of(path)
    assert message.startswith(f"{path}: agent: "), message
    assert f'"{shown(raw)}"' in message
    assert "pass for another agent's name" in message


@pytest.mark.parametrize(("raw", "stored"), SPELLINGS)
def test_a_native_name_is_stored_in_one_spelling(tmp_path, raw, stored):
    [p] = read_one(write_json(tmp_path / "p.json", native(raw))).proposals
    assert p.agent == stored
    assert p.original["agent"] == raw  # what the agent wrote stays, and so does the id


def test_the_refusal_names_the_code_point_and_why():
    with pytest.raises(IngestError) as caught:
        agent_name("agent\u2011alpha", Where("p.json"))
    assert str(caught.value) == ('p.json: agent: "agent\\u2011alpha" has a dash other than '
                                 '"-" (U+2011), so it could pass for another agent\'s name')


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"agent": "agent\u2011alpha"}, "agent"),
        ({"author": "\u0430gent-alpha"}, "author"),
        ({"agent_id": "\u2800\u2800"}, "agent_id"),
        ({"config": {"agent_name": "agent-alpha\u3164"}}, "config.agent_name"),
        ({"config": {"agent_name": "agent\u200balpha"}}, "config.agent_name"),
        ({"config": {"agent_name": "agent\u202ealpha"}}, "config.agent_name"),
        ({"run_id": "run-\u0430bc"}, "run_id"),
    ],
)
def test_a_finding_look_alike_name_is_refused(tmp_path, finding, extra, field):
    finding.update(extra)
    path = write_json(tmp_path / "42_conf_weight.json", finding)
    message = error_of(path)
    assert message.startswith(f"{path}: {field}: "), message


def test_a_finding_name_is_stored_in_one_spelling(tmp_path, finding):
    finding["agent"] = "\uff41\uff47\uff45\uff4e\uff54-alpha"
    [p] = read_one(write_json(tmp_path / "42_conf_weight.json", finding)).proposals
    assert p.agent == "agent-alpha"
    assert p.original["agent"] == "\uff41\uff47\uff45\uff4e\uff54-alpha"


def test_every_spelling_of_a_name_is_one_agent_and_a_look_alike_is_an_error(tmp_path):
    files = [write_json(tmp_path / f"{i}.json", native(raw, title=f"Variant {i}"))
             for i, raw in enumerate(["agent-alpha", "\uff41gent-alpha", "agent-alpha\u00a0",
                                      "agent\u2011alpha", "agent-e\u0301lpha"])]  # fmt: skip
    out = invoke(tmp_path / "s.db", "ingest", "--json", *map(str, files))
    assert out.exit_code == 1
    report = json.loads(out.output)
    assert len(report["added"]) == 4  # the look-alike's file alone is left out
    [error] = report["errors"]
    assert (error["path"], error["field"]) == (str(files[3]), "agent")
    assert "agent\\u2011alpha" in error["message"]
    agents = json.loads(invoke(tmp_path / "s.db", "agents", "--json").output)
    assert sorted((a["agent"], a["proposals"]) for a in agents) == [
        ("agent-alpha", 3), ("agent-\u00e9lpha", 1)]


def test_list_agent_finds_the_stored_name_however_it_is_typed(tmp_path):
    path = write_json(tmp_path / "p.json", native("agent-alpha"))
    assert invoke(tmp_path / "s.db", "ingest", str(path)).exit_code == 0
    for typed in ("agent-alpha", " agent-alpha ", "\uff41\uff47\uff45\uff4e\uff54-alpha"):
        rows = json.loads(invoke(tmp_path / "s.db", "list", "--json", "--agent", typed).output)
        assert [r["agent"] for r in rows] == ["agent-alpha"], typed


@pytest.mark.parametrize(("typed", "plain"), [("a\u3000b", "a b"), ("\uff21 ", "A"), ("", "")])
def test_normalized_folds_compatibility_forms_and_spacing(typed, plain):
    assert normalized(typed) == plain


def test_invisible_characters_leave_title_and_summary_but_not_the_original(tmp_path):
    raw = native("agent-alpha", title="Noisy la\u200bbels", summary="Relabel la\u200bbels\u2060.")
    [p] = read_one(write_json(tmp_path / "p.json", raw)).proposals
    assert (p.title, p.summary) == ("Noisy labels", "Relabel labels.")
    assert p.original == raw
    assert p.content_hash == identity_hash("native", raw, None)


def test_a_summary_with_a_zero_width_space_is_found_by_its_word(tmp_path):
    path = write_json(tmp_path / "p.json", native("agent-alpha", summary="Noisy la\u200bbels."))
    db = tmp_path / "s.db"
    [pid] = json.loads(invoke(db, "ingest", "--json", str(path)).output)["added"]
    rows = json.loads(invoke(db, "list", "--json", "--search", "labels").output)
    assert [r["id"] for r in rows] == [pid]
    store = ReviewStore.open(db)
    try:
        assert [r["id"] for r in store.search("labels")] == [pid]
    finally:
        store.close()


def test_a_finding_content_with_a_zero_width_space_is_found_by_its_word(tmp_path, finding):
    finding["content"] = "Noisy la\u200bbels."
    [p] = read_one(write_json(tmp_path / "42_conf_weight.json", finding)).proposals
    assert p.summary == "Noisy labels."
    assert p.original["content"] == "Noisy la\u200bbels."


@pytest.mark.parametrize("field", ["title", "summary"])
def test_a_title_or_summary_of_only_invisible_characters_is_empty(tmp_path, field):
    path = write_json(tmp_path / "p.json", native("agent-alpha", **{field: "\u200b\u2060"}))
    assert error_of(path) == (f"{path}: {field}: must not be empty (it holds only invisible "
                              "characters)")


def test_reingesting_the_same_file_is_a_no_op(tmp_path):
    path = write_json(tmp_path / "p.json",
                      native("\uff41gent-alpha\u00a0", summary="Noisy la\u200bbels."))
    db = tmp_path / "s.db"
    [pid] = json.loads(invoke(db, "ingest", "--json", str(path)).output)["added"]
    again = json.loads(invoke(db, "ingest", "--json", str(path)).output)
    assert (again["added"], again["present"], again["errors"]) == ([], [pid], [])


def test_a_store_holding_the_raw_spelling_finds_the_same_file_present(tmp_path):
    # A store written before names were folded holds the agent's raw spelling under the
    # same id: the file must still be found there, not stored a second time.
    path = write_json(tmp_path / "p.json", native("\uff41gent-alpha", summary="la\u200bbels"))
    [p] = read_one(path).proposals
    db = tmp_path / "s.db"
    store = ReviewStore.open(db)
    try:
        old = dataclasses.replace(p, agent="\uff41gent-alpha", summary="la\u200bbels")
        store.add_proposals([old], actor="test")
    finally:
        store.close()
    again = json.loads(invoke(db, "ingest", "--json", str(path)).output)
    assert (again["added"], again["present"]) == ([], [p.content_hash])


needs_git = pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")


@needs_git
def test_a_commit_whose_agent_is_a_look_alike_is_an_error_of_its_own(tmp_path):
    from tests.ingest.test_commits import RAMP, commit

    out = invoke(tmp_path / "unused.db", "harness", "export", str(tmp_path / "agents"), "--git")
    assert out.exit_code == 0, out.output
    repo = tmp_path / "agents"
    commit(repo, {"methods/logconf_ramp.py": RAMP}, "Ramp\n\nAgent: agent\u2011alpha")
    commit(repo, {"methods/logconf_ramp.py": RAMP + "# 2\n"}, "Ramp 2",
           author="\uff41gent-alpha")
    commit(repo, {"methods/logconf_ramp.py": RAMP + "# 3\n"}, "Ramp 3", author="aar\u3164")
    db = tmp_path / "s.db"
    report = json.loads(invoke(db, "ingest-git", "--json", str(repo)).output)
    assert len(report["added"]) == 1
    assert sorted(e["field"] for e in report["errors"]) == ["agent", "agent"]
    assert any("agent\\u2011alpha" in e["message"] for e in report["errors"])
    assert any("aar\\u3164" in e["message"] for e in report["errors"])
    [row] = json.loads(invoke(db, "list", "--json").output)
    assert row["agent"] == "agent-alpha"
