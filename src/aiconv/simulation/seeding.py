"""Fill the response cache from a run already in the log, so a candidate can replay a baseline's
participant (typically the simulated customer) even if the baseline ran without the cache.

For every message the participant posted, the request it answered is rebuilt exactly as the
conductor built it (``prompts.build_request`` on the conversation as it stood before the
message) and stored under its content address with the reply that was recorded: its text, model,
usage and cost (for a reply that was itself a cache hit, the cost it saved).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeGuard

from aiconv.agents.cache import CacheStore, cache_key, encode_reply
from aiconv.agents.messages import ChatReply, Usage
from aiconv.errors import ConfigError
from aiconv.platform import codec
from aiconv.platform.conversation import ConversationState, evolve
from aiconv.platform.events import MessagePosted, ParticipantSpec
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
    """Store every reply ``participant`` posted in run ``run_id``; how many were stored."""
    entries = await log.list_conversations(ListQuery(run_id=run_id, limit=1_000_000))
    if not entries:
        raise ConfigError(f"no conversations with run id {run_id!r} (see `aic ls --run-id`)")
    stored = 0
    for entry in entries:
        state = ConversationState(conversation_id=entry.conversation_id)
        for item in await log.read(entry.conversation_id):
            recorded = codec.decode(item)
            event = recorded.event
            if _is_reply(event, participant):
                await _store(store, state, event, vendor_of)
                stored += 1
            state = evolve(state, recorded)
    if not stored:
        raise ConfigError(f"run {run_id!r} has no messages from a participant {participant!r}")
    return stored


def _is_reply(event: object, participant: str) -> TypeGuard[MessagePosted]:
    """A message ``participant``'s provider wrote; not a scenario's kick-off line, which is
    posted as written (no provider was asked, so there is no request it answered)."""
    if not isinstance(event, MessagePosted) or event.sender != participant:
        return False
    return not (event.model == OPENING_MODEL and not event.provider)


async def _store(
    store: CacheStore, state: ConversationState, message: MessagePosted, vendor_of: VendorOf
) -> None:
    speaker = state.participant(message.sender)
    vendor, default_model, endpoint = vendor_of(speaker)
    vendor = message.provider or vendor
    request = build_request(state, message.sender)
    cost = message.saved_usd if message.cached else message.cost_usd
    reply = ChatReply(
        content=message.content,
        model=message.model,
        usage=Usage(input_tokens=message.input_tokens, output_tokens=message.output_tokens),
        cost_usd=cost,
    )
    key = cache_key(vendor, default_model, request, speaker.base_url or endpoint)  # as simulate
    await store.put(key, encode_reply(reply, vendor), overwrite=False)
