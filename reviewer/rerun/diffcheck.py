"""Decide whether an agent's diff may be applied, before anything of it runs.

`git apply --numstat --summary -z` is the authority on what the diff would do;
unidiff's view of the headers must agree with it, and every path must pass the
allow-list. Anything ambiguous is refused.
"""

from __future__ import annotations

import os
import re
import subprocess
import tempfile
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

import unidiff

from reviewer.gitenv import isolated_env
from reviewer.lookalike import shown
from reviewer.textsafe import BARE_CR, clean

MAX_DIFF_BYTES = 1024 * 1024
MAX_FILES = 50
# Where diffs against the built-in harness may write; scorer, data and runner lie outside.
BUILTIN_ALLOW: tuple[str, ...] = ("methods/",)
GIT_TIMEOUT_S = 20
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_ALLOWED_SUMMARY = re.compile(r"create mode 100644 (?P<path>.+)")
_BAD_MODES = ("120000", "160000")
_GIT_NAMES = frozenset({".git", ".gitmodules", ".gitattributes", ".gitignore"})
_HUNK_HEADER = re.compile(r"@@ -(\d+)(?:,(\d+))? \+(\d+)(?:,(\d+))? @@")


class DiffRefused(Exception):
    """The diff is not accepted; the message says why and is safe to show."""


@dataclass(frozen=True)
class DiffPolicy:
    """What a harness lets a diff touch: path prefixes (folders end with '/')."""

    allow: tuple[str, ...]
    max_bytes: int = MAX_DIFF_BYTES
    max_files: int = MAX_FILES

    def allows(self, path: str) -> bool:
        return any(path.startswith(p) if p.endswith("/") else path == p for p in self.allow)


@dataclass(frozen=True)
class FileChange:
    """One file the diff adds or modifies, as git counts it."""

    path: str
    added: int
    deleted: int
    created: bool


def _safe(text: str) -> str:
    return _CONTROL.sub("?", text)[:200]


def misleading(path: str) -> str | None:
    """Why `path` would read as another path on the reviewer's screen, or None: a static
    check can flag at ingest what `check_path` refuses at a rerun."""
    if _CONTROL.search(path) or clean(path) != path:
        # What the screen strips (zero-width, bidi marks) would make the path read as another.
        return f"control or invisible character in path {_safe(path)!r}"
    if not path.isascii():
        # Method modules are importable ASCII names, and any other letter may pass for one
        # (a Cyrillic o, a combining accent, full-width dots reading as `..`).
        return (
            f"a path that reads as another (non-ASCII character; diff paths must be "
            f"ASCII): {_safe(shown(path))}"
        )
    if any(part != part.strip() for part in path.split("/")):
        # `x.py ` reads as `x.py` on the reviewer's screen.
        return f"a path that reads as another (spaces at the ends of a name): {_safe(path)!r}"
    return None


def check_path(path: str, policy: DiffPolicy) -> None:
    """Refuse anything but a plain relative ASCII path under the allow-list."""
    if not path:
        raise DiffRefused("empty path in diff")
    problem = misleading(path)
    if problem is not None:
        raise DiffRefused(problem)
    if "\\" in path:
        raise DiffRefused(f"backslash in path {_safe(path)!r}")
    if path.startswith("/"):
        raise DiffRefused(f"absolute path {_safe(path)!r}")
    parts = PurePosixPath(path).parts
    if any(p in ("..", ".") for p in path.split("/")):
        raise DiffRefused(f"'..' or '.' component in path {_safe(path)!r}")
    if any(p.lower() in _GIT_NAMES for p in parts):
        raise DiffRefused(f"git metadata path {_safe(path)!r}")
    if not policy.allows(path):
        raise DiffRefused(f"{_safe(path)} is outside the allow-list ({', '.join(policy.allow)})")


def _git(args: list[str], diff: bytes, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(
            ["git", "-c", "core.symlinks=false", *args],
            input=diff,
            cwd=cwd,
            env=isolated_env(cwd, ceiling=cwd.parent),
            capture_output=True,
            timeout=GIT_TIMEOUT_S,
            check=False,
        )
    except FileNotFoundError as exc:
        raise DiffRefused("git is not installed; it is needed to check diffs") from exc
    except subprocess.TimeoutExpired as exc:
        raise DiffRefused(f"git took longer than {GIT_TIMEOUT_S}s on this diff") from exc


def _git_view(diff: bytes) -> tuple[list[tuple[str, str, str]], list[str]]:
    """numstat rows (added, deleted, path) and summary lines, as git apply reads the diff."""
    with tempfile.TemporaryDirectory(prefix="reviewer-diff-") as tmp:
        out = _git(["apply", "--numstat", "--summary", "-z", "-"], diff, Path(tmp))
    if out.returncode != 0:
        message = out.stderr.decode("utf-8", "replace").strip().splitlines()
        raise DiffRefused("git cannot read the diff: " + _safe(message[0] if message else "?"))
    text = out.stdout.decode("utf-8", "surrogateescape")
    numstat_part, _, summary_part = text.rpartition("\0")
    rows: list[tuple[str, str, str]] = []
    for record in numstat_part.split("\0") if numstat_part else []:
        fields = record.split("\t", 2)
        if len(fields) != 3 or not fields[2]:
            raise DiffRefused("renames and copies are not accepted")
        rows.append((fields[0], fields[1], fields[2]))
    summary = [line.strip() for line in summary_part.splitlines() if line.strip()]
    return rows, summary


def _unidiff_view(text: str) -> list[unidiff.PatchedFile]:
    try:
        patch = unidiff.PatchSet(text)
    except (unidiff.UnidiffParseError, ValueError) as exc:
        raise DiffRefused(f"the diff cannot be parsed: {_safe(str(exc))}") from exc
    files: list[unidiff.PatchedFile] = []
    for f in patch:
        for name in (f.source_file, f.target_file):
            if name and name != "/dev/null" and name.startswith("/"):
                raise DiffRefused(f"absolute path {_safe(name)!r}")
        if f.is_binary_file:
            raise DiffRefused(f"binary patch for {_safe(f.path)}")
        if f.is_removed_file:
            raise DiffRefused(f"deletion of {_safe(f.path)}")
        if f.is_rename:
            raise DiffRefused(f"rename of {_safe(f.path)}")
        header = str(f.patch_info)
        if "GIT binary patch" in header or "Binary files" in header:
            raise DiffRefused(f"binary patch for {_safe(f.path)}")
        if re.search(r"^(copy|rename) (from|to) ", header, re.M):
            raise DiffRefused(f"rename or copy of {_safe(f.path)}")
        if re.search(r"^(old mode|new mode|deleted file mode) ", header, re.M):
            raise DiffRefused(f"mode change or deletion of {_safe(f.path)}")
        if any(mode in header for mode in _BAD_MODES) or getattr(f, "is_symlink", False):
            raise DiffRefused(f"symlink or submodule mode for {_safe(f.path)}")
        files.append(f)
    return files


def _hunk_body(lines: list[str], at: int, old: int, new: int) -> tuple[int, str | None, bool]:
    """Read one hunk's lines from `lines[at]` as git does: (the index after it, why it is
    refused or None, whether it holds a no-newline marker)."""
    prev = ""  # the kind of the last line read: " ", "-" or "+"
    only_added = marked = False
    while (old > 0 or new > 0) and at < len(lines):
        kind = lines[at][:1] or " "  # git reads an empty line as an unchanged one
        if kind == "\\":
            # After a removed line it ends the old file; anything after an added or unchanged
            # line would be joined to it by git, where the review shows two lines.
            if prev != "-":
                return at, f"a '\\ No newline' marker inside a hunk (diff line {at + 1})", True
            only_added = marked = True
        elif only_added and kind != "+":
            return at, f"a line after the old file's end in a hunk (diff line {at + 1})", True
        elif kind in " -+":
            old -= 0 if kind == "+" else 1
            new -= 0 if kind == "-" else 1
            prev = kind
        else:
            return at, None, marked  # malformed: git and the diff parser refuse it themselves
        at += 1
    if at < len(lines) and lines[at][:1] == "\\":
        if prev != "+" and prev != "-":
            # Such a hunk need not match at the file's end, so git can join its last
            # unchanged line to the line after it.
            return at, (f"a '\\ No newline' marker after an unchanged line (diff line"
                        f" {at + 1}): end the file with a newline or change its last line"), True
        return at + 1, None, True
    return at, None, marked


def shape_problem(text: str) -> str | None:
    """Why git would read `text` otherwise than the diff parser and the review show it, or
    None: a bare carriage return, a no-newline marker where git joins two lines, or hunks
    of one file out of order or overlapping (git places each wherever it matches)."""
    if (bare := BARE_CR.search(text)) is not None:
        line = text.count("\n", 0, bare.start()) + 1
        return (f"a bare carriage return (\\r without \\n) on diff line {line}, which Python"
                " reads as a line break the review does not show")
    lines = text.split("\n")
    at, prev_end, marked = 0, -1, False
    while at < len(lines):
        header = _HUNK_HEADER.match(lines[at])
        if header is None:
            prev_end, marked = -1, False  # not a hunk: the next one starts a new file
            at += 1
            continue
        if marked:
            return f"a hunk after a '\\ No newline' marker (diff line {at + 1})"
        start, old = int(header[1]), int(header[2] or 1)
        if start <= prev_end:
            return (f"hunks out of order or overlapping (diff line {at + 1}): each must start"
                    " after the previous one ends")
        prev_end = start + old - 1 if old else start
        at, problem, marked = _hunk_body(lines, at + 1, old, int(header[4] or 1))
        if problem is not None:
            return problem
    return None


def _git_path(name: str) -> str:
    """The path git reads from a `---`/`+++` name: its first component dropped (-p1)."""
    return name.partition("/")[2]


def section_problem(files: Iterable[unidiff.PatchedFile]) -> str | None:
    """Why the diff's sections do not name one file each as git reads them, or None: a
    path in two sections (the second applies to the first one's result, which no review
    of sections alone sees), or a section git files under another path than the parser."""
    seen: set[str] = set()
    for f in files:
        names = {_git_path(n) for n in (f.source_file, f.target_file)
                 if n and n != "/dev/null"}
        if names != {f.path}:
            return (f"git reads the section for {_safe(f.path)} as a change to"
                    f" {', '.join(_safe(n) for n in sorted(names)) or 'no file'}")
        if f.path in seen:
            return f"{_safe(f.path)} is changed by two sections"
        seen.add(f.path)
    return None


def _summary_kind(line: str) -> str:
    for needle, kind in (
        ("120000", "symlink"),
        ("160000", "submodule"),
        ("delete", "deletion"),
        ("rename", "rename"),
        ("copy", "copy"),
        ("mode change", "mode change"),
    ):
        if needle in line:
            return kind
    return "unexpected change"


def validate(diff: bytes, policy: DiffPolicy) -> list[FileChange]:
    """Every change the diff makes, or DiffRefused naming the first reason it is not accepted."""
    if len(diff) > policy.max_bytes:
        raise DiffRefused(f"diff is {len(diff)} bytes, over the {policy.max_bytes}-byte cap")
    if not diff.strip():
        raise DiffRefused("the diff is empty")
    try:
        text = diff.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DiffRefused(f"the diff is not UTF-8 (byte {exc.start})") from exc
    rows, summary = _git_view(diff)
    if not rows:
        raise DiffRefused("the diff changes no file")
    if len(rows) > policy.max_files:
        raise DiffRefused(f"the diff touches {len(rows)} files, over the cap of {policy.max_files}")
    if (problem := shape_problem(text)) is not None:
        raise DiffRefused(problem)
    parsed = _unidiff_view(text)
    twice = [path for path, count in Counter(path for _, _, path in rows).items() if count > 1]
    if twice:
        raise DiffRefused(f"{_safe(twice[0])} is changed by two sections")
    created: set[str] = set()
    for line in summary:
        match = _ALLOWED_SUMMARY.fullmatch(line)
        if match is None:
            raise DiffRefused(f"not accepted ({_summary_kind(line)}): {_safe(line)}")
        created.add(match["path"])
    changes: list[FileChange] = []
    for added, deleted, path in rows:
        if added == "-" or deleted == "-":
            raise DiffRefused(f"binary patch for {_safe(path)}")
        check_path(path, policy)
        changes.append(FileChange(path, int(added), int(deleted), path in created))
    if [(f.path, f.added, f.removed) for f in parsed] != [
        (c.path, c.added, c.deleted) for c in changes
    ]:
        raise DiffRefused("git and the diff parser disagree on which files change, or how")
    if (problem := section_problem(parsed)) is not None:
        raise DiffRefused(problem)
    return changes


def _snapshot(root: Path) -> dict[str, bytes]:
    """Every regular file's bytes by relative path; refuses symlinks and special files."""
    files: dict[str, bytes] = {}
    for dirpath, dirnames, filenames in os.walk(root):
        for name in [*dirnames, *filenames]:
            full = Path(dirpath, name)
            rel = full.relative_to(root).as_posix()
            mode = full.lstat().st_mode
            if os.path.islink(full):
                raise DiffRefused(f"symlink in the tree: {_safe(rel)}")
            if name in filenames:
                if not os.path.isfile(full) or (mode & 0o111):
                    raise DiffRefused(f"not a plain file in the tree: {_safe(rel)}")
                files[rel] = full.read_bytes()
    return files


def apply_diff(diff: bytes, base: Path, dest: Path, policy: DiffPolicy) -> list[FileChange]:
    """Validate `diff`, copy the pinned tree `base` to the new folder `dest`, apply, re-check.

    `dest` must not exist yet. On refusal it may be left half-made; callers use a
    fresh temporary folder and throw it away.
    """
    return apply_validated(diff, validate(diff, policy), base, dest, policy)


def apply_validated(
    diff: bytes, changes: list[FileChange], base: Path, dest: Path, policy: DiffPolicy
) -> list[FileChange]:
    """`apply_diff` for a diff whose `changes` the caller already has from `validate`."""
    before = _snapshot(base)
    dest.mkdir(parents=True)
    for rel, data in before.items():
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    for args in (["apply", "--check", "-"], ["apply", "-"]):
        out = _git(args, diff, dest)
        if out.returncode != 0:
            message = out.stderr.decode("utf-8", "replace").strip().splitlines()
            raise DiffRefused(
                "the diff does not apply to the pinned tree: "
                + _safe(message[0] if message else "?")
            )
    after = _snapshot(dest)
    changed = {p for p in before.keys() | after.keys() if before.get(p) != after.get(p)}
    for path in sorted(changed):
        if path not in after:
            raise DiffRefused(f"applying removed {_safe(path)}")
        check_path(path, policy)
    expected = {c.path for c in changes}
    if not changed <= expected:
        raise DiffRefused(
            "applying changed files the diff did not declare: "
            + ", ".join(_safe(p) for p in sorted(changed - expected))
        )
    return changes
