"""The built-in catalogue: every provider aiconv ships, registered the way a plugin would be."""

from __future__ import annotations

from pathlib import Path

from aiconv.agents.providers.offline import (
    EchoProvider,
    MockOptions,
    MockProvider,
    ScriptProvider,
    load_script,
)
from aiconv.agents.registry import AgentSpec, Registry, Vendor
from aiconv.agents.vendors import register_vendors


def _mock(spec: AgentSpec, key: str | None) -> MockProvider:
    return MockProvider(MockOptions.parse(spec), model=spec.model)


def _echo(spec: AgentSpec, key: str | None) -> EchoProvider:
    return EchoProvider(model=spec.model)


def _script(spec: AgentSpec, key: str | None) -> ScriptProvider:
    return ScriptProvider(path=Path(spec.options["path"]), model=spec.model)


def _check_script(spec: AgentSpec) -> None:
    load_script(Path(spec.options["path"]))


OFFLINE_VENDORS = (
    Vendor(
        name="mock",
        aliases=(),
        default_model="mock-chat",
        factory=_mock,
        suffix="options",
        offline=True,
        description="seeded offline chatter; mock:turns=N,latency=A[-B],fail=P,seed=S",
    ),
    Vendor(
        name="echo",
        aliases=(),
        default_model="echo",
        factory=_echo,
        offline=True,
        description="repeats the last message it was sent",
    ),
    Vendor(
        name="script",
        aliases=("replay",),
        default_model="script",
        factory=_script,
        preflight=_check_script,
        suffix="path",
        offline=True,
        description="replays replies from a JSONL or text file: script:PATH",
    ),
)


def default_registry() -> Registry:
    """A registry holding every built-in provider."""
    registry = Registry()
    for vendor in OFFLINE_VENDORS:
        registry.register(vendor)
    register_vendors(registry)
    return registry
