"""Grading a task conversation by what the agent *did*: each criterion with its evidence.

* ``end_state`` — the environment the agent left (the recorded snapshot replayed through the
  recorded successful calls) equals the state the task's reference actions reach from the same
  snapshot; the evidence lists the differences (``accounts[0].cards[1].status: expected
  "blocked", reached "active"``).
* ``action`` — each reference action is matched by a distinct tool call of its requestor (the
  agent under test for ``assistant``): same tool; the arguments in ``compare_args`` (all of the
  action's when absent) equal after normalisation — strings trimmed and compared without case,
  numbers by value (``5`` = ``5.0`` = ``"5"``; ``"02134"`` is a code, not ``2134``), lists and
  objects element by element.
* ``communicate`` — every fact is in the agent's messages (``said.fact_said``: its numbers as
  numbers, its other words as words).
* ``outcome`` — the conversation ended with the expected reason (``satisfied``,
  ``transferred``, ``out_of_scope`` … as the simulated user signalled).
* ``nl_assertion`` and ``rubric`` — judged by an LLM judge that sees the task (``task_judge``);
  without one they are recorded as not judged.

The verdict multiplies the criteria of the task's ``reward_basis`` (τ²-bench's rule): a
conversation passes when every one of them passed — and, as in τ²-bench, only when one side
stopped it (``ended``): a conversation cut short by a limit, a loop or a failure
(``CUT_SHORT``, or one that never ended) fails whatever its criteria, since a refusal task, with
nothing to do and nothing to tell, would otherwise pass an agent that only stalled.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pydantic

from aiconv.environments.domain import Call, Domain
from aiconv.platform.conversation import ConversationState
from aiconv.platform.events import CriterionEvaluated, TaskGraded
from aiconv.simulation.flow_grading import collected_criteria
from aiconv.simulation.said import NUMBER, fact_said
from aiconv.simulation.tasks import Action, Task, expected_state

#: Which criteria kinds each reward basis entry stands for.
BASIS_KINDS = {
    "DB": "end_state",
    "ACTION": "action",
    "COMMUNICATE": "communicate",
    "NL_ASSERTION": "nl_assertion",
    "OUTCOME": "outcome",
    "COLLECTED": "collected",
}

#: End reasons of a conversation neither side stopped. τ²-bench grades only AGENT_STOP and
#: USER_STOP and gives anything else (max steps, errors, timeouts) reward 0; a loop cut here
#: would have run to its max steps there.
CUT_SHORT = frozenset(
    {
        "max_turns",
        "max_turns_per_participant",
        "max_tool_rounds",
        "timeout",
        "token_budget",
        "cost_budget",
        "loop",
        "interrupted",
        "provider_error",
        "provider_unavailable",
        "error",
    }
)


def gating_kinds(basis: Iterable[str]) -> set[str]:
    """The criteria kinds that decide a verdict: the reward basis's, and always ``ended``."""
    return {BASIS_KINDS[b] for b in basis if b in BASIS_KINDS} | {"ended"}


@dataclass(frozen=True, slots=True, kw_only=True)
class Graded:
    """Every criterion evaluated, and the verdict."""

    criteria: tuple[CriterionEvaluated, ...]
    verdict: TaskGraded


def reached_state(state: ConversationState, domain: Domain) -> pydantic.BaseModel:
    """The environment as the conversation's recorded successful calls left it."""
    snapshot = state.environments.get(domain.name)
    initial = domain.load_state(snapshot.state) if snapshot else domain.initial_state()
    calls = [
        Call(tool=t.called.tool, arguments=t.called.arguments)
        for t in state.tools
        if t.called.tool in domain.tools and t.returned is not None and t.returned.outcome == "ok"
    ]
    return domain.replay(initial, calls)


def target_state(state: ConversationState, task: Task, domain: Domain) -> pydantic.BaseModel:
    """What the reference actions reach from the snapshot the conversation started with."""
    snapshot = state.environments.get(domain.name)
    if snapshot is None:
        return expected_state(task, domain)
    calls = [
        Call(tool=a.name, arguments=a.arguments) for a in task.evaluation_criteria.actions or ()
    ]
    return domain.replay(domain.load_state(snapshot.state), calls)


def grade(
    state: ConversationState,
    task: Task,
    domain: Domain,
    *,
    agent: str,
    judged: Sequence[CriterionEvaluated] = (),
) -> Graded:
    """Every criterion of ``task`` on the finished conversation ``state`` (``agent`` is the
    participant under test; ``judged`` holds the LLM judge's criteria, if any)."""
    criteria = [
        end_state_criterion(state, task, domain),
        *action_criteria(state, task, agent),
        *communicate_criteria(state, task, agent),
        *outcome_criteria(state, task),
        ended_criterion(state, task),
        *collected_criteria(state, task.id, task.evaluation_criteria.collected, agent),
        *judged,
        *_unjudged(task, judged),
    ]
    return Graded(criteria=tuple(criteria), verdict=verdict(task, criteria))


def ended_criterion(state: ConversationState, task: Task) -> CriterionEvaluated:
    """Whether one side stopped the conversation (a signal, a goodbye, an end token) rather than
    a limit, a loop or a failure cutting it short."""
    if state.ended is None:
        return _criterion(task, "ended", "ended", False, "never ended")
    reason = state.ended.reason
    cut = reason in CUT_SHORT
    evidence = f"ended with {reason!r}" + (": cut short, stopped by neither side" if cut else "")
    return _criterion(task, "ended", "ended", not cut, evidence)


def end_state_criterion(state: ConversationState, task: Task, domain: Domain) -> CriterionEvaluated:
    """The reached environment against the reference actions' one."""
    reached = reached_state(state, domain).model_dump(mode="json")
    target = target_state(state, task, domain).model_dump(mode="json")
    differences = list(diff(target, reached))
    evidence = "; ".join(differences[:10]) + (
        f"; … {len(differences) - 10} more" if len(differences) > 10 else ""
    )
    return _criterion(
        task,
        "end_state",
        "end_state",
        not differences,
        evidence or "the environment matches the reference actions' end state",
    )


def diff(expected: Any, reached: Any, path: str = "") -> Iterable[str]:
    """Where two JSON values differ: ``path: expected X, reached Y`` lines."""
    if isinstance(expected, dict) and isinstance(reached, dict):
        for key in sorted(set(expected) | set(reached), key=str):
            yield from diff(
                expected.get(key), reached.get(key), f"{path}.{key}" if path else str(key)
            )
    elif isinstance(expected, list) and isinstance(reached, list) and len(expected) == len(reached):
        for index, (left, right) in enumerate(zip(expected, reached, strict=True)):
            yield from diff(left, right, f"{path}[{index}]")
    elif expected != reached:
        yield f"{path or 'state'}: expected {_short(expected)}, reached {_short(reached)}"


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def action_criteria(state: ConversationState, task: Task, agent: str) -> list[CriterionEvaluated]:
    """One criterion per reference action: matched by a distinct call of its requestor."""
    customers = {p.name for p in state.participants if p.name != agent}
    unused = [t for t in state.tools if t.returned is not None]
    found = []
    for index, action in enumerate(task.evaluation_criteria.actions or ()):
        callers = {agent} if action.requestor == "assistant" else customers
        match = next(
            (
                t
                for t in unused
                if t.called.speaker in callers
                and action_matches(action, t.called.tool, t.called.arguments)
            ),
            None,
        )
        name = f"action:{action.action_id or f'{index}-{action.name}'}"
        if match is not None:
            unused.remove(match)
            evidence = f"{action.name} called at #{match.sequence} ({match.called.call_id})"
        else:
            evidence = _unmatched(state, task, action, callers)
        found.append(_criterion(task, name, "action", match is not None, evidence))
    return found


def _unmatched(state: ConversationState, task: Task, action: Action, callers: set[str]) -> str:
    """Why no distinct call matches ``action``: never made, made with other arguments, or made
    fewer times than the reference actions make it."""
    text = _call_text(action.name, action.arguments)
    made = [
        t
        for t in state.tools
        if t.returned is not None
        and t.called.speaker in callers
        and action_matches(action, t.called.tool, t.called.arguments)
    ]
    if made:
        needed = sum(
            a.name == action.name and action_matches(a, action.name, action.arguments)
            for a in task.evaluation_criteria.actions or ()
        )
        return f"{text} needed {needed} times, called {len(made)} time{'s' * (len(made) != 1)}"
    tried = [t.called for t in state.tools if t.called.tool == action.name]
    return f"never called {text}" + (
        f"; called with {', '.join(_call_text(c.tool, c.arguments) for c in tried[:3])}"
        if tried
        else ""
    )


def action_matches(action: Action, tool: str, arguments: Mapping[str, Any]) -> bool:
    """The documented matching rule for reference actions."""
    if action.name != tool:
        return False
    keys = action.compare_args if action.compare_args is not None else list(action.arguments)
    return all(_normal(action.arguments.get(k)) == _normal(arguments.get(k)) for k in keys)


def _normal(value: Any) -> Any:
    if isinstance(value, bool) or value is None:
        return value
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        number = NUMBER.fullmatch(text) and not (text[:1] == "0" and text[1:2].isdigit())
        try:  # a leading zero makes a code (ZIP 02134, last four 0042), not a number
            return float(text.replace(",", "")) if number else text.casefold()
        except ValueError:
            return text.casefold()
    if isinstance(value, Mapping):
        return {str(k): _normal(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_normal(v) for v in value]
    return value


def _call_text(tool: str, arguments: Mapping[str, Any]) -> str:
    inside = ", ".join(f"{k}={v!r}" for k, v in arguments.items())
    return f"{tool}({inside})"


def communicate_criteria(
    state: ConversationState, task: Task, agent: str
) -> list[CriterionEvaluated]:
    """One criterion per fact the agent had to tell the user."""
    said = [m for m in state.messages if m.sender == agent]
    found = []
    for fact in task.evaluation_criteria.communicate_info or ():
        where = next((m.sequence for m in said if fact_said(fact, m.content)), None)
        evidence = f"said at #{where}" if where is not None else "never said to the user"
        found.append(
            _criterion(task, f"communicate:{fact}", "communicate", where is not None, evidence)
        )
    return found


def outcome_criteria(state: ConversationState, task: Task) -> list[CriterionEvaluated]:
    """The expected end of the conversation, if the task names one."""
    expected = task.evaluation_criteria.outcome
    if expected is None:
        return []
    reached = state.ended.reason if state.ended else None
    evidence = f"ended with {reached!r}" + (
        "" if reached == expected else f", expected {expected!r}"
    )
    return [_criterion(task, "outcome", "outcome", reached == expected, evidence)]


def _unjudged(task: Task, judged: Sequence[CriterionEvaluated]) -> list[CriterionEvaluated]:
    """NL assertions no judge answered: recorded, neither passed nor failed."""
    done = {c.criterion for c in judged}
    return [
        _criterion(task, f"nl:{text}", "nl_assertion", None, "not judged: no judge configured")
        for text in task.evaluation_criteria.nl_assertions or ()
        if f"nl:{text}" not in done
    ]


def verdict(task: Task, criteria: Sequence[CriterionEvaluated]) -> TaskGraded:
    """Passed when every criterion of a kind in the reward basis passed."""
    kinds = gating_kinds(task.evaluation_criteria.reward_basis)
    gating = [c for c in criteria if c.kind in kinds]
    passed = all(c.passed is True for c in gating)
    return TaskGraded(
        task_id=task.id,
        passed=passed,
        reward=1.0 if passed else 0.0,
        basis=tuple(task.evaluation_criteria.reward_basis),
    )


def _criterion(
    task: Task, criterion: str, kind: str, passed: bool | None, evidence: str
) -> CriterionEvaluated:
    return CriterionEvaluated(
        task_id=task.id, criterion=criterion, kind=kind, passed=passed, evidence=evidence
    )
