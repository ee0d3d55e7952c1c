"""The τ²-bench task fields aiconv reads but does not carry out, refused when a task loads.

aiconv grades an environment by its end state (``DB``), the actions, the facts told, the
outcome and NL assertions. τ²-bench's environment assertions (``env_assertions``,
``ENV_ASSERTION``), a conversation that starts mid-way (``message_history``) and a user-side
environment (``user_data``, ``env_type = "user"``) have no counterpart here: ignoring them would
grade a task other than the one written (a reward basis of ``ENV_ASSERTION`` alone passed every
conversation), so a task that uses them is an error. Empty or null values are no use.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from aiconv.simulation.tasks import Task

#: A field's path inside a task, as ``locate`` numbers lines.
Field = tuple[str | int, ...]


def unsupported(task: Task) -> tuple[Field, str] | None:
    """The first field of ``task`` that aiconv cannot carry out, and why; ``None`` if none."""
    criteria = task.evaluation_criteria
    if criteria.env_assertions:
        return ("evaluation_criteria", "env_assertions"), _ENV_ASSERTIONS
    if "ENV_ASSERTION" in criteria.reward_basis:
        return ("evaluation_criteria", "reward_basis"), _ENV_ASSERTIONS
    init = task.initial_state
    if init is None:
        return None
    if init.message_history:
        return ("initial_state", "message_history"), (
            "a task that starts from an earlier conversation is not supported"
        )
    if init.initialization_data and init.initialization_data.user_data:
        return ("initial_state", "initialization_data", "user_data"), _USER_ENVIRONMENT
    for index, call in enumerate(init.initialization_actions or ()):
        if call.env_type == "user":
            return ("initial_state", "initialization_actions", index, "env_type"), (
                _USER_ENVIRONMENT
            )
    return None


_ENV_ASSERTIONS = (
    "environment assertions (ENV_ASSERTION) are not supported: grade the end state with "
    '"DB" and reference actions'
)
_USER_ENVIRONMENT = "a user-side environment is not supported: domains here have one state"
