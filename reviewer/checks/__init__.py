"""Integrity checks on proposals: static scans of diffs and claims, and near-duplicates."""
