"""The tool rounds of one turn, recorded so that every side effect happens once or says so.

A round: the model's reply asks for calls -> ``ToolCalled`` for all of them is appended (one
atomic append, after the turn's claim) -> each call runs (timeout; a tool's exception becomes a
tool error the model reads) -> its ``ToolReturned`` is appended as soon as it is known. An append
that loses its race means another instance took the turn over (``LeaseLost``): this instance
stops at once and never records a result it no longer owns. While its tools run, the instance
renews its claim (a ``TurnClaimed`` of its own, once a third of the lease is used), so a call
that outlasts the lease is not taken for a dead instance's.

A takeover first settles the calls its predecessor recorded without a result: an idempotent
tool runs again with the same call id (its idempotency key); any other gets
``ToolReturned(outcome="unknown")`` and ``AgentFailed(error_kind="tool_outcome_unknown")``, and
the model is told, instead of a side effect being repeated silently. Calls whose results are
recorded are never run again: the model sees them in its history.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass

from aiconv.agents.messages import ChatReply, ToolCall
from aiconv.agents.toolbox import (
    ToolBox,
    ToolCallContext,
    ToolOutcomeUnknown,
    ToolOutput,
    ToolRecord,
)
from aiconv.errors import SequenceConflict
from aiconv.observability.redaction import scrub
from aiconv.platform.conversation import ConversationState, ToolActivity
from aiconv.platform.events import AgentFailed, Event, ToolCalled, ToolReturned, TurnClaimed
from aiconv.platform.observer import ConductorObserver

#: Appends events right after a state (``Conductor.append``).
Append = Callable[[ConversationState, Sequence[Event]], Awaitable[ConversationState]]

UNKNOWN = (
    "The outcome of this call is unknown: the instance running it stopped before it returned, "
    "and the tool is not idempotent, so it was not run again. Check before repeating it."
)


class LeaseLost(Exception):
    """Another instance took the turn over while this one was working on it."""


@dataclass(frozen=True, slots=True, kw_only=True)
class RoundFacts:
    """The model call that asked for a round's tools: its model, usage, cost and latency."""

    reply: ChatReply
    latency_s: float


class ToolRounds:
    """Records and runs the tool calls of ``speaker``'s turns on one conversation."""

    def __init__(
        self,
        append: Append,
        speaker: str,
        tools: ToolBox,
        *,
        timeout_s: float,
        observer: ConductorObserver,
        monotonic: Callable[[], float] = time.monotonic,
        instance_id: str = "",
        now: Callable[[], float] = time.time,
    ) -> None:
        self._append = append
        self.speaker = speaker
        self.tools = tools
        self.timeout_s = timeout_s
        self.observer = observer
        self.monotonic = monotonic
        #: This instance, whose claim each append renews while it holds the turn.
        self.instance_id = instance_id
        self.now = now

    def next_round(self, state: ConversationState) -> int:
        """The number of the next round of the turn in progress (1 for a fresh turn)."""
        rounds = [t.called.round for t in state.turn_tools(self.speaker)]
        return max(rounds, default=0) + 1

    async def settle(self, state: ConversationState) -> ConversationState:
        """Give every call the turn recorded without a result one (after a takeover)."""
        for activity in state.turn_tools(self.speaker):
            if not activity.is_pending:
                continue
            if activity.called.error is not None:  # never run: its error is all it returns
                state = await self._run(state, activity.called, rerun=False)
            elif activity.called.idempotent:
                state = await self._run(state, activity.called, rerun=True)
            else:
                state = await self._unknown(state, activity)
        return state

    async def run_round(
        self, state: ConversationState, facts: RoundFacts, number: int
    ) -> ConversationState:
        """Record the reply's calls, run them one by one, record each result."""
        called = _called(state, self.speaker, facts, number, self.tools)
        state = await self._record(state, called)
        for event in called:
            state = await self._run(state, event, rerun=False)
        return state

    async def _run(
        self, state: ConversationState, called: ToolCalled, *, rerun: bool
    ) -> ConversationState:
        started = self.monotonic()
        with self.observer.tool_call(state, self.speaker, called.tool, called.call_id) as seen:
            running = asyncio.ensure_future(self._call(state, called))
            try:
                state = await self._keep_claim(state, running)
            finally:
                running.cancel()  # done already, unless this instance lost the turn or stops
            output, outcome = running.result()
            seen.update(outcome=outcome, is_error=output.is_error)
        content, truncated = capped(_storable(output.content))
        returned = ToolReturned(
            speaker=self.speaker,
            call_id=called.call_id,
            tool=called.tool,
            content=content,
            truncated=truncated,
            is_error=output.is_error,
            outcome=outcome,
            latency_s=round(self.monotonic() - started, 6),
            rerun=rerun,
        )
        return await self._record(state, [returned])

    async def _call(self, state: ConversationState, called: ToolCalled) -> tuple[ToolOutput, str]:
        if called.error is not None:
            text = f"the arguments for {called.tool} were not a JSON object: {called.error}"
            return ToolOutput(content=text, is_error=True), "error"
        context = ToolCallContext(
            conversation_id=state.conversation_id,
            participant=self.speaker,
            call_id=called.call_id,
            history=history_of(state),
            environments={d: snapshot.state for d, snapshot in state.environments.items()},
        )
        return await run_call(self.tools, called, context, self.timeout_s)

    async def _unknown(self, state: ConversationState, activity: ToolActivity) -> ConversationState:
        called = activity.called
        events: list[Event] = [
            ToolReturned(
                speaker=self.speaker,
                call_id=called.call_id,
                tool=called.tool,
                content=UNKNOWN,
                is_error=True,
                outcome="unknown",
            ),
            AgentFailed(
                speaker=self.speaker,
                error_kind="tool_outcome_unknown",
                message=f"{called.tool} ({called.call_id}) was called but never returned; "
                "not idempotent, so not run again",
            ),
        ]
        return await self._record(state, events)

    async def _keep_claim(
        self, state: ConversationState, running: asyncio.Future[tuple[ToolOutput, str]]
    ) -> ConversationState:
        """Wait for a call, renewing the claim every third of a lease while it runs: a call
        that outlasts the lease is not taken for a dead instance's and settled as unknown."""
        assert state.started is not None
        beat = state.started.lease_s / 3
        while not (await asyncio.wait({running}, timeout=beat))[0]:
            renewal = self._renewal(state)
            if renewal:
                state = await self._owned(state, renewal)
        return state

    def _renewal(self, state: ConversationState) -> list[Event]:
        """The turn's claim again for a whole lease from now, once a third of the lease is
        used, while this instance holds it (a quick round appends no claim)."""
        claim = state.claim
        if (
            claim is None
            or state.started is None
            or (claim.instance_id, claim.speaker) != (self.instance_id, self.speaker)
        ):
            return []
        expires = self.now() + state.started.lease_s
        if claim.lease_expires_at - expires > -state.started.lease_s / 3:
            return []
        return [
            TurnClaimed(
                speaker=self.speaker,
                instance_id=self.instance_id,
                lease_expires_at=expires,
                trace_context=dict(claim.trace_context),
            )
        ]

    async def _record(self, state: ConversationState, events: Sequence[Event]) -> ConversationState:
        """Append ``events``, with the claim renewed when due (the model's next call, after a
        slow round, gets most of a lease)."""
        return await self._owned(state, [*self._renewal(state), *events])

    async def _owned(self, state: ConversationState, events: Sequence[Event]) -> ConversationState:
        try:
            return await self._append(state, events)
        except SequenceConflict as exc:
            raise LeaseLost(state.conversation_id) from exc


async def run_call(
    tools: ToolBox, called: ToolCalled, context: ToolCallContext, timeout_s: float
) -> tuple[ToolOutput, str]:
    """Run one call within ``timeout_s``: (output, outcome) — never raises for the tool's sake."""
    try:
        async with asyncio.timeout(timeout_s):
            output = await tools.call(called.tool, called.arguments, context)
    except TimeoutError:
        text = f"{called.tool} did not answer within {timeout_s:g}s; its effect is unknown"
        return ToolOutput(content=text, is_error=True), "timeout"
    except ToolOutcomeUnknown as exc:
        text = f"{called.tool}: {exc}; its effect is unknown, check before repeating it"
        return ToolOutput(content=text, is_error=True), "unknown"
    except Exception as exc:  # the tool is user code: its failure is the model's to hear
        return ToolOutput(content=f"{type(exc).__name__}: {exc}", is_error=True), "error"
    return output, "error" if output.is_error else "ok"


def history_of(state: ConversationState) -> tuple[ToolRecord, ...]:
    """Every returned call of the conversation, as tool sources see them."""
    return tuple(
        ToolRecord(
            call_id=t.called.call_id,
            participant=t.called.speaker,
            tool=t.called.tool,
            arguments=t.called.arguments,
            content=t.returned.content,
            outcome=t.returned.outcome,
        )
        for t in state.tools
        if t.returned is not None
    )


def _called(
    state: ConversationState, speaker: str, facts: RoundFacts, number: int, tools: ToolBox
) -> list[ToolCalled]:
    """One ``ToolCalled`` per call of the reply; the first carries the model call's facts."""
    used = {t.called.call_id for t in state.tools}
    events = []
    for index, call in enumerate(facts.reply.tool_calls):
        call_id = _unique(call, used, state.sequence + index + 1)
        used.add(call_id)
        first = index == 0
        reply = facts.reply
        events.append(
            ToolCalled(
                speaker=speaker,
                call_id=call_id,
                tool=call.name,
                arguments={k: _scrubbed(v) for k, v in call.arguments.items()},
                round=number,
                idempotent=tools.is_idempotent(call.name),
                text=reply.content if first else "",
                model=reply.model if first else "",
                input_tokens=reply.usage.input_tokens if first else 0,
                output_tokens=reply.usage.output_tokens if first else 0,
                cost_usd=reply.cost_usd if first else 0.0,
                latency_s=round(facts.latency_s, 6) if first else 0.0,
                cached=reply.cached and first,
                saved_usd=reply.saved_usd if first else None,
                # the error quotes the raw arguments text, secrets and all
                error=scrub(call.error) if call.error is not None else None,
                signature=call.signature,
            )
        )
    return events


def _unique(call: ToolCall, used: set[str], sequence: int) -> str:
    """The vendor's call id, made unique in the conversation if a provider reused one."""
    call_id = call.id or f"call-{sequence}"
    return call_id if call_id not in used else f"{call_id}-{sequence}"


#: The most characters of one tool result that are recorded and shown to the model (about 25k
#: tokens): a tool that returns a whole file or table would otherwise swell the log and the next
#: request past what any vendor accepts, ending the conversation with a provider error.
RESULT_LIMIT = 100_000


def capped(text: str, limit: int = RESULT_LIMIT) -> tuple[str, bool]:
    """``text`` cut to ``limit`` characters with a note the model reads, and whether it was."""
    if len(text) <= limit:
        return text, False
    note = f"\n[result truncated: {len(text):,} characters, the first {limit:,} shown]"
    return text[:limit] + note, True


def _storable(text: str) -> str:
    """``text`` scrubbed of secrets, a lone surrogate (a file name that is not UTF-8, as
    ``surrogateescape`` decodes it; JSON's ``\\ud800``) as U+FFFD: a tool's output and a
    model's arguments are whatever they are, and no log can store that (a pair joins up)."""
    whole = text.encode("utf-16", "surrogatepass").decode("utf-16", "replace")
    return scrub(whole)


def _scrubbed(value: object) -> object:
    """``value`` with every string in it scrubbed, however deep in objects and arrays."""
    if isinstance(value, str):
        return _storable(value)
    if isinstance(value, Mapping):
        return {k: _scrubbed(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_scrubbed(v) for v in value]
    return value
