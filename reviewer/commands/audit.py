"""`reviewer audit verify` and `reviewer audit export`."""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import json
import os
import re
import stat
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO

import click

from reviewer.audit_config import load_audit_config
from reviewer.config import ConfigError
from reviewer.context import Context, pass_ctx, print_json
from reviewer.mdsafe import inline
from reviewer.report.output import atomic_file
from reviewer.textsafe import clean
from store.audit import Event
from store.signing import SignatureCheck, SigningError
from store.verify import VerifyReport, verify_store


@click.group("audit")
def audit_group() -> None:
    """Check and export the tamper-evident audit trail."""


def _signature_check(
    allowed_signers: Path | None, identity: str | None, namespace: str | None, every: bool
) -> SignatureCheck | None:
    """Flags override `[audit]`; signatures are checked once a file and a principal are known."""
    try:
        config = load_audit_config()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    allowed = allowed_signers or config.allowed_signers
    principal = identity or config.identity
    if allowed is None and principal is None:
        return None
    if allowed is None or principal is None:
        missing = "--allowed-signers" if allowed is None else "--identity"
        raise click.UsageError(f"{missing} is needed too (or set it in [audit])")
    return SignatureCheck(allowed, principal, namespace or config.namespace, every)


@contextlib.contextmanager
def _own_key_check(check: SignatureCheck | None, every: bool
                   ) -> Iterator[SignatureCheck | None]:
    """`check`, or with only `[audit] signing_key` set, the signing key's own public key:
    the signer checks against it before signing, so verify must too, or the checkpoint the
    signer refused would pass here."""
    if check is not None:
        yield check
        return
    try:
        signer = load_audit_config().signer()
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    if signer is None:
        yield None
        return
    try:
        with signer.verifying_check() as own:
            yield dataclasses.replace(own, all_checkpoints=every)
    except SigningError as exc:
        raise click.ClickException(str(exc)) from exc


def _signed_line(report: VerifyReport) -> str | None:
    signed = report.signed
    if signed is None:
        return None
    if signed.latest_seq is None:
        return "signed checkpoint: none found"
    state = "verified" if signed.ok else "FAILED"
    return (
        f"signed checkpoint: seq {signed.latest_seq} {state} "
        f"({len(signed.verified)} of {signed.files} checked in {signed.folder.name}/)"
    )


@audit_group.command("verify")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@click.option(
    "--allowed-signers",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="ssh-keygen allowed-signers file (default: [audit] allowed_signers).",
)
@click.option("--identity", help="The signer's principal (default: [audit] identity).")
@click.option("--namespace", help="ssh-keygen namespace (default: [audit] namespace).")
@click.option(
    "--all-checkpoints", is_flag=True, help="Verify every signed checkpoint, not just the newest."
)
@pass_ctx
def verify_cmd(
    ctx: Context,
    as_json: bool,
    allowed_signers: Path | None,
    identity: str | None,
    namespace: str | None,
    all_checkpoints: bool,
) -> None:
    """Recompute every hash, check seq, the head and signed checkpoints and the append-only
    triggers, replay events, integrity_check.

    Exits 0 when all is well, 1 naming the first bad row or checkpoint file otherwise.
    """
    check = _signature_check(allowed_signers, identity, namespace, all_checkpoints)
    ctx.read_only = True
    with _own_key_check(check, all_checkpoints) as check:
        report = verify_store(ctx.store, signatures=check)
    signed = _signed_line(report)
    if as_json:
        print_json(report.to_json())
    else:
        # Problems quote what the damaged database holds (a job's kind or state, say), so
        # they are cleaned like any other stored text before they reach the terminal.
        for warning in report.warnings:
            click.echo(f"warning: {clean(warning, single_line=True)}", err=True)
        if signed is not None:
            click.echo(signed, err=not report.ok)
        if report.ok:
            click.echo(
                f"ok: {report.events} events, {report.proposals} proposals, "
                f"head seq {report.head_seq} {report.head_hash[:16]}"
            )
        else:
            click.echo(f"FAILED: {clean(report.problems[0], single_line=True)}", err=True)
            for problem in report.problems[1:]:
                click.echo(f"  also: {clean(problem, single_line=True)}", err=True)
            if report.not_shown:
                click.echo(f"  and {report.not_shown} more of the same kinds, not listed",
                           err=True)
    if not report.ok:
        sys.exit(1)


def _as_json(e: Event, value: object) -> str:
    """`value` (part of event `e`) as JSON; a damaged row that cannot be written is named."""
    try:
        return json.dumps(value, ensure_ascii=True, sort_keys=True)
    except (TypeError, ValueError, RecursionError) as exc:
        # A binary field (TypeError) or a payload nested past the encoder (RecursionError).
        odd = [name for name, v in e.to_json().items() if isinstance(v, bytes)]
        what = f"its {', '.join(odd)} is binary" if odd else "its payload cannot be written"
        raise click.ClickException(
            f"event seq {clean(str(e.seq), single_line=True)}: {what} (a damaged row), so the "
            "export stops here; run `reviewer audit verify`"
        ) from exc


def _markdown(events: Iterable[Event], out: IO[str]) -> None:
    out.write("# reviewer audit log\n\n| seq | time | actor | action | proposal | details |\n")
    out.write("|---|---|---|---|---|---|\n")
    for e in events:
        details = _as_json(e, e.payload)
        # Payloads quote agent text (diff paths, reasons), so every cell is escaped like the
        # report's: no link, image, HTML or extra cell can come out of it.
        cells = [str(e.seq), *map(inline, (e.ts, e.actor, e.action, (e.proposal_id or "")[:12]))]
        out.write("| " + " | ".join([*cells, inline(details)]) + " |\n")


def _export(fmt: str, events: Iterable[Event], out: IO[str]) -> None:
    if fmt == "jsonl":
        for e in events:
            out.write(_as_json(e, e.to_json()) + "\n")
    else:
        _markdown(events, out)


def _remove_stale_temps(output: Path) -> None:
    """Delete the temporary files of earlier exports to `output` that were killed mid-way.

    They are `atomic_file`'s `.NAME.XXXXXXXX.tmp`; one whose lock no process holds lost its
    writer (a live export holds its lock), and nothing else would ever remove it.
    """
    folder = output.parent if str(output.parent) else Path(".")
    pattern = re.compile(re.escape(f".{output.name}.") + r"[a-z0-9_]{8}\.tmp")
    try:
        names = [name for name in os.listdir(folder) if pattern.fullmatch(name)]
    except OSError:
        return  # writing the export names the folder's problem
    for name in names:
        _remove_if_unlocked(folder / name)


def _remove_if_unlocked(temp: Path) -> None:
    """Unlink `temp` if it is a regular file no live export holds locked."""
    try:
        fd = os.open(temp, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return  # gone already, a symlink, or not ours to read: left alone
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)
    except OSError:
        return  # locked: an export to the same file is running now
    finally:
        os.close(fd)


@audit_group.command("export")
@click.option(
    "--format", "fmt", type=click.Choice(["jsonl", "md"]), default="jsonl", show_default=True
)
@click.option(
    "--output",
    "-o",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write here (atomically) instead of standard output.",
)
@pass_ctx
def export_cmd(ctx: Context, fmt: str, output: Path | None) -> None:
    """Export every audit event, oldest first."""
    ctx.read_only = True
    if output is None:
        _export(fmt, ctx.store.events(), sys.stdout)
        return
    try:
        _remove_stale_temps(output)
        with atomic_file(output) as out:
            # Held until the process ends, so the next export can tell a live temp from a
            # killed one's.
            fcntl.flock(out.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
            _export(fmt, ctx.store.events(), out)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise click.ClickException(f"{output}: cannot write the audit export: {reason}") from exc
    click.echo(f"wrote {output}", err=True)  # as `report -o` says
