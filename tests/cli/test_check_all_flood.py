"""A hostile diff in an ingest batch neither leaves the batch unchecked nor stops `check --all`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from reviewer.checks import static
from tests.cli.test_cli import native, run  # noqa: F401  (fixture)
from tests.factories import new_file_diff

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "proposals"
FLOOD = 600  # files: over the store's cap of checks per report
MAX_PER_CODE = 20  # checks of one code a proposal lists (the README says so)
NOT_RUN = "static checks have not run"


def flood(i: int, directory: str) -> dict:
    diff = "".join(new_file_diff(f"{directory}/x{n}.py", "x = 0\n") for n in range(FLOOD))
    return native(i, idea=f"flood_{i}", diff=diff)


@pytest.fixture
def batch(tmp_path) -> list[Path]:
    """Sample 01 (honest), sample 05 (a finding), and two floods: misleading names, and files
    outside the allow-list."""
    hostile = tmp_path / "hostile.json"
    hostile.write_text(json.dumps([flood(1, "methods/\u00e9"), flood(2, "evil")]))
    return [SAMPLES / "01_honest_logconf_warmup.json", SAMPLES / "05_hack_majority_class.json",
            hostile]


def by_idea(run) -> dict[str, str]:  # noqa: F811
    return {r["idea"]: r["id"] for r in json.loads(run("list", "--json").stdout)}


def show(run, pid: str) -> dict:  # noqa: F811
    return json.loads(run("show", "--json", pid).stdout)


def test_a_flooding_batch_is_checked_whole(run, batch):  # noqa: F811
    ingest = run("ingest", *map(str, batch))
    assert ingest.exit_code == 0 and "not recorded" not in ingest.output
    ideas = by_idea(run)
    for pid in ideas.values():
        assert not any(NOT_RUN in gate for gate in show(run, pid)["gates"])
    assert "teacher_unused" in {c["code"] for c in show(run, ideas["prior_match"])["checks"]}
    for idea, code in (("flood_1", "unsafe_file"), ("flood_2", "protected_path")):
        found = [c for c in show(run, ideas[idea])["checks"] if c["code"] == code]
        assert len(found) == MAX_PER_CODE + 1
        assert found[-1]["detail"]["not_listed"] == FLOOD - MAX_PER_CODE
    every = run("check", "--all", "--json")
    assert every.exit_code == 0, every.output
    listed = {item["id"]: item["checks"] for item in json.loads(every.stdout)}
    assert set(listed) == set(ideas.values())
    assert len(listed[ideas["flood_1"]]) < 50


def test_checks_over_the_cap_cost_only_their_proposal(run, batch, monkeypatch):  # noqa: F811
    # With no bound, each flood is a real report over the store's cap.
    monkeypatch.setattr(static, "MAX_PER_CODE", 10**6, raising=False)
    ingest = run("ingest", *map(str, batch))
    ideas = by_idea(run)
    floods = {ideas["flood_1"], ideas["flood_2"]}
    for pid in floods:
        assert f"{pid[:12]}: static checks not recorded (too many checks" in ingest.stderr
    for idea in ("logconf_warm", "prior_match"):
        assert not any(NOT_RUN in gate for gate in show(run, ideas[idea])["gates"])
    every = run("check", "--all", "--json")
    assert every.exit_code == 1
    listed = [item["id"] for item in json.loads(every.stdout)]
    assert set(listed) == set(ideas.values()) - floods
    for pid in floods:
        assert f"error: {pid[:12]}: static checks not recorded: too many checks" in every.stderr
    text = run("check", "--all")
    assert text.exit_code == 1 and "checked 2 proposals" in text.stdout


def test_check_one_names_why_its_checks_were_not_recorded(run, batch, monkeypatch):  # noqa: F811
    monkeypatch.setattr(static, "MAX_PER_CODE", 10**6, raising=False)
    run("ingest", *map(str, batch))
    pid = by_idea(run)["flood_2"]
    one = run("check", pid)
    assert one.exit_code == 1
    assert f"{pid[:12]}: too many checks in one report (" in one.stderr
