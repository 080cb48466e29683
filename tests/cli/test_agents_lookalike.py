"""Agent names that read the same are told apart in `reviewer agents` and the agents screen.

Ingest refuses such names now; a store filled before may still hold them.
"""

from __future__ import annotations

from reviewer.present.agents import agent_label, lookalikes
from store import ReviewStore
from tests.cli.test_cli import run  # noqa: F401  (fixture)
from tests.factories import make_proposal

TWIN = "agent\u2011alpha"  # a non-breaking hyphen


def test_names_that_read_the_same_are_marked_with_their_code_points(run):  # noqa: F811
    store = ReviewStore.open(run.db)
    for i, agent in enumerate(["agent-alpha", TWIN, "agent-alpha\u00a0", "agent-beta"]):
        store.add_proposal(make_proposal(i, agent=agent), actor="ingest")
    store.close()
    text = run("agents").output
    rows = {line.split()[0]: line for line in text.splitlines()[1:] if line.startswith(" agent")}
    assert "\u2248" in rows["agent\\u2011alpha"] and "\u2248" in rows["agent-alpha\\xa0"]
    assert "\u2248" in rows["agent-alpha"] and "\u2248" not in rows["agent-beta"]
    assert "reads as another agent's name" in text


def test_lookalikes_and_label() -> None:
    names = ["agent-alpha", TWIN, "\uff41gent-alpha", "agent-beta", "Agent-Alpha"]
    assert lookalikes(names) == {"agent-alpha", TWIN, "\uff41gent-alpha"}
    assert agent_label("agent-beta", lookalikes(names)) == "agent-beta"
    assert agent_label(TWIN, {TWIN}) == "agent\\u2011alpha \u2248"
