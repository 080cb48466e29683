"""A module the sandboxed method imports but the sandbox cannot see (a `pip install --user`,
PYTHONPATH, a link out of the venv) refuses the rerun as an environment problem, naming the
module, where it is and what to do, before anything is queued or charged to an agent."""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
from pathlib import Path

import pytest

from reviewer import paths
from reviewer.rerun import sandbox
from reviewer.rerun.sandbox import SandboxSpec, SandboxUnavailable
from store import ReviewStore
from tests.cli.test_cli import native, run  # noqa: F401  (fixture)
from tests.factories import new_file_diff

NEEDS_BWRAP = pytest.mark.skipif(shutil.which("bwrap") is None, reason="bubblewrap not installed")


def _places(name: str) -> list[str]:
    """Where this process finds `name`, as `module_places` reports it for the sandbox's."""
    spec = importlib.util.find_spec(name)
    assert spec is not None
    return list(spec.submodule_search_locations or []) or [spec.origin or ""]


def _package(folder: Path, name: str) -> Path:
    """A real importable package `name` in `folder`, with `folder` on sys.path."""
    pkg = folder / name
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("X = 1\n")
    return pkg


@pytest.fixture
def user_site_pkg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[str, Path]:
    """A package this process finds only through PYTHONPATH, as through a user site: the
    sandboxed interpreter, started in a clean environment, finds it nowhere."""
    name = "fixc_user_site_pkg"
    pkg = _package(tmp_path / "usersite", name)
    monkeypatch.syspath_prepend(str(tmp_path / "usersite"))
    monkeypatch.setenv("PYTHONPATH", str(tmp_path / "usersite"))
    return name, pkg


def test_a_module_only_pythonpath_finds_is_refused_with_the_remedy(user_site_pkg):
    name, _ = user_site_pkg
    with pytest.raises(SandboxUnavailable) as caught:
        sandbox.require_modules((name,))
    message = str(caught.value)
    assert f"started as the sandbox starts it (no PYTHONPATH, no user site), cannot find {name}" \
        in message
    assert sys.prefix in message and f"-m pip install {name}" in message
    assert "not --user" in message


def test_a_pythonpath_copy_of_a_module_the_venv_has_does_not_refuse(tmp_path, monkeypatch):
    # This process imports PYTHONPATH's copy; the sandboxed interpreter, the venv's.
    shadow = tmp_path / "shadow"
    (shadow / "typing_extensions.py").parent.mkdir(parents=True)
    (shadow / "typing_extensions.py").write_text("X = 1\n")
    monkeypatch.setenv("PYTHONPATH", str(shadow))
    monkeypatch.syspath_prepend(str(shadow))
    sandbox.require_modules(("typing_extensions",))


def test_the_harness_modules_of_this_environment_pass():
    sandbox.require_modules()  # numpy, torch and typing_extensions of the test venv
    assert {"numpy", "torch"} <= set(sandbox.SANDBOX_MODULES)


def test_a_missing_module_is_named():
    with pytest.raises(SandboxUnavailable, match="cannot find fixc_no_such_module"):
        sandbox.require_modules(("fixc_no_such_module",))


def test_a_link_out_of_a_mounted_prefix_is_refused(tmp_path, monkeypatch):
    prefix, outside = tmp_path / "prefix", tmp_path / "elsewhere"
    site = prefix / "site-packages"
    _package(site, "fixc_inside_pkg")
    real = _package(outside, "fixc_linked_pkg")
    (site / "fixc_linked_pkg").symlink_to(real)  # the sandbox sees a dangling link
    monkeypatch.syspath_prepend(str(site))
    assert sandbox.module_problem("fixc_inside_pkg", _places("fixc_inside_pkg"), [prefix]) is None
    problem = sandbox.module_problem("fixc_linked_pkg", _places("fixc_linked_pkg"), [prefix])
    assert problem is not None and str(site / "fixc_linked_pkg") in problem


def test_each_place_of_a_namespace_package_is_checked(tmp_path, monkeypatch):
    prefix, outside = tmp_path / "prefix", tmp_path / "elsewhere"
    for folder in (prefix, outside):
        (folder / "fixc_ns_pkg").mkdir(parents=True)  # no __init__.py: a namespace package
        monkeypatch.syspath_prepend(str(folder))
    problem = sandbox.module_problem("fixc_ns_pkg", _places("fixc_ns_pkg"), [prefix])
    assert problem is not None and str(outside / "fixc_ns_pkg") in problem


@NEEDS_BWRAP
def test_a_run_of_this_interpreter_is_refused_but_another_program_runs(
    user_site_pkg, monkeypatch
):
    monkeypatch.setattr(sandbox, "SANDBOX_MODULES", (*sandbox.SANDBOX_MODULES, user_site_pkg[0]))
    own = SandboxSpec(argv=[sys.executable, "-c", "pass"], ro_binds=sandbox.python_binds())
    with pytest.raises(SandboxUnavailable, match=user_site_pkg[0]):
        sandbox.run(own)
    other = sandbox.run(SandboxSpec(argv=["/usr/bin/true"]))  # brings its own needs
    assert other.returncode == 0, other.stderr


@NEEDS_BWRAP
def test_rerun_refuses_before_queueing_and_charges_no_agent(
    run, tmp_path, user_site_pkg, monkeypatch  # noqa: F811
):
    path = tmp_path / "p.json"
    path.write_text(json.dumps(native(1, diff=new_file_diff("methods/variant_1.py", "x = 1\n"))))
    pid = json.loads(run("ingest", "--json", str(path)).output)["added"][0]
    monkeypatch.setattr(sandbox, "SANDBOX_MODULES", (*sandbox.SANDBOX_MODULES, user_site_pkg[0]))
    out = run("rerun", pid, "--seeds", "1", "--wait")
    assert out.exit_code == 1, out.output
    assert out.output.startswith("Error: ") and f"cannot find {user_site_pkg[0]}" in out.output
    assert "Traceback" not in out.output
    store = ReviewStore.open(run.db)
    try:
        assert store.conn.execute("SELECT count(*) FROM jobs").fetchone()[0] == 0
    finally:
        store.close()
    [record] = json.loads(run("agents", "--json").output)
    assert record["reran"] == 0 and record["failed"] == 0


@NEEDS_BWRAP
@pytest.mark.parametrize("own_python", [True, False])
def test_an_external_harness_with_its_own_python_is_not_refused_for_ours(
    run, tmp_path, user_site_pkg, monkeypatch, own_python  # noqa: F811
):
    """The modules checked are this interpreter's: a harness configured to run another
    brings its own, so its reruns queue; one running this interpreter is refused."""
    from tests.rerun.test_external import make_repo, write_config

    repo = tmp_path / "w2s"
    repo.mkdir()
    commit = make_repo(repo)
    labels = tmp_path / "labels.json"
    labels.write_text("[0, 1]")
    write_config(repo, commit, labels)
    if own_python:
        python = tmp_path / "their-python"
        python.write_text("#!/bin/sh\nexit 0\n")
        python.chmod(0o755)
        config = paths.config_file()
        config.write_text(config.read_text() + f'python = "{python}"\n')
    proposal = {"agent": "aar-1", "title": "t", "summary": "s", "harness": "w2s-sandbox",
                "idea": "mine", "base": commit[:12],
                "diff": new_file_diff("w2s_research/ideas/mine/run.py", "x = 1\n"),
                "claimed": {"pgr": 0.5, "seeds": [1, 2]}}
    path = tmp_path / "p.json"
    path.write_text(json.dumps(proposal))
    pid = json.loads(run("ingest", "--json", str(path)).output)["added"][0]
    monkeypatch.setattr(sandbox, "SANDBOX_MODULES", (*sandbox.SANDBOX_MODULES, user_site_pkg[0]))
    out = run("rerun", pid, "--seeds", "1")
    store = ReviewStore.open(run.db)
    try:
        queued = store.conn.execute("SELECT count(*) FROM jobs").fetchone()[0]
    finally:
        store.close()
    if own_python:
        assert out.exit_code == 0 and queued == 1, out.output
    else:
        assert out.exit_code == 1 and f"cannot find {user_site_pkg[0]}" in out.output
        assert queued == 0
