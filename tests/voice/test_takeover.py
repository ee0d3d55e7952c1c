"""A voice turn cut short after its speaker had already heard the caller (the process was
stopped while its model was thinking), then continued by another instance (``aic resume``):
the new instance does not hear again, and its answer is placed on the timeline after what it
answers, not back at zero."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiconv
from aiconv.agents.messages import ChatRequest
from aiconv.platform import codec, session
from aiconv.platform.conductor import Conductor
from aiconv.platform.events import UtteranceHeard, UtteranceSpoken
from aiconv.queues.memory import InMemoryLog
from aiconv.testing.providers import FunctionProvider
from aiconv.voice.kit import VoiceKit

CALLER = "Hello, I would like to check the status of my order please."
ANSWER = "Of course. Can you give me your order number please?"


async def test_a_taken_over_voice_turn_answers_after_what_it_heard(tmp_path: Path) -> None:
    log, audio = InMemoryLog(), tmp_path / "audio"
    asked = asyncio.Event()

    async def stuck(request: ChatRequest) -> str:
        asked.set()  # it has heard the caller: that is recorded before its model is asked
        await asyncio.Event().wait()  # the instance dies here
        raise AssertionError("unreachable")

    first = asyncio.create_task(
        aiconv.run_conversation(
            log,
            participants=[
                aiconv.Participant("caller", provider=FunctionProvider(lambda r: CALLER)),
                aiconv.Participant("agent", provider=FunctionProvider(stuck)),
            ],
            topic="Order status",
            max_turns=2,
            lease_s=0.5,
            voice=True,
            audio_dir=audio,
        )
    )
    async with asyncio.timeout(60):
        await asked.wait()
    first.cancel()
    await asyncio.gather(first, return_exceptions=True)
    [entry] = await log.list_conversations()
    cid = entry.conversation_id

    kit = VoiceKit.open(log, audio)  # a fresh instance: it heard nothing itself
    try:
        conductor = Conductor(log, turn_hook=kit.layer)
        await session.resume(conductor, cid)  # what aic resume does
        answering = FunctionProvider(lambda r: ANSWER)
        async with asyncio.timeout(60):
            await conductor.play(cid, "agent", answering)
    finally:
        await kit.recognizer.close()

    events = [r.event for r in codec.decode_all(await log.read(cid))]
    heard = [e for e in events if isinstance(e, UtteranceHeard)]
    assert [(h.listener, h.message_sequence) for h in heard] == [("agent", 3)]  # heard once
    caller, agent = (e for e in events if isinstance(e, UtteranceSpoken))
    assert (caller.text, agent.text) == (CALLER, ANSWER)
    assert agent.start_s >= caller.start_s + caller.duration_s, (
        f"the answer starts at {agent.start_s}s, inside the caller's {caller.start_s}s + "
        f"{caller.duration_s}s"
    )
    assert answering.requests[0].messages[-1].content == heard[0].text  # what it heard
