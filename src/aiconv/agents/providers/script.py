"""``script:PATH``: replays replies from a file, in order — text, and tool calls too.

A JSONL script has one reply a line: ``{"content": "…"}``, optionally with
``"tool_calls": [{"name": "block_card", "arguments": {"card_id": "c-1"}}]`` (the reply asks for
those tools; its next line is what the model says once it has their results). A plain-text
script has one reply per paragraph. When the replies run out the participant asks to end the
conversation (``script_end``). This is how a recorded agent (a human's chat, a trajectory with
tool calls) is replayed against a live one.
"""

from __future__ import annotations

import asyncio
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aiconv.agents.messages import (
    ChatReply,
    ChatRequest,
    ToolCall,
    Usage,
    estimate_tokens,
    request_tokens,
)
from aiconv.agents.provider import ChatProvider, DeltaCallback
from aiconv.errors import ProviderRejected, ScenarioError


@dataclass(frozen=True, slots=True, kw_only=True)
class ScriptedReply:
    """One reply of a script: what it says, and the tools it asks for (name, arguments)."""

    content: str
    tool_calls: tuple[tuple[str, dict[str, Any]], ...] = ()


def load_script(path: Path) -> tuple[ScriptedReply, ...]:
    """Replies from a JSONL file (``content`` per line) or plain text (one per paragraph)."""
    try:
        if not path.is_file():
            raise ScenarioError(f"script file {str(path)!r} does not exist or is not a file")
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"script file {str(path)!r} cannot be read: {exc}") from None
    if path.suffix.lower() in {".jsonl", ".ndjson"}:
        replies = [_jsonl_reply(path, number, line) for number, line in _lines(text)]
    else:
        replies = [
            ScriptedReply(content=p.strip()) for p in re.split(r"\n\s*\n", text) if p.strip()
        ]
    if not replies:
        raise ScenarioError(f"script file {str(path)!r} holds no replies")
    return tuple(replies)


def _lines(text: str) -> list[tuple[int, str]]:
    return [(n, line) for n, line in enumerate(text.splitlines(), 1) if line.strip()]


def _jsonl_reply(path: Path, number: int, line: str) -> ScriptedReply:
    try:
        value = json.loads(line)
    except json.JSONDecodeError as exc:
        raise ScenarioError(f"{path}:{number}: not valid JSON ({exc.msg})") from None
    except RecursionError:  # json's decoder recurses per level of nesting
        raise ScenarioError(f"{path}:{number}: not valid JSON (nested too deeply)") from None
    if not isinstance(value, dict) or not isinstance(value.get("content", ""), str):
        raise ScenarioError(f'{path}:{number}: each line needs a "content" string')
    calls = value.get("tool_calls") or []
    if "content" not in value and not calls:
        raise ScenarioError(f'{path}:{number}: each line needs a "content" string')
    if not isinstance(calls, list) or not all(_is_call(c) for c in calls):
        raise ScenarioError(
            f'{path}:{number}: "tool_calls" must be a list of {{"name": …, "arguments": {{…}}}}'
        )
    return ScriptedReply(
        content=str(value.get("content", "")),
        tool_calls=tuple((c["name"], dict(c.get("arguments") or {})) for c in calls),
    )


def _is_call(call: object) -> bool:
    return (
        isinstance(call, dict)
        and isinstance(call.get("name"), str)
        and isinstance(call.get("arguments", {}), dict)
    )


class ScriptProvider(ChatProvider):
    """Replays ``replies`` in order; when they run out it asks to end the conversation.

    Given a ``path`` instead, the file is read on the first call, off the event loop (a worker
    builds providers inside coroutines); the CLI validates the file up front via ``load_script``.
    """

    name = "script"

    def __init__(
        self,
        replies: tuple[ScriptedReply, ...] | None = None,
        *,
        path: Path | None = None,
        model: str = "script",
    ) -> None:
        if (replies is None) == (path is None):
            raise ValueError("give either replies or path")
        self.replies = replies
        self.path = path
        self.model = model

    async def _replies(self) -> tuple[ScriptedReply, ...]:
        if self.replies is None:
            assert self.path is not None
            try:
                self.replies = await asyncio.to_thread(load_script, self.path)
            except ScenarioError as exc:
                raise ProviderRejected(str(exc), provider=self.name) from exc
        return self.replies

    async def complete(
        self, request: ChatRequest, *, on_delta: DeltaCallback | None = None
    ) -> ChatReply:
        """The next scripted reply (by how many this speaker has already made, tool rounds
        included)."""
        replies = await self._replies()
        index = sum(1 for m in request.messages if m.role == "assistant")
        if index >= len(replies):
            return ChatReply(content="", model=self.model, cost_usd=0.0, stop="script_end")
        step = replies[index]
        if on_delta is not None and step.content:
            on_delta(step.content)
        usage = Usage(
            input_tokens=request_tokens(request), output_tokens=estimate_tokens(step.content)
        )
        calls = tuple(
            ToolCall(id=f"script-{index}-{n}", name=name, arguments=arguments)
            for n, (name, arguments) in enumerate(step.tool_calls)
        )
        return ChatReply(
            content=step.content,
            model=self.model,
            provider=self.name,
            usage=usage,
            cost_usd=0.0,
            tool_calls=calls,
        )

    async def aclose(self) -> None:
        """Nothing to release."""
