"""Every key binding of the TUI, with ids and descriptions, and remapping from `[keys]`.

The registry is the single source of truth: screens build their BINDINGS from it, the help
screen lists it, and the config file's `[keys]` table (`approve = "A"`) remaps by id.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from textual.binding import Binding
from textual.keys import KEY_NAME_REPLACEMENTS, Keys

from reviewer.config import ConfigError, parse_config


@dataclass(frozen=True)
class KeySpec:
    """One binding: stable id (the config key), default key, action, description, scope."""

    id: str
    key: str
    action: str
    description: str
    scope: str
    show: bool = True


SPECS: tuple[KeySpec, ...] = (
    KeySpec("quit", "q", "quit", "Quit", "app", show=False),
    KeySpec("help", "question_mark", "help", "Help", "app"),
    KeySpec("blind", "b", "toggle_blind", "Blinded review on/off", "app", show=False),
    KeySpec("open", "enter", "open", "Open", "queue"),
    KeySpec("search", "slash", "search", "Search", "queue"),
    KeySpec("filter", "f", "cycle_filter", "Filter", "queue"),
    KeySpec("filter_agent", "A", "cycle_agent", "Filter by agent", "queue", show=False),
    KeySpec("filter_verdict", "V", "cycle_verdict", "Filter by verdict", "queue", show=False),
    KeySpec("sort", "s", "cycle_sort", "Sort", "queue"),
    KeySpec("audit", "L", "audit", "Audit log", "queue"),
    KeySpec("agents", "w", "agents", "Agents", "queue"),
    KeySpec("reruns", "R", "reruns", "Reruns", "queue"),
    KeySpec("clear_search", "escape", "clear_search", "Clear the search and every filter",
            "queue", show=False),
    KeySpec("line", "l", "toggle_line", "Lineage: direct children or the whole line", "queue"),
    KeySpec("cursor_down", "j,down", "cursor_down", "Next row", "list", show=False),
    KeySpec("cursor_up", "k,up", "cursor_up", "Previous row", "list", show=False),
    KeySpec("page_down", "pagedown,space", "page_down", "Page down", "list", show=False),
    KeySpec("page_up", "pageup", "page_up", "Page up", "list", show=False),
    KeySpec("first", "home,g", "first", "First row", "list", show=False),
    KeySpec("last", "end,G", "last", "Last row", "list", show=False),
    # First of the proposal's keys: the footer keeps it on an 80-column terminal.
    KeySpec("diff", "d", "diff", "Diff", "proposal"),
    KeySpec("approve", "a", "approve", "Approve", "proposal"),
    KeySpec("reject", "x", "reject", "Reject", "proposal"),
    KeySpec("rerun", "r", "rerun", "Rerun", "proposal"),
    KeySpec("rerun_next", "R", "rerun_next", "Rerun, then the next in the queue", "proposal",
            show=False),
    KeySpec("comment", "c", "comment", "Comment", "proposal"),
    KeySpec("undo", "u", "undo", "Undo decision", "proposal"),
    KeySpec("assess", "e", "assess", "Assess", "proposal"),
    KeySpec("cancel_rerun", "C", "cancel_rerun", "Cancel rerun", "proposal"),
    KeySpec("jump", "J", "jump", "Open duplicate", "proposal"),
    KeySpec("parent", "p", "parent", "Open parent", "proposal"),
    KeySpec("children", "B", "children", "Queue of what builds on it", "proposal"),
    KeySpec("second_opinion", "O", "second_opinion", "Ask Claude", "proposal", show=False),
    KeySpec("diff_check", "K", "diff_check", "Diff at the line a check names", "proposal",
            show=False),
    KeySpec("summary", "S", "summary", "Summary as plain text", "proposal", show=False),
    KeySpec("parent_diff", "D", "parent_diff", "Diff from parent", "proposal", show=False),
    KeySpec("back", "escape", "back", "Back", "proposal"),
    KeySpec("next_file", "n", "next_file", "Next file", "diff"),
    KeySpec("prev_file", "p", "prev_file", "Previous file", "diff"),
    KeySpec("diff_back", "escape", "back", "Back", "diff"),
    KeySpec("summary_back", "escape", "back", "Back", "summary"),
    KeySpec("plot", "P", "plot", "Claims plot", "queue"),
    KeySpec("plot_back", "escape", "back", "Back", "plot"),
    KeySpec("audit_open", "enter", "open", "Open proposal", "audit"),
    KeySpec("reverify", "v", "verify", "Verify again", "audit"),
    KeySpec("audit_back", "escape", "back", "Back", "audit"),
    KeySpec("agents_open", "enter", "open", "Show the agent's queue", "agents"),
    KeySpec("agents_sort", "s", "cycle_sort", "Sort", "agents"),
    KeySpec("agents_back", "escape", "back", "Back", "agents"),
    KeySpec("reruns_open", "enter", "open", "Open proposal", "reruns"),
    KeySpec("reruns_back", "escape", "back", "Back", "reruns"),
)
SPEC_BY_ID = {spec.id: spec for spec in SPECS}
SCOPE_TITLES = {
    "app": "Everywhere",
    "queue": "Queue",
    "list": "Moving in lists",
    "proposal": "Proposal",
    "diff": "Diff",
    "summary": "Whole summary",
    "audit": "Audit log",
    "plot": "Claims plot",
    "agents": "Agents",
    "reruns": "Reruns",
}
# Key names Textual understands: a printable character, or words like ctrl+a, pagedown.
_KEY = re.compile(r"^(?:[!-~]|(?:(?:ctrl|shift|alt|super|meta)\+)*[a-z0-9_]+)$")
# Many terminals cannot send these distinctly from enter/tab (STYLE §5).
_UNSENDABLE = {"ctrl+enter", "ctrl+m", "ctrl+i"}


def bindings(scope: str) -> list[Binding]:
    """The Textual bindings of one scope, each with its id so the keymap can remap it.

    A screen's list starts with help and then back: the footer shows the focused widget's
    keys, then the screen's, then the app's, and cuts from the end on a narrow terminal, so
    `? Help` (an app key) was the first to go. The copy keeps the id, so remapping moves both.
    """
    own = [
        Binding(s.key, s.action, s.description, show=s.show, id=s.id, tooltip=s.description)
        for s in SPECS
        if s.scope == scope
    ]
    if scope in ("app", "list"):
        return own
    help_ = SPEC_BY_ID["help"]
    first = [Binding(help_.key, f"app.{help_.action}", help_.description, id=help_.id,
                     tooltip=help_.description)]
    backs = [b for b in own if b.action == "back"]
    return first + backs + [b for b in own if b.action != "back"]


def scope_of(bindings: Iterable[object]) -> str | None:
    """The scope a screen's BINDINGS were built from by `bindings`, found by their ids; None
    for a screen with no keys of its own (a prompt), so the help can open at its section."""
    for binding in bindings:
        spec = SPEC_BY_ID.get(getattr(binding, "id", None) or "")
        if spec is not None and spec.scope not in _EVERYWHERE:
            return spec.scope
    return None


def validate_keymap(table: Mapping[str, object]) -> tuple[dict[str, str], list[str]]:
    """Check a `[keys]` table; return the usable entries and a message per bad one."""
    keymap: dict[str, str] = {}
    problems: list[str] = []
    for binding_id, value in table.items():
        where = f"keys.{binding_id}"
        if binding_id not in SPEC_BY_ID:
            problems.append(f"{where}: unknown binding (known: {', '.join(SPEC_BY_ID)})")
            continue
        if not isinstance(value, str) or not value.strip():
            problems.append(f'{where}: expected a key name such as "a" or "ctrl+r"')
            continue
        keys = [k.strip() for k in value.split(",")]
        bad = [k for k in keys if not _KEY.match(k) or k in _UNSENDABLE or not _known(k)]
        if bad:
            problems.append(f"{where}: cannot bind {', '.join(repr(k) for k in bad)}")
            continue
        keymap[binding_id] = ",".join(keys)
    while clash := _first_clash(keymap):
        binding_id, key, other = clash
        problems.append(f"keys.{binding_id}: {key!r} is already {other}'s key on the same "
                        f"screen; {binding_id} keeps its default")
        del keymap[binding_id]
    return keymap, problems


def _textual_key_names() -> frozenset[str]:
    """The names Textual gives keys: its named keys and each printable ASCII character's."""
    names = {key.value for key in Keys}
    for code in range(33, 127):
        name = unicodedata.name(chr(code)).lower().replace(" ", "_").replace("-", "_")
        names.add(KEY_NAME_REPLACEMENTS.get(name, name))
    return frozenset(names)


_KEY_NAMES = _textual_key_names()
# Bindings of these scopes are live on every screen.
_EVERYWHERE = ("app", "list")


def _known(key: str) -> bool:
    """Whether a terminal can send `key`: a character, or a key name Textual knows."""
    base = key.rsplit("+", 1)[-1]
    return len(base) == 1 or base in _KEY_NAMES


def _first_clash(keymap: Mapping[str, str]) -> tuple[str, str, str] | None:
    """(a remapped id, its key, the id already on that key) where two bindings that are live
    on one screen share a key; a swap of two keys is no clash."""
    keys_of = {s.id: keymap.get(s.id, s.key).split(",") for s in SPECS}
    for binding_id in reversed(list(keymap)):
        spec = SPEC_BY_ID[binding_id]
        for other in SPECS:
            shared = (other.scope == spec.scope or other.scope in _EVERYWHERE
                      or spec.scope in _EVERYWHERE)
            if other.id == binding_id or not shared:
                continue
            for key in keys_of[binding_id]:
                if key in keys_of[other.id]:
                    return binding_id, key, other.id
    return None


def load_keymap(path: Path) -> tuple[dict[str, str], list[str]]:
    """The `[keys]` table of the config file; a missing file is an empty keymap.

    Problems come back as messages rather than exceptions, since a typo in the config
    should cost the user a notification, not the app.
    """
    try:
        data = parse_config(path)
    except ConfigError as exc:  # the message names the file
        return {}, [f"cannot read the key bindings: {exc}"]
    table = data.get("keys", {})
    if not isinstance(table, dict):
        return {}, [f"{path}: keys: expected a table such as [keys]"]
    keymap, problems = validate_keymap(table)
    return keymap, [f"{path}: {p}" for p in problems]


def display_key(key: str) -> str:
    """A binding's keys as a person reads them (`question_mark` -> `?`)."""
    names = {"question_mark": "?", "slash": "/", "escape": "esc", "space": "space"}
    return ", ".join(names.get(k, k) for k in key.split(","))
