"""Checking signed checkpoints: each signature, and that the chain still holds what it signed.

`store.signing` re-exports `verify_checkpoints`; the signer reuses `authentic` and
`chain_problem` before it signs over an earlier checkpoint.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from store import audit
from store.sshsig import (
    SIGNATURE_CAP,
    STATEMENT_CAP,
    list_statements,
    parse_statement,
    read_capped,
    said,
    signature_of,
    verify_signature,
)

DEFAULT_NAMESPACE = "reviewer-audit"


@dataclass(frozen=True)
class SignatureCheck:
    """Whose signatures count: an allowed-signers file, the principal and the namespace."""

    allowed_signers: Path
    identity: str
    namespace: str = DEFAULT_NAMESPACE
    all_checkpoints: bool = False


@dataclass(frozen=True)
class CheckpointProblem:
    """One bad checkpoint or chain row; `seq` is the row it proves bad, when there is one.

    `kind` is signature, absent, truncated, missing or rewritten.
    """

    message: str
    kind: str
    seq: int | None = None
    file: Path | None = None

    def to_json(self) -> dict[str, Any]:
        where = None if self.file is None else str(self.file)
        return {"kind": self.kind, "message": self.message, "seq": self.seq, "file": where}


@dataclass
class CheckpointReport:
    """What the signed-checkpoint check found; `latest_seq` is the newest checkpoint checked."""

    folder: Path
    files: int = 0
    latest_seq: int | None = None
    verified: list[int] = field(default_factory=list)
    problems: list[CheckpointProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_json(self) -> dict[str, Any]:
        return {
            "folder": str(self.folder),
            "files": self.files,
            "latest_seq": self.latest_seq,
            "verified": len(self.verified),
            "problems": [p.to_json() for p in self.problems],
        }


def file_label(path: Path) -> str:
    return f"{path.parent.name}/{path.name}"


def _hash_at(conn: sqlite3.Connection, seq: int) -> str | None:
    row = conn.execute("SELECT hash FROM events WHERE seq = ?", (seq,)).fetchone()
    return None if row is None else str(row[0])


def authentic(
    path: Path, seq: int, check: SignatureCheck
) -> tuple[dict[str, Any], None] | tuple[None, CheckpointProblem]:
    """Authenticity: a signature by an allowed key for `identity` over these exact bytes,
    which are parsed as read, so what is checked next is what was verified."""
    label, sig = file_label(path), signature_of(path)

    def bad(why: str) -> tuple[None, CheckpointProblem]:
        return None, CheckpointProblem(f"checkpoint {label}: {why}", "signature", file=path)

    try:
        signature = read_capped(sig, SIGNATURE_CAP)
    except FileNotFoundError:
        return bad(f"no signature ({sig.name} is missing)")
    except ValueError as exc:
        return bad(f"signature {sig.name} {exc}")
    try:
        body = read_capped(path, STATEMENT_CAP)
    except FileNotFoundError:
        return bad("unreadable (it is missing)")
    except ValueError as exc:
        return bad(f"statement {exc}")
    out = verify_signature(
        signature,
        body,
        allowed_signers=check.allowed_signers,
        identity=check.identity,
        namespace=check.namespace,
    )
    if out.returncode != 0:
        return bad(
            f"signature does not verify for {check.identity} in namespace {check.namespace} "
            f"(statement edited or signed by another key): {said(out)}"
        )
    try:
        data = parse_statement(body)
    except ValueError as exc:
        return bad(str(exc))
    if data["seq"] != seq or data["namespace"] != check.namespace:
        return bad(
            f"signed for seq {data['seq']} in namespace {data['namespace']}, "
            "not what its file name and the namespace say"
        )
    return data, None


def chain_problem(
    conn: sqlite3.Connection, data: dict[str, Any], path: Path, head_seq: int
) -> CheckpointProblem | None:
    """Consistency: the chain still holds the signed hash at the signed seq."""
    seq, label = data["seq"], file_label(path)
    if seq > head_seq:
        return CheckpointProblem(
            f"seq {head_seq + 1}: missing; the signed checkpoint {label} records seq {seq} "
            f"but the log ends at seq {head_seq} (rows were cut off the end)",
            "truncated",
            head_seq + 1,
            path,
        )
    actual = _hash_at(conn, seq)
    if actual is None:
        return CheckpointProblem(
            f"seq {seq}: missing, though the signed checkpoint {label} records it",
            "missing",
            seq,
            path,
        )
    if actual != data["hash"]:
        return CheckpointProblem(
            f"seq {seq}: hash differs from the signed checkpoint {label} "
            "(the chain was rewritten at or before this row)",
            "rewritten",
            seq,
            path,
        )
    return None


def verify_checkpoints(
    conn: sqlite3.Connection,
    folder: Path,
    *,
    allowed_signers: Path,
    namespace: str,
    identity: str,
    all_checkpoints: bool = False,
) -> CheckpointReport:
    """Verify the newest signed checkpoint (or every one) and that the chain still matches it.

    A newest checkpoint whose signature fails is reported and the next older one is used.
    When the chain contradicts a signed checkpoint, earlier ones are bisected (hashes chain,
    so once a signed hash differs every later one does) to name where the damage begins.
    """
    check = SignatureCheck(allowed_signers, identity, namespace, all_checkpoints)
    report = CheckpointReport(folder)
    statements = list_statements(folder)
    report.files = len(statements)
    head_seq = audit.head(conn)[0]
    if not statements:
        if head_seq:
            report.problems.append(
                CheckpointProblem(
                    f"no signed checkpoint in {folder}, though the log has {head_seq} events "
                    "(deleted, or signing was only just configured: a reviewer command with "
                    "[audit] signing_key signs the head on exit)",
                    "absent",
                )
            )
        return report
    report.latest_seq = statements[-1][0]
    probe = _Prober(conn, statements, check, head_seq, report)
    order = range(len(statements)) if all_checkpoints else reversed(range(len(statements)))
    results: dict[int, object] = {}
    for index in order:
        results[index] = probe(index)
        if not all_checkpoints and results[index] is not _INVALID:
            break
    valid = sorted(i for i, r in results.items() if r is not _INVALID)
    if not valid:
        return report
    mismatched = [i for i in valid if results[i] is not _MATCH]
    if not mismatched:
        return report
    bad = mismatched[0]
    good = max((i for i in valid if i < bad), default=-1)
    bad, good = probe.bisect(good, bad)
    first = probe(bad)
    assert isinstance(first, CheckpointProblem)
    chain = [_with_range(first, statements, good)]
    newest = results[valid[-1]]
    if isinstance(newest, CheckpointProblem) and newest.kind != first.kind:
        chain.append(newest)  # e.g. rows were also cut off the end
    report.problems[:0] = chain
    return report


_MATCH = object()
_INVALID = object()


class _Prober:
    """Checks one signed checkpoint at most once: signature, then chain; remembers the answer."""

    def __init__(
        self,
        conn: sqlite3.Connection,
        statements: list[tuple[int, Path]],
        check: SignatureCheck,
        head_seq: int,
        report: CheckpointReport,
    ) -> None:
        self.conn, self.statements, self.check = conn, statements, check
        self.head_seq, self.report = head_seq, report
        self.seen: dict[int, object] = {}

    def __call__(self, index: int) -> object:
        """_INVALID (reported), _MATCH, or the chain's CheckpointProblem."""
        if index not in self.seen:
            seq, path = self.statements[index]
            data, problem = authentic(path, seq, self.check)
            if data is None:
                assert problem is not None
                self.report.problems.append(problem)
                self.seen[index] = _INVALID
            else:
                self.report.verified.append(seq)
                chain = chain_problem(self.conn, data, path, self.head_seq)
                self.seen[index] = _MATCH if chain is None else chain
        return self.seen[index]

    def bisect(self, good: int, bad: int) -> tuple[int, int]:
        """Narrow (good, bad] to adjacent valid checkpoints; invalid ones are stepped around."""
        while bad - good > 1:
            mid = (good + bad) // 2
            for index in sorted(range(good + 1, bad), key=lambda i: abs(i - mid)):
                result = self(index)
                if result is not _INVALID:
                    break
            else:
                return bad, good
            if result is _MATCH:
                good = index
            else:
                bad = index
        return bad, good


def _with_range(
    problem: CheckpointProblem, statements: list[tuple[int, Path]], good: int
) -> CheckpointProblem:
    """Say where the rewrite begins: after the last checkpoint that still matches."""
    if problem.kind != "rewritten" or problem.seq is None:
        return problem
    low = statements[good][0] + 1 if good >= 0 else 1
    where = f"seq {low}..{problem.seq}" if low < problem.seq else f"seq {problem.seq}"
    return CheckpointProblem(
        f"{problem.message}; the first bad row lies in {where}",
        problem.kind,
        problem.seq,
        problem.file,
    )
