"""The `[audit]` config table: who signs audit checkpoints, and whose signatures count.

```toml
[audit]
signing_key = "~/.ssh/reviewer_audit"        # ssh private key; signing is on when set
allowed_signers = "~/.ssh/allowed_signers"   # ssh-keygen allowed-signers file, for verify
identity = "alice@example.org"               # the principal in allowed_signers
namespace = "reviewer-audit"                 # ssh-keygen -n (default)
every = 100                                  # sign every N events (default), and on exit
```
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from reviewer.config import ConfigError, read_section
from store.signing import DEFAULT_EVERY, DEFAULT_NAMESPACE, SignatureCheck, Signer
from store.sshsig import NAMESPACE

KEYS = ("signing_key", "allowed_signers", "identity", "namespace", "every")
MAX_EVERY = 1_000_000
_IDENTITY = re.compile(r"^[^\s,\x00-\x1f\x7f]{1,256}$")


@dataclass(frozen=True)
class AuditConfig:
    """The validated `[audit]` table; every field is optional."""

    file: Path
    signing_key: Path | None = None
    allowed_signers: Path | None = None
    identity: str | None = None
    namespace: str = DEFAULT_NAMESPACE
    every: int = DEFAULT_EVERY

    def signature_check(self, *, all_checkpoints: bool = False) -> SignatureCheck | None:
        """What `audit verify` checks signatures against, or None when not configured."""
        if self.allowed_signers is None or self.identity is None:
            return None
        return SignatureCheck(self.allowed_signers, self.identity, self.namespace, all_checkpoints)

    def signer(self) -> Signer | None:
        """The store's signer, or None when no signing key is configured."""
        if self.signing_key is None:
            return None
        return Signer(self.signing_key, self.namespace, self.every, check=self.signature_check())


def load_audit_config(path: str | os.PathLike[str] | None = None) -> AuditConfig:
    """Read and validate `[audit]`; errors name `file: audit.key`."""
    file, table = read_section("audit", path)
    return _Fields(file, table).config()


class _Fields:
    def __init__(self, file: Path, table: dict[str, Any]) -> None:
        self.file, self.table = file, table

    def error(self, key: str, message: str) -> ConfigError:
        return ConfigError(f"{self.file}: audit.{key}: {message}")

    def text(self, key: str) -> str | None:
        value = self.table.get(key)
        if value is None:
            return None
        if not isinstance(value, str) or not value.strip():
            raise self.error(key, f"must be a non-empty string, not {value!r}")
        return value

    def file_path(self, key: str) -> Path | None:
        value = self.text(key)
        if value is None:
            return None
        path = Path(value).expanduser()
        if not path.is_absolute():
            raise self.error(key, f"must be an absolute path (or start with ~), not {value!r}")
        if not path.exists():
            raise self.error(key, f"{path} does not exist")
        if not path.is_file():
            raise self.error(key, f"{path} is not a file")
        return path

    def config(self) -> AuditConfig:
        unknown = sorted(set(self.table) - set(KEYS))
        if unknown:
            raise self.error(unknown[0], f"unknown key (known: {', '.join(KEYS)})")
        key = self.file_path("signing_key")
        if key is not None and shutil.which("ssh-keygen") is None:
            raise self.error("signing_key", "signing needs ssh-keygen (Debian: openssh-client)")
        allowed = self.file_path("allowed_signers")
        identity = self.text("identity")
        if identity is not None and not _IDENTITY.match(identity):
            raise self.error("identity", f"{identity!r} must be one principal, with no spaces")
        if (allowed is None) != (identity is None):
            missing = "identity" if identity is None else "allowed_signers"
            raise self.error(missing, "is required with the other of allowed_signers/identity")
        namespace = self.text("namespace") or DEFAULT_NAMESPACE
        if not NAMESPACE.match(namespace):
            raise self.error("namespace", f"{namespace!r}: use letters, digits, '@', '.', '_', '-'")
        every = self.table.get("every", DEFAULT_EVERY)
        if isinstance(every, bool) or not isinstance(every, int) or not 1 <= every <= MAX_EVERY:
            raise self.error("every", f"must be a whole number in 1..{MAX_EVERY}, not {every!r}")
        return AuditConfig(self.file, key, allowed, identity, namespace, every)
