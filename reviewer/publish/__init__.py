"""Publish approved findings into the shared findings (DESIGN §4.6).

`publish()` writes `{id}_{idea}.json` (sandbox finding format, measured numbers, claim
beside them), the patch and a Markdown provenance card into the configured folder,
commits and pushes them when the folder is a git repository, and records a `publish`
event; then, outside the folder lock, it optionally POSTs the finding to a W2S sandbox
server and records the answer. Publishing again with nothing changed writes, commits,
posts and records nothing new.

The verbs are in `deliver`, landing the files in `land` (git work in `push`), the POST in
`post`, and the result type in `result`.
"""

from __future__ import annotations

from reviewer.publish.config import PublishConfig, load_config
from reviewer.publish.deliver import publish, publish_rejection
from reviewer.publish.errors import NotConfigured, PublishError
from reviewer.publish.record import published
from reviewer.publish.result import PublishResult

__all__ = [
    "NotConfigured",
    "PublishConfig",
    "PublishError",
    "PublishResult",
    "load_config",
    "publish",
    "publish_rejection",
    "published",
]
