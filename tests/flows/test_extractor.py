"""The offline extractor reads like a real one: plain words are confident, vague ones are not,
unmentioned fields are misses, and a bare yes confirms only the value the question named."""

from __future__ import annotations

import json
from typing import Any

from aiconv.agents.messages import ChatMessage, ChatRequest
from aiconv.agents.structured import ask_structured
from aiconv.flows.extraction import Extracted, extraction_request, read_fields
from aiconv.flows.extractor import ExtractorProvider
from aiconv.flows.model import Flow


def request(
    flow: Flow, said: str, *, asked: str | None = None, question: str = "Hi"
) -> ChatRequest:
    history = [
        ChatMessage(role="assistant", content=question),
        ChatMessage(role="user", content=said),
    ]
    return extraction_request(flow, list(flow.fields.values()), history, asked)


async def read(flow: Flow, said: str, **kw: Any) -> dict[str, tuple[Any, float]]:
    reading = await read_fields(ExtractorProvider(), request(flow, said, **kw))
    assert reading.error is None
    return {g.name: (g.value, g.confidence) for g in reading.guesses}


async def test_plain_words_give_confident_values(designer: Flow) -> None:
    found = await read(designer, "We need a sales agent with a friendly tone.")
    assert found == {"agent_type": ("sales", 0.9), "tone": ("friendly", 0.9)}


async def test_hedged_words_lower_the_confidence_of_their_sentence_only(designer: Flow) -> None:
    found = await read(designer, "Maybe a sales agent. The tone should be formal.")
    assert found["agent_type"] == ("sales", 0.55)
    assert found["tone"] == ("formal", 0.9)


async def test_a_partial_name_is_a_low_confidence_guess(designer: Flow) -> None:
    found = await read(designer, "Something for support.")
    assert found == {"agent_type": ("customer_support", 0.5)}


async def test_two_candidates_at_once_are_ambiguous(designer: Flow) -> None:
    found = await read(designer, "Either sales or research, I can't decide.")
    assert found["agent_type"][1] == 0.45


async def test_what_is_not_said_is_not_reported(designer: Flow) -> None:
    assert await read(designer, "Hello there!") == {}


async def test_free_text_is_read_from_a_statement_or_the_answer_asked_for(designer: Flow) -> None:
    stated = await read(designer, "My goals is answer questions and book meetings.")
    assert stated["goals"] == (["answer questions", "book meetings"], 0.8)
    answered = await read(designer, "Close more deals.", asked="goals")
    assert answered["goals"] == (["Close more deals"], 0.8)


async def test_a_field_named_with_a_colon_is_read_without_its_label(designer: Flow) -> None:
    """ "Its goals: reset passwords, unlock accounts" (a label and a colon, as people type) is
    the goals, not a goal "Its goals: reset passwords"."""
    for said in ("Its goals: reset passwords, unlock accounts", "The goals : reset passwords"):
        found = await read(designer, said, asked="goals")
        assert found["goals"][0][0] == "reset passwords", (said, found)


async def test_a_yes_confirms_the_value_the_question_named(designer: Flow) -> None:
    question = "Just to be sure, is this right: the tone is formal?"
    found = await read(designer, "Yes.", asked="tone", question=question)
    assert found == {"tone": ("formal", 0.9)}


async def test_a_yes_to_a_question_listing_options_confirms_nothing(designer: Flow) -> None:
    question = designer.fields["tone"].question  # lists six tones
    assert await read(designer, "Yes.", asked="tone", question=question) == {}


async def test_yes_and_no_answer_the_boolean_asked_about(designer: Flow) -> None:
    assert (await read(designer, "Yes, please.", asked="tools_needed"))["tools_needed"] == (
        True,
        0.9,
    )
    assert (await read(designer, "No.", asked="tools_needed"))["tools_needed"] == (False, 0.9)
    stated = await read(designer, "Sure. My tools needed is no.", asked="tools_needed")
    assert stated["tools_needed"] == (False, 0.9)


async def test_tables_are_read_from_key_value_pairs(designer: Flow) -> None:
    found = await read(designer, "calendar: read only; crm: update deals", asked="tool_settings")
    assert found["tool_settings"] == ({"calendar": "read only", "crm": "update deals"}, 0.8)


async def test_the_reply_is_json_that_ask_structured_validates(designer: Flow) -> None:
    result = await ask_structured(ExtractorProvider(), request(designer, "A sales bot."), Extracted)
    assert result.ok and not result.repaired
    assert json.loads(result.replies[0].content)["tone"] is None


async def test_a_plain_request_gets_a_plain_refusal() -> None:
    plain = ChatRequest(model="", system="", messages=(ChatMessage(role="user", content="hi"),))
    reply = await ExtractorProvider().complete(plain)
    assert "structured-output" in reply.content


def test_the_extractor_sees_only_the_history_window(designer: Flow) -> None:
    history = [ChatMessage(role="user", content=f"message {i}") for i in range(12)]
    sent = extraction_request(designer, list(designer.fields.values()), history, None)
    assert [m.content for m in sent.messages] == [f"message {i}" for i in range(4, 12)]
    assert designer.history == 8
