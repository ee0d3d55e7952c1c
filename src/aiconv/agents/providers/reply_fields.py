"""The fields of a vendor's reply, checked as the adapters read them.

The vendor SDKs build replies without validating them (``anthropic`` and ``openai`` construct
their models from whatever JSON came back), so a gateway's or a compatible server's reply can
carry a string where a count belongs, ``null`` for the model, or a tool call without a name.
Each function here returns the value in the type the adapters need or raises ``ValueError``,
which the adapter (inside its ``try``) maps to ``MalformedResponse``, retried: such a reply
must never get past the adapter and fail later, outside the mapping (pricing a ``None`` model
was a traceback), nor be taken as a reply it is not. Pure functions.
"""

from __future__ import annotations

from aiconv.agents.messages import ToolCall, tool_call_from


def count(value: object, field: str) -> int:
    """A token count: a non-negative integer, ``None`` (absent) as 0."""
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise ValueError(f"{field} is not a token count: {value!r}")
    return value


def text(value: object, field: str, *, required: bool = False) -> str:
    """A piece of text, ``None`` (absent, unless ``required``) as empty."""
    if value is None and not required:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"{field} is not text: {value!r}")
    return value


def model(value: object, default: str) -> str:
    """The model that answered: the reply's, else ``default`` (the model asked for) when the
    reply names none."""
    if value is None or value == "":
        return default
    if not isinstance(value, str):
        raise ValueError(f"model is not a name: {value!r}")
    return value


def call(call_id: object, name: object, arguments: object) -> ToolCall:
    """A tool call the reply asked for: it must have an id and a name to be answered."""
    if not isinstance(call_id, str) or not call_id:
        raise ValueError(f"a tool call has no id: {call_id!r}")
    if not isinstance(name, str) or not name:
        raise ValueError(f"tool call {call_id} has no name: {name!r}")
    return tool_call_from(call_id, name, arguments)
