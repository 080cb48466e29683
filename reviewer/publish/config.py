"""The `[publish]` table of the config file, validated (DESIGN §4.6).

Errors name `file: publish.key`, so the reviewer can fix the file without guessing.
"""

from __future__ import annotations

import errno
import math
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from reviewer.config import ConfigError, read_section

_KEYS = frozenset(
    {"folder", "remote", "branch", "push_retries", "http_url", "http_timeout_s", "rejected"}
)
# Remote and branch names reach git's command line, so they must never look like options.
_REMOTE = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}")
_BRANCH = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_./-]{0,199}")
DEFAULT_PUSH_RETRIES = 5
DEFAULT_HTTP_TIMEOUT_S = 30.0
_Error = Callable[[str, str], ConfigError]
_KIND_NAMES: dict[Any, str] = {
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "true or false",
    list: "a list",
    dict: "a table",
}


@dataclass(frozen=True)
class PublishConfig:
    """Where and how approved findings are published.

    `remote=None` means "origin, if the folder's repository has it"; `branch=None` means the
    folder's current branch. `folder=None` means publishing is off.
    """

    folder: Path | None = None
    remote: str | None = None
    branch: str | None = None
    push_retries: int = DEFAULT_PUSH_RETRIES
    http_url: str | None = None
    http_timeout_s: float = DEFAULT_HTTP_TIMEOUT_S
    rejected: bool = False
    source: Path | None = None

    @property
    def enabled(self) -> bool:
        """Whether approvals are published at all."""
        return self.folder is not None


def load_config(path: str | os.PathLike[str] | None = None) -> PublishConfig:
    """Read and validate `[publish]` from the config file (default `paths.config_file()`)."""
    file, table = read_section("publish", path)
    return parse(file, table)


def parse(file: Path, table: dict[str, Any]) -> PublishConfig:
    """Validate one raw `[publish]` table read from `file`."""

    def error(key: str, message: str) -> ConfigError:
        return ConfigError(f"{file}: publish.{key}: {message}")

    def get(key: str, kind: type | tuple[type, ...]) -> Any:
        value = table.get(key)
        if value is None:
            return None
        # TOML booleans are ints to Python, so a bool is accepted only where asked for.
        if isinstance(value, bool) != (kind is bool) or not isinstance(value, kind):
            wanted = _KIND_NAMES.get(kind, "a number")
            got = _KIND_NAMES.get(type(value), type(value).__name__)
            raise error(key, f"must be {wanted}, not {got}")
        return value

    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise error(unknown[0], f"unknown key (known: {', '.join(sorted(_KEYS))})")
    folder = None
    if (raw := get("folder", str)) is not None:
        folder = _folder(raw, error)
    remote = get("remote", str)
    if remote is not None and not _REMOTE.fullmatch(remote):
        raise error("remote", f"{remote!r} is not a git remote name (letters, digits, _ . -)")
    branch = get("branch", str)
    if branch is not None and (
        not _BRANCH.fullmatch(branch) or ".." in branch or branch.endswith((".", "/", ".lock"))
    ):
        raise error("branch", f"{branch!r} is not a plain git branch name")
    retries = get("push_retries", int)
    if retries is not None and not 0 <= retries <= 100:
        raise error("push_retries", f"must be between 0 and 100, not {retries}")
    return PublishConfig(
        folder=folder,
        remote=remote,
        branch=branch,
        push_retries=DEFAULT_PUSH_RETRIES if retries is None else retries,
        http_url=_http_url(get("http_url", str), error),
        http_timeout_s=_timeout(get("http_timeout_s", (int, float)), error),
        rejected=bool(get("rejected", bool)),
        source=file,
    )


def _folder(raw: str, error: _Error) -> Path:
    """The publish folder `raw` names, refused here if no file call could ever use it:
    accepted, it let a decision be recorded and then crashed the publishing that follows,
    leaving no `publish_failed` event."""
    if "\0" in raw:
        raise error("folder", f"must not contain a NUL character, not {raw!r}")
    try:
        folder = Path(raw).expanduser()
    except RuntimeError as exc:  # `~user` for a user with no home folder
        raise error("folder", f"cannot expand {raw!r} ({exc})") from exc
    if not raw.strip() or not folder.is_absolute():
        raise error("folder", f"must be an absolute path, not {raw!r}")
    try:
        folder.stat()
    except FileNotFoundError:
        return folder  # made on first publish
    except OSError as exc:
        if exc.errno in (errno.ENAMETOOLONG, errno.ENOTDIR, errno.ELOOP):
            raise error("folder", f"{folder} cannot be a folder ({exc.strerror})") from exc
        return folder  # say, no permission yet: publishing names the failure and records it
    if not folder.is_dir():
        raise error("folder", f"{folder} exists and is not a folder")
    return folder


def _http_url(value: str | None, error: _Error) -> str | None:
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise error("http_url", f"must be an http:// or https:// URL, not {value!r}")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise error("http_url", "must be a base URL without query, fragment or credentials")
    return value.rstrip("/")


def _timeout(value: float | None, error: _Error) -> float:
    if value is None:
        return DEFAULT_HTTP_TIMEOUT_S
    if not (math.isfinite(value) and 0 < value <= 600):
        raise error("http_timeout_s", f"must be a number of seconds in (0, 600], not {value}")
    return float(value)
