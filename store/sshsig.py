"""The ssh-keygen side of signed checkpoints: running it, and the statement files' format.

A checkpoint is `<db>.checkpoints/{seq:012d}.json` (canonical JSON `{seq, hash, ts,
namespace}`) with its `ssh-keygen -Y sign` signature beside it as `.json.sig`.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import tempfile
from pathlib import Path
from typing import Any

from store.capped import NOT_REGULAR, TOO_BIG, Refused, read_regular
from store.errors import StoreError

SSH_KEYGEN_TIMEOUT_S = 30.0
NAMESPACE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9@._-]{0,63}$")
_STATEMENT = re.compile(r"^([0-9]{12,})\.json$")
# A statement is ~150 bytes and an ssh signature a few KB; anything bigger is not ours.
STATEMENT_CAP = 64 * 1024
SIGNATURE_CAP = 64 * 1024
_FIELDS = {"seq": int, "hash": str, "ts": str, "namespace": str}


class SigningError(StoreError):
    """A checkpoint could not be signed; the message says why and what was already saved."""


def store_file(db_file: Path) -> Path:
    """The store's real file: the files kept beside it follow a symlink to it."""
    try:
        return db_file.resolve()
    except (OSError, RuntimeError):  # a symlink loop: opening the store names the problem
        return db_file


def checkpoints_dir(db_file: Path) -> Path:
    """`<db>.checkpoints/`, beside the store's real file like its head checkpoint."""
    real = store_file(db_file)
    return real.with_name(real.name + ".checkpoints")


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
    """Every `(seq, statement)` in the folder, oldest first; none when there is no folder.

    Only names the signer writes count (`{seq:012d}.json`), so `0000000000043.json` cannot
    pose as a second statement for seq 43.
    """
    try:
        names = os.listdir(folder)
    except FileNotFoundError:
        return []
    except OSError as exc:
        raise SigningError(f"cannot read signed checkpoints in {folder}: "
                           f"{exc.strerror or exc}") from exc
    found = [(int(m.group(1)), n) for n in names if (m := _STATEMENT.match(n))]
    return sorted((seq, folder / n) for seq, n in found if n == statement_name(seq))


def read_capped(path: Path, cap: int) -> bytes:
    """The bytes of a small regular file, opened without following a symlink or waiting on a
    FIFO; FileNotFoundError when it is absent, ValueError saying why it is refused."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        fd = os.open(path, flags)
    except FileNotFoundError:
        raise
    except OSError as exc:
        if path.is_symlink():
            raise ValueError("is a symbolic link (not followed)") from exc
        raise ValueError(f"unreadable ({exc.strerror})") from exc
    try:
        return read_regular(fd, cap)
    except Refused as exc:
        if exc.why == NOT_REGULAR:
            raise ValueError("is not a regular file (not read)") from exc
        if exc.why == TOO_BIG:
            raise ValueError(f"is {exc.size} bytes, over the {cap}-byte limit (not read)"
                             ) from exc
        raise ValueError(f"grew past the {cap}-byte limit while being read (not read)"
                         ) from exc
    except OSError as exc:
        raise ValueError(f"unreadable ({exc.strerror})") from exc
    finally:
        os.close(fd)


def verify_signature(
    signature: bytes, data: bytes, *, allowed_signers: Path, identity: str, namespace: str
) -> subprocess.CompletedProcess[str]:
    """`ssh-keygen -Y verify` of `data` against a private copy of the signature's bytes, so
    ssh-keygen never opens a file in the checkpoints folder that could change under it."""
    with tempfile.TemporaryDirectory(prefix="reviewer-sig-") as tmp:
        sig_file = Path(tmp) / "statement.json.sig"
        sig_file.write_bytes(signature)
        return ssh_keygen(
            [
                "-Y", "verify", "-f", str(allowed_signers), "-I", identity,
                "-n", namespace, "-s", str(sig_file),
            ],
            data,
        )  # fmt: skip


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
