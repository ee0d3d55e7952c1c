"""The public Python API, as a team would script it."""

from __future__ import annotations

import pytest

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


class CountingProvider(ScriptedProvider):
    """A scripted provider that counts how often it was closed."""

    closed = 0

    async def aclose(self) -> None:
        self.closed += 1


async def test_providers_the_caller_passes_in_are_never_closed() -> None:
    mine = CountingProvider(["ping", "ping again"])
    async with aiconv.open_log("memory://") as log:
        result = await aiconv.run_conversation(
            log,
            participants=[
                aiconv.Participant("a", provider=mine),
                aiconv.Participant("b", "mock:turns=0"),
            ],
            topic="t",
            max_turns=3,
            env={},
        )
        # the log is the caller's too: still open and usable after the run
        assert [e.conversation_id for e in await log.list_conversations()] == [
            result.conversation_id
        ]
    assert mine.closed == 0
    assert result.summary.turns == 3


async def test_the_callback_hears_every_event_of_a_long_run() -> None:
    seen: list[str] = []

    def collect(recorded, state) -> None:  # type: ignore[no-untyped-def]
        seen.append(recorded.event.KIND)

    async with aiconv.open_log("memory://") as log:
        result = await aiconv.run_conversation(
            log,
            participants=[aiconv.Participant("a", "mock:turns=0"), aiconv.Participant("b", "mock")],
            topic="t",
            max_turns=40,
            on_event=collect,
            env={},
        )
        stored = await log.read(result.conversation_id)
    assert len(seen) == len(stored)
    assert seen[-1] == "ConversationEnded"


async def test_a_failing_callback_is_raised_after_the_run_not_from_a_cleanup() -> None:
    def broken(recorded, state) -> None:  # type: ignore[no-untyped-def]
        raise LookupError("callback bug")

    async with aiconv.open_log("memory://") as log:
        with pytest.raises(LookupError, match="callback bug"):
            await aiconv.run_conversation(
                log,
                participants=[aiconv.Participant("a"), aiconv.Participant("b")],
                topic="t",
                max_turns=2,
                on_event=broken,
                env={},
            )
        (entry,) = await log.list_conversations()
    assert entry.status == "ended"


@pytest.mark.parametrize(
    ("keywords", "message"),
    [
        ({"lease_s": float("nan")}, "lease_s must be a finite number"),
        ({"stop": aiconv.StopConfig(timeout_s=float("inf"))}, "timeout_s must be a finite number"),
        ({"stop": aiconv.StopConfig(max_cost_usd=-1.0)}, "max_cost_usd must be greater than 0"),
        ({"stop": aiconv.StopConfig(end_token=" ")}, "end_token must not be empty"),
        ({"max_turns": 0}, "max_turns must be at least 1"),
        ({"seed": -1}, "seed must be at least 0"),
        (
            {"stop": aiconv.StopConfig(tool_timeout_s=float("nan"))},
            "tool_timeout_s must be a finite number",
        ),
        ({"stop": aiconv.StopConfig(tool_timeout_s=-1.0)}, "tool_timeout_s must be greater than 0"),
        ({"stop": aiconv.StopConfig(max_tool_rounds=-3)}, "max_tool_rounds must be between 0"),
    ],
)
async def test_bad_numbers_are_refused_before_anything_is_written(
    keywords: dict[str, object], message: str
) -> None:
    async with aiconv.open_log("memory://") as log:
        with pytest.raises(aiconv.ConfigError, match=message):
            await aiconv.run_conversation(
                log,
                participants=[aiconv.Participant("a"), aiconv.Participant("b")],
                topic="t",
                env={},
                **keywords,  # type: ignore[arg-type]
            )
        assert await log.list_conversations() == []


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("", "must not be empty"),
        ("evil\x1b]0;pwned\x07", r"must not contain control characters \(found '\\x1b'\)"),
        ("a\u202eb", "must not contain control characters"),
        ("line\nbreak", "must not contain control characters"),
        ("x" * 65, "must be at most 64 characters"),
    ],
)
async def test_a_name_that_could_hijack_a_terminal_or_a_table_is_refused(
    name: str, message: str
) -> None:
    async with aiconv.open_log("memory://") as log:
        with pytest.raises(aiconv.ConfigError, match=message):
            await aiconv.run_conversation(
                log, participants=[aiconv.Participant(name), aiconv.Participant("b")], topic="t"
            )
        assert await log.list_conversations() == []


async def test_the_shipped_doubles_are_where_the_readme_names_them() -> None:
    """``aiconv.testing.ScriptedProvider`` (and ``FunctionProvider``, ``FakeClock``), as the
    README spells them, drive a conversation like any provider."""
    import aiconv.testing
    from aiconv.agents.messages import ChatRequest

    def answer(request: ChatRequest) -> str:
        return f"heard {request.messages[-1].content}\n<END>"

    clock = aiconv.testing.FakeClock(start=100.0)
    await clock.sleep(5)
    assert clock.now() == 105.0
    async with aiconv.open_log("memory://") as log:
        result = await aiconv.run_conversation(
            log,
            participants=[
                aiconv.Participant("a", provider=aiconv.testing.ScriptedProvider(["ping"])),
                aiconv.Participant("b", provider=aiconv.testing.FunctionProvider(answer)),
            ],
            topic="t",
        )
    assert [m.content for m in result.state.messages] == ["ping", "heard ping\n<END>"]
