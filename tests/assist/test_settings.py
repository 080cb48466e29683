"""The `[assist]` table: defaults, and errors that name the file and key."""

from __future__ import annotations

import pytest

from reviewer.assist.settings import DEFAULT_MODEL, AssistConfig, load_assist_config
from reviewer.config import ConfigError


def test_defaults_when_missing(tmp_path):
    assert load_assist_config(tmp_path / "none.toml") == AssistConfig()
    assert AssistConfig().model == DEFAULT_MODEL and AssistConfig().max_retries == 2


def test_a_full_table(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('[assist]\nmodel = "claude-opus-4-6"\nbase_url = "https://proxy.example/"\n'
                    "timeout_s = 12.5\nmax_tokens = 4096\nmax_retries = 0\n")
    assert load_assist_config(path) == AssistConfig(
        "claude-opus-4-6", "https://proxy.example/", 12.5, 4096, 0)


@pytest.mark.parametrize(
    ("body", "error"),
    [
        ('api_key = "sk-ant-x"', "assist.api_key: unknown key"),
        ('model = ""', "assist.model: must be a model id"),
        ("model = 4", "assist.model: must be a string, not int"),
        ('base_url = "file:///etc/passwd"', "assist.base_url: must be an http(s) URL"),
        ("timeout_s = 0", "assist.timeout_s: must be a number of seconds"),
        ("timeout_s = nan", "assist.timeout_s: must be a number of seconds"),
        ('timeout_s = "60"', "assist.timeout_s: must be a number, not str"),
        ("max_retries = -1", "assist.max_retries: must lie in [0, 10]"),
        ("max_retries = true", "assist.max_retries: must be an integer, not bool"),
        ("max_tokens = 1.5", "assist.max_tokens: must be an integer, not float"),
    ],
)
def test_bad_values_name_file_and_key(tmp_path, body, error):
    path = tmp_path / "c.toml"
    path.write_text(f"[assist]\n{body}\n")
    with pytest.raises(ConfigError) as info:
        load_assist_config(path)
    assert str(info.value).startswith(f"{path}: {error}")


def test_not_a_table(tmp_path):
    path = tmp_path / "c.toml"
    path.write_text('assist = "on"\n')
    with pytest.raises(ConfigError, match="assist: must be a table"):
        load_assist_config(path)
