"""The provider catalogue: every ``Vendor`` declared through the ``aiconv.providers`` entry points.

aiconv's own offline agents (below) and remote vendors (``agents.vendors``) are declared as
entry points of aiconv's distribution, so they reach the registry through the same path as a
third-party plugin's vendors (``aiconv.plugins``).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from aiconv.agents.providers.offline import EchoProvider, MockOptions, MockProvider
from aiconv.agents.providers.script import ScriptProvider, load_script
from aiconv.agents.registry import AgentSpec, Registry, Vendor
from aiconv.errors import ConfigError
from aiconv.plugins import PluginGroup


def _mock(spec: AgentSpec, key: str | None) -> MockProvider:
    return MockProvider(MockOptions.parse(spec), model=spec.model)


def _echo(spec: AgentSpec, key: str | None) -> EchoProvider:
    return EchoProvider(model=spec.model)


def _script(spec: AgentSpec, key: str | None) -> ScriptProvider:
    return ScriptProvider(path=Path(spec.options["path"]), model=spec.model)


def _check_mock(spec: AgentSpec) -> None:
    MockOptions.parse(spec)


def _check_script(spec: AgentSpec) -> None:
    load_script(Path(spec.options["path"]))


OFFLINE_VENDORS = (
    Vendor(
        name="mock",
        aliases=(),
        default_model="mock-chat",
        factory=_mock,
        preflight=_check_mock,
        suffix="options",
        offline=True,
        tools=lambda spec: spec.options.get("tools") == "auto",
        description=(
            "seeded offline chatter; mock:turns=N,latency=A[-B],fail=P,seed=S,tools=auto|off"
        ),
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
        tools=True,
        description="replays replies (and tool calls) from a JSONL or text file: script:PATH",
    ),
)


def _vendors(name: str, declared: Any) -> tuple[Vendor, ...]:
    """What an ``aiconv.providers`` entry point names: a Vendor or a sequence of them."""
    found = (declared,) if isinstance(declared, Vendor) else declared
    if not isinstance(found, Sequence) or not all(isinstance(v, Vendor) for v in found):
        raise ConfigError(
            f"provider plugin {name!r} must name an aiconv.agents.registry.Vendor "
            f"or a sequence of them, not {type(declared).__name__}"
        )
    return tuple(found)


PROVIDER_PLUGINS: PluginGroup[tuple[Vendor, ...]] = PluginGroup("aiconv.providers", _vendors)


def default_registry() -> Registry:
    """A registry holding every installed provider (aiconv's own ones first, then plugins').

    A plugin that fails to load is set aside (``Registry.broken``) with its one-line error, so
    one broken third-party package stops only the agents asked of it, not unrelated work."""
    registry = Registry()
    for name in PROVIDER_PLUGINS.names():
        try:
            vendors = PROVIDER_PLUGINS.get(name)
        except ConfigError as exc:
            registry.set_broken(name, str(exc))
            continue
        for vendor in vendors:
            registry.register(vendor)
    return registry
