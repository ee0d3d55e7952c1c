"""The offline tool-using policy (``mock:tools=auto`` and the fake server): which tools it calls,
arguments that satisfy their schemas, answers from the results; and which vendors call tools.
"""

from __future__ import annotations

import enum
from typing import Any, Literal

import pydantic
import pytest
from hypothesis import given
from hypothesis import strategies as st

from aiconv.agents import tool_policy
from aiconv.agents.catalog import default_registry
from aiconv.agents.messages import ChatMessage, ChatRequest, ToolResult
from aiconv.agents.tools.python import PythonTools
from tests.agents.test_tools import ASK, TOOLS

KINDS = {
    "string": str,
    "integer": int,
    "number": float,
    "boolean": bool,
    "array": list,
    "object": dict,
}


def request(*history: ChatMessage, agent: str = "mock:tools=auto") -> tuple[Any, ChatRequest]:
    registry = default_registry()
    provider = registry.build(registry.resolve(agent))
    messages = (ChatMessage(role="user", content=ASK), *history)
    return provider, ChatRequest(model="", system="", messages=messages, tools=TOOLS)


async def test_mock_with_tools_calls_the_related_tools_then_answers_from_their_results() -> None:
    provider, first_ask = request()
    first = await provider.complete(first_ask)
    assert (first.content, first.finish_reason) == ("", "tool_calls")
    assert [c.name for c in first.tool_calls] == ["block_card", "lookup_account"]
    assert first.tool_calls[0].arguments == {"card_number": "4929-1234", "reason": "lost"}
    results = tuple(
        ToolResult(call_id=c.id, name=c.name, content='{"status": "done"}')
        for c in first.tool_calls
    )
    _, second_ask = request(
        ChatMessage(role="assistant", content="", tool_calls=first.tool_calls),
        ChatMessage(role="tool", content="", tool_results=results),
    )
    second = await provider.complete(second_ask)
    assert second.tool_calls == ()
    assert second.content.startswith('I checked with block_card: {"status": "done"}')
    assert second.finish_reason == "stop"


async def test_mock_without_tools_auto_ignores_the_tools_it_is_given() -> None:
    provider, ask = request(agent="mock")
    reply = await provider.complete(ask)
    assert reply.tool_calls == ()
    assert reply.content


async def test_a_failed_tool_is_reported_as_such() -> None:
    results = (ToolResult(call_id="x", name="block_card", content="card not found", is_error=True),)
    assert tool_policy.answer_from(results) == "I tried block_card, but it failed: card not found"


def test_tools_none_or_results_already_in_mean_no_new_calls() -> None:
    _, ask = request()
    assert tool_policy.plan_calls(ChatRequest(**{**_fields(ask), "tool_choice": "none"})) == ()
    done = ChatMessage(
        role="tool", content="", tool_results=(ToolResult(call_id="a", name="b", content=""),)
    )
    _, answered = request(ChatMessage(role="assistant", content="", tool_calls=()), done)
    assert tool_policy.plan_calls(answered) == ()


def _fields(ask: ChatRequest) -> dict[str, Any]:
    return {f: getattr(ask, f) for f in ask.__dataclass_fields__}


@pytest.mark.parametrize(
    ("agent", "calls"),
    [
        ("claude", True),
        ("gpt", True),
        ("gemini", True),
        ("grok", True),
        ("ollama", True),
        ("openrouter", True),
        ("perplexity", False),
        ("mock", False),
        ("mock:tools=auto", True),
        ("echo", False),
    ],
)
def test_each_vendor_says_whether_it_can_call_tools(agent: str, calls: bool) -> None:
    registry = default_registry()
    spec = registry.resolve(agent)
    assert registry.vendor(spec.vendor).calls_tools(spec) is calls


def test_a_bad_tools_option_is_refused() -> None:
    registry = default_registry()
    with pytest.raises(Exception, match="tools must be auto or off"):
        registry.build(registry.resolve("mock:tools=yes"))


SCALARS = st.sampled_from(
    [
        {"type": "string"},
        {"type": "string", "format": "date"},
        {"type": "string", "minLength": 12},
        {"type": "integer", "minimum": 5},
        {"type": "number"},
        {"type": "boolean"},
        {"type": "string", "enum": ["red", "green"]},
        {"type": ["string", "null"]},
    ]
)
SCHEMAS = st.recursive(
    SCALARS,
    lambda inner: st.one_of(
        st.builds(lambda items: {"type": "array", "items": items, "minItems": 1}, inner),
        st.dictionaries(st.from_regex(r"[a-z_]{1,10}", fullmatch=True), inner, max_size=4).map(
            lambda props: {"type": "object", "properties": props, "required": sorted(props)}
        ),
    ),
    max_leaves=8,
)


def _satisfies(value: Any, schema: dict[str, Any]) -> bool:
    kind = schema["type"]
    kind = next(k for k in kind if k != "null") if isinstance(kind, list) else kind
    if "enum" in schema:
        return value in schema["enum"]
    if not isinstance(value, KINDS[kind]) or (kind == "integer" and isinstance(value, bool)):
        return False
    if kind == "integer" and value < schema.get("minimum", value):
        return False
    if kind == "string" and len(value) < schema.get("minLength", 0):
        return False
    if kind == "array":
        return len(value) >= 1 and all(_satisfies(v, schema["items"]) for v in value)
    if kind == "object":
        props = schema["properties"]
        return set(schema["required"]) <= set(value) and all(
            _satisfies(v, props[k]) for k, v in value.items()
        )
    return True


@given(
    st.dictionaries(st.from_regex(r"[a-z_]{1,10}", fullmatch=True), SCHEMAS, max_size=5),
    st.text(max_size=80),
)
def test_generated_arguments_satisfy_any_object_schema(
    properties: dict[str, Any], said: str
) -> None:
    schema = {"type": "object", "properties": properties, "required": sorted(properties)}
    arguments = tool_policy.arguments_for(schema, (ChatMessage(role="user", content=said),))
    assert _satisfies(arguments, schema), arguments


class Reason(enum.Enum):
    LOST = "lost"
    STOLEN = "stolen"


class Address(pydantic.BaseModel):
    street: str
    country: Literal["GB", "IE"]
    reason: Reason


def ship_card(
    card_id: str, reason: Reason, to: Address, copies: int | str, note: str | None = None
) -> str:
    """Ship a replacement card."""
    return "shipped"


def test_arguments_follow_the_refs_and_unions_pydantic_writes_for_enums_and_models() -> None:
    """A Python tool's ``Enum`` or model parameter is a ``$ref`` into ``$defs`` and a union is an
    ``anyOf``: the arguments follow them as a model would, so the tool accepts them (it was
    sent 'reason-1' and 'to-1', refused every time), and a value said in the conversation is
    taken from there."""
    [spec] = PythonTools([ship_card]).specs()
    said = ChatMessage(role="user", content="My card card-7 was stolen.")
    arguments = tool_policy.arguments_for(spec.parameters, (said,))
    accepted = PythonTools([ship_card]).tools["ship_card"].signature.arguments
    accepted.model_validate(arguments)  # raises for anything the tool would refuse
    assert (arguments["card_id"], arguments["reason"]) == ("card-7", "stolen")
