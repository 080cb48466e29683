"""`reviewer pull URL` against a real HTTP server on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from click.testing import CliRunner

from reviewer.cli import cli
from tests.loopback import serving

FINDING = {
    "id": 41, "post_id": 7, "title": "Confidence filter at 0.8", "content": "Filtering helps.",
    "finding_type": "result", "idea_name": "conf_filter", "run_id": "run-abc",
    "dataset": "sciq", "weak_model": "qwen-0.5b", "strong_model": "qwen-7b", "pgr": 0.41,
    "pgr_se": 0.03, "pgr_delta": 0.1, "transfer_acc": 0.8, "transfer_acc_se": 0.01,
    "weak_acc": 0.7, "strong_acc": 0.94, "num_seeds": 3, "seeds": [1, 2, 3],
    "config": {"lr": 1e-5}, "worked": True, "commit_id": "a" * 40, "parent_commit_id": None,
    "files_snapshot": None, "code_snippet": "def run(): ...", "created_at": "2026-11-01T10:00:00",
}


@pytest.fixture
def server() -> Iterator[tuple[str, list[str]]]:
    paths: list[str] = []

    def answer(path: str) -> tuple[int, bytes]:
        paths.append(path)
        if path == "/api/findings/all":
            return 200, json.dumps({"findings": [FINDING]}).encode()
        return 404, b"nope"

    with serving(answer) as url:
        yield url, paths


def test_pull_ingests_findings_and_is_idempotent(server, tmp_path):
    url, paths = server
    db = str(tmp_path / "pull.db")
    first = CliRunner().invoke(cli, ["--db", db, "pull", "--json", url + "/"])
    assert first.exit_code == 0, first.output
    added = json.loads(first.output)["added"]
    assert len(added) == 1 and paths == ["/api/findings/all"]
    second = json.loads(CliRunner().invoke(cli, ["--db", db, "pull", "--json", url]).output)
    assert second["added"] == [] and second["present"] == added
    shown = json.loads(CliRunner().invoke(cli, ["--db", db, "show", "--json", added[0]]).output)
    assert shown["title"] == FINDING["title"] and shown["claimed"]["pgr"] == 0.41
    assert shown["source_format"] == "sandbox_finding" and shown["external_id"] == "41"


def test_pull_error_is_clean_and_stores_nothing(server, tmp_path):
    url, _ = server
    db = str(tmp_path / "pull.db")
    result = CliRunner().invoke(cli, ["--db", db, "pull", url + "/missing"])
    assert result.exit_code == 1 and "404" in result.output
    listed = CliRunner().invoke(cli, ["--db", db, "list", "--json"]).output
    assert json.loads(listed) == []


def test_a_bad_finding_is_reported_and_the_rest_are_stored(tmp_path):
    bad = dict(FINDING, id=42, pgr="x")
    body = json.dumps({"findings": [FINDING, bad]}).encode()
    with serving(lambda path: (200, body)) as url:
        result = CliRunner().invoke(cli, ["--db", str(tmp_path / "p.db"), "pull", "--json", url])
    assert result.exit_code == 1
    report = json.loads(result.output)
    assert len(report["added"]) == 1
    assert [(e["field"], e["message"]) for e in report["errors"]] == [
        ("findings[1].pgr", 'expected a number, got "x"')]


@pytest.fixture
def growing_server() -> Iterator[tuple[str, list[int]]]:
    """A server whose findings grow by one on each GET; the second GET answers 503."""
    served: list[int] = []

    def answer(_path: str) -> tuple[int, bytes]:
        served.append(len(served) + 1)
        if len(served) == 2:
            return 503, b"busy"
        findings = [{**FINDING, "id": 100 + k, "title": f"Finding {k}"}
                    for k in range(len(served))]
        return 200, json.dumps({"findings": findings}).encode()

    with serving(answer) as url:
        yield url, served


def test_follow_pulls_each_round_skips_what_it_stored_and_survives_a_failed_pull(
    growing_server, tmp_path
):
    from reviewer.commands.pull import pull_once
    from reviewer.commands.repeat import repeat
    from store import ReviewStore

    url, served = growing_server
    store = ReviewStore.open(tmp_path / "pull.db")
    rounds: list[tuple[int, list[str], list[str], int, int]] = []
    naps: list[float] = []
    try:
        seen: set[str] = set()
        last = repeat(
            lambda: pull_once(store, url, 5, "puller", seen), every=7.0, rounds=3,
            sleep=naps.append,
            emit=lambda n, r, skipped: rounds.append(
                (n, r.added, r.present, skipped, len(r.errors))),
        )  # fmt: skip
        assert served == [1, 2, 3] and naps == [7.0, 7.0]
        (n1, added1, _, skip1, err1), (n2, added2, _, _, err2), (n3, added3, present3, skip3,
                                                                  err3) = rounds
        assert (n1, len(added1), skip1, err1) == (1, 1, 0, 0)
        assert (n2, added2, err2) == (2, [], 1)  # the 503: reported, and the next pull goes on
        # The third pull sees three findings: the first one skipped, two new ones stored.
        assert (n3, len(added3), present3, skip3, err3) == (3, 2, [], 1, 0)
        assert last.errors == [] and store.count() == 3
    finally:
        store.close()


def test_pull_every_prints_a_json_line_per_pull_and_fails_when_the_last_pull_did(
    growing_server, tmp_path
):
    url, _ = growing_server
    db = str(tmp_path / "pull.db")
    result = CliRunner().invoke(cli, ["--db", db, "pull", url, "--every", "1", "--rounds", "2",
                                      "--json"])
    assert result.exit_code == 1  # the second pull got the 503
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert [line["pull"] for line in lines] == [1, 2]
    assert len(lines[0]["added"]) == 1 and lines[0]["unchanged"] == 0
    assert lines[1]["added"] == [] and "503" in lines[1]["errors"][0]["message"]


def test_rounds_without_every_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(cli, ["--db", str(tmp_path / "x.db"), "pull", "http://x",
                                      "--rounds", "2"])
    assert result.exit_code == 2 and "--rounds needs --every" in result.output


def test_a_bad_finding_is_reported_on_the_first_pull_only_wherever_it_moves(tmp_path):
    # Every pull re-reported a malformed finding the server kept, and exited 1 for it.
    from reviewer.commands.pull import pull_once
    from reviewer.commands.repeat import repeat
    from store import ReviewStore

    bad = {**FINDING, "id": 7, "pgr": "high"}
    pulls = [[bad, FINDING], [{**FINDING, "id": 43, "title": "Later"}, FINDING, bad]]

    def answer(path: str) -> tuple[int, bytes]:
        return 200, json.dumps({"findings": pulls.pop(0)}).encode()

    rounds: list[tuple[int, int, int]] = []
    with serving(answer) as url:
        store = ReviewStore.open(tmp_path / "pull.db")
        try:
            seen: set[str] = set()
            last = repeat(lambda: pull_once(store, url, 5, "puller", seen), every=1.0,
                          rounds=2, sleep=lambda _: None,
                          emit=lambda n, r, skipped: rounds.append(
                              (len(r.added), len(r.errors), skipped)))
        finally:
            store.close()
    assert rounds == [(1, 1, 0), (1, 0, 2)]  # the second skips the stored one and the bad one
    assert last.errors == []
