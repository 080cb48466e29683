"""Proposals from a git range: each commit an agent made on top of a harness's tree.

A commit's proposal carries the whole change from the harness commit it descends from
(its first-parent ancestor whose tree is the built-in harness, or a configured external
harness's pinned commit), so its diff applies to the pinned tree and a rerun measures
exactly that code. The commit's first parent, when it is not that harness commit, is what
it builds on ([lineage]). Subject, body and trailers come from the message (`trailers.py`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from reviewer.ingest.errors import IngestError
from reviewer.ingest.fields import Where
from reviewer.ingest.files import FileResult
from reviewer.ingest.gitlog import MAX_COMMIT_BYTES, Commit, GitRepo, check_revs
from reviewer.ingest.native import IDEA_NAME, parse_native
from reviewer.ingest.safefile import MAX_DIFF_BYTES
from reviewer.ingest.trailers import Fields, failure, split_message
from store.lineage import GIT_FORMAT
from store.model import NewProposal

SOURCE_FORMAT = GIT_FORMAT
# How far back along first parents a commit's harness commit is looked for.
MAX_DEPTH = 100_000
# Patch bytes one run reads: each commit's diff carries every change since the harness, so
# one big method and many empty commits after it would cost memory without end; the
# commits past this are left for the next run.
MAX_RUN_DIFF_BYTES = 64 << 20


@dataclass(frozen=True)
class Harness:
    """A tree agents commit on: what proposals name as `harness` and `base`."""

    name: str
    base: str  # the built-in tree hash, or the external harness's pinned commit
    allow: tuple[str, ...]
    tree: str | None = None  # matched by tree for the built-in one, else by commit

    def matches(self, sha: str, tree: str) -> bool:
        return tree == self.tree if self.tree is not None else sha == self.base


@dataclass
class CommitsRead:
    """One result per commit (a proposal or an error), and what was skipped."""

    results: list[FileResult]
    merges: int = 0
    harness_commits: int = 0
    skipped: int = 0  # in `seen`
    shas: list[str] = field(default_factory=list)  # the commit of each result
    stored: list[str] = field(default_factory=list)  # ids of commits stored before
    stored_shas: list[str] = field(default_factory=list)  # and those commits
    broken: list[IngestError] = field(default_factory=list)  # branches left out, unreadable
    deferred: int = 0  # commits left for the next run, past MAX_RUN_DIFF_BYTES


def read_commits(
    repo: GitRepo,
    revs: list[str],
    harnesses: list[Harness],
    seen: set[str] | None = None,
    stored: Callable[[list[str]], dict[str, str]] | None = None,
) -> CommitsRead:
    """Each non-merge commit `revs` names, as a proposal, less the commits in `seen`.

    With no `revs`, the range is every local branch from the harness commits on. `stored`
    maps commits to the ids they were already stored as; those are not read again, since a
    commit never changes.
    """
    check_revs(revs, repo.where)
    broken: list[IngestError] = []
    if not revs:
        revs, broken = default_range(repo, harnesses)
    commits = repo.commits(revs)
    out = CommitsRead([], broken=broken)
    known = stored([c.sha for c in commits]) if stored is not None else {}
    bases = _BaseFinder(repo, harnesses)
    todo: list[tuple[Commit, tuple[Harness, str] | IngestError]] = []
    for commit in commits:
        if any(h.matches(commit.sha, commit.tree) for h in harnesses):
            out.harness_commits += 1
            continue
        if len(commit.parents) > 1:
            out.merges += 1
            continue
        if seen is not None and commit.sha in seen:
            out.skipped += 1
            continue
        if commit.sha in known:
            out.stored.append(known[commit.sha])
            out.stored_shas.append(commit.sha)
            continue
        try:
            if commit.oversize is not None:
                raise repo.error(f"the commit object is {commit.oversize:,} bytes, over the "
                                 f"limit of {MAX_COMMIT_BYTES:,}", commit.sha)
            todo.append((commit, bases.of(commit)))
        except IngestError as exc:
            todo.append((commit, exc))
    # Every patch first, from a few git runs rather than one per commit.
    patches = repo.diffs([(found[1], commit.sha) for commit, found in todo
                          if not isinstance(found, IngestError)], MAX_DIFF_BYTES,
                         MAX_RUN_DIFF_BYTES)  # fmt: skip
    for commit, found in todo:
        where = f"{repo.where}@{commit.sha[:12]}"
        if not isinstance(found, IngestError) and (found[1], commit.sha) not in patches:
            out.deferred += 1
            continue
        out.shas.append(commit.sha)
        try:
            if isinstance(found, IngestError):
                raise found
            patch = patches[(found[1], commit.sha)]
            out.results.append(FileResult(Path(where), [_proposal(repo, commit, *found, patch)]))
        except IngestError as exc:
            out.results.append(FileResult(Path(where), error=exc))
    return out


def default_range(repo: GitRepo, harnesses: list[Harness]) -> tuple[list[str], list[IngestError]]:
    """`--branches` less every harness commit's history, and the branches that could not be
    read (each an error, the rest read as usual); no harness found is an error."""
    tips, broken = ["--branches"], []
    try:
        out = _log(repo, "--branches")
    except IngestError:
        # One branch whose history cannot be read (a parent missing) fails a log of them
        # all: read them one by one, so one agent's broken branch does not stop the others.
        tips, out = [], b""
        for ref in repo.branch_refs():
            try:
                out += _log(repo, ref)
            except IngestError as exc:
                broken.append(repo.error(f"branch {ref} cannot be read, so it was left out: "
                                         f"{exc.message}"))
            else:
                tips.append(ref)
    bases = []
    for line in out.decode().splitlines():
        sha, _, tree = line.partition(" ")
        if any(h.matches(sha, tree) for h in harnesses):
            bases.append(sha)
    if not bases:
        names = ", ".join(_describe(h) for h in harnesses)
        raise repo.error(f"no branch descends from a harness ({names}); make the repository "
                         "with `reviewer harness export DIR --git` and commit on top of it")
    return [*tips, *(f"^{sha}" for sha in bases)], broken


def _log(repo: GitRepo, tips: str) -> bytes:
    return repo.output("log", tips, f"--max-count={MAX_DEPTH}", "--format=%H %T", "--")


def _describe(h: Harness) -> str:
    return f"the built-in tree {h.tree[:12]}" if h.tree else f"{h.name} at {h.base[:12]}"


class _BaseFinder:
    """Each commit's harness and harness commit, walking each first-parent chain once."""

    def __init__(self, repo: GitRepo, harnesses: list[Harness]) -> None:
        self.repo = repo
        self.harnesses = harnesses
        self.known: dict[str, tuple[Harness, str] | None] = {}

    def of(self, commit: Commit) -> tuple[Harness, str]:
        parent = commit.parents[0] if commit.parents else None
        found = self._walk(parent) if parent else None
        self.known[commit.sha] = found  # so its children need no walk of their own
        if found is None:
            raise self.repo.error(
                "descends from no harness: no first-parent ancestor is "
                + " or ".join(_describe(h) for h in self.harnesses), commit.sha)
        return found

    def _walk(self, start: str) -> tuple[Harness, str] | None:
        if start in self.known:
            return self.known[start]
        chain: list[str] = []
        result: tuple[Harness, str] | None = None
        for sha, tree in self.repo.first_parents(start, MAX_DEPTH):
            if sha in self.known:
                result = self.known[sha]
                break
            harness = next((h for h in self.harnesses if h.matches(sha, tree)), None)
            if harness is not None:
                result = (harness, sha)
                break
            chain.append(sha)
        for sha in chain:
            self.known[sha] = result
        return result


def _proposal(repo: GitRepo, commit: Commit, harness: Harness, base_commit: str,
              raw: bytes | IngestError) -> NewProposal:
    """The commit's proposal; `raw` is its patch from the harness commit, or why there is
    none (over the limit, say)."""
    where = f"{repo.where}@{commit.sha[:12]}"
    fail = failure(where)
    message = split_message(commit.message)
    if not message.title:
        raise fail("message", "the commit message has no subject line to use as a title")
    fields = Fields(message.trailers, fail)
    if isinstance(raw, IngestError):
        raise raw
    try:
        diff = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise fail("diff", "not UTF-8 text (binary files cannot be proposed)") from exc
    parent = fields.text.get("parent")
    if parent is None and commit.parents and commit.parents[0] != base_commit:
        parent = commit.parents[0]
    obj = {
        "agent": fields.text.get("agent") or commit.author_name or commit.author_email,
        "title": message.title,
        "summary": message.body or message.title,
        "harness": harness.name,
        "base": harness.base,
        "idea": fields.text.get("idea") or _idea(repo, commit, diff, harness.allow),
        "diff": diff,
        "created_at": commit.author_date or None,
        "parent": parent,
        "claimed": fields.claimed or None,
        "git": {
            "commit": commit.sha,
            "tree": commit.tree,
            "parents": list(commit.parents),
            "harness_commit": base_commit,
            "author": f"{commit.author_name} <{commit.author_email}>",
            "trailers": fields.other,
        },
    }
    obj = {k: v for k, v in obj.items() if v is not None}
    proposal = parse_native(obj, Where(where), folder=None, source=where)
    return dataclasses.replace(proposal, source_format=SOURCE_FORMAT, external_id=commit.sha)


def _idea(repo: GitRepo, commit: Commit, diff: str, allow: tuple[str, ...]) -> str | None:
    """The one method the whole diff touches, else the one this commit's own change touches."""
    idea = idea_from_paths(_paths(diff), allow)
    if idea is None and commit.parents:
        own = repo.changed_paths(commit.parents[0], commit.sha)
        idea = idea_from_paths(own or [], allow)
    return idea


def _paths(diff: str) -> list[str]:
    """The `b/` side of each `diff --git` header (git quotes unusual names; those are skipped)."""
    found = []
    for line in diff.splitlines():
        if line.startswith("diff --git a/") and " b/" in line:
            found.append(line.rsplit(" b/", 1)[1])
    return found


def idea_from_paths(paths: Iterable[str], allow: tuple[str, ...]) -> str | None:
    """The one method every allowed path belongs to (`methods/<idea>.py`,
    `w2s_research/ideas/<idea>/...`), or None when there is not exactly one."""
    names = set()
    for path in paths:
        for prefix in allow:
            if path.startswith(prefix) and len(path) > len(prefix):
                first = PurePosixPath(path[len(prefix):]).parts[0]
                names.add(first.removesuffix(".py"))
    # A name a native proposal could not carry is left for an `Idea:` trailer to give.
    if len(names) == 1 and IDEA_NAME.fullmatch(name := names.pop()):
        return name
    return None
