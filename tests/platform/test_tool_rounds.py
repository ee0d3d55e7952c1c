"""Tool rounds inside a turn: every call and result recorded, in order, exactly once."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import pytest

from aiconv.agents.messages import ChatReply, ChatRequest, ToolCall, Usage
from aiconv.agents.toolbox import ToolCallContext
from aiconv.agents.tools.python import PythonTools, tool
from aiconv.platform import codec, session
from aiconv.platform.conductor import Conductor
from aiconv.platform.events import (
    AgentFailed,
    MessagePosted,
    ParticipantSpec,
    StopConfig,
    ToolCalled,
    ToolReturned,
    TurnClaimed,
)
from aiconv.queues.memory import InMemoryLog
from aiconv.testing.providers import FunctionProvider, ScriptedProvider, varied_text

PAIR = [ParticipantSpec(name="customer", agent="x"), ParticipantSpec(name="support", agent="x")]


def calls(
    *pairs: tuple[str, dict[str, Any]], text: str = "", call_ids: tuple[str, ...] = ()
) -> ChatReply:
    ids = call_ids or tuple(f"call_{name}_{i}" for i, (name, _) in enumerate(pairs))
    return ChatReply(
        content=text,
        model="m",
        usage=Usage(input_tokens=7, output_tokens=3),
        cost_usd=0.001,
        tool_calls=tuple(
            ToolCall(id=call_id, name=name, arguments=arguments)
            for call_id, (name, arguments) in zip(ids, pairs, strict=True)
        ),
    )


class Bank:
    """A tiny stateful tool set that counts its side effects."""

    def __init__(self) -> None:
        self.blocked: list[str] = []

    def tools(self) -> PythonTools:
        def lookup(card_id: str) -> dict[str, str]:
            """Look a card up."""
            return {
                "card_id": card_id,
                "status": "blocked" if card_id in self.blocked else "active",
            }

        def block_card(card_id: str) -> str:
            """Block a card."""
            self.blocked.append(card_id)
            return f"blocked {card_id}"

        def broken(x: int) -> str:
            """Always fails."""
            raise RuntimeError("the core banking system is down")

        return PythonTools([lookup, block_card, broken])


async def _run(
    support_steps: list[Any], tools: PythonTools, *, stop: StopConfig | None = None
) -> tuple[InMemoryLog, str, ScriptedProvider]:
    log = InMemoryLog()
    conductor = Conductor(log)
    state = await session.create(
        conductor, topic="lost card", participants=PAIR, stop=stop or StopConfig(max_turns=2)
    )
    support = ScriptedProvider(support_steps)
    customer = ScriptedProvider([varied_text(1), varied_text(3)])
    await asyncio.gather(
        conductor.play(state.conversation_id, "customer", customer),
        conductor.play(state.conversation_id, "support", support, tools=tools),
    )
    return log, state.conversation_id, support


async def _events(log: InMemoryLog, cid: str) -> list[Any]:
    return [r.event for r in codec.decode_all(await log.read(cid))]


async def test_a_turn_runs_two_rounds_then_posts_its_message() -> None:
    """Each round's calls are recorded before they run and each result after, then the message."""
    bank = Bank()
    steps = [
        calls(("lookup", {"card_id": "c1"}), text="Let me check."),
        calls(("block_card", {"card_id": "c1"})),
        "Your card is blocked.",
    ]
    log, cid, support = await _run(steps, bank.tools())
    events = await _events(log, cid)
    kinds = [type(e).__name__ for e in events]
    assert kinds[3:] == [
        "TurnClaimed",
        "ToolCalled",
        "ToolReturned",
        "ToolCalled",
        "ToolReturned",
        "MessagePosted",
        "ConversationEnded",
    ]
    first, second = [e for e in events if isinstance(e, ToolCalled)]
    assert (first.round, first.text, first.input_tokens, first.cost_usd) == (
        1,
        "Let me check.",
        7,
        0.001,
    )
    assert (second.round, second.tool, second.arguments) == (2, "block_card", {"card_id": "c1"})
    results = [e for e in events if isinstance(e, ToolReturned)]
    assert [r.outcome for r in results] == ["ok", "ok"]
    assert results[0].content == '{"card_id": "c1", "status": "active"}'
    assert bank.blocked == ["c1"]
    # The model saw its own calls and their results, in the vendor-neutral shape, in round 2.
    round_two = support.requests[1].messages
    assert [m.role for m in round_two][-2:] == ["assistant", "tool"]
    assert round_two[-2].tool_calls[0].name == "lookup"
    assert round_two[-1].tool_results[0].content == results[0].content
    assert [s.name for s in support.requests[0].tools] == ["lookup", "block_card", "broken"]


async def test_several_calls_in_one_reply_are_recorded_in_one_append_then_run_in_order() -> None:
    bank = Bank()
    steps = [calls(("block_card", {"card_id": "a"}), ("block_card", {"card_id": "b"})), "Done."]
    log, cid, _ = await _run(steps, bank.tools())
    stored = await log.read(cid)
    called = [s for s in stored if s.kind == "ToolCalled"]
    assert [s.sequence for s in called] == [called[0].sequence, called[0].sequence + 1]
    assert bank.blocked == ["a", "b"]


async def test_a_tools_exception_and_bad_arguments_go_back_to_the_model_as_errors() -> None:
    steps = [
        calls(("broken", {"x": 1}), ("lookup", {"card": 5}), ("nope", {})),
        "Sorry, our systems are down.",
    ]
    log, cid, support = await _run(steps, Bank().tools())
    results = [e for e in await _events(log, cid) if isinstance(e, ToolReturned)]
    assert [(r.outcome, r.is_error) for r in results] == [("error", True)] * 3
    assert "the core banking system is down" in results[0].content
    assert "card_id" in results[1].content  # says which argument is missing
    assert "unknown tool 'nope'" in results[2].content
    posted = [e for e in await _events(log, cid) if isinstance(e, MessagePosted)]
    assert posted[-1].content == "Sorry, our systems are down."
    assert all(r.is_error for r in support.requests[1].messages[-1].tool_results)


async def test_arguments_that_are_not_a_json_object_are_answered_without_running() -> None:
    bank = Bank()
    bad = ChatReply(
        content="",
        model="m",
        tool_calls=(ToolCall(id="c", name="block_card", error="Expecting value: line 1"),),
    )
    log, cid, _ = await _run([bad, "ok"], bank.tools())
    returned = [e for e in await _events(log, cid) if isinstance(e, ToolReturned)]
    assert returned[0].outcome == "error" and "not a JSON object" in returned[0].content
    assert bank.blocked == []


async def test_a_slow_tool_times_out_and_the_conversation_goes_on() -> None:
    async def wait_forever(reason: str) -> str:
        """Never answers."""
        await asyncio.Event().wait()
        return reason

    steps = [calls(("wait_forever", {"reason": "x"})), "It timed out."]
    stop = StopConfig(max_turns=2, tool_timeout_s=0.05)
    log, cid, _ = await _run(steps, PythonTools([wait_forever]), stop=stop)
    returned = [e for e in await _events(log, cid) if isinstance(e, ToolReturned)]
    assert returned[0].outcome == "timeout" and "effect is unknown" in returned[0].content


async def test_past_the_round_cap_the_turn_ends_with_a_recorded_reason() -> None:
    bank = Bank()
    looping = calls(("lookup", {"card_id": "c"}), text="Checking again.")
    stop = StopConfig(max_turns=2, max_tool_rounds=2)
    log, cid, support = await _run([looping, looping, looping], bank.tools(), stop=stop)
    events = await _events(log, cid)
    assert sum(isinstance(e, ToolCalled) for e in events) == 2
    failed = [e for e in events if isinstance(e, AgentFailed)]
    assert [f.error_kind for f in failed] == ["max_tool_rounds"]
    assert support.requests[2].tool_choice == "none"
    posted = [e for e in events if isinstance(e, MessagePosted)]
    assert posted[-1].content == "Checking again."


async def test_nobody_sees_another_participants_tool_calls() -> None:
    bank = Bank()
    log = InMemoryLog()
    conductor = Conductor(log)
    state = await session.create(
        conductor, topic="t", participants=PAIR, stop=StopConfig(max_turns=3)
    )
    support = ScriptedProvider([calls(("lookup", {"card_id": "secret-42"})), "All good."])
    customer = ScriptedProvider([varied_text(1), varied_text(2)])
    await asyncio.gather(
        conductor.play(state.conversation_id, "customer", customer),
        conductor.play(state.conversation_id, "support", support, tools=bank.tools()),
    )
    seen = [m for request in customer.requests for m in request.messages]
    assert not any(m.tool_calls or m.tool_results for m in seen)
    assert not any("secret-42" in m.content for m in seen)
    assert customer.requests[0].tools == ()


async def test_costs_of_tool_rounds_count_towards_the_budget_and_the_totals() -> None:
    bank = Bank()
    steps = [calls(("lookup", {"card_id": "c"})), "Done."]
    log, cid, _ = await _run(steps, bank.tools())
    final = await Conductor(log).load(cid)
    posted = [m for m in final.messages if m.sender == "support"]
    assert final.input_tokens >= 7 + posted[0].input_tokens
    assert final.cost_usd == pytest.approx(0.001)


class Recorder:
    """An idempotent tool that remembers the idempotency keys it was called with."""

    def __init__(self) -> None:
        self.keys: list[str] = []

    def tools(self) -> PythonTools:
        @tool(idempotent=True)
        def transfer(amount: float, context: ToolCallContext) -> str:
            """Move money (deduplicated by the caller's idempotency key)."""
            self.keys.append(context.call_id)
            return "ok"

        return PythonTools([transfer])


async def test_the_idempotency_key_is_the_recorded_call_id() -> None:
    recorder = Recorder()
    log, cid, _ = await _run(
        [calls(("transfer", {"amount": 3}), call_ids=("call_x",)), "Sent."], recorder.tools()
    )
    called = [e for e in await _events(log, cid) if isinstance(e, ToolCalled)]
    assert recorder.keys == ["call_x"] == [called[0].call_id]
    assert called[0].idempotent


async def test_a_reused_vendor_call_id_is_made_unique() -> None:
    recorder = Recorder()
    same = calls(("transfer", {"amount": 1}), call_ids=("dup",))
    log, cid, _ = await _run([same, same, "Sent twice."], recorder.tools())
    ids = [e.call_id for e in await _events(log, cid) if isinstance(e, ToolCalled)]
    assert ids[0] == "dup" and ids[1] != "dup" and len(set(ids)) == 2


async def _takeover(tools_for_second: PythonTools, *, idempotent: bool) -> list[Any]:
    """A first instance records a call and dies before its result; a second one takes over."""
    log = InMemoryLog()
    first = Conductor(log, instance_id="dead")
    state = await session.create(
        first, topic="t", participants=PAIR, stop=StopConfig(max_turns=2), lease_s=0.05
    )
    cid = state.conversation_id
    state = await first.append(state, [MessagePosted(sender="customer", content=varied_text(1))])
    now = first.clock.now()
    claim = TurnClaimed(speaker="support", instance_id="dead", lease_expires_at=now + 0.05)
    called = ToolCalled(
        speaker="support",
        call_id="call_1",
        tool="transfer",
        arguments={"amount": 5.0},
        idempotent=idempotent,
    )
    await first.append(state, [claim, called])
    second = Conductor(log, instance_id="alive")
    support = FunctionProvider(lambda request: "Let me check what happened.")
    await second.play(cid, "support", support, tools=tools_for_second)
    return await _events(log, cid)


async def test_a_takeover_runs_an_idempotent_call_again_with_the_same_key() -> None:
    recorder = Recorder()
    events = await _takeover(recorder.tools(), idempotent=True)
    returned = [e for e in events if isinstance(e, ToolReturned)]
    assert recorder.keys == ["call_1"]
    assert [(r.call_id, r.outcome, r.rerun) for r in returned] == [("call_1", "ok", True)]


async def test_a_takeover_never_repeats_a_call_that_is_not_idempotent() -> None:
    ran: list[float] = []

    def transfer(amount: float) -> str:
        """Move money."""
        ran.append(amount)
        return "ok"

    events = await _takeover(PythonTools([transfer]), idempotent=False)
    assert ran == []
    returned = [e for e in events if isinstance(e, ToolReturned)]
    assert [(r.outcome, r.is_error) for r in returned] == [("unknown", True)]
    failed = [e for e in events if isinstance(e, AgentFailed)]
    assert [f.error_kind for f in failed] == ["tool_outcome_unknown"]
    assert [f.kind for f in failed] == ["tool_outcome_unknown"]  # the word for it
    posted = [e for e in events if isinstance(e, MessagePosted)]
    assert posted[-1].content == "Let me check what happened."


async def test_a_takeover_reuses_a_recorded_result_instead_of_calling_again() -> None:
    ran: list[float] = []

    def transfer(amount: float) -> str:
        """Move money."""
        ran.append(amount)
        return "ok"

    log = InMemoryLog()
    first = Conductor(log, instance_id="dead")
    state = await session.create(
        first, topic="t", participants=PAIR, stop=StopConfig(max_turns=2), lease_s=0.05
    )
    cid = state.conversation_id
    state = await first.append(state, [MessagePosted(sender="customer", content=varied_text(1))])
    claim = TurnClaimed(
        speaker="support", instance_id="dead", lease_expires_at=first.clock.now() + 0.05
    )
    called = ToolCalled(speaker="support", call_id="c1", tool="transfer", arguments={"amount": 5.0})
    returned = ToolReturned(speaker="support", call_id="c1", tool="transfer", content="done: 5")
    await first.append(state, [claim, called, returned])
    requests: list[ChatRequest] = []

    def answer(request: ChatRequest) -> str:
        requests.append(request)
        return "The transfer went through."

    await Conductor(log, instance_id="alive").play(
        cid, "support", FunctionProvider(answer), tools=PythonTools([transfer])
    )
    assert ran == []
    assert requests[0].messages[-1].tool_results[0].content == "done: 5"


@pytest.mark.timeout(30)
async def test_a_turn_taken_over_while_past_the_round_cap_posts_nothing_under_the_new_claim() -> (
    None
):
    """The model asks for tools past the cap while another instance takes the turn over (its
    lease lapsed): the seat's record of the cap conflicts, so it posts nothing under the other
    instance's claim (before: its message landed right after that claim, a second answer to
    the turn); it claims again once that lease lapses and answers then, once."""
    log = InMemoryLog()
    conductor = Conductor(log)
    stop = StopConfig(max_turns=2, max_tool_rounds=0)
    state = await session.create(conductor, topic="lost card", participants=PAIR, stop=stop)
    cid = state.conversation_id
    asked = 0

    async def support(request: ChatRequest) -> ChatReply | str:
        nonlocal asked
        asked += 1
        if asked > 1:
            return "Your card is blocked now."
        [last] = (await log.read(cid))[-1:]
        takeover = TurnClaimed(
            speaker="support", instance_id="other", lease_expires_at=time.time() + 0.3
        )
        await log.append(cid, last.sequence, [codec.encode(takeover)])
        return calls(("lookup", {"card_id": "c"}), text="Checking again.")

    async with asyncio.timeout(20):
        await asyncio.gather(
            conductor.play(cid, "customer", ScriptedProvider([varied_text(1)])),
            conductor.play(cid, "support", FunctionProvider(support), tools=Bank().tools()),
        )
    events = await _events(log, cid)
    claimant = None
    for event in events:
        if isinstance(event, TurnClaimed):
            claimant = event.instance_id
        elif isinstance(event, MessagePosted):
            assert claimant == conductor.instance_id, (event.content, claimant)
    posted = [e.content for e in events if isinstance(e, MessagePosted)]
    assert posted == [varied_text(1), "Your card is blocked now."]


@pytest.mark.timeout(60)
async def test_a_tool_call_longer_than_the_lease_keeps_the_turn_from_another_instance() -> None:
    """The claim is renewed while a turn's tools run: a second instance of the seat (a worker,
    ``aic join``) does not take over a turn whose call outlasts the lease, which recorded its
    outcome as unknown though the call was running fine (and asked the model again)."""
    ran: list[str] = []
    running = asyncio.Event()

    async def transfer(amount: float) -> str:
        """Move money (the bank's system is slow today)."""
        ran.append("transfer")
        running.set()
        await asyncio.sleep(2.5)
        return "moved"

    log = InMemoryLog()
    first, second = Conductor(log, instance_id="first"), Conductor(log, instance_id="second")
    state = await session.create(
        first, topic="t", participants=PAIR, stop=StopConfig(max_turns=2), lease_s=1.0
    )
    cid = state.conversation_id
    slow = ScriptedProvider([calls(("transfer", {"amount": 5.0})), "Done, it is moved."])
    other = FunctionProvider(lambda request: "Taken over.")
    customer = ScriptedProvider([varied_text(1), varied_text(3)])

    async def join_once_running() -> None:
        await running.wait()
        await second.play(cid, "support", other, tools=PythonTools([transfer]))

    await asyncio.gather(
        first.play(cid, "customer", customer),
        first.play(cid, "support", slow, tools=PythonTools([transfer])),
        join_once_running(),
    )
    events = await _events(log, cid)
    returned = [(e.outcome, e.content) for e in events if isinstance(e, ToolReturned)]
    assert returned == [("ok", "moved")] and ran == ["transfer"]
    assert not [e for e in events if isinstance(e, AgentFailed)]
    posted = [e.content for e in events if isinstance(e, MessagePosted) and e.sender == "support"]
    assert posted == ["Done, it is moved."]
    assert {e.instance_id for e in events if isinstance(e, TurnClaimed)} == {"first"}


async def test_a_takeover_answers_a_call_whose_arguments_were_not_json_as_the_error_it_is() -> None:
    """Such a call is never run, so its outcome is known: a takeover records the argument
    error, not an unknown outcome with AgentFailed(tool_outcome_unknown)."""
    ran: list[float] = []

    def transfer(amount: float) -> str:
        """Move money."""
        ran.append(amount)
        return "ok"

    log = InMemoryLog()
    first = Conductor(log, instance_id="dead")
    state = await session.create(
        first, topic="t", participants=PAIR, stop=StopConfig(max_turns=2), lease_s=0.05
    )
    state = await first.append(state, [MessagePosted(sender="customer", content=varied_text(1))])
    claim = TurnClaimed(
        speaker="support", instance_id="dead", lease_expires_at=first.clock.now() + 0.05
    )
    called = ToolCalled(
        speaker="support", call_id="c1", tool="transfer", arguments={}, error="not valid JSON"
    )
    await first.append(state, [claim, called])
    support = FunctionProvider(lambda request: "Let me try that again.")
    await Conductor(log, instance_id="alive").play(
        state.conversation_id, "support", support, tools=PythonTools([transfer])
    )
    events = await _events(log, state.conversation_id)
    returned = [(e.outcome, e.rerun) for e in events if isinstance(e, ToolReturned)]
    assert returned == [("error", False)] and ran == []
    assert not [e for e in events if isinstance(e, AgentFailed)]


async def test_text_no_log_can_store_is_recorded_with_replacement_characters() -> None:
    """A file name that is not UTF-8 reaches Python as a lone surrogate (os.listdir's
    surrogateescape), as does a vendor's JSON '\\ud800': a tool returning one, or a model
    passing one, ended the conversation with 'ToolReturned cannot be stored' (reason error),
    and the call that had run was then recorded as of unknown outcome."""

    def list_files(folder: str) -> str:
        """The files in a folder."""
        return ", ".join(["report.pdf", b"caf\xe9.txt".decode("utf-8", "surrogateescape")])

    steps = [calls(("list_files", {"folder": "in\ud800box"})), "Two files."]
    log, cid, support = await _run(steps, PythonTools([list_files]))
    events = await _events(log, cid)
    called = next(e for e in events if isinstance(e, ToolCalled))
    returned = next(e for e in events if isinstance(e, ToolReturned))
    assert called.arguments == {"folder": "in\ufffdbox"}
    assert (returned.outcome, returned.content) == ("ok", "report.pdf, caf\ufffd.txt")
    assert events[-1].reason == "max_turns"
    assert support.requests[1].messages[-1].tool_results[0].content == returned.content
