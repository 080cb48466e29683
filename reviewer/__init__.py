"""reviewer: review AI agents' research findings, rerun them, and keep an audit trail."""

# First: the store configures SQLite, which only works before anything imports sqlite3.
import store  # noqa: F401
