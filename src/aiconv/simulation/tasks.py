"""Tasks: the richer form of an intent — a user scenario with hidden information, an initial
environment state, and evaluation criteria — in τ²-bench's task format (a superset of it).

A task file (JSON, YAML or TOML) holds one task, a list of tasks, or ``tasks = [...]``. The
fields are τ²-bench's (``id``, ``description``, ``user_scenario`` with ``persona`` and
``instructions`` — ``reason_for_call``, ``known_info``, ``unknown_info``, ``task_instructions``
— ``initial_state`` with ``initialization_data`` and ``initialization_actions``, and
``evaluation_criteria`` with ``actions``, ``communicate_info``, ``nl_assertions`` and
``reward_basis``), plus ours: ``domain``, ``title`` (the public topic), ``difficulty``,
``opening`` (the customer's first line) and ``evaluation_criteria.outcome``. ``known_info`` may
be text or a mapping of facts. Every task is checked against its domain when loaded: a tool it
names must exist, its arguments must validate, its initial state and reference actions must
apply — or the error names the file, line and field, before any work starts.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Annotated, Any, Literal

import pydantic
from pydantic import AfterValidator, AliasChoices, BaseModel, ConfigDict, Field

from aiconv import user_files
from aiconv.agents.toolbox import ToolError
from aiconv.environments.domain import DOMAINS, Call, Domain, domain_named, merged
from aiconv.errors import ConfigError, ScenarioError
from aiconv.simulation import locate
from aiconv.simulation.files import parse_document, validation_error
from aiconv.simulation.task_limits import unsupported
from aiconv.simulation.tau2 import restored
from aiconv.validation import check_opening

RewardBasis = Literal[
    "DB", "ACTION", "COMMUNICATE", "NL_ASSERTION", "OUTCOME", "ENV_ASSERTION", "COLLECTED"
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Instructions(_Strict):
    """What the simulated user knows and wants; none of it is ever shown to the agent."""

    domain: str | None = None
    reason_for_call: str = Field(min_length=1)
    known_info: str | dict[str, str] | None = None
    unknown_info: str | list[str] | None = None
    task_instructions: str = Field(
        "", validation_alias=AliasChoices("task_instructions", "instructions")
    )


class UserScenario(_Strict):
    """The user simulator's brief: an optional persona and the instructions.

    The instructions' fields may also sit directly on the scenario (``reason_for_call``,
    ``known_info``, ``unknown_info``, ``instructions`` as text): they are read as the
    structured instructions, the text one as ``task_instructions``."""

    persona: str | None = None
    instructions: Instructions | str

    @pydantic.model_validator(mode="before")
    @classmethod
    def _flat(cls, data: Any) -> Any:
        if not isinstance(data, dict) or "reason_for_call" not in data:
            return data
        if isinstance(data.get("instructions"), dict):
            return data  # both forms at once: the nested one decides, the rest is refused
        outer = {k: v for k, v in data.items() if k == "persona"}
        return {**outer, "instructions": {k: v for k, v in data.items() if k != "persona"}}


class Description(_Strict):
    """What the task tests (shown to the judge, never to the agent)."""

    purpose: str | None = None
    relevant_policies: str | None = None
    notes: str | None = None


class Action(_Strict):
    """A reference tool call: replayed to derive the expected end state, and matched against the
    agent's calls when ``ACTION`` is in the reward basis (``compare_args`` narrows the match)."""

    action_id: str | None = None
    requestor: Literal["assistant", "user"] = "assistant"
    name: str = Field(min_length=1)
    arguments: dict[str, Any] = {}
    info: str | None = None
    compare_args: list[str] | None = None


class EnvFunctionCall(_Strict):
    """An initialisation action: a domain tool applied before the conversation starts."""

    env_type: Literal["assistant", "user"] = "assistant"
    func_name: str = Field(min_length=1)
    arguments: dict[str, Any] = {}


class InitializationData(_Strict):
    """Changes to the domain's default state (``agent_data``, merged key by key)."""

    agent_data: dict[str, Any] | None = None
    user_data: dict[str, Any] | None = None


class InitialState(_Strict):
    """The environment a task starts from."""

    initialization_data: InitializationData | None = None
    initialization_actions: list[EnvFunctionCall] | None = None
    message_history: list[dict[str, Any]] | None = None


class EvaluationCriteria(_Strict):
    """How the conversation is graded; ``reward_basis`` says which criteria decide the verdict
    (the others are still evaluated and reported)."""

    actions: list[Action] | None = None
    env_assertions: list[dict[str, Any]] | None = None
    communicate_info: list[str] | None = None
    nl_assertions: list[str] | None = None
    outcome: str | None = None
    #: Ours: the values a flow under test must have collected, by field (``flow_grading``).
    collected: dict[str, Any] | None = None
    reward_basis: list[RewardBasis] = ["DB", "COMMUNICATE"]


class Task(_Strict):
    """One task (τ²-bench's ``Task``, plus ``domain``, ``title``, ``difficulty``, ``opening``)."""

    id: str = Field(min_length=1, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,79}$")
    domain: str | None = None
    title: str | None = None
    difficulty: Literal["easy", "medium", "hard"] | None = None
    opening: Annotated[str | None, AfterValidator(check_opening)] = None
    description: Description | None = None
    user_scenario: UserScenario
    ticket: str | None = None
    initial_state: InitialState | None = None
    evaluation_criteria: EvaluationCriteria = EvaluationCriteria()
    issues: list[dict[str, Any]] | None = None
    required_documents: list[str] | None = None
    user_tools: list[str] | None = None
    #: τ²-bench's own task files carry it (null); its Task model reads nothing from it.
    annotations: Any = None

    @property
    def instructions(self) -> Instructions:
        """The structured instructions (a plain-text brief becomes ``task_instructions``)."""
        given = self.user_scenario.instructions
        if isinstance(given, Instructions):
            return given
        return Instructions(reason_for_call=given, task_instructions=given)

    def domain_name(self, default: str | None = None) -> str:
        """The task's domain (its own, its instructions', or ``default``)."""
        name = self.domain or self.instructions.domain or default
        if not name:
            raise ConfigError(f"task {self.id!r} names no domain")
        return name


class _TaskList(BaseModel):
    tasks: list[Task] = Field(min_length=1)


def load_tasks(path: Path, default_domain: str | None = None) -> list[Task]:
    """The tasks of one file, each checked against its domain (ScenarioError names the file,
    line and field of the first problem)."""
    data, lines = _read(path)
    if not isinstance(data, list | dict):
        raise ScenarioError(f"{path}: a task file holds a task, a list of tasks or `tasks`")
    items = data if isinstance(data, list) else data.get("tasks", [data])
    items = [restored(item) for item in items] if isinstance(items, list) else items
    if isinstance(items, list):
        _check_domains(path, _as_list(lines, data), items, default_domain)
    try:
        tasks = _TaskList.model_validate({"tasks": items}).tasks
    except pydantic.ValidationError as exc:
        raise validation_error(path, _as_list(lines, data), exc) from None
    seen: set[str] = set()
    for index, task in enumerate(tasks):
        where = _locator(path, _as_list(lines, data), index)
        if task.id in seen:
            raise ScenarioError(f"{where()}: id: task {task.id!r} appears twice")
        seen.add(task.id)
        check_task(task, domain_named(task.domain_name(default_domain)), where)
    return tasks


def _check_domains(
    path: Path, lines: dict[locate.Path, int], items: list[Any], default_domain: str | None
) -> None:
    """Each task names an installed domain, checked before its fields: τ²-bench's file of a
    domain not implemented here (banking_knowledge, mock) says so in one line, not which of
    the fields its own model ignores ours refuses."""
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            continue
        scenario = item.get("user_scenario")
        instructions = scenario.get("instructions") if isinstance(scenario, dict) else None
        named = item.get("domain") or (
            instructions.get("domain") if isinstance(instructions, dict) else None
        )
        name = named or default_domain
        where = f"{_locator(path, lines, index)()}: tasks[{index}]"
        if name is None:
            raise ScenarioError(
                f"{where}: task {item.get('id')!r} names no domain: give --domain (in a suite, "
                "domain = …) or the task's own"
            )
        if isinstance(name, str) and name not in DOMAINS:
            known = ", ".join(DOMAINS.names()) or "none"
            raise ScenarioError(f"{where}: unknown domain {name!r} (installed: {known})")


#: ``where(*field)`` -> ``FILE:LINE`` of a task's field (or of the task when it has no line).
Where = Callable[..., str]


def _read(path: Path) -> tuple[Any, dict[locate.Path, int]]:
    if path.suffix.lower() != ".json":
        return parse_document(path)
    try:
        text = user_files.read_text(path)
        return json.loads(text), locate.yaml_lines(text)
    except (OSError, UnicodeDecodeError) as exc:
        raise ScenarioError(f"{path}: cannot be read: {exc}") from None
    except json.JSONDecodeError as exc:
        raise ScenarioError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    except RecursionError:  # json's decoder recurses per level of nesting
        raise ScenarioError(f"{path}: not valid JSON (nested too deeply)") from None


def _as_list(lines: dict[locate.Path, int], data: Any) -> dict[locate.Path, int]:
    """Line numbers keyed as ``tasks[i]…`` whatever the file's shape."""
    if isinstance(data, list):
        return {("tasks", *k): v for k, v in lines.items()}
    if "tasks" in data:
        return lines
    return {("tasks", 0, *k): v for k, v in lines.items()}


def _locator(path: Path, lines: dict[locate.Path, int], index: int) -> Where:
    def where(*field: str | int) -> str:
        line = locate.line_of(lines, ("tasks", index, *field))
        return f"{path}:{line}" if line else str(path)

    return where


def check_task(task: Task, domain: Domain, where: Where) -> None:
    """ScenarioError unless the task's tools, arguments, initial state and reference actions
    all check out against ``domain``, and it uses nothing aiconv cannot carry out."""
    refused = unsupported(task)
    if refused is not None:
        field, why = refused
        raise ScenarioError(f"{where(*field)}: {locate.dotted(field)}: {why}")
    for index, action in enumerate(task.evaluation_criteria.actions or ()):
        field = ("evaluation_criteria", "actions", index)
        _check_call(domain, action.name, action.arguments, where(*field), locate.dotted(field))
    init = task.initial_state
    for index, call in enumerate((init and init.initialization_actions) or ()):
        field = ("initial_state", "initialization_actions", index)
        _check_call(domain, call.func_name, call.arguments, where(*field), locate.dotted(field))
    data = ("initial_state", "initialization_data", "agent_data")
    try:
        initial_state(task, domain)
    except (ConfigError, ToolError) as exc:
        raise ScenarioError(f"{where(*data)}: {locate.dotted(data)}: {task.id}: {exc}") from None
    try:
        expected_state(task, domain, strict=True)
    except (ConfigError, ToolError) as exc:
        actions = ("evaluation_criteria", "actions")
        raise ScenarioError(
            f"{where(*actions)}: {locate.dotted(actions)}: {task.id}: {exc}"
        ) from None


def _check_call(
    domain: Domain, name: str, arguments: Mapping[str, Any], where: str, field: str
) -> None:
    tool = domain.tools.get(name)
    if tool is None:
        known = ", ".join(domain.tools)
        raise ScenarioError(
            f"{where}: {field}.name: unknown tool {name!r} in {domain.name} ({known})"
        )
    try:
        tool.signature.arguments.model_validate(dict(arguments))
    except pydantic.ValidationError as exc:
        first = exc.errors()[0]
        arg = ".".join(str(p) for p in first["loc"]) or "arguments"
        raise ScenarioError(f"{where}: {field}.arguments.{arg}: {first['msg']}") from None


def initial_state(task: Task, domain: Domain) -> pydantic.BaseModel:
    """The domain's default state with the task's data merged in and its initialisation
    actions applied (ConfigError or ToolError when they do not apply)."""
    base = domain.initial_state().model_dump(mode="json")
    init = task.initial_state
    data = init.initialization_data.agent_data if init and init.initialization_data else None
    state = domain.load_state(merged(base, data or {}))
    for action in (init.initialization_actions if init else None) or ():
        state, _ = domain.apply(state, Call(tool=action.func_name, arguments=action.arguments))
    return state


def expected_state(task: Task, domain: Domain, *, strict: bool = False) -> pydantic.BaseModel:
    """The state the task's reference actions reach from its initial state (``strict``: a
    reference action the tools refuse is an error, not a no-op)."""
    state = initial_state(task, domain)
    for action in task.evaluation_criteria.actions or ():
        call = Call(tool=action.name, arguments=action.arguments)
        if strict:
            state, _ = domain.apply(state, call)
        else:
            state = domain.replay(state, [call])
    return state


def tasks_of(paths: Sequence[Path], default_domain: str | None = None) -> list[Task]:
    """The tasks of several files; two tasks with one id are an error."""
    found: dict[str, Path] = {}
    tasks: list[Task] = []
    for path in paths:
        for task in load_tasks(path, default_domain):
            if task.id in found:
                raise ScenarioError(f"{path}: task {task.id!r} is also in {found[task.id]}")
            found[task.id] = path
            tasks.append(task)
    return tasks
