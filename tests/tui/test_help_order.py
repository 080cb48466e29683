"""The help's order of sections, and the scope each screen's keys come from."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from reviewer import keys
from reviewer.screens.agents import AgentsScreen
from reviewer.screens.audit import AuditScreen
from reviewer.screens.claims_plot import ClaimsPlotScreen
from reviewer.screens.diff import DiffScreen
from reviewer.screens.help import help_order, help_table
from reviewer.screens.proposal import ProposalScreen
from reviewer.screens.queue import QueueScreen
from reviewer.screens.reruns import RerunsScreen
from reviewer.screens.summary import SummaryScreen
from reviewer.widgets.prompt import PromptModal


@pytest.mark.parametrize(("screen", "scope"), [
    (QueueScreen, "queue"), (ProposalScreen, "proposal"), (DiffScreen, "diff"),
    (SummaryScreen, "summary"), (AuditScreen, "audit"), (ClaimsPlotScreen, "plot"),
    (AgentsScreen, "agents"), (RerunsScreen, "reruns"), (PromptModal, None),
])
def test_each_screen_is_found_by_its_keys(screen, scope):
    assert keys.scope_of(screen.BINDINGS) == scope


def test_the_screens_section_follows_the_keys_that_work_everywhere():
    order = help_order("diff")
    assert order[:2] == ["app", "diff"]
    assert sorted(order) == sorted(keys.SCOPE_TITLES)  # every section is still there
    assert help_order(None) == list(keys.SCOPE_TITLES)
    assert help_order("app") == list(keys.SCOPE_TITLES)


def test_the_heading_says_which_section_is_this_screens():
    console = Console(width=100, file=io.StringIO(), record=True)
    console.print(help_table({}, "reruns"))
    lines = [line.strip() for line in console.export_text().splitlines()]
    assert lines.index("Reruns (this screen)") < lines.index("Queue")
    assert "Reruns" not in lines
