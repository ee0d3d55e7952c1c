"""The ``agent_design`` domain: the environment of the agent designer flow's task suites.

It has no tools and an empty state: what a flow does is collect data, which lives in the log as
its ``FieldsExtracted``/``StageEntered`` events, and its tasks are graded on that data
(``evaluation_criteria.collected``, reward basis ``COLLECTED``). The domain gives the suite its
policy and its shipped tasks (``examples/flows/tasks.toml`` holds the same ones), so the task
machinery — the simulated user following hidden information, the grader, the report — works for
flows unchanged. Registered as the ``agent_design`` entry point of ``aiconv.domains``.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from aiconv.environments.domain import Domain

POLICY = (
    "You design AI agents with your user: learn the agent's type, goals and tone, whether it "
    "needs tools and how each is set up, read the design back for confirmation, name it, and "
    "hand over its specification. Ask one thing at a time; confirm what you are unsure of."
)


class DesignState(BaseModel):
    """Nothing: a design's data is what the flow collected, folded from the log."""

    model_config = ConfigDict(extra="forbid")


def agent_design_domain() -> Domain:
    """The domain (no tools, an empty state)."""
    return Domain(
        name="agent_design",
        state_type=DesignState,
        tools=(),
        policy=POLICY,
        initial_state=DesignState,
    )
