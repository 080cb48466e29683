"""A proposal's checks as text: grouped by severity, and the proposal or diff line they name."""

from __future__ import annotations

from typing import Any

SEVERITIES = ("high", "medium", "low")


def checks_by_severity(checks: list[Any]) -> list[tuple[str, list[dict[str, Any]]]]:
    """Checks grouped high, medium, low (then any unknown severity), empty groups dropped."""
    groups: dict[str, list[dict[str, Any]]] = {s: [] for s in SEVERITIES}
    for check in checks:
        if isinstance(check, dict):
            severity = check.get("severity")
            key = severity if severity in SEVERITIES else "other"
            groups.setdefault(key, []).append(check)
    return [(severity, found) for severity, found in groups.items() if found]


def duplicate_target(checks: list[Any]) -> str | None:
    """The other proposal's id named by the most severe `duplicate` check, or None."""
    for _severity, found in checks_by_severity(checks):
        for check in found:
            detail = check.get("detail")
            other = detail.get("other_id") if isinstance(detail, dict) else None
            if check.get("code") == "duplicate" and isinstance(other, str) and other:
                return other
    return None


def check_line(checks: list[Any]) -> tuple[str, int] | None:
    """(path, line) of the most severe open check that names a line of the diff, or None."""
    for _severity, found in checks_by_severity(checks):
        for check in found:
            detail = check.get("detail")
            if not isinstance(detail, dict) or check.get("resolved"):
                continue
            path, line = detail.get("path"), detail.get("line")
            if (
                isinstance(path, str)
                and path
                and isinstance(line, int)
                and not isinstance(line, bool)
                and line > 0
            ):
                return path, line
    return None
