"""Errors of the publish step."""

from __future__ import annotations


class PublishError(Exception):
    """Publishing refused or failed; the message says why and what to do."""


class NotConfigured(PublishError):
    """No `[publish] folder` is configured, so approvals are not published."""


class NotUndone(PublishError):
    """A publish failed and some files it had written could not be taken back out."""

    def __init__(self, message: str, paths: list[str]) -> None:
        super().__init__(message)
        self.paths = paths
