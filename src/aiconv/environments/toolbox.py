"""``env:DOMAIN`` as a tool box: a domain's tools on the conversation's own environment.

Each call rebuilds the environment from the log — the domain's ``EnvironmentSnapshot`` recorded
with the conversation, replayed through the earlier successful calls of the domain's tools — then
applies the call. Nothing lives in the process, so every tool is idempotent: running a call again
after a takeover yields the same result and no second effect (the effect *is* the recorded call).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from typing import Any

import pydantic

from aiconv.agents.messages import ToolSpec
from aiconv.agents.toolbox import ToolBox, ToolCallContext, ToolError, ToolOutput
from aiconv.environments.domain import Call, Domain, domain_named


class EnvironmentTools(ToolBox):
    """The tools of ``domain`` acting on the conversation's environment."""

    def __init__(self, domain: Domain) -> None:
        self.domain = domain

    def specs(self) -> tuple[ToolSpec, ...]:
        """The domain's tools."""
        return self.domain.specs()

    def is_idempotent(self, name: str) -> bool:
        """Always: the effect of a call is its record in the log."""
        return name in self.domain.tools

    def state_before(self, context: ToolCallContext) -> pydantic.BaseModel:
        """The environment as the conversation's recorded calls left it."""
        snapshot = context.environments.get(self.domain.name)
        initial = (
            self.domain.load_state(snapshot)
            if snapshot is not None
            else self.domain.initial_state()
        )
        calls = [
            Call(tool=record.tool, arguments=record.arguments)
            for record in context.history
            if record.tool in self.domain.tools and record.outcome == "ok"
        ]
        return self.domain.replay(initial, calls)

    async def call(
        self, name: str, arguments: Mapping[str, Any], context: ToolCallContext
    ) -> ToolOutput:
        """Apply the call to the environment the log describes."""
        state = self.state_before(context)
        try:
            _, result = self.domain.apply(state, Call(tool=name, arguments=arguments))
        except ToolError as exc:
            return ToolOutput(content=str(exc), is_error=True)
        return ToolOutput(content=result)

    async def aclose(self) -> None:
        """Nothing to release."""


async def open_environment_tools(reference: str) -> ToolBox:
    """The ``env`` tool plugin: ``env:banking``."""
    name = reference.strip()
    # Importing a domain reads its policy and task files: not on the event loop.
    domain = await asyncio.to_thread(domain_named, name)
    return EnvironmentTools(domain)
