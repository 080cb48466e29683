"""Errors of the publish step."""

from __future__ import annotations


class PublishError(Exception):
    """Publishing refused or failed; the message says why and what to do."""


class NotConfigured(PublishError):
    """No `[publish] folder` is configured, so approvals are not published."""
