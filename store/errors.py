"""Errors the store raises; each message is meant to be shown to a person as is."""


class StoreError(Exception):
    """Base class for every error the store raises on purpose."""


class NotFound(StoreError):
    """No proposal matches the given id or prefix."""


class Ambiguous(StoreError):
    """An id prefix matches more than one proposal."""


class IllegalTransition(StoreError):
    """The requested state change is not allowed from the current state."""


class Conflict(StoreError):
    """The new data contradicts what is already stored."""


class MigrationBusy(StoreError):
    """Another process holds the database while migrating it."""


class SchemaTooNew(StoreError):
    """The database was migrated by a newer reviewer than this one."""
