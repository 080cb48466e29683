"""Run an ingest again and again (`pull --every`, `ingest-git --every`), a line per round."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

import click

from reviewer.commands.ingest_report import IngestReport, print_errors, print_notes, print_report

Emit = Callable[[int, IngestReport, int], None]
# One round: its report, and how many items it skipped as unchanged since an earlier round.
Round = Callable[[], tuple[IngestReport, int]]
F = TypeVar("F", bound=Callable[..., None])


def repeat(
    once: Round,
    *,
    every: float,
    rounds: int | None,
    emit: Emit,
    sleep: Callable[[float], None] = time.sleep,
) -> IngestReport:
    """Call `once` every `every` seconds, `rounds` times or until interrupted; the last report.

    A failed round (a server down, a repository mid-rewrite) is reported and the next tries again.
    """
    done = 0
    report = IngestReport()
    while rounds is None or done < rounds:
        if done:
            sleep(every)
        report, skipped = once()
        done += 1
        emit(done, report, skipped)
    return report


def line_emitter(word: str, as_json: bool) -> Emit:
    """A line per round (`{word} N: added …`) on stdout, then its notes, warnings and errors
    on stderr, one a line; or with `as_json` a JSON object per line, which holds them all."""

    def emit(number: int, report: IngestReport, skipped: int) -> None:
        at = datetime.now(UTC).isoformat(timespec="seconds")
        if as_json:  # JSON Lines a script can follow
            line = {word: number, "at": at, **report.to_json(), "unchanged": skipped}
            click.echo(json.dumps(line, ensure_ascii=True, allow_nan=False))
            return
        click.echo(
            f"{at}  {word} {number}: added {len(report.added)}, "
            f"already present {len(report.present)}, unchanged since the last {word} {skipped}, "
            f"errors {len(report.errors)}"
            + (f", stopped with {report.stopped.not_stored} {report.stopped.unit} not stored"
               if report.stopped is not None else "")
        )
        print_notes(report)
        print_errors(report)

    return emit


def run_rounds(once: Round, word: str, every: float, rounds: int | None, as_json: bool) -> None:
    """The command's loop: ctrl+c stops it quietly; exit 1 if the last round had errors or
    the store stopped it."""
    try:
        last = repeat(once, every=every, rounds=rounds, emit=line_emitter(word, as_json))
    except KeyboardInterrupt:
        click.echo("stopped", err=True)
        return
    if last.failed:
        raise click.exceptions.Exit(1)


def repeat_options(doing: str, noun: str) -> Callable[[F], F]:
    """`--every`, `--rounds` and `--json`, for a command that can run again and again."""

    def wrap(command: F) -> F:
        command = click.option("--json", "as_json", is_flag=True,
                               help="Print added/present ids and errors.")(command)
        command = click.option("--rounds", type=click.IntRange(min=1),
                               help=f"With --every: stop after this many {noun}s.")(command)
        return click.option(
            "--every", type=click.FloatRange(min=1.0), metavar="SECONDS",
            help=f"Keep {doing}, this many seconds apart, until interrupted (ctrl+c).",
        )(command)  # fmt: skip

    return wrap


def once_or_every(
    once: Callable[[set[str] | None], tuple[IngestReport, int]],
    noun: str,
    every: float | None,
    rounds: int | None,
    as_json: bool,
    unit: str = "files",
) -> None:
    """Run `once` and print its report, or with `every` run it in rounds sharing one seen-set.

    `unit` is what the report calls a rejected item.
    """
    if every is None:
        if rounds is not None:
            raise click.UsageError("--rounds needs --every")
        print_report(once(None)[0], as_json, unit)
        return
    seen: set[str] = set()
    run_rounds(lambda: once(seen), noun, every, rounds, as_json)
