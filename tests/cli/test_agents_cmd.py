"""`reviewer agents`: one line (or JSON object) per agent, agent names printed literally."""

from __future__ import annotations

import json

from tests.cli.test_cli import ingest_ids, native, run  # noqa: F401  (fixtures)

# Control and bidi characters are refused at ingest; markup is what can reach this far.
MARKUP = "[link=https://evil.example]x[/link][bold]"


def test_json_and_text_agree_and_markup_in_names_stays_text(run, tmp_path):  # noqa: F811
    path = tmp_path / "p.json"
    path.write_text(json.dumps([native(1), native(2, agent="agent-1"), native(3, agent=MARKUP)]))
    ids = ingest_ids(run, path)
    run("reject", ids[1], "--reason", "copy of the first")
    records = json.loads(run("agents", "--json").output)
    assert [(r["agent"], r["proposals"], r["pending"], r["rejected"]) for r in records] == [
        ("agent-1", 2, 1, 1), (MARKUP, 1, 1, 0)]
    assert records[0]["reproduced_share"] is None and records[0]["flagged"] == 0
    text = run("agents").output
    assert "2 agents" in text and "total pend appr  rej reran" in text
    assert "[link=http" in text  # printed as text (cut to the column), not rendered
    line = next(row for row in text.splitlines() if row.startswith(" agent-1"))
    assert line.split()[1:] == ["2", "1", "0", "1", "0", "0", "0", "0", "-", "0"]


def test_sort_by_name_and_by_held_up(run, tmp_path):  # noqa: F811
    path = tmp_path / "p.json"
    path.write_text(json.dumps([native(1, agent="zed"), native(2, agent="amy"),
                                native(3, agent="zed")]))
    ingest_ids(run, path)
    by_name = json.loads(run("agents", "--sort", "name", "--json").output)
    assert [r["agent"] for r in by_name] == ["amy", "zed"]
    assert [r["agent"] for r in json.loads(run("agents", "--json").output)] == ["zed", "amy"]
    assert run("agents", "--sort", "nope").exit_code == 2
