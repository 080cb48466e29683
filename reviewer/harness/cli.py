"""`reviewer harness ...`: inspect, export and run the built-in W2S harness.

Heavy imports (torch, the harness API) happen inside the commands so the app starts fast.
"""

from __future__ import annotations

import json
import math

import click

from reviewer.rerun.jobs import read_seed_list
from reviewer.rerun.request import device_problem
from reviewer.textsafe import clean

MAX_LISTED = 10_000  # seeds one list may name: a range is counted before it is expanded


def parse_seeds(value: str) -> list[int]:
    """'1,2,3' or '1-5' -> a list of distinct ints, in order (at most MAX_LISTED)."""
    try:
        return read_seed_list(value, MAX_LISTED)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc


def _seeds(_ctx: click.Context, _param: click.Parameter, value: str) -> list[int]:
    """`--seeds`, parsed while click can still name the option in an error."""
    return parse_seeds(value)


def _device(_ctx: click.Context, _param: click.Parameter, value: str) -> str:
    """`--device`: a name the harness takes, and for CUDA one torch here can use."""
    problem = device_problem(value)
    if problem is not None:
        raise click.BadParameter(problem)
    return value


def _fmt(value: float | None, digits: int = 3) -> str:
    """A number for the table; dashes for missing values."""
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "-"
    return f"{value:.{digits}f}"


@click.group(name="harness")
def harness() -> None:
    """The built-in weak-to-strong harness: info, export, and trusted development runs."""


@harness.command("info")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def info_cmd(as_json: bool) -> None:
    """Show the tree hash, task families and sizes."""
    from reviewer.harness import api

    data = api.info()
    if as_json:
        click.echo(json.dumps(data, indent=2))
        return
    click.echo(f"tree hash  {data['tree_hash']}")
    click.echo(f"methods    {', '.join(data['methods'])}")
    click.echo(f"sizes      {', '.join(map(str, data['sizes']))}")
    click.echo("tasks")
    for name, summary in data["tasks"].items():
        mark = "*" if name == data["default_task"] else " "
        click.echo(f"  {mark} {name:<12} {summary}")


@harness.command("export")
@click.argument("directory", type=click.Path(file_okay=False))
@click.option("--git", "as_git", is_flag=True,
              help="Make DIRECTORY a git repository whose first commit is the tree.")
def export_cmd(directory: str, as_git: bool) -> None:
    """Write the exact tree agents diff against into DIRECTORY (empty or new).

    With --git, agents commit their methods on top and `reviewer ingest-git DIRECTORY` takes
    each commit as a proposal.
    """
    from reviewer.harness import api
    from reviewer.harness.gitexport import GitExportError, commit_tree
    from reviewer.harness.treehash import exporting

    sha = None
    try:
        with exporting(directory) as path:  # a failed commit removes the export as well
            if as_git:
                sha = commit_tree(path, api.tree_hash())
    except FileExistsError as exc:
        raise click.ClickException(str(exc)) from exc
    except GitExportError as exc:
        raise click.ClickException(f"{exc}; the partial export was removed") from exc
    how = f" as git commit {sha}" if sha else ""
    click.echo(f"exported {api.tree_hash()} to {path}{how}")


@harness.command("run")
@click.option("--method", required=True,
              help="A shipped method name, or a path to <tree>/methods/<idea>.py.")
@click.option("--method-dir", type=click.Path(file_okay=False, exists=True),
              help="A harness tree (e.g. a patched copy) whose methods/ holds --method.")
@click.option("--task", default="clusters", show_default=True)
@click.option("--seeds", default="1,2,3,4,5", show_default=True, callback=_seeds)
@click.option("--size", default=1, show_default=True, type=click.IntRange(1, 1024))
@click.option("--device", default="auto", show_default=True, callback=_device,
              help="auto, cpu, cuda, cuda:N")
@click.option("--claim", type=float, help="A claimed PGR to judge against.")
@click.option("--timeout", default=3600.0, show_default=True, help="Seconds for the method.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
def run_cmd(method: str, method_dir: str | None, task: str, seeds: list[int], size: int,
            device: str, claim: float | None, timeout: float, as_json: bool) -> None:
    """Run a method in its own process on SEEDS, paired with naive, and score it."""
    from reviewer.harness import api

    try:
        result = api.rerun(method, task, size, seeds, device, method_dir,
                           claim=claim, timeout=timeout)
    except (KeyError, ValueError, FileNotFoundError) as exc:
        raise click.ClickException(str(exc).strip("'\"")) from exc
    data = result.to_json()
    if as_json:
        click.echo(json.dumps(data, indent=2))
    else:
        _print_table(data)
    if data["verdict"] == "failed":
        raise SystemExit(1)


def _print_table(data: dict) -> None:
    """Per-seed rows, then the summary lines."""
    click.echo(f"{data['method']} on {data['task']} (size {data['size']}, "
               f"{data['env']['device']}, {data['env']['wall_s']:.1f} s)")
    click.echo(f"{'seed':>6} {'weak':>7} {'ceiling':>7} {'transfer':>8} {'pgr':>7}")
    for row in data["per_seed"]:
        click.echo(f"{row['seed']:>6} {_fmt(row['weak_acc']):>7} {_fmt(row['ceiling_acc']):>7} "
                   f"{_fmt(row['transfer_acc']):>8} {_fmt(row['pgr']):>7}")
    lo, hi = data["pgr_ci"]
    click.echo(f"PGR {_fmt(data['pgr_mean'])} ± {_fmt(data['pgr_se'])} (SE), "
               f"95% CI [{_fmt(lo)}, {_fmt(hi)}]; fixed-baseline PGR "
               f"{_fmt(data['fixed_baseline_pgr'])}")
    click.echo(f"naive PGR {_fmt(data['baseline_pgr_mean'])}; gain {_fmt(data['gain_mean'])}, "
               f"paired t-test p = {_fmt(data['gain_p_value'], 4)}")
    if data["verdict"]:
        click.echo(f"verdict: {data['verdict']}")
    for note in data["notes"]:
        # A note can quote the method's last line of output, which it writes as it likes.
        click.echo(clean(f"note: {note}", single_line=True))
