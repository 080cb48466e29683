"""The isolated git environment: nothing the user's or parent's environment sets reaches git."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from reviewer.gitenv import isolated_env


def test_a_hostile_environment_and_global_config_do_not_reach_git(tmp_path, monkeypatch):
    home = tmp_path / "home"
    home.mkdir()
    (home / ".gitconfig").write_text("[user]\n\tname = from-global\n")
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("GIT_CONFIG_PARAMETERS", "'user.name'='from-parameters'")
    monkeypatch.setenv("GIT_DIR", str(tmp_path / "elsewhere"))
    # Without isolation git would read both.
    leaky = subprocess.run(["git", "config", "user.name"], capture_output=True, text=True,
                           cwd=tmp_path, check=False)  # fmt: skip
    assert leaky.stdout.strip() == "from-parameters"

    work = tmp_path / "work"
    work.mkdir()
    env = isolated_env(work, ceiling=tmp_path, GIT_OPTIONAL_LOCKS="0")
    assert set(env) == {"PATH", "LC_ALL", "HOME", "GIT_CONFIG_NOSYSTEM", "GIT_CONFIG_GLOBAL",
                        "GIT_TERMINAL_PROMPT", "GIT_CEILING_DIRECTORIES", "GIT_OPTIONAL_LOCKS"}
    isolated = subprocess.run(["git", "config", "user.name"], capture_output=True, text=True,
                              cwd=work, env=env, check=False)  # fmt: skip
    assert isolated.returncode == 1 and isolated.stdout == ""
    assert env["HOME"] == str(work) and "GIT_CEILING_DIRECTORIES" not in isolated_env(work)


def test_run_git_names_the_subcommand_and_gits_own_words(tmp_path):
    from reviewer.gitenv import GitError, reader_argv, reader_env, run_git

    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    assert run_git(reader_argv(repo), "rev-parse", "--is-inside-work-tree",
                   env=reader_env(repo), timeout=30) == b"true\n"
    with pytest.raises(GitError, match=r"^git cat-file failed: fatal: .*HEAD"):
        run_git(reader_argv(repo), "cat-file", "blob", "HEAD:x", env=reader_env(repo),
                timeout=30)
    with pytest.raises(GitError, match=r"^git is not installed$"):
        run_git(reader_argv(repo), "status", env={"PATH": str(tmp_path / "empty")},
                timeout=30)


def test_run_git_reports_a_hang_and_the_last_words_of_a_failure(tmp_path):
    """One runner for every reader of git: a stalled git is stopped and said to have timed
    out, and a failure keeps git's last lines, where its `fatal:` comes after warnings."""
    from reviewer.gitenv import GitError, run_git

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "git"
    fake.write_text(f'#!/bin/sh\nif [ "$1" = log ]; then exec {shutil.which("sleep")} 30; fi\n'
                    'printf "warning: one\\nwarning: two\\nhint: three\\nfatal: four\\n" >&2\n'
                    "exit 128\n")
    fake.chmod(0o755)
    env = {"PATH": str(bin_dir)}
    with pytest.raises(GitError, match=r"^git log timed out after 0\.5 s$"):
        run_git(["git"], "log", env=env, timeout=0.5)
    with pytest.raises(GitError) as failed:
        run_git(["git"], "status", env=env, timeout=30)
    assert str(failed.value) == "git status failed: warning: two / hint: three / fatal: four"
    assert failed.value.said == "warning: two / hint: three / fatal: four"


def test_streaming_git_times_out_fails_and_stops_when_the_reader_does(tmp_path):
    """The streamed runner, which the repository reader and the harness export share, says
    what `run_git` says, and a reader that stops early leaves no git running."""
    from reviewer.gitenv import GitError, streaming_git

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "git"
    fake.write_text(f'#!/bin/sh\nif [ "$1" = log ]; then exec {shutil.which("sleep")} 30; fi\n'
                    f'if [ "$1" = cat-file ]; then exec {shutil.which("yes")}; fi\n'
                    'printf "warning: one\\nwarning: two\\nhint: three\\nfatal: four\\n" >&2\n'
                    "exit 128\n")
    fake.chmod(0o755)
    env = {"PATH": str(bin_dir)}
    with streaming_git(["git"], "log", env=env, timeout=0.5) as git:
        assert git.stdout.read() == b""
        with pytest.raises(GitError, match=r"^git log timed out after 0\.5 s$"):
            git.finish()
    with streaming_git(["git"], "status", env=env, timeout=30) as git:
        with pytest.raises(GitError) as failed:
            git.finish()
    assert str(failed.value) == "git status failed: warning: two / hint: three / fatal: four"
    with streaming_git(["git"], "cat-file", env=env, timeout=30) as git:
        assert git.stdout.read(4) == b"y\ny\n"
    assert git.proc.returncode is not None  # stopped, not left writing for ever
