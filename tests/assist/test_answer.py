"""Strict validation of the model's structured answer."""

from __future__ import annotations

import pytest

from reviewer.assist.answer import (
    MAX_QUESTIONS,
    MAX_RATIONALE,
    TOOL_NAME,
    AssistError,
    parse_message,
    validate_answer,
)

GOOD = {"suspected_hack": False, "risk": "low", "rationale": "A plain method.", "questions": []}


def test_a_good_answer_passes_unchanged():
    assert validate_answer(GOOD) == GOOD


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"suspected_hack": "yes"}, "suspected_hack must be true or false"),
        ({"suspected_hack": 1}, "suspected_hack must be true or false"),
        ({"risk": "HIGH"}, "risk must be one of high, medium, low"),
        ({"risk": ["high"]}, "risk must be one of"),
        ({"rationale": ""}, "rationale must be a non-empty string"),
        ({"rationale": "\x1b[2J\x07"}, "rationale must be a non-empty string"),
        ({"rationale": 3}, "rationale must be a non-empty string"),
        ({"questions": "why?"}, "questions must be a list of strings"),
        ({"questions": ["ok", 2]}, "questions must be a list of strings"),
        ({"verdict": "approve"}, "unexpected field 'verdict'"),
    ],
)
def test_wrong_types_and_values_are_clear_errors(change, message):
    with pytest.raises(AssistError, match="malformed answer: " + message.replace("?", r"\?")):
        validate_answer({**GOOD, **change})


@pytest.mark.parametrize("field", ["suspected_hack", "risk", "rationale", "questions"])
def test_missing_field(field):
    with pytest.raises(AssistError, match=f"missing field '{field}'"):
        validate_answer({k: v for k, v in GOOD.items() if k != field})


def test_not_an_object():
    with pytest.raises(AssistError, match="not a JSON object"):
        validate_answer(["high"])


def test_text_is_cleaned_and_capped():
    answer = validate_answer({**GOOD, "rationale": "\x1b[31mred\x1b[0m " + "x" * 50_000,
                              "questions": ["  ", "a\x1b]52;c;ZQ==\x07b\nc", *["q"] * 40]})
    assert answer["rationale"].startswith("red x") and len(answer["rationale"]) == MAX_RATIONALE
    assert answer["questions"][0] == "a52;c;ZQ==b c" and len(answer["questions"]) == MAX_QUESTIONS


def block(name=TOOL_NAME, data=GOOD):
    return {"type": "tool_use", "id": "t", "name": name, "input": data}


def test_parse_message_takes_the_one_tool_call():
    message = {"content": [{"type": "text", "text": "hi"}, block()], "stop_reason": "tool_use"}
    assert parse_message(message) == GOOD


@pytest.mark.parametrize(
    "content",
    [[], [{"type": "text", "text": "I refuse"}], [block("other_tool")], [block(), block()]],
)
def test_parse_message_wants_exactly_one_call(content):
    with pytest.raises(AssistError, match=f"expected one {TOOL_NAME} call"):
        parse_message({"content": content, "stop_reason": "max_tokens"})


def test_parse_message_rejects_a_non_message():
    with pytest.raises(AssistError, match="not a Messages API message"):
        parse_message("<html>")
