"""On a narrow terminal `reviewer agents` and `reviewer list` leave out whole columns, saying
which, instead of shrinking every column alike until rows show no agent name and IDs too
short to name a proposal."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from reviewer.cli import cli
from tests.cli.test_cli import ingest_ids, native, run  # noqa: F401  (fixtures)

AGENTS = ["agent-alpha", "agent-bravo"]


@pytest.fixture
def stored(run, tmp_path) -> list[str]:  # noqa: F811
    path = tmp_path / "p.json"
    path.write_text(json.dumps([native(i, agent=a) for i, a in enumerate(AGENTS, 1)]))
    return ingest_ids(run, path)


def _at(db, columns: int, *args: str) -> str:
    result = CliRunner().invoke(cli, ["--db", str(db), *args], env={"COLUMNS": str(columns)},
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("columns", [20, 30, 50, 59, 80])
def test_every_agents_row_starts_with_the_agent(run, stored, columns):  # noqa: F811
    text = _at(run.db, columns, "agents")
    rows = [line for line in text.splitlines() if line.startswith(" agent-")]
    assert len(rows) == len(AGENTS), text
    for agent, line in zip(AGENTS, rows, strict=True):
        name = line.split()[0]
        assert name == agent or (name.endswith("…") and agent.startswith(name[:-1])
                                 and len(name) >= 8), line
        assert line.split()[-2:] == ["-", "0"], line  # held and flag always stay
    assert all(len(line) <= columns for line in text.splitlines()), text


def test_a_narrow_agents_table_names_what_it_left_out(run, stored):  # noqa: F811
    assert "no room for pend, appr, rej;" in " ".join(_at(run.db, 50, "agents").split())
    assert "no room" not in _at(run.db, 80, "agents")


@pytest.mark.parametrize("columns", [20, 30, 50, 79])
def test_list_keeps_whole_ids_on_a_narrow_terminal(run, stored, columns):  # noqa: F811
    text = _at(run.db, columns, "list")
    for pid in stored:
        line = next(line for line in text.splitlines() if pid[:4] in line)
        assert line.split()[0] == pid[:12], text
    assert all(len(line) <= columns for line in text.splitlines()), text


def test_list_leaves_out_the_least_needed_columns_first(run, stored):  # noqa: F811
    text = _at(run.db, 50, "list")
    assert "no room for status, risk, idea, claim, flags;" in " ".join(text.split())
    header = next(line for line in text.splitlines() if line.startswith(" id "))
    assert header.split() == ["id", "agent", "title", "meas."]
