"""Turn policy, stop rules and prompts: pure functions of the state."""

from __future__ import annotations

import pytest

from aiconv.errors import ConfigError
from aiconv.platform import termination
from aiconv.platform.codec import Recorded
from aiconv.platform.conversation import ConversationState, fold
from aiconv.platform.events import (
    ConversationStarted,
    Event,
    MessagePosted,
    ModeratorNoted,
    ParticipantSpec,
    StopConfig,
)
from aiconv.platform.prompts import ContextLimit, build_request, system_prompt
from aiconv.platform.turns import next_speaker, resolve_policy


def state_of(
    *events: Event, names: tuple[str, ...] = ("ann", "bob"), **start: object
) -> ConversationState:
    started = ConversationStarted(
        topic="Tabs or spaces?",
        participants=tuple(ParticipantSpec(name=n, agent="mock") for n in names),
        first_speaker=str(start.pop("first", names[0])),
        **start,  # type: ignore[arg-type]
    )
    items = [
        Recorded(conversation_id="c", sequence=i, position=i, at=100.0 + i, event=e)
        for i, e in enumerate((started, *events), 1)
    ]
    return fold("c", items)


def say(sender: str, content: str = "hello", **kw: object) -> MessagePosted:
    return MessagePosted(sender=sender, content=content, **kw)  # type: ignore[arg-type]


class TestTurnPolicy:
    def test_first_speaker_opens(self) -> None:
        assert next_speaker(state_of(first="bob")) == "bob"

    def test_two_participants_alternate_from_the_last_sender(self) -> None:
        assert next_speaker(state_of(say("ann"))) == "bob"
        assert next_speaker(state_of(say("ann"), say("bob"))) == "ann"

    def test_round_robin_for_three(self) -> None:
        names = ("a", "b", "c")
        assert next_speaker(state_of(say("a"), names=names)) == "b"
        assert next_speaker(state_of(say("a"), say("b"), names=names)) == "c"
        assert next_speaker(state_of(say("a"), say("b"), say("c"), names=names)) == "a"

    def test_moderator_notes_do_not_take_a_turn(self) -> None:
        assert next_speaker(state_of(say("ann"), ModeratorNoted(content="move on"))) == "bob"

    def test_addressed_policy_hands_the_turn_to_the_named_participant(self) -> None:
        names = ("a", "b", "c")
        state = state_of(say("a", "@c what do you think?"), names=names, turn_policy="addressed")
        assert next_speaker(state) == "c"
        state = state_of(say("a", "no one in particular"), names=names, turn_policy="addressed")
        assert next_speaker(state) == "b"

    def test_unknown_policy_lists_the_valid_ones(self) -> None:
        with pytest.raises(ConfigError, match="addressed, round_robin"):
            resolve_policy("random")


class TestStopRules:
    def test_max_turns(self) -> None:
        state = state_of(say("ann"), say("bob"), stop=StopConfig(max_turns=2))
        assert termination.check(state, 0) == termination.StopReason(
            reason="max_turns", detail="2 of 2 messages"
        )
        assert termination.check(state_of(say("ann"), stop=StopConfig(max_turns=2)), 0) is None

    def test_max_turns_per_participant(self) -> None:
        state = state_of(
            say("ann"), say("bob"), say("ann"), stop=StopConfig(max_turns_per_participant=2)
        )
        reason = termination.check(state, 0)
        assert reason is not None
        assert reason.reason == "max_turns_per_participant"
        assert "ann" in reason.detail

    @pytest.mark.parametrize(
        ("content", "ends"),
        [
            ("Thanks!\n<END>", True),
            ("<END>", True),
            ("  <END>  \nP.S.", True),
            ("I will write <END> when done", False),
            ("<END>ing soon", False),
            ("the token is `<END>`", False),
        ],
    )
    def test_end_token_only_on_its_own_line(self, content: str, ends: bool) -> None:
        state = state_of(say("ann", content))
        assert (termination.end_token(state, 0) is not None) == ends

    def test_token_budget_records_how_far_over(self) -> None:
        state = state_of(
            say("ann", input_tokens=700, output_tokens=400), stop=StopConfig(max_tokens=1000)
        )
        reason = termination.check(state, 0)
        assert reason == termination.StopReason(
            reason="token_budget", detail="1100 of 1000 tokens (100 over)"
        )

    def test_cost_budget(self) -> None:
        state = state_of(
            say("ann", cost_usd=0.3), say("bob", cost_usd=0.25), stop=StopConfig(max_cost_usd=0.5)
        )
        reason = termination.check(state, 0)
        assert reason is not None
        assert reason.reason == "cost_budget"
        assert "$0.050000 over" in reason.detail

    def test_wall_clock(self) -> None:
        state = state_of(stop=StopConfig(timeout_s=10))
        assert termination.wall_clock(state, state.started_at + 9.9) is None
        late = termination.wall_clock(state, state.started_at + 12)
        assert late is not None
        assert late.reason == "timeout"


class TestPrompts:
    def test_own_messages_are_assistant_and_others_user(self) -> None:
        state = state_of(say("ann", "one"), say("bob", "two"), say("ann", "three"))
        request = build_request(state, "bob")
        assert [(m.role, m.content) for m in request.messages] == [
            ("user", "one"),
            ("assistant", "two"),
            ("user", "three"),
        ]

    def test_opening_speaker_gets_the_topic_as_first_user_message(self) -> None:
        request = build_request(state_of(say("ann", "hi")), "ann")
        assert [(m.role, m.content) for m in request.messages] == [
            ("user", "Tabs or spaces?"),
            ("assistant", "hi"),
        ]

    def test_names_are_kept_for_three_or_more(self) -> None:
        state = state_of(say("a", "x"), say("b", "y"), names=("a", "b", "c"))
        request = build_request(state, "c")
        assert request.messages[0].content == "a: x\n\nb: y"

    def test_context_limit_keeps_the_newest_turns_and_starts_with_a_user_turn(self) -> None:
        state = state_of(*[say("ann" if i % 2 == 0 else "bob", f"m{i}") for i in range(10)])
        request = build_request(state, "ann", limit=ContextLimit(messages=3))
        assert request.messages[0].role == "user"
        assert request.messages[-1].content == "m9"
        assert len(request.messages) <= 4

    def test_system_prompt_names_topic_others_persona_and_end_token(self) -> None:
        state = state_of()
        prompt = system_prompt(
            state, ParticipantSpec(name="ann", agent="mock", persona="impatient")
        )
        for needle in ("You are ann", "bob", "Tabs or spaces?", "impatient", "<END>"):
            assert needle in prompt
