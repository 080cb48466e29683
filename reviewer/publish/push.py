"""Commit and push a record to the shared repository, vouching for it in the ledger."""

from __future__ import annotations

from collections.abc import Callable

from reviewer.publish import git, ledger
from reviewer.publish.config import PublishConfig
from reviewer.publish.errors import PublishError
from reviewer.publish.finding import Built, same_finding
from reviewer.publish.folder import target, write_atomic
from reviewer.textsafe import short


def commit_message(built: Built, kind: str, store_id: str, *, also: bool = False) -> str:
    """The publish commit's message; `also` for the empty commit of a store whose record
    lost the push race to another store's record of the same finding."""
    f = built.finding
    verb = "Publish" if kind == "finding" else "Record rejection of"
    if also:
        verb = "Also approve" if kind == "finding" else "Also record rejection of"
    people = f.get("reviewed_by") if kind == "finding" else f.get("rejected_by")
    key = "Reviewed-by" if kind == "finding" else "Rejected-by"
    trailers = [(key, short(actor, 200)) for actor in people or []]
    trailers += [
        ("Proposal-Id", built.proposal_id),
        ("Diff-SHA256", f.get("diff_sha256") or "none"),
        ("Audit-Hash", f["audit_hash"]),
    ]
    trailers += ledger.trailers(kind, [store_id], ledger.VOUCH)
    # The subject names the idea, whose name holds only [A-Za-z0-9_.-], never the agent's
    # title: a forge reads "Fixes #1", "org/repo#7" and "@user" in a pushed commit message.
    return git.message(f"{verb} {f['id']}: {f['idea_name']}", "", trailers)


def push_record(
    repo: git.Repo,
    built: Built,
    files: list[tuple[str, bytes]],
    kind: str,
    store_id: str,
    cfg: PublishConfig,
) -> tuple[int, list[str]]:
    """Push the committed record, and this store's vouch for it; as `_land` returns."""
    attempts, rewritten = _land(repo, built, files, kind, store_id, cfg)
    if store_id not in ledger.vouchers(repo, built.proposal_id, kind, committed=False):
        # Our very bytes were there already (published from a copy of this database,
        # or by this store before the ledger): say in the ledger that we vouch too.
        git.commit_empty(repo, commit_message(built, kind, store_id, also=True))
        if repo.remote is not None:
            attempts += git.push(repo, cfg.push_retries).attempts
    return attempts, rewritten


def _land(
    repo: git.Repo,
    built: Built,
    files: list[tuple[str, bytes]],
    kind: str,
    store_id: str,
    cfg: PublishConfig,
) -> tuple[int, list[str]]:
    """Push, then make sure HEAD holds exactly the bytes this store built.

    A fetch can bring in an edit of the record (a lost race, or a stale clone catching up):
    the record is then written, committed and pushed again. Returns the push attempts and
    the files rewritten. Raises PublishError when the remote holds a record of the finding
    that is not this store's in substance.
    """
    rels = [rel for rel, _ in files]
    attempts = 0
    rewritten: list[str] = []
    for _ in range(cfg.push_retries + 1):
        if repo.remote is not None:
            try:
                attempts += git.push(repo, cfg.push_retries, rels, _accept(built)).attempts
            except git.RecordConflict as exc:
                raise PublishError(_conflict_message(built, exc)) from exc
        stale = [rel for rel, data in files if git.blob(repo, "HEAD", rel) != data]
        if not stale:
            return attempts, rewritten
        for rel, data in files:
            if write_atomic(target(repo.root, rel), data) and rel not in rewritten:
                rewritten.append(rel)
        git.commit(repo, rels, commit_message(built, kind, store_id))
    raise PublishError(
        f"{built.proposal_id[:12]}: the remote changed {', '.join(rels)} again on "
        f"each of {cfg.push_retries + 1} tries (publish.push_retries)"
    )


def _accept(built: Built) -> Callable[[bytes], bool]:
    """Whether a record found on the remote may be replaced by this store's: only another
    record of the same finding, whose numbers this one repeats."""
    return lambda theirs: same_finding(built.data, theirs)


def _conflict_message(built: Built, exc: git.RecordConflict) -> str:
    ref = built.proposal_id[:12]
    return (
        f"{ref}: the shared {exc.path} was written by commit {exc.commit}, and it is not "
        f"this store's record (another proposal, diff, claim or measured numbers); nothing "
        f"was pushed and this store vouches for none of it. Inspect that commit; "
        f"`reviewer publish {ref}` then replaces it with this store's record"
    )
