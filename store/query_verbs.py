"""QueryVerbs: filtered, sorted pages and counts of proposals, and stepping through them."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from store.lineage import child_refs, through_pending
from store.query import (
    QUEUE_SORT,
    SORTS,
    WALK_INDEX_MATCHES,
    Filters,
    count_at_most_sql,
    count_sql,
    fts_query,
    list_sql,
    many_matches_sql,
    many_rows_sql,
    ranked_sql,
    rows_in_order_sql,
    unserved,
)
from store.ranked import RankedParts
from store.store_base import StoreBase


class QueryVerbs(StoreBase):
    """The queue's reads: `list`, `count`, `search` and the next proposal in an order."""

    # ((FTS query, change stamp), match count, exact) of the last text-only `count`;
    # not exact when a capped count stopped at its cap.
    _match_count: tuple[tuple[str, tuple[int, int]], int, bool] | None = None
    # ((proposal id, change stamp), rowids) of the last line `list` or `count` walked: the
    # queue asks for its count and each page, and a big line takes tens of ms to walk.
    _line_rows: tuple[tuple[str, tuple[int, int]], tuple[int, ...]] | None = None
    # The helper connections of a ranked search split across cores, opened on first use.
    _ranked: RankedParts | None = None

    # These two come before `list`, whose name shadows the builtin in later annotations.
    def search(self, text: str, *, limit: int = 50) -> list[dict[str, Any]]:
        """Full-text search over title, summary, idea and agent, best match first.

        A big store file is scored in parts on several cores (`store.ranked`).
        """
        match = fts_query(text)
        if match is None:
            return []
        if self.path is not None:
            if self._ranked is None:
                self._ranked = RankedParts(self.path)
            hits = self._ranked.top(self.conn, match, limit)
            if hits is not None:
                return self._dicts(*rows_in_order_sql([rowid for rowid, _ in hits]))
        return self._dicts(*ranked_sql(match, limit))

    def _dicts(self, sql: str, params: Iterable[Any]) -> list[dict[str, Any]]:
        cursor = self.conn.execute(sql, list(params))
        names = [d[0] for d in cursor.description]
        return [dict(zip(names, row, strict=True)) for row in cursor]

    def list(
        self,
        *,
        status: str | None = None,
        agent: str | None = None,
        text: str | None = None,
        sort: str = "newest",
        limit: int = 50,
        offset: int = 0,
        verdict: str | None = None,
        builds_on: str | None = None,
        line: bool = False,
    ) -> list[dict[str, Any]]:
        """One page of proposals (no summary, diff or original), filtered and sorted.

        `builds_on` (an id or prefix) keeps the proposals whose `parent` names that one;
        with `line`, also those that descend from it through pending proposals (its
        `through_pending` line: what a rejection of it gates, at most MAX_VISITED).
        """
        filters = self._filters(status, agent, text, verdict, builds_on, line)
        walk: set[str] = set()
        if filters.children_of is not None:
            # A parent with thousands of children: walk the sort's index, as for a common word.
            only = Filters(children_of=filters.children_of)
            many = self.conn.execute(*count_at_most_sql(only, WALK_INDEX_MATCHES + 1)).fetchone()
            if many[0] > WALK_INDEX_MATCHES:
                walk.add("parent")
        match = fts_query(text) if text else None
        if match is not None:
            known = self._known_match_count(match)
            if known is None or not (known[1] or known[0] > WALK_INDEX_MATCHES):
                known = (self._matches_up_to(match, WALK_INDEX_MATCHES + 1), False)
            if known[0] > WALK_INDEX_MATCHES:
                walk.add("rowid")
        if verdict is not None:
            walk.add("verdict")  # a few thousand reran proposals: probe them, walk the sort
        others = unserved(filters, sort)
        if others and self.conn.execute(*many_rows_sql(filters)).fetchone()[0] > WALK_INDEX_MATCHES:
            walk |= others
        sql, params = list_sql(filters, sort, limit, offset, walk=frozenset(walk))
        return self._dicts(sql, params)

    def _filters(
        self,
        status: str | None,
        agent: str | None,
        text: str | None,
        verdict: str | None,
        builds_on: str | None,
        line: bool = False,
    ) -> Filters:
        if builds_on is None:
            if line:
                raise ValueError("a line needs the proposal it starts from (builds_on)")
            return Filters(status, agent, text, verdict)
        pid = self.resolve(builds_on)
        if line:
            return Filters(status, agent, text, verdict, rows=self._line(pid))
        refs = child_refs(self.conn, pid)
        assert refs is not None  # resolve found the row
        return Filters(status, agent, text, verdict, (refs[0], tuple(refs[1])))

    def _line(self, pid: str) -> tuple[int, ...]:
        """The rowids of pid's line (`through_pending`), walked again only after a change."""
        key = (pid, self._change_stamp())
        if self._line_rows is not None and self._line_rows[0] == key:
            return self._line_rows[1]
        found = [r.id for r in through_pending(self.conn, pid)[0]]
        rows = tuple(r[0] for r in self.conn.execute(
            f"SELECT rowid FROM proposals WHERE id IN ({', '.join('?' * len(found))})", found))
        self._line_rows = (key, rows)
        return rows

    def _change_stamp(self) -> tuple[int, int]:
        """Moves whenever this connection writes or another one commits."""
        return self.conn.total_changes, int(self.conn.execute("PRAGMA data_version").fetchone()[0])

    def _known_match_count(self, match: str) -> tuple[int, bool] | None:
        """The full-text match count `count` last computed and whether it is exact (not a
        cap), if nothing changed since."""
        if self._match_count is None:
            return None
        (known, stamp), n, exact = self._match_count
        return (n, exact) if known == match and stamp == self._change_stamp() else None

    def _matches_up_to(self, match: str, limit: int) -> int:
        """min(matches of `match`, limit), asking first without the prefix on its last word.

        Those matches are some of the prefix query's, and a whole word needs no merge of
        every word it begins: 0.4 ms instead of 6 ms when a common word is typed out.
        """
        whole = match.removesuffix("*")
        if whole != match:
            n = int(self.conn.execute(*many_matches_sql(whole, limit)).fetchone()[0])
            if n >= limit:
                return n
        return int(self.conn.execute(*many_matches_sql(match, limit)).fetchone()[0])

    def count(
        self,
        *,
        status: str | None = None,
        agent: str | None = None,
        text: str | None = None,
        verdict: str | None = None,
        at_most: int | None = None,
        builds_on: str | None = None,
        line: bool = False,
    ) -> int:
        """How many proposals pass the filters; with `at_most`, counting stops there.

        A capped count reads only that many index entries, so the queue can show a search's
        first page before it knows that 99,893 proposals match.
        """
        filters = self._filters(status, agent, text, verdict, builds_on, line)
        match = fts_query(text) if text else None
        if match is None or not filters.text_only:
            built = count_sql(filters) if at_most is None else count_at_most_sql(filters, at_most)
            return int(self.conn.execute(*built).fetchone()[0])
        # The queue counts, then lists a page: remembering the count spares `list` a probe.
        known = self._known_match_count(match)
        if known is not None and (known[1] or (at_most is not None and known[0] >= at_most)):
            n = known[0]
            return n if at_most is None else min(n, at_most)
        stamp = self._change_stamp()
        if at_most is None:
            n = int(self.conn.execute(*count_sql(filters)).fetchone()[0])
        else:
            n = self._matches_up_to(match, at_most)
        self._match_count = ((match, stamp), n, at_most is None or n < at_most)
        return n

    def next_pending(self, ref: str) -> str | None:
        """The pending proposal after `ref` in the risk order of the queue (wrapping round).

        A keyset seek on the risk index, so stepping through a large queue stays cheap.
        """
        pid = self.resolve(ref)
        rowid, risk, at = self.conn.execute(
            "SELECT rowid, risk, ingested_at FROM proposals WHERE id = ?", (pid,)
        ).fetchone()
        after = self.conn.execute(
            "SELECT id FROM proposals WHERE status = 'pending' AND "
            "(risk < ? OR (risk = ? AND (ingested_at < ? OR (ingested_at = ? AND rowid > ?)))) "
            f"ORDER BY {SORTS['risk']} LIMIT 1",
            (risk, risk, at, at, rowid),
        ).fetchone()
        if after is None:
            after = self.conn.execute(
                f"SELECT id FROM proposals WHERE status = 'pending' AND rowid != ? "
                f"ORDER BY {SORTS['risk']} LIMIT 1",
                (rowid,),
            ).fetchone()
        return None if after is None else str(after[0])

    def next_in_order(
        self,
        ref: str,
        *,
        sort: str = QUEUE_SORT,
        status: str | None = None,
        agent: str | None = None,
        text: str | None = None,
        verdict: str | None = None,
        builds_on: str | None = None,
        line: bool = False,
        with_code: bool = False,
    ) -> str | None:
        """The first proposal after `ref` in `sort`'s order among those the filters (as
        `list` takes them) keep, with code if `with_code`; None past the last (no wrap).

        A keyset seek from `ref`'s sort keys, so `ref` itself need not pass the filters.
        """
        if sort not in SORTS:
            raise ValueError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
        pid = self.resolve(ref)
        terms = _sort_terms(sort)
        keys = self.conn.execute(
            f"SELECT {', '.join(e for e, _ in terms)} FROM proposals WHERE id = ?", (pid,)
        ).fetchone()
        after, after_params = _after_keys(terms, tuple(keys))
        where, params = self._filters(status, agent, text, verdict, builds_on, line).where()
        code = " AND diff_sha256 IS NOT NULL" if with_code else ""
        found = self.conn.execute(
            f"SELECT id FROM proposals WHERE {where}{code} AND {after} "
            f"ORDER BY {SORTS[sort]} LIMIT 1",
            [*params, *after_params],
        ).fetchone()
        return None if found is None else str(found[0])


def _sort_terms(sort: str) -> list[tuple[str, str]]:
    """`sort`'s ORDER BY terms as (expression, the operator meaning "comes after")."""
    terms = []
    for term in SORTS[sort].split(", "):
        expr, _, direction = term.rpartition(" ")
        if direction not in ("ASC", "DESC"):  # `agent COLLATE NOCASE`, `claimed_pgr IS NULL`
            expr, direction = term, "ASC"
        terms.append((expr, ">" if direction == "ASC" else "<"))
    return terms

def _after_keys(terms: list[tuple[str, str]], keys: tuple[Any, ...]) -> tuple[str, list[Any]]:
    """The condition "sorts after the row with these `keys`", and its parameters.

    The only nullable key, claimed_pgr, follows its own `IS NULL` key, so two rows compared
    on it are both NULL (equal, which IS says) or neither is. Each key is parenthesised, as
    `IS NULL` binds looser than `>`; the first key's bound is repeated on its own so that
    SQLite can seek the sort's index to it.
    """
    first, op = terms[0]
    clauses, params = [], [keys[0]]
    for i, (expr, after) in enumerate(terms):
        same = [f"({e}) IS ?" for e, _ in terms[:i]]
        clauses.append("(" + " AND ".join([*same, f"({expr}) {after} ?"]) + ")")
        params += [*keys[:i], keys[i]]
    return f"({first}) {op}= ? AND (" + " OR ".join(clauses) + ")", params
