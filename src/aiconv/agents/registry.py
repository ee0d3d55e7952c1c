"""Agent ids -> providers: aliases (``claude``, ``gpt``, ``mock`` …) and ``vendor:suffix`` ids.

Every provider, built-in or not, is registered through the same ``register`` call (as plugins
would be). Resolution is lazy and cheap: ``resolve`` only parses and validates the id;
``build`` checks the key and constructs the provider. Keys come in as a mapping from the caller
(the CLI reads them through ``Settings``); this module never reads the environment.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Literal

from aiconv.agents.provider import ChatProvider, key_alone
from aiconv.agents.reachability import check_variable_url, require_local_server
from aiconv.errors import ConfigError, MissingApiKey, UnknownAgent
from aiconv.extras import missing_extra, require_extra

#: What the part after ``vendor:`` means: a model id, ``k=v`` options, or a file path.
Suffix = Literal["model", "options", "path"]


@dataclass(frozen=True, slots=True, kw_only=True)
class AgentSpec:
    """A parsed agent id: which vendor, which model, with which options."""

    agent_id: str
    vendor: str
    model: str
    options: Mapping[str, str] = field(default_factory=dict)
    base_url: str | None = None


Factory = Callable[[AgentSpec, str | None], ChatProvider]
#: Builds one part of an agent made of other agents, from the part's agent id.
PartBuilder = Callable[[str], ChatProvider]


@dataclass(frozen=True, slots=True, kw_only=True)
class Part:
    """An agent that another agent is made of (a flow's stage agent), and where it is named
    (``FILE:LINE: stages[2].agent``) for errors."""

    agent_id: str
    where: str = ""


@dataclass(frozen=True, slots=True, kw_only=True)
class Vendor:
    """A provider family: its aliases, default model, key variables and factory."""

    name: str
    aliases: tuple[str, ...]
    default_model: str
    factory: Factory
    suffix: Suffix = "model"
    #: For a ``path`` suffix: a file name that shows what kind of file it names.
    path_example: str = "replies.jsonl"
    key_env: tuple[str, ...] = ()
    base_url_env: tuple[str, ...] = ()
    default_base_url: str | None = None
    offline: bool = False
    description: str = ""
    #: The aiconv extra that brings the vendor's SDK (checked before the key and any work).
    extra: str | None = None
    #: A check of the agent's own inputs (e.g. a script file) that a caller runs before any
    #: work starts, outside the event loop; building the provider itself does no I/O.
    preflight: Callable[[AgentSpec], None] | None = None
    #: Whether its agents can call tools: a flag, or a check of the agent's options (``mock``
    #: calls tools only with ``tools=auto``); see ``calls_tools``.
    tools: bool | Callable[[AgentSpec], bool] = False
    #: For an agent made of other agents (a flow): the agent ids it uses, resolved, checked and
    #: keyed with it (read after ``preflight``) …
    parts: Callable[[AgentSpec], Sequence[Part]] | None = None
    #: … and how it is built from them (instead of ``factory``), each part by the registry.
    assemble: Callable[[AgentSpec, PartBuilder], ChatProvider] | None = None

    def calls_tools(self, spec: AgentSpec) -> bool:
        """Whether the agent ``spec`` can call tools (``--tools`` is refused otherwise)."""
        return self.tools(spec) if callable(self.tools) else self.tools


class Registry:
    """Vendors by name and alias."""

    def __init__(self) -> None:
        self._vendors: dict[str, Vendor] = {}
        self._aliases: dict[str, str] = {}
        #: Provider plugins that failed to load, by entry-point name: their one-line error.
        self.broken: dict[str, str] = {}

    def set_broken(self, plugin: str, why: str) -> None:
        """Record a provider plugin that failed to load: asking for it raises ``why``."""
        self.broken[plugin] = why

    def register(self, vendor: Vendor) -> None:
        """Add (or replace) a vendor and its aliases."""
        self._vendors[vendor.name] = vendor
        for alias in (vendor.name, *vendor.aliases):
            self._aliases[alias] = vendor.name

    @property
    def vendors(self) -> list[Vendor]:
        """Registered vendors, in registration order."""
        return list(self._vendors.values())

    @property
    def names(self) -> list[str]:
        """Every alias an agent id may start with."""
        return sorted(self._aliases)

    def vendor(self, name: str) -> Vendor:
        """The vendor registered under ``name`` or one of its aliases."""
        return self._vendors[self._aliases[name]]

    def resolve(
        self, agent_id: str, *, model: str | None = None, base_url: str | None = None
    ) -> AgentSpec:
        """Parse ``agent_id`` (``alias`` or ``alias:suffix``); UnknownAgent lists valid ones."""
        head, _, suffix = agent_id.strip().partition(":")
        key = head.lower()
        if key not in self._aliases:
            broken = {name.lower(): why for name, why in self.broken.items()}
            raise UnknownAgent(broken.get(key) or self._unknown_message(head))
        vendor = self._vendors[self._aliases[key]]
        options: dict[str, str] = {}
        chosen = vendor.default_model
        if vendor.suffix == "model" and suffix:
            chosen = suffix
        elif vendor.suffix == "options" and suffix:
            options = parse_options(agent_id, suffix)
        elif vendor.suffix == "path":
            if not suffix:
                raise UnknownAgent(f"{head}: needs a file, e.g. {head}:{vendor.path_example}")
            options = {"path": suffix}
        return AgentSpec(
            agent_id=agent_id,
            vendor=vendor.name,
            model=model or chosen,
            options=options,
            base_url=base_url,
        )

    def anchored(self, agent_id: str, folder: Path) -> str:
        """``agent_id`` with its file (a ``path`` vendor's suffix, e.g. ``flow:designer.toml``)
        taken relative to ``folder`` when relative: a file a scenario or flow file names is
        found beside it, as its tasks and tools are. Any other id is returned as it is."""
        head, _, suffix = agent_id.strip().partition(":")
        name = self._aliases.get(head.lower())
        if name is None or self._vendors[name].suffix != "path" or not suffix:
            return agent_id
        if suffix.startswith("~") or Path(suffix).is_absolute():
            return agent_id
        return f"{head}:{folder / suffix}"

    def key_for(self, spec: AgentSpec, env: Mapping[str, str]) -> str | None:
        """The API key for ``spec`` from ``env``; MissingApiKey names the variable to set."""
        vendor = self._vendors[spec.vendor]
        for part in self._parts(spec):
            self.key_for(self.resolve(part.agent_id), env)
        if not vendor.key_env:
            return None
        for name in vendor.key_env:
            if env.get(name):
                return key_alone(env[name], name)
        wanted = " or ".join(vendor.key_env)
        raise MissingApiKey(
            f"agent {spec.agent_id!r} needs an API key: set {wanted} "
            f"(in the environment or a .env file), or use an offline agent such as 'mock'"
        )

    def base_url_for(self, spec: AgentSpec, env: Mapping[str, str]) -> str | None:
        """The explicit base URL, else the vendor's ``*_BASE_URL`` variable, else its default."""
        if spec.base_url:
            return spec.base_url
        vendor = self._vendors[spec.vendor]
        for name in vendor.base_url_env:
            if env.get(name):
                return check_variable_url(name, env[name])
        return vendor.default_base_url

    async def require_server(self, spec: AgentSpec, env: Mapping[str, str]) -> None:
        """ProviderUnavailable when ``spec``'s server is on this machine (Ollama on localhost)
        and does not accept a connection, the message saying how to point the agent elsewhere;
        remote servers are not probed. What every caller that runs an agent here checks before
        it writes anything (``aic start``, ``join``, ``resume``, the write API). An agent made
        of agents (a flow's stage agents) has each part's server checked, as its keys are."""
        for part in self._parts(spec):
            await self.require_server(self.resolve(part.agent_id), env)
        variables = self.vendor(spec.vendor).base_url_env
        where = " or ".join(variables)
        hint = f"is it running? (or set {where} to where it is)" if variables else ""
        url = self.base_url_for(spec, env)
        await require_local_server(url, who=spec.agent_id, hint=hint)

    def cache_endpoint(self, spec: AgentSpec, env: Mapping[str, str]) -> str | None:
        """Where ``spec``'s requests go when that is not its vendor's own address (a base URL
        given, or set by ``*_BASE_URL`` / ``OLLAMA_HOST``): part of a cached reply's key, so
        a gateway or a local server never answers from another's replies. None for the
        vendor's default, whose keys stay what they were."""
        url = self.base_url_for(spec, env)
        return None if url == self._vendors[spec.vendor].default_base_url else url

    def check_tools(self, spec: AgentSpec) -> None:
        """ConfigError when ``spec``'s vendor cannot call tools."""
        vendor = self._vendors[spec.vendor]
        if not vendor.calls_tools(spec):
            able = sorted(v.name for v in self._vendors.values() if v.tools)
            hint = " (mock calls tools with mock:tools=auto)" if vendor.name == "mock" else ""
            raise ConfigError(
                f"agent {spec.agent_id!r} cannot call tools{hint}; "
                f"give tools to one of: {', '.join(able)}"
            )

    def preflight(self, spec: AgentSpec) -> None:
        """Check the agent's own inputs now (a ``ConfigError`` says what to fix)."""
        self.require_extra(spec)
        check = self._vendors[spec.vendor].preflight
        if check is not None:
            check(spec)
        for part in self._parts(spec):
            try:
                self.preflight(self.resolve(part.agent_id))
            except UnknownAgent as exc:
                raise UnknownAgent(f"{part.where}: {exc}" if part.where else str(exc)) from None

    def _parts(self, spec: AgentSpec) -> Sequence[Part]:
        parts = self._vendors[spec.vendor].parts
        return parts(spec) if parts is not None else ()

    def build(
        self,
        spec: AgentSpec,
        env: Mapping[str, str] | None = None,
        *,
        wrap: Callable[[ChatProvider], ChatProvider] | None = None,
    ) -> ChatProvider:
        """Construct the provider for ``spec`` (checks the key first). ``wrap`` is put around
        each part of an agent made of agents (the caller's guards: retries, breaker, limits),
        as the caller puts it around what this returns."""
        env = env or {}
        self.require_extra(spec)
        key = self.key_for(spec, env)
        base_url = self.base_url_for(spec, env)
        if base_url != spec.base_url:
            spec = replace(spec, base_url=base_url)
        vendor = self._vendors[spec.vendor]
        try:
            if vendor.assemble is not None:
                return vendor.assemble(spec, lambda part: self._part(part, env, wrap))
            return vendor.factory(spec, key)
        except ImportError as exc:  # the vendor's SDK comes with an extra
            extra = self._vendors[spec.vendor].extra
            raise missing_extra(f"agent {spec.agent_id!r}", exc, extra=extra) from exc

    def require_extra(self, spec: AgentSpec) -> None:
        """``MissingExtra`` when the extra that brings ``spec``'s vendor SDK is not installed."""
        extra = self._vendors[spec.vendor].extra
        if extra is not None:
            require_extra(extra, f"agent {spec.agent_id!r}")

    def _part(
        self,
        agent_id: str,
        env: Mapping[str, str],
        wrap: Callable[[ChatProvider], ChatProvider] | None,
    ) -> ChatProvider:
        built = self.build(self.resolve(agent_id), env, wrap=wrap)
        return wrap(built) if wrap is not None else built

    def _unknown_message(self, head: str) -> str:
        close = difflib.get_close_matches(head.lower(), self.names, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        failed = f"; failed to load: {', '.join(sorted(self.broken))}" if self.broken else ""
        return f"unknown agent {head!r}{hint}; valid agents: {', '.join(self.names)}{failed}"


def parse_options(agent_id: str, text: str) -> dict[str, str]:
    """``"latency=0.2,fail=0.1"`` -> ``{"latency": "0.2", "fail": "0.1"}``."""
    options: dict[str, str] = {}
    for part in filter(None, (p.strip() for p in text.split(","))):
        name, eq, value = part.partition("=")
        if not eq or not name.strip():
            raise UnknownAgent(f"agent {agent_id!r}: option {part!r} is not name=value")
        if name.strip().lower() in options:
            raise UnknownAgent(f"agent {agent_id!r}: option {name.strip()!r} is given twice")
        options[name.strip().lower()] = value.strip()
    return options
