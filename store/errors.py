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


class DiffConflict(Conflict):
    """A proposal already has a diff, and another one was offered for it."""

    def __init__(self, message: str, proposal_id: str, stored: str, offered: str | None) -> None:
        super().__init__(message)
        self.proposal_id, self.stored, self.offered = proposal_id, stored, offered


class MigrationBusy(StoreError):
    """Another process holds the database while migrating it."""


class NotAStore(StoreError):
    """The database holds another program's tables."""


class SchemaTooNew(StoreError):
    """The database was migrated by a newer reviewer than this one."""


class GateError(StoreError):
    """An approval failed one or more gates and carried no override."""

    def __init__(self, proposal_id: str, unmet: list[str]) -> None:
        self.proposal_id = proposal_id
        self.unmet = unmet
        super().__init__(
            f"cannot approve {proposal_id[:12]} yet: " + "; ".join(unmet)
            + " (fix these, or approve with an override reason)"
        )
