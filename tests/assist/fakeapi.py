"""A local stand-in for the Messages API: replies to serve and what the SDK sent."""

from __future__ import annotations

import json
import socket
import threading
from dataclasses import dataclass, field

from reviewer import paths
from reviewer.assist.answer import TOOL_NAME

FAKE_KEY = "sk-ant-test-0000-not-a-real-key"
GOOD = {
    "suspected_hack": True,
    "risk": "high",
    "rationale": "methods/majority.py ignores the teacher and predicts the majority class.",
    "questions": ["Does the method read the weak labels at all?"],
}


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


def message_reply(tool_input: object, *, request_id: str = "req_test_0001") -> Reply:
    """A Messages API response whose content ends with the forced tool call."""
    body = {
        "id": "msg_test_01",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5",
        "content": [
            {"type": "text", "text": "Recording my assessment."},
            {"type": "tool_use", "id": "toolu_01", "name": TOOL_NAME, "input": tool_input},
        ],
        "stop_reason": "tool_use",
        "stop_sequence": None,
        "usage": {"input_tokens": 1200, "output_tokens": 80},
    }
    return Reply(body=json.dumps(body).encode(),
                 headers={"content-type": "application/json", "request-id": request_id})


def error_reply(status: int, kind: str, message: str) -> Reply:
    body = {"type": "error", "error": {"type": kind, "message": message}}
    # retry-after-ms keeps the SDK's back-off between retries to a millisecond.
    return Reply(status=status, body=json.dumps(body).encode(),
                 headers={"content-type": "application/json", "retry-after-ms": "1"})


class FakeAPI:
    """Replies are served in order (the last one repeats); requests are kept as received."""

    def __init__(self, url: str, release: threading.Event) -> None:
        self.url = url
        self.release = release
        self.replies: list[Reply] = [message_reply(GOOD)]
        self.received: list[dict] = []
        self.lock = threading.Lock()

    def next_reply(self) -> Reply:
        with self.lock:
            return self.replies.pop(0) if len(self.replies) > 1 else self.replies[0]

    @property
    def bodies(self) -> list[dict]:
        return [r["json"] for r in self.received]


def write_config(text: str) -> None:
    path = paths.config_file()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def closed_port_url() -> str:
    """A local URL nothing listens on: bind a port, then release it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}"
