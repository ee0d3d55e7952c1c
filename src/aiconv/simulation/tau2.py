"""τ²-bench interoperability: our tasks are τ²-bench's task schema plus a few fields, so a
τ²-bench ``tasks.json`` loads as it is (``load_tasks(path, default_domain=…)``) for a domain
whose tools are implemented here; ``to_tau2`` writes ours back in τ²-bench's exact schema.

Our extensions map as follows: ``domain`` goes into ``user_scenario.instructions.domain``;
``title``, ``difficulty`` and ``opening`` into ``description.notes``; the ``OUTCOME`` criterion
and ``evaluation_criteria.outcome`` into an NL assertion (τ²-bench has no end-reason check) —
when ``OUTCOME`` gates, ``NL_ASSERTION`` joins τ²-bench's basis and our basis is kept in the
notes —, a ``known_info`` mapping into τ²-bench's text form (``key: value`` lines), and an
action without ``action_id`` (which τ²-bench requires) is named ``INDEX-TOOL``, as its criterion
is. ``restored`` reads the notes back when such a file is loaded, so an export reads back as
the tasks it was (a ``known_info`` mapping comes back as its text, which the task user reads
alike).
"""

from __future__ import annotations

import ast
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
    basis = task.evaluation_criteria.reward_basis
    notes = [
        f"{k}: {v}"
        for k, v in (
            ("title", task.title),
            ("difficulty", task.difficulty),
            ("reward_basis", ", ".join(basis) if _OURS_ONLY.intersection(basis) else None),
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


#: Reward bases τ²-bench does not have: their criteria become NL assertions there.
_OURS_ONLY = frozenset({"OUTCOME", "COLLECTED"})
_COLLECTED = "The agent collected "


def _criteria(task: Task) -> dict[str, Any]:
    criteria = task.evaluation_criteria
    data = criteria.model_dump(mode="json", exclude_none=True)
    for index, action in enumerate(data.get("actions", [])):
        action.setdefault("action_id", f"{index}-{action['name']}")  # required by τ²-bench
    outcome = data.pop("outcome", None)
    collected = data.pop("collected", None) or {}
    basis = [b for b in criteria.reward_basis if b not in _OURS_ONLY]
    assertions = [f"{_COLLECTED}{name} = {value!r}." for name, value in collected.items()]
    if outcome is not None:
        assertions.append(_OUTCOME_WORDS.get(outcome, f"The conversation ended with {outcome}."))
    if assertions:
        data["nl_assertions"] = [*(criteria.nl_assertions or []), *assertions]
    if assertions and len(basis) < len(criteria.reward_basis) and "NL_ASSERTION" not in basis:
        basis.append("NL_ASSERTION")  # an outcome that gates here gates there as its assertion
    data["reward_basis"] = basis or ["DB"]
    return data


_NOTES = ("title", "difficulty", "reward_basis")


def restored(item: Any) -> Any:
    """A task as ``to_tau2`` wrote it, with our fields back (any other value as it is): ``title``,
    ``difficulty`` and ``opening`` out of ``description.notes``, the outcome and the collected
    values out of their NL assertions."""
    if not isinstance(item, dict) or any(k in item for k in ("title", "difficulty", "opening")):
        return item
    description = item.get("description")
    if not isinstance(description, dict) or not isinstance(description.get("notes"), str):
        return item
    notes: str = description["notes"]
    kept, ours = _split_notes(notes)
    if not ours:
        return item
    basis = ours.pop("reward_basis", None)
    item = {**item, **ours, "description": {**description, "notes": kept}}
    criteria = item.get("evaluation_criteria")
    if isinstance(criteria, dict) and "outcome" not in criteria:
        criteria = _outcome_back(criteria)
        if basis is not None:
            criteria = {**criteria, "reward_basis": basis.split(", ")}
        item["evaluation_criteria"] = criteria
    return item


def _split_notes(notes: str) -> tuple[str | None, dict[str, str]]:
    """(the notes that are not ours, our fields) of ``to_tau2``'s notes."""
    head, found, opening = notes.partition("opening: ")
    ours = {"opening": opening} if found and (not head or head.endswith("\n")) else {}
    if not ours:
        head = notes
    lines = head.rstrip("\n").split("\n") if head.strip() else []
    while lines and ": " in lines[-1] and lines[-1].split(": ", 1)[0] in _NOTES:
        key, value = lines.pop().split(": ", 1)
        ours.setdefault(key, value)
    return "\n".join(lines) or None, ours


def _outcome_back(criteria: dict[str, Any]) -> dict[str, Any]:
    """The outcome and the collected values NL assertions of ``to_tau2`` stand for, back as
    ``outcome`` and ``collected``."""
    words = {sentence: outcome for outcome, sentence in _OUTCOME_WORDS.items()}
    assertions = criteria.get("nl_assertions") or []
    said = [a for a in assertions if a in words]
    collected = dict(filter(None, map(_collected_back, assertions)))
    if len(said) != 1 and not collected:
        return criteria
    criteria = {**criteria}
    if len(said) == 1:
        criteria["outcome"] = words[said[0]]
    if collected:
        criteria["collected"] = collected
    left = [a for a in assertions if a not in said[:1] and _collected_back(a) is None]
    return {**criteria, "nl_assertions": left or None}


def _collected_back(assertion: Any) -> tuple[str, Any] | None:
    """(field, value) of a ``collected`` NL assertion ``to_tau2`` wrote, else None."""
    if not isinstance(assertion, str) or not assertion.startswith(_COLLECTED):
        return None
    name, equals, value = assertion.removeprefix(_COLLECTED).removesuffix(".").partition(" = ")
    if not equals or not name.isidentifier():
        return None
    try:
        return name, ast.literal_eval(value)
    except (ValueError, SyntaxError, MemoryError, RecursionError):
        return None
