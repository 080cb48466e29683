"""Building the paged, filtered, sorted queries behind `list` and `search`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from store.proposals import LIST_COLUMNS, STATUSES

SORTS: dict[str, str] = {
    "risk": "risk DESC, ingested_at DESC, id",
    "newest": "ingested_at DESC, id",
    "oldest": "ingested_at ASC, id",
    "pgr": "claimed_pgr IS NULL, claimed_pgr DESC, id",
    "agent": "agent COLLATE NOCASE, ingested_at DESC, id",
    "title": "title COLLATE NOCASE, id",
    "status": "status, ingested_at DESC, id",
}

# The latest finished rerun's numbers, for queue columns; jobs_proposal keeps it an index seek.
_LATEST_RERUN = (
    "(SELECT json_extract(j.result, '$.{field}') FROM jobs j WHERE j.proposal_id = {pid} "
    "AND j.kind = 'rerun' AND j.state = 'done' ORDER BY j.id DESC LIMIT 1) AS {alias}"
)


def _measured(pid: str) -> str:
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

    def where(self, walk_index: bool = False) -> tuple[str, list[Any]]:
        clauses: list[str] = []
        params: list[Any] = []
        if self.status is not None:
            if self.status not in STATUSES:
                raise ValueError(
                    f"status must be one of {', '.join(STATUSES)}, not {self.status!r}"
                )
            clauses.append("status = ?")
            params.append(self.status)
        if self.agent is not None:
            clauses.append("agent = ?")
            params.append(self.agent)
        if self.verdict is not None:
            if self.verdict not in VERDICT_FILTERS:
                raise ValueError(
                    f"verdict must be one of {', '.join(VERDICT_FILTERS)}, not {self.verdict!r}"
                )
            latest = _LATEST_RERUN.split(" AS ")[0].format(field="verdict", pid="proposals.id")
            if self.verdict == "none":
                clauses.append(f"{latest} IS NULL")
            else:
                clauses.append(f"{latest} = ?")
                params.append(self.verdict)
        if self.text:
            match = fts_query(self.text)
            if match is not None:
                # `+rowid` stops SQLite from driving the query from the match set, so it walks
                # the sort index instead and stops after one page: right when most rows match.
                column = "+rowid" if walk_index else "rowid"
                clauses.append(
                    f"{column} IN (SELECT rowid FROM proposals_fts WHERE proposals_fts MATCH ?)"
                )
                params.append(match)
        return (" AND ".join(clauses) or "1"), params

    @property
    def text_only(self) -> bool:
        return self.status is None and self.agent is None and self.verdict is None


# Above this many full-text matches a page is found faster by walking the sort index.
WALK_INDEX_MATCHES = 2000


def many_matches_sql(match: str) -> tuple[str, list[Any]]:
    """Counts matches of an FTS query only up to WALK_INDEX_MATCHES + 1, so it stays cheap."""
    return (
        "SELECT count(*) FROM (SELECT rowid FROM proposals_fts WHERE proposals_fts MATCH ? "
        "LIMIT ?)",
        [match, WALK_INDEX_MATCHES + 1],
    )


def list_sql(
    filters: Filters, sort: str, limit: int, offset: int, *, walk_index: bool = False
) -> tuple[str, list[Any]]:
    if sort not in SORTS:
        raise ValueError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
    if limit < 0 or offset < 0:
        raise ValueError("limit and offset must not be negative")
    where, params = filters.where(walk_index)
    sql = (
        f"SELECT {', '.join(LIST_COLUMNS)}, {_measured('proposals.id')} FROM proposals "
        f"WHERE {where} "
        f"ORDER BY {SORTS[sort]} LIMIT ? OFFSET ?"
    )
    return sql, [*params, limit, offset]


def count_sql(filters: Filters) -> tuple[str, list[Any]]:
    match = fts_query(filters.text) if filters.text else None
    if match is not None and filters.text_only:
        # The index alone answers it; joining the proposals table would read every match.
        return "SELECT count(*) FROM proposals_fts WHERE proposals_fts MATCH ?", [match]
    where, params = filters.where()
    return f"SELECT count(*) FROM proposals WHERE {where}", params


def search_sql(text: str, limit: int) -> tuple[str, list[Any]] | None:
    """Best matches first (bm25), or None when the text has no searchable words."""
    match = fts_query(text)
    if match is None:
        return None
    cols = ", ".join(f"p.{c}" for c in LIST_COLUMNS)
    # Rank inside the index and join only the page: joining every match first read each
    # matching row of the wide proposals table. Ties go to the earlier ingest.
    sql = (
        f"SELECT {cols}, {_measured('p.id')} FROM ("
        "SELECT rowid AS r, bm25(proposals_fts) AS score FROM proposals_fts "
        "WHERE proposals_fts MATCH ? ORDER BY score, rowid LIMIT ?"
        ") m JOIN proposals p ON p.rowid = m.r ORDER BY m.score, m.r"
    )
    return sql, [match, limit]
