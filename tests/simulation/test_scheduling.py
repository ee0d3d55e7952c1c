"""Turn scheduling beyond alternation (seeded double-texting, multi-step agents) and simulated
time (typing and thinking delays without sleeping; real delays in real-time mode).
"""

from __future__ import annotations

from dataclasses import replace
from itertools import pairwise

import pytest

from aiconv.agents.messages import ChatMessage, ChatRequest
from aiconv.platform import session
from aiconv.platform.conductor import Conductor
from aiconv.platform.events import MessagePosted, ParticipantSpec, StopConfig
from aiconv.platform.turns import scheduled
from aiconv.queues.memory import InMemoryLog
from aiconv.simulation.timing import Pace, RealTimeProvider, SimulatedTime
from aiconv.testing.clock import FakeClock
from aiconv.testing.providers import FunctionProvider
from tests.simulation.conftest import state_of


def _turns(customer: dict[str, float], support: dict[str, float]) -> dict[str, object]:
    return {"turns": {"customer": customer, "support": support}}


def test_without_rules_scheduled_is_round_robin() -> None:
    state = state_of(("customer", "hi"))
    assert scheduled(state) == "support"


def test_a_certain_double_texter_goes_again_up_to_its_streak() -> None:
    meta = _turns({"again": 1.0, "max_streak": 3}, {})
    assert scheduled(state_of(("customer", "a"), metadata=meta)) == "customer"
    assert scheduled(state_of(("customer", "a"), ("customer", "b"), metadata=meta)) == "customer"
    three = state_of(("customer", "a"), ("customer", "b"), ("customer", "c"), metadata=meta)
    assert scheduled(three) == "support"


def test_an_agent_may_take_several_steps() -> None:
    meta = _turns({}, {"again": 1.0, "max_streak": 2})
    assert scheduled(state_of(("customer", "a"), ("support", "checking…"), metadata=meta)) == (
        "support"
    )
    done = state_of(
        ("customer", "a"), ("support", "checking…"), ("support", "found it"), metadata=meta
    )
    assert scheduled(done) == "customer"


def test_the_coin_is_seeded_so_every_process_decides_the_same() -> None:
    meta = _turns({"again": 0.5, "max_streak": 5}, {})
    decisions = []
    for seed in range(40):
        state = state_of(("customer", "a"), metadata=meta, seed=seed)
        first = scheduled(state)
        assert all(scheduled(state) == first for _ in range(3))
        decisions.append(first)
    assert 8 < decisions.count("customer") < 32  # about half, and not constant


def test_fast_mode_stamps_messages_from_persona_paces_without_sleeping() -> None:
    stamp = SimulatedTime(paces={"slowpoke": Pace(thinking_s=10.0, typing_cps=2.0, jitter=0.0)})
    base = state_of(roles={"customer": "customer", "support": "agent"})
    assert base.started is not None
    people = tuple(
        replace(p, persona="slowpoke") if p.name == "customer" else p
        for p in base.started.participants
    )
    state = replace(base, started=replace(base.started, participants=people))
    first = stamp(state, MessagePosted(sender="customer", content="x" * 20))
    assert first.simulated_at == round(state.started_at + 10.0 + 10.0, 3)
    agent = stamp(state, MessagePosted(sender="support", content="ok", latency_s=1.5))
    assert agent.simulated_at == round(state.started_at + 1.5, 3)
    assert stamp(state, MessagePosted(sender="customer", content="x" * 20)) == first


def test_real_mode_stamps_the_clock() -> None:
    clock = FakeClock(start=5000.0)
    stamp = SimulatedTime(mode="real", clock=clock)
    posted = stamp(state_of(), MessagePosted(sender="customer", content="hi"))
    assert posted.simulated_at == 5000.0


async def test_real_time_provider_waits_the_persona_delay() -> None:
    clock = FakeClock()
    provider = RealTimeProvider(
        FunctionProvider(lambda request: "hello"),
        {"quick": Pace(thinking_s=0.15, typing_cps=1000.0, jitter=0.0)},
        clock=clock,
    )
    request = ChatRequest(
        model="m",
        system="",
        messages=(ChatMessage(role="user", content="hi"),),
        context={"persona": "quick"},
    )
    assert (await provider.complete(request)).content == "hello"
    # thinking 0.15 s + 5 characters at 1,000 a second, minus the (zero) provider latency
    assert clock.sleeps == [pytest.approx(0.155)]
    await provider.complete(replace(request, context={"persona": "none"}))
    assert clock.sleeps == [pytest.approx(0.155)]  # no pace for this persona: no wait


async def _scheduled(
    conductor: Conductor, turns: dict[str, object], max_turns: int, seed: int | None = None
) -> str:
    """A new ``scheduled`` conversation of ``customer`` and ``support``; its id."""
    people = [
        ParticipantSpec(name="customer", agent="x"),
        ParticipantSpec(name="support", agent="x"),
    ]
    state = await session.create(
        conductor,
        topic="t",
        participants=people,
        turn_policy="scheduled",
        stop=StopConfig(max_turns=max_turns),
        metadata=turns,
        seed=seed,
    )
    return state.conversation_id


async def test_a_double_texting_customer_posts_twice_in_a_row_in_a_real_conversation() -> None:
    conductor = Conductor(InMemoryLog())
    cid = await _scheduled(conductor, _turns({"again": 1.0, "max_streak": 2}, {}), 6)
    provider = FunctionProvider(lambda r: f"{r.context['speaker']} {r.context['turn']}")
    final = await session.play_all(conductor, cid, {"customer": provider, "support": provider})
    assert [m.sender for m in final.messages] == ["customer", "customer", "support"] * 2


async def _double_texted(seed: int, *, crash_at: int | None) -> list[tuple[str, str]]:
    """A seeded double-texting conversation played to its end; with ``crash_at``, its seat
    fails at that call and the conversation is resumed, as ``aic resume`` does."""
    conductor = Conductor(InMemoryLog())
    turns = _turns({"again": 0.5, "max_streak": 3}, {"again": 0.3, "max_streak": 2})
    cid = await _scheduled(conductor, turns, 14, seed)
    calls = 0

    def reply(request: ChatRequest) -> str:
        nonlocal calls
        calls += 1
        if calls == crash_at:
            raise RuntimeError("the process died here")
        return f"{request.context['speaker']} {request.context['turn']}"

    seats = {"customer": FunctionProvider(reply), "support": FunctionProvider(reply)}
    if crash_at is not None:
        with pytest.raises(RuntimeError):
            await session.play_all(conductor, cid, seats)
        await session.resume(conductor, cid)
    final = await session.play_all(conductor, cid, seats)
    return [(m.sender, m.content) for m in final.messages]


@pytest.mark.parametrize("seed", range(6))
async def test_a_resumed_conversation_double_texts_as_one_never_interrupted(seed: int) -> None:
    """The coin is seeded by the message's place in the conversation, not its event sequence:
    the events an interruption adds (the crash's ending, the resumption) moved every later
    coin, so a resumed repetition played out otherwise than in the run it is paired with."""
    straight = await _double_texted(seed, crash_at=None)
    resumed = await _double_texted(seed, crash_at=5)
    assert resumed == straight
    assert any(a[0] == b[0] for a, b in pairwise(straight))  # someone double-texted
