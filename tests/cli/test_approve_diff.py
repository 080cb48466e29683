"""`approve --diff` with too short a prefix says how long it must be, rather than calling
the right diff a different one."""

from __future__ import annotations

import json

import pytest

from tests.cli.test_cli import ingest_ids, native, run  # noqa: F401  (fixture)
from tests.factories import new_file_diff


@pytest.fixture
def coded(run, tmp_path) -> tuple[str, str]:  # noqa: F811
    path = tmp_path / "coded.json"
    path.write_text(json.dumps(native(1, diff=new_file_diff("methods/variant_1.py", "x = 1\n"))))
    [pid] = ingest_ids(run, path)
    return pid, json.loads(run("show", "--json", pid).output)["diff_sha256"]


@pytest.mark.parametrize("given", [lambda sha: sha[:4], lambda sha: sha[:11],
                                   lambda sha: "g" + sha[1:12]])
def test_a_short_or_non_hex_diff_says_what_it_needs(run, coded, given):  # noqa: F811
    pid, sha = coded
    wanted = given(sha)
    out = run("approve", pid, "--reason", "ok", "--override", "x", "--diff", wanted)
    assert out.exit_code == 1
    assert out.output.strip() == (f"Error: --diff needs 12 or more hex digits of the "
                                  f"diff_sha256 `show` prints (or `none`), not {wanted!r}: "
                                  "nothing was recorded")


def test_another_diff_is_still_named_as_such(run, coded):  # noqa: F811
    pid, sha = coded
    out = run("approve", pid, "--reason", "ok", "--override", "x", "--diff", "0" * 12)
    assert out.exit_code == 1
    assert f"has diff {sha[:12]}, not the '000000000000' you read" in out.output
