"""The offline task user: its brief (as the task casting writes it into the system prompt, read
back), and how it answers like a person following it — for any domain's facts, not only
banking's."""

from __future__ import annotations

import random

import pytest

from aiconv.agents.messages import ChatMessage, ChatRequest
from aiconv.agents.task_user import (
    OUT_OF_SCOPE,
    SIGNALS,
    STOP,
    TRANSFER,
    Brief,
    TaskUserProvider,
)
from aiconv.agents.task_user.replies import Situation, next_message
from aiconv.errors import ProviderError
from aiconv.simulation.briefs import USER_SIGNALS, user_brief
from aiconv.simulation.tasks import Task


def prompt_of(**instructions: object) -> str:
    """The customer's system prompt the task casting writes for these instructions."""
    task = Task.model_validate(
        {"id": "t", "domain": "retail", "user_scenario": {"instructions": instructions}}
    )
    return user_brief(task, agent="support", persona="Patient and polite.")


def brief_of(**instructions: object) -> Brief:
    parsed = Brief.parse(prompt_of(**instructions))
    assert parsed is not None
    return parsed


RETAIL = brief_of(
    reason_for_call="You want to return the blender from your last order.",
    known_info={
        "full_name": "Mia Li",
        "email": "mia.li@example.com",
        "order_id": "W-1042",
        "zip_code": "28236",
    },
    unknown_info=["your customer id", "the tracking number"],
    task_instructions="You want a refund to the original card.\n"
    "Also ask: Can you also tell me when the refund will arrive?\n"
    "Also ask: And can I return the toaster too?\n"
    "Insist: The blender is broken, I really want to send it back.\n"
    "Decline: gift card",
)


def reply(agent_said: str, *own: str, brief: Brief = RETAIL, seed: int = 1) -> str:
    own_lines = own or ("Hi, I'd like to return a blender.",)
    situation = Situation(
        brief=brief, agent_said=agent_said, own=tuple(own_lines), rng=random.Random(seed)
    )
    return next_message(situation)


def last_line(text: str) -> str:
    return text.strip().splitlines()[-1]


def test_the_brief_is_read_from_the_prompt_the_casting_writes() -> None:
    assert RETAIL.reason_for_call == "You want to return the blender from your last order."
    assert RETAIL.facts == {
        "full_name": "Mia Li",
        "email": "mia.li@example.com",
        "order_id": "W-1042",
        "zip_code": "28236",
    }
    assert RETAIL.unknown == ("your customer id", "the tracking number")
    assert RETAIL.instructions.startswith("You want a refund to the original card.")
    assert Brief.parse("You are a customer. Be polite.") is None


def test_its_signals_are_the_ones_the_casting_listens_for() -> None:
    assert dict(USER_SIGNALS) == SIGNALS
    for signal in SIGNALS:
        assert signal in prompt_of(reason_for_call="r")


def test_prose_known_info_is_read_as_facts() -> None:
    """τ²-bench writes known_info as prose: "Your zip code is 28236." is a fact."""
    brief = brief_of(
        reason_for_call="r",
        known_info="You are Mia Li. Your zip code is 28236. Your user id is mia_li_3668.",
        unknown_info="You do not know your order id.",
    )
    assert brief.facts == {"zip_code": "28236", "user_id": "mia_li_3668"}
    assert brief.unknown == ("You do not know your order id.",)


def test_the_directives_are_read_from_the_instructions() -> None:
    assert RETAIL.directives("also ask") == [
        "Can you also tell me when the refund will arrive?",
        "And can I return the toaster too?",
    ]
    assert RETAIL.directives("insist") == ["The blender is broken, I really want to send it back."]
    assert RETAIL.directives("decline") == ["gift card"]


def test_it_opens_with_its_reason_in_its_own_words() -> None:
    """The casting posts a task's opening line; without one, the user opens itself."""
    first = Situation(brief=RETAIL, agent_said="", own=(), rng=random.Random(1))
    assert next_message(first) == "I want to return the blender from my last order."
    greeted = Situation(
        brief=RETAIL, agent_said="Hello, how can I help?", own=(), rng=random.Random(1)
    )
    assert next_message(greeted).endswith("I want to return the blender from my last order.")


def test_it_gives_exactly_the_facts_asked_for() -> None:
    answer = reply("Thanks. What is your order number, and the email address on the order?")
    assert "W-1042" in answer and "mia.li@example.com" in answer
    assert "Mia Li" not in answer and "28236" not in answer
    assert STOP not in answer
    only_zip = reply("Could you please confirm your ZIP code?")
    assert "28236" in only_zip and "W-1042" not in only_zip


def test_it_says_it_does_not_know_and_gives_up_when_pressed() -> None:
    first = reply("What is your customer id?")
    assert "don't know" in first and "my customer id" in first
    assert OUT_OF_SCOPE not in first
    again = reply("I need your customer id to continue. What is it?", first)
    assert last_line(again) == OUT_OF_SCOPE


def test_it_checks_a_confirmation_against_what_it_knows() -> None:
    brief = brief_of(reason_for_call="r", known_info={"delivery_address": "4 Oak Avenue, Leeds"})
    assert reply("Shall I send it to 4 Oak Avenue, Leeds?", brief=brief).startswith("Yes")
    no = reply("Shall I send it to 12 Main Street, Leeds?", brief=brief)
    assert no == "No, please send it to 4 Oak Avenue, Leeds."
    offered_again = reply(
        "I can only send it to 12 Main Street, Leeds. Shall I send it there?", no, brief=brief
    )
    assert "Oak" not in offered_again  # no insist line: it accepts


def test_it_accepts_offers_unless_told_to_decline_them() -> None:
    assert reply("Would you like a refund to your card?").startswith("Yes")
    assert reply("Would you like a gift card instead?").startswith("No")


def test_it_insists_once_when_refused_then_accepts() -> None:
    refusal = "I'm sorry, but I can't accept returns after 30 days. Anything else?"
    insisted = reply(refusal)
    assert insisted == "The blender is broken, I really want to send it back."
    accepted = reply(refusal, "Hi, I'd like to return a blender.", insisted)
    assert "Can you also tell me when the refund will arrive?" in accepted


def test_it_raises_its_other_requests_one_at_a_time_then_stops() -> None:
    first = reply("Your return is booked. Is there anything else I can help with?")
    assert first.endswith("Can you also tell me when the refund will arrive?")
    second = reply("Within 5 days. Anything else?", "opening", first)
    assert second.endswith("And can I return the toaster too?")
    done = reply("Yes, you can. Anything else?", "opening", first, second)
    assert last_line(done) == STOP
    assert done.count(STOP) == 1


def test_it_signals_a_transfer_but_not_an_offer_of_one() -> None:
    assert last_line(reply("I'm transferring you to our returns team now.")) == TRANSFER
    assert TRANSFER not in reply("Would you like me to transfer you to a colleague?")


def test_an_open_question_it_cannot_answer_ends_out_of_scope_when_repeated() -> None:
    first = reply("Which colour was the blender?")
    assert OUT_OF_SCOPE not in first
    assert last_line(reply("Which colour was it, exactly?", "opening", first)) == OUT_OF_SCOPE


async def test_the_provider_reads_its_brief_from_the_system_prompt() -> None:
    provider = TaskUserProvider(seed=3)
    request = ChatRequest(
        model="task-user",
        system=prompt_of(
            reason_for_call="You want to return a blender.", known_info={"order_id": "W-1042"}
        ),
        messages=(
            ChatMessage(role="assistant", content="Hi, I'd like to return a blender."),
            ChatMessage(role="user", content="Sure. What's your order number?"),
        ),
        context={"turn": 3, "conversation_id": "c1"},
    )
    first = await provider.complete(request)
    assert "W-1042" in first.content
    assert first.provider == "task-user"
    assert first.usage.output_tokens > 0
    assert (await provider.complete(request)).content == first.content
    with pytest.raises(ProviderError, match="needs a task brief"):
        await provider.complete(ChatRequest(model="task-user", system="Be nice.", messages=()))


def test_a_request_to_confirm_a_fact_is_answered_with_it() -> None:
    """ "Could you confirm your ZIP code?" asks for it; it is no confirmation of a number said
    elsewhere in the message."""
    answer = reply("Your order W-1042 is here. Could you confirm your ZIP code?")
    assert "28236" in answer
    assert not answer.startswith("No")


async def test_a_double_text_waits_for_the_agent_and_never_ends_or_repeats() -> None:
    """A hurried persona writes again before the agent answered: it waits ("Hello?"), it does not
    thank and stop (the agent did nothing yet), nor give its facts again, nor repeat a line."""
    provider = TaskUserProvider(seed=3)
    system = prompt_of(
        reason_for_call="You want to return a blender.", known_info={"order_id": "W-1042"}
    )
    history = [
        ChatMessage(role="assistant", content="Hi, I'd like to return a blender."),
        ChatMessage(role="user", content="Sure. What's your order number?"),
        ChatMessage(role="assistant", content="My order number is W-1042."),
    ]
    said: list[str] = []
    for turn in range(4, 12):
        request = ChatRequest(
            model="task-user",
            system=system,
            messages=tuple(history),
            context={"turn": turn, "conversation_id": "c1"},
        )
        text = (await provider.complete(request)).content
        assert STOP not in text and "W-1042" not in text, text
        assert text not in (said if len(said) < 6 else said[-1:]), (text, said)  # fresh first
        said.append(text)
        merged = f"{history[-1].content}\n\n{text}"  # consecutive own messages come merged
        history[-1] = ChatMessage(role="assistant", content=merged)
    assert len(said) == 8 and len(set(said)) == 6  # every waiting line once, then again
