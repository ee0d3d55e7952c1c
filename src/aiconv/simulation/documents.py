"""The pydantic models of scenario and persona files: the only place their shape is declared.

They validate types, ranges, slugs and cross-references so that errors carry a location;
``scenario.py`` turns them into frozen values. Unknown keys are errors (a typo must not be
silently ignored).
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pydantic
from pydantic import (
    AliasChoices,
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    field_validator,
    model_validator,
)

from aiconv.validation import check_agent_url, check_headers, check_opening, check_text


def _text(value: str) -> str:
    check_text(value)
    return value


#: One line of text with something in it (an agent id, a model, a keyword): an empty keyword
#: would match every conversation, an empty model is a mistake, never "the default".
Text = Annotated[str, pydantic.AfterValidator(_text)]

SLUG = r"^[a-z][a-z0-9_-]*$"
#: A measured delay in seconds.
Delay = Annotated[float, Field(ge=0.0, allow_inf_nan=False)]
OUTCOME_SLUG = r"^[a-z][a-z0-9_]*$"


class Strict(BaseModel):
    """Forbids unknown keys, NaN and infinities (TOML writes them as ``nan``, ``inf``), and
    values of another type than the field's: ``max_turns = true`` was read as 1, ``seed =
    "7"`` as 7 (an integer may still stand for a number with decimals)."""

    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, strict=True)


class PersonaModel(Strict):
    """A persona (see ``personas.Persona``)."""

    name: str = Field(pattern=SLUG)
    traits: list[str] = []
    #: ``communication_style``: issue 7's words for it.
    style: str = Field("", validation_alias=AliasChoices("style", "communication_style"))
    patience: int = Field(5, ge=1, le=10)
    tech_comfort: int = Field(5, ge=1, le=10)
    interrupts: float = Field(0.1, ge=0.0, le=1.0)
    clarity: float = Field(0.7, ge=0.0, le=1.0)
    typing_cps: float = Field(5.0, gt=0.0)
    thinking_s: float = Field(4.0, ge=0.0)
    reply_delays_s: list[Delay] = Field([], max_length=101)
    follow_up_delays_s: list[Delay] = Field([], max_length=101)

    @field_validator("reply_delays_s", "follow_up_delays_s")
    @classmethod
    def _ascending(cls, delays: list[float]) -> list[float]:
        if delays != sorted(delays):
            raise ValueError("delays are quantiles: list them in ascending order")
        return delays


class PersonaFileModel(Strict):
    """A persona file holding a list."""

    personas: list[PersonaModel] = Field(min_length=1)


def persona_models(data: dict[str, Any]) -> list[PersonaModel]:
    """The personas of a persona file: a ``personas`` list or one persona."""
    if "personas" in data:
        return PersonaFileModel.model_validate(data).personas
    return [TypeAdapter(PersonaModel).validate_python(data)]


class GoalModel(Strict):
    """An intent's goal (``goal = "text"`` is its primary goal alone)."""

    #: Issue 7's words are accepted too: ``primary_goal``, ``secondary_goals``, ``turn_limit``.
    primary: str = Field(min_length=1, validation_alias=AliasChoices("primary", "primary_goal"))
    secondary: list[str] = Field([], validation_alias=AliasChoices("secondary", "secondary_goals"))
    success_criteria: list[str] = []
    failure_conditions: list[str] = []
    max_turns: int | None = Field(
        None, gt=0, validation_alias=AliasChoices("max_turns", "turn_limit")
    )

    @model_validator(mode="before")
    @classmethod
    def _text(cls, data: Any) -> Any:
        return {"primary": data} if isinstance(data, str) else data


class IntentModel(Strict):
    """An intent."""

    name: str = Field(pattern=SLUG)
    description: str = Field(min_length=1)
    role: str = "customer"
    goal: GoalModel | None = None
    opening: str | None = None

    @field_validator("opening")
    @classmethod
    def _says_something(cls, opening: str | None) -> str | None:
        return check_opening(opening)


class OutcomeModel(Strict):
    """One outcome of the schema."""

    slug: str = Field(pattern=OUTCOME_SLUG)
    description: str = ""
    success: bool = False

    @field_validator("slug")
    @classmethod
    def _not_reserved(cls, slug: str) -> str:
        if slug == "undecided":
            raise ValueError("'undecided' is reserved for conversations nobody could decide")
        return slug


class RuleModel(Strict):
    """A rule of the rule-based evaluator."""

    outcome: str = Field(pattern=OUTCOME_SLUG)
    keywords: list[Text] = []
    patterns: list[str] = []
    end_reasons: list[str] = []
    sender: str | None = None

    @model_validator(mode="after")
    def _has_condition(self) -> RuleModel:
        if not (self.keywords or self.patterns or self.end_reasons):
            raise ValueError("a rule needs keywords, patterns or end_reasons")
        return self


class EvaluatorModel(Strict):
    """How outcomes are decided when the conversation has ended."""

    kind: Literal["rules", "judge", "task"] = "rules"
    rules: list[RuleModel] = []
    default: str | None = Field(None, pattern=OUTCOME_SLUG)
    agent: Text | None = None
    model: Text | None = None

    @model_validator(mode="after")
    def _judge_has_agent(self) -> EvaluatorModel:
        if self.kind == "judge" and not self.agent:
            raise ValueError("kind = 'judge' needs agent (e.g. agent = 'claude')")
        if self.kind == "rules" and (self.agent or self.model):
            raise ValueError(
                "kind = 'rules' (the default) uses no agent: set kind = 'judge' or 'task', "
                "or drop agent and model"
            )
        return self


class CellModel(Strict):
    """An explicit cell: one persona with one task (or intent), besides the cross product."""

    persona: str = Field("neutral", pattern=SLUG)
    task: str | None = None
    intent: str | None = Field(None, pattern=SLUG)

    @model_validator(mode="after")
    def _one_target(self) -> CellModel:
        if (self.task is None) == (self.intent is None):
            raise ValueError("a cell names one task or one intent")
        return self


class ArbitrationModel(Strict):
    """Distributed outcomes: how participants' proposals are decided."""

    rule: Literal["majority", "agent_weighted", "highest_confidence"] = "majority"
    weights: dict[str, Annotated[float, Field(ge=0.0)]] = {}
    min_confidence: float = Field(0.8, ge=0.0, le=1.0)
    stop: bool = True


class SeatModel(Strict):
    """A participant: an agent id, or an external agent over HTTP (``url``)."""

    name: str | None = Field(None, pattern=r"^[A-Za-z][A-Za-z0-9_-]*$")
    role: str | None = Field(None, pattern=SLUG)
    agent: Text | None = None
    model: Text | None = None
    system: str | None = None
    url: Annotated[str, pydantic.AfterValidator(check_agent_url)] | None = Field(
        None, pattern=r"^https?://"
    )
    format: Literal["webhook", "openai"] | None = None
    timeout_s: float | None = Field(None, gt=0)
    headers: Annotated[dict[str, str], pydantic.AfterValidator(check_headers)] | None = None
    again: float | None = Field(None, ge=0.0, le=1.0)
    max_streak: int | None = Field(None, ge=1, le=10)
    #: The response cache for this participant (``agents/cache.py``).
    cache: Literal["off", "use", "record", "replay"] | None = None
    #: The name of an agent under test in ``[[agents]]`` (default: from its agent id).
    label: str | None = Field(None, pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")
    tools: list[str] | None = None
    temperature: float | None = Field(None, ge=0.0, le=2.0, allow_inf_nan=False)
    seed: int | None = Field(None, ge=0, lt=2**63)

    @model_validator(mode="after")
    def _one_target(self) -> SeatModel:
        # both were accepted, and the url silently won: the agent named was never run
        if self.agent and self.url:
            raise ValueError("give agent (an agent id) or url (an external agent), not both")
        return self


class LimitsModel(Strict):
    """Stop rules."""

    # at most 2^63 - 1 as the same flags are (--max-turns 1e20 is refused; the file took it)
    max_turns: int = Field(20, gt=0, lt=2**63)
    max_tokens: int | None = Field(None, gt=0, lt=2**63)
    max_cost_usd: float | None = Field(None, gt=0)
    timeout_s: float | None = Field(None, gt=0)
    loop_policy: Literal["end", "nudge", "off"] = "end"
    closing: Literal["mutual", "single", "off"] = "mutual"
    max_tool_rounds: int = Field(8, ge=0, le=1000)
    tool_timeout_s: float = Field(60.0, gt=0, allow_inf_nan=False)


class GroundingModel(Strict):
    """Grounded customers: style examples retrieved from an index of real customer messages."""

    index: str = Field(min_length=1)
    examples: int = Field(3, ge=1, le=10)


class ScenarioModel(Strict):
    """A scenario file."""

    name: Text
    #: ``k``: issue 7's "repetitions k" (pass@k, pass^k).
    repeat: int = Field(1, ge=1, le=1000, validation_alias=AliasChoices("repeat", "k"))
    seed: int = Field(0, ge=0, lt=2**63)  # as --seed
    time: Literal["fast", "real"] = "fast"
    voice: bool = False
    lease_s: float = Field(30.0, gt=0)
    agent: SeatModel | None = None
    #: Several agents under test, run side by side (each over [agent]'s settings).
    agents: list[SeatModel] = []
    customer: SeatModel | None = None
    participants: list[SeatModel] = []
    personas: list[str | PersonaModel] = []
    persona_files: list[str] = []
    intents: list[IntentModel] = []
    #: The environment of the tasks (a ``aiconv.domains`` name), and their files (globs,
    #: relative to this file; none means the domain's own tasks when ``domain`` is set).
    domain: str | None = Field(None, pattern=SLUG)
    tasks: list[Text] = []
    #: Cross every persona with every task (and intent); else only the explicit cells.
    cross: bool = True
    cells: list[CellModel] = []
    outcomes: list[OutcomeModel] = []
    evaluator: EvaluatorModel | None = None
    arbitration: ArbitrationModel | None = None
    limits: LimitsModel | None = None
    grounding: GroundingModel | None = None

    @field_validator("outcomes")
    @classmethod
    def _unique_outcomes(cls, outcomes: list[OutcomeModel]) -> list[OutcomeModel]:
        slugs = [o.slug for o in outcomes]
        repeated = sorted({s for s in slugs if slugs.count(s) > 1})
        if repeated:
            raise ValueError(f"outcome slugs must be unique; repeated: {', '.join(repeated)}")
        return outcomes

    @field_validator("intents")
    @classmethod
    def _unique_intents(cls, intents: list[IntentModel]) -> list[IntentModel]:
        names = [i.name for i in intents]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"intent names must be unique; repeated: {', '.join(repeated)}")
        return intents

    @model_validator(mode="after")
    def _has_work(self) -> ScenarioModel:
        tasks = bool(self.tasks or self.domain)
        if not (self.intents or tasks):
            raise ValueError("a scenario needs intents, or tasks (tasks = [...] or domain = ...)")
        if self.intents and not (self.personas or self.persona_files):
            raise ValueError("intents need personas (e.g. personas = ['typical'])")
        if not tasks and not self.outcomes:
            raise ValueError("a scenario with intents needs [[outcomes]]")
        if not (self.cross or self.cells):
            raise ValueError("cross = false leaves nothing to run: add [[cells]] or drop it")
        return self

    @model_validator(mode="after")
    def _agent_has_target(self) -> ScenarioModel:
        if self.agents:
            if any(not (a.agent or a.url) for a in self.agents):
                raise ValueError("each [[agents]] needs agent (an agent id) or url")
            return self
        if self.agent is None or not (self.agent.agent or self.agent.url):
            raise ValueError("[agent] needs agent (an agent id) or url (an external agent)")
        return self

    @field_validator("participants")
    @classmethod
    def _extras_are_complete(cls, seats: list[SeatModel]) -> list[SeatModel]:
        for seat in seats:
            if not (seat.name and seat.role and (seat.agent or seat.url)):
                raise ValueError("each [[participants]] needs name, role and agent (or url)")
        return seats

    @model_validator(mode="after")
    def _names_are_unique(self) -> ScenarioModel:
        agent = (self.agent and self.agent.name) or "support"
        names = [agent, (self.customer and self.customer.name) or "customer"]
        names += [s.name or "" for s in self.participants]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"participant names must be unique; repeated: {', '.join(repeated)}")
        return self

    @field_validator("customer")
    @classmethod
    def _customer_again_from_persona(cls, customer: SeatModel | None) -> SeatModel | None:
        if customer is not None and customer.again is not None:
            raise ValueError(
                "the customer's double-texting comes from its persona's `interrupts`; "
                "remove `again` (max_streak still caps it)"
            )
        return customer
