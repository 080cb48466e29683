"""The checks panel: findings grouped by severity, a jump to a duplicate, the second opinion."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from reviewer.rerun.jobs import request_rerun
from reviewer.screens.proposal import ProposalScreen
from reviewer.widgets.assist_panel import AssistPanel
from reviewer.widgets.checks_panel import ChecksPanel, checks_renderable
from store import ReviewStore
from tests.factories import make_proposal, new_file_diff
from tests.tui.conftest import SIZE, content_text, fixed_clock, make_app

pytestmark = pytest.mark.anyio


def add(store: ReviewStore, i: int) -> str:
    diff = new_file_diff(f"methods/m{i}.py", "def run(view):\n    return 1\n").encode()
    return store.add_proposal(make_proposal(i, diff=diff), actor="seed")


def finish_rerun_with_checks(store: ReviewStore, pid: str, checks: list[dict]) -> None:
    job = request_rerun(store, pid, actor="tester@example.org", seeds=[3, 4])
    claimed = store.jobs.claim("worker-1")
    result = {"per_seed": [], "pgr_mean": 0.5, "pgr_se": 0.01, "verdict": "reproduced"}
    store.jobs.complete(job.id, claimed.attempt, {**result, "checks": checks})


async def test_checks_are_grouped_high_first_and_a_duplicate_can_be_opened():
    store = ReviewStore.memory(clock=fixed_clock)
    pid, twin = add(store, 1), add(store, 2)
    finish_rerun_with_checks(
        store,
        pid,
        [
            {"code": "tiny_gain", "severity": "low", "message": "gain under 0.01"},
            {"code": "se_too_small", "severity": "medium", "message": "claimed SE is 0"},
            {
                "code": "duplicate",
                "severity": "high",
                "message": "same method as another proposal\x1b[2J",
                "detail": {"other_id": twin},
            },
        ],
    )
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ProposalScreen(pid))
        await pilot.pause()
        text = content_text(app.screen.query_one(ChecksPanel))
        assert "1 high · 1 medium · 1 low" in text
        assert text.index("high (1)") < text.index("medium (1)") < text.index("low (1)")
        assert text.index("duplicate: same method") < text.index("se_too_small")
        assert f"same method as another proposal — press J to open {twin[:12]}" in text
        assert "\x1b" not in text
        assert app.screen.check_action("jump", ()) is True
        await pilot.press("J")
        await pilot.pause()
        assert isinstance(app.screen, ProposalScreen) and app.screen.proposal_id == twin
        assert "no checks yet" in content_text(app.screen.query_one(ChecksPanel))
        assert app.screen.check_action("jump", ()) is False
        assert not app.screen.query_one(AssistPanel).display  # no second opinion: no panel
    store.close()


async def test_a_second_opinion_shows_beside_the_checks():
    store = ReviewStore.memory(clock=fixed_clock)
    pid = add(store, 1)
    answer = {
        "suspected_hack": True,
        "risk": "high",
        "rationale": "It never reads weak_probs\x1b]52;c;Y3VybA==\x07 and predicts class 0.",
        "questions": ["Why is the SE exactly 0?", "[bold]Which seeds?[/bold]"],
    }
    payload = {"model": "claude-x", "answer": answer, "diff_sha256": store.get(pid)["diff_sha256"]}
    store.annotate(pid, "assist", payload, actor="r")
    app = make_app(store)
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(ProposalScreen(pid))
        await pilot.pause()
        panel = app.screen.query_one(AssistPanel)
        assert panel.display and panel.border_title == "second opinion"
        text = content_text(panel)
        assert "model claude-x" in text
        assert "suspected hack: yes   risk: high" in text
        assert "It never reads weak_probs52;c;Y3VybA== and predicts class 0." in text
        assert "? [bold]Which seeds?[/bold]" in text
        assert "stale" not in text
        await pilot.press("b")  # blinded review: no anchoring before the reviewer's own view
        await pilot.pause()
        text = content_text(panel)
        assert "hidden until you record your assessment" in text and "class 0" not in text
    store.close()


def test_blinded_review_hides_what_checks_say_about_the_claim():
    checks = [{"code": "claim_inconsistent", "severity": "high", "message": "PGR 1.06 > 1"}]
    console = Console(width=100, file=io.StringIO(), record=True)
    console.print(checks_renderable(checks, hide_messages=True))
    text = console.export_text()
    assert "claim_inconsistent: message hidden until you assess" in text and "1.06" not in text
