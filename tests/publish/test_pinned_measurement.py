"""A published finding carries the rerun its approval rested on, whatever reruns come later."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from reviewer import paths
from reviewer.cli import cli
from reviewer.publish import PublishConfig, publish
from reviewer.publish.export import export_findings, list_findings
from reviewer.rerun.stats import SeedRow, rerun_stats
from store import ReviewStore
from store.gates import GatePolicy
from tests.publish.helpers import CEILING, CLAIM, WEAK, add, finish_rerun, rerun_result

ACTOR = "alice@example.org"


def one_seed_result(store: ReviewStore, pid: str) -> dict[str, Any]:
    """A later 1-seed rerun without the ablation: a PGR, but no interval and no verdict."""
    rows = [SeedRow(5, 0.86, WEAK, CEILING, (0.86 - WEAK) / (CEILING - WEAK))]
    return {**rerun_result(store, pid), **rerun_stats(rows, [0.3], 0.57, 0.02, 5).to_json()}


@pytest.fixture
def store(tmp_path: Path) -> ReviewStore:
    store = ReviewStore.open(tmp_path / "pin.db")
    yield store
    store.close()


def approved_then_rerun(store: ReviewStore) -> tuple[str, int, int]:
    """Approve on a reproduced 5-seed rerun, then finish a 1-seed rerun of the same diff."""
    pid = add(store, 1)
    first = finish_rerun(store, pid)
    store.approve(pid, reason="reproduced on 5 seeds", actor=ACTOR)
    later = finish_rerun(store, pid, one_seed_result(store, pid))
    assert store.get(pid)["status"] == "approved"
    return pid, first, later


def assert_first_rerun(record: dict[str, Any], first: int) -> None:
    assert record["measured"]["job"] == first
    assert record["worked"] is True and record["num_seeds"] == 5
    assert record["measured"]["verdict"] == "reproduced"


def test_publish_after_a_later_rerun_keeps_the_approved_measurement(store, tmp_path):
    pid, first, _ = approved_then_rerun(store)
    cfg = PublishConfig(folder=tmp_path / "shared")
    result = publish(store, pid, actor=ACTOR, config=cfg)
    assert_first_rerun(json.loads(result.file.read_text()), first)
    card = result.file.with_suffix(".md").read_text()
    assert f"(rerun job {first})" in card


def test_republish_after_a_later_rerun_changes_nothing(store, tmp_path):
    pid = add(store, 1)
    first = finish_rerun(store, pid)
    store.approve(pid, reason="reproduced on 5 seeds", actor=ACTOR)
    cfg = PublishConfig(folder=tmp_path / "shared")
    before = publish(store, pid, actor=ACTOR, config=cfg).file.read_bytes()
    finish_rerun(store, pid, one_seed_result(store, pid))
    again = publish(store, pid, actor=ACTOR, config=cfg)
    assert again.unchanged and again.file.read_bytes() == before
    assert_first_rerun(json.loads(before), first)


def test_list_and_export_describe_the_published_record(store, tmp_path):
    pid, first, _ = approved_then_rerun(store)
    published = publish(store, pid, actor=ACTOR, config=PublishConfig(folder=tmp_path / "pub"))
    [row] = list_findings(store)
    record = json.loads(published.file.read_text())
    assert_first_rerun(record, first)
    assert (row["pgr"], row["verdict"]) == (record["pgr"], "reproduced")
    [exported] = [p for p in export_findings(store, tmp_path / "exp") if p.suffix == ".json"]
    assert exported.read_bytes() == published.file.read_bytes()


def test_cli_findings_list_json_after_a_later_rerun(store, tmp_path):
    folder = tmp_path / "shared"
    paths.config_file().parent.mkdir(parents=True, exist_ok=True)
    paths.config_file().write_text(f'[publish]\nfolder = "{folder}"\n')
    pid, first, _ = approved_then_rerun(store)
    expected = store.jobs.get(first).result["pgr_mean"]
    runner = CliRunner()
    base = ["--db", str(tmp_path / "pin.db"), "--actor", ACTOR]
    assert runner.invoke(cli, [*base, "publish", pid], catch_exceptions=False).exit_code == 0
    out = runner.invoke(cli, [*base, "findings", "list", "--json"], catch_exceptions=False)
    [row] = json.loads(out.output)
    assert (row["pgr"], row["verdict"]) == (expected, "reproduced")


def test_override_without_a_rerun_shows_no_measured_dataset(store, tmp_path):
    store.gate_policy = GatePolicy.defaults()
    pid = add(store, 1, claimed={**CLAIM, "dataset": "sciq"})
    store.approve(pid, reason="trusted", actor=ACTOR, override="no GPU today")
    cfg = PublishConfig(folder=tmp_path / "f")
    result = publish(store, pid, actor=ACTOR, config=cfg)
    record = json.loads(result.file.read_text())
    assert record["measured"] is None and record["pgr"] is None
    card = result.file.with_suffix(".md").read_text()
    assert "| dataset / task | sciq | — |" in card
    assert "not verified" in card
    # A rerun finished after the approval is not what the approval rested on.
    finish_rerun(store, pid)
    assert publish(store, pid, actor=ACTOR, config=cfg).unchanged


def test_approval_on_a_failed_rerun_keeps_the_measurement_made_before_it(store, tmp_path):
    pid = add(store, 1)
    good = finish_rerun(store, pid)
    failed = {**rerun_result(store, pid), "per_seed": [], "pgr_mean": None,
              "verdict": "failed", "reason": "timed out"}
    finish_rerun(store, pid, failed)
    store.approve(pid, reason="the earlier rerun reproduced it", actor=ACTOR)
    finish_rerun(store, pid, one_seed_result(store, pid))
    result = publish(store, pid, actor=ACTOR, config=PublishConfig(folder=tmp_path / "f"))
    assert_first_rerun(json.loads(result.file.read_text()), good)
