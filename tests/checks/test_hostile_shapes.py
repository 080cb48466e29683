"""Hostile code shapes that once made the static scan slow or void: long attribute chains,
and an allow-listed path the OS cannot name."""

from __future__ import annotations

import cProfile
import pstats
from collections.abc import Callable
from pathlib import Path

import pytest

from reviewer.checks.bases import git_base, tree_base
from reviewer.checks.static import scan_diff
from reviewer.commands.ingest import ingest_paths
from store import ReviewStore
from tests.checks.helpers import ALLOW, modified_diff, scan_new
from tests.factories import new_file_diff
from tests.ingest.helpers import NATIVE, write_json
from tests.test_gitread import commit_files, git

CHAINS: dict[str, Callable[[str], str]] = {
    "load": lambda chain: f"x = {chain}\n",
    "call": lambda chain: f"x = {chain}()\n",
    "subscript": lambda chain: f"x = {chain}[0]\n",
    "bound": lambda chain: f"{chain} = 'so'\ny = {chain} + 'cket'\n",
}


def _calls(body: str, path: str) -> int:
    """Every function call, Python or builtin, the scan of a new file `body` makes: a count
    of its work that does not depend on the machine's speed."""
    profile = cProfile.Profile()
    profile.enable()
    try:
        scan_diff(new_file_diff(path, body), ALLOW)
    finally:
        profile.disable()
    return pstats.Stats(profile).total_calls


@pytest.mark.parametrize("shape", sorted(CHAINS))
def test_scan_work_grows_linearly_with_an_attribute_chain(shape):
    # Each attribute's name was rebuilt by walking the whole chain: 4x the work for 2x the chain.
    make = CHAINS[shape]
    short = _calls(make("view" + ".a" * 300), f"methods/{shape}_short.py")
    long = _calls(make("view" + ".a" * 600), f"methods/{shape}_long.py")
    assert long < 2.5 * short


LONG = "holder" + ".link" * 200  # a 1,000-character name: still a name, however absurd


@pytest.mark.parametrize(("body", "code", "line"), [
    (f"import os\n{LONG} = os\n{LONG}.system('id')\n", "process_escape", 3),
    (f"import os\n{LONG}.mods = [os]\n{LONG}.mods[0].system('id')\n", "process_escape", 3),
    (f"import os\n{LONG}.f = lambda: os\n{LONG}.f().system('id')\n", "process_escape", 3),
    (f"import importlib\n{LONG} = 'sock'\nimportlib.import_module({LONG} + 'et')\n",
     "network", 3),
])
def test_what_a_long_chain_is_bound_to_still_resolves(body, code, line):
    assert (code, line) in {(c.code, c.detail["line"]) for c in scan_new(body)}


def test_an_iterated_list_bound_to_a_chain_still_folds():
    found = scan_new("import importlib\nview.a.b.names = ['so' + 'cket']\n"
                     "for n in view.a.b.names:\n    importlib.import_module(n)\n")
    assert 4 in {c.detail["line"] for c in found if c.code == "network"}


@pytest.mark.parametrize("name", ["a" * 300 + ".py", "x\0.py"])
def test_a_base_the_os_cannot_name_reads_as_no_file(tmp_path, name):
    (tmp_path / "methods").mkdir()
    assert tree_base(tmp_path)(f"methods/{name}") is None


EVIL = ("import socket\nimport numpy as np\ny = np.load('/data/test_labels.npy')\n"
        "def run(view): return view.y_test\n")


def _hostile_diff(name: str) -> str:
    return modified_diff(f"methods/{name}", "x = 1\n", "x = 1\nx = 2\n") + new_file_diff(
        "methods/evil.py", EVIL)


@pytest.mark.parametrize("name", ["a" * 300 + ".py", "x\0.py"])
def test_an_unnameable_modified_file_does_not_void_the_diffs_scan(tmp_path: Path, name: str):
    proposal = write_json(tmp_path / "in" / "evil.json",
                          {**NATIVE, "idea": "evil", "diff": _hostile_diff(name)})
    store = ReviewStore.open(tmp_path / "store.db")
    try:
        report = ingest_paths(store, [proposal], "tester")
        [pid] = report.added
        found = store.checks(pid)
    finally:
        store.close()
    assert not report.errors and not report.warnings
    on_evil = {c["code"] for c in found if c["detail"].get("path") == "methods/evil.py"}
    assert {"network", "ground_truth_access"} <= on_evil


@pytest.mark.parametrize("name", ["a" * 300 + ".py", "x\0.py"])
def test_a_pinned_harness_without_such_a_file_reads_as_none(tmp_path: Path, name: str):
    repo = tmp_path / "harness"
    (repo / "methods").mkdir(parents=True)
    git(repo, "init", "-q")
    commit = commit_files(repo, {"methods/x.py": "x = 1\n"})
    read = git_base(repo, commit)
    assert read("methods/x.py") == "x = 1\n"
    assert read(f"methods/{name}") is None


def test_a_file_whose_scan_fails_costs_only_its_own_findings(monkeypatch):
    """A scanner bug one hostile file trips (here a RecursionError) voided every file's
    findings; now that file is flagged as not analysed and the others are still scanned."""
    import reviewer.checks.static as static

    scan_file = static._python_checks

    def tripped(f, path, policy, base):
        if path == "methods/odd.py":
            raise RecursionError("maximum recursion depth exceeded")
        return scan_file(f, path, policy, base)

    monkeypatch.setattr(static, "_python_checks", tripped)
    evil = "import socket\nsocket.create_connection(('h', 1))\n"
    diff = new_file_diff("methods/odd.py", "x = 1\n") + new_file_diff("methods/evil.py", evil)
    found = scan_diff(diff, ALLOW)
    [odd] = [c for c in found if c.detail.get("path") == "methods/odd.py"]
    assert odd.code == "unanalysed_code" and odd.severity == "high"
    assert "could not be analysed (RecursionError)" in odd.message
    assert any(c.code == "network" and c.detail.get("path") == "methods/evil.py" for c in found)
