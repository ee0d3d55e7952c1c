"""A domain: tools that act on a state, the state's model, and the policy an agent must follow.

A domain tool is a plain function whose first parameter is the environment's state (a pydantic
model, mutated in place) and whose other parameters are typed like any tool's; it returns what
the agent reads, or raises ``ToolError``. Because tools are deterministic functions of the state
and their arguments, the state of a conversation's environment is a fold: its initial snapshot
(an ``EnvironmentSnapshot`` event) replayed through the successful calls the log recorded. Any
process rebuilds it, a call can be run again without a second effect, and the state reached can
be compared with the state a task's reference actions produce (``replay``).

Domains are ``aiconv.domains`` plugins (the built-in ``banking`` among them) and are given to a
participant as the tool reference ``env:DOMAIN``.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pydantic

from aiconv.agents.messages import ToolSpec
from aiconv.agents.toolbox import ToolError
from aiconv.agents.tools.python import as_text
from aiconv.agents.tools.schema import Signature, describe
from aiconv.errors import ConfigError
from aiconv.plugins import PluginGroup

#: A domain tool: ``tool(state, **arguments) -> result``, mutating ``state`` in place.
DomainFunction = Callable[..., Any]


@dataclass(frozen=True, slots=True, kw_only=True)
class DomainTool:
    """One tool of a domain: the function, its spec, and whether it only reads the state."""

    function: DomainFunction
    spec: ToolSpec
    signature: Signature
    read_only: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Call:
    """A call to replay: a tool and its arguments (a recorded call or a reference action)."""

    tool: str
    arguments: Mapping[str, Any] = field(default_factory=dict)


class Domain:
    """Tools, a state model, a policy, and where its shipped tasks live."""

    def __init__(
        self,
        *,
        name: str,
        state_type: type[pydantic.BaseModel],
        tools: Sequence[DomainFunction],
        policy: str,
        initial_state: Callable[[], pydantic.BaseModel],
        read_only: Iterable[str] = (),
        task_files: Sequence[Path] = (),
    ) -> None:
        self.name = name
        self.state_type = state_type
        self.policy = policy
        self.initial_state = initial_state
        self.task_files = tuple(task_files)
        readers = set(read_only)
        self.tools: dict[str, DomainTool] = {}
        for function in tools:
            signature = describe(function, function.__name__, skip=1)
            spec = ToolSpec(
                name=function.__name__,
                description=signature.description,
                parameters=signature.json_schema(),
            )
            self.tools[spec.name] = DomainTool(
                function=function,
                spec=spec,
                signature=signature,
                read_only=spec.name in readers,
            )

    def specs(self) -> tuple[ToolSpec, ...]:
        """The tools as the agent sees them."""
        return tuple(tool.spec for tool in self.tools.values())

    def load_state(self, data: Mapping[str, Any]) -> pydantic.BaseModel:
        """A state from its JSON form (ConfigError naming the field that does not validate)."""
        try:
            return self.state_type.model_validate(data)
        except pydantic.ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            raise ConfigError(
                f"{self.name} state: {where + ': ' if where else ''}{first['msg']}"
            ) from None

    def apply(self, state: pydantic.BaseModel, call: Call) -> tuple[pydantic.BaseModel, str]:
        """``(state after, result text)`` of one call; ToolError leaves the state as it was."""
        tool = self.tools.get(call.tool)
        if tool is None:
            raise ToolError(f"unknown tool {call.tool!r}")
        try:
            arguments = tool.signature.arguments.model_validate(dict(call.arguments))
        except pydantic.ValidationError as exc:
            raise ToolError(
                f"invalid arguments for {call.tool}: {exc.errors()[0]['msg']}"
            ) from None
        after = copy.deepcopy(state)
        result = tool.function(after, **dict(arguments))
        return (state if tool.read_only else after), as_text(result)

    def replay(self, initial: pydantic.BaseModel, calls: Iterable[Call]) -> pydantic.BaseModel:
        """The state after ``calls``, in order; a call the tools refuse changes nothing (as it
        changed nothing when it was made)."""
        state = initial
        for call in calls:
            try:
                state, _ = self.apply(state, call)
            except ToolError:
                continue
        return state


def merged(base: Mapping[str, Any], changes: Mapping[str, Any]) -> dict[str, Any]:
    """``changes`` merged into ``base`` key by key (mappings recursively, anything else
    replaced): how a task's ``agent_data`` changes a domain's default state."""
    result = dict(base)
    for key, value in changes.items():
        if isinstance(value, Mapping) and isinstance(result.get(key), Mapping):
            result[key] = merged(result[key], value)
        else:
            result[key] = value
    return result


def _domain(name: str, declared: object) -> Domain:
    found = declared() if callable(declared) and not isinstance(declared, Domain) else declared
    if not isinstance(found, Domain):
        raise ConfigError(f"domain plugin {name!r} must name a Domain (or a function making one)")
    return found


#: Domains by name, from the ``aiconv.domains`` entry points.
DOMAINS: PluginGroup[Domain] = PluginGroup("aiconv.domains", _domain)


def domain_named(name: str) -> Domain:
    """The installed domain ``name``; ConfigError listing the installed ones."""
    if name not in DOMAINS:
        known = ", ".join(DOMAINS.names()) or "none"
        raise ConfigError(f"unknown domain {name!r}; installed: {known}")
    return DOMAINS.get(name)
