"""What `audit verify` found: the report type every part of verify adds its problems to."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from store import audit
from store.signing import CheckpointReport

# Problems listed per part of verify (chain, proposals, jobs, checks, schema, file), so that
# many of one kind cannot push a tamper of another kind out of the report.
MAX_PROBLEMS = 20


@dataclass
class VerifyReport:
    """What verify found; `problems[0]` names the first bad row."""

    events: int = 0
    proposals: int = 0
    head_seq: int = 0
    head_hash: str = audit.GENESIS
    checkpoint: tuple[int, str] | None = None
    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    first_bad_seq: int | None = None
    signed: CheckpointReport | None = None
    not_shown: int = 0  # problems past a part's MAX_PROBLEMS, counted but not listed
    part: str = ""
    listed: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.problems

    def add(self, message: str, seq: int | None = None) -> None:
        if self.first_bad_seq is None and seq is not None and not self.problems:
            self.first_bad_seq = seq
        if self.listed.get(self.part, 0) < MAX_PROBLEMS:
            self.listed[self.part] = self.listed.get(self.part, 0) + 1
            self.problems.append(message)
        else:
            self.not_shown += 1

    def to_json(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "events": self.events,
            "proposals": self.proposals,
            "head": {"seq": self.head_seq, "hash": self.head_hash},
            "checkpoint": None
            if self.checkpoint is None
            else {"seq": self.checkpoint[0], "hash": self.checkpoint[1]},
            "first_bad_seq": self.first_bad_seq,
            "problems": self.problems,
            "problems_not_shown": self.not_shown,
            "warnings": self.warnings,
            "signed_checkpoint": None if self.signed is None else self.signed.to_json(),
        }
