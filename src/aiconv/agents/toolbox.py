"""The tool port: which tools a participant may call, and how one call runs.

The conductor (``platform``) sees only ``ToolBox``: the specs to offer the model, whether a tool
may be run again with the same idempotency key, and ``call``. Sources — typed Python functions
(``agents.tools.python``), MCP servers (``agents.tools.mcp``), environment domains — implement it;
``ToolKit`` puts several together and refuses two tools with one name. Tool references (what a
participant records in ``ConversationStarted``) are opened by ``open_tools`` through the
``aiconv.tools`` plugins, keyed by scheme (``python``, ``mcp``, ``env`` …).
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from aiconv.agents.messages import ToolSpec
from aiconv.errors import ConfigError
from aiconv.plugins import PluginGroup

#: A tool name as every vendor accepts it (Anthropic, OpenAI and Gemini agree on this set);
#: ``\Z``, not ``$``, which would let a name end with a line break.
TOOL_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]{0,63}\Z")
#: What ``TOOL_NAME`` allows, in words.
TOOL_NAME_RULE = "letters, digits, _ or - (at most 64, not starting with a digit or -)"


@dataclass(frozen=True, slots=True, kw_only=True)
class ToolRecord:
    """An earlier call of the same conversation and its result (for stateful sources)."""

    call_id: str
    participant: str
    tool: str
    arguments: Mapping[str, Any]
    content: str
    outcome: str


@dataclass(frozen=True, slots=True, kw_only=True)
class ToolCallContext:
    """Where a call comes from. ``call_id`` is its idempotency key: a call run again after a
    takeover gets the same one, so a tool (or the system behind it) can deduplicate."""

    conversation_id: str
    participant: str
    call_id: str
    history: tuple[ToolRecord, ...] = ()
    #: The environments' initial states recorded with the conversation, by domain name
    #: (``EnvironmentSnapshot`` events): with ``history``, all a stateful source needs.
    environments: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class ToolOutput:
    """What a call returned to the model: text (JSON for structured results) or an error."""

    content: str
    is_error: bool = False


class ToolError(Exception):
    """Raised by a tool to answer the model with an error message (the conversation goes on)."""


class ToolOutcomeUnknown(Exception):
    """Raised by a source when a call may or may not have taken effect (its server went away
    in the middle of it): recorded with outcome ``unknown``, never as a failure to retry."""


@runtime_checkable
class ToolBox(Protocol):
    """Tools one participant may call."""

    def specs(self) -> tuple[ToolSpec, ...]:
        """The tools to offer the model."""
        ...

    def is_idempotent(self, name: str) -> bool:
        """Whether ``name`` may be run again with the same idempotency key."""
        ...

    async def call(
        self, name: str, arguments: Mapping[str, Any], context: ToolCallContext
    ) -> ToolOutput:
        """Run one call. Unknown names and invalid arguments come back as error outputs; a
        tool's own exception may propagate (the caller reports it to the model)."""
        ...

    async def aclose(self) -> None:
        """Stop servers and release resources."""
        ...


class ToolKit(ToolBox):
    """Several tool boxes as one; a tool name may appear only once across all of them, and
    only as every vendor accepts it (an MCP server may list ``bank.balance``, which each
    vendor answers with a 400 on every turn)."""

    def __init__(self, boxes: Sequence[ToolBox]) -> None:
        self.boxes = tuple(boxes)
        self._owner: dict[str, ToolBox] = {}
        for box in self.boxes:
            for spec in box.specs():
                if not TOOL_NAME.match(spec.name):
                    raise ConfigError(
                        f"tool name {spec.name!r} is not one the vendors accept: {TOOL_NAME_RULE}"
                    )
                if spec.name in self._owner:
                    raise ConfigError(f"two tools are called {spec.name!r}: rename one")
                self._owner[spec.name] = box

    def specs(self) -> tuple[ToolSpec, ...]:
        """Every box's specs, in order."""
        return tuple(spec for box in self.boxes for spec in box.specs())

    def is_idempotent(self, name: str) -> bool:
        """As the owning box says (an unknown tool is not)."""
        owner = self._owner.get(name)
        return owner is not None and owner.is_idempotent(name)

    async def call(
        self, name: str, arguments: Mapping[str, Any], context: ToolCallContext
    ) -> ToolOutput:
        """Route the call to the box that has the tool."""
        owner = self._owner.get(name)
        if owner is None:
            known = ", ".join(sorted(self._owner)) or "none"
            return ToolOutput(content=f"unknown tool {name!r}; available: {known}", is_error=True)
        return await owner.call(name, arguments, context)

    async def aclose(self) -> None:
        """Close every box (all of them, even if one fails)."""
        await close_all(self.boxes)


async def close_all(boxes: Sequence[ToolBox]) -> None:
    """Close every box, even if one fails; then raise the first failure."""
    errors = []
    for box in boxes:
        try:
            await box.aclose()
        except Exception as exc:  # close the others, then report the first
            errors.append(exc)
    if errors:
        raise errors[0]


#: Opens the tool source of one reference (the part after ``scheme:``), relative to ``base``.
ToolOpener = Callable[[str], Awaitable[ToolBox]]


def _opener(scheme: str, declared: object) -> ToolOpener:
    if not callable(declared):
        raise ConfigError(f"tool plugin {scheme!r} must name an async opener: (reference) -> box")
    return declared  # an entry point's object is untyped: callable is all we can check


#: Tool sources by reference scheme, from the ``aiconv.tools`` entry points.
TOOL_PLUGINS: PluginGroup[ToolOpener] = PluginGroup(
    "aiconv.tools", _opener, feature="a {name}: tool source"
)


def split_reference(reference: str) -> tuple[str, str]:
    """``("mcp", "stdio:cmd")`` for ``mcp:stdio:cmd``; a path or module name is ``python``."""
    text = reference.strip()
    if not text:
        raise ConfigError("empty tool reference: give a Python file, a module, or mcp:…")
    scheme, colon, rest = text.partition(":")
    if colon and scheme.lower() in TOOL_PLUGINS:
        return scheme.lower(), rest
    return "python", text


def recorded_reference(reference: str) -> str:
    """The form of ``reference`` to record with a conversation: a relative Python file path
    becomes absolute, so another process (a worker, ``aic join``) opens the same file."""
    scheme, rest = split_reference(reference)
    if scheme == "python" and rest.endswith(".py"):
        return str(Path(rest).expanduser().resolve())
    return reference.strip()


async def open_tools(references: Sequence[str]) -> ToolKit:
    """One tool kit for ``references`` (each a source); ConfigError for a bad one. Sources
    opened before a failure are closed again."""
    boxes: list[ToolBox] = []
    try:
        for reference in references:
            scheme, rest = split_reference(reference)
            boxes.append(await TOOL_PLUGINS.get(scheme)(rest))
        return ToolKit(boxes)
    except BaseException:
        await close_all(boxes)
        raise
