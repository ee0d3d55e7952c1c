"""An offline voice conversation interrupted by Ctrl+C and continued with ``aic resume`` stays
a voice conversation: every message is spoken and heard by the other side, before and after the
interruption, and the whole call exports as a recording."""

from __future__ import annotations

import asyncio
import json
import signal
import wave
from pathlib import Path
from typing import Any

import pytest

from aiconv.errors import AiconvError
from aiconv.platform import codec
from aiconv.platform.events import (
    ConversationEnded,
    ConversationResumed,
    MessagePosted,
    UtteranceHeard,
    UtteranceSpoken,
)
from aiconv.queues.log import ListQuery
from aiconv.queues.urls import open_log
from aiconv.testing.conditions import eventually
from aiconv.testing.processes import cli_env, run_aic, spawn_aic

pytestmark = pytest.mark.slow

CUSTOMER = ["Hello, I lost my card.", "It was a debit card.", "Yes, please block it."]
AGENT = ["Sorry to hear that.", "I can block it now.", "Done, it is blocked."]


def _script(path: Path, lines: list[str]) -> str:
    path.write_text("".join(json.dumps({"content": line}) + "\n" for line in lines))
    return f"script:{path}"


async def _events(db: Path) -> list[Any]:
    async with open_log(f"sqlite:///{db}", "read") as log:
        [entry] = await log.list_conversations(ListQuery())
        return [r.event for r in codec.decode_all(await log.read(entry.conversation_id))]


async def _messages(db: Path) -> int:
    if not await asyncio.to_thread(db.exists):
        return 0
    try:
        return sum(isinstance(e, MessagePosted) for e in await _events(db))
    except (ValueError, LookupError, AiconvError):  # no log or no conversation yet
        return 0


@pytest.mark.timeout(240)
async def test_an_interrupted_voice_conversation_resumes_with_voice(tmp_path: Path) -> None:
    db, env = tmp_path / "runs.db", cli_env(home=tmp_path)
    customer = _script(tmp_path / "customer.jsonl", CUSTOMER)
    agent = _script(tmp_path / "agent.jsonl", AGENT)
    process = spawn_aic(
        "start", "--voice", "--agent1", customer, "--name1", "customer", "--agent2", agent,
        "--name2", "support", "--max-turns", "6", "--seed", "5", "--db", str(db), "--quiet",
        env=env, cwd=tmp_path,
    )  # fmt: skip
    try:
        await eventually(lambda: _messages(db), timeout=60, what="the first spoken message")
        process.send_signal(signal.SIGINT)
        _, stderr = await asyncio.to_thread(process.communicate, None, 60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate(timeout=10)
    assert process.returncode == 130, stderr
    before = await _events(db)
    assert isinstance(before[-1], ConversationEnded) and before[-1].reason == "interrupted"
    spoken_before = sum(isinstance(e, MessagePosted) for e in before)
    assert spoken_before < 6

    async with open_log(f"sqlite:///{db}", "read") as log:
        [entry] = await log.list_conversations(ListQuery())
    cid = entry.conversation_id
    done = await asyncio.to_thread(
        run_aic, "resume", cid, "--db", str(db), "--json", env=env, cwd=tmp_path, timeout=120
    )
    assert done.returncode == 0, done.stderr
    events = await _events(db)
    assert any(isinstance(e, ConversationResumed) for e in events)
    messages = [e for e in events if isinstance(e, MessagePosted)]
    assert [m.content for m in messages] == [
        line for pair in zip(CUSTOMER, AGENT, strict=True) for line in pair
    ]
    spoken = [e for e in events if isinstance(e, UtteranceSpoken)]
    assert [s.text for s in spoken] == [m.content for m in messages], "a message was not spoken"
    heard = {(h.listener, h.message_sequence) for e in events if isinstance(h := e, UtteranceHeard)}
    for utterance in spoken[:-1]:  # the last one has nobody left to answer it
        listener = "support" if utterance.speaker == "customer" else "customer"
        assert (listener, utterance.message_sequence) in heard, utterance.text
    starts = [s.start_s for s in spoken]
    assert starts == sorted(starts), "the timeline went backwards after resuming"
    assert len(json.loads(done.stdout)["messages"]) == 6
    # aic resume --json had no voice metrics, though aic-start's has them
    assert json.loads(done.stdout)["voice"]["utterances"] == 6

    out = tmp_path / "rec"
    exported = await asyncio.to_thread(
        run_aic, "export", cid, "--db", str(db), "--format", "recording", "-o", str(out),
        env=env, cwd=tmp_path, timeout=60,
    )  # fmt: skip
    assert exported.returncode == 0, exported.stderr
    with wave.open(str(out / "stereo.wav")) as stereo:
        seconds = stereo.getnframes() / stereo.getframerate()
    last = spoken[-1]
    assert seconds == pytest.approx(last.start_s + last.duration_s, abs=0.1)
