"""ReviewStore: the domain verbs over one SQLite database."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlite_utils

from store.check_verbs import CheckVerbs
from store.db import BUSY_TIMEOUT_S, connect, existing_read_only
from store.decision_verbs import DecisionVerbs
from store.errors import StoreError
from store.ingest_verbs import AddResult, IngestVerbs
from store.jobs import JobQueue
from store.query_verbs import QueryVerbs
from store.read_verbs import ReadVerbs
from store.signing import Signer
from store.store_base import utc_now

__all__ = ["AddResult", "ReviewStore", "utc_now"]


class ReviewStore(IngestVerbs, QueryVerbs, ReadVerbs, DecisionVerbs, CheckVerbs):
    """The review store; migrates on construction.

    Every write runs in one BEGIN IMMEDIATE transaction together with its audit event.
    """

    @classmethod
    def open(
        cls,
        path: str | Path,
        *,
        clock: Callable[[], str] = utc_now,
        timeout: float = BUSY_TIMEOUT_S,
        signer: Signer | None = None,
        upgrading: Callable[[list[str]], None] | None = None,
    ) -> ReviewStore:
        """Open (creating if needed) the store at `path`, or ":memory:"; `signer` signs
        checkpoints of the audit chain into `<db>.checkpoints/`; `upgrading` hears which
        migrations an existing store is about to get."""
        memory = str(path) == ":memory:"
        return cls(
            connect(path, timeout=timeout),
            path=None if memory else Path(path),
            clock=clock,
            signer=signer,
            upgrading=upgrading,
            configured=True,
        )

    @classmethod
    def open_read_only(
        cls, path: Path, *, timeout: float = BUSY_TIMEOUT_S
    ) -> ReviewStore:
        """Open the existing store at `path` without writing to it or beside it: no
        migration, no checkpoint, no file created. For `audit verify` and `audit export`,
        which must not change what they check, and must work on a read-only copy."""
        try:
            conn = existing_read_only(path, timeout=timeout)
        except (FileNotFoundError, PermissionError) as exc:
            raise StoreError(str(exc)) from exc
        try:
            return cls(sqlite_utils.Database(conn), path=path, read_only=True)
        except BaseException:
            conn.close()
            raise

    @classmethod
    def memory(cls, *, clock: Callable[[], str] = utc_now) -> ReviewStore:
        return cls.open(":memory:", clock=clock)

    def close(self) -> None:
        if self._ranked is not None:
            self._ranked.close()
        self.conn.close()

    # -- jobs and audit -----------------------------------------------------------

    @property
    def jobs(self) -> JobQueue:
        """The rerun job queue kept in this store."""
        return JobQueue(self)

    def verify(self) -> Any:
        """Check the whole audit chain; see store.verify.verify_store."""
        from store.verify import verify_store

        return verify_store(self)
