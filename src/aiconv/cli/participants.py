"""The providers a process brings to an existing conversation (``aic resume``, ``aic join``),
checked before it takes part: a process never ends a shared conversation because of its own
bad input.
"""

from __future__ import annotations

import asyncio

from aiconv.agents.provider import ChatProvider
from aiconv.agents.registry import AgentSpec
from aiconv.cli.telemetry import Telemetry
from aiconv.cli.wiring import Runtime
from aiconv.errors import ProviderUnavailable
from aiconv.platform.events import ParticipantSpec


async def provider_for(
    runtime: Runtime, telemetry: Telemetry, participant: ParticipantSpec
) -> ChatProvider:
    """A checked provider for ``participant`` as it was recorded (agent, model, URL)."""
    spec = runtime.registry.resolve(
        participant.agent, model=participant.model or None, base_url=participant.base_url
    )
    return await checked(runtime, telemetry, spec)


async def checked(runtime: Runtime, telemetry: Telemetry, spec: AgentSpec) -> ChatProvider:
    """A provider for ``spec`` once its own inputs check out (a script file is read off the
    event loop), its key is set and its server, when on this machine, accepts a connection."""
    await asyncio.to_thread(runtime.registry.preflight, spec)
    provider = runtime.provider(spec)  # MissingApiKey before anything is probed
    try:
        await require_server(runtime, spec)
    except ProviderUnavailable:
        await provider.aclose()
        raise
    return telemetry.instrument(provider)


async def require_server(runtime: Runtime, spec: AgentSpec) -> None:
    """ProviderUnavailable when the agent's server is on this machine and does not accept a
    connection (the message says how to point the agent elsewhere)."""
    await runtime.registry.require_server(spec, runtime.env)
