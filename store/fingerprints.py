"""Normalised code per proposal: a derived cache for near-duplicate search, not audit state."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

MAX_CANDIDATES = 300
SIZE_BAND = 0.25


@dataclass(frozen=True)
class Candidate:
    """Another proposal whose normalised code is of similar size."""

    proposal_id: str
    title: str
    idea: str | None
    status: str
    code: str


def put(conn: sqlite3.Connection, pid: str, diff_sha256: str | None, code: str) -> None:
    conn.execute(
        "INSERT INTO fingerprints (proposal_id, diff_sha256, length, code) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (proposal_id) DO UPDATE SET diff_sha256 = excluded.diff_sha256, "
        "length = excluded.length, code = excluded.code",
        (pid, diff_sha256, len(code), code),
    )


def candidates(conn: sqlite3.Connection, pid: str, length: int) -> list[Candidate]:
    """Proposals whose code length is within ±25% (a ratio above 0.8 needs that), nearest first."""
    low, high = int(length * (1 - SIZE_BAND)), int(length / (1 - SIZE_BAND)) + 1
    rows = conn.execute(
        "SELECT f.proposal_id, p.title, p.idea, p.status, f.code FROM fingerprints f "
        "JOIN proposals p ON p.id = f.proposal_id "
        "WHERE f.length BETWEEN ? AND ? AND f.proposal_id != ? "
        "ORDER BY abs(f.length - ?), f.proposal_id LIMIT ?",
        (low, high, pid, length, MAX_CANDIDATES),
    ).fetchall()
    return [Candidate(*row) for row in rows]
