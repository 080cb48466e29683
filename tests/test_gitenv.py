"""The isolated git environment: nothing the user's or parent's environment sets reaches git."""

from __future__ import annotations

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
