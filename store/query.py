"""Building the paged, filtered, sorted queries behind `list` and `search`."""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from store.proposals import LIST_COLUMNS, STATUSES

# name -> (sort keys, direction of the rowid that breaks ties). Each sort has an index whose
# keys end in the rowid (migrations 0003 and 0005), so a page anywhere in the queue is a walk
# of that index instead of a sort of every row; ties go by ingest order.
_ORDERS: dict[str, tuple[str, str]] = {
    "risk": ("risk DESC, ingested_at DESC", "ASC"),
    "newest": ("ingested_at DESC", "DESC"),
    "oldest": ("ingested_at ASC", "ASC"),
    "pgr": ("claimed_pgr IS NULL, claimed_pgr DESC", "ASC"),
    "agent": ("agent COLLATE NOCASE, ingested_at DESC", "ASC"),
    "title": ("title COLLATE NOCASE", "ASC"),
    "status": ("status, ingested_at DESC", "ASC"),
}
# Every sort has an index led by status (migration 0005); only these have one led by agent.
_AGENT_SORTS = frozenset({"newest", "oldest"})


def order_by(sort: str, rowid: str = "rowid") -> str:
    """The ORDER BY terms of `sort`, its tie-break written as `rowid`."""
    keys, direction = _ORDERS[sort]
    return f"{keys}, {rowid} {direction}"


SORTS: dict[str, str] = {name: order_by(name) for name in _ORDERS}
# The queue's own order, wherever it is shown: the riskiest claims first (issue #6).
QUEUE_SORT = "risk"

# The latest finished rerun's numbers, for queue columns; jobs_proposal keeps it an index seek.
_LATEST_RERUN = (
    "(SELECT json_extract(j.result, '$.{field}') FROM jobs j WHERE j.proposal_id = {pid} "
    "AND j.kind = 'rerun' AND j.state = 'done' ORDER BY j.id DESC LIMIT 1) AS {alias}"
)


def measured_columns(pid: str) -> str:
    return ", ".join(
        _LATEST_RERUN.format(field=f, pid=pid, alias=a)
        for f, a in (
            ("pgr_mean", "measured_pgr"),
            ("pgr_se", "measured_pgr_se"),
            ("verdict", "verdict"),
        )
    )


# The latest finished rerun's verdict; "none" means no rerun has finished yet.
VERDICT_FILTERS = ("reproduced", "not_reproduced", "failed", "refused", "none")

_TOKEN = re.compile(r"\w+", re.UNICODE)


def fts_query(text: str) -> str | None:
    """Turn free text into a safe FTS5 query: every word must match, the last as a prefix.

    Quoting each token keeps FTS5 operators typed by a user from becoming syntax errors.
    """
    tokens = _TOKEN.findall(text)
    if not tokens:
        return None
    quoted = [f'"{t}"' for t in tokens]
    quoted[-1] += "*"
    return " ".join(quoted)


@dataclass(frozen=True)
class Filters:
    """What `list` and `count` filter on."""

    status: str | None = None
    agent: str | None = None
    text: str | None = None
    verdict: str | None = None
    # Proposals that build on one: its rowid, and the `parent` values that name it
    # (store.lineage.child_refs).
    children_of: tuple[int, tuple[str, ...]] | None = None
    # Only these rows (a proposal's line, store.lineage.through_pending: at most a few
    # thousand, found by rowid).
    rows: tuple[int, ...] | None = None

    def where(self, walk: frozenset[str] = frozenset()) -> tuple[str, list[Any]]:
        """The WHERE clause; a filter named in `walk` is written so no index serves it.

        SQLite then walks the sort's index and checks that filter on each row, stopping after
        one page: better than sorting every match when many rows pass ("rowid" names the
        full-text filter).
        """
        clauses: list[str] = []
        params: list[Any] = []
        # A few children found by the parent index beat 80,000 pending rows found by status.
        by_parent = (self.children_of is not None and "parent" not in walk) or self.rows is not None
        if self.status is not None:
            if self.status not in STATUSES:
                raise ValueError(
                    f"status must be one of {', '.join(STATUSES)}, not {self.status!r}"
                )
            clauses.append(("+status" if by_parent else "status") + " = ?")
            params.append(self.status)
        if self.agent is not None:
            clauses.append(("+agent" if "agent" in walk or by_parent else "agent") + " = ?")
            params.append(self.agent)
        if self.verdict is not None:
            if self.verdict not in VERDICT_FILTERS:
                raise ValueError(
                    f"verdict must be one of {', '.join(VERDICT_FILTERS)}, not {self.verdict!r}"
                )
            reran = (
                "SELECT p.rowid FROM latest_reruns l JOIN proposals p ON p.id = l.proposal_id "
                "WHERE l.verdict "
            )
            if self.verdict == "none":
                clauses.append(f"rowid NOT IN ({reran}IS NOT NULL)")
            else:
                column = "+rowid" if "verdict" in walk else "rowid"
                clauses.append(f"{column} IN ({reran}= ?)")
                params.append(self.verdict)
        if self.children_of is not None:
            rowid, names = self.children_of
            column = "+parent" if "parent" in walk else "parent"
            clauses.append(f"{column} IN ({', '.join('?' * len(names))}) AND rowid != ?")
            params += [*names, rowid]
        if self.rows is not None:
            clauses.append(f"rowid IN ({', '.join('?' * len(self.rows))})")
            params += self.rows
        if self.text:
            match = fts_query(self.text)
            if match is not None:
                column = "+rowid" if "rowid" in walk else "rowid"
                clauses.append(
                    f"{column} IN (SELECT rowid FROM proposals_fts WHERE proposals_fts MATCH ?)"
                )
                params.append(match)
        return (" AND ".join(clauses) or "1"), params

    @property
    def text_only(self) -> bool:
        return (
            self.status is None
            and self.agent is None
            and self.verdict is None
            and self.children_of is None
            and self.rows is None
        )


# Above this many rows passing a filter, a page is found faster by walking the sort index.
WALK_INDEX_MATCHES = 2000


def many_matches_sql(match: str, limit: int = WALK_INDEX_MATCHES + 1) -> tuple[str, list[Any]]:
    """Counts matches of an FTS query only up to `limit`, so it stays cheap."""
    return (
        "SELECT count(*) FROM (SELECT rowid FROM proposals_fts WHERE proposals_fts MATCH ? "
        "LIMIT ?)",
        [match, limit],
    )


def count_at_most_sql(filters: Filters, limit: int) -> tuple[str, list[Any]]:
    """Counts the rows `filters` pass only up to `limit`."""
    where, params = filters.where()
    return f"SELECT count(*) FROM (SELECT 1 FROM proposals WHERE {where} LIMIT ?)", [*params, limit]


def unserved(filters: Filters, sort: str) -> frozenset[str]:
    """The filters that no index of `sort` starts with: the agent, but for two sorts."""
    if filters.agent is None or sort in _AGENT_SORTS:
        return frozenset()
    return frozenset({"agent"})


def many_rows_sql(filters: Filters) -> tuple[str, list[Any]]:
    """Counts rows passing the status and agent filters, up to WALK_INDEX_MATCHES + 1.

    Both have indexes, so the count stops after that many index entries.
    """
    return count_at_most_sql(Filters(filters.status, filters.agent), WALK_INDEX_MATCHES + 1)


def list_sql(
    filters: Filters, sort: str, limit: int, offset: int, *, walk: frozenset[str] = frozenset()
) -> tuple[str, list[Any]]:
    """One page in two steps: the page's rowids from an index walk, then only their rows.

    The sort indexes make a deep page cheap (offset 50,000 of 100k took 1-4 s when a sort
    of every row was needed); looking up only the page's rows takes a quarter off that.
    """
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
    if limit < 0 or offset < 0:
        raise ValueError("limit and offset must not be negative")
    where, params = filters.where(walk)
    sql = (
        f"SELECT {', '.join(LIST_COLUMNS)}, {measured_columns('proposals.id')} FROM ("
        f"SELECT rowid AS r FROM proposals WHERE {where} "
        f"ORDER BY {SORTS[sort]} LIMIT ? OFFSET ?"
        # CROSS JOIN keeps the page as the outer loop: one rowid seek per row of the page.
        ") AS page CROSS JOIN proposals ON proposals.rowid = page.r "
        f"ORDER BY {order_by(sort, 'proposals.rowid')}"
    )
    return sql, [*params, limit, offset]


def count_sql(filters: Filters) -> tuple[str, list[Any]]:
    match = fts_query(filters.text) if filters.text else None
    if match is not None and filters.text_only:
        # The index alone answers it; joining the proposals table would read every match.
        return "SELECT count(*) FROM proposals_fts WHERE proposals_fts MATCH ?", [match]
    where, params = filters.where()
    return f"SELECT count(*) FROM proposals WHERE {where}", params


def rows_in_order_sql(rowids: Sequence[int]) -> tuple[str, list[Any]]:
    """The queue's columns of these proposal rows, in the order given (a ranking's)."""
    cols = ", ".join(f"p.{c}" for c in LIST_COLUMNS)
    # CROSS JOIN keeps the ranking as the outer loop: one rowid seek per row.
    sql = (
        f"SELECT {cols}, {measured_columns('p.id')} FROM json_each(?) AS m "
        "CROSS JOIN proposals p ON p.rowid = m.value ORDER BY m.key"
    )
    return sql, [json.dumps(list(rowids))]


def search_sql(text: str, limit: int) -> tuple[str, list[Any]] | None:
    """Best matches first (bm25), or None when the text has no searchable words."""
    match = fts_query(text)
    return None if match is None else ranked_sql(match, limit)


def ranked_sql(match: str, limit: int) -> tuple[str, list[Any]]:
    """Best matches of the FTS query `match` first (bm25), in one pass."""
    cols = ", ".join(f"p.{c}" for c in LIST_COLUMNS)
    # Rank inside the index and join only the page: joining every match first read each
    # matching row of the wide proposals table. Ties go to the earlier ingest.
    sql = (
        f"SELECT {cols}, {measured_columns('p.id')} FROM ("
        "SELECT rowid AS r, bm25(proposals_fts) AS score FROM proposals_fts "
        "WHERE proposals_fts MATCH ? ORDER BY score, rowid LIMIT ?"
        ") m JOIN proposals p ON p.rowid = m.r ORDER BY m.score, m.r"
    )
    return sql, [match, limit]
