"""The `[gates]` table of the config: which approval gates apply (defaults all on)."""

from __future__ import annotations

import dataclasses
import os

from reviewer.config import ConfigError, read_section
from store.gates import GatePolicy

_BOOLS = (
    "require_rerun",
    "require_ablation",
    "block_high_checks",
    "independent_approver",
    "block_rejected_parent",
)
MAX_APPROVALS = 5


def load_policy(path: str | os.PathLike[str] | None = None) -> GatePolicy:
    """The configured gate policy; a missing table gives the product defaults."""
    file, table = read_section("gates", path)
    policy = GatePolicy.defaults()
    known = {*_BOOLS, "required_approvals"}
    for key, value in table.items():
        if key not in known:
            names = ", ".join(sorted(known))
            raise ConfigError(f"{file}: gates.{key}: unknown key (known: {names})")
        if key in _BOOLS:
            if not isinstance(value, bool):
                raise ConfigError(f"{file}: gates.{key}: must be true or false")
        elif type(value) is not int or not 0 < value <= MAX_APPROVALS:
            raise ConfigError(
                f"{file}: gates.{key}: must be a whole number from 1 to {MAX_APPROVALS}"
            )
    return dataclasses.replace(policy, **table)
