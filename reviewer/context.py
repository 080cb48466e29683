"""State shared by CLI commands: which store, who acts, and how to print safely."""

from __future__ import annotations

import json
import os
import sqlite3
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click
from rich import box
from rich.console import Console
from rich.table import Table

from reviewer import paths
from reviewer.actor import resolve_actor
from reviewer.audit_config import load_audit_config
from reviewer.config import ConfigError
from reviewer.gates_config import load_policy
from reviewer.textsafe import clean
from store import ReviewStore, StoreError
from store.db import existing_read_only

# Commands that only read the store: where they cannot write it (a read-only mount, a file of
# mode 444) they open it read-only, as `audit verify` does, instead of failing.
READING_COMMANDS = frozenset({"list", "search", "show", "diff", "agents", "report", "jobs",
                              "findings list", "findings export"})


@dataclass
class Context:
    """Lazily opens the store so `reviewer path` and `--help` never touch the database."""

    db: str | None = None
    actor_flag: str | None = None
    _store: ReviewStore | None = field(default=None, repr=False)
    # `audit verify` turns this off: checking a chain must never sign (bless) it.
    sign_on_close: bool = True
    # `audit verify` and `export` turn this on: they open an existing store and never write
    # to it, so a mistyped --db is an error and a read-only copy can be checked.
    read_only: bool = False
    # Set for commands that only make sense on a store that exists: a mistyped --db made a
    # new, empty one, and `list` said "0 of 0" as if the reviewer's work were gone.
    existing_only: bool = False

    @property
    def db_path(self) -> Path:
        return paths.db_path(self.db)

    @property
    def store(self) -> ReviewStore:
        if self._store is None:
            self._store = self._open()
        return self._store

    def _open(self) -> ReviewStore:
        if self.read_only:
            return self._open_read_only()
        try:
            # The policy loads first, so a bad [gates] table never yields an ungated store.
            policy = load_policy()
            signer = load_audit_config().signer()
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from exc
        cause = self._read_only_cause()
        if cause is not None and _invoked() not in READING_COMMANDS:
            # Refused before SQLite reads it: even a reader leaves -wal/-shm in the folder.
            raise click.ClickException(self._read_only_place_message(cause))
        self.require_existing()
        if cause is not None:
            return self._open_read_only()
        store = self._opening(lambda: ReviewStore.open(
            self.db_path, signer=signer, upgrading=self._announce_upgrade))
        store.gate_policy = policy
        return store

    def _open_read_only(self) -> ReviewStore:
        self.sign_on_close = False  # signing writes a checkpoint file beside the store
        return self._opening(lambda: ReviewStore.open_read_only(self.db_path))

    def _read_only_cause(self) -> str | None:
        """Why this user cannot change the existing store, or None: SQLite must write the
        file and its `-wal`/`-shm` beside it, and a write that fails there half-way leaves
        those files behind and says only "attempt to write a readonly database"."""
        db = self.db_path
        if not db.is_file():
            return None
        if not os.access(db.parent, os.W_OK):
            return f"its folder {db.parent} is read-only (SQLite must write beside the store)"
        for path in (db, Path(f"{db}-wal"), Path(f"{db}-shm")):
            if path.exists() and not os.access(path, os.W_OK):
                return f"the file {path} is read-only for this user (its mode or owner)"
        return None

    def _read_only_place_message(self, cause: str) -> str:
        return (
            f"{self.db_path}: cannot change the store: {cause}; the reading commands (list, "
            "show, search, ...), `audit verify` and `audit export` still work there, and a "
            "writable copy of the folder takes changes"
        )

    def require_existing(self) -> None:
        """Refuse, for a command that needs one, a store file that does not exist."""
        # An empty file, or a database with no tables yet, is no store either: opening it
        # would quietly make one there.
        if self.existing_only and (not self.db_path.exists() or _no_tables(self.db_path)):
            raise click.ClickException(
                f"no store at {self.db_path}: ingest proposals first (`reviewer ingest`), "
                "or point --db or REVIEWER_DB at your store")

    def _opening(self, opener: Callable[[], ReviewStore]) -> ReviewStore:
        """`opener()`, its failures as one-line errors naming the store's file."""
        try:
            return opener()
        except StoreError as exc:
            raise click.ClickException(f"{self.db_path}: {exc}") from exc
        except Exception as exc:  # sqlite3 errors for a file that is not a database
            raise click.ClickException(f"{self.db_path}: cannot open the store: {exc}") from exc

    def _announce_upgrade(self, names: list[str]) -> None:
        click.echo(
            f"{self.db_path}: upgrading the store ({', '.join(names)}); this runs once and "
            "can take a minute on a large store",
            err=True,
        )

    @property
    def actor(self) -> str:
        return resolve_actor(self.actor_flag)

    def close(self) -> None:
        """Sign the audit chain's head if `[audit]` has a signing key, then close the store."""
        if self._store is None:
            return
        store, self._store = self._store, None
        try:
            if store.checkpoint_problem:
                click.echo(clean(f"warning: {store.checkpoint_problem}", single_line=True),
                           err=True)
            if self.sign_on_close:
                store.sign_now()
        except StoreError as exc:
            raise click.ClickException(f"{self.db_path}: {exc}") from exc
        finally:
            store.close()


def _no_tables(path: Path) -> bool:
    """Whether `path` is an empty file or an SQLite database without a single table.

    Read without writing; any doubt (not a database, unreadable) is False, and opening it
    then says what is wrong.
    """
    try:
        if path.stat().st_size == 0:
            return True
        conn = existing_read_only(path)
    except (OSError, sqlite3.Error):
        return False
    try:
        return conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] == 0
    except sqlite3.Error:
        return False
    finally:
        conn.close()


def _invoked() -> str:
    """The command being run, as typed after `reviewer` (`list`, `findings list`)."""
    click_ctx = click.get_current_context(silent=True)
    if click_ctx is None:
        return ""
    return " ".join(click_ctx.command_path.split()[1:])


pass_ctx = click.make_pass_decorator(Context)


def console() -> Console:
    """Rich output with markup and highlighting off, since agent text is printed through it."""
    return Console(markup=False, highlight=False, emoji=False)


class Listing(Table):
    """A listing table whose `add_row` takes a cell for every column it was given and keeps
    those of the columns that fit (`left_out` names the others)."""

    kept: tuple[int, ...] | None = None  # None: every column
    left_out: tuple[str, ...] = ()

    def add_row(self, *renderables: Any, style: Any = None, end_section: bool = False) -> None:
        """Add a row from every column's cell, leaving out the cells of columns left out."""
        cells = list(renderables) if self.kept is None else [renderables[i] for i in self.kept]
        super().add_row(*cells, style=style, end_section=end_section)


def _least_width(name: str, kw: dict[str, Any]) -> int:
    """The fewest cells a listing column takes whole: its fixed width, else the wider of its
    min_width and its name (Rich measures the header with the cells)."""
    if kw.get("width"):
        return int(kw["width"])
    return max(int(kw.get("min_width") or 1), len(name))


def _fitting(columns: Sequence[tuple[str, dict[str, Any]]], width: int) -> set[int]:
    """Indexes of the columns to leave out so the rest fit `width` at their least widths:
    those with a `drop` rank go first, lowest rank first."""
    ranked = sorted((kw["drop"], i) for i, (_, kw) in enumerate(columns) if "drop" in kw)
    out: set[int] = set()

    def needed() -> int:
        kept = [_least_width(n, kw) for i, (n, kw) in enumerate(columns) if i not in out]
        return sum(kept) + len(kept) + 1  # one space between columns and at each edge

    for _, index in ranked:
        if needed() <= width:
            break
        out.add(index)
    return out


def listing(
    title: str, columns: Sequence[tuple[str, dict[str, Any]]], width: int | None = None
) -> Listing:
    """The plain table every listing command prints: one line per row, long cells cut.

    Given the terminal's `width`, columns with a `drop` rank are left out, lowest first,
    until the rest fit whole: Rich would otherwise shrink every column alike, down to an
    agent column of nothing and IDs too short to name a proposal.
    """
    out = _fitting(columns, width) if width is not None else set()
    left_out = tuple(name for i, (name, _) in enumerate(columns) if i in out)
    if left_out:
        title += f" (no room for {', '.join(left_out)}; --json has them)"
    table = Listing(
        title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, expand=True,
        padding=0,  # the divider is a space already: the text gets the room on 80 columns
    )
    table.kept = tuple(i for i in range(len(columns)) if i not in out)
    table.left_out = left_out
    for i, (name, kw) in enumerate(columns):
        if i not in out:
            spec = {k: v for k, v in kw.items() if k != "drop"}
            table.add_column(name, no_wrap=True, overflow="ellipsis", **spec)
    return table


def print_json(value: Any) -> None:
    """ASCII-only JSON, so no raw escape or bidi byte from agent text reaches the terminal."""
    sys.stdout.write(json.dumps(value, indent=2, ensure_ascii=True, allow_nan=False) + "\n")


def each_proposal(store: ReviewStore, refs: Sequence[str], act: Callable[[str], None]) -> int:
    """Call `act` with the id of each proposal `refs` names, once each, in the order given.

    With one ref its error ends the command as usual. With several, each error is named on
    stderr and the rest still go. Returns how many failed, for the exit status.
    """
    failed, seen = 0, set()
    for ref in refs:
        try:
            pid = store.resolve(ref)
            if pid not in seen:  # each proposal once, however its ID was written
                seen.add(pid)
                act(pid)
        except (StoreError, click.ClickException) as exc:
            message = exc.message if isinstance(exc, click.ClickException) else str(exc)
            if len(refs) == 1:
                raise click.ClickException(message) from exc
            click.echo(clean(f"error: {ref}: {message}"), err=True)
            failed += 1
    return failed
