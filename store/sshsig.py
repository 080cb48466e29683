"""The ssh-keygen side of signed checkpoints: running it, and the statement files' format.

A checkpoint is `<db>.checkpoints/{seq:012d}.json` (canonical JSON `{seq, hash, ts,
namespace}`) with its `ssh-keygen -Y sign` signature beside it as `.json.sig`.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path
from typing import Any

from store.errors import StoreError

SSH_KEYGEN_TIMEOUT_S = 30.0
NAMESPACE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9@._-]{0,63}$")
_STATEMENT = re.compile(r"^(\d{12,})\.json$")
_FIELDS = {"seq": int, "hash": str, "ts": str, "namespace": str}


class SigningError(StoreError):
    """A checkpoint could not be signed; the message says why and what was already saved."""


def checkpoints_dir(db_file: Path) -> Path:
    """`<db>.checkpoints/`, beside the store like its head checkpoint."""
    return db_file.with_name(db_file.name + ".checkpoints")


def statement_name(seq: int) -> str:
    return f"{seq:012d}.json"


def signature_of(statement: Path) -> Path:
    return statement.with_name(statement.name + ".sig")


def ssh_keygen(args: list[str], data: bytes = b"") -> subprocess.CompletedProcess[str]:
    """Run ssh-keygen with `data` on stdin and no terminal, so a passphrase prompt fails
    instead of hanging."""
    try:
        out = subprocess.run(
            ["ssh-keygen", *args],
            input=data,
            capture_output=True,
            timeout=SSH_KEYGEN_TIMEOUT_S,
            start_new_session=True,
            env={**os.environ, "LC_ALL": "C"},
            check=False,
        )
    except FileNotFoundError as exc:
        raise SigningError("ssh-keygen is not installed (Debian: openssh-client)") from exc
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise SigningError(f"cannot run ssh-keygen: {exc}") from exc
    return subprocess.CompletedProcess(
        out.args,
        out.returncode,
        out.stdout.decode("utf-8", "replace"),
        out.stderr.decode("utf-8", "replace"),
    )


def said(out: subprocess.CompletedProcess[str]) -> str:
    lines = [ln.strip() for ln in (out.stderr + out.stdout).splitlines() if ln.strip()]
    return "; ".join(lines[-2:]) or f"exit status {out.returncode}"


def fsync(path: Path) -> None:
    with open(path, "rb") as fh:
        os.fsync(fh.fileno())


def list_statements(folder: Path) -> list[tuple[int, Path]]:
    """Every `(seq, statement)` in the folder, oldest first; none when there is no folder."""
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return []
    found = [(int(m.group(1)), folder / n) for n in names if (m := _STATEMENT.match(n))]
    return sorted(found)


def parse_statement(body: bytes) -> dict[str, Any]:
    """A statement's fields, type-checked; ValueError names what is wrong."""
    try:
        data = json.loads(body.decode("utf-8"))
    except ValueError as exc:
        raise ValueError(f"unreadable statement ({exc})") from exc
    if not isinstance(data, dict) or set(data) != set(_FIELDS):
        raise ValueError(f"a statement has exactly the fields {', '.join(sorted(_FIELDS))}")
    for name, kind in _FIELDS.items():
        if isinstance(data[name], bool) or not isinstance(data[name], kind):
            raise ValueError(f"field {name} must be a {kind.__name__}")
    return data


def read_statement(path: Path) -> tuple[bytes, dict[str, Any]]:
    """The statement's bytes (what was signed) and its fields, read once."""
    try:
        body = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"unreadable statement ({exc.strerror})") from exc
    return body, parse_statement(body)
