"""Footer keys in the order the registry declares them, after `[keys]` remaps some.

Textual's keymap re-adds a remapped binding at the end of its namespace, and the footer cuts
from the end on a narrow terminal, so remapping help or back pushed them out of view.
"""

from __future__ import annotations

from typing import Any

from textual.binding import ActiveBinding, Binding


def declared_order(found: dict[str, ActiveBinding]) -> dict[str, ActiveBinding]:
    """`found` (a screen's active bindings, grouped by namespace) with each namespace's
    bindings back in the order its class declares them; ones it does not declare keep
    their place after those."""
    namespaces: dict[int, int] = {}
    declared: dict[int, dict[str | None, int]] = {}

    def rank(item: tuple[str, ActiveBinding]) -> tuple[int, int]:
        node, binding = item[1].node, item[1].binding
        ids = declared.setdefault(id(node), {
            b.id: i for i, b in enumerate(getattr(type(node), "BINDINGS", ()))
            if isinstance(b, Binding) and b.id is not None
        })
        order = namespaces.setdefault(id(node), len(namespaces))
        return order, ids.get(binding.id, len(ids))

    return dict(sorted(found.items(), key=rank))


class DeclaredKeyOrder:
    """Mixed into a screen with a footer, ahead of `Screen`."""

    @property
    def active_bindings(self) -> dict[str, ActiveBinding]:
        found: Any = super().active_bindings  # type: ignore[misc]
        return declared_order(found)
