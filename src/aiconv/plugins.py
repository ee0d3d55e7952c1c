"""Plugins: named parts found through Python entry points, loaded once per process.

Every registry of aiconv (providers, log URL schemes, judges, stamps, tool sources …) is a
``PluginGroup``: the entry points of one group (``aiconv.providers``, ``aiconv.logs`` …) of every
installed distribution. aiconv's own parts are declared as entry points of its own distribution
in ``pyproject.toml`` and found through exactly this path, as a third-party plugin's are (the way
simonw/llm loads its default plugins): nothing is registered by the side effect of importing a
module.

Entry points are *listed* without importing anything; a plugin's module is imported the first
time one of its names is used, so an optional part whose extra is not installed costs nothing
until it is asked for — and then fails with a one-line ``MissingExtra`` naming the ``pip
install`` command. This module knows nothing about what the plugins are; each registry (e.g.
``aiconv.agents.catalog``) states its group and checks the type of what it loads.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from importlib import metadata
from typing import Any, Generic, TypeVar

from aiconv.errors import ConfigError
from aiconv.extras import missing_extra

T = TypeVar("T")

#: The entry-point groups aiconv reads, and what each entry point must name.
GROUPS = {
    "aiconv.providers": "a Vendor, or a sequence of Vendors (agent ids and their factories)",
    "aiconv.logs": "an opener for the log URL scheme named by the entry point",
    "aiconv.judges": "a factory: ConversationStarted -> Judge (named by the entry point)",
    "aiconv.stamps": "a factory: ConversationStarted -> MessageStamp (named by the entry point)",
    "aiconv.tools": "a tool source factory for the tool reference scheme named by the entry point",
    "aiconv.domains": "a Domain (tools, state and policy) named by the entry point",
}


@dataclass(frozen=True, slots=True, kw_only=True)
class PluginInfo:
    """One entry point as ``aic plugins`` shows it."""

    group: str
    name: str
    value: str
    distribution: str
    version: str


@functools.cache
def _entry_points(group: str) -> tuple[metadata.EntryPoint, ...]:
    """The entry points of ``group`` in every installed distribution, read once."""
    return tuple(metadata.entry_points(group=group))


def installed() -> list[PluginInfo]:
    """Every entry point of every aiconv group, in group and name order."""
    found = []
    for group in GROUPS:
        for point in _entry_points(group):
            dist = point.dist
            found.append(
                PluginInfo(
                    group=group,
                    name=point.name,
                    value=point.value,
                    distribution=dist.name if dist is not None else "?",
                    version=dist.version if dist is not None else "?",
                )
            )
    return sorted(found, key=lambda p: (p.group, p.name, p.distribution))


def _is_own(point: metadata.EntryPoint) -> bool:
    return point.dist is not None and point.dist.name == "aiconv"


class PluginGroup(Generic[T]):
    """The plugins of one entry-point group, loaded lazily by name and cached.

    ``check`` validates what an entry point names (``ConfigError`` for a plugin of the wrong
    shape); two distributions claiming one name is a ``ConfigError`` too. ``feature`` names a
    plugin as a user knows it (``"a {name}:// log"``), for the error when its extra is missing.
    """

    def __init__(
        self, group: str, check: Callable[[str, Any], T], *, feature: str = "{group} {name!r}"
    ) -> None:
        if group not in GROUPS:
            raise ValueError(f"unknown plugin group {group!r}")
        self.group = group
        self._check = check
        self._feature = feature
        self._loaded: dict[str, T] = {}

    def names(self) -> list[str]:
        """Every name of the group, aiconv's own first, without importing any plugin."""
        own = {p.name: _is_own(p) for p in _entry_points(self.group)}
        return sorted(own, key=lambda name: (not own[name], name))

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and any(p.name == name for p in _entry_points(self.group))

    def get(self, name: str) -> T:
        """The plugin called ``name`` (imported on first use); KeyError if there is none."""
        if name not in self._loaded:
            self._loaded[name] = self._load(name)
        return self._loaded[name]

    def all(self) -> Iterator[tuple[str, T]]:
        """Every plugin of the group, loaded (for registries that need them all up front)."""
        for name in self.names():
            yield name, self.get(name)

    def _load(self, name: str) -> T:
        points = [p for p in _entry_points(self.group) if p.name == name]
        if not points:
            raise KeyError(name)
        if len({p.value for p in points}) > 1:
            owners = ", ".join(sorted(p.dist.name if p.dist else p.value for p in points))
            raise ConfigError(f"{self.group} {name!r} is provided twice ({owners}); uninstall one")
        point = points[0]
        try:
            loaded = point.load()
        except ImportError as exc:
            feature = self._feature.format(group=self.group, name=name)
            raise missing_extra(feature, exc) from exc
        except (Exception, SystemExit) as exc:  # a plugin's own bug: one line, never a traceback
            said = " ".join(str(exc).split())
            raise ConfigError(
                f"{self.group} {name!r} ({_owner(point)}) failed to load:"
                f" {type(exc).__name__}: {said}; fix or uninstall it"
            ) from None
        return self._check(name, loaded)


def _owner(point: metadata.EntryPoint) -> str:
    """The distribution and version an entry point comes from (``aiconv-shout 0.3.0``)."""
    return f"{point.dist.name} {point.dist.version}" if point.dist else point.value
