"""The `[assist]` table of the config file, validated; the API key is never part of it."""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from reviewer.config import ConfigError, read_section

DEFAULT_MODEL = "claude-sonnet-4-6"
_KEYS = ("model", "base_url", "timeout_s", "max_tokens", "max_retries")


@dataclass(frozen=True)
class AssistConfig:
    """Which model to ask and how patiently; `base_url` None means the SDK's default."""

    model: str = DEFAULT_MODEL
    base_url: str | None = None
    timeout_s: float = 60.0
    max_tokens: int = 2048
    max_retries: int = 2


def load_assist_config(path: str | os.PathLike[str] | None = None) -> AssistConfig:
    """Read `[assist]` from the config file (defaults when absent); errors name `assist.key`."""
    file, table = read_section("assist", path)
    return _Table(file, table).config()


class _Table:
    """Validates one `[assist]` table so every error says `file: assist.key: problem`."""

    def __init__(self, file: Path, table: dict[str, Any]) -> None:
        self.file, self.table = file, table

    def error(self, key: str, message: str) -> ConfigError:
        return ConfigError(f"{self.file}: assist.{key}: {message}")

    def config(self) -> AssistConfig:
        unknown = sorted(set(self.table) - set(_KEYS))
        if unknown:
            raise self.error(unknown[0], f"unknown key (known: {', '.join(_KEYS)})")
        default = AssistConfig()
        return AssistConfig(
            model=self.model(default.model),
            base_url=self.base_url(),
            timeout_s=self.number("timeout_s", default.timeout_s, high=3600),
            max_tokens=self.integer("max_tokens", default.max_tokens, low=64, high=64_000),
            max_retries=self.integer("max_retries", default.max_retries, low=0, high=10),
        )

    def get(self, key: str, kind: type | tuple[type, ...], what: str) -> Any:
        value = self.table.get(key)
        # TOML booleans are ints to Python, and no field here is a boolean.
        if value is not None and (isinstance(value, bool) or not isinstance(value, kind)):
            raise self.error(key, f"must be {what}, not {type(value).__name__}")
        return value

    def model(self, default: str) -> str:
        value = self.get("model", str, "a string")
        if value is None:
            return default
        if not value.strip() or len(value) > 200 or any(c.isspace() for c in value):
            raise self.error("model", f"must be a model id such as {DEFAULT_MODEL!r}")
        return value

    def base_url(self) -> str | None:
        value = self.get("base_url", str, "a string")
        if value is None:
            return None
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise self.error("base_url", f"must be an http(s) URL, not {value!r}")
        return value

    def number(self, key: str, default: float, *, high: float) -> float:
        value = self.get(key, (int, float), "a number")
        if value is None:
            return default
        if not (math.isfinite(value) and 0 < value <= high):
            raise self.error(key, f"must be a number of seconds in (0, {high:g}], not {value}")
        return float(value)

    def integer(self, key: str, default: int, *, low: int, high: int) -> int:
        value = self.get(key, int, "an integer")
        if value is None:
            return default
        if not low <= value <= high:
            raise self.error(key, f"must lie in [{low}, {high}], not {value}")
        return value
