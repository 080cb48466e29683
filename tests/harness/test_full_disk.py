"""The harness's own files on a full disk: the salt, the baseline cache and `harness export`.

A full disk is made real for any user by a child process whose RLIMIT_FSIZE stops every
write past a few bytes (EFBIG, as a full disk gives ENOSPC); the rest block a path with a file.
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from reviewer.config import ConfigError
from reviewer.harness import api, baselines, treehash
from reviewer.harness.cli import harness
from reviewer.harness.salt import SALT_BYTES, load_salt, salt_path
from reviewer.paths import cache_dir


def _file_cap(limit: int) -> Callable[[], None]:
    """A preexec hook that caps the size of any file the child writes at `limit` bytes."""
    hard = resource.getrlimit(resource.RLIMIT_FSIZE)[1]

    def cap() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the cap fails, not kills
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, hard))

    return cap


def _run_capped(argv: list[str], limit: int) -> subprocess.CompletedProcess[str]:
    """Run Python with `argv` in a child that cannot write more than `limit` bytes a file."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run(
        [sys.executable, *argv],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=_file_cap(limit),
        check=False,
    )


def _leftovers(folder: Path) -> list[Path]:
    """Temporary files left anywhere under `folder`."""
    return [p for p in folder.rglob("*") if p.name.endswith(".tmp")] if folder.exists() else []


# --- the salt -------------------------------------------------------------------------------


def test_salt_write_that_fails_leaves_no_file_and_a_retry_works() -> None:
    done = _run_capped(["-c", "from reviewer.harness.salt import load_salt; load_salt()"], 0)
    assert done.returncode != 0
    assert "could not write the new secret salt" in done.stderr
    assert str(salt_path()) in done.stderr
    assert not salt_path().exists() and not _leftovers(salt_path().parent)
    salt = load_salt()
    assert len(salt) == SALT_BYTES and load_salt() == salt


def test_empty_salt_file_from_an_interrupted_write_is_replaced() -> None:
    salt_path().parent.mkdir(parents=True)
    salt_path().write_bytes(b"")
    salt = load_salt()
    assert len(salt) == SALT_BYTES and salt_path().read_bytes() == salt
    assert salt_path().stat().st_mode & 0o777 == 0o600
    assert load_salt() == salt and not _leftovers(salt_path().parent)


def test_salt_of_the_wrong_size_is_refused_and_kept() -> None:
    salt_path().parent.mkdir(parents=True)
    salt_path().write_bytes(b"12345")
    with pytest.raises(ConfigError, match=r"holds 5 bytes.*delete it to make a new salt"):
        load_salt()
    assert salt_path().read_bytes() == b"12345"


# --- the baseline cache ---------------------------------------------------------------------


def test_baselines_are_scored_without_a_cache_that_cannot_be_written(
    capsys: pytest.CaptureFixture[str],
) -> None:
    blocked = cache_dir() / "harness"
    blocked.parent.mkdir(parents=True)
    blocked.write_text("not a folder")
    with baselines.data_held():
        first = baselines.get_baselines("clusters", 1, [1])
        note = capsys.readouterr().err
        again = baselines.get_baselines("clusters", 1, [1])
        assert capsys.readouterr().err == ""  # kept for the rest of the block, not retrained
    assert "note: could not cache 1 baseline(s)" in note and str(blocked) in note
    assert again[0] is first[0]
    blocked.unlink()
    cached = baselines.get_baselines("clusters", 1, [1])
    assert baselines.cache_folder("clusters", 1, "cpu").joinpath("seed1.npz").is_file()
    np.testing.assert_array_equal(cached[0].weak_probs, first[0].weak_probs)
    assert (cached[0].weak_acc, cached[0].ceiling_acc) == (first[0].weak_acc, first[0].ceiling_acc)


def test_baseline_cache_write_on_a_full_disk_leaves_no_temporary_file(
    reviewer_home: Path,
) -> None:
    load_salt()  # 32 bytes fit under the cap below; the baseline file does not
    code = (
        "from reviewer.harness import baselines\n"
        "b = baselines.get_baselines('clusters', 1, [1])\n"
        "print('weak_acc', b[0].weak_acc)\n"
    )
    done = _run_capped(["-c", code], 4096)
    assert done.returncode == 0, done.stderr
    assert "weak_acc" in done.stdout
    folder = baselines.cache_folder("clusters", 1, "cpu")
    assert f"note: could not cache 1 baseline(s): {folder / 'seed1.npz'}" in done.stderr
    assert not _leftovers(reviewer_home) and not (folder / "seed1.npz").exists()


# --- harness export -------------------------------------------------------------------------


@pytest.mark.parametrize("existed", [False, True])
def test_export_on_a_full_disk_names_the_destination_and_undoes_itself(
    tmp_path: Path,
    existed: bool,
) -> None:
    dest = tmp_path / "new" / "agents"
    if existed:
        dest.mkdir(parents=True)
    # README.md fits under the cap and is copied; w2s_kit/student.py is larger and is not.
    done = _run_capped(["-m", "reviewer", "harness", "export", str(dest)], 4096)
    assert done.returncode == 1
    assert f"Error: {dest}{os.sep}" in done.stderr
    assert "partial export was removed" in done.stderr
    assert str(treehash.tree_root()) not in done.stderr
    if existed:
        assert dest.is_dir() and not any(dest.iterdir())
    else:
        assert not (tmp_path / "new").exists()
    api.export_tree(dest)
    assert treehash.git_tree_hash(dest) == api.tree_hash()


@pytest.mark.skipif(shutil.which("git") is None, reason="git not installed")
def test_export_git_failure_removes_the_export(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    dest = tmp_path / "agents"
    no_git = tmp_path / "empty-bin"
    no_git.mkdir()
    with monkeypatch.context() as patch:
        patch.setenv("PATH", str(no_git))
        failed = CliRunner().invoke(harness, ["export", str(dest), "--git"])
    assert failed.exit_code == 1
    assert "git is not installed" in failed.output and "removed" in failed.output
    assert not dest.exists()
    again = CliRunner().invoke(harness, ["export", str(dest), "--git"])
    assert again.exit_code == 0, again.output
    assert "as git commit" in again.output and (dest / ".git").is_dir()


def test_a_cut_short_naive_score_in_the_cache_is_scored_again() -> None:
    from reviewer.harness import api

    folder = baselines.cache_folder("clusters", 1, "cpu")
    folder.mkdir(parents=True, exist_ok=True)
    cut = folder / f"{api.BASELINE_METHOD}_seed1.json"
    cut.write_bytes(b"")  # what a full disk left before the cache wrote through a temp file
    result = api.rerun("naive", "clusters", 1, [1], "cpu")
    assert [s.seed for s in result.baseline] == [1]
    assert json.loads(cut.read_text())["seed"] == 1
    assert not _leftovers(folder)


@pytest.mark.parametrize("cut", [b"", b"PK\x03\x04 cut short"])
def test_a_cut_short_baseline_in_the_cache_is_computed_again(cut: bytes) -> None:
    folder = baselines.cache_folder("clusters", 1, "cpu")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "seed1.npz").write_bytes(cut)
    [base] = baselines.get_baselines("clusters", 1, [1])
    assert base.seed == 1 and 0.5 < base.weak_acc < 1
    [again] = baselines.get_baselines("clusters", 1, [1])  # from the rewritten cache now
    assert again.weak_acc == base.weak_acc
