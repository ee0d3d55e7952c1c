"""The public Python API, as a team would script it."""

from __future__ import annotations

import aiconv
from aiconv.testing.providers import ScriptedProvider


async def test_run_conversation_from_code_streams_events_and_returns_the_result(tmp_path) -> None:  # type: ignore[no-untyped-def]
    seen: list[str] = []
    async with aiconv.open_log(f"sqlite:///{tmp_path / 'runs.db'}") as log:
        result = await aiconv.run_conversation(
            log,
            participants=[
                aiconv.Participant("customer", "mock", persona="frustrated"),
                aiconv.Participant("support", "mock"),
            ],
            topic="Lost card replacement",
            max_turns=6,
            seed=1,
            on_event=lambda recorded, state: seen.append(recorded.event.KIND),
        )
        listed = await log.list_conversations()
    assert result.ended is not None
    assert result.ended.reason == "max_turns"
    assert result.summary.turns == 6
    assert result.summary.cost_usd == 0.0
    assert seen[0] == "ConversationStarted"
    assert seen[-1] == "ConversationEnded"
    assert seen.count("MessagePosted") == 6
    assert [e.conversation_id for e in listed] == [result.conversation_id]
    assert result.document()["participants"][0]["persona"] == "frustrated"


async def test_bring_your_own_provider() -> None:
    async with aiconv.open_log("memory://") as log:
        result = await aiconv.run_conversation(
            log,
            participants=[
                aiconv.Participant("a", provider=ScriptedProvider(["ping"])),
                aiconv.Participant("b", provider=ScriptedProvider(["pong\n<END>"])),
            ],
            topic="t",
        )
    assert [m.content for m in result.state.messages] == ["ping", "pong\n<END>"]
    assert result.ended is not None
    assert result.ended.reason == "end_token"


def test_public_names_are_curated() -> None:
    assert "run_conversation" in aiconv.__all__
    assert all(hasattr(aiconv, name) for name in aiconv.__all__)


async def test_the_architecture_example_runs_with_a_builtin_persona() -> None:
    async with aiconv.open_log("memory://") as log:
        result = await aiconv.run_conversation(
            log,
            participants=[
                aiconv.Participant("customer", "mock", persona=aiconv.personas.FRUSTRATED),
                aiconv.Participant("support", "mock"),
            ],
            topic="Lost card replacement",
            max_turns=30,
            env={},
        )
    assert result.ended is not None
    assert result.document()["participants"][0]["persona"] == aiconv.personas.FRUSTRATED.describe()
