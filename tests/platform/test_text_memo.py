"""A conversation's text views are computed once per text while the text is in its window,
however many other conversations are judged in between (the shared cache cannot hold a
thousand windows), and the memo goes away with the conversation."""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path

import pytest

from aiconv.agents.providers.offline import MockOptions, MockProvider
from aiconv.platform import referee, session, text_memo, wording
from aiconv.platform.conductor import Conductor
from aiconv.platform.conversation import ConversationState
from aiconv.platform.events import ParticipantSpec, StopConfig
from aiconv.platform.loops import Utterance, detect_loop
from aiconv.platform.referee import Verdict
from aiconv.queues.memory import InMemoryLog
from aiconv.testing.corpus import load_corpus

DATA = Path(__file__).parent.parent / "data"


def test_a_view_is_computed_once_per_text_across_interleaved_conversations() -> None:
    computed: list[str] = []

    @text_memo.windowed(maxsize=1)  # a shared cache far smaller than the windows
    def view(text: str) -> int:
        computed.append(text)
        return len(text)

    memos = [text_memo.WindowMemo() for _ in range(3)]
    said: list[list[Utterance]] = [[] for _ in memos]
    for turn in range(8):
        for number, memo in enumerate(memos):  # the conversations take turns, interleaved
            said[number].append(
                Utterance(
                    sequence=turn + 1, sender="a", content=f"conversation {number}, message {turn}"
                )
            )
            outer = text_memo.judging(memo)
            try:
                assert [view(u.content) for u in said[number]] == [
                    len(u.content) for u in said[number]
                ]
            finally:
                text_memo.done(memo, outer, said[number])
    assert sorted(computed) == sorted({u.content for s in said for u in s})  # each text once
    assert view("outside any judgement") == len("outside any judgement")  # the shared cache


def test_a_memo_keeps_about_the_latest_messages_only() -> None:
    @text_memo.windowed()
    def view(text: str) -> str:
        return text.upper()

    memo = text_memo.WindowMemo()
    said: list[Utterance] = []
    for n in range(200):
        said.append(Utterance(sequence=n + 1, sender="a", content=f"message {n}"))
        outer = text_memo.judging(memo)
        try:
            for u in said[-8:]:
                view(u.content)
                view(f"{u.content} (a text made on the way)")
        finally:
            text_memo.done(memo, outer, said)
        assert len(memo) <= text_memo.KEEP + 8
    outer = text_memo.judging(memo)
    text_memo.done(memo, outer, said)
    assert set(memo.tables[view]) >= {u.content for u in said[-8:]}


def test_the_same_verdicts_with_and_without_a_memo() -> None:
    heldout = load_corpus(DATA / "detection_heldout.jsonl")
    plain, memoised = [], []
    for transcript in heldout:
        memo = text_memo.WindowMemo()
        for n in range(1, len(transcript.messages) + 1):
            window = transcript.messages[:n][-8:]
            plain.append(detect_loop(window))
            outer = text_memo.judging(memo)
            try:
                memoised.append(detect_loop(window))
            finally:
                text_memo.done(memo, outer, transcript.messages[:n])
    assert memoised == plain
    assert any(verdict is not None for verdict in plain)


async def test_conversations_played_at_once_compute_each_message_once() -> None:
    """The shared cache is emptied after every judgement (as a thousand conversations at once
    would): each message's features are still computed once, not once per window it is in."""
    computed = 0

    def judge(state: ConversationState, now: float) -> Verdict:
        nonlocal computed
        verdict = referee.judge(state, now)
        computed += wording.features.cache_info().misses
        wording.features.cache_clear()
        return verdict

    log = InMemoryLog()
    conductor = Conductor(log, judge=judge)
    participants = [ParticipantSpec(name=n, agent="mock", model="mock-chat") for n in "ab"]
    ids = [
        (
            await session.create(
                conductor,
                topic="Should the library open on Sundays?",
                participants=participants,
                stop=StopConfig(max_turns=10),
                seed=number,
            )
        ).conversation_id
        for number in range(20)
    ]
    provider = MockProvider(MockOptions(turns=0, latency=(0.001, 0.001)))
    wording.features.cache_clear()
    async with asyncio.timeout(60):
        finals = await asyncio.gather(
            *(session.play_all(conductor, cid, {"a": provider, "b": provider}) for cid in ids)
        )
    texts = {m.content for final in finals for m in final.messages}
    assert sum(final.turns for final in finals) >= 150  # (a loop may end one early)
    # Each message once (a text may come back as a derived text: an opening cut, a masked
    # number); without the memo every judgement recomputed its whole window: ~5x as many.
    assert computed <= 1.5 * len(texts)
    assert not conductor._states._memos  # each memo went with its conversation


async def test_no_memo_stays_installed_after_a_judgement_even_one_that_fails() -> None:
    """Outside a judgement views go to the shared cache only: a memo left installed (by a
    judge that raised, say) would collect every text analysed anywhere in the process (agents,
    reports) for good, long after its conversation ended, and nothing would prune it."""
    judged = 0

    def judge(state: ConversationState, now: float) -> Verdict:
        nonlocal judged
        judged += 1
        wording.features(state.messages[-1].content)
        if judged == 3:
            raise RuntimeError("a judge plugin failed")
        return referee.judge(state, now)

    conductor = Conductor(InMemoryLog(), judge=judge)
    participants = [ParticipantSpec(name=n, agent="mock", model="mock-chat") for n in "ab"]
    state = await session.create(
        conductor, topic="Tea or coffee?", participants=participants, stop=StopConfig()
    )
    provider = MockProvider(MockOptions(turns=0, latency=(0.001, 0.001)))
    with pytest.raises(RuntimeError, match="a judge plugin failed"):
        async with asyncio.timeout(30):
            await session.play_all(conductor, state.conversation_id, {"a": provider, "b": provider})
    assert judged == 3
    assert text_memo._current.get() is None  # no memo answers outside a judgement
    assert not conductor._states._memos  # and the conversation's went with its seats


def test_judgements_in_two_threads_leave_no_memo_installed() -> None:
    """Two event loops in two threads (the Python API run from a threaded application) judge
    at once, and end their judgements in any order: neither memo answers afterwards, nor does
    either thread's judgement use the other's memo."""
    first, second = text_memo.WindowMemo(), text_memo.WindowMemo()
    began, ended = threading.Event(), threading.Event()

    def judge_in_another_thread() -> None:
        outer = text_memo.judging(second)
        began.set()
        ended.wait(timeout=10)
        wording.features("a text the other thread judges")
        text_memo.done(second, outer, [])

    outer = text_memo.judging(first)
    thread = threading.Thread(target=judge_in_another_thread)
    thread.start()
    assert began.wait(timeout=10)
    wording.features("a text this thread judges")
    text_memo.done(first, outer, [])  # this judgement ends first, the other's after it
    ended.set()
    thread.join(timeout=10)
    wording.features("a text analysed outside any judgement")
    assert [set(table) for table in first.tables.values()] == [{"a text this thread judges"}]
    assert [set(table) for table in second.tables.values()] == [{"a text the other thread judges"}]
