"""The offline bank agent on τ²-bench-style openings: the customer's first message says why
they call and who they are ("I'm Marcus Vasquez, DOB 02/13/1989, zip code 53712"), as an LLM
user simulator given the task's instructions writes it. The agent verifies them with what they
said (never asking again), calls the tools and finishes the task; a request it cannot place is
asked about once in other words and then handed to a person — it never goes round in circles."""

from __future__ import annotations

import re
from datetime import date

import pytest

from aiconv.agents.task_user.replies import first_person
from aiconv.simulation.grading import grade
from aiconv.simulation.tasks import Task
from tests.environments.conversation import Ran, run_task
from tests.environments.test_offline_banking import TASKS

IDENTIFIED = sorted(
    task_id
    for task_id, task in TASKS.items()
    if isinstance(task.instructions.known_info, dict)
    and {"full_name", "date_of_birth", "zip_code"} <= set(task.instructions.known_info)
)


def introduced(task: Task, reason: str) -> Task:
    """``task`` whose customer opens with ``reason`` and their identity, τ²-style."""
    known = task.instructions.known_info
    assert isinstance(known, dict)
    born = date.fromisoformat(known["date_of_birth"])
    who = f"I'm {known['full_name']}, DOB {born:%m/%d/%Y}, zip code {known['zip_code']}."
    return task.model_copy(update={"opening": f"Hi there. {reason} {who}"})


def assert_verified_from_the_opening(task: Task, ran: Ran) -> None:
    """When the task needs the caller verified, the first tool call verifies them with the
    details of the opening; no agent message asks for any of them."""
    known = task.instructions.known_info
    assert isinstance(known, dict)
    actions = task.evaluation_criteria.actions or ()
    if any(action.name == "verify_identity" for action in actions):
        first = ran.state.tools[0].called
        assert first.tool == "verify_identity", ran.transcript()
        assert dict(first.arguments) == {k: known[k] for k in first.arguments}, ran.transcript()
    refused = [
        a for a in ran.state.tools if a.returned and '"verified": false' in a.returned.content
    ]
    asking = [line for line in ran.agent_lines if "full name" in line or "date of birth" in line]
    assert refused or not asking, ran.transcript()  # asked again only when they did not match


@pytest.mark.parametrize("task_id", IDENTIFIED)
async def test_a_tau_style_opening_is_verified_at_once_and_the_task_is_done(task_id: str) -> None:
    """The task's own opening followed by "I'm NAME, DOB mm/dd/yyyy, zip code Z." (the agent
    used to read no name after "I'm" and ask for it forever)."""
    task = introduced(TASKS[task_id], TASKS[task_id].opening or "")
    ran = await run_task(task, agent="bank-agent:mistakes=0")
    assert ran.state.ended is not None
    assert ran.state.ended.reason == task.evaluation_criteria.outcome, ran.transcript()
    assert ran.reached == ran.expected, ran.transcript()
    assert grade(ran.state, task, ran.domain, agent="agent").verdict.passed
    assert_verified_from_the_opening(task, ran)
    assert_says_nothing_twice_at_once(ran)


def assert_says_nothing_twice_at_once(ran: Ran) -> None:
    """No agent message says the same sentence twice (a balance asked for again was told twice
    in one message: once for the first request, once for the second)."""
    for line in ran.agent_lines:
        sentences = [s.strip() for s in re.split(r"(?<=[.?!])\s+", line) if s.strip()]
        assert len(sentences) == len(set(sentences)), ran.transcript()


@pytest.mark.parametrize("task_id", IDENTIFIED)
async def test_the_instructions_as_the_opening_are_understood(task_id: str) -> None:
    """The brief's reason for calling, in the first person ("Harbor Hardware charged me
    $128.50 for a ladder priced at $98.50. I want the $30.00 difference back."), as the
    opening: the agent used to greet again and loop on ten of these."""
    task = TASKS[task_id]
    task = introduced(task, first_person(task.instructions.reason_for_call))
    ran = await run_task(task, agent="bank-agent:mistakes=0")
    assert ran.state.ended is not None
    assert ran.state.ended.reason == task.evaluation_criteria.outcome, ran.transcript()
    assert ran.reached == ran.expected, ran.transcript()
    assert_verified_from_the_opening(task, ran)
    assert_says_nothing_twice_at_once(ran)


async def test_a_request_it_cannot_place_is_asked_about_once_then_handed_over() -> None:
    """A customer whose words the desk knows nothing of gets one question in other words, then
    a person; the agent never repeats itself."""
    task = introduced(TASKS[IDENTIFIED[0]], "Something odd is going on with my thingamajig.")
    brief = task.instructions.model_copy(update={"reason_for_call": "Your thingamajig is odd."})
    scenario = task.user_scenario.model_copy(update={"instructions": brief})
    task = task.model_copy(update={"user_scenario": scenario})
    ran = await run_task(task, agent="bank-agent:mistakes=0", max_turns=20)
    assert ran.state.ended is not None and ran.state.ended.reason == "transferred"
    calls = [activity.called.tool for activity in ran.state.tools]
    assert calls == ["verify_identity", "transfer_to_human"], ran.transcript()
    assert len(ran.agent_lines) == len(set(ran.agent_lines)), ran.transcript()
