"""Normalised code per proposal: a derived cache for near-duplicate search, not audit state."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from store.db import select_in

MAX_CANDIDATES = 300
SIZE_BAND = 0.25


@dataclass(frozen=True)
class Candidate:
    """Another proposal whose normalised code is of similar size."""

    proposal_id: str
    title: str
    idea: str | None
    status: str
    code: str | None  # None as `candidates` gives it; `codes` reads it
    diff_sha256: str | None = None
    length: int = 0


def put(conn: sqlite3.Connection, pid: str, diff_sha256: str | None, code: str) -> None:
    conn.execute(
        "INSERT INTO fingerprints (proposal_id, diff_sha256, length, code) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (proposal_id) DO UPDATE SET diff_sha256 = excluded.diff_sha256, "
        "length = excluded.length, code = excluded.code",
        (pid, diff_sha256, len(code), code),
    )


def candidates(conn: sqlite3.Connection, pid: str, length: int) -> list[Candidate]:
    """Proposals whose code length is within ±25% (a ratio above 0.8 needs that), nearest
    first, each without its code, which `codes` reads for the ones a caller lacks."""
    low, high = int(length * (1 - SIZE_BAND)), int(length / (1 - SIZE_BAND)) + 1
    # The nearest are chosen on lengths and ids alone; sorting whole rows would read every
    # code in the band, and an agent's branch fills the band with large, alike codes.
    rows = conn.execute(
        "SELECT f.proposal_id, p.title, p.idea, p.status, NULL, f.diff_sha256, f.length FROM ("
        " SELECT rowid AS fid, length, proposal_id FROM fingerprints"
        " WHERE length BETWEEN ? AND ? AND proposal_id != ?"
        " ORDER BY abs(length - ?), proposal_id LIMIT ?) AS near "
        "JOIN fingerprints f ON f.rowid = near.fid JOIN proposals p ON p.id = near.proposal_id "
        "ORDER BY abs(near.length - ?), near.proposal_id",
        (low, high, pid, length, MAX_CANDIDATES, length),
    ).fetchall()
    return [Candidate(*row) for row in rows]


CodeKey = tuple[str, str | None, int]  # (proposal id, diff sha256, length)


def key(candidate: Candidate) -> CodeKey:
    return candidate.proposal_id, candidate.diff_sha256, candidate.length


def codes(conn: sqlite3.Connection, ids: list[str]) -> dict[CodeKey, str]:
    """The normalised code of each of `ids` that has a fingerprint, keyed with the diff and
    length it has now, so a caller can tell one that changed since its candidates were read."""
    out: dict[CodeKey, str] = {}
    sql = ("SELECT proposal_id, diff_sha256, length, code FROM fingerprints "
           "WHERE proposal_id IN ({marks})")
    for cursor in select_in(conn, sql, ids):
        out.update(((pid, sha, length), code) for pid, sha, length, code in cursor)
    return out
