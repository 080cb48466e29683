"""Optional second opinion from Claude on a proposal (DESIGN §3 `assist`); no UI code."""

from reviewer.assist.answer import AssistError, validate_answer
from reviewer.assist.core import latest_assist, second_opinion
from reviewer.assist.settings import AssistConfig, load_assist_config

__all__ = [
    "AssistConfig",
    "AssistError",
    "latest_assist",
    "load_assist_config",
    "second_opinion",
    "validate_answer",
]
