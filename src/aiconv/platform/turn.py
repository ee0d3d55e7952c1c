"""One claimed turn: what the speaker heard, its model's tool rounds, then its message.

``Conductor`` claims the turn; ``Turn`` does everything that happens under the claim and appends
it right after, so a takeover finds either a step recorded or not at all: a turn hook's events
(e.g. what a listener heard), the tool rounds (``toolrounds``), and finally the message with the
referee's verdict — or the provider's failure: it ends the conversation, except in a shared one
(``Conductor.shared``) where this process's own provider failed (``is_own_failure``): then the
turn is released for another instance and the error is raised.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from aiconv.agents.messages import ChatReply, ToolChoice
from aiconv.agents.provider import ChatProvider, DeltaCallback
from aiconv.agents.toolbox import ToolBox
from aiconv.errors import ProviderError, ProviderRejected, ProviderUnavailable, SequenceConflict
from aiconv.observability.redaction import scrub
from aiconv.platform import text_memo
from aiconv.platform.conversation import ConversationState, fold_ahead
from aiconv.platform.events import AgentFailed, ConversationEnded, Event, MessagePosted
from aiconv.platform.flow_fold import events_of
from aiconv.platform.prompts import build_request
from aiconv.platform.termination import StopReason
from aiconv.platform.toolrounds import LeaseLost, RoundFacts, ToolRounds

if TYPE_CHECKING:
    from aiconv.platform.conductor import Conductor


@dataclass(frozen=True, slots=True, kw_only=True)
class Seat:
    """What one participant plays with in this process."""

    provider: ChatProvider
    tools: ToolBox


class Turn:
    """The work of participant ``name`` under its claim."""

    def __init__(self, conductor: Conductor, name: str, seat: Seat, began: float) -> None:
        self.conductor = conductor
        self.name = name
        self.seat = seat
        self.began = began

    async def take(self, state: ConversationState) -> ConversationState:
        """What the speaker heard (a turn hook), the model's tool rounds (if any), then its
        message — or the provider's failure."""
        assert state.started is not None
        stop = state.started.stop
        if self.conductor.turn_hook is not None:
            state = await self._hear(state)
        rounds = ToolRounds(
            self.conductor.append,
            self.name,
            self.seat.tools,
            timeout_s=stop.tool_timeout_s,
            observer=self.conductor.observer,
            monotonic=self.conductor.clock.monotonic,
            instance_id=self.conductor.instance_id,
            now=self.conductor.clock.now,
        )
        if state.tools:  # calls a dead instance left without a result
            state = await rounds.settle(state)
        while True:
            number = rounds.next_round(state)
            allowed = number <= stop.max_tool_rounds
            called = self.conductor.clock.monotonic()
            try:
                reply = await self._ask(state, "auto" if allowed else "none")
            except ProviderError as exc:
                return await self._fail(state, exc)
            latency = self.conductor.clock.monotonic() - called
            if not reply.tool_calls or reply.stop is not None:
                return await self._answer(state, reply, latency)
            if not allowed:
                return await self._too_many_rounds(state, reply, latency)
            facts = RoundFacts(reply=reply, latency_s=latency)
            state = await rounds.run_round(state, facts, number)

    async def _hear(self, state: ConversationState) -> ConversationState:
        """Append the turn hook's events for before the call (e.g. what the speaker heard)."""
        hook = self.conductor.turn_hook
        assert hook is not None
        before = await hook.before_call(state, self.name)
        if not before:
            return state
        try:
            return await self.conductor.append(state, list(before))
        except SequenceConflict as exc:  # our lease was taken over
            raise LeaseLost(state.conversation_id) from exc

    async def _ask(self, state: ConversationState, tool_choice: ToolChoice) -> ChatReply:
        request = build_request(
            state,
            self.name,
            limit=self.conductor.context,
            tools=self.seat.tools.specs(),
            tool_choice=tool_choice,
        )
        return await self.seat.provider.complete(request, on_delta=self._deltas(state.sequence))

    def _deltas(self, after: int) -> DeltaCallback | None:
        on_delta, name = self.conductor.on_delta, self.name
        return (lambda chunk: on_delta(name, chunk, after)) if on_delta else None

    async def _too_many_rounds(
        self, state: ConversationState, reply: ChatReply, latency: float
    ) -> ConversationState:
        """The model kept asking for tools after the last allowed round: record it, and post
        its text if it wrote any (else the conversation ends: nothing was said)."""
        assert state.started is not None
        name, limit = self.name, state.started.stop.max_tool_rounds
        failed = AgentFailed(
            speaker=name,
            error_kind="max_tool_rounds",
            message=f"{name} asked for tools after {limit} tool rounds in one turn",
        )
        if reply.content.strip():
            try:
                state = await self.conductor.append(state, [failed])
            except SequenceConflict as exc:  # taken over: post nothing under another's claim
                raise LeaseLost(state.conversation_id) from exc
            return await self._answer(state, replace(reply, tool_calls=()), latency)
        ended = ConversationEnded(
            reason="max_tool_rounds",
            detail=f"{name} asked for tools after {limit} tool rounds and said nothing",
            by=name,
        )
        return await self.conductor.commit(state, [failed, ended])

    async def _answer(
        self, state: ConversationState, reply: ChatReply, latency: float
    ) -> ConversationState:
        """Post the reply as the turn's message (or end the conversation if it asks to)."""
        name = self.name
        if reply.stop is not None:
            stop = StopReason(reason=reply.stop, detail=f"{name} has nothing more to say")
            return await self.conductor.commit(
                state, [ConversationEnded(reason=stop.reason, detail=stop.detail, by=name)]
            )
        message = _message(name, reply, self.seat.provider.name, latency)
        try:
            recorded = events_of(reply.records, name)
        except ProviderError as exc:
            return await self._fail(state, exc)
        posted = await self._post(state, message, recorded)
        if posted.sequence > state.sequence and posted.messages:
            self.conductor.observer.message_posted(
                posted, posted.messages[-1], self.conductor.clock.monotonic() - self.began
            )
        return posted

    async def _post(
        self, state: ConversationState, message: MessagePosted, recorded: Sequence[Event] = ()
    ) -> ConversationState:
        """Append what the speaker recorded (a flow's stage and extractions), the message, what
        the turn hook adds and the referee's verdict, in one atomic append."""
        now = self.conductor.clock.now()
        stamp = self.conductor.stamp_of(state)
        if stamp is not None:
            message = stamp(state, message)
        prospective = fold_ahead(state, [*recorded, message], now)
        memo = self.conductor.memo_of(state.conversation_id)
        outer = text_memo.judging(memo)  # the window's text views, computed once per text
        try:
            verdict = self.conductor.judge_of(state)(prospective, now)
        finally:
            text_memo.done(memo, outer, prospective.messages)
        after = (
            await self.conductor.turn_hook.after_reply(state, message)
            if self.conductor.turn_hook
            else ()
        )
        events: list[Event] = [*recorded, message, *after, *verdict.events]
        if verdict.stop is not None:
            events.append(
                ConversationEnded(
                    reason=verdict.stop.reason, detail=verdict.stop.detail, by=message.sender
                )
            )
        else:  # the next turn's claim rides along when its speaker plays here too
            ahead = fold_ahead(state, events, now, folded=prospective)
            claim = self.conductor.claim_ahead(ahead)
            if claim is not None:
                events.append(claim)
                prospective = ahead
        return await self.conductor.commit(state, events, folded=prospective)

    async def _fail(self, state: ConversationState, exc: ProviderError) -> ConversationState:
        """Record the failure and end the conversation; or, when this process's own provider
        failed in a shared conversation, record it with the turn released and raise ``exc``."""
        name = self.name
        failed = AgentFailed(
            speaker=name,
            error_kind=exc.kind,
            message=scrub(str(exc))[:500],
            retryable=exc.retryable,
            breaker_state=exc.breaker_state,
            attempts=exc.attempts,
            request_id=exc.request_id,
            released=self.conductor.shared and is_own_failure(exc),
        )
        if failed.released:
            await self.conductor.commit(state, [failed])
            raise exc
        reason = (
            "provider_unavailable" if isinstance(exc, ProviderUnavailable) else "provider_error"
        )
        ended = ConversationEnded(reason=reason, detail=scrub(f"{name}: {exc}")[:500], by=name)
        return await self.conductor.commit(state, [failed, ended])


#: Statuses that say the asker cannot use its provider at all: its key or account is refused
#: (401, 402, 403), or its model or endpoint does not exist there (404).
_OWN_STATUSES = frozenset({401, 402, 403, 404})


def is_own_failure(exc: ProviderError) -> bool:
    """Whether ``exc`` is the calling process's problem rather than the conversation's: its
    provider cannot be reached (or kept failing until retries ran out), or refuses its key or
    does not know its model. Any other refusal is about what was asked."""
    if isinstance(exc, ProviderUnavailable):
        return True
    return isinstance(exc, ProviderRejected) and exc.status in _OWN_STATUSES


def _message(name: str, reply: ChatReply, provider: str, latency_s: float) -> MessagePosted:
    return MessagePosted(
        sender=name,
        content=reply.content,
        model=reply.model,
        provider=reply.provider or provider,
        input_tokens=reply.usage.input_tokens,
        output_tokens=reply.usage.output_tokens,
        cost_usd=reply.cost_usd,
        latency_s=round(latency_s, 6),
        attempts=reply.attempts,
        cached=reply.cached,
        saved_usd=reply.saved_usd,
        finish_reason=reply.finish_reason,
        truncated=reply.truncated,
    )
