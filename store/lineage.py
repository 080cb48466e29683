"""Lineage: the proposals a proposal says it builds on, and the ones that build on it.

A proposal names what it builds on in `parent`, which ingest fills from a native proposal's
`parent` or a sandbox finding's `parent_commit_id`. That reference is matched three ways:
- a proposal id, or a prefix of one of at least 12 hex digits (published findings carry the
  first 12 as their `id`);
- a sandbox finding's own `id`, or the commit a proposal was ingested from (`external_id`);
- a sandbox finding's `commit_id` (kept as its `base`), which is how the sandbox's agents
  record that one run branched from another's code.

The agent writes `parent`, so a match says only what it claims to build on; nothing here
lends it any trust. Migration 0009 indexes each of the three so a lookup never scans.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from typing import Any

from store.db import select_in

# The published id's length (reviewer.publish.finding.ID_LEN); shorter prefixes say too little.
MIN_ID_PREFIX = 12
SANDBOX_FORMAT = "sandbox_finding"
GIT_FORMAT = "git_commit"  # reviewer.ingest.commits.SOURCE_FORMAT
_HEX = re.compile(r"[0-9a-f]{12,64}")
_COLUMNS = "id, status, agent, title"
# How far the gate walks up: generations, and proposals in all (each costs a few lookups,
# about 20 µs). An agent's git branch builds each commit on the one before, so an honest
# branch of a few hundred commits must be walked whole.
MAX_ANCESTRY = 2_000
MAX_VISITED = 2_000
PARENTS_PER_NAME = 50  # the walk up follows at most this many proposals a parent name matches
# The risk points walk less far: they are refreshed at every ingest and check, and do not
# fail closed (the gate does).
RISK_ANCESTRY = 100


@dataclass(frozen=True)
class Relative:
    """A proposal on the other end of a lineage link, and which field made the link."""

    id: str
    status: str
    agent: str
    title: str
    via: str  # "id", "finding id" or "commit"

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id, "status": self.status, "agent": self.agent, "title": self.title,
            "via": self.via,
        }  # fmt: skip


@dataclass(frozen=True)
class Lineage:
    """What a proposal builds on (by its own `parent`) and what names it as a parent."""

    parent: str | None
    parents: list[Relative]
    children: list[Relative]
    children_total: int

    def to_json(self) -> dict[str, Any]:
        return {
            "parent": self.parent,
            "parents": [r.to_json() for r in self.parents],
            "children": [r.to_json() for r in self.children],
            "children_total": self.children_total,
        }


def _relatives(
    conn: sqlite3.Connection, sql: str, params: list[Any], via: str, skip: str
) -> list[Relative]:
    return [
        Relative(row[0], row[1], row[2], row[3], via)
        for row in conn.execute(sql, params)
        if row[0] != skip
    ]


def parents_of(conn: sqlite3.Connection, pid: str, ref: str | None, limit: int) -> list[Relative]:
    """The proposals `ref` (pid's `parent`) names, id matches first, the rest in ingest
    order; never pid itself.

    Ingest order (rowid) is the order the lineage indexes keep within one name, so a name
    thousands of findings share (copies of one commit) reads `limit` rows, not all of them
    and a sort: 17 ms a lookup for 5,000 copies, paid again for each child a decision
    rescored.
    """
    if not ref:
        return []
    found: list[Relative] = []
    # Matched exactly, as children_of matches, so both directions always agree.
    if _HEX.fullmatch(ref):
        found += _relatives(
            conn,
            f"SELECT {_COLUMNS} FROM proposals WHERE id >= ? AND id < ? ORDER BY id LIMIT ?",
            [ref, ref + "g", limit + 1],
            "id",
            pid,
        )
    found += [
        Relative(r[0], r[1], r[2], r[3], _external_via(r[4]))
        for r in conn.execute(
            f"SELECT {_COLUMNS}, source_format FROM proposals WHERE external_id = ? "
            "ORDER BY rowid LIMIT ?",
            [ref, limit + 1],
        )
        if r[0] != pid
    ]
    found += _relatives(
        conn,
        # The literal format matches the partial index's WHERE, so SQLite can use it.
        f"SELECT {_COLUMNS} FROM proposals WHERE base = ? "
        f"AND source_format = '{SANDBOX_FORMAT}' ORDER BY rowid LIMIT ?",
        [ref, limit + 1],
        "commit",
        pid,
    )
    return _unique(found)[:limit]


def _external_via(source_format: str) -> str:
    """What an `external_id` is: a git-ingested proposal's commit, else a finding's id."""
    return "commit" if source_format == GIT_FORMAT else "finding id"


def _names(row: sqlite3.Row | tuple[Any, ...]) -> list[tuple[str, str]]:
    """Every `parent` value that names this proposal, with the field it matches."""
    pid, external_id, base, source_format = row
    names = [(pid[:n], "id") for n in range(MIN_ID_PREFIX, len(pid) + 1)]
    if external_id:
        names.append((external_id, _external_via(source_format)))
    if base and source_format == SANDBOX_FORMAT:
        names.append((base, "commit"))
    return names


_SELF = "SELECT rowid, id, external_id, base, source_format, parent FROM proposals WHERE id = ?"


def child_refs(
    conn: sqlite3.Connection, pid: str, row: tuple[Any, ...] | None = None
) -> tuple[int, dict[str, str]] | None:
    """pid's rowid, and every `parent` value that names it with the field it matches.

    `row` is pid's `_SELF` row when the caller has read it already.
    """
    row = row or conn.execute(_SELF, (pid,)).fetchone()
    if row is None:
        return None
    # An id prefix wins over a coincident commit.
    return row[0], dict(reversed(_names(row[1:5])))


def children_of(
    conn: sqlite3.Connection,
    pid: str,
    limit: int,
    status: str | None = None,
    row: tuple[Any, ...] | None = None,
) -> tuple[list[Relative], int]:
    """Up to `limit` proposals whose `parent` names pid (oldest first), and how many in all.

    With `status`, only the proposals in that state.
    """
    refs = child_refs(conn, pid, row)
    if refs is None:
        return [], 0
    rowid, via = refs
    # By rowid, which the parent index holds: counting reads no row, and rowids follow ingest.
    where = f"parent IN ({', '.join('?' * len(via))}) AND rowid != ?"
    params: list[Any] = [*via, rowid]
    if status is not None:
        where += " AND status = ?"
        params.append(status)
    total = conn.execute(f"SELECT count(*) FROM proposals WHERE {where}", params).fetchone()[0]
    rows = conn.execute(
        f"SELECT {_COLUMNS}, parent FROM proposals WHERE {where} ORDER BY rowid LIMIT ?",
        [*params, limit],
    ).fetchall()
    return [Relative(r[0], r[1], r[2], r[3], via[r[4]]) for r in rows], total


def lineage(conn: sqlite3.Connection, pid: str, limit: int = 20) -> Lineage:
    """Both directions for one proposal, each capped at `limit` entries."""
    row = conn.execute(_SELF, (pid,)).fetchone()
    parent = None if row is None else row[5]
    children, total = children_of(conn, pid, limit, row=row)
    return Lineage(parent, parents_of(conn, pid, parent, limit), children, total)


@dataclass(frozen=True)
class Ancestor:
    """A rejected proposal up the line, and the unapproved ones between it and the start."""

    rejected: Relative
    through: tuple[Relative, ...]  # nearest first; empty for a direct parent


class Reads:
    """The lineage lookups of one transaction that changes no proposal or parent, kept for
    the walks after: scoring a batch of one long branch walks the same ancestors again for
    each of its commits."""

    def __init__(self) -> None:
        self._refs: dict[str, str | None] = {}
        self._parents: dict[tuple[str, str | None], list[Relative]] = {}

    def parent_ref(self, conn: sqlite3.Connection, pid: str) -> str | None:
        if pid not in self._refs:
            row = conn.execute("SELECT parent FROM proposals WHERE id = ?", (pid,)).fetchone()
            self._refs[pid] = None if row is None else row[0]
        return self._refs[pid]

    def parents(self, conn: sqlite3.Connection, pid: str, ref: str | None
                ) -> tuple[list[Relative], bool]:
        """The first PARENTS_PER_NAME proposals `ref` names, and whether more do: a walk
        that saw only some of them may have missed a rejected one (copies of one commit,
        ingested first, push it past the cut)."""
        if (pid, ref) not in self._parents:
            self._parents[(pid, ref)] = parents_of(conn, pid, ref, limit=PARENTS_PER_NAME + 1)
        found = self._parents[(pid, ref)]
        return found[:PARENTS_PER_NAME], len(found) > PARENTS_PER_NAME


def rejected_ancestors(
    conn: sqlite3.Connection,
    pid: str,
    ref: str | None = None,
    *,
    first: bool = False,
    generations: int | None = None,
    reads: Reads | None = None,
) -> tuple[list[Ancestor], bool]:
    """Rejected proposals pid descends from, through parents nobody approved; and whether the
    walk saw every such ancestor (False past MAX_ANCESTRY generations, MAX_VISITED
    proposals, or PARENTS_PER_NAME proposals answering to one parent name, so a caller can
    fail closed).

    An agent could otherwise launder a rejected hack through a pending intermediate: the
    walk goes up through pending proposals and stops at approved ones, where a reviewer
    vouched for the line (with an override, if its own parent was rejected). Each proposal
    is visited once, since `parent` references can form cycles. `ref` stands in for pid's
    own `parent` when its row is not stored yet; with `first`, the walk ends at the first
    rejected ancestor it finds; `generations` replaces MAX_ANCESTRY; `reads` answers the
    lookups an earlier walk of the same transaction made.
    """
    found: list[Ancestor] = []
    seen = {pid}
    complete = True
    reads = Reads() if reads is None else reads  # each proposal is looked up once anyway
    frontier: list[tuple[str, tuple[Relative, ...]]] = [(pid, ())]
    for generation in range(MAX_ANCESTRY if generations is None else generations):
        nxt: list[tuple[str, tuple[Relative, ...]]] = []
        for child, path in frontier:
            given = generation == 0 and ref is not None
            parent_ref = ref if given else reads.parent_ref(conn, child)
            parents, cut = reads.parents(conn, child, parent_ref)
            complete = complete and not cut
            for parent in parents:
                if parent.id in seen:
                    continue
                seen.add(parent.id)
                if parent.status == "rejected":
                    found.append(Ancestor(parent, path))
                    if first:
                        return found, True
                elif parent.status == "pending":
                    nxt.append((parent.id, (*path, parent)))
            if len(seen) > MAX_VISITED:
                return found, False
        if not nxt:
            return found, complete
        frontier = nxt
    return found, False


def descends_from_rejected(conn: sqlite3.Connection, pid: str, ref: str | None = None,
                           reads: Reads | None = None) -> bool:
    """Whether pid has a rejected ancestor through pending ones, up to RISK_ANCESTRY
    generations up.

    Unlike the gate, this does not fail closed: it orders the queue, and an honest branch
    longer than the walk should not rise in it for its length alone.
    """
    found, _ = rejected_ancestors(conn, pid, ref, first=True, generations=RISK_ANCESTRY,
                                  reads=reads)
    return bool(found)


def through_pending(
    conn: sqlite3.Connection, pid: str, generations: int | None = None
) -> tuple[list[Relative], bool]:
    """The proposals whose walk up reaches pid through pending ones only, nearest first: its
    children, and the children of each pending one among them, and so on (at most
    `generations` down); and whether every one was found (False past MAX_VISITED). A change
    of pid's status moves the rejected-ancestor gate and risk points of exactly these."""
    found: list[Relative] = []
    seen = {pid}
    frontier = [pid]
    depth = 0
    while frontier and (generations is None or depth < generations):
        depth += 1
        nxt = []
        for node in frontier:
            # Capped, since an agent can make one proposal the parent of thousands.
            for child in children_of(conn, node, limit=MAX_VISITED + 1)[0]:
                if child.id in seen:
                    continue
                if len(seen) > MAX_VISITED:
                    return found, False
                seen.add(child.id)
                found.append(child)
                if child.status == "pending":
                    nxt.append(child.id)
        frontier = nxt
    return found, True


def ingested_commits(conn: sqlite3.Connection, shas: list[str]) -> dict[str, str]:
    """For each of `shas` a proposal was ingested from (`ingest-git`), that proposal's id."""
    found: dict[str, str] = {}
    sql = ("SELECT external_id, id FROM proposals WHERE external_id IN ({marks}) "
           "AND source_format = ?")
    for cursor in select_in(conn, sql, shas, GIT_FORMAT):
        found.update(cursor)
    return found


def _unique(found: list[Relative]) -> list[Relative]:
    seen: set[str] = set()
    out = []
    for r in found:
        if r.id not in seen:
            seen.add(r.id)
            out.append(r)
    return out
