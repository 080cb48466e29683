"""The `[gates]` table: product defaults, each switch, and errors that name the file and key."""

from __future__ import annotations

import pytest

from reviewer.config import ConfigError
from reviewer.gates_config import load_policy
from store.gates import GatePolicy
from tests.publish.test_config import write


def test_no_table_gives_the_product_defaults(tmp_path):
    policy = load_policy(write(tmp_path, "[publish]\n"))
    assert policy == GatePolicy.defaults()
    assert policy.require_rerun and policy.require_ablation and policy.block_high_checks
    assert policy.block_rejected_parent
    assert policy.required_approvals == 1 and not policy.independent_approver


def test_each_switch_is_read(tmp_path):
    policy = load_policy(write(tmp_path, """
[gates]
require_rerun = false
block_rejected_parent = false
independent_approver = true
required_approvals = 2
"""))
    assert not policy.require_rerun and not policy.block_rejected_parent
    assert policy.independent_approver and policy.required_approvals == 2
    assert policy.require_ablation  # untouched keys keep their defaults


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("block_rejected_parent = 1", "gates.block_rejected_parent: must be true or false"),
        ("block_parents = true", "gates.block_parents: unknown key (known: block_high_checks"),
        ("required_approvals = 9", "gates.required_approvals: must be a whole number from 1"),
        ("required_approvals = true", "gates.required_approvals: must be a whole number"),
    ],
)
def test_bad_values_name_the_file_and_key(tmp_path, body, message):
    file = write(tmp_path, f"[gates]\n{body}\n")
    with pytest.raises(ConfigError) as err:
        load_policy(file)
    assert str(err.value).startswith(f"{file}: {message}")
