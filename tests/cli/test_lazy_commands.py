"""The command table: each name loads its own command, and none is imported before it runs."""

from __future__ import annotations

import subprocess
import sys

import click
from click.testing import CliRunner

from reviewer.cli import COMMANDS, cli


def test_each_name_loads_the_command_of_that_name() -> None:
    """A mistyped module or attribute in the table fails here, not in a user's shell."""
    ctx = click.Context(cli)
    for name in COMMANDS:
        command = cli.get_command(ctx, name)
        assert isinstance(command, click.Command), name
        assert command.name == name


def test_help_lists_every_command_with_the_default_first() -> None:
    """--help names each command, `tui` marked as the default."""
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0, result.output
    listed = result.output.split("Commands:")[1].split()
    assert listed[0] == "tui*"
    for name in COMMANDS:
        assert name in listed or f"{name}*" in listed, name


def test_the_cli_module_imports_no_command_until_one_runs() -> None:
    """Start-up pays only for the command asked for: --version loads none of them."""
    code = (
        "import sys, contextlib, io\n"
        "from reviewer.cli import cli\n"
        "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
        "    cli(['--version'], prog_name='reviewer')\n"
        "print(sorted(m for m in sys.modules if m.startswith('reviewer.commands.')))\n"
        "with contextlib.suppress(SystemExit), contextlib.redirect_stdout(io.StringIO()):\n"
        "    cli(['path', '--help'], prog_name='reviewer')\n"
        "loaded = [f'reviewer.commands.{m}' in sys.modules for m in ('demo', 'report')]\n"
        "print(*loaded)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.splitlines()
    assert out == ["[]", "True False"]


def test_an_unknown_command_is_refused_as_before_the_table() -> None:
    """A typo reaches the default command, which refuses the extra word, first time or not."""
    code = (
        "import contextlib, io, sys\n"
        "from reviewer.cli import cli\n"
        "err = io.StringIO()\n"
        "with contextlib.suppress(SystemExit), contextlib.redirect_stderr(err):\n"
        "    cli(['lsit'], prog_name='reviewer')\n"
        "print(err.getvalue().splitlines()[-1])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out == "Error: Got unexpected extra argument (lsit)\n"
