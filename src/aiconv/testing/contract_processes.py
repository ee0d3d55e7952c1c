"""The cross-process part of the log contract: two processes racing for the next sequence, and
a wait woken by an append from another process. Only for backends shared between processes
(``supports_processes``); part of ``ConversationLogContract``, it talks to ``open_log`` only.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from aiconv.queues.log import ConversationLog
from aiconv.testing.contract_support import (
    ContractBase,
    go,
    reap,
    sequences,
    spawn,
    until_parked,
)

# A process that races for the next sequence until the stream holds `target` events.
_RACER = """
import asyncio, json, sys
from aiconv.errors import SequenceConflict
from aiconv.queues.log import NewEvent
from aiconv.queues.urls import open_log

async def main(url, cid, target):
    wins = conflicts = 0
    async with open_log(url) as log:
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        while (last := await log.last_sequence(cid)) < target:
            try:
                await log.append(cid, last, [NewEvent(kind="raced", version=1, data=b"{}")])
                wins += 1
            except SequenceConflict:
                conflicts += 1
    print(json.dumps({"wins": wins, "conflicts": conflicts}), flush=True)

asyncio.run(main(sys.argv[1], sys.argv[2], int(sys.argv[3])))
"""

# A process that appends one event to a conversation when told to.
_APPENDER = """
import asyncio, sys
from aiconv.queues.log import NewEvent
from aiconv.queues.urls import open_log

async def main(url, cid):
    async with open_log(url) as log:
        print("ready", flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        await log.append(cid, 0, [NewEvent(kind="poked", version=1, data=b"{}")])

asyncio.run(main(sys.argv[1], sys.argv[2]))
"""


class ProcessContract(ContractBase):
    """Exactly one winner across processes, and wake-ups across processes."""

    @pytest.mark.slow
    async def test_appends_racing_from_two_processes_have_exactly_one_winner(
        self, log: ConversationLog, request: pytest.FixtureRequest
    ) -> None:
        url, target = self._require_processes(request), 200
        processes: list[asyncio.subprocess.Process] = []
        try:
            async with asyncio.timeout(90):
                for _ in range(2):
                    processes.append(await spawn(_RACER, url, "raced", str(target)))
                for process in processes:
                    go(process)
                outputs = [await process.communicate() for process in processes]
        finally:
            await reap(processes)
        assert [p.returncode for p in processes] == [0, 0], [err for _, err in outputs]
        results = [json.loads(out) for out, _ in outputs]
        assert sum(r["wins"] for r in results) == target, results
        assert sequences(await log.read("raced")) == list(range(1, target + 1))

    @pytest.mark.slow
    async def test_wait_wakes_on_append_from_another_process(
        self, log: ConversationLog, request: pytest.FixtureRequest
    ) -> None:
        url = self._require_processes(request)
        process = await spawn(_APPENDER, url, "poked")
        try:
            waiter = asyncio.create_task(log.wait("poked", 0, timeout=60))
            await until_parked(log, "poked")
            assert not waiter.done()
            go(process)
            async with asyncio.timeout(10):
                assert await waiter is True
                _, err = await process.communicate()
        finally:
            await reap([process])
        assert process.returncode == 0, err.decode()
        assert sequences(await log.read("poked")) == [1]
