"""The banking tasks end to end with no key: ``bank-agent`` against ``task-user`` on the real
conductor, the environment rebuilt from the log and compared with each task's expected state."""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from decimal import Decimal

import pytest

from aiconv.agents.catalog import default_registry
from aiconv.environments.banking import BankState, banking_domain
from aiconv.environments.banking.agent import MISTAKES, planned_mistakes
from aiconv.errors import UnknownAgent
from aiconv.simulation.grading import grade
from aiconv.simulation.said import fact_said
from aiconv.simulation.tasks import Task, tasks_of
from tests.environments.conversation import Ran, run_task

TASKS = {task.id: task for task in tasks_of(list(banking_domain().task_files))}


def said(fact: str, lines: list[str]) -> bool:
    """Whether the agent said ``fact`` (as the grader reads it: $1,288.65 is 1288.65)."""
    return any(fact_said(fact, line) for line in lines)


def passed(task: Task, ran: Ran) -> bool:
    """The task grader's verdict on the conversation."""
    return grade(ran.state, task, ran.domain, agent="agent").verdict.passed


#: Words an agent's question uses for each fact (independent of the task user's own reading).
ASKED_BY = {
    "full_name": "name",
    "date_of_birth": "birth",
    "zip_code": "zip",
    "card_last4": "digits",
    "delivery_address": "send",
    "account": "account",
}


def assert_discreet(task: Task, ran: Ran) -> None:
    """The customer gives a known fact only right after the agent asked for it, and says no
    number it was not given (so nothing of the unknown information)."""
    known = task.instructions.known_info
    assert isinstance(known, dict)
    messages = ran.state.messages
    for before, message in itertools.pairwise(messages):
        if message.sender != "customer" or message.sequence == ran.customer_first:
            continue
        for key, value in known.items():
            if value in message.content:
                word = ASKED_BY.get(key, key.split("_")[-1])
                assert before.sender == "agent" and word in before.content.lower(), (
                    f"{task.id}: {key} given unasked in {message.content!r}"
                )
        for number in re.findall(r"\d{4,}", message.content):
            assert any(number in v for v in known.values()), (task.id, number)


@pytest.mark.parametrize("task_id", sorted(TASKS))
async def test_the_careful_agent_completes_every_task(task_id: str) -> None:
    """mistakes=0: the end state is the expected one, every fact is told, the customer ends
    with the signal of the outcome, and gives away nothing unasked."""
    task = TASKS[task_id]
    ran = await run_task(task, agent="bank-agent:mistakes=0")
    assert ran.reached == ran.expected, ran.transcript()
    for fact in task.evaluation_criteria.communicate_info or ():
        assert said(fact, ran.agent_lines), (fact, ran.transcript())
    assert ran.state.ended is not None
    assert ran.state.ended.reason == task.evaluation_criteria.outcome
    graded = grade(ran.state, task, ran.domain, agent="agent")
    assert graded.verdict.passed
    assert all(c.passed is not False for c in graded.criteria), graded.criteria
    assert_discreet(task, ran)


def bank(ran: Ran) -> BankState:
    assert isinstance(ran.reached, BankState)
    return ran.reached


def card(ran: Ran, card_id: str) -> tuple[str, str | None]:
    found = bank(ran).cards[card_id]
    return found.status, found.block_reason


Check = Callable[[Ran], bool]
#: (task, mistake, what the reached state or the transcript shows).
SYMPTOMS: list[tuple[str, str, Check]] = [
    (
        "lost-debit-card",
        "skip_verification",
        lambda ran: bank(ran).session.verified_customer_id is None,
    ),
    ("lost-card-which-one", "wrong_card", lambda ran: card(ran, "card-0004") == ("active", None)),
    (
        "stolen-card-block-only",
        "wrong_reason",
        lambda ran: card(ran, "card-0015") == ("blocked", "lost"),
    ),
    (
        "dispute-wrong-amount",
        "wrong_amount",
        lambda ran: bank(ran).disputes["DSP-1001"].amount == Decimal("128.50"),
    ),
    (
        "replacement-unverified-address",
        "unverified_address",
        lambda ran: bank(ran).replacements["RPL-0001"].address_id == "addr-0010",
    ),
    (
        "lost-debit-card",
        "forget_fact",
        lambda ran: (
            ran.reached == ran.expected and not said("5 to 7 business days", ran.agent_lines)
        ),
    ),
    ("loan-enquiry", "no_transfer", lambda ran: not bank(ran).handoffs),
    ("dispute-too-old", "ignore_policy", lambda ran: len(bank(ran).disputes) == 1),
]


@pytest.mark.parametrize("seed", range(5))
async def test_a_caller_who_fails_verification_three_times_is_transferred_whatever_the_seed(
    seed: int,
) -> None:
    """The lock-out task needs a third attempt: the caller giving the same details again when
    asked is an answer, never ended as a loop before the agent can transfer to security."""
    task = TASKS["banking-verification-locked"]
    ran = await run_task(task, agent="bank-agent:mistakes=0", seed=seed)
    assert ran.state.ended is not None
    assert ran.state.ended.reason == "transferred", ran.transcript()
    assert passed(task, ran)


@pytest.mark.parametrize(
    ("task_id", "mistake", "symptom"), SYMPTOMS, ids=[f"{m}-{t}" for t, m, _ in SYMPTOMS]
)
async def test_each_mistake_fails_its_task_for_its_reason(
    task_id: str, mistake: str, symptom: Check
) -> None:
    task = TASKS[f"banking-{task_id}"]
    ran = await run_task(task, agent=f"bank-agent:mistakes=1,kinds={mistake}")
    assert not passed(task, ran)
    assert symptom(ran), ran.transcript()


async def test_a_careless_agent_fails_only_where_it_made_a_mistake() -> None:
    """mistakes=0.3: some tasks fail, and every failure is one where the seed planned a
    mistake (none fails for another reason)."""
    failed, excused = [], []
    for task in TASKS.values():
        cid = f"careless-{task.id}"
        ran = await run_task(task, agent="bank-agent:mistakes=0.3,seed=11", conversation_id=cid)
        if not passed(task, ran):
            failed.append(task.id)
            if planned_mistakes(0.3, 11, cid):
                excused.append(task.id)
    assert len(failed) >= 5
    assert failed == excused
    assert len(failed) < len(TASKS)


async def test_the_same_seed_plays_the_same_conversation() -> None:
    task = TASKS["banking-replacement-unverified-address"]

    def trace(ran: Ran) -> list[tuple[str, str]]:
        lines = [(m.sender, m.content) for m in ran.state.messages]
        return lines + [(t.called.tool, str(dict(t.called.arguments))) for t in ran.state.tools]

    agent = "bank-agent:mistakes=0.5,seed=3"
    first = await run_task(task, agent=agent, user="task-user:seed=5")
    again = await run_task(task, agent=agent, user="task-user:seed=5")
    assert trace(first) == trace(again)


def test_planned_mistakes_follow_the_rate_and_the_seed() -> None:
    assert planned_mistakes(0.0, 1, "c") == frozenset()
    assert planned_mistakes(1.0, 1, "c") == frozenset(MISTAKES)
    drawn = [planned_mistakes(0.2, 1, f"c{i}") for i in range(500)]
    share = sum(len(d) for d in drawn) / (500 * len(MISTAKES))
    assert 0.15 < share < 0.25
    assert drawn == [planned_mistakes(0.2, 1, f"c{i}") for i in range(500)]
    assert planned_mistakes(1.0, 1, "c", ("wrong_card",)) == {"wrong_card"}


@pytest.mark.parametrize(
    ("agent_id", "message"),
    [
        ("bank-agent:mistakes=2", "mistakes must be a rate from 0 to 1"),
        ("bank-agent:mistakes=nan", "mistakes must be a rate from 0 to 1"),
        ("bank-agent:mistakes=lots", "bad option value"),
        ("bank-agent:seed=1.5", "seed must be a whole number"),
        ("bank-agent:kinds=typo", "unknown mistake 'typo'"),
        ("bank-agent:colour=red", "unknown option 'colour'"),
        ("task-user:seed=abc", "seed must be a whole number"),
        ("task-user:mistakes=1", "unknown option 'mistakes'"),
    ],
)
def test_bad_agent_options_are_refused_before_anything_runs(agent_id: str, message: str) -> None:
    registry = default_registry()
    spec = registry.resolve(agent_id)
    with pytest.raises(UnknownAgent, match=re.escape(message)):
        registry.preflight(spec)


def test_the_offline_agents_are_registered_and_need_no_key() -> None:
    registry = default_registry()
    bank, user = registry.vendor("bank-agent"), registry.vendor("task-user")
    assert bank.offline and user.offline
    assert registry.build(registry.resolve("bank-agent:mistakes=0.2,seed=7"), {}).name == (
        "bank-agent"
    )
    registry.check_tools(registry.resolve("bank-agent"))
    with pytest.raises(Exception, match="cannot call tools"):
        registry.check_tools(registry.resolve("task-user"))


async def test_a_caller_who_needs_nothing_else_is_said_goodbye_not_asked_again() -> None:
    """A person (not the task user, who ends with a signal) answers "anything else?" with a
    no: the agent closes the call instead of asking the same question again (the README's
    offline agent "never repeats a question"), and the goodbyes end it (reason ``closing``)."""
    import aiconv
    from aiconv.testing import ScriptedProvider

    caller = ScriptedProvider(
        [
            "Hi, I lost my debit card. I'm Marcus Abernathy, born 1989-07-28, ZIP code 31496.",
            "Yes please.",
            "Yes.",
            "No, that is all, thanks.",
            "Thanks, bye!",
        ]
    )
    async with aiconv.open_log("memory://") as log:
        result = await aiconv.run_conversation(
            log,
            participants=[
                aiconv.Participant("caller", provider=caller),
                aiconv.Participant("agent", "bank-agent:mistakes=0", tools=["env:banking"]),
            ],
            topic="I lost my card",
            max_turns=14,
            env={},
        )
    lines = [m.content for m in result.state.messages if m.sender == "agent"]
    transcript = "\n".join(f"{m.sender}: {m.content}" for m in result.state.messages)
    assert len(lines) == len(set(lines)), transcript
    assert result.ended is not None and result.ended.reason == "closing", transcript
    assert "goodbye" in lines[-1].lower(), transcript


async def talk_to_the_bank_agent(agent: str, lines: list[str], max_turns: int) -> list[str]:
    """The agent's messages to a caller who says ``lines`` in order (a person at the seat)."""
    import aiconv
    from aiconv.testing import ScriptedProvider

    async with aiconv.open_log("memory://") as log:
        result = await aiconv.run_conversation(
            log,
            participants=[
                aiconv.Participant("caller", provider=ScriptedProvider(lines)),
                aiconv.Participant("agent", agent, tools=["env:banking"]),
            ],
            topic="I lost my card",
            max_turns=max_turns,
            env={},
        )
    return [m.content for m in result.state.messages if m.sender == "agent"]


async def test_a_detail_still_missing_is_asked_for_alone_and_never_in_the_same_words() -> None:
    """Asked for name and ZIP code (or name, birth date and ZIP code), a caller who gives only
    some is asked for the rest, and one who does not give it is asked again in other words:
    the agent never repeats its question word for word (which the loop detector ends)."""
    looked_up = await talk_to_the_bank_agent(
        "bank-agent:mistakes=1,kinds=skip_verification",
        ["Hi, I lost my card", "Marcus Abernathy"],
        4,
    )
    assert looked_up[-1] == "Thank you. Could you also tell me your ZIP code?", looked_up
    verified = await talk_to_the_bank_agent(
        "bank-agent:mistakes=0",
        ["Hi, I lost my card", "Marcus Abernathy, 31496", "Hm, let me find it.", "1989-07-28"],
        8,
    )
    assert verified[1:3] == [
        "Thank you. Could you also tell me your date of birth?",
        "I'm sorry, I still need your date of birth before I can go on.",
    ], verified
    assert "blocked your card ending 6148" in verified[3], verified


async def test_a_charge_it_cannot_find_is_told_once_and_a_yes_to_anything_else_is_asked_what() -> (
    None
):
    """Told that a charge cannot be found, a caller who answers "anything else?" with a yes is
    asked what else, not told about the charge again (which the loop detector ended)."""
    lines = await talk_to_the_bank_agent(
        "bank-agent:mistakes=0",
        [
            "Hi, I'm Marcus Abernathy, born 1989-07-28, zip 31496. I was charged twice.",
            "It was the coffee shop",
            "yes",
            "What's my balance?",
            "My savings account, please.",
            "No, that's it.",
            "Bye!",
        ],
        16,
    )
    assert sum("can't find that charge" in line for line in lines) == 1, lines
    assert "savings account ending" in lines[4] and "balance of" in lines[4], lines
    assert lines[2] == "Of course. How can I help?", lines
    assert "goodbye" in lines[-1].lower(), lines
