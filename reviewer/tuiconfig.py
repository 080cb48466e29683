"""The `[tui]` table of the config file: how the review TUI behaves (blinded review)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from reviewer.config import ConfigError, read_section

KNOWN = ("blinded",)


@dataclass(frozen=True)
class TuiSettings:
    """`blinded` hides each proposal's claimed numbers until the reviewer assesses it."""

    blinded: bool = False


def load_tui_settings(
    path: str | os.PathLike[str] | None = None,
) -> tuple[TuiSettings, list[str]]:
    """The validated `[tui]` table and a message per problem, naming the file and key.

    Problems come back as messages rather than exceptions, since a typo in the config
    should cost the user a notification, not the app.
    """
    try:
        file, table = read_section("tui", path)
    except ConfigError as exc:
        # Fail safe, as for a mistyped `blinded`: whoever wrote [tui] may have meant it on.
        return TuiSettings(blinded=True), [f"{exc}; blinded review is on until it is fixed"]
    problems = [
        f"{file}: tui.{key}: unknown key (known: {', '.join(KNOWN)})"
        for key in table
        if key not in KNOWN
    ]
    blinded = table.get("blinded", False)
    if not isinstance(blinded, bool):
        # Fail safe: whoever set it meant something, and an unblinded look cannot be undone.
        problems.append(f"{file}: tui.blinded: must be true or false, not {_shown(blinded)}; "
                        "blinded review is on until it is fixed")
        blinded = True
    return TuiSettings(blinded=blinded), problems


def _shown(value: object) -> str:
    """`value` as a short repr, since a notification is one or two lines."""
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"
