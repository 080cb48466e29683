"""A bounded, thread-safe memo, keyed by the input or a digest of the inputs.

An agent's branch repeats its files: each commit's proposal carries the whole change from
the harness commit, so one method file is analysed again in every later commit. The
analysis of a file depends only on its text and a few settings, so it is worked out once.
Several inputs make one key as a digest; a single text can be its own key, which hashes
faster than a digest but is kept with the result.
"""

from __future__ import annotations

import hashlib
import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


def digest(*parts: str | None) -> bytes:
    """A key for `parts`, where None differs from every string and the boundaries count."""
    h = hashlib.sha256()
    for part in parts:
        if part is None:
            h.update(b"\xff")
        else:
            data = part.encode("utf-8", "surrogatepass")
            h.update(len(data).to_bytes(8, "big") + data)
    return h.digest()


_EVERY: weakref.WeakSet[Memo[Any, Any]] = weakref.WeakSet()


def clear_all() -> None:
    """Forget every memo's results: for timing work as if it were the first time."""
    for memo in list(_EVERY):
        memo.clear()


def scale_budgets(factor: float) -> None:
    """Scale every weighed memo's budget: a pool's workers share what one process may hold."""
    for memo in list(_EVERY):
        if memo.weigh is not None:
            memo.budget = int(memo.budget * factor)


class Memo(Generic[K, V]):
    """The last `entries` results, least recently used dropped first; with `weigh`, also no
    more than `budget` of what it measures (say bytes) in all."""

    def __init__(self, entries: int, *, weigh: Callable[[V], int] | None = None,
                 budget: int = 0) -> None:
        self.entries = entries
        self.weigh, self.budget = weigh, budget
        self._items: OrderedDict[K, tuple[V, int]] = OrderedDict()
        self._total = 0
        self._lock = threading.Lock()
        _EVERY.add(self)

    # Callable[..., V], as mypy cannot infer a lambda whose defaults bind loop variables (as in
    # get_many) as Callable[[], V]; make is always called with no arguments.
    def get(self, key: K, make: Callable[..., V]) -> V:
        """The result stored under `key`, else `make()`, stored."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key][0]
        # Worked out outside the lock: two threads may both make it, and make the same thing.
        value = make()
        weight = 0 if self.weigh is None else self.weigh(value)
        if self.weigh is not None and weight > self.budget:
            return value  # too big to keep at all
        with self._lock:
            if key in self._items:
                self._total -= self._items.pop(key)[1]
            self._items[key] = (value, weight)
            self._total += weight
            while len(self._items) > self.entries or (
                    self.weigh is not None and self._total > self.budget):
                self._total -= self._items.popitem(last=False)[1][1]
        return value

    def get_many(self, keys: list[K], make: Callable[[list[K]], dict[K, V]]) -> dict[K, V]:
        """The results stored under `keys`; the missing ones made by one call of `make`."""
        found: dict[K, V] = {}
        with self._lock:
            for key in keys:
                if key in self._items:
                    self._items.move_to_end(key)
                    found[key] = self._items[key][0]
        missing = [key for key in keys if key not in found]
        if missing:
            made = make(missing)
            for key, value in made.items():
                found[key] = self.get(key, lambda value=value: value)
        return found

    def __len__(self) -> int:
        return len(self._items)

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
            self._total = 0
