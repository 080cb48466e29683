"""Ask Claude for a second opinion on a proposal and record it as an audit event.

The opinion is advisory: it changes no state, and it is stored only once a well-formed
answer came back, so a failed request leaves the store exactly as it was.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, cast

from reviewer.assist.answer import TOOL, TOOL_NAME, AssistError, parse_message
from reviewer.assist.lineage import parent_change, parent_notes
from reviewer.assist.prompt import Request, build_request
from reviewer.assist.settings import AssistConfig
from reviewer.textsafe import short
from store import ReviewStore
from store.audit import Event

if TYPE_CHECKING:
    import anthropic
    from anthropic.types import ToolParam

ACTION = "assist"
KEY_ENV = "ANTHROPIC_API_KEY"
NO_KEY = (
    f"{KEY_ENV} is not set; the second opinion is optional: set it to ask Claude, "
    "or review without one (nothing was stored)"
)
NOT_STORED = "nothing was stored"


def second_opinion(
    store: ReviewStore,
    pid: str,
    *,
    config: AssistConfig,
    actor: str,
    checks: list[dict[str, Any]],
    environ: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """Ask, validate, record; returns the record `latest_assist` would now return.

    `checks` is `reviewer.shapes.show(store, pid)["checks"]`. Raises AssistError (nothing
    stored) for a missing key, an unreachable or refusing API, or a malformed answer, and
    StoreError for an unknown id.
    """
    key = (os.environ if environ is None else environ).get(KEY_ENV, "").strip()
    if not key:
        raise AssistError(NO_KEY)
    row = store.get(pid)
    parents = parent_notes(store, row["id"])
    change = parent_change(store, row["id"]) if parents and row["diff"] else None
    request = build_request(row, checks, parents=parents, parent_change=change)
    message = _ask(request, config, key)
    try:
        answer = parse_message(message)
    except AssistError as exc:
        raise AssistError(f"{exc}; {NOT_STORED}") from None
    request_id = getattr(message, "_request_id", None)
    payload = {
        "model": config.model,
        "answer": answer,
        "diff_sha256": request.diff_sha256,
        "checks_sent": request.checks_sent,
        "parents_sent": request.parents_sent,
        "request_id": short(request_id, 200) if isinstance(request_id, str) else None,
    }
    event = store.annotate(row["id"], ACTION, payload, actor=actor)
    return _record(event, row["diff_sha256"])


def latest_assist(store: ReviewStore, pid: str) -> dict[str, Any] | None:
    """The newest second opinion on a proposal, or None; `stale` when the diff changed since."""
    event = store.latest_event(pid, ACTION)
    if event is None:
        return None
    return _record(event, store.get(pid)["diff_sha256"])


def _record(event: Event, current_sha: str | None) -> dict[str, Any]:
    payload = event.payload
    return {
        "seq": event.seq,
        "at": event.ts,
        "actor": event.actor,
        "model": payload.get("model"),
        "answer": payload.get("answer"),
        "diff_sha256": payload.get("diff_sha256"),
        "checks_sent": payload.get("checks_sent"),
        # Opinions recorded before parents were sent have no such key: none were.
        "parents_sent": payload.get("parents_sent") or [],
        "request_id": payload.get("request_id"),
        "stale": payload.get("diff_sha256") != current_sha,
    }


def _ask(request: Request, config: AssistConfig, key: str) -> object:
    """One Messages API call with the answer forced through the tool; SDK errors become one line."""
    import anthropic  # deferred: the SDK is heavy and only this command needs it

    client = anthropic.Anthropic(
        api_key=key,
        base_url=config.base_url,
        timeout=config.timeout_s,
        max_retries=config.max_retries,
    )
    where = config.base_url or "the Anthropic API"
    try:
        return client.messages.create(
            model=config.model,
            max_tokens=config.max_tokens,
            system=request.system,
            messages=[{"role": "user", "content": request.user}],
            # TOOL is a plain dict so that answer.py needs no SDK import; its shape is ToolParam's.
            tools=[cast("ToolParam", TOOL)],
            tool_choice={"type": "tool", "name": TOOL_NAME},
        )
    except anthropic.APITimeoutError as exc:
        raise AssistError(
            f"no answer from {where} within {config.timeout_s:g} s "
            f"({config.max_retries} retries); {NOT_STORED}"
        ) from exc
    except anthropic.APIConnectionError as exc:
        raise AssistError(f"cannot connect to {where}; {NOT_STORED}") from exc
    except anthropic.APIStatusError as exc:
        raise AssistError(f"{_status_text(exc, config)}; {NOT_STORED}") from exc
    except json.JSONDecodeError as exc:
        raise AssistError(f"malformed answer: the response is not JSON; {NOT_STORED}") from exc
    except RecursionError as exc:
        # The SDK's JSON parser recurses once per level, so a hostile answer can nest past it.
        raise AssistError(
            f"malformed answer: the response is nested too deeply; {NOT_STORED}"
        ) from exc
    except (anthropic.APIResponseValidationError, ValueError, TypeError) as exc:
        raise AssistError(
            f"malformed answer: {short(type(exc).__name__, 60)}; {NOT_STORED}"
        ) from exc
    except anthropic.AnthropicError as exc:
        raise AssistError(f"the request failed ({type(exc).__name__}); {NOT_STORED}") from exc
    finally:
        client.close()


def _status_text(exc: anthropic.APIStatusError, config: AssistConfig) -> str:
    """A one-line reason for an HTTP error; the server's own message is cleaned and cut."""
    status = exc.status_code
    error = exc.body.get("error") if isinstance(exc.body, dict) else None
    kind = error.get("type") if isinstance(error, dict) else None
    said = error.get("message") if isinstance(error, dict) else None
    detail = f": {short(said, 160)}" if isinstance(said, str) and said else ""
    if status == 529 or kind == "overloaded_error":
        return (
            f"the Anthropic API is overloaded (HTTP {status}), still after "
            f"{config.max_retries} retries; try again later"
        )
    if status == 429:
        return f"rate limited by the Anthropic API (HTTP 429) after {config.max_retries} retries"
    if status in (401, 403):
        return f"the API key was refused (HTTP {status}); check {KEY_ENV}"
    name = short(kind, 40) if isinstance(kind, str) else "error"
    return f"the Anthropic API answered HTTP {status} ({name}){detail}"
