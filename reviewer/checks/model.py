"""One integrity finding: a stable code, a severity and a message a human can act on."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

SEVERITIES = ("high", "medium", "low")


@dataclass(frozen=True)
class Check:
    """A finding as `show --json` lists it under `checks` (DESIGN §4.5).

    `detail` carries machine-readable evidence (file, line, the matched name, another
    proposal's id); it must be JSON-serialisable.
    """

    code: str
    severity: str
    message: str
    detail: dict[str, Any] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.severity not in SEVERITIES:
            raise ValueError(f"severity must be one of {', '.join(SEVERITIES)}: {self.severity!r}")

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "message": self.message,
            "detail": dict(self.detail),
        }
