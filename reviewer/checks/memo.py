"""A bounded, thread-safe memo keyed by a digest of the inputs.

An agent's branch repeats its files: each commit's proposal carries the whole change from
the harness commit, so one method file is analysed again in every later commit. The
analysis of a file depends only on its text and a few settings, so it is worked out once.
Keys are digests rather than the texts, so the memo holds no copy of a large input.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from typing import Generic, TypeVar

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


class Memo(Generic[V]):
    """The last `entries` results, least recently used dropped first."""

    def __init__(self, entries: int) -> None:
        self.entries = entries
        self._items: OrderedDict[bytes, V] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: bytes, make: Callable[[], V]) -> V:
        """The result stored under `key`, else `make()`, stored."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                return self._items[key]
        # Worked out outside the lock: two threads may both make it, and both get one answer.
        value = make()
        with self._lock:
            self._items[key] = value
            self._items.move_to_end(key)
            while len(self._items) > self.entries:
                self._items.popitem(last=False)
        return value

    def clear(self) -> None:
        with self._lock:
            self._items.clear()
