"""τ²-bench interoperability: our tasks are τ²-bench's task schema plus a few fields, so a
τ²-bench ``tasks.json`` loads as it is (``load_tasks(path, default_domain=…)``) for a domain
whose tools are implemented here; ``to_tau2`` writes ours back in τ²-bench's exact schema.

Our extensions map as follows: ``domain`` goes into ``user_scenario.instructions.domain``;
``title``, ``difficulty`` and ``opening`` into ``description.notes``; the ``OUTCOME`` criterion
and ``evaluation_criteria.outcome`` into an NL assertion (τ²-bench has no end-reason check), and
a ``known_info`` mapping into τ²-bench's text form (``key: value`` lines).
"""

from __future__ import annotations

from typing import Any

from aiconv.simulation.tasks import Task

_OUTCOME_WORDS = {
    "satisfied": "The user ended the conversation satisfied.",
    "transferred": "The user was transferred to a human agent.",
    "out_of_scope": "The user's request was out of scope and the agent said so.",
}


def to_tau2(task: Task, default_domain: str | None = None) -> dict[str, Any]:
    """``task`` as a τ²-bench task (JSON-ready)."""
    data = task.model_dump(mode="json", exclude_none=True, by_alias=False)
    domain = task.domain_name(default_domain)
    for key in ("domain", "title", "difficulty", "opening"):
        data.pop(key, None)
    data["user_scenario"]["instructions"] = _instructions(task, domain)
    notes = [
        f"{k}: {v}"
        for k, v in (
            ("title", task.title),
            ("difficulty", task.difficulty),
            ("opening", task.opening),
        )
        if v
    ]
    if notes:
        description = data.setdefault("description", {})
        description["notes"] = "\n".join(filter(None, [description.get("notes"), *notes]))
    data["evaluation_criteria"] = _criteria(task)
    return data


def _instructions(task: Task, domain: str) -> dict[str, Any]:
    info = task.instructions
    known = info.known_info
    if isinstance(known, dict):
        known = "\n".join(f"{k}: {v}" for k, v in known.items())
    unknown = info.unknown_info
    if isinstance(unknown, list):
        unknown = "\n".join(unknown)
    return {
        "domain": domain,
        "reason_for_call": info.reason_for_call,
        "known_info": known,
        "unknown_info": unknown,
        "task_instructions": info.task_instructions,
    }


def _criteria(task: Task) -> dict[str, Any]:
    criteria = task.evaluation_criteria
    data = criteria.model_dump(mode="json", exclude_none=True)
    outcome = data.pop("outcome", None)
    collected = data.pop("collected", None) or {}
    basis = [b for b in criteria.reward_basis if b not in ("OUTCOME", "COLLECTED")]
    assertions = [f"The agent collected {name} = {value!r}." for name, value in collected.items()]
    if outcome is not None:
        assertions.append(_OUTCOME_WORDS.get(outcome, f"The conversation ended with {outcome}."))
    if assertions:
        data["nl_assertions"] = [*(criteria.nl_assertions or []), *assertions]
    data["reward_basis"] = basis or ["DB"]
    return data
