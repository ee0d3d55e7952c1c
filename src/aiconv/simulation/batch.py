"""Batch runs: every persona × intent × repetition of a scenario, concurrently, resumable.

Each conversation's id is derived from (run id, cell, repetition), so rerunning a batch with the
same run id finds what is already in the log: finished conversations (ended and decided) are
skipped, interrupted or provider-failed ones are resumed, decided-less ones are evaluated, and
missing ones are created. Providers are built once per seat and shared by every conversation,
so they must not keep per-conversation state. Progress goes to ``on_progress`` with a live
``Tally``.
"""

from __future__ import annotations

import asyncio
import typing
from collections.abc import Callable, Sequence
from typing import Any

from aiconv.agents.provider import ChatProvider
from aiconv.errors import (
    AiconvError,
    ConversationNotFound,
    ProviderError,
    SequenceConflict,
)
from aiconv.platform import session
from aiconv.platform.conductor import Conductor
from aiconv.platform.conversation import ConversationState
from aiconv.platform.events import MessagePosted
from aiconv.platform.hooks import TurnHook
from aiconv.platform.observer import NULL_OBSERVER, ConductorObserver
from aiconv.queues.log import ConversationLog
from aiconv.reliability.clock import SYSTEM_CLOCK, Clock
from aiconv.simulation.casting import Casting, cast, conversation_id, paces_of, run_metadata
from aiconv.simulation.deciding import Decider
from aiconv.simulation.deciding import ProviderFactory as ProviderFactory  # re-exported
from aiconv.simulation.runs import check_run, check_same_scenario
from aiconv.simulation.scenario import Cell, Scenario
from aiconv.simulation.tally import CostObserver, Tally
from aiconv.simulation.timing import RealTimeProvider

#: Style examples for a cell's customer (grounded customers; ``aiconv.learning`` provides one).
StyleSource = Callable[[Cell], Sequence[str]]
#: End reasons that mean a conversation failed rather than finished.
FAILED_REASONS = frozenset({"provider_error", "provider_unavailable"})
#: The ``model`` of a scenario's kick-off line: posted as written, asked of no provider.
OPENING_MODEL = "scenario"


class BatchRunner:
    """Runs (or resumes) the conversations of ``scenario`` under ``run_id``."""

    def __init__(
        self,
        log: ConversationLog,
        scenario: Scenario,
        providers: ProviderFactory,
        *,
        run_id: str,
        parallel: int = 10,
        repeat: int | None = None,
        clock: Clock = SYSTEM_CLOCK,
        on_progress: Callable[[Tally], None] | None = None,
        observer: ConductorObserver = NULL_OBSERVER,
        grounding: StyleSource | None = None,
        turn_hook: TurnHook | None = None,
        shard: tuple[int, int] = (0, 1),
    ) -> None:
        self.scenario = scenario
        #: One scenario per agent under test (a matrix run has several).
        self.variants = scenario.variants()
        self.grounding = grounding
        self.run_id = run_id
        self.parallel = max(1, parallel)
        self.repeat = repeat or scenario.repeat
        #: (k, n): this runner takes every n-th conversation from the k-th (``--processes``).
        self.shard = shard
        every = len(scenario.cells()) * self.repeat * len(self.variants)
        self.tally = Tally(total=len(range(shard[0], every, shard[1])))
        self._notify = on_progress or (lambda tally: None)
        self.conductor = Conductor(
            log,
            clock=clock,
            observer=typing.cast(
                ConductorObserver, CostObserver(self.tally, self._changed, observer)
            ),
            turn_hook=turn_hook,
        )
        #: Providers by agent label, then participant name; the customer and further
        #: participants are shared by every agent under test.
        self.seats = self._seats(providers)
        self.decider = Decider(scenario, providers)

    def _seats(self, providers: ProviderFactory) -> dict[str, dict[str, ChatProvider]]:
        customer = providers(self.scenario.customer)
        if self.scenario.time == "real":
            customer = RealTimeProvider(
                customer, paces_of(self.scenario), clock=self.conductor.clock
            )
        shared = {self.scenario.customer.name: customer}
        shared |= {seat.name: providers(seat) for seat in self.scenario.extras}
        return {v.agent.label: {**shared, v.agent.name: providers(v.agent)} for v in self.variants}

    def _changed(self) -> None:
        self._notify(self.tally)

    def jobs(self) -> list[Casting]:
        """Every conversation of the run (of this runner's shard), repetition by repetition
        (early ones cover all cells, and every agent under test)."""
        return [casting for _, casting in self._plan()]

    def _plan(self) -> list[tuple[Scenario, Casting]]:
        cells: list[Cell] = self.scenario.cells()
        runs = [(v, run_metadata(v, self.repeat)) for v in self.variants]
        examples = {c.key: tuple(self.grounding(c)) if self.grounding else () for c in cells}

        def one(variant: Scenario, meta: dict[str, Any], cell: Cell, rep: int) -> Casting:
            return cast(
                variant,
                cell,
                run_id=self.run_id,
                repetition=rep,
                run=meta,
                examples=examples[cell.key],
            )

        every = [(v, m, c, r) for r in range(self.repeat) for c in cells for v, m in runs]
        index, count = self.shard
        return [(v, one(v, m, c, r)) for v, m, c, r in every[index::count]]

    async def check(self) -> None:
        """ScenarioError when the run id holds another scenario's conversations (or another
        agent's under one of this run's labels); writes nothing."""
        cells, reps = self.scenario.cells(), range(self.repeat)
        planned = [
            (v, [conversation_id(self.run_id, c, r, v.agent.label) for r in reps for c in cells])
            for v in self.variants
        ]
        await check_run(self.conductor.log, self.run_id, planned)

    async def run(self) -> Tally:
        """Run every conversation not finished yet; the final tally. ScenarioError, before
        anything is written, when the run id holds another scenario's conversations."""
        await self.check()
        plan = self._plan()
        limit = asyncio.Semaphore(self.parallel)
        try:
            async with asyncio.TaskGroup() as group:
                for variant, casting in plan:
                    group.create_task(self._job(variant, casting, limit))
        except ExceptionGroup as failed:
            # one of our own errors (a bad log, a mismatched run) is reported as itself
            ours, others = failed.split(AiconvError)
            if ours is not None and others is None:
                raise _first_leaf(ours) from failed
            raise
        return self.tally

    async def aclose(self) -> None:
        """Close every provider."""
        for provider in {id(p): p for s in self.seats.values() for p in s.values()}.values():
            await provider.aclose()
        await self.decider.aclose()

    async def _job(self, variant: Scenario, casting: Casting, limit: asyncio.Semaphore) -> None:
        async with limit:
            state = await self._prepare(variant, casting)
            self.tally.cost_usd += state.cost_usd  # spent before this process took it up
            if state.is_ended and state.outcome is not None:
                self._finish(state, skipped=True)
                return
            self.tally.running += 1
            self._changed()
            try:
                state = await self._complete(state, self.seats[variant.agent.label])
            except ProviderError:
                self.tally.failed += 1
                return
            finally:
                self.tally.running -= 1
                self._changed()
            self._finish(state, skipped=False)

    async def _complete(
        self, state: ConversationState, seats: dict[str, ChatProvider]
    ) -> ConversationState:
        cid = state.conversation_id
        if not state.is_ended:
            state = await session.play_all(self.conductor, cid, seats)
        if state.outcome is None and not _failed(state):
            state = await self._decide(state)
        return state

    def _finish(self, state: ConversationState, *, skipped: bool) -> None:
        if _failed(state) and state.outcome is None:
            self.tally.failed += 1
        else:
            self.tally.done += 1
            self.tally.skipped += int(skipped)
            self.tally.outcomes[state.outcome.outcome if state.outcome else "undecided"] += 1
        self._changed()

    async def _prepare(self, variant: Scenario, casting: Casting) -> ConversationState:
        """The conversation, created when missing and reopened when interrupted or failed."""
        try:
            state = await self.conductor.load(casting.conversation_id)
        except ConversationNotFound:
            state = await self._create(casting)
        check_same_scenario(state, variant, self.run_id)
        if state.ended is not None and state.ended.reason in session.RESUMABLE:
            state = await session.resume(self.conductor, casting.conversation_id, by="simulate")
        if not state.is_ended and not state.messages and casting.opening:
            state = await self._open(state, casting.first, casting.opening)
        return state

    async def _create(self, casting: Casting) -> ConversationState:
        try:
            return await session.create(
                self.conductor,
                conversation_id=casting.conversation_id,
                topic=casting.topic,
                participants=casting.participants,
                first=casting.first,
                stop=casting.stop,
                seed=casting.seed,
                lease_s=self.scenario.lease_s,
                turn_policy="scheduled",
                metadata=casting.metadata,
                judge=casting.judge,
                stamp=casting.stamp,
                also=casting.also,
            )
        except SequenceConflict:
            return await self.conductor.load(casting.conversation_id)

    async def _open(self, state: ConversationState, sender: str, text: str) -> ConversationState:
        """Post the scenario's kick-off line as the first speaker's first message."""
        message = MessagePosted(sender=sender, content=text, model=OPENING_MODEL, cost_usd=0.0)
        stamp = self.conductor.stamp_of(state)
        if stamp is not None:
            message = stamp(state, message)
        hook = self.conductor.turn_hook  # a voice call speaks the opening line too
        spoken = await hook.after_reply(state, message) if hook is not None else ()
        try:
            return await self.conductor.append(state, [message, *spoken])
        except SequenceConflict:
            return await self.conductor.catch_up(state)

    async def _decide(self, state: ConversationState) -> ConversationState:
        events, cost = await self.decider.events(state)
        self.tally.cost_usd += cost
        while state.outcome is None:
            try:
                state = await self.conductor.append(state, events)
            except SequenceConflict:
                state = await self.conductor.catch_up(state)
        return state


def _first_leaf(group: BaseExceptionGroup[AiconvError]) -> AiconvError:
    first = group.exceptions[0]
    return _first_leaf(first) if isinstance(first, BaseExceptionGroup) else first


def _failed(state: ConversationState) -> bool:
    return state.ended is not None and state.ended.reason in FAILED_REASONS


async def tally_of(log: ConversationLog, scenario: Scenario, *, run_id: str, repeat: int) -> Tally:
    """The tally of run ``run_id`` as it stands in ``log``, running nothing: finished
    conversations (ended and decided) are done, failed ones failed, as ``BatchRunner`` counts
    them. The parent of ``--processes N`` takes it before its children run (what was
    finished then is ``skipped``) and after they were interrupted."""
    conductor = Conductor(log)

    async def state_of(cid: str) -> ConversationState | None:
        try:
            return await conductor.load(cid)
        except ConversationNotFound:
            return None

    ids = [
        conversation_id(run_id, cell, rep, variant.agent.label)
        for variant in scenario.variants()
        for rep in range(repeat)
        for cell in scenario.cells()
    ]
    tally = Tally(total=len(ids))
    for state in await asyncio.gather(*(state_of(cid) for cid in ids)):
        if state is None:
            continue
        tally.cost_usd += state.cost_usd
        if state.is_ended and state.outcome is not None:
            tally.done += 1
            tally.outcomes[state.outcome.outcome] += 1
        elif _failed(state):
            tally.failed += 1
    return tally
