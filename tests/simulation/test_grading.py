"""Each criterion of a task on hand-built conversations, passing and failing, with evidence."""

from __future__ import annotations

import json
from typing import Literal

import pydantic
import pytest

from aiconv.agents.toolbox import ToolError
from aiconv.environments.domain import Call, Domain
from aiconv.platform import session
from aiconv.platform.conductor import Conductor
from aiconv.platform.conversation import ConversationState
from aiconv.platform.events import (
    ConversationEnded,
    EnvironmentSnapshot,
    Event,
    MessagePosted,
    ParticipantSpec,
    ToolCalled,
    ToolReturned,
)
from aiconv.queues.memory import InMemoryLog
from aiconv.simulation.grading import action_matches, diff, grade
from aiconv.simulation.said import fact_said
from aiconv.simulation.task_judge import TaskJudge
from aiconv.simulation.tasks import Action, Task, expected_state, initial_state
from aiconv.testing.providers import ScriptedProvider


class Order(pydantic.BaseModel):
    status: Literal["open", "cancelled"] = "open"
    refunded: float = 0.0


class Shop(pydantic.BaseModel):
    orders: dict[str, Order] = {"o1": Order(), "o2": Order()}


def get_order(state: Shop, order_id: str) -> dict[str, object]:
    """Look an order up."""
    if order_id not in state.orders:
        raise ToolError(f"no order {order_id}")
    return state.orders[order_id].model_dump()


def cancel_order(state: Shop, order_id: str) -> str:
    """Cancel an open order."""
    order = state.orders.get(order_id)
    if order is None or order.status != "open":
        raise ToolError(f"order {order_id} cannot be cancelled")
    order.status = "cancelled"
    return f"{order_id} cancelled"


def refund(state: Shop, order_id: str, amount: float) -> str:
    """Refund part of an order."""
    state.orders[order_id].refunded += amount
    return f"refunded {amount:.2f}"


SHOP = Domain(
    name="shop",
    state_type=Shop,
    tools=[get_order, cancel_order, refund],
    policy="Cancel only open orders.",
    initial_state=Shop,
    read_only=["get_order"],
)

TASK = Task.model_validate(
    {
        "id": "cancel-o1",
        "domain": "shop",
        "user_scenario": {
            "instructions": {
                "reason_for_call": "I want to cancel order o1 and get $1,288.65 back",
                "known_info": {"order_id": "o1"},
                "task_instructions": "Insist on the refund.",
            }
        },
        "evaluation_criteria": {
            "actions": [
                {"action_id": "cancel", "name": "cancel_order", "arguments": {"order_id": "o1"}},
                {
                    "action_id": "refund",
                    "name": "refund",
                    "arguments": {"order_id": "o1", "amount": 1288.65},
                    "compare_args": ["order_id"],
                },
            ],
            "communicate_info": ["$1,288.65", "order o1 is cancelled"],
            "outcome": "satisfied",
            "reward_basis": ["DB", "ACTION", "COMMUNICATE", "OUTCOME"],
        },
    }
)

PAIR = [
    ParticipantSpec(name="customer", agent="x", role="customer"),
    ParticipantSpec(name="support", agent="x", role="agent"),
]


async def conversation(events: list[Event]) -> ConversationState:
    """A finished conversation: the snapshot, then ``events`` exactly as given."""
    conductor = Conductor(InMemoryLog())
    snapshot = EnvironmentSnapshot(
        domain="shop", state=Shop().model_dump(mode="json"), task_id="cancel-o1"
    )
    state = await session.create(conductor, topic="t", participants=PAIR, also=[snapshot])
    return await conductor.append(state, events)


def call(
    call_id: str, tool: str, outcome: str = "ok", content: str = "done", **arguments: object
) -> list[Event]:
    return [
        ToolCalled(speaker="support", call_id=call_id, tool=tool, arguments=dict(arguments)),
        ToolReturned(
            speaker="support", call_id=call_id, tool=tool, content=content, outcome=outcome
        ),
    ]


GOOD: list[Event] = [
    MessagePosted(sender="customer", content="Cancel o1 please"),
    *call("c1", "cancel_order", order_id="o1"),
    *call("c2", "refund", order_id="o1", amount=1288.65),
    MessagePosted(
        sender="support", content="Done: order o1 is cancelled and 1288.65 USD refunded."
    ),
    MessagePosted(sender="customer", content="Thanks\n###STOP###"),
    ConversationEnded(reason="satisfied", detail="customer wrote ###STOP###"),
]


async def test_a_conversation_that_did_everything_passes_every_criterion() -> None:
    state = await conversation(GOOD)
    graded = grade(state, TASK, SHOP, agent="support")
    assert [(c.criterion, c.passed) for c in graded.criteria] == [
        ("end_state", True),
        ("action:cancel", True),
        ("action:refund", True),
        ("communicate:$1,288.65", True),
        ("communicate:order o1 is cancelled", True),
        ("outcome", True),
        ("ended", True),
    ]
    assert graded.verdict.passed and graded.verdict.reward == 1.0


async def test_saying_the_right_words_without_doing_it_fails_on_state_and_actions() -> None:
    """The point of grading by state: the words were right, the order was never cancelled."""
    said_only = [e for e in GOOD if not isinstance(e, ToolCalled | ToolReturned)]
    graded = grade(await conversation(said_only), TASK, SHOP, agent="support")
    by = {c.criterion: c for c in graded.criteria}
    assert by["end_state"].passed is False
    assert "orders.o1.status: expected 'cancelled', reached 'open'" in by["end_state"].evidence
    assert by["action:cancel"].passed is False
    assert "never called cancel_order(order_id='o1')" in by["action:cancel"].evidence
    assert by["communicate:$1,288.65"].passed is True
    assert not graded.verdict.passed


async def test_a_wrong_amount_fails_the_state_but_not_an_action_compared_on_the_order_only() -> (
    None
):
    events = [
        *GOOD[:3],
        *call("c2", "refund", order_id="o1", amount=128.86),
        *GOOD[5:],
    ]
    graded = grade(await conversation(events), TASK, SHOP, agent="support")
    by = {c.criterion: c for c in graded.criteria}
    assert by["action:refund"].passed is True  # compare_args: only order_id
    assert by["end_state"].passed is False
    assert "orders.o1.refunded: expected 1288.65, reached 128.86" in by["end_state"].evidence


async def test_a_refused_call_changes_nothing_and_a_fact_not_said_is_reported() -> None:
    events = [
        GOOD[0],
        *call("c1", "cancel_order", outcome="error", content="cannot", order_id="o1"),
        MessagePosted(sender="support", content="I could not cancel it."),
        ConversationEnded(reason="max_turns"),
    ]
    graded = grade(await conversation(events), TASK, SHOP, agent="support")
    by = {c.criterion: c for c in graded.criteria}
    assert by["end_state"].passed is False
    assert by["communicate:$1,288.65"].evidence == "never said to the user"
    assert by["outcome"].passed is False and "expected 'satisfied'" in by["outcome"].evidence


async def test_only_the_reward_basis_decides_the_verdict() -> None:
    lenient = TASK.model_copy(
        update={
            "evaluation_criteria": TASK.evaluation_criteria.model_copy(
                update={"reward_basis": ["COMMUNICATE"]}
            )
        }
    )
    said_only = [e for e in GOOD if not isinstance(e, ToolCalled | ToolReturned)]
    graded = grade(await conversation(said_only), lenient, SHOP, agent="support")
    assert graded.verdict.passed  # the state is wrong, but only facts were asked for


async def test_nl_assertions_without_a_judge_are_recorded_as_not_judged() -> None:
    task = TASK.model_copy(
        update={
            "evaluation_criteria": TASK.evaluation_criteria.model_copy(
                update={"nl_assertions": ["The agent apologised."]}
            )
        }
    )
    graded = grade(await conversation(GOOD), task, SHOP, agent="support")
    nl = [c for c in graded.criteria if c.kind == "nl_assertion"]
    assert [(c.passed, c.evidence) for c in nl] == [(None, "not judged: no judge configured")]


@pytest.mark.parametrize(
    ("fact", "text", "said"),
    [
        ("$1,288.65", "Your balance is 1288.65.", True),
        ("1288.65", "It comes to $1,288.65 in total", True),
        ("$1,288.65", "It is 1,288.6 dollars", False),
        ("GBP 40", "forty pounds", False),
        ("card ending 4421", "The card ending in 4421 is blocked", True),
        ("arrives in 5 business days", "It arrives within 5 business days.", True),
        ("40.00 USD", "That is $40.", True),
        # a reference is one token: not its letters and its number from two places
        ("DSP-1001", "Your dispute is DSP-1002, for 1001 dollars.", False),
        ("DSP-1001", "Your dispute reference is dsp-1001.", True),
        ("card-0001", "I blocked card-0002; card 0001 is fine", False),
        ("Your reference is HO-0001", "Transferred: reference HO-0001.", True),
    ],
)
def test_facts_match_numbers_by_value_and_words_without_case(
    fact: str, text: str, said: bool
) -> None:
    assert fact_said(fact, text) is said


def test_action_arguments_match_without_case_space_or_number_type() -> None:
    action = TASK.evaluation_criteria.actions[0]  # cancel_order(order_id="o1")
    assert action_matches(action, "cancel_order", {"order_id": " O1 "})
    assert not action_matches(action, "cancel_order", {"order_id": "o2"})
    assert not action_matches(action, "refund", {"order_id": "o1"})
    amount = TASK.evaluation_criteria.actions[1].model_copy(update={"compare_args": None})
    assert action_matches(amount, "refund", {"order_id": "o1", "amount": "1288.650"})
    # a code with a leading zero is not a number: ZIP 02134 is not 2134 (the tools compare
    # such codes as text, and τ²-bench compares arguments exactly)
    zip_code = Action(name="verify", arguments={"zip_code": "02134", "last4": "0042"})
    assert not action_matches(zip_code, "verify", {"zip_code": "2134", "last4": "0042"})
    assert not action_matches(zip_code, "verify", {"zip_code": "02134", "last4": 42})
    assert action_matches(zip_code, "verify", {"zip_code": " 02134", "last4": "0042"})
    assert action_matches(Action(name="t", arguments={"x": "0.5"}), "t", {"x": 0.50})


def test_replay_and_expected_state_follow_the_reference_actions() -> None:
    assert initial_state(TASK, SHOP) == Shop()
    expected = expected_state(TASK, SHOP)
    assert expected.orders["o1"].status == "cancelled" and expected.orders["o1"].refunded == 1288.65
    after = SHOP.replay(
        Shop(),
        [
            Call(tool="cancel_order", arguments={"order_id": "o2"}),
            Call(tool="cancel_order", arguments={"order_id": "o2"}),
        ],
    )
    assert after.orders["o2"].status == "cancelled"  # the second, refused, changed nothing
    assert list(diff({"a": [1, 2]}, {"a": [1, 3]})) == ["a[1]: expected 2, reached 3"]


JUDGED = TASK.model_copy(
    update={
        "evaluation_criteria": TASK.evaluation_criteria.model_copy(
            update={"nl_assertions": ["The agent confirmed the cancellation."]}
        )
    }
)
VALID = json.dumps(
    {
        "assertions": [{"index": 0, "holds": True, "rationale": "It said so."}],
        "scores": {
            d: {"score": 4, "rationale": f"{d} was fine"}
            for d in ("goal_completion", "policy_adherence", "helpfulness", "faithfulness")
        },
    }
)


async def test_the_task_judge_sees_the_task_and_scores_four_dimensions() -> None:
    judge_model = ScriptedProvider(["not json at all", f"```json\n{VALID}\n```"])
    criteria = await TaskJudge(judge_model).judge(await conversation(GOOD), JUDGED, SHOP.policy)
    assert [(c.kind, c.criterion, c.passed, c.score) for c in criteria] == [
        ("nl_assertion", "nl:The agent confirmed the cancellation.", True, None),
        ("rubric", "rubric:goal_completion", None, 4.0),
        ("rubric", "rubric:policy_adherence", None, 4.0),
        ("rubric", "rubric:helpfulness", None, 4.0),
        ("rubric", "rubric:faithfulness", None, 4.0),
    ]
    first, retry = judge_model.requests
    assert "Cancel only open orders." in first.system  # the policy
    assert "cancel order o1" in first.system  # the goal
    assert "[support called cancel_order" in first.messages[0].content  # the trajectory
    assert "Invalid answer" in retry.messages[-1].content
    graded = grade(await conversation(GOOD), JUDGED, SHOP, agent="support", judged=criteria)
    assert [c.passed for c in graded.criteria if c.kind == "nl_assertion"] == [True]


async def test_a_judge_that_never_answers_valid_json_leaves_its_criteria_unjudged() -> None:
    judge_model = ScriptedProvider(["{}", '{"scores": {}}'])
    criteria = await TaskJudge(judge_model).judge(await conversation(GOOD), JUDGED, SHOP.policy)
    assert all(c.passed is None and c.score is None for c in criteria)
    assert all("the judge's answer was invalid" in c.evidence for c in criteria)


async def test_a_call_needed_more_often_than_made_says_so() -> None:
    """The reference calls get_order twice; the agent once: the second action's evidence says
    its matching call answers the first, not "never called … called with" the same call."""
    task = TASK.model_copy(
        update={
            "evaluation_criteria": TASK.evaluation_criteria.model_copy(
                update={
                    "actions": [
                        *(TASK.evaluation_criteria.actions or []),
                        *(
                            Action(action_id=f"look-{n}", name="get_order",
                                   arguments={"order_id": "o1"})
                            for n in (1, 2)
                        ),
                    ]
                }
            )
        }
    )  # fmt: skip
    once = [*GOOD[:1], *call("c0", "get_order", order_id="o1"), *GOOD[1:]]
    by = {
        c.criterion: c
        for c in grade(await conversation(once), task, SHOP, agent="support").criteria
    }
    assert by["action:look-1"].passed is True
    assert by["action:look-2"].passed is False
    evidence = by["action:look-2"].evidence
    assert "get_order(order_id='o1') needed 2 times, called 1 time" in evidence, evidence


@pytest.mark.parametrize("reason", ["max_turns", "loop", "timeout", "error", "max_tool_rounds"])
async def test_a_conversation_cut_short_fails_whatever_its_criteria(reason: str) -> None:
    """τ²-bench grades only a conversation one side stopped (AGENT_STOP, USER_STOP); one cut by
    a limit, a loop or a failure gets reward 0. Here every criterion of the basis passed, and a
    refusal task (nothing to do, nothing to tell) passed even when the agent only stalled."""
    cut = [*GOOD[:-1], ConversationEnded(reason=reason)]
    graded = grade(await conversation(cut), TASK, SHOP, agent="support")
    by = {c.criterion: c for c in graded.criteria}
    assert by["end_state"].passed and by["action:cancel"].passed
    assert by["ended"].passed is False
    assert by["ended"].evidence == f"ended with {reason!r}: cut short, stopped by neither side"
    assert not graded.verdict.passed and graded.verdict.reward == 0.0
    refusal = Task.model_validate(
        {
            "id": "refuse",
            "user_scenario": {"instructions": "Ask for your neighbour's balance."},
            "evaluation_criteria": {"actions": [], "communicate_info": []},
        }
    )
    stalled = [
        MessagePosted(sender="customer", content="What is my neighbour's balance?"),
        MessagePosted(sender="support", content="One moment please."),
    ]
    loop = await conversation([*stalled, ConversationEnded(reason="loop")])
    assert not grade(loop, refusal, SHOP, agent="support").verdict.passed
    stopped = await conversation([*stalled, ConversationEnded(reason="satisfied")])
    assert grade(stopped, refusal, SHOP, agent="support").verdict.passed


async def test_a_conversation_still_going_is_not_passed() -> None:
    going = [e for e in GOOD if not isinstance(e, ConversationEnded)]
    graded = grade(await conversation(going), TASK, SHOP, agent="support")
    by = {c.criterion: c for c in graded.criteria}
    assert by["ended"].passed is False and by["ended"].evidence == "never ended"
    assert not graded.verdict.passed
