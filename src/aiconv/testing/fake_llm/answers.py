"""What the fake server answers, vendor-neutral: varied topic-aware chatter, tool calls when tools
are offered (``aiconv.agents.tool_policy``), scripted text, and structured replies (a JSON
object sampled from the requested schema, as a well-behaved model answers). Nothing here does
I/O; usage is filled in by the server.
"""

from __future__ import annotations

import json
import random
import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from aiconv.agents import chatter, tool_policy
from aiconv.agents.messages import ChatRequest, ToolCall, to_json
from aiconv.testing.fake_llm import usage
from aiconv.testing.fake_llm.wire import Answer, Api, Turn, count_tokens, truncate

#: How each vendor's tool call ids look.
CALL_PREFIX: dict[Api, str] = {"anthropic": "toolu", "openai": "call", "gemini": "fc"}


def chatter_text(turn: Turn, *, end_after: int) -> str:
    """Plausible, varied text; closes with the end token after ``end_after`` own turns."""
    chat = turn.chat
    own_turn = 1 + sum(1 for m in chat.messages if m.role == "assistant" and not m.tool_calls)
    topic = re.search(r"^Topic: (.+)$", chat.system, re.MULTILINE)
    end = re.search(r"write (\S+) alone", chat.system)
    request = ChatRequest(
        model=chat.model,
        system=chat.system,
        messages=chat.messages,
        context={
            "topic": topic.group(1) if topic else "this",
            "end_token": end.group(1) if end else "<END>",
            "turn": _position(chat, topic.group(1) if topic else None),
        },
    )
    rng = random.Random(f"{chat.system}|{own_turn}|{turn.messages[-1:]}")
    closing = end_after > 0 and own_turn >= end_after
    return chatter.compose(request, rng, own_turn=own_turn, closing=closing)


def _position(chat: ChatRequest, topic: str | None) -> int:
    """The conversation's turn this reply takes, as far as the history shows: every message
    posted so far (the others' as user messages, the speaker's own as assistant ones without
    tool calls), not the topic the opening speaker is handed. Like the conductor's turn that
    ``mock`` reads, it differs for every reply, so two speakers never walk the phrase pools in
    step (told apart by their system prompts' CRC-32 modulo 7, one pair in seven did)."""
    posted = [
        m for m in chat.messages if m.role == "user" or (m.role == "assistant" and not m.tool_calls)
    ]
    if posted and posted[0].role == "user" and posted[0].content == topic:
        posted = posted[1:]
    return len(posted) + 1


def chat(turn: Turn, scripted: str | None, compose: Callable[[Turn], str]) -> Answer:
    """Tool calls when tools are offered and none was made this turn, else text from
    ``compose`` (after results, reporting them), or the ``scripted`` text; cut at the limit."""
    calls = () if scripted is not None else plan_calls(turn)
    text, cut, thought = "", False, 0
    if not calls:
        results = tool_policy.pending_round(turn.chat)
        text = compose(turn) if scripted is None else scripted
        if results and scripted is None:
            text = f"{tool_policy.answer_from(results)}\n{text}"
        thought = usage.reasoning_tokens(turn, text)
        limit = turn.max_tokens - thought if turn.max_tokens else None
        text, cut = truncate(text, limit)
    output = (count_tokens(text) if text else 0) + sum(
        count_tokens(c.name + to_json(c.arguments)) for c in calls
    )
    return Answer(
        text=text,
        tool_calls=calls,
        stop="tool_calls" if calls else "length" if cut else "end",
        output_tokens=output + thought,
        reasoning_tokens=thought,
    )


def plan_calls(turn: Turn) -> tuple[ToolCall, ...]:
    """The tool calls a tool-using model makes now (none when it already made this turn's)."""
    return tool_policy.plan_calls(turn.chat, call_id=CALL_PREFIX[turn.api])


def structured(turn: Turn, name: str, text: str) -> Answer:
    """A structured reply: Anthropic's is the forced tool's input (``text`` as its arguments,
    parsed when it is JSON), the others' is the text itself, cut at the output limit."""
    if turn.api == "anthropic":
        call = ToolCall(id=f"toolu_{uuid.uuid4().hex[:24]}", name=name)
        return Answer(
            text="",
            tool_calls=(call,),
            stop="tool_calls",
            output_tokens=count_tokens(name + text),
            raw_arguments=text,
        )
    text, cut = truncate(text, turn.max_tokens)
    return Answer(text=text, stop="length" if cut else "end", output_tokens=count_tokens(text))


def sample_json(schema: Mapping[str, Any]) -> str:
    """A JSON object valid for ``schema`` (first enum values, bounds respected, every property
    filled, one item per array), as a well-behaved model would answer."""
    return json.dumps(sample(schema, schema))


def sample(schema: Any, root: Mapping[str, Any], depth: int = 0) -> Any:
    """A value for ``schema`` (``$ref``\\s resolved against ``root``)."""
    if not isinstance(schema, Mapping) or depth > 12:
        return None
    if isinstance(schema.get("$ref"), str):
        target: Any = root
        for key in schema["$ref"].removeprefix("#/").split("/"):
            target = target.get(key, {}) if isinstance(target, Mapping) else {}
        return sample(target, root, depth + 1)
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    for key in ("anyOf", "oneOf", "allOf"):
        options = [o for o in schema.get(key) or [] if o.get("type") != "null"]
        if options:
            return sample(options[0], root, depth + 1)
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), None)
    return _scalar(kind, schema, root, depth)


def _scalar(kind: Any, schema: Mapping[str, Any], root: Mapping[str, Any], depth: int) -> Any:
    if kind == "object":
        properties = schema.get("properties") or {}
        return {k: sample(v, root, depth + 1) for k, v in properties.items()}
    if kind == "array":
        item = sample(schema.get("items") or {"type": "string"}, root, depth + 1)
        return [item] * max(1, int(schema.get("minItems") or 1))
    if kind in ("integer", "number"):
        low = schema.get("minimum", schema.get("exclusiveMinimum"))
        high = schema.get("maximum", schema.get("exclusiveMaximum"))
        value = (low + high) / 2 if low is not None and high is not None else low or high or 1
        return int(value) if kind == "integer" else float(value)
    if kind == "boolean":
        return True
    if kind == "null":
        return None
    return "example"
