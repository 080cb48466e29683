"""One draw of seeds per session and seed count; a proposal that used them gets new ones."""

from __future__ import annotations

from reviewer.rerun.jobs import SessionSeeds


def test_one_draw_per_count_and_fresh_seeds_for_a_proposal_that_used_it():
    session = SessionSeeds()
    five = session.seeds(5)
    assert session.seeds(5) == five and len(set(five)) == 5 and five == sorted(five)
    three = session.seeds(3)
    assert len(three) == 3 and session.seeds(3) == three
    fresh = session.seeds(5, used=[[1, 2], five])
    assert fresh != five and len(fresh) == 5
    # The session's own draw stays what it was for the next proposal.
    assert session.seeds(5, used=[fresh]) == five
    # Callers get copies, so changing one cannot change the session's draw.
    session.seeds(5).append(0)
    assert session.seeds(5) == five
