"""Signed audit checkpoints: the chain head signed with `ssh-keygen -Y sign`, and their check.

The unsigned `<db>.head.json` catches rows cut off the end, but whoever holds the database
can rewrite it too. A signed statement `{seq, hash, ts, namespace}` in `<db>.checkpoints/`
cannot be rewritten without the private key, so a rewritten, reordered or truncated chain
no longer matches the newest signature.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from store import audit, capped
from store.checkpoint_check import (
    DEFAULT_NAMESPACE,
    CheckpointProblem,
    CheckpointReport,
    SignatureCheck,
    authentic,
    chain_problem,
    verify_checkpoints,
)
from store.model import canonical_json
from store.sshsig import (
    NAMESPACE,
    SIGNATURE_CAP,
    SigningError,
    checkpoints_dir,
    fsync,
    list_statements,
    read_capped,
    said,
    signature_of,
    ssh_keygen,
    statement_name,
)

DEFAULT_EVERY = 100
# The principal a signer without `check` verifies its own earlier signatures as.
_SELF = "reviewer-signer"
__all__ = [
    "DEFAULT_EVERY",
    "DEFAULT_NAMESPACE",
    "CheckpointProblem",
    "CheckpointReport",
    "SignatureCheck",
    "Signer",
    "SigningError",
    "checkpoints_dir",
    "sign_checkpoint",
    "verify_checkpoints",
]


def _utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def sign_checkpoint(
    seq: int,
    head_hash: str,
    *,
    key: Path,
    namespace: str,
    out_dir: Path,
    ts: str | None = None,
) -> Path:
    """Write `{seq:012d}.json` and its `.sig` into `out_dir` atomically; return the statement.

    The signature lands first, so a crash leaves at worst a stray `.sig`, never a statement
    that looks forged for want of its signature.
    """
    if seq <= 0:
        raise SigningError(f"cannot sign checkpoint seq {seq}: the chain is empty")
    if not NAMESPACE.match(namespace):
        raise SigningError(f"namespace {namespace!r} must be letters, digits, '@', '.', '_', '-'")
    body = canonical_json(
        {"seq": seq, "hash": head_hash, "ts": ts or _utc_now(), "namespace": namespace}
    )
    final = out_dir / statement_name(seq)
    try:
        return _write_signed(final, body, seq=seq, key=key, namespace=namespace)
    except OSError as exc:
        # A full disk: the message names the file, not just "No space left on device".
        raise SigningError(f"cannot write audit checkpoint {final}: "
                           f"{exc.strerror or exc}") from exc


def _write_signed(final: Path, body: str, *, seq: int, key: Path, namespace: str) -> Path:
    """Write the statement `final` and its signature, the signature first."""
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=final.parent, prefix=f".{final.name}.", suffix=".tmp")
    tmp = Path(tmp_name)
    tmp_sig = signature_of(tmp)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(body)
            fh.flush()
            os.fsync(fh.fileno())
        # ssh-keygen asks before overwriting a .sig and, with no terminal, exits 0 unsigned.
        tmp_sig.unlink(missing_ok=True)
        out = ssh_keygen(["-Y", "sign", "-f", str(key), "-n", namespace, str(tmp)])
        if out.returncode != 0 or not tmp_sig.is_file() or tmp_sig.stat().st_size == 0:
            raise SigningError(f"cannot sign audit checkpoint seq {seq} with {key}: {said(out)}")
        fsync(tmp_sig)
        os.replace(tmp_sig, signature_of(final))
        os.replace(tmp, final)
    finally:
        tmp.unlink(missing_ok=True)
        tmp_sig.unlink(missing_ok=True)
    return final


@contextmanager
def _locked(folder: Path) -> Iterator[None]:
    """One signer at a time per folder, so two processes never interleave a statement's pair."""
    lock_path = folder / ".lock"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        held = capped.Lock(lock_path)
    except capped.Refused as exc:
        what = "a symbolic link" if exc.why == capped.SYMLINK else "not a regular file"
        raise SigningError(f"the signer's lock file {lock_path} is {what}; remove it") from exc
    except OSError as exc:
        raise SigningError(f"cannot write signed checkpoints in {folder}: "
                           f"{exc.strerror or exc}") from exc
    with held:
        yield


# -- the store's hook ----------------------------------------------------------------------


@dataclass
class Signer:
    """Signs the chain head every `every` events and on demand, for one store's folder.

    Before signing it verifies the newest statement's signature (against `check`, or else
    against the signing key's own public key) and that the chain still holds it, so a forger
    who edits, plants or unsigns a statement gets a SigningError instead of a skipped or
    blessed checkpoint.
    """

    key: Path
    namespace: str = DEFAULT_NAMESPACE
    every: int = DEFAULT_EVERY
    check: SignatureCheck | None = None
    clock: Callable[[], str] = _utc_now
    _last: dict[Path, int] = field(default_factory=dict, repr=False, init=False)
    _public_key: str | None = field(default=None, repr=False, init=False)

    def __post_init__(self) -> None:
        if isinstance(self.every, bool) or not isinstance(self.every, int) or self.every < 1:
            raise SigningError(f"every must be a whole number of events >= 1, not {self.every!r}")
        if not NAMESPACE.match(self.namespace):
            raise SigningError(f"namespace {self.namespace!r} is not a valid ssh-keygen namespace")

    def after_write(self, conn: sqlite3.Connection, folder: Path) -> Path | None:
        """Sign when the head crossed a multiple of `every` since the last signed checkpoint."""
        seq = audit.head(conn)[0]
        try:
            if folder not in self._last:
                # Only a hint of when to try: `_sign` verifies before it believes any statement.
                below = [s for s, _ in list_statements(folder) if s <= seq]
                self._last[folder] = below[-1] if below else 0
            if seq // self.every <= self._last[folder] // self.every:
                return None
            return self._sign(conn, folder, window=True)
        except SigningError as exc:
            raise SigningError(
                f"the change was saved (seq {seq}), but {exc}; "
                "signing is retried on the next write and on exit"
            ) from exc

    def sign_head(self, conn: sqlite3.Connection, folder: Path) -> Path | None:
        """Sign the current head unless it is already signed; None when nothing was signed."""
        return self._sign(conn, folder, window=False)

    def _sign(self, conn: sqlite3.Connection, folder: Path, *, window: bool) -> Path | None:
        with _locked(folder):
            seq, digest = audit.head(conn)
            found = list_statements(folder)
            if found:
                self._refuse_unless_verified(conn, found[-1], seq)
            last = found[-1][0] if found else 0  # verified, and at most `seq`
            self._last[folder] = last
            if seq <= last or (window and seq // self.every <= last // self.every):
                return None  # already signed, by this process or another one
            path = sign_checkpoint(
                seq, digest, key=self.key, namespace=self.namespace, out_dir=folder,
                ts=self.clock(),
            )  # fmt: skip
            self._last[folder] = seq
            return path

    def _refuse_unless_verified(
        self, conn: sqlite3.Connection, latest: tuple[int, Path], head_seq: int
    ) -> None:
        """Raise unless the newest statement is signed by our key and the chain still holds it;
        one above the head (planted, or rows cut off the end) is refused too."""
        seq, path = latest
        with self.verifying_check() as check:
            data, problem = authentic(path, seq, check)
        if data is None:
            assert problem is not None
            raise SigningError(
                f"refusing to sign: the newest checkpoint cannot be trusted: {problem.message}; "
                "run `reviewer audit verify`"
            )
        problem = chain_problem(conn, data, path, head_seq)
        if problem is not None:
            raise SigningError(
                f"refusing to sign over a chain that contradicts the last signed checkpoint: "
                f"{problem.message}; run `reviewer audit verify`"
            )

    @contextmanager
    def verifying_check(self) -> Iterator[SignatureCheck]:
        """`check`, or an allowed-signers file naming only the signing key's public key."""
        if self.check is not None:
            yield self.check
            return
        public = self._own_public_key()
        with tempfile.TemporaryDirectory(prefix="reviewer-signer-") as tmp:
            allowed = Path(tmp) / "allowed_signers"
            allowed.write_text(f'{_SELF} namespaces="{self.namespace}" {public}\n')
            yield SignatureCheck(allowed, _SELF, self.namespace)

    def _own_public_key(self) -> str:
        """`type base64` of the signing key: from `ssh-keygen -y`, else its `.pub` file."""
        if self._public_key is None:
            out = ssh_keygen(["-y", "-f", str(self.key)])
            text = out.stdout if out.returncode == 0 else _read_pub(self.key)
            fields = text.split()
            if len(fields) < 2:
                raise SigningError(
                    f"cannot check the newest checkpoint before signing over it: no public key "
                    f"for {self.key} ({said(out)}); set [audit] allowed_signers and identity"
                )
            self._public_key = f"{fields[0]} {fields[1]}"
        return self._public_key


def _read_pub(key: Path) -> str:
    """The key's public half from `<key>.pub` (or the key itself, for an agent-held key)."""
    pub = key if key.name.endswith(".pub") else key.with_name(key.name + ".pub")
    try:
        return read_capped(pub, SIGNATURE_CAP).decode("utf-8", "replace")
    except (OSError, ValueError):
        return ""
