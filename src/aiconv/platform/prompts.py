"""From the state to a vendor-neutral ``ChatRequest`` for one speaker (pure).

Own messages become ``assistant``, everyone else's ``user`` (as the speaker heard them, in a voice
conversation) (named when there are three or more
participants, so a model can tell them apart); the history always opens with a user turn (the
opening speaker gets the topic), a blank message is left out (it says nothing, and Anthropic
refuses a text block of whitespace), consecutive turns of one role are merged, and a context limit
keeps the system prompt and the newest turns. The speaker's own tool rounds come back as it made
them (an ``assistant`` message with its calls, then a ``tool`` message with their results);
nobody sees another participant's tool calls.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass

from aiconv.agents.messages import (
    ChatMessage,
    ChatRequest,
    Role,
    ToolCall,
    ToolChoice,
    ToolResult,
    ToolSpec,
    estimate_tokens,
)
from aiconv.platform.conversation import ConversationState, Message, ToolActivity
from aiconv.platform.events import ParticipantSpec
from aiconv.platform.flow_fold import records_of


@dataclass(frozen=True, slots=True, kw_only=True)
class ContextLimit:
    """How much history a request carries: at most ``messages`` and about ``tokens`` tokens."""

    messages: int = 60
    tokens: int | None = None


def system_prompt(state: ConversationState, speaker: ParticipantSpec) -> str:
    """The system prompt of ``speaker``: role, topic, others, persona, extras, end convention."""
    assert state.started is not None
    others = [p.name for p in state.participants if p.name != speaker.name]
    end = state.started.stop.end_token
    lines = [
        f"You are {speaker.name}, taking part in a conversation with {_join(others)}.",
        f"Topic: {state.started.topic}",
        "Speak only as yourself, in the first person, in a few sentences per turn; "
        "respond to what was just said and move the conversation forward.",
    ]
    if speaker.persona:
        lines.append(f"Your persona: {speaker.persona}.")
    if speaker.role:
        lines.append(f"Your role: {speaker.role}.")
    if speaker.system:
        lines.append(speaker.system)
    lines.append(
        f"When the conversation has reached its natural end, write {end} alone on its own "
        "last line. Do not write it otherwise."
    )
    return "\n".join(lines)


def build_request(
    state: ConversationState,
    speaker_name: str,
    *,
    limit: ContextLimit | None = None,
    max_tokens: int = 1024,
    tools: tuple[ToolSpec, ...] = (),
    tool_choice: ToolChoice = "auto",
) -> ChatRequest:
    """The request that asks ``speaker_name`` for its next message."""
    speaker = state.participant(speaker_name)
    return ChatRequest(
        model=speaker.model,
        system=speaker.system_prompt or system_prompt(state, speaker),
        messages=tuple(_merge(_history(state, speaker_name, limit or ContextLimit()))),
        max_tokens=max_tokens,
        context=_context(state, speaker),
        tools=tools,
        tool_choice=tool_choice,
        temperature=speaker.temperature,
        seed=speaker.seed,
        records=records_of(state.flow_events, speaker_name) if state.flow_events else (),
    )


def _history(state: ConversationState, speaker: str, limit: ContextLimit) -> list[ChatMessage]:
    """What ``speaker`` is shown: the recent timeline within ``limit``, opening with the topic
    as a user message."""
    assert state.started is not None
    named = len(state.participants) >= 3
    recent = state.messages[-limit.messages :] if limit.messages else state.messages
    history = _trim(_timeline(state, recent, speaker, named), limit)
    while history and history[0].role == "tool":  # its calls were cut off by the limit
        history.pop(0)
    opening = ChatMessage(role="user", content=state.started.topic)
    if not history or history[0].role != "user":
        history.insert(0, opening)
    return history


def _context(
    state: ConversationState, speaker: ParticipantSpec
) -> dict[str, str | int | float | None]:
    """The request's context: topic, speaker, persona, seed, end token and turn numbers (what
    offline agents read)."""
    assert state.started is not None
    return {
        "topic": state.started.topic,
        "speaker": speaker.name,
        "persona": speaker.persona or "",
        "seed": speaker.seed if speaker.seed is not None else state.started.seed,
        "end_token": state.started.stop.end_token,
        "turn": state.turns + 1,
        "own_turn": state.turns_by.get(speaker.name, 0) + 1,
        "conversation_id": state.conversation_id,
    }


def _timeline(
    state: ConversationState, recent: tuple[Message, ...], speaker: str, named: bool
) -> list[ChatMessage]:
    """The recent messages and, between them, the speaker's own tool rounds, in order."""
    since = recent[0].sequence if len(recent) < len(state.messages) and recent else 0
    own = [
        t for t in state.tools if t.called.speaker == speaker and t.sequence > since and t.returned
    ]
    history: list[ChatMessage] = []
    tools = iter(own)
    pending = next(tools, None)
    for message in recent:
        while pending is not None and pending.sequence < message.sequence:
            pending = _round(history, pending, tools, until=message.sequence)
        chat = _as_chat(message, speaker, named, state.heard)
        if chat.content.strip():  # a blank reply says nothing, and a vendor may refuse it
            history.append(chat)
    while pending is not None:
        pending = _round(history, pending, tools, until=None)
    return history


def _round(
    history: list[ChatMessage],
    first: ToolActivity,
    rest: Iterator[ToolActivity],
    until: int | None,
) -> ToolActivity | None:
    """Append one tool round starting at ``first`` (a round never spans a message, at
    ``until``); the first activity of the next round."""
    calls, results = [], []
    current: ToolActivity | None = first
    while (
        current is not None
        and current.called.round == first.called.round
        and (until is None or current.sequence < until)
    ):
        called, returned = current.called, current.returned
        assert returned is not None
        calls.append(
            ToolCall(
                id=called.call_id,
                name=called.tool,
                arguments=called.arguments,
                signature=called.signature,
            )
        )
        results.append(
            ToolResult(
                call_id=called.call_id,
                name=called.tool,
                content=returned.content,
                is_error=returned.is_error,
            )
        )
        current = next(rest, None)
    history.append(
        ChatMessage(role="assistant", content=first.called.text, tool_calls=tuple(calls))
    )
    history.append(ChatMessage(role="tool", content="", tool_results=tuple(results)))
    return current


def _as_chat(
    message: Message, speaker: str, named: bool, heard: Mapping[tuple[str, int], str]
) -> ChatMessage:
    if message.moderator:
        return ChatMessage(role="user", content=f"[moderator] {message.content}")
    role: Role = "assistant" if message.sender == speaker else "user"
    # In a voice conversation a listener knows only what it heard, not what was said (only a
    # voice conversation records what was heard: the others skip the look-up).
    content = heard.get((speaker, message.sequence)) if role == "user" and heard else None
    content = message.content if content is None else content
    if role == "user" and named:
        return ChatMessage(role=role, content=f"{message.sender}: {content}", name=message.sender)
    return ChatMessage(role=role, content=content, name=message.sender)


def _trim(history: list[ChatMessage], limit: ContextLimit) -> list[ChatMessage]:
    kept = history  # already cut to limit.messages by the caller
    if limit.tokens is not None:
        budget, newest = limit.tokens, list[ChatMessage]()
        for message in reversed(kept):
            budget -= estimate_tokens(message.content)
            if budget < 0 and newest:
                break
            newest.append(message)
        kept = newest[::-1]
    return kept


def _merge(history: list[ChatMessage]) -> list[ChatMessage]:
    merged: list[ChatMessage] = []
    for message in history:
        if merged and _mergeable(merged[-1], message):
            previous = merged[-1]
            merged[-1] = ChatMessage(
                role=previous.role,
                content="\n\n".join(t for t in (previous.content, message.content) if t),
                name=previous.name if previous.name == message.name else None,
                tool_calls=message.tool_calls,
            )
        else:
            merged.append(message)
    return merged


def _mergeable(previous: ChatMessage, message: ChatMessage) -> bool:
    """Same role, and no tool call would lose its place right before its results."""
    return previous.role == message.role and previous.role != "tool" and not previous.tool_calls


def _join(names: list[str]) -> str:
    if len(names) <= 1:
        return names[0] if names else "no one yet"
    return ", ".join(names[:-1]) + f" and {names[-1]}"
