"""The ``flow:FILE`` and ``extractor`` agents, declared through the ``aiconv.providers`` entry
point like every vendor.

``flow:PATH`` is an agent made of other agents: its stages' talking and extracting agents are its
``parts``, so the registry resolves, checks (``FILE:LINE: stages[2].agent: unknown agent …``),
keys and builds them with it.
"""

from __future__ import annotations

import functools
from dataclasses import replace
from pathlib import Path

from aiconv.agents.catalog import default_registry
from aiconv.agents.registry import AgentSpec, Part, PartBuilder, Registry, Vendor
from aiconv.errors import ConfigError
from aiconv.flows.extractor import ExtractorProvider
from aiconv.flows.file import AgentCheck, load_flow
from aiconv.flows.model import Flow
from aiconv.flows.participant import FlowProvider
from aiconv.simulation import locate
from aiconv.simulation.files import read_document


@functools.cache
def _registry() -> Registry:
    return default_registry()


def _check(agent_id: str) -> str | None:
    """Why ``agent_id`` names no agent (the registry's message), or None."""
    try:
        _registry().resolve(agent_id)
    except ConfigError as exc:
        return str(exc)
    return None


def _path(spec: AgentSpec) -> Path:
    return Path(spec.options["path"])


def _load(path: Path, known: AgentCheck | None = None) -> Flow:
    """The flow of ``path``, a file its stage agents name (``script:replies.jsonl``) found
    beside it, as a scenario's files are beside the scenario."""
    flow = load_flow(path, known)
    registry = _registry()
    stages = tuple(
        replace(
            stage,
            agent=None if stage.agent is None else registry.anchored(stage.agent, path.parent),
            extractor=registry.anchored(stage.extractor, path.parent),
        )
        for stage in flow.stages
    )
    return replace(flow, stages=stages)


def _preflight(spec: AgentSpec) -> None:
    _load(_path(spec), _check)


def _parts(spec: AgentSpec) -> list[Part]:
    """Each stage agent, and where the flow file names it."""
    path = _path(spec)
    flow = _load(path, _check)
    _, lines = read_document(path)
    parts = []
    for index, stage in enumerate(flow.stages):
        for key in ("agent", "extractor"):
            agent = getattr(stage, key)
            if agent is not None:
                line = locate.line_of(lines, ("stages", index, key))
                parts.append(Part(agent_id=agent, where=f"{path}:{line}: stages[{index}].{key}"))
    return parts


def _assemble(spec: AgentSpec, build: PartBuilder) -> FlowProvider:
    flow = _load(_path(spec))
    return FlowProvider(flow, {agent: build(agent) for agent in flow.agents()})


def _never(spec: AgentSpec, key: str | None) -> FlowProvider:
    raise ConfigError(f"{spec.agent_id}: a flow is built by the registry from its parts")


def _extractor(spec: AgentSpec, key: str | None) -> ExtractorProvider:
    return ExtractorProvider(model=spec.model)


FLOW_VENDORS = (
    Vendor(
        name="flow",
        aliases=(),
        default_model="flow",
        factory=_never,
        suffix="path",
        path_example="intake.toml",
        offline=True,
        preflight=_preflight,
        parts=_parts,
        assemble=_assemble,
        description="a stage flow from a TOML/YAML file: flow:PATH (its stages name their agents)",
    ),
    Vendor(
        name="extractor",
        aliases=(),
        default_model="extractor",
        factory=_extractor,
        offline=True,
        description="offline structured-output extractor: reads fields from the user's words",
    ),
)
