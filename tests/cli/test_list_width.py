"""`reviewer list` on an 80-column terminal still shows who, which method and what."""

from __future__ import annotations

from rich.console import Console

from reviewer.commands.proposals import print_queue


def rendered(width: int) -> str:
    row = {"id": "5b15655a5d7c" + "0" * 52, "status": "approved", "risk": 15.1,
           "agent": "agent-delta", "idea": "logconf_warm",
           "title": "Logconf warm-up reaches PGR 1.06 on every seed we tried", "claimed_pgr": 1.06,
           "flags": 7, "measured_pgr": -0.921, "verdict": "not_reproduced"}  # fmt: skip
    out = Console(width=width, record=True, markup=False, highlight=False)
    print_queue([row], 1, out)
    return out.export_text()


def test_eighty_columns_keep_enough_of_every_column():
    line = next(x for x in rendered(80).splitlines() if "5b15655a5d7c" in x)
    # The claim beside the latest rerun's measurement and verdict, which a reviewer compares.
    for piece in ("approved", "15.1", "agent-d", "logconf_", "Logconf war", "1.060", "-0.921✗",
                  "7"):
        assert piece in line, (piece, line)
    assert len(line.rstrip()) <= 80


def test_a_wide_terminal_shows_them_whole():
    line = next(x for x in rendered(160).splitlines() if "5b15655a5d7c" in x)
    assert "agent-delta" in line and "logconf_warm" in line
    assert "Logconf warm-up reaches PGR 1.06 on every seed we tried" in line
