"""Count the calls to one of the project's own functions, which still does its work."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest


def calls_to(monkeypatch: pytest.MonkeyPatch, owner: Any, name: str,
             note: Callable[..., Any] = lambda *args: args) -> list[Any]:
    """`note(...)` of each call to `owner.name` from now on, in order; `note` takes the
    call's own arguments."""
    seen: list[Any] = []
    real = getattr(owner, name)

    def spy(*args: Any, **kwargs: Any) -> Any:
        seen.append(note(*args, **kwargs))
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, spy)
    return seen
