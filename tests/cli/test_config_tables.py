"""A misspelt top-level table or a stray top-level key in config.toml is an error naming the
file and the name, since silently ignoring `[gate]` left a two-person rule off."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from reviewer import keys
from reviewer.assist.settings import load_assist_config
from reviewer.audit_config import load_audit_config
from reviewer.config import TABLES, ConfigError, load_config
from reviewer.gates_config import load_policy
from reviewer.publish.config import load_config as load_publish_config
from reviewer.tuiconfig import load_tui_settings
from store import ReviewStore
from tests.cli.test_cli import native, run  # noqa: F401  (fixture)

KNOWN = "known tables: assist, audit, gates, harness, keys, publish, tui"
REVIEWER = Path(__file__).resolve().parents[2] / "reviewer"


def _config(home: Path, text: str) -> Path:
    file = home / "config" / "config.toml"
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(text)
    return file


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[gate]\nrequired_approvals = 2\n", "gate: unknown table"),
        ("[pubilsh]\nremote = 'x'\n", "pubilsh: unknown table"),
        ("[gates.extra]\n", "gates.extra: unknown key"),  # the table's own check still runs
        ("blinded = true\n[tui]\n", "blinded: unknown top-level key"),
    ],
)
def test_an_unknown_name_stops_a_command_naming_the_file(run, isolated_home, text, message):  # noqa: F811
    file = _config(isolated_home, text)
    out = run("list")
    assert out.exit_code == 1
    assert out.output.startswith(f"Error: {file}: {message}"), out.output
    if "table" in message:
        assert out.output.strip().endswith(f"({KNOWN})")


def test_every_loader_refuses_an_unknown_table(tmp_path):
    file = _config(tmp_path, "[gate]\n")
    for load in (load_policy, load_audit_config, load_assist_config, load_publish_config,
                 load_config):
        with pytest.raises(ConfigError, match=re.escape(f"{file}: gate: unknown table")):
            load(file)
    # The TUI reports config problems as notices rather than failing to start.
    assert load_tui_settings(file)[1] == [
        f"{file}: gate: unknown table ({KNOWN}); blinded review is on until it is fixed"]


def test_a_config_with_every_known_table_loads(run, isolated_home):  # noqa: F811
    file = _config(isolated_home, "\n".join(f"[{name}]" for name in TABLES) + "\n")
    ReviewStore.open(run.db).close()
    assert run("list").exit_code == 0
    assert load_config(file).harnesses == {} and keys.load_keymap(file) == ({}, [])
    assert load_tui_settings(file)[1] == []


def test_every_table_a_module_reads_is_known():
    read = set()
    for source in REVIEWER.rglob("*.py"):
        read |= set(re.findall(r"read_section\(\s*\"(\w+)\"", source.read_text()))
    read |= {"harness", "keys"}  # read whole by load_config and keys.load_keymap
    assert read == set(TABLES)
