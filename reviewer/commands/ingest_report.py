"""What an ingest did, file by file, and how the CLI prints it."""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any

import click

from reviewer.context import print_json
from reviewer.textsafe import clean
from store import AddResult, DiffConflict, StoreError


@dataclass(frozen=True)
class IngestStop:
    """A store error that ended an ingest part-way: files done before it stay stored."""

    message: str
    done: int  # files stored, found present or rejected for their content before it
    not_stored: int  # files after them, which a later ingest stores
    unit: str = "files"  # what was counted: the commits of `ingest-git`, findings of `pull`

    def to_json(self) -> dict[str, Any]:
        # The keys say files whatever the unit: JSON shape version 1 fixed them.
        return {"message": self.message, "files_done": self.done,
                "files_not_stored": self.not_stored}

    def line(self) -> str:
        return (f"error: the store: {self.message}; the ingest stopped after {self.done:,} of "
                f"{self.done + self.not_stored:,} {self.unit} (counted above), "
                f"{self.not_stored:,} not stored: run the ingest again to store them")


@dataclass
class IngestReport:
    """What an ingest run did, file by file; a rejected file wrote nothing."""

    added: list[str] = field(default_factory=list)
    present: list[str] = field(default_factory=list)
    attached: list[str] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    # What the ingest did besides storing files that a person should hear of (a decision
    # published by its retry); informational, never a failure.
    notes: list[str] = field(default_factory=list)
    # Added ids whose static checks went in with their ingest (not part of the JSON).
    checked: set[str] = field(default_factory=set)
    # (file, conflict) for each diff offered for a proposal that has another (not in the JSON).
    disputes: list[tuple[str, DiffConflict]] = field(default_factory=list)
    # Errors that read nothing at all (a server down, a repository that is not one), which the
    # summary names apart from rejected files (not part of the JSON: they are in `errors`).
    unreadable: int = 0
    # The store error that ended the ingest before every file was stored; None when none did.
    stopped: IngestStop | None = None

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

    def stop(self, message: str, done: int, total: int, unit: str = "files") -> None:
        """The store failed after `done` of `total` files (or commits, or findings: `unit`);
        past the last one it only warns."""
        if done < total:
            self.stopped = IngestStop(message, done, total - done, unit)
        else:
            self.warnings.append(f"the store failed after all the {unit} were stored: {message}")

    def unfinished(self, exc: Exception) -> None:
        """A warning that the store failed again after it stopped the storing, in the static
        checks or the withdrawals of what was stored: the stop already asks for another run,
        which finishes them."""
        self.warnings.append(f"the checks, disputes and withdrawals of what was stored were "
                             f"not finished ({exc}); the next ingest finishes them")

    @property
    def failed(self) -> bool:
        """Whether a file was rejected or could not be read, or the store stopped the ingest."""
        return bool(self.errors) or self.stopped is not None

    def to_json(self) -> dict[str, Any]:
        return {
            "added": self.added,
            "present": self.present,
            "attached": self.attached,
            "errors": self.errors,
            "warnings": self.warnings,
            "notes": self.notes,
            "error": None if self.stopped is None else self.stopped.to_json(),
        }


def print_report(report: IngestReport, as_json: bool, unit: str = "files") -> None:
    """The ids and errors as JSON, or counts with each warning and error; exit 1 on errors
    or when the store stopped the ingest.

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
        print_notes(report)
        print_errors(report)
    if report.failed:
        sys.exit(1)


def print_notes(report: IngestReport) -> None:
    """Each note, then each warning, on stderr as `note: …` / `warning: …`, one clean line
    each."""
    for n in report.notes:
        click.echo(clean(f"note: {n}", single_line=True), err=True)
    for w in report.warnings:
        click.echo(clean(f"warning: {w}", single_line=True), err=True)


def print_errors(report: IngestReport) -> None:
    """Each error on stderr as `error: path:line: field: message`, on one clean line; then
    the store error that stopped the ingest, if one did."""
    for e in report.errors:
        where = ":".join(str(x) for x in (e["path"], e["line"]) if x is not None)
        where += f": {e['field']}" if e["field"] else ""
        click.echo(clean(f"error: {where}: {e['message']}", single_line=True), err=True)
    if report.stopped is not None:
        click.echo(clean(report.stopped.line(), single_line=True), err=True)
