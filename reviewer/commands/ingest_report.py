"""What an ingest did, file by file, and how the CLI prints it."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any

import click

from reviewer.context import print_json
from reviewer.textsafe import clean
from store import AddResult, DiffConflict, StoreError


@dataclass
class IngestReport:
    """What an ingest run did, file by file; a rejected file wrote nothing."""

    added: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    attached: list[str] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # Added ids whose static checks went in with their ingest (not part of the JSON).
    checked: set[str] = field(default_factory=set)
    # (file, conflict) for each diff offered for a proposal that has another (not in the JSON).
    disputes: list[tuple[str, DiffConflict]] = field(default_factory=list)
    # Errors that read nothing at all (a server down, a repository that is not one), which the
    # summary names apart from rejected files (not part of the JSON: they are in `errors`).
    unreadable: int = 0

    def merge(self, result: AddResult) -> None:
        self.added += result.added
        self.present += result.present
        self.attached += result.attached
        self.checked.update(result.checked)

    def unchecked(self) -> list[str]:
        """Ids still to check: added without checks, and every attach (its diff is new)."""
        return [pid for pid in self.added if pid not in self.checked] + self.attached

    def fail(
        self, source: str, message: str, line: int | None = None, field_name: str | None = None
    ) -> None:
        self.errors.append({"path": source, "line": line, "field": field_name, "message": message})

    def fail_source(self, source: str, message: str) -> None:
        """The source itself could not be read: nothing in it was rejected."""
        self.fail(source, message)
        self.unreadable += 1

    def refused(self, source: str, exc: StoreError) -> None:
        """A file the store refused; a second diff for a proposal is kept as a dispute too."""
        self.fail(source, str(exc))
        if isinstance(exc, DiffConflict):
            self.disputes.append((source, exc))

    def to_json(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "present": self.present,
            "attached": self.attached,
            "errors": self.errors,
            "warnings": self.warnings,
        }


def print_report(report: IngestReport, as_json: bool, unit: str = "files") -> None:
    """The ids and errors as JSON, or counts with each warning and error; exit 1 on errors.

    `unit` is what an error rejects: files, or the commits of `ingest-git`.
    """
    if as_json:
        print_json(report.to_json())
    else:
        unread = f", could not read {report.unreadable}" if report.unreadable else ""
        click.echo(
            f"added {len(report.added)}, already present {len(report.present)}, "
            f"diff attached {len(report.attached)}, "
            f"rejected {unit} {len(report.errors) - report.unreadable}{unread}"
        )
        for w in report.warnings:
            click.echo(clean(f"warning: {w}", single_line=True), err=True)
        print_errors(report)
    if report.errors:
        sys.exit(1)


def print_errors(report: IngestReport) -> None:
    """Each error on stderr as `error: path:line: field: message`, on one clean line."""
    for e in report.errors:
        where = ":".join(str(x) for x in (e["path"], e["line"]) if x is not None)
        where += f": {e['field']}" if e["field"] else ""
        click.echo(clean(f"error: {where}: {e['message']}", single_line=True), err=True)
