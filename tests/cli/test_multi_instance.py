"""Many instances on one Redis (and one SQLite file), as real processes: joins that alternate,
hot standbys, kill -9 of the claim holder, a Redis crash mid-run, and a fleet of workers."""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import uuid
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from aiconv.platform import codec, session
from aiconv.platform.conductor import Conductor
from aiconv.platform.conversation import ConversationState
from aiconv.platform.events import (
    ConversationEnded,
    Event,
    MessagePosted,
    ParticipantSpec,
    StopConfig,
    TurnClaimed,
)
from aiconv.platform.turns import IDLE_WAKE_S
from aiconv.queues.log import ConversationLog
from aiconv.queues.redis import with_prefix
from aiconv.queues.urls import open_log
from aiconv.testing.processes import aic_command, cli_env, run_aic
from aiconv.testing.redis_server import RedisServer, has_redis_server

pytestmark = [
    pytest.mark.skipif(not has_redis_server(), reason="redis-server is not installed"),
    pytest.mark.slow,
    pytest.mark.timeout(300),
]


@dataclass
class Fleet:
    """The CLI processes a test started; every one is killed and reaped at teardown."""

    directory: Path
    processes: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def spawn(self, *args: str) -> subprocess.Popen[bytes]:
        """``aic ARGS`` in the background, output to files (a full pipe never blocks it)."""
        name = f"p{len(self.processes)}"
        with (
            (self.directory / f"{name}.out").open("wb") as out,
            (self.directory / f"{name}.err").open("wb") as err,
        ):
            process = subprocess.Popen(
                aic_command(*args), env=cli_env(home=self.directory), stdout=out, stderr=err
            )
        self.processes.append(process)
        return process

    def output(self, process: subprocess.Popen[bytes]) -> str:
        index = self.processes.index(process)
        out = (self.directory / f"p{index}.out").read_text(errors="replace")
        return out + (self.directory / f"p{index}.err").read_text(errors="replace")

    async def wait(self, process: subprocess.Popen[bytes], timeout: float = 120) -> int:
        code = await asyncio.to_thread(process.wait, timeout)
        assert code == 0, self.output(process)
        return code

    def reap(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.kill()
            process.wait(10)


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[Fleet]:
    fleet = Fleet(tmp_path)
    try:
        yield fleet
    finally:
        fleet.reap()


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """``appendfsync always``: a test here kills Redis (kill -9) and asserts that nothing
    acknowledged is lost. Under ``everysec`` Redis acknowledges writes it has not yet handed to
    the kernel whenever the previous fsync is still running (a busy disk: it postpones the
    AOF write up to 2 s), and a kill in that window lost the last turns (CI, under load)."""
    with RedisServer(tmp_path / "redis", appendfsync="always") as server:
        yield server


@pytest.fixture
def url(redis_server: RedisServer) -> str:
    return with_prefix(redis_server.url, f"mi{uuid.uuid4().hex[:8]}")


@pytest.fixture
async def log(url: str) -> AsyncIterator[ConversationLog]:
    async with open_log(url) as log:
        yield log


def start_detached(url: str, *, turns: int, agent1: str, agent2: str, lease: float = 60) -> str:
    """``aic-start --detach`` and the conversation id it prints."""
    done = run_aic(
        "start", "--detach", "--log-url", url, "--max-turns", str(turns),
        "--agent1", agent1, "--agent2", agent2, "--lease", str(lease), timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return done.stdout.strip().splitlines()[-1]


async def wait_for_state(
    log: ConversationLog,
    cid: str,
    predicate: Callable[[ConversationState], bool],
    timeout: float = 120,
) -> ConversationState:
    """Follow the log (a condition with a deadline) until ``predicate(state)`` holds."""
    conductor = Conductor(log)
    state = ConversationState(conversation_id=cid)
    async with asyncio.timeout(timeout):
        while True:
            state = await conductor.catch_up(state)
            if state.started is not None and predicate(state):
                return state
            await log.wait(cid, state.sequence, 1.0)


async def events_of(log: ConversationLog, cid: str) -> list[Event]:
    stored = await log.read(cid)
    assert [s.sequence for s in stored] == list(range(1, len(stored) + 1))
    return [r.event for r in codec.decode_all(stored)]


async def assert_exactly_once(log: ConversationLog, cid: str, names: list[str], turns: int) -> None:
    """Messages strictly alternate, each turn once; the run ended by max_turns, once."""
    events = await events_of(log, cid)
    senders = [e.sender for e in events if isinstance(e, MessagePosted)]
    assert senders == names * (turns // len(names)), senders
    ended = [e for e in events if isinstance(e, ConversationEnded)]
    assert [e.reason for e in ended] == ["max_turns"], ended


async def test_two_processes_one_participant_each_alternate_strictly(
    url: str, log: ConversationLog, fleet: Fleet
) -> None:
    """`aic join` as mock-1 and as mock-2 in two processes: a strictly alternating transcript."""
    cid = start_detached(url, turns=10, agent1="mock:turns=0", agent2="mock:turns=0")
    joins = [fleet.spawn("join", cid, "--as", n, "--log-url", url) for n in ("mock-1", "mock-2")]
    for process in joins:
        await fleet.wait(process)
    await assert_exactly_once(log, cid, ["mock-1", "mock-2"], 10)


async def test_two_instances_of_one_participant_over_fifty_turns(
    url: str, log: ConversationLog, fleet: Fleet
) -> None:
    """Hot standby: two mock-1 instances and one mock-2; no turn twice, none missing.

    Both mock-1 instances have joined (said so) before mock-2 starts: without mock-2 the
    conversation cannot pass mock-1's first turn, so no instance can arrive after the end (a
    join of an ended conversation rightly exits 1)."""
    cid = start_detached(url, turns=50, agent1="mock:turns=0", agent2="mock:turns=0")
    standbys = [fleet.spawn("join", cid, "--as", "mock-1", "--log-url", url) for _ in range(2)]
    for process in standbys:
        await announced(fleet, process, r"joined \S+ as mock-1 \(instance (\w+)\)")
    joins = [*standbys, fleet.spawn("join", cid, "--as", "mock-2", "--log-url", url, "--quiet")]
    for process in joins:
        await fleet.wait(process)
    await assert_exactly_once(log, cid, ["mock-1", "mock-2"], 50)
    events = await events_of(log, cid)
    pairs = list(zip(events[1:-1:2], events[2:-1:2], strict=True))
    assert len(pairs) == 50
    for claim, message in pairs:
        assert isinstance(claim, TurnClaimed) and isinstance(message, MessagePosted)
        assert claim.speaker == message.sender


async def test_kill_9_of_the_claim_holder_lets_the_standby_take_over_after_the_lease(
    url: str, log: ConversationLog, fleet: Fleet
) -> None:
    """The instance holding a claim dies mid-turn; the standby takes the turn once the lease
    has run out: never before, and woken by the lease's end rather than by its idle backstop
    (``IDLE_WAKE_S``). A busy box may wake it seconds late: the bound of lease + 1 s this had
    held only on a quiet one."""
    lease = 6.0
    cid = start_detached(
        url, turns=6, agent1="mock:turns=0,latency=3", agent2="mock:turns=0", lease=lease
    )  # a 3 s call: the victim cannot finish its turn between being seen and being killed, and
    # 3 s of the lease to spare: a busy box does not let a live turn's lease run out (2.5 s of
    # a 3 s lease left half a second for the rest of the turn)
    standbys = [fleet.spawn("join", cid, "--as", "mock-1", "--log-url", url) for _ in range(2)]
    fleet.spawn("join", cid, "--as", "mock-2", "--log-url", url, "--quiet")
    ids = [await announced(fleet, p, r"\(instance (\w+)\)") for p in standbys]
    state = await wait_for_state(
        log, cid, lambda s: s.claim is not None and s.claim.speaker == "mock-1" and s.turns >= 2
    )
    assert state.claim is not None
    victim = standbys[ids.index(state.claim.instance_id)]
    victim.send_signal(signal.SIGKILL)
    killed = state.claim
    after = await wait_for_state(log, cid, lambda s: s.claim is not None and s.claim != killed)
    assert after.turns == state.turns, "the victim answered before it was killed"
    assert after.claim is not None and after.claim.instance_id != killed.instance_id
    assert killed.lease_expires_at <= after.claim.at < killed.lease_expires_at + IDLE_WAKE_S / 3
    await fleet.wait(standbys[1 - standbys.index(victim)])
    await assert_exactly_once(log, cid, ["mock-1", "mock-2"], 6)


async def announced(fleet: Fleet, process: subprocess.Popen[bytes], pattern: str) -> str:
    """The first group of ``pattern`` once the process has printed it (it is up and running)."""
    async with asyncio.timeout(120):
        while not (found := re.search(pattern, fleet.output(process))):
            assert process.poll() is None, fleet.output(process)
            await asyncio.sleep(0.05)
    return found.group(1)


async def test_redis_killed_and_restarted_mid_run_loses_and_duplicates_nothing(
    url: str, log: ConversationLog, fleet: Fleet, redis_server: RedisServer
) -> None:
    """redis-server (appendonly yes) dies with kill -9 mid-run and comes back: the run completes."""
    cid = start_detached(
        url, turns=20, agent1="mock:turns=0,latency=0.05", agent2="mock:turns=0,latency=0.05"
    )
    joins = [
        fleet.spawn("join", cid, "--as", n, "--log-url", url, "--quiet")
        for n in ("mock-1", "mock-2")
    ]
    await wait_for_state(log, cid, lambda s: s.turns >= 5)
    await asyncio.to_thread(redis_server.kill)
    await asyncio.to_thread(redis_server.start)
    for process in joins:
        await fleet.wait(process)
    await assert_exactly_once(log, cid, ["mock-1", "mock-2"], 20)


async def test_a_redis_that_lost_acknowledged_appends_is_said_then_played_on_from_the_log(
    url: str, log: ConversationLog, fleet: Fleet, redis_server: RedisServer
) -> None:
    """Redis dies and comes back without its last appends (the tail of its AOF gone, as
    ``appendfsync everysec`` allows): both ``aic join`` seats, whose folds are ahead of the log,
    used to wait forever (each claim a conflict, each re-read empty). Each now stops with a
    one-line error saying the log lost acknowledged events (exit 1), and ``aic resume`` plays
    the conversation on from what the log holds, each remaining turn once."""
    cid = start_detached(
        url, turns=20, agent1="mock:turns=0,latency=0.05", agent2="mock:turns=0,latency=0.05",
        lease=2,
    )  # fmt: skip
    joins = [
        fleet.spawn("join", cid, "--as", n, "--log-url", url, "--quiet")
        for n in ("mock-1", "mock-2")
    ]
    await wait_for_state(log, cid, lambda s: s.turns >= 5)
    for process in joins:
        process.send_signal(signal.SIGSTOP)  # their folds stay where the log was
    acknowledged = await log.last_sequence(cid)
    await asyncio.to_thread(redis_server.kill)
    await asyncio.to_thread(_drop_last_transactions, redis_server, 4)
    await asyncio.to_thread(redis_server.start)
    assert await log.last_sequence(cid) < acknowledged
    for process in joins:
        process.send_signal(signal.SIGCONT)
    for process in joins:
        code = await asyncio.to_thread(process.wait, 90)  # a waiting seat: within IDLE_WAKE_S
        output = fleet.output(process)
        assert code == 1, output
        assert "the log lost events it had acknowledged" in output, output
        assert "Traceback" not in output
    resumed = await asyncio.to_thread(
        run_aic, "resume", cid, "--log-url", url, "--quiet", timeout=120
    )
    assert resumed.returncode == 0, resumed.stderr
    await assert_exactly_once(log, cid, ["mock-1", "mock-2"], 20)


def _drop_last_transactions(server: RedisServer, count: int) -> None:
    """Cut the last ``count`` ``MULTI`` blocks (appends) from the stopped server's AOF."""
    [aof] = sorted(server.directory.glob("appendonlydir/*.incr.aof"))[-1:]
    data = aof.read_bytes()
    cut = len(data)
    for _ in range(count):
        cut = data.rfind(b"*1\r\n$5\r\nMULTI\r\n", 0, cut)
        assert cut > 0, "fewer transactions in the AOF than asked to drop"
    aof.write_bytes(data[:cut])


async def create_detached(
    log: ConversationLog, count: int, turns: int, latency: float = 0.01
) -> list[str]:
    """``count`` detached mock conversations, created in-process (CLI start-up is slow)."""
    agent = f"mock:turns=0,latency={latency}"
    pair = (ParticipantSpec(name="a", agent=agent), ParticipantSpec(name="b", agent=agent))
    conductor = Conductor(log)
    return [
        (
            await session.create(
                conductor,
                topic=f"topic {n}",
                participants=pair,
                stop=StopConfig(max_turns=turns),
                detached=True,
            )
        ).conversation_id
        for n in range(count)
    ]


async def run_workers(
    fleet: Fleet,
    log: ConversationLog,
    target: list[str],
    workers: int,
    count: int,
    turns: int,
    latency: float = 0.01,
) -> set[str]:
    """Start workers, create conversations once all serve, wait for every conversation, SIGTERM
    the workers (they exit 0); the instance ids that claimed turns."""
    names = [f"w{i}" for i in range(workers)]
    running = [
        fleet.spawn("worker", *target, "--concurrency", "10", "--instance-id", name)
        for name in names
    ]
    for process in running:
        await announced(fleet, process, r"worker (\w+) serving")
    cids = await create_detached(log, count, turns, latency)
    for cid in cids:
        await wait_for_state(log, cid, lambda s: s.is_ended, timeout=180)
    for process in running:
        process.send_signal(signal.SIGTERM)
    for process in running:
        await fleet.wait(process, timeout=30)
    claimed: set[str] = set()
    for cid in cids:
        await assert_exactly_once(log, cid, ["a", "b"], turns)
        events = await events_of(log, cid)
        claimed |= {e.instance_id for e in events if isinstance(e, TurnClaimed)}
    assert claimed <= set(names)
    return claimed


async def test_three_workers_serve_thirty_detached_conversations(
    redis_server: RedisServer, fleet: Fleet
) -> None:
    """All thirty complete, each turn exactly once, and every worker took turns: each serves at
    most ten at once and a conversation lasts seconds (0.5 s a turn), so two workers cannot
    finish the thirty before the third takes some (with 10 ms turns, as turns got cheaper, they
    sometimes did)."""
    target = ["--log-url", redis_server.url, "--redis-prefix", "fleet"]
    async with open_log(with_prefix(redis_server.url, "fleet")) as log:
        claimed = await run_workers(fleet, log, target, workers=3, count=30, turns=6, latency=0.5)
    assert claimed == {"w0", "w1", "w2"}


async def test_workers_share_one_sqlite_file_on_one_machine(tmp_path: Path, fleet: Fleet) -> None:
    """The same worker command on SQLite: two processes, every conversation exactly once."""
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    async with open_log(url) as log:
        claimed = await run_workers(fleet, log, ["--log-url", url], workers=2, count=6, turns=4)
        assert claimed
