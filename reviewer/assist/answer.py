"""The structured answer: the tool the model must call, and strict validation of its input."""

from __future__ import annotations

from typing import Any

from reviewer.textsafe import clean, short

TOOL_NAME = "record_second_opinion"
RISKS = ("high", "medium", "low")
FIELDS = ("suspected_hack", "risk", "rationale", "questions")
MAX_RATIONALE = 2000
MAX_QUESTIONS = 8
MAX_QUESTION = 300

TOOL: dict[str, Any] = {
    "name": TOOL_NAME,
    "description": "Record your second opinion on the proposal under review.",
    "input_schema": {
        "type": "object",
        "properties": {
            "suspected_hack": {
                "type": "boolean",
                "description": "True if the result likely comes from a reward hack, not a method.",
            },
            "risk": {"type": "string", "enum": list(RISKS)},
            "rationale": {"type": "string", "maxLength": MAX_RATIONALE},
            "questions": {
                "type": "array",
                "items": {"type": "string", "maxLength": MAX_QUESTION},
                "maxItems": MAX_QUESTIONS,
            },
        },
        "required": list(FIELDS),
        "additionalProperties": False,
    },
}


class AssistError(Exception):
    """The second opinion could not be had; the one-line message says why. Nothing was stored."""


def parse_message(message: object) -> dict[str, Any]:
    """The validated answer from a Messages API response: its one forced tool call."""
    content = _field(message, "content")
    if not isinstance(content, list):
        raise AssistError("malformed answer: the response is not a Messages API message")
    calls = [
        b for b in content if _field(b, "type") == "tool_use" and _field(b, "name") == TOOL_NAME
    ]
    if len(calls) != 1:
        stop = _field(message, "stop_reason")
        raise AssistError(
            f"malformed answer: expected one {TOOL_NAME} call, got {len(calls)} "
            f"(stop_reason {short(str(stop), 40)})"
        )
    return validate_answer(_field(calls[0], "input"))


def validate_answer(data: object) -> dict[str, Any]:
    """Check types, the risk enum and the fields exactly; cap and clean the text."""
    if not isinstance(data, dict):
        raise AssistError("malformed answer: the tool input is not a JSON object")
    missing = [f for f in FIELDS if f not in data]
    if missing:
        raise AssistError(f"malformed answer: missing field {missing[0]!r}")
    extra = sorted(str(k) for k in data if k not in FIELDS)
    if extra:
        raise AssistError(f"malformed answer: unexpected field {short(extra[0], 40)!r}")
    hack, risk, rationale, questions = (data[f] for f in FIELDS)
    if not isinstance(hack, bool):
        raise AssistError("malformed answer: suspected_hack must be true or false")
    if risk not in RISKS:
        raise AssistError(f"malformed answer: risk must be one of {', '.join(RISKS)}")
    if not isinstance(rationale, str) or not clean(rationale).strip():
        raise AssistError("malformed answer: rationale must be a non-empty string")
    if not isinstance(questions, list) or not all(isinstance(q, str) for q in questions):
        raise AssistError("malformed answer: questions must be a list of strings")
    asked = [short(q, MAX_QUESTION) for q in questions if clean(q).strip()]
    return {
        "suspected_hack": hack,
        "risk": risk,
        "rationale": _cap(clean(rationale).strip(), MAX_RATIONALE),
        "questions": asked[:MAX_QUESTIONS],
    }


def _cap(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _field(obj: object, name: str) -> Any:
    """An attribute of an SDK model, or a key where the SDK left a plain dict."""
    if isinstance(obj, dict):
        return obj.get(name)
    return getattr(obj, name, None)
