"""Sandboxes running at once as root each hold a uid of their own."""

from __future__ import annotations

import os

import pytest

from reviewer.rerun import uidslots

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="slots apply where root drops a uid")


def test_runs_at_once_get_distinct_uids_and_a_freed_one_is_reused():
    with uidslots.sandbox_uid() as first, uidslots.sandbox_uid() as second:
        assert first != second
        assert {first, second} <= {uidslots.slot_uid(n) for n in range(uidslots.SLOTS)}
    with uidslots.sandbox_uid() as again:
        assert again >= min(first, second)


def test_a_uid_a_local_account_has_is_never_handed_out(monkeypatch):
    taken = uidslots.slot_uid(0)
    monkeypatch.setattr(uidslots, "_taken_by_an_account", lambda uid: uid == taken)
    with uidslots.sandbox_uid() as uid:
        assert uid != taken
