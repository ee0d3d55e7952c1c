"""Fill the response cache from a run already in the log, so a candidate can replay a baseline's
participant (typically the simulated customer) even if the baseline ran without the cache.

For every model reply of the participant — each message it posted, and each reply that asked
for tools (the first ``ToolCalled`` of a round carries that call's facts, the round's calls are
its tool calls) — the request it answered is rebuilt exactly as the conductor's turn built it
(``prompts.build_request`` on the conversation as it stood before the reply, with the
participant's recorded tools and the tool choice of that round) and stored under its content
address with the reply that was recorded: its text, tool calls, model, usage and cost (for a
reply that was itself a cache hit, the cost it saved). The participant's tool sources are
opened to read their specs (an MCP server is started and stopped again), never called.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeGuard

from aiconv.agents.cache import CacheStore, cache_key, encode_reply
from aiconv.agents.messages import ChatReply, ToolCall, ToolChoice, ToolSpec, Usage
from aiconv.agents.toolbox import ToolKit, close_all, open_tools
from aiconv.errors import ConfigError
from aiconv.platform import codec
from aiconv.platform.codec import Recorded
from aiconv.platform.conversation import ConversationState, evolve
from aiconv.platform.events import MessagePosted, ParticipantSpec, ToolCalled
from aiconv.platform.prompts import build_request
from aiconv.queues.log import ConversationLog, ListQuery
from aiconv.simulation.batch import OPENING_MODEL

#: The vendor name and default model of a participant's provider (``ChatProvider.name`` and
#: ``.model``: the request's model is the participant's, or that default when it has none), and
#: the address its requests go to when it is not the vendor's own (``cache_endpoint``).
VendorOf = Callable[[ParticipantSpec], tuple[str, str, str | None]]


async def seed_cache(
    log: ConversationLog,
    run_id: str,
    participant: str,
    store: CacheStore,
    vendor_of: VendorOf,
) -> int:
    """Store every reply ``participant``'s model gave in run ``run_id`` (its messages and the
    replies that asked for tools); how many were stored."""
    entries = await log.list_conversations(ListQuery(run_id=run_id, limit=1_000_000))
    if not entries:
        raise ConfigError(f"no conversations with run id {run_id!r} (see `aic ls --run-id`)")
    seeder = _Seeder(store, participant, vendor_of)
    try:
        for entry in entries:
            events = [codec.decode(item) for item in await log.read(entry.conversation_id)]
            await seeder.seed(entry.conversation_id, events)
    finally:
        await close_all(list(seeder.kits.values()))
    if not seeder.stored:
        raise ConfigError(f"run {run_id!r} has no messages from a participant {participant!r}")
    return seeder.stored


class _Seeder:
    """Stores one participant's replies, conversation by conversation, opening each set of
    tool sources once."""

    def __init__(self, store: CacheStore, participant: str, vendor_of: VendorOf) -> None:
        self.store, self.participant, self.vendor_of = store, participant, vendor_of
        self.kits: dict[tuple[str, ...], ToolKit] = {}
        self.stored = 0

    async def seed(self, conversation_id: str, events: Sequence[Recorded]) -> None:
        """Store the participant's replies in one conversation's ``events``."""
        state = ConversationState(conversation_id=conversation_id)
        for index, recorded in enumerate(events):
            event = recorded.event
            reply = None
            if _is_reply(event, self.participant):
                reply = _message_reply(event)
            elif _asks_tools(event, state, self.participant):
                reply = _round_reply(event, events[index + 1 :])
            if reply is not None:
                await self._store(state, reply)
            state = evolve(state, recorded)

    async def _store(self, state: ConversationState, reply: ChatReply) -> None:
        speaker = state.participant(self.participant)
        vendor, default_model, endpoint = self.vendor_of(speaker)
        vendor = reply.provider or vendor
        request = build_request(
            state,
            self.participant,
            tools=await self._specs(speaker),
            tool_choice=_tool_choice(state, self.participant),
        )
        key = cache_key(vendor, default_model, request, speaker.base_url or endpoint)  # as simulate
        await self.store.put(key, encode_reply(reply, vendor), overwrite=False)
        self.stored += 1

    async def _specs(self, speaker: ParticipantSpec) -> tuple[ToolSpec, ...]:
        """The specs of the tools ``speaker`` was started with, as its turns offered them."""
        if not speaker.tools:
            return ()
        if speaker.tools not in self.kits:
            self.kits[speaker.tools] = await open_tools(speaker.tools)
        return self.kits[speaker.tools].specs()


def _is_reply(event: object, participant: str) -> TypeGuard[MessagePosted]:
    """A message ``participant``'s provider wrote; not a scenario's kick-off line, which is
    posted as written (no provider was asked, so there is no request it answered)."""
    if not isinstance(event, MessagePosted) or event.sender != participant:
        return False
    return not (event.model == OPENING_MODEL and not event.provider)


def _asks_tools(event: object, state: ConversationState, participant: str) -> TypeGuard[ToolCalled]:
    """The first call of one of ``participant``'s tool rounds: it carries the facts of the model
    reply that asked for the round's calls."""
    if not isinstance(event, ToolCalled) or event.speaker != participant:
        return False
    return all(t.called.round != event.round for t in state.turn_tools(participant))


def _tool_choice(state: ConversationState, participant: str) -> ToolChoice:
    """What the turn offered: tools while rounds are left, none after the last one."""
    assert state.started is not None
    number = max((t.called.round for t in state.turn_tools(participant)), default=0) + 1
    return "auto" if number <= state.started.stop.max_tool_rounds else "none"


def _message_reply(message: MessagePosted) -> ChatReply:
    return ChatReply(
        content=message.content,
        model=message.model,
        provider=message.provider,
        usage=Usage(input_tokens=message.input_tokens, output_tokens=message.output_tokens),
        cost_usd=message.saved_usd if message.cached else message.cost_usd,
    )


def _round_reply(first: ToolCalled, after: Sequence[Recorded]) -> ChatReply:
    """The reply that asked for ``first``'s round: its text and facts, and every call of the
    round (appended together, right after ``first``)."""
    calls = [first]
    for recorded in after:
        event = recorded.event
        if not isinstance(event, ToolCalled) or (event.speaker, event.round) != (
            first.speaker,
            first.round,
        ):
            break
        calls.append(event)
    return ChatReply(
        content=first.text,
        model=first.model,
        usage=Usage(input_tokens=first.input_tokens, output_tokens=first.output_tokens),
        cost_usd=first.saved_usd if first.cached else first.cost_usd,
        tool_calls=tuple(
            ToolCall(
                id=c.call_id,
                name=c.tool,
                arguments=dict(c.arguments),
                error=c.error,
                signature=c.signature,
            )
            for c in calls
        ),
    )
