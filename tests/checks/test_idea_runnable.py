"""A built-in proposal whose idea the harness could not run is flagged at ingest, by the rules
a rerun would refuse it by, before a rerun is spent on it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from reviewer.checks.run import static_findings
from reviewer.cli import cli
from reviewer.harness.treehash import git_tree_hash
from tests.checks.helpers import modified_diff
from tests.factories import new_file_diff

BODY = "def run(view):\n    return view.weak_probs.argmax(dim=-1)\n"
LOGCONF = Path(__file__).resolve().parents[2] / "reviewer/harness/tree/methods/logconf.py"


def _row(idea: str | None, diff: str | None, harness: str = "builtin") -> dict[str, Any]:
    return {"id": "p1", "harness": harness, "idea": idea, "title": "A method",
            "summary": "We try it.", "claimed": None,
            "diff": None if diff is None else diff.encode()}


def _flagged(row: dict[str, Any]) -> list[Any]:
    found = static_findings(row, lambda harness: ("methods/",))
    return [c for c in found if c.code == "idea_not_runnable"]


def test_an_idea_in_capitals_is_flagged_as_the_rerun_refuses_it() -> None:
    (check,) = _flagged(_row("ConfWeight", new_file_diff("methods/ConfWeight.py", BODY)))
    assert check.severity == "medium"
    assert check.message == ("idea names for the built-in harness are lower case letters,"
                             " digits and _, so a rerun refuses 'ConfWeight'")
    assert check.detail == {"idea": "ConfWeight", "method": None}


def test_an_idea_whose_file_the_diff_does_not_add_is_flagged() -> None:
    (check,) = _flagged(_row("conf_weighting", new_file_diff("methods/conf_weight.py", BODY)))
    assert check.severity == "medium"
    assert check.message == ("the built-in harness runs methods/conf_weighting.py, which this"
                             " diff does not add or change and the harness does not ship")
    assert check.detail == {"idea": "conf_weighting", "method": "methods/conf_weighting.py"}


def test_a_diff_that_names_no_idea_is_flagged() -> None:
    (check,) = _flagged(_row(None, new_file_diff("methods/conf_weight.py", BODY)))
    assert "names no idea" in check.message


def test_a_shipped_method_the_diff_deletes_is_flagged() -> None:
    text = LOGCONF.read_text()
    lines = text.splitlines(keepends=True)
    removed = "".join("-" + line for line in lines)
    diff = ("diff --git a/methods/logconf.py b/methods/logconf.py\ndeleted file mode 100644\n"
            f"--- a/methods/logconf.py\n+++ /dev/null\n@@ -1,{len(lines)} +0,0 @@\n{removed}")
    (check,) = _flagged(_row("logconf", diff))
    assert "methods/logconf.py, which this diff deletes or renames away" in check.message


@pytest.mark.parametrize(("idea", "diff"), [
    ("conf_weight", new_file_diff("methods/conf_weight.py", BODY)),
    # A shipped method, helped by a new module or changed in place.
    ("logconf", new_file_diff("methods/logconf_helpers.py", BODY)),
    ("logconf", modified_diff("methods/logconf.py", LOGCONF.read_text(),
                              LOGCONF.read_text() + "\nSCALE = 2\n")),
    ("logconf", None),  # no code: a rerun fails before it looks at the idea
    ("ConfWeight", None),
])
def test_an_idea_the_harness_can_run_is_not_flagged(idea: str, diff: str | None) -> None:
    assert _flagged(_row(idea, diff)) == []


def test_an_external_harness_is_left_to_its_own_rules() -> None:
    diff = new_file_diff("w2s_research/ideas/x/run.py", BODY)
    assert _flagged(_row("ConfWeight", diff, harness="w2s-sandbox")) == []


def test_an_unreadable_diff_is_left_to_unparseable_diff() -> None:
    diff = new_file_diff("methods/x.py", BODY).replace("+1,2 @@", "+1,5 @@")  # too short
    found = static_findings(_row("x", diff), lambda harness: ("methods/",))
    codes = [c.code for c in found]
    assert "unparseable_diff" in codes and "idea_not_runnable" not in codes


def _native(idea: str, path: str) -> dict[str, Any]:
    return {"agent": "honest-agent", "title": f"Idea {idea}", "summary": "We try it.",
            "harness": "builtin", "base": git_tree_hash(), "idea": idea,
            "diff": new_file_diff(path, BODY),
            "claimed": {"pgr": 0.264, "pgr_se": 0.009, "seeds": [1, 2, 3]}}


def test_ingest_records_it_and_the_queue_ranks_it_riskier(tmp_path: Path) -> None:
    proposals = [_native("ConfWeight", "methods/ConfWeight.py"),
                 _native("conf_weighting", "methods/conf_weight.py"),
                 _native("conf_weight", "methods/conf_weight.py")]
    (tmp_path / "p.json").write_text(json.dumps(proposals))

    def run(*args: str) -> str:
        result = CliRunner().invoke(cli, ["--db", str(tmp_path / "r.db"), *args],
                                    catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    run("ingest", "--json", str(tmp_path / "p.json"))
    shown = {p["idea"]: p for p in json.loads(run("list", "--json"))}
    flagged = {idea: [c["code"] for c in json.loads(run("show", "--json", p["id"]))["checks"]]
               for idea, p in shown.items()}
    assert "idea_not_runnable" in flagged["ConfWeight"]
    assert "idea_not_runnable" in flagged["conf_weighting"]
    assert "idea_not_runnable" not in flagged["conf_weight"]
    assert shown["conf_weighting"]["risk"] > shown["conf_weight"]["risk"]
