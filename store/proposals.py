"""Mapping between NewProposal/rows and the proposals table, and the status state machine."""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from typing import Any

from store.errors import IllegalTransition
from store.model import NewProposal, _object_json, canonical_json, identity_hash, sha256_hex
from store.risk import risk_score

STATUSES = ("pending", "approved", "rejected")
DECISIONS = {"approve": "approved", "reject": "rejected"}
# Events that change the decision state; replaying them in order gives the status.
LIFECYCLE_ACTIONS = ("approve", "reject", "undo", "invalidate")

# Columns whose values the ingest event's fields_hash covers, so edits to them are caught.
HASHED_COLUMNS: tuple[str, ...] = (
    "agent",
    "title",
    "summary",
    "harness",
    "base",
    "idea",
    "source_format",
    "external_id",
    "parent",
    "created_at",
    "claimed_pgr",
    "claimed_pgr_se",
    "claimed_weak_acc",
    "claimed_strong_acc",
    "claimed_transfer_acc",
    "claimed_seeds",
    "claimed_num_seeds",
    "claimed_dataset",
    "original",
)

LIST_COLUMNS: tuple[str, ...] = (
    "id",
    "status",
    "agent",
    "idea",
    "title",
    "harness",
    "claimed_pgr",
    "claimed_pgr_se",
    "claimed_num_seeds",
    "diff_sha256",
    "ingested_at",
    "updated_at",
    "risk",
    "flags",
)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    # SQLite reads -0.0 back as 0.0; adding 0.0 makes the hash at ingest what verify rereads.
    return float(value) + 0.0


_PLAIN = json.JSONEncoder(ensure_ascii=False, allow_nan=False)  # row_for's `original`


def original_json(original: dict[str, Any]) -> str:
    """`json.dumps(original, ensure_ascii=False, allow_nan=False)`, faster on long text."""
    if type(original) is not dict:
        return json.dumps(original, ensure_ascii=False, allow_nan=False)
    return _object_json(original.items(), _PLAIN, ", ", ": ")


def row_for(
    p: NewProposal, now: str, *, content_hash: str | None = None, diff_sha256: str | None = None
) -> dict[str, Any]:
    """The proposals row for a new proposal (status pending), keyed in ROW_COLUMNS order.

    A caller that already computed the proposal's hashes passes them, so the canonical
    JSON and sha256 behind them are not computed twice.
    """
    claimed = p.claimed or {}
    seeds = claimed.get("seeds")
    seeds_list = seeds if isinstance(seeds, list) else None
    dataset = claimed.get("dataset")
    pgr = _number(claimed.get("pgr"))
    return {
        "id": p.content_hash if content_hash is None else content_hash,
        "status": "pending",
        "agent": p.agent,
        "title": p.title,
        "summary": p.summary,
        "harness": p.harness,
        "base": p.base,
        "idea": p.idea,
        "source_format": p.source_format,
        "external_id": p.external_id,
        "parent": p.parent,
        "created_at": p.created_at,
        "claimed_pgr": pgr,
        "claimed_pgr_se": _number(claimed.get("pgr_se")),
        "claimed_weak_acc": _number(claimed.get("weak_acc")),
        "claimed_strong_acc": _number(claimed.get("strong_acc")),
        "claimed_transfer_acc": _number(claimed.get("transfer_acc")),
        "claimed_seeds": None if seeds_list is None else canonical_json(seeds_list),
        "claimed_num_seeds": None if seeds_list is None else len(seeds_list),
        "claimed_dataset": dataset if isinstance(dataset, str) else None,
        "original": original_json(p.original),
        "diff": p.diff,
        "diff_sha256": p.diff_sha256 if diff_sha256 is None else diff_sha256,
        "ingested_at": now,
        "updated_at": now,
        "risk": risk_score(pgr, (), None),
        "flags": 0,
    }


# The columns row_for fills, in its order: the INSERT of a new proposal names exactly these.
ROW_COLUMNS: tuple[str, ...] = tuple(
    row_for(NewProposal("", "", "", "", "", {}), "", content_hash="")
)


def fields_hash(row: dict[str, Any]) -> str:
    """Hash of the stored descriptive columns, recorded at ingest and rechecked by verify."""
    return sha256_hex(canonical_json({c: row.get(c) for c in HASHED_COLUMNS}))


def stored_identity_hash(row: dict[str, Any]) -> str:
    """Recompute a stored proposal's content hash from its original object and diff."""
    diff = row.get("diff")
    return identity_hash(
        row["source_format"],
        json.loads(row["original"]),
        None if diff is None else sha256_hex(bytes(diff)),
    )


@dataclass
class Lifecycle:
    """Decision state of one proposal, rebuilt from its events: a stack of live decisions.

    Approvals count per distinct actor; the proposal is approved once `required` distinct
    reviewers approved (the two-person rule), and a changed diff voids live approvals.
    """

    decisions: list[tuple[int, str, str]] = field(default_factory=list)  # (seq, action, actor)
    # The approvals each live approval's policy asked for, by its seq.
    asked: dict[int, int] = field(default_factory=dict)

    @property
    def required(self) -> int:
        """Distinct approvers needed: what the latest live approval's policy asked for."""
        for seq, action, _ in reversed(self.decisions):
            if action == "approve":
                return self.asked.get(seq, 1)
        return 1

    @property
    def approvers(self) -> list[str]:
        return list(dict.fromkeys(a for _, action, a in self.decisions if action == "approve"))

    @property
    def status(self) -> str:
        if not self.decisions:
            return "pending"
        if self.decisions[-1][1] == "reject":
            return "rejected"
        return "approved" if len(self.approvers) >= self.required else "pending"

    def apply(
        self, seq: int, action: str, pid: str, actor: str = "", payload: dict | None = None
    ) -> None:
        """Apply a decision event; raise IllegalTransition where the store refuses it."""
        if action in DECISIONS:
            if self.status != "pending":
                raise IllegalTransition(
                    f"cannot {action} {pid[:12]}: it is already {self.status}; undo that first"
                )
            if action == "approve":
                required = int((payload or {}).get("required_approvals", 1))
                # Once the policy asks for fewer approvals than were given, an approval by
                # one of them completes it; otherwise the proposal stayed pending for good.
                if actor in self.approvers and len(self.approvers) < required:
                    raise IllegalTransition(
                        f"cannot approve {pid[:12]} twice as {actor}: "
                        "another reviewer has to give the second approval"
                    )
                self.asked[seq] = required
            self.decisions.append((seq, action, actor))
        elif action == "undo":
            if not self.decisions:
                raise IllegalTransition(f"cannot undo {pid[:12]}: it has no decision to undo")
            self.decisions.pop()
        elif action == "invalidate":
            self.decisions = [d for d in self.decisions if d[1] != "approve"]


def current_diff_sha(conn: sqlite3.Connection, pid: str) -> str | None:
    """The sha256 of the diff the proposal carries now (None without code)."""
    return conn.execute("SELECT diff_sha256 FROM proposals WHERE id = ?", (pid,)).fetchone()[0]


def claimed_of(row: dict[str, Any]) -> dict[str, Any]:
    """The `claimed` object of DESIGN §4.1 from a proposals row."""
    return {
        "pgr": row["claimed_pgr"],
        "pgr_se": row["claimed_pgr_se"],
        "weak_acc": row["claimed_weak_acc"],
        "strong_acc": row["claimed_strong_acc"],
        "transfer_acc": row["claimed_transfer_acc"],
        "seeds": None if row["claimed_seeds"] is None else json.loads(row["claimed_seeds"]),
        "dataset": row["claimed_dataset"],
    }
