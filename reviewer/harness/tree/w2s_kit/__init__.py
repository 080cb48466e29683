"""The student kit that methods use: a view loader, a batched MLP student and losses."""

from .view import View, load_view

__all__ = ["View", "load_view"]
