"""The values a scenario is made of besides its cells: seats, limits, the evaluator's settings
and grounding (frozen; ``scenario.py`` builds them from a validated file)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from aiconv.platform.events import ParticipantSpec
from aiconv.simulation.evaluators import RuleEvaluator


@dataclass(frozen=True, slots=True, kw_only=True)
class Seat:
    """A participant of every conversation: the agent under test, the simulated customer, or
    another role (e.g. a supervisor) listed under ``[[participants]]``."""

    name: str
    role: str
    agent: str = "mock"
    model: str | None = None
    system: str = ""
    url: str | None = None
    format: str = "webhook"
    timeout_s: float = 30.0
    headers: Mapping[str, str] = field(default_factory=dict)
    again: float = 0.0
    max_streak: int | None = None
    #: Response cache mode (off, use, record, replay); None: the run's default.
    cache: str | None = None
    #: The agent under test's label in a matrix run (empty otherwise).
    label: str = ""
    #: Tool references (relative paths resolved against the scenario file's folder).
    tools: tuple[str, ...] = ()
    #: Sampling settings of this seat's model (e.g. a reproducible simulated user).
    temperature: float | None = None
    seed: int | None = None

    def participant(
        self,
        *,
        persona: str | None = None,
        system: str | None = None,
        system_prompt: str = "",
    ) -> ParticipantSpec:
        """This seat as a conversation's participant (``system``: extra instructions added to
        the built prompt; ``system_prompt``: the whole prompt)."""
        return ParticipantSpec(
            name=self.name,
            agent=self.url or self.agent,
            model=self.model or "",
            persona=persona,
            role=self.role,
            system=system,
            system_prompt=system_prompt,
            base_url=self.url,
            tools=self.tools,
            temperature=self.temperature,
            seed=self.seed,
        )


@dataclass(frozen=True, slots=True, kw_only=True)
class Limits:
    """Stop rules every conversation of the scenario starts with."""

    max_turns: int = 20
    max_tokens: int | None = None
    max_cost_usd: float | None = None
    timeout_s: float | None = None
    loop_policy: str = "end"
    closing: str = "mutual"
    max_tool_rounds: int = 8
    tool_timeout_s: float = 60.0


@dataclass(frozen=True, slots=True, kw_only=True)
class EvaluatorConfig:
    """``rules`` (a ``RuleEvaluator``), ``judge`` (an LLM judge on agent ``judge_agent``), or
    ``task`` (the task grader, with that judge for rubric scores and NL assertions if given)."""

    kind: str
    rules: RuleEvaluator | None = None
    judge_agent: str | None = None
    judge_model: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Grounding:
    """Style examples for the customer: ``examples`` real messages similar to the intent,
    retrieved from the style index at ``index`` (built by ``aic discover``)."""

    index: Path
    examples: int = 3
