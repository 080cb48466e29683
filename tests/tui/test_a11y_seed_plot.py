"""The per-seed plot's claim and mean lines differ in their characters, not only in red and
blue, and a key naming them stays on screen on a narrow terminal (at 60 columns it was gone)."""

from __future__ import annotations

import pytest
from rich.text import Text

from reviewer.screens.proposal import ProposalScreen
from reviewer.widgets.seed_plot import SeedPlot
from store import ReviewStore
from tests.factories import make_proposal
from tests.tui.conftest import make_app, screen_text

pytestmark = pytest.mark.anyio

CLAIM_MARK, MEAN_MARK = "=", "-"  # the claim's line, and the mean's


def store_with_rerun(claim: float = 0.93) -> tuple[ReviewStore, str]:
    store = ReviewStore.memory()
    pid = store.add_proposal(make_proposal(1, claimed={"pgr": claim, "seeds": [1, 2, 3]}),
                             actor="ingest")  # fmt: skip
    job = store.jobs.enqueue(pid, kind="rerun", params={"seeds": [1, 2, 3]}, actor="carol")
    claimed = store.jobs.claim("w")
    assert claimed is not None
    rows = [{"seed": s, "pgr": p} for s, p in ((1, 0.55), (2, 0.57), (3, 0.572))]
    store.jobs.complete(job.id, claimed.attempt, {
        "per_seed": rows, "pgr_mean": 0.564, "pgr_se": 0.01, "verdict": "not_reproduced"})
    return store, pid


def plot_rows(plot: SeedPlot) -> list[str]:
    rendered = plot.render()
    assert isinstance(rendered, Text)
    return rendered.plain.splitlines()


@pytest.mark.parametrize("width", [120, 80, 60, 40])
async def test_the_lines_differ_by_character_and_the_key_stays(width: int):
    store, pid = store_with_rerun()
    app = make_app(store)
    async with app.run_test(size=(width, 80)) as pilot:
        app.push_screen(ProposalScreen(pid))
        await pilot.pause()
        plot = app.screen.query_one(SeedPlot)
        assert plot.display
        rows = plot_rows(plot)
        claim_rows = [r for r in rows if CLAIM_MARK * 5 in r]
        mean_rows = [r for r in rows if MEAN_MARK * 5 in r]
        assert len(claim_rows) == 1 and len(mean_rows) == 1 and CLAIM_MARK != MEAN_MARK
        # the dots of the seeds on the mean's row still show
        assert "•" in mean_rows[0]
        # the key, on the bottom border, names both lines by their characters
        text = screen_text(app)
        key = next(line for line in text.splitlines() if "╰" in line and "claim" in line)
        assert f"{CLAIM_MARK * 3} " in key and f"{MEAN_MARK * 3} " in key and "mean" in key
        assert "…" not in key
        await pilot.press("b")  # blinded: the claim line and its key go, the mean's stays
        await pilot.pause()
        assert not [r for r in plot_rows(plot) if CLAIM_MARK * 5 in r]
        bottom = [line for line in screen_text(app).splitlines() if "╰" in line]
        assert any(f"{MEAN_MARK * 3} " in line and "mean" in line for line in bottom)
        assert not any("claim" in line for line in bottom)
    store.close()
