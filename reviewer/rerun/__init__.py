"""Reruns: diff validation and apply, sandbox launch, scoring, statistics and the worker."""
