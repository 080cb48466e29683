"""State shared by CLI commands: which store, who acts, and how to print safely."""

from __future__ import annotations

import json
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
            self.sign_on_close = False
            return self._opening(lambda: ReviewStore.open_read_only(self.db_path))
        try:
            # The policy loads first, so a bad [gates] table never yields an ungated store.
            policy = load_policy()
            signer = load_audit_config().signer()
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from exc
        self.require_existing()
        store = self._opening(lambda: ReviewStore.open(
            self.db_path, signer=signer, upgrading=self._announce_upgrade))
        store.gate_policy = policy
        return store

    def require_existing(self) -> None:
        """Refuse, for a command that needs one, a store file that does not exist."""
        # An empty file is no store either: opening it would quietly make one there.
        if self.existing_only and (not self.db_path.exists() or _empty(self.db_path)):
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
            if self.sign_on_close:
                store.sign_now()
        except StoreError as exc:
            raise click.ClickException(f"{self.db_path}: {exc}") from exc
        finally:
            store.close()


def _empty(path: Path) -> bool:
    try:
        return path.stat().st_size == 0
    except OSError:
        return False  # opening it says what is wrong


pass_ctx = click.make_pass_decorator(Context)


def console() -> Console:
    """Rich output with markup and highlighting off, since agent text is printed through it."""
    return Console(markup=False, highlight=False, emoji=False)


def listing(title: str, columns: Sequence[tuple[str, dict[str, Any]]]) -> Table:
    """The plain table every listing command prints: one line per row, long cells cut."""
    table = Table(
        title=title, title_justify="left", box=box.SIMPLE_HEAD, pad_edge=False, expand=True,
        padding=0,  # the divider is a space already: the text gets the room on 80 columns
    )
    for name, kw in columns:
        table.add_column(name, no_wrap=True, overflow="ellipsis", **kw)
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
