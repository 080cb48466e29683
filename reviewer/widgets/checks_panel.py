"""Integrity checks of one proposal, grouped by severity, high first."""

from __future__ import annotations

from typing import Any

from rich.console import Group, RenderableType
from rich.text import Text
from textual.widgets import Static

from reviewer.present import checks_by_severity, duplicate_target
from reviewer.textsafe import clean, short

SEVERITY_STYLES = {"high": "bold red", "medium": "bold yellow", "low": "bold"}


def _other_id(check: dict[str, Any]) -> str | None:
    detail = check.get("detail")
    other = detail.get("other_id") if isinstance(detail, dict) else None
    return other if check.get("code") == "duplicate" and isinstance(other, str) else None


def _check_line(check: dict[str, Any], hint: str | None, hide_message: bool) -> Text:
    message = (
        Text("message hidden until you assess", style="italic")
        if hide_message
        else Text(clean(check.get("message")))
    )
    line = Text.assemble(("  ", ""), (short(check.get("code"), 40), "bold"), (": ", ""), message)
    if hint is not None:
        line.append(f" — {hint}", style="italic")
    resolved = check.get("resolved")
    if isinstance(resolved, dict):
        by = short(str(resolved.get("by") or "?"), 40)
        line.append(f"  (resolved by {by}: {short(str(resolved.get('reason') or ''), 80)})")
        line.stylize("dim")
    return line


def checks_renderable(
    checks: list[Any], jump_key: str = "J", *, hide_messages: bool = False
) -> RenderableType:
    """One heading per severity with its count, then its checks; a note when there are none.

    The duplicate that the jump key opens says so. Blinded review hides the messages, since
    checks on a claim quote its numbers.
    """
    groups = checks_by_severity(checks)
    if not groups:
        return Text("no checks yet", style="dim italic")
    target = duplicate_target(checks)
    parts: list[RenderableType] = [
        Text(" · ".join(f"{len(found)} {severity}" for severity, found in groups), style="dim")
    ]
    for severity, found in groups:
        parts.append(Text(f"{severity} ({len(found)})", style=SEVERITY_STYLES.get(severity, "")))
        for check in found:
            hint = None
            if target is not None and _other_id(check) == target:
                hint = f"press {jump_key} to open {clean(target, single_line=True)[:12]}"
                target = None  # one key, one proposal: only the first such check says so
            parts.append(_check_line(check, hint, hide_messages))
    return Group(*parts)


class ChecksPanel(Static):
    """Renders `checks_renderable` for the proposal it is given."""

    DEFAULT_CSS = """
    ChecksPanel { height: auto; width: 1fr; padding: 0 1; border: round $primary; }
    """

    def show_data(
        self, data: dict[str, Any], jump_key: str = "J", *, hide_messages: bool = False
    ) -> None:
        self.border_title = "checks"
        checks = data.get("checks") or []
        self.update(checks_renderable(checks, jump_key, hide_messages=hide_messages))
