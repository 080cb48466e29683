"""The reviewer's TOML config: external harnesses (DESIGN §4.3), validated on load.

A missing file is an empty config; anything malformed raises `ConfigError` naming the
file and the dotted key, so the reviewer can fix it without guessing.
"""

from __future__ import annotations

import math
import os
import re
import subprocess
import tomllib
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from reviewer import paths
from reviewer.gitenv import reader_argv, reader_env
from store import capped

PLACEHOLDERS = frozenset({"idea", "seed", "out", "python"})
STDOUT = "stdout"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
_HEX = re.compile(r"^[0-9a-f]{7,40}$")
_ENV_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_KEYS = frozenset(
    {
        "path", "commit", "allow", "command", "predictions", "labels", "weak_acc",
        "strong_acc", "python", "timeout_s", "data", "mounts", "env", "out_gib",
    }
)  # fmt: skip
GIT_TIMEOUT_S = 30
# Every top-level table some module reads: any other name is a typo that would do nothing.
TABLES = ("assist", "audit", "gates", "harness", "keys", "publish", "tui")
MAX_CONFIG_BYTES = 1024 * 1024


class ConfigError(ValueError):
    """The config file is unreadable or a field is invalid; the message names file and key."""


@dataclass(frozen=True)
class ExternalHarness:
    """One configured external harness: a pinned git checkout and how to run and score it.

    `commit` is the full hash the configured prefix resolves to. `predictions` is
    "stdout" or a path template starting with "{out}/". `data` (unlabeled splits, which
    the W2S sandbox keeps out of git) is mounted read-only as `data/` in the tree;
    `mounts` are extra read-only host folders (model caches) at their own paths.
    """

    name: str
    path: Path
    commit: str
    allow: tuple[str, ...]
    command: tuple[str, ...]
    predictions: str
    labels: Path
    weak_acc: float
    strong_acc: float
    python: str | None = None
    timeout_s: float | None = None
    data: Path | None = None
    mounts: tuple[Path, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    out_gib: float = 16.0  # what one seed's run may write: its out folder and its output


@dataclass(frozen=True)
class Config:
    """The whole config; only the `harness` tables are read here."""

    path: Path
    harnesses: dict[str, ExternalHarness] = field(default_factory=dict)


def read_section(
    name: str, path: str | os.PathLike[str] | None = None
) -> tuple[Path, dict[str, Any]]:
    """The raw `[name]` table of the config file (empty when the file or table is missing).

    Each feature validates its own table and names `file: name.key` in its errors.
    """
    file = Path(path) if path is not None else paths.config_file()
    doc = _read_doc(file)
    table = doc.get(name, {})
    if not isinstance(table, dict):
        raise ConfigError(f"{file}: {name}: must be a table such as [{name}]")
    return file, table


def _read_doc(file: Path) -> dict[str, Any]:
    doc = parse_config(file)
    _refuse_unknown(file, doc)
    return doc


def parse_config(file: Path) -> dict[str, Any]:
    """The config file's TOML as a dict (empty when there is no file); ConfigError naming
    the file when it cannot be read or parsed."""
    raw = read_config_bytes(file)
    if raw is None:
        return {}
    try:
        return tomllib.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError(f"{file}: not valid TOML ({exc})") from exc
    except RecursionError as exc:  # tomllib recurses once per level of nested arrays
        raise ConfigError(f"{file}: not valid TOML (nested too deeply)") from exc


def read_config_bytes(file: Path) -> bytes | None:
    """The bytes of the config file at `file`, or None when there is none.

    Anything but a regular file of at most MAX_CONFIG_BYTES is refused: a FIFO or a device
    put there would hang or flood every command that reads the config.
    """
    try:
        # O_NONBLOCK: opening a FIFO with no writer returns at once instead of waiting.
        fd = os.open(file, os.O_RDONLY | os.O_NONBLOCK)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read ({exc.strerror})") from exc
    try:
        return capped.read_regular(fd, MAX_CONFIG_BYTES)
    except capped.Refused as exc:
        if exc.why == capped.NOT_REGULAR:
            raise ConfigError(f"{file}: not a regular file; the config must be a TOML file"
                              ) from exc
        raise ConfigError(f"{file}: larger than {MAX_CONFIG_BYTES // 1024} KiB; "
                          "a config file is a few lines of TOML") from exc
    except OSError as exc:
        raise ConfigError(f"{file}: cannot read ({exc.strerror})") from exc
    finally:
        os.close(fd)


def _refuse_unknown(file: Path, doc: dict[str, Any]) -> None:
    """A misspelt table (`[gate]`) would leave its settings off without a word, so it is an
    error, as an unknown key inside a table is."""
    unknown = sorted(set(doc) - set(TABLES))
    if unknown:
        name = unknown[0]
        what = "table" if isinstance(doc[name], dict) else "top-level key"
        raise ConfigError(f"{file}: {name}: unknown {what} (known tables: {', '.join(TABLES)})")


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Read and validate the config at `path` (default `paths.config_file()`)."""
    file = Path(path) if path is not None else paths.config_file()
    doc = _read_doc(file)
    tables = doc.get("harness", {})
    if not isinstance(tables, dict):
        raise ConfigError(f"{file}: harness: must be a table of [harness.NAME] tables")
    harnesses: dict[str, ExternalHarness] = {}
    for name, table in tables.items():
        if not _NAME.match(name) or name == "builtin":
            raise ConfigError(
                f"{file}: harness.{name}: the name must be lowercase letters, digits, "
                "'.', '_' or '-' and not 'builtin'"
            )
        if not isinstance(table, dict):
            raise ConfigError(f"{file}: harness.{name}: must be a table")
        harnesses[name] = _Fields(file, name, table).harness()
    return Config(file, harnesses)


class _Fields:
    """Validates one `[harness.NAME]` table; every error names `harness.NAME.key`."""

    def __init__(self, file: Path, name: str, table: dict[str, Any]) -> None:
        self.file, self.name, self.table = file, name, table

    def error(self, key: str, message: str) -> ConfigError:
        return ConfigError(f"{self.file}: harness.{self.name}.{key}: {message}")

    def get(self, key: str, kind: type | tuple[type, ...], required: bool = True) -> Any:
        if key not in self.table:
            if required:
                raise self.error(key, "is required")
            return None
        value = self.table[key]
        # TOML booleans are ints to Python; no field here means a boolean.
        if isinstance(value, bool) or not isinstance(value, kind):
            names = (
                kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
            )
            raise self.error(key, f"must be a {names}, not {type(value).__name__}")
        return value

    def absolute(self, key: str, value: str) -> Path:
        path = Path(value).expanduser()
        if not path.is_absolute():
            raise self.error(key, f"must be an absolute path, not {value!r}")
        return path

    def harness(self) -> ExternalHarness:
        unknown = sorted(set(self.table) - _KEYS)
        if unknown:
            raise self.error(unknown[0], f"unknown key (known: {', '.join(sorted(_KEYS))})")
        root = self.absolute("path", self.get("path", str))
        if not root.is_dir():
            raise self.error("path", f"{root} is not a folder")
        commit = self.get("commit", str).lower()
        if not _HEX.match(commit):
            raise self.error("commit", f"must be 7 to 40 hex digits, not {commit!r}")
        labels = self.absolute("labels", self.get("labels", str))
        weak, strong = self.accuracy("weak_acc"), self.accuracy("strong_acc")
        if not weak < strong:
            raise self.error("strong_acc", f"must be above weak_acc ({strong} <= {weak})")
        data = self.folder("data", labels)
        return ExternalHarness(
            name=self.name,
            path=root,
            commit=self.resolve(root, commit),
            allow=self.allow(),
            command=self.command(),
            predictions=self.predictions(),
            labels=labels,
            weak_acc=weak,
            strong_acc=strong,
            python=self.python(),
            timeout_s=self.timeout(),
            data=data,
            mounts=self.mounts(labels),
            env=self.env(),
            out_gib=self.out_gib(),
        )

    def resolve(self, root: Path, commit: str) -> str:
        """The full hash of the one commit whose hash starts with `commit` in the checkout.

        Read as an object name only: `rev-parse` would take a branch or tag named like the
        prefix over the commit, so anyone able to make refs there could move the pin.
        """
        if self.git(root, "rev-parse", "--git-dir").returncode != 0:
            raise self.error("path", f"{root} is not a git repository")
        named = self.git(root, "rev-parse", f"--disambiguate={commit}").stdout.split()
        commits = [h for h in named if _HEX.match(h) and len(h) >= 40
                   and self.git(root, "cat-file", "-t", h).stdout.strip() == "commit"]
        if len(commits) == 1:
            return commits[0]
        if commits:
            raise self.error("commit", f"{commit} is ambiguous in {root}: {len(commits)} "
                                       "commits start with it")
        raise self.error("commit", f"{commit} is not a commit in {root}")

    def git(self, root: Path, *args: str) -> subprocess.CompletedProcess[str]:
        # The hardened reader: no program the checkout's config names runs, nothing is
        # fetched for a missing object, and replace refs do not swap the pinned commit.
        try:
            return subprocess.run(
                [*reader_argv(root), *args],
                capture_output=True,
                text=True,
                timeout=GIT_TIMEOUT_S,
                env=reader_env(root),
                check=False,
            )
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise self.error("path", f"cannot run git in {root} ({exc})") from exc

    def accuracy(self, key: str) -> float:
        value = float(self.get(key, (int, float)))
        if not (math.isfinite(value) and 0.0 <= value <= 1.0):
            raise self.error(key, f"must lie in [0, 1], not {value}")
        return value

    def allow(self) -> tuple[str, ...]:
        entries = self.get("allow", list)
        if not entries:
            raise self.error("allow", "must list at least one folder")
        for entry in entries:
            if not isinstance(entry, str) or not safe_relative(entry.rstrip("/")):
                raise self.error("allow", f"{entry!r} is not a plain relative folder")
            if not entry.endswith("/"):
                raise self.error("allow", f"{entry!r} must end with '/' (a folder prefix)")
        return tuple(entries)

    def command(self) -> tuple[str, ...]:
        argv = self.get("command", list)
        if not argv or not all(isinstance(a, str) and a for a in argv):
            raise self.error("command", "must be a non-empty list of non-empty strings")
        for arg in argv:
            unknown = set(_PLACEHOLDER.findall(arg)) - PLACEHOLDERS
            if unknown:
                raise self.error("command", f"unknown placeholder {{{sorted(unknown)[0]}}}")
        if not any("{out}" in a for a in argv):
            raise self.error("command", "must contain {out}")
        return tuple(argv)

    def predictions(self) -> str:
        where = self.get("predictions", str)
        if where == STDOUT:
            return where
        rel = where.removeprefix("{out}/")
        if rel == where or not safe_relative(rel) or "{" in rel:
            raise self.error("predictions", f"must be 'stdout' or '{{out}}/FILE', not {where!r}")
        if PurePosixPath(rel).suffix not in (".json", ".npy"):
            raise self.error("predictions", f"{where!r} must end in .json or .npy")
        return where

    def python(self) -> str | None:
        value = self.get("python", str, required=False)
        if value is None:
            return None
        exe = self.absolute("python", value)
        if not (exe.is_file() and os.access(exe, os.X_OK)):
            raise self.error("python", f"{exe} is not an executable file")
        return str(exe)

    def timeout(self) -> float | None:
        value = self.get("timeout_s", (int, float), required=False)
        if value is not None and not (math.isfinite(value) and value > 0):
            raise self.error("timeout_s", f"must be a positive number of seconds, not {value}")
        return None if value is None else float(value)

    def out_gib(self) -> float:
        value = self.get("out_gib", (int, float), required=False)
        if value is None:
            return ExternalHarness.out_gib
        if not (math.isfinite(value) and value > 0):
            raise self.error("out_gib", f"must be a positive number of GiB, not {value}")
        return float(value)

    def folder(self, key: str, labels: Path, value: str | None = None) -> Path | None:
        value = value if value is not None else self.get(key, str, required=False)
        if value is None:
            return None
        folder = self.absolute(key, value)
        if not folder.is_dir():
            raise self.error(key, f"{folder} is not a folder")
        if labels.resolve().is_relative_to(folder.resolve()):
            raise self.error(key, f"{folder} holds the labels file, which never enters the sandbox")
        return folder

    def mounts(self, labels: Path) -> tuple[Path, ...]:
        entries = self.get("mounts", list, required=False) or []
        out: list[Path] = []
        for entry in entries:
            if not isinstance(entry, str):
                raise self.error("mounts", f"{entry!r} is not a path string")
            folder = self.folder("mounts", labels, entry)
            assert folder is not None
            if folder.resolve() == Path("/"):
                raise self.error("mounts", "may not mount /")
            out.append(folder)
        return tuple(out)

    def env(self) -> tuple[tuple[str, str], ...]:
        table = self.get("env", dict, required=False) or {}
        for key, value in table.items():
            if not _ENV_KEY.match(key) or not isinstance(value, str):
                raise self.error(f"env.{key}", 'must be a NAME = "string" pair')
        return tuple(sorted(table.items()))


def safe_relative(path: str) -> bool:
    """A non-empty relative POSIX path with no '.', '..', backslash or git metadata part."""
    if not path or path.startswith("/") or "\\" in path:
        return False
    parts = path.split("/")
    return all(p not in ("", ".", "..") and p.lower() != ".git" for p in parts)
