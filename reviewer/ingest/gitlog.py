"""Read commits and diffs from an agent's git repository, which is untrusted.

Only plumbing that never runs a program the repository's config names: no pager, external
diff or textconv, no hooks, no fsmonitor. Replace refs are ignored, so a repository cannot
show one commit's content under another's id. Commit objects are read length-delimited
(`cat-file --batch`), so no message can pose as another commit. Nothing is written.
"""

from __future__ import annotations

import re
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import IO

from reviewer.gitenv import GitError, Streaming, reader_argv, reader_env, run_git, streaming_git
from reviewer.ingest.errors import IngestError

GIT_TIMEOUT_S = 60.0
MAX_COMMITS = 10_000
# A commit object holds a message (the summary is capped at 200,000 characters) and headers.
MAX_COMMIT_BYTES = 256 * 1024
_CHUNK = 200  # commit objects read per cat-file call, so memory stays bounded
DIFF_BATCH = 200  # patches per diff-tree run, so each run stays within the timeout
_SHA = re.compile(rb"[0-9a-f]{40}|[0-9a-f]{64}")
_PERSON = re.compile(rb"(.*) <([^<>]*)> (\d{1,15}) ([+-])(\d\d)(\d\d)")


@dataclass(frozen=True)
class Commit:
    """One commit object; the author and message are the agent's text."""

    sha: str
    tree: str
    parents: tuple[str, ...]
    author_name: str
    author_email: str
    author_date: str  # ISO 8601 with the author's offset
    message: str
    oversize: int | None = None  # the object's size when it was too big to read


class GitRepo:
    """A repository read through a scrubbed git, each call with a timeout."""

    def __init__(self, path: Path) -> None:
        self.path = path.resolve()
        self.where = str(path)
        if not self.path.is_dir():
            raise self.error("not a folder")
        try:
            self._run("rev-parse", "--git-dir")
        except GitError as exc:
            why = str(exc) if exc.said is None else f"not a git repository: {exc.said}"
            raise self.error(why) from exc

    def error(self, message: str, commit: str | None = None, field: str | None = None
              ) -> IngestError:
        """An error naming the repository, and the commit when there is one."""
        where = f"{self.where}@{commit[:12]}" if commit else self.where
        return IngestError(where, None, field, message)

    def _env(self) -> dict[str, str]:
        return reader_env(self.path)

    def _run(self, *args: str, stdin: bytes | None = None) -> bytes:
        return run_git(reader_argv(self.path), *args, env=self._env(), timeout=GIT_TIMEOUT_S,
                       stdin=stdin)  # fmt: skip

    def output(self, *args: str, stdin: bytes | None = None) -> bytes:
        """git's output for `args`; an IngestError naming the repository otherwise."""
        try:
            return self._run(*args, stdin=stdin)
        except GitError as exc:
            raise self.error(str(exc)) from exc

    def branch_refs(self) -> list[str]:
        """Every local branch's full ref name (never taken for an option: each starts with
        `refs/`), read without walking any history."""
        out = self.output("for-each-ref", "--format=%(refname)", "refs/heads/")
        return [line.decode("utf-8", "replace") for line in out.splitlines()
                if line.startswith(b"refs/heads/")]

    def rev_list(self, *args: str, limit: int) -> list[str]:
        """Commit ids `git rev-list` prints for `args`, at most `limit` + 1 of them."""
        out = self.output("rev-list", f"--max-count={limit + 1}", *args, "--")
        return [line.decode() for line in out.split() if _SHA.fullmatch(line)]

    def commits(self, revs: list[str], limit: int = MAX_COMMITS) -> list[Commit]:
        """The commits `git rev-list revs` names, parents before children, at most `limit`.

        `revs` are passed to git as they are: check what a person typed with `check_revs`.
        """
        shas = self.rev_list("--topo-order", "--reverse", *revs, limit=limit)
        if len(shas) > limit:
            raise self.error(f"the range holds over {limit:,} commits; give a narrower one")
        return self.read_commits(shas)

    def read_commits(self, shas: list[str]) -> list[Commit]:
        """Each commit object, parsed from its exact bytes; one too big is not read."""
        sizes = self._sizes(shas)
        small = [sha for sha in shas if sizes[sha] <= MAX_COMMIT_BYTES]
        read: dict[str, Commit] = {}
        for start in range(0, len(small), _CHUNK):
            read.update(self._read_chunk(small[start : start + _CHUNK]))
        return [read[sha] if sha in read else Commit(sha, "", (), "", "", "", "", sizes[sha])
                for sha in shas]  # fmt: skip

    def _sizes(self, shas: list[str]) -> dict[str, int]:
        """Each commit's object size, from `cat-file --batch-check`."""
        lines = self.output("cat-file", "--batch-check", stdin=_lines(shas)).splitlines()
        if len(lines) != len(shas):
            raise self.error("git cat-file listed fewer objects than it was asked for")
        return {sha: self._size(line, sha) for sha, line in zip(shas, lines, strict=True)}

    def _size(self, header: bytes, sha: str) -> int:
        """The size a cat-file header line gives for commit `sha`; anything else is an error."""
        parts = header.split()
        if len(parts) != 3 or parts[0] != sha.encode() or parts[1] != b"commit" or \
                not parts[2].isdigit():
            raise self.error(f"git cat-file gave no commit object for {sha}")
        return int(parts[2])

    def _read_chunk(self, shas: list[str]) -> dict[str, Commit]:
        out = self.output("cat-file", "--batch", stdin=_lines(shas)) if shas else b""
        commits, pos = {}, 0
        for sha in shas:
            end = out.find(b"\n", pos)
            size = self._size(out[pos:end] if end >= 0 else b"", sha)
            commits[sha] = _parse(sha, out[end + 1 : end + 1 + size])
            pos = end + 1 + size + 1
        return commits

    def first_parents(self, sha: str, limit: int) -> list[tuple[str, str]]:
        """(commit, tree) along the first-parent chain from `sha`, `sha` first."""
        out = self.output("log", "--first-parent", f"--max-count={limit}", "--format=%H %T",
                            sha, "--")  # fmt: skip
        pairs = (line.split() for line in out.splitlines())
        return [(p[0].decode(), p[1].decode()) for p in pairs if len(p) == 2]

    def diffs(self, pairs: list[tuple[str, str]], max_bytes: int, budget: int | None = None
              ) -> dict[tuple[str, str], bytes | IngestError]:
        """The patch from commit `old` to `new` for each pair, with full blob ids, as git apply
        reads it; or the error for that pair: a patch over `max_bytes` (git is stopped, and a
        new one takes the pairs after it), or none from git. One git serves DIFF_BATCH pairs.
        Once the patches read add up to `budget` bytes, the pairs after are left out.

        git prints each commit's id on a line of its own before its patch (`--always`: even
        an empty one), and a patch has no line that is a bare id, so the patches part exactly.
        """
        out: dict[tuple[str, str], bytes | IngestError] = {}
        todo = list(dict.fromkeys(pairs))
        left = [budget]
        while todo and (left[0] is None or left[0] > 0):
            todo = todo[self._diff_batch(todo[:DIFF_BATCH], max_bytes, out, left):]
        return out

    def _diff_batch(self, batch: list[tuple[str, str]], max_bytes: int,
                    out: dict[tuple[str, str], bytes | IngestError],
                    left: list[int | None]) -> int:
        """Patches of `batch` into `out`, in order; how many pairs it settled (one that
        failed counts, and ends the run; so does spending what is `left` of the budget)."""
        args = ["diff-tree", "--stdin", "--always", "-p", "--no-renames", "--no-color",
                "--no-ext-diff", "--no-textconv", "--full-index"]  # fmt: skip
        with tempfile.TemporaryFile() as feed:
            feed.write("".join(f"{new} {old}\n" for old, new in batch).encode())
            feed.seek(0)
            with self._running(args, feed) as git:
                settled = self._read_patches(git.stdout, batch, max_bytes, out, left)
                if settled < len(batch):
                    return settled  # git is stopped as the block ends
                self._finish(git)
        return settled

    def _read_patches(self, stream: IO[bytes], batch: list[tuple[str, str]], max_bytes: int,
                      out: dict[tuple[str, str], bytes | IngestError],
                      left: list[int | None]) -> int:
        headers = [f"{new}\n".encode() for _, new in batch]
        # Never more than the limit in one read: a line longer than that ends the patch.
        line = stream.readline(max_bytes + 1)
        for i, pair in enumerate(batch):
            if line != headers[i]:
                # git skips a pair it cannot read (a missing object) without a word.
                out[pair] = self.error("git diff-tree gave no patch for it", pair[1], "diff")
                return i + 1
            parts: list[bytes] = []
            size = 0
            line = stream.readline(max_bytes + 1)
            following = headers[i + 1] if i + 1 < len(batch) else None
            while line and line != following:
                size += len(line)
                if size > max_bytes:
                    out[pair] = self.error(f"over the limit of {max_bytes} bytes", pair[1], "diff")
                    return i + 1
                parts.append(line)
                line = stream.readline(max_bytes + 1)
            out[pair] = b"".join(parts)
            if left[0] is not None:
                left[0] -= size
                if left[0] <= 0:
                    return i + 1
        return len(batch)

    def changed_paths(self, old: str, new: str, max_bytes: int = 1 << 20) -> list[str] | None:
        """The paths that differ between two commits; None when the list is over max_bytes."""
        data = self._bounded(new, max_bytes, "diff-tree", "-r", "-z", "--name-only",
                             "--no-renames", old, new, "--")  # fmt: skip
        if data is None:
            return None
        return [p.decode("utf-8", "replace") for p in data.split(b"\0") if p]

    def _bounded(self, commit: str, max_bytes: int, *args: str) -> bytes | None:
        """git's output, or None once it passes `max_bytes` (git is then stopped)."""
        with self._running(list(args)) as git:
            data = git.stdout.read(max_bytes + 1)
            if len(data) > max_bytes:
                return None  # git is stopped as the block ends
            self._finish(git, commit)
        return data

    @contextmanager
    def _running(self, args: list[str], stdin: IO[bytes] | int = subprocess.DEVNULL
                 ) -> Iterator[Streaming]:
        """git `args` with its output to read, stopped after GIT_TIMEOUT_S."""
        try:
            with streaming_git(reader_argv(self.path), *args, env=self._env(),
                               timeout=GIT_TIMEOUT_S, stdin=stdin) as git:  # fmt: skip
                yield git
        except GitError as exc:  # git could not start
            raise self.error(str(exc)) from exc

    def _finish(self, git: Streaming, commit: str | None = None) -> None:
        try:
            git.finish()
        except GitError as exc:
            raise self.error(str(exc), commit) from exc


def _lines(shas: list[str]) -> bytes:
    return "".join(f"{sha}\n" for sha in shas).encode()


def check_revs(revs: list[str], where: str) -> None:
    """Refuse what git would read as an option, or anything unprintable."""
    for rev in revs:
        if not rev or rev.startswith("-") or not rev.isprintable():
            raise IngestError(where, None, None, f"not a revision or range: {rev!r}")


def _parse(sha: str, raw: bytes) -> Commit:
    head, _, message = raw.partition(b"\n\n")
    tree, parents, author = "", [], None
    for line in head.split(b"\n"):
        key, _, value = line.partition(b" ")
        if key == b"tree":
            tree = value.decode("ascii", "replace")
        elif key == b"parent":
            parents.append(value.decode("ascii", "replace"))
        elif key == b"author":
            author = _PERSON.fullmatch(value)
    if author is None:
        name, email, date = "", "", ""
    else:
        name = author[1].decode("utf-8", "replace").strip()
        email = author[2].decode("utf-8", "replace").strip()
        date = _iso(int(author[3]), author[4] == b"-", int(author[5]), int(author[6]))
    text = message.decode("utf-8", "replace").strip("\n")
    return Commit(sha, tree, tuple(parents), name, email, date, text)


def _iso(seconds: int, west: bool, hours: int, minutes: int) -> str:
    offset = timedelta(hours=hours, minutes=minutes) * (-1 if west else 1)
    try:
        stamp = datetime.fromtimestamp(seconds, UTC).astimezone(timezone(offset))
    except (OverflowError, OSError, ValueError):
        return ""
    return stamp.isoformat()
