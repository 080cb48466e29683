"""Screens of the review TUI: one per file; their handlers call the store."""
