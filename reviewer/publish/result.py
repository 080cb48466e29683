"""What one publish did, as returned by `publish()` and printed by `publish --json`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class PublishResult:
    """What one publish did: the files, the commit, the push and the POST."""

    proposal_id: str
    kind: str
    folder: Path
    file: Path
    written: tuple[Path, ...]
    commit: str | None
    committed: bool
    pushed: bool
    push_attempts: int
    remote: str | None
    http: dict[str, Any] | None
    finding_sha256: str
    diff_sha256: str | None
    event_seq: int | None

    @property
    def unchanged(self) -> bool:
        """Nothing was written, committed or recorded: it was already published as is."""
        return not self.written and not self.committed and self.event_seq is None

    def to_json(self) -> dict[str, Any]:
        """What `publish --json` prints."""
        return {
            "proposal_id": self.proposal_id,
            "kind": self.kind,
            "folder": str(self.folder),
            "file": str(self.file),
            "written": [str(p) for p in self.written],
            "commit": self.commit,
            "committed": self.committed,
            "pushed": self.pushed,
            "push_attempts": self.push_attempts,
            "remote": self.remote,
            "http": self.http,
            "finding_sha256": self.finding_sha256,
            "diff_sha256": self.diff_sha256,
            "event_seq": self.event_seq,
            "unchanged": self.unchanged,
        }
