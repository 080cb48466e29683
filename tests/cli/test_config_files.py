"""A config.toml that is hostile in shape (too deep, not a file, too big) or holds an unusable
value is refused as an error naming the file and the key, never a traceback, a hang, or a
setting quietly turned the unsafe way."""

from __future__ import annotations

import json
import os
import re
import threading
from pathlib import Path

import pytest

from reviewer import paths
from reviewer.config import MAX_CONFIG_BYTES, ConfigError, read_section
from reviewer.publish.config import load_config as load_publish_config
from reviewer.tuiconfig import load_tui_settings
from tests.cli.test_cli import ingest_ids, proposals_file, run  # noqa: F401  (fixtures)


def _config(text: str) -> Path:
    file = paths.config_file()
    file.parent.mkdir(parents=True, exist_ok=True)
    file.write_text(text)
    return file


def test_a_deeply_nested_config_is_not_valid_toml(run):  # noqa: F811
    # tomllib recurses once per bracket: 5000 of them was a RecursionError in every command.
    file = _config("x = " + "[" * 5000 + "]" * 5000 + "\n")
    result = run("list")
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {file}: not valid TOML (nested too deeply)")


def _feed(fifo: Path, text: str) -> threading.Thread:
    """A writer that waits for a reader of `fifo`, writes `text` and closes: an old reader of
    the FIFO got the text, where it would otherwise wait for a writer forever."""

    def write() -> None:
        fd = os.open(fifo, os.O_WRONLY)  # returns once a reader has the FIFO open
        try:
            os.write(fd, text.encode())
        except BrokenPipeError:
            pass  # the reader looked at what the file is and closed it without reading
        finally:
            os.close(fd)

    thread = threading.Thread(target=write, daemon=True)
    thread.start()
    return thread


def test_a_fifo_config_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "config.toml"
    os.mkfifo(fifo)
    writer = _feed(fifo, "[tui]\nblinded = true\n")
    try:
        with pytest.raises(ConfigError, match=r"config\.toml: not a regular file"):
            read_section("tui", fifo)
    finally:
        # Lets a writer still waiting for a reader finish; the pipe buffer takes its text.
        reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
        writer.join()
        os.close(reader)


def test_a_directory_or_device_config_is_refused(tmp_path):
    folder = tmp_path / "config.toml"
    folder.mkdir()
    with pytest.raises(ConfigError, match=r"config\.toml: not a regular file"):
        read_section("tui", folder)
    with pytest.raises(ConfigError, match=r"/dev/null: not a regular file"):
        read_section("tui", "/dev/null")


def test_a_config_over_the_size_cap_is_refused(tmp_path):
    file = tmp_path / "config.toml"
    line = "# " + "x" * 98 + "\n"
    file.write_text("[tui]\nblinded = true\n" + line * (MAX_CONFIG_BYTES // len(line) + 1))
    with pytest.raises(ConfigError, match=rf"{file}: larger than 1024 KiB"):
        read_section("tui", file)
    file.write_text("[tui]\nblinded = true\n" + line * 100)
    assert read_section("tui", file) == (file, {"blinded": True})


@pytest.mark.parametrize("value", ['"yes"', '"false"', "1", "0", "[]"])
def test_a_wrongly_typed_blinded_fails_safe(tmp_path, value):
    # A string or number is not true or false; whoever wrote it wanted something, and an
    # unblinded look at the claims cannot be taken back, so blinded review stays on.
    file = tmp_path / "config.toml"
    file.write_text(f"[tui]\nblinded = {value}\n")
    settings, problems = load_tui_settings(file)
    assert settings.blinded
    assert len(problems) == 1
    assert problems[0].startswith(f"{file}: tui.blinded: must be true or false, not ")
    assert problems[0].endswith("blinded review is on until it is fixed")


def test_blinded_false_and_a_missing_key_stay_off(tmp_path):
    file = tmp_path / "config.toml"
    file.write_text("[tui]\nblinded = false\n")
    assert load_tui_settings(file) == (load_tui_settings(file)[0], [])
    assert not load_tui_settings(file)[0].blinded
    file.write_text("[tui]\n")
    assert not load_tui_settings(file)[0].blinded


@pytest.mark.parametrize(
    ("folder", "message"),
    [
        ("/tmp/a\\u0000b", "must not contain a NUL character"),
        ("/tmp/" + "a" * 300, "cannot be a folder (File name too long)"),
        ("{file}/inside", "cannot be a folder (Not a directory)"),
    ],
)
def test_an_unusable_publish_folder_is_a_config_error(tmp_path, folder, message):
    file = tmp_path / "config.toml"
    file.write_text(f'[publish]\nfolder = "{folder.format(file=file)}"\n')
    pattern = rf"^{re.escape(str(file))}: publish\.folder: .*{re.escape(message)}"
    with pytest.raises(ConfigError, match=pattern):
        load_publish_config(file)


def test_a_nul_in_the_publish_folder_stops_the_approval(run, proposals_file):  # noqa: F811
    # It passed as an absolute path, so the approval was recorded and publishing then
    # crashed ("embedded null byte") without a publish_failed event.
    _config('[publish]\nfolder = "/tmp/a\\u0000b"\n')
    pid = ingest_ids(run, proposals_file)[0]
    result = run("approve", pid, "--reason", "ok", "--override", "test")
    assert result.exit_code == 1
    assert "publish.folder: must not contain a NUL character" in result.output
    _config("")
    assert json.loads(run("show", "--json", pid).output)["status"] == "pending"
