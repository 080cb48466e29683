"""Widgets of the review TUI: each renders and emits messages; none calls the store."""
