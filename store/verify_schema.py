"""`audit verify` for the database's structure: every schema object as the store creates it,
and SQLite's own integrity check of the file."""

from __future__ import annotations

import re
import sqlite3
from functools import cache
from typing import TYPE_CHECKING, Any

import sqlite_utils

if TYPE_CHECKING:
    from store.verify_report import VerifyReport

# The triggers as migration 0001 creates them, whitespace-normalised: a no-op look-alike fails.
APPEND_ONLY_TRIGGERS = {
    name: f"CREATE TRIGGER {name} BEFORE {verb} ON events "
    "BEGIN SELECT RAISE(ABORT, 'events are append-only'); END"
    for name, verb in (("events_no_update", "UPDATE"), ("events_no_delete", "DELETE"))
}


def _normalised(sql: str | None) -> str:
    """SQL text as compared: case, quoting and spacing aside."""
    text = re.sub(r'["`\[\]]', "", (sql or "").lower())
    text = re.sub(r"\s*([(),;=])\s*", r"\1", re.sub(r"\s+", " ", text))
    return text.strip().rstrip(";").strip()


# Every schema object but SQLite's own tables, sqlite-utils' migrations table and its index,
# and a virtual table's shadow tables: their text is those libraries' versions', not the
# store's. Every trigger and view is compared, whatever its name or table.
_SCHEMA_ROWS = (
    "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE sql IS NOT NULL "
    "AND NOT (type IN ('table', 'index') AND tbl_name = '_sqlite_migrations') "
    "AND NOT (type = 'table' AND name LIKE 'sqlite\\_%' ESCAPE '\\') "
    "AND NOT (type = 'table' AND EXISTS ("
    "SELECT 1 FROM sqlite_master v WHERE v.type = 'table' AND v.sql LIKE 'CREATE VIRTUAL%' "
    "AND sqlite_master.name LIKE v.name || '\\_%' ESCAPE '\\')) ORDER BY type, name"
)


@cache
def _own_schema() -> dict[tuple[str, str], tuple[str, str]]:
    """(type, name) -> (table, normalised SQL) of every table, index, trigger and view the
    migrations create, read from a fresh in-memory store so the list cannot drift."""
    from store.schema import migrate

    conn = sqlite3.connect(":memory:", isolation_level=None)
    try:
        migrate(sqlite_utils.Database(conn))
        return {
            (kind, name): (table, _normalised(sql))
            for kind, name, table, sql in conn.execute(_SCHEMA_ROWS)
        }
    finally:
        conn.close()


def check_schema(conn: Any, report: VerifyReport) -> None:
    """Every table, index, trigger and view must be the store's, as it creates it: a trigger
    can drop or rewrite writes (a decision's event, a status) without touching the chain, and
    an edited CHECK constraint can refuse every rejection."""
    found = {
        (kind, name): (table, sql)
        for kind, name, table, sql in conn.execute(_SCHEMA_ROWS)
    }
    own = _own_schema()
    for (kind, name), (table, sql) in found.items():
        expected = own.get((kind, name))
        if expected is None:
            if kind == "trigger":
                report.add(f"trigger {name} on {table} is not part of the store's schema: "
                           "it can change or drop writes")
            elif kind == "index":
                # A UNIQUE or partial one, or one on an expression that raises, refuses writes.
                report.add(f"index {name} on {table} is not part of the store's schema: it "
                           "can refuse writes")
            elif kind == "table":
                report.warnings.append(f"table {name} is not part of the store's schema")
            else:
                report.add(f"{kind} {name} is not part of the store's schema")
        elif name in APPEND_ONLY_TRIGGERS:
            if re.sub(r"\s+", " ", sql or "").strip() != APPEND_ONLY_TRIGGERS[name]:
                report.add(f"trigger {name} was altered: events may no longer be append-only")
        elif (table, _normalised(sql)) != expected:
            report.add(f"{kind} {name} was altered: it differs from the store's schema")
    missing = set(own) - set(found)
    append_only = [("trigger", name) for name in APPEND_ONLY_TRIGGERS]
    for kind, name in [k for k in append_only if k in missing] + sorted(missing - set(append_only)):
        if name in APPEND_ONLY_TRIGGERS:
            report.add(f"trigger {name} is missing: events are no longer append-only")
        else:
            report.add(f"{kind} {name} is missing from the store's schema")


def check_integrity(conn: Any, report: VerifyReport) -> None:
    """SQLite's own check of the database file."""
    integrity = conn.execute("PRAGMA integrity_check").fetchall()
    if [r[0] for r in integrity] != ["ok"]:
        report.add("PRAGMA integrity_check: " + "; ".join(str(r[0]) for r in integrity[:5]))
