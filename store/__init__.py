"""The reviewer store: SQLite schema, proposals, decisions and the audit chain.

This package never imports textual; the UI and the CLI are thin faces over it.
"""

# First: it configures SQLite, which only works before anything imports sqlite3.
import store.memstatus  # noqa: F401
from store.errors import (
    Ambiguous,
    Conflict,
    DiffConflict,
    IllegalTransition,
    MigrationBusy,
    NotFound,
    SchemaTooNew,
    StoreError,
)
from store.model import NewProposal
from store.review_store import AddResult, ReviewStore
from store.seen import Seen, StaleView

__all__ = [
    "AddResult",
    "Ambiguous",
    "Conflict",
    "DiffConflict",
    "IllegalTransition",
    "MigrationBusy",
    "NewProposal",
    "NotFound",
    "ReviewStore",
    "SchemaTooNew",
    "Seen",
    "StaleView",
    "StoreError",
]
