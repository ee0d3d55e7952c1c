"""The worker: a long-running instance that serves every active detached conversation of a log.

``aic-start --detach`` (and batch runs) create conversations and return at once; any number of
workers on any number of machines then run them. A worker discovers detached conversations on
ONE loop that tails the global log (``read_all`` by position, decoding only lifecycle events), so
it costs no per-conversation polling. It serves up to ``concurrency`` conversations at a time,
running every participant seat through ``Conductor.play``; workers never coordinate directly:
each turn goes to whoever wins the turn claim, so two workers never both answer a turn. Worker
conductors are *sticky*: once another instance has claimed a turn of a conversation, a worker
leaves that conversation to it until it has been silent for a whole lease (then it takes over),
so the fleet splits conversations between workers instead of racing for every turn.

``stop()`` (wired to SIGTERM by the CLI) stops discovery and claims no new turn; the turns in
flight get ``grace`` seconds to finish (their messages are posted), then whatever is left is
abandoned: an abandoned claim simply lapses when its lease expires and another instance takes the
turn. Nothing else is appended on the way out: the conversation belongs to the fleet. To count
the turns in flight the worker installs a ``TurnGate`` as the conductor's admission hook.

Workers that know of each other (the N processes of ``aic worker --processes N``) each take a
share: a worker serves its share first and another's conversation only once it has waited
``patience`` unserved, so siblings do not all load and race for the same conversations.

Providers come from the injected ``provider_for(ParticipantSpec)``, so the platform never
imports the agent registry. This module sees only the ports.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field

import structlog

from aiconv.agents.provider import ChatProvider
from aiconv.errors import AiconvError, CodecError, ConfigError, LogError
from aiconv.platform import codec, session
from aiconv.platform.admission import TurnGate, TurnRefused
from aiconv.platform.cancellation import cancel_and_wait, wait_all
from aiconv.platform.conductor import Conductor, ServedElsewhere
from aiconv.platform.events import (
    ConversationEnded,
    ConversationResumed,
    ConversationStarted,
    ParticipantSpec,
)
from aiconv.platform.loops import warm_up
from aiconv.queues.log import StoredEvent

#: Builds the provider of one participant seat (the CLI passes the registry's factory).
ProviderFactory = Callable[[ParticipantSpec], ChatProvider]

_LIFECYCLE = {ConversationStarted.KIND, ConversationEnded.KIND, ConversationResumed.KIND}
_RETRY_AFTER_S = 1.0


@dataclass(slots=True, kw_only=True)
class WorkerStats:
    """What a worker has done so far (for logs, metrics and tests)."""

    served: int = 0
    completed: int = 0
    failed: int = 0
    #: Conversations left to another worker that was serving them (looked at again later).
    deferred: int = 0
    active: set[str] = field(default_factory=set)


class Worker:
    """Serves the active detached conversations of ``conductor.log``; ``await run()``."""

    def __init__(
        self,
        conductor: Conductor,
        provider_for: ProviderFactory,
        *,
        concurrency: int = 16,
        scan_interval: float = 0.2,
        grace: float = 30.0,
        batch: int = 1000,
        share: tuple[int, int] = (0, 1),
        patience: float = 1.0,
    ) -> None:
        if concurrency < 1:
            raise ConfigError(f"--concurrency must be at least 1 (got {concurrency})")
        self.conductor = conductor
        self.provider_for = provider_for
        self.concurrency = concurrency
        self.scan_interval = scan_interval
        self.grace = grace
        self.batch = batch
        #: ``(k, n)``: this worker's share of the conversations (``crc32(id) % n == k``),
        #: served first; the others only once they have waited ``patience`` seconds unserved.
        self.share = share
        self.patience = patience
        self.stats = WorkerStats()
        self.gate = TurnGate()
        conductor.admission = self.gate
        # Once a worker wins a conversation's turns, the others leave it to it (until it has
        # been silent for a lease) instead of racing it for every turn.
        conductor.sticky = True
        self._position = 0
        self._detached: set[str] = set()
        self._pending: set[str] = set()
        self._since: dict[str, float] = {}  # when each pending conversation became pending
        self._ripening: asyncio.TimerHandle | None = None
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._random = random.Random()
        self._log = structlog.get_logger("aiconv.worker").bind(instance_id=conductor.instance_id)

    @property
    def instance_id(self) -> str:
        """The id this worker writes into its turn claims."""
        return self.conductor.instance_id

    def stop(self) -> None:
        """Ask ``run`` to return: no new turn; turns in flight get ``grace`` seconds to finish."""
        self.gate.close()
        self._stopping.set()
        self._wake.set()

    async def run(self) -> WorkerStats:
        """Discover and serve conversations until ``stop()``; the stats at the end."""
        self._log.info("worker_started", concurrency=self.concurrency)
        # The detectors' tables, read before the first turn rather than in the middle of one.
        await asyncio.to_thread(warm_up)
        discovery = asyncio.create_task(self._discover(), name="worker-discovery")
        discovery.add_done_callback(lambda _: self._wake.set())  # its failure ends the run now
        try:
            while not self._stopping.is_set():
                self._fill_slots()
                await self._wake.wait()
                self._wake.clear()
                if discovery.done():
                    discovery.result()  # a discovery failure (e.g. LogUnavailable) ends run
        finally:
            self.gate.close()
            discovery.cancel()
            finished = await self.gate.drained(self.grace)
            # a turn whose cancellation is lost (redis-py swallows one while reading a reply:
            # a worker given SIGTERM on a Redis Cluster never exited) is cancelled again
            await cancel_and_wait([discovery, *self._tasks.values()])
            self._log.info("worker_stopped", served=self.stats.served, drained=finished)
        return self.stats

    # -- discovery -----------------------------------------------------------------------------

    async def _discover(self) -> None:
        """Tail the global log on one loop; learn which detached conversations need serving."""
        while not self._stopping.is_set():
            events = await self.conductor.log.read_all(self._position, self.batch)
            for stored in events:
                self._position = stored.position
                if stored.kind in _LIFECYCLE:
                    self._note(stored)
            if events:
                self._wake.set()
            if len(events) < self.batch:
                await asyncio.sleep(self.scan_interval)

    def _note(self, stored: StoredEvent) -> None:
        cid = stored.conversation_id
        if stored.kind == ConversationStarted.KIND:
            try:
                event = codec.decode(stored).event
            except CodecError as exc:  # nobody can serve it; the others still need us
                self._log.error("unreadable_start", conversation_id=cid, error=str(exc))
                return
            if isinstance(event, ConversationStarted) and event.detached:
                self._detached.add(cid)
                self._pending.add(cid)
        elif stored.kind == ConversationEnded.KIND:
            self._pending.discard(cid)
            self._since.pop(cid, None)
        elif cid in self._detached:  # resumed: it needs serving again
            self._pending.add(cid)

    # -- serving -------------------------------------------------------------------------------

    def _fill_slots(self) -> None:
        """Start serving pending conversations while slots are free (random order spreads load):
        this worker's share first, then others that have waited ``patience`` unserved."""
        candidates = sorted(self._pending - self._tasks.keys())
        self._random.shuffle(candidates)
        now = asyncio.get_running_loop().time()
        mine: list[str] = []
        others: list[str] = []
        for cid in candidates:
            (mine if self._is_mine(cid) else others).append(cid)
        ripe = [cid for cid in others if self._ripe(cid, now)]
        if len(ripe) < len(others) and self._ripening is None:
            self._ripening = asyncio.get_running_loop().call_later(self.patience, self._ripen)
        for cid in (mine + ripe)[: max(0, self.concurrency - len(self._tasks))]:
            self._pending.discard(cid)
            self._since.pop(cid, None)
            self._tasks[cid] = asyncio.create_task(self._serve(cid), name=f"serve-{cid}")
            self.stats.served += 1
            self.stats.active.add(cid)

    def _ripen(self) -> None:
        """Look at the others' conversations again (one timer at a time)."""
        self._ripening = None
        self._wake.set()

    def _is_mine(self, cid: str) -> bool:
        index, count = self.share
        return count == 1 or zlib.crc32(cid.encode()) % count == index

    def _ripe(self, cid: str, now: float) -> bool:
        """Whether another worker's conversation has waited long enough for this one to help."""
        return now - self._since.setdefault(cid, now) >= self.patience

    async def _serve(self, cid: str) -> None:
        """Run every seat of ``cid`` until it ends; a log failure puts it back in the queue."""
        try:
            if await self._play_all_seats(cid):
                self.stats.completed += 1
        except LogError as exc:
            self.stats.failed += 1
            self._log.warning("serve_failed_will_retry", conversation_id=cid, error=str(exc))
            await asyncio.sleep(_RETRY_AFTER_S)
            self._pending.add(cid)
        except (AiconvError, KeyError) as exc:
            self.stats.failed += 1
            self._log.error("serve_failed", conversation_id=cid, error=str(exc))
        except Exception as exc:  # a bug in a provider or plug-in: record it, keep serving
            self.stats.failed += 1
            self._log.exception("serve_crashed", conversation_id=cid)
            await session.record_crash(self.conductor, cid, session.first_exception(exc))
        finally:
            self._tasks.pop(cid, None)
            self.stats.active.discard(cid)
            self._wake.set()

    def _recheck_at(self, cid: str, until: float) -> None:
        """Look at ``cid`` again once its current server may have gone silent for a lease."""
        delay = max(0.0, until - self.conductor.clock.now()) + 0.05
        self.stats.deferred += 1
        asyncio.get_running_loop().call_later(delay, self._requeue, cid)

    def _requeue(self, cid: str) -> None:
        if cid in self._detached and not self._stopping.is_set():
            self._pending.add(cid)
            self._wake.set()

    async def _play_all_seats(self, cid: str) -> bool:
        """Whether the conversation ran to its end here (False: left to the fleet)."""
        state = await self.conductor.load(cid)
        if state.is_ended:
            return True
        providers = {spec.name: self.provider_for(spec) for spec in state.participants}
        self._log.info("serving", conversation_id=cid, seats=list(providers))
        finished = True
        try:
            async with asyncio.TaskGroup() as group:
                seats = [
                    group.create_task(self.conductor.play(cid, name, provider))
                    for name, provider in providers.items()
                ]
                await wait_all(seats)  # a seat that loses its cancellation is cancelled again
        except* TurnRefused:
            self._log.info("left_to_the_fleet", conversation_id=cid)
            finished = False
        except* ServedElsewhere as elsewhere:
            until = max(e.until for e in elsewhere.exceptions if isinstance(e, ServedElsewhere))
            self._recheck_at(cid, until)
            finished = False
        except* (AiconvError, KeyError) as caught:
            raise caught.exceptions[0] from None
        finally:
            for provider in providers.values():
                with contextlib.suppress(Exception):
                    await provider.aclose()
        return finished
