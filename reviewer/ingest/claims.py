"""Validation of claimed metrics, shared by native proposals and sandbox findings."""

from __future__ import annotations

import json
from typing import Any

from reviewer.ingest.errors import describe
from reviewer.ingest.fields import Obj, Where, expect_type, get_text, is_number

MAX_SEEDS = 1000
MAX_SEED = 2**63 - 1
ACCURACIES = ("weak_acc", "strong_acc", "transfer_acc")


def check_metric(name: str, value: Any, where: Where) -> int | float:
    """Check one numeric claim: finite, accuracies in [0, 1], standard errors >= 0."""
    if not is_number(value):
        raise expect_type(value, "a number", where, name)
    if name in ACCURACIES and not 0 <= value <= 1:
        raise where.error(name, f"an accuracy must lie in [0, 1], got {describe(value)}")
    if name.endswith("_se") and value < 0:
        raise where.error(name, f"a standard error must be >= 0, got {describe(value)}")
    return value


def check_seeds(value: Any, where: Where, name: str = "seeds") -> list[int]:
    """Check a list of at most MAX_SEEDS non-negative integer seeds."""
    if not isinstance(value, list):
        raise expect_type(value, "a list of integers", where, name)
    if len(value) > MAX_SEEDS:
        raise where.error(name, f"more than {MAX_SEEDS} seeds ({len(value)})")
    seed_where = where.inside(name)
    for index, seed in enumerate(value):
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise expect_type(seed, "an integer", seed_where, index)
        if not 0 <= seed <= MAX_SEED:
            raise seed_where.error(index, f"a seed must lie in [0, 2^63 - 1], got {seed}")
    return list(value)


def distinct_seeds(seeds: list[Any]) -> int:
    """How many different seeds a claim lists: `[7, 7, 7]` is one run reported thrice.

    Compared as JSON, so `1`, `1.0` and `"1"` in a hand-edited row stay three seeds wherever
    they are counted (the static checks and the verdict's n_claim must agree).
    """
    return len({json.dumps(seed, sort_keys=True) for seed in seeds})


def read_claim(obj: Obj, where: Where) -> dict[str, Any]:
    """Collect the claim fields present in `obj`; null values count as absent."""
    claimed: dict[str, Any] = {}
    for name in ("pgr", "pgr_se", *ACCURACIES):
        value = obj.get(name)
        if value is not None:
            claimed[name] = check_metric(name, value, where)
    seeds = obj.get("seeds")
    if seeds is not None:
        claimed["seeds"] = check_seeds(seeds, where)
    dataset = get_text(obj, "dataset", where, max_len=200, plain=True)
    if dataset is not None:
        claimed["dataset"] = dataset
    return claimed
