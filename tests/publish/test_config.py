"""The `[publish]` table: defaults, valid values, and errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from reviewer import paths
from reviewer.config import ConfigError
from reviewer.publish import PublishConfig, load_config


def write(tmp_path: Path, body: str) -> Path:
    file = tmp_path / "config.toml"
    file.write_text(body)
    return file


def test_missing_table_means_publishing_is_off(tmp_path):
    cfg = load_config(write(tmp_path, "[gates]\nrequire_rerun = true\n"))
    assert cfg == PublishConfig(source=tmp_path / "config.toml") and not cfg.enabled


def test_full_table(tmp_path):
    folder = tmp_path / "shared"
    cfg = load_config(write(tmp_path, f"""
[publish]
folder = "{folder}"
remote = "upstream"
branch = "findings/main"
push_retries = 2
http_url = "http://127.0.0.1:8000/"
http_timeout_s = 2.5
rejected = true
"""))
    assert cfg.enabled and cfg.folder == folder and cfg.remote == "upstream"
    assert cfg.branch == "findings/main" and cfg.push_retries == 2
    assert cfg.http_url == "http://127.0.0.1:8000" and cfg.http_timeout_s == 2.5
    assert cfg.rejected is True


def test_defaults(tmp_path):
    cfg = load_config(write(tmp_path, f'[publish]\nfolder = "{tmp_path}"\n'))
    assert (cfg.remote, cfg.branch, cfg.push_retries, cfg.http_url, cfg.rejected) == (
        None, None, 5, None, False)


def test_reads_the_user_config_file_by_default():
    paths.config_file().parent.mkdir(parents=True, exist_ok=True)
    paths.config_file().write_text('[publish]\nfolder = "/srv/findings"\n')
    assert load_config().folder == Path("/srv/findings")


@pytest.mark.parametrize(
    ("body", "key", "words"),
    [
        ('folder = "relative/path"', "folder", "absolute"),
        ("folder = 3", "folder", "must be a string"),
        ('remote = "--upload-pack=evil"', "remote", "not a git remote name"),
        ("remote = true", "remote", "must be a string"),
        ('branch = "../x"', "branch", "not a plain git branch"),
        ('branch = "-f"', "branch", "not a plain git branch"),
        ("push_retries = -1", "push_retries", "between 0 and 100"),
        ("push_retries = 1.5", "push_retries", "must be an integer"),
        ("push_retries = true", "push_retries", "must be an integer"),
        ('http_url = "ftp://x"', "http_url", "http:// or https://"),
        ('http_url = "http://u:p@host"', "http_url", "without query, fragment or credentials"),
        ("http_timeout_s = 0", "http_timeout_s", "(0, 600]"),
        ('http_timeout_s = "5"', "http_timeout_s", "must be a number"),
        ('rejected = "yes"', "rejected", "must be true or false"),
        ("colour = 1", "colour", "unknown key"),
    ],
)
def test_bad_fields_name_the_key(tmp_path, body, key, words):
    file = write(tmp_path, f"[publish]\n{body}\n")
    with pytest.raises(ConfigError) as err:
        load_config(file)
    assert str(err.value).startswith(f"{file}: publish.{key}: ")
    assert words in str(err.value)


def test_folder_that_is_a_file(tmp_path):
    (tmp_path / "afile").write_text("x")
    file = write(tmp_path, f'[publish]\nfolder = "{tmp_path / "afile"}"\n')
    with pytest.raises(ConfigError, match=r"publish\.folder: .* is not a folder"):
        load_config(file)


def test_publish_must_be_a_table(tmp_path):
    with pytest.raises(ConfigError, match="publish: must be a table"):
        load_config(write(tmp_path, 'publish = "x"\n'))
