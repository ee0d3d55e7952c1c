"""``--processes N``: one command spread over N processes of this machine."""

from __future__ import annotations

import asyncio
import json
import os
import re
import signal
import socket
import subprocess
import sys
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest

from aiconv.cli.processes import SHARE, child_share, own_arguments
from aiconv.platform import session
from aiconv.platform.conductor import Conductor
from aiconv.platform.events import ParticipantSpec, StopConfig, TurnClaimed
from aiconv.queues.log import ConversationLog
from aiconv.queues.redis import with_prefix
from aiconv.queues.urls import open_log
from aiconv.testing.conditions import eventually
from aiconv.testing.processes import aic_command, cli_env, reap, run_aic, spawn_aic
from aiconv.testing.redis_server import RedisServer, free_port, has_redis_server
from tests.cli.test_multi_instance import (
    Fleet,
    announced,
    assert_exactly_once,
    events_of,
    wait_for_state,
)


@pytest.fixture
def fleet(tmp_path: Path) -> Iterator[Fleet]:
    fleet = Fleet(tmp_path)
    try:
        yield fleet
    finally:
        fleet.reap()


@pytest.fixture
def redis_server(tmp_path: Path) -> Iterator[RedisServer]:
    """A redis-server of this test's own, on a free port."""
    with RedisServer(tmp_path / "redis") as server:
        yield server


def test_children_get_the_command_line_without_the_processes_option() -> None:
    argv = ["worker", "--processes", "3", "--db", "x.db", "--processes=2", "--concurrency", "4"]
    assert own_arguments(argv) == ["worker", "--db", "x.db", "--concurrency", "4"]


@pytest.mark.parametrize("text", ["1/2", " 1/2", "1/2 ", "\t1/2\n"])
def test_a_share_may_have_spaces_around_it_as_a_number_may(text: str) -> None:
    """``--processes " 2"`` was taken and ``--share " 1/2"`` refused: a value pasted with the
    space before it is read the same way for both."""
    assert SHARE.convert(text, None, None) == (1, 2)


@pytest.mark.parametrize(("share", "processes"), [(None, 3), ((1, 2), 2), ((2, 3), 4), ((0, 1), 2)])
def test_children_split_exactly_the_share_of_their_parent(
    share: tuple[int, int] | None, processes: int
) -> None:
    """``--share K/N --processes P``: the children's shares are disjoint and together are the
    parent's share, no more (so another machine's conversations do not become theirs)."""

    def members(index: int, count: int) -> set[str]:
        return {c for c in ids if zlib.crc32(c.encode()) % count == index}

    ids = [f"conversation-{n}" for n in range(3000)]
    children = [members(*child_share(share, k, processes)) for k in range(processes)]
    assert sum(len(c) for c in children) == len(set().union(*children))
    assert set().union(*children) == members(*(share or (0, 1)))
    assert all(children)


@pytest.mark.slow
@pytest.mark.timeout(300)
@pytest.mark.skipif(not has_redis_server(), reason="redis-server is not installed")
async def test_worker_processes_split_the_share_they_are_given(
    redis_server: RedisServer, fleet: Fleet
) -> None:
    """``aic worker --share 1/2 --processes 2`` (this machine takes half a fleet's
    conversations on two cores): the children serve shares 1/4 and 3/4, not 0/2 and 1/2; with
    ``--json`` the parent prints one document, not one per child."""
    url = with_prefix(redis_server.url, "halves")
    parent = fleet.spawn(
        "worker", "--log-url", url, "--processes", "2", "--share", "1/2", "--instance-id", "w",
        "--json",
    )  # fmt: skip
    shares = {
        await announced(fleet, parent, rf"worker w-{k} serving redis log \(.*share (\d+/\d+)\)")
        for k in (1, 2)
    }
    assert shares == {"1/4", "3/4"}
    parent.send_signal(signal.SIGTERM)
    await fleet.wait(parent, timeout=60)
    document = json.loads((fleet.directory / "p0.out").read_text(encoding="utf-8"))
    assert document["served"] == 0 and len(document["processes"]) == 2
    assert all(child["served"] == 0 for child in document["processes"])


def _children_of(parent: int) -> list[int]:
    """The ids of the processes whose parent is ``parent`` (from ``/proc/*/stat``)."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (FileNotFoundError, ProcessLookupError):
            continue  # ended meanwhile
        if int(fields[1]) == parent:
            found.append(int(stat.parent.name))
    return found


def _running(pid: int) -> bool:
    """Whether ``pid`` is a live process (a zombie nobody reaped has stopped running)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prctl(PR_SET_PDEATHSIG)")
async def test_worker_processes_stop_when_their_parent_is_killed(
    tmp_path: Path, fleet: Fleet
) -> None:
    """``kill -9`` of ``aic worker --processes 2`` used to leave both children serving on as
    orphans nobody supervises: each now gets SIGTERM when its parent dies, and stops."""
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    parent = fleet.spawn("worker", "--log-url", url, "--processes", "2", "--instance-id", "w")
    for k in (1, 2):
        await announced(fleet, parent, rf"worker (w-{k}) serving")
    children = await asyncio.to_thread(_children_of, parent.pid)
    assert len(children) == 2 and all(_running(pid) for pid in children)
    parent.kill()
    parent.wait(timeout=30)
    try:
        await eventually(
            lambda: not any(_running(pid) for pid in children),
            timeout=60,
            what="both children stopped after their parent was killed",
        )
    finally:
        for pid in filter(_running, children):  # the fleet reaps only the processes it started
            os.kill(pid, signal.SIGKILL)


async def test_a_worker_process_that_dies_stops_its_siblings_and_the_parent_fails(
    tmp_path: Path, fleet: Fleet
) -> None:
    """``kill -9`` of one child (the OOM killer, a crash): the parent went on without a word,
    serving on one process fewer until someone stopped it. It now says which child ended and
    how, stops the others as on SIGTERM and exits 1, as one worker that died would, so that
    whatever supervises it (systemd, Kubernetes) starts it again."""
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    parent = fleet.spawn("worker", "--log-url", url, "--processes", "2", "--instance-id", "w")
    for k in (1, 2):
        await announced(fleet, parent, rf"worker (w-{k}) serving")
    children = await asyncio.to_thread(_children_of, parent.pid)
    assert len(children) == 2
    os.kill(min(children), signal.SIGKILL)
    try:
        code = await asyncio.to_thread(parent.wait, 60)
    finally:
        for pid in filter(_running, children):
            os.kill(pid, signal.SIGKILL)
    said = fleet.output(parent)
    assert code == 1, said
    assert re.search(r"worker process [12] of 2 ended \(killed by signal 9\)", said), said
    assert "2 worker processes stopped (exit codes" in said, said
    assert not any(_running(pid) for pid in children)


async def test_worker_processes_serve_metrics_on_consecutive_ports(
    tmp_path: Path, fleet: Fleet
) -> None:
    """``--metrics-port P --processes 2``: child k serves on P + k. Both children used to
    take P: one failed ("Address already in use") and the other served on alone, the parent
    still running with half its workers."""
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    port = free_pair()
    parent = fleet.spawn(
        "worker", "--log-url", url, "--processes", "2", "--metrics-port", str(port),
        "--instance-id", "w",
    )  # fmt: skip
    for k in (1, 2):
        await announced(fleet, parent, rf"worker (w-{k}) serving")
    urls = {f"http://127.0.0.1:{port + k}/metrics" for k in (0, 1)}
    assert urls <= set(re.findall(r"metrics: (\S+)", fleet.output(parent))), fleet.output(parent)
    parent.send_signal(signal.SIGTERM)
    await fleet.wait(parent, timeout=60)


def free_pair() -> int:
    """A port that is free now with the next one: ``free_port()`` alone left the next to
    chance, and a client's ephemeral port there kept child 2 from serving (a CI run)."""
    for _ in range(100):
        port = free_port()
        with socket.socket() as first, socket.socket() as second:
            try:
                first.bind(("127.0.0.1", port))
                second.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        return port
    raise AssertionError("no two consecutive free ports in 100 tries")


@pytest.mark.parametrize("command", ["worker", "simulate"])
def test_a_metrics_port_taken_for_one_child_is_refused_before_anything_starts(
    tmp_path: Path, command: str
) -> None:
    """Child 2's port (P + 1) is taken: one line, exit 2, no child started, nothing written.
    The child that could not listen used to stop alone while the others served on."""
    from tests.simulation.test_cli import write

    port = free_pair()
    (tmp_path / "out").mkdir()
    scenario = [str(write(tmp_path))] if command == "simulate" else []
    before = sorted(tmp_path.rglob("*"))
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", port + 1))
        holder.listen()
        done = run_aic(
            command, *scenario, "--processes", "2", "--metrics-port", str(port),
            "--db", str(tmp_path / "out" / "w.db"), timeout=60,
        )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert f"process 2 would serve metrics on 127.0.0.1:{port + 1}, which is taken" in done.stderr
    assert "starting" not in done.stderr
    assert sorted(tmp_path.rglob("*")) == before


def test_metrics_ports_past_65535_are_refused_before_anything_starts(tmp_path: Path) -> None:
    done = run_aic(
        "worker", "--processes", "2", "--metrics-port", "65535", "--db", str(tmp_path / "w.db"),
        timeout=60,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and "--metrics-port" in done.stderr, done.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_share_split_past_4096_shares_is_refused_before_anything_starts(tmp_path: Path) -> None:
    """``--share 1/4096 --processes 2`` (each value allowed alone) gave the children shares of
    8192, which each refused: exit 2 after two errors about values the user never wrote
    ('4097/8192'). The parent refuses the pair in one line, before any child starts."""
    done = run_aic(
        "worker", "--share", "1/4096", "--processes", "2", "--db", str(tmp_path / "w.db"),
        timeout=60,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert "--share 1/4096 with --processes 2" in done.stderr and "8192" in done.stderr
    assert "starting" not in done.stderr
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("value", ["0", "-1", "nan", "65", "two", "1e9", "2.0", ""])
@pytest.mark.parametrize("command", ["worker", "simulate"])
def test_a_bad_process_count_is_refused_before_anything_starts(
    tmp_path: Path, command: str, value: str
) -> None:
    """One line on stderr, exit 2, no log file made."""
    from tests.simulation.test_cli import write

    (tmp_path / "out").mkdir()
    scenario = [str(write(tmp_path))] if command == "simulate" else []
    done = run_aic(
        command, *scenario, "--processes", value, "--db", str(tmp_path / "out" / "w.db"),
        timeout=60,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "--processes" in done.stderr and done.stderr.count("\n") == 1, done.stderr
    assert list((tmp_path / "out").iterdir()) == []


@pytest.mark.parametrize("command", ["worker", "simulate"])
def test_processes_on_a_log_of_one_process_are_refused(tmp_path: Path, command: str) -> None:
    """``memory://`` lives in one process: each child had its own, so ``aic simulate`` ran the
    whole run again in the parent (every conversation twice, a report line for a log that is
    gone) and ``aic worker`` served logs nobody else can write to."""
    from tests.simulation.test_cli import write

    scenario = [str(write(tmp_path))] if command == "simulate" else []
    done = run_aic(command, *scenario, "--processes", "2", "--log-url", "memory://", timeout=60)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert "memory:// is one process's own log" in done.stderr


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    ("db", "code", "message"),
    [
        ("/proc/aic.db", 2, "cannot create files next to the SQLite log /proc/aic.db"),
        ("notes.db", 2, "is not an aiconv SQLite log"),
        ("redis://127.0.0.1:1/0?deadline=1", 1, "Redis at 127.0.0.1:1 did not answer"),
    ],
)
def test_worker_processes_check_the_log_before_starting_any_child(
    tmp_path: Path, db: str, code: int, message: str
) -> None:
    """``aic worker --processes 2 --db /proc/aic.db`` started both children, each printed the
    same error, and the parent a line of exit codes: four lines for one bad path (as
    ``simulate --processes``, the parent opens the log first: one line, nothing written)."""
    (tmp_path / "notes.db").write_text("not a database\n")
    before = sorted(tmp_path.iterdir())
    where = ["--log-url", db] if db.startswith("redis:") else ["--db", db]
    done = run_aic("worker", "--processes", "2", *where, cwd=tmp_path, timeout=60)
    assert done.returncode == code, done.stderr
    assert done.stderr.count("\n") == 1 and message in done.stderr, done.stderr
    assert sorted(tmp_path.iterdir()) == before


def test_a_worker_on_a_log_of_one_process_is_refused(tmp_path: Path) -> None:
    """``aic worker --log-url memory://`` (one process) started and served nothing until it was
    stopped: no other command can write a conversation into a worker's own in-memory log."""
    done = run_aic("worker", "--log-url", "memory://", "--json", timeout=30)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    assert "memory:// is one process's own log" in done.stderr
    assert done.stdout == ""


async def slow_detached(log: ConversationLog, count: int, turns: int) -> list[str]:
    """``count`` detached conversations whose turns take 0.2 s (a worker is busy with one)."""
    agent = "mock:turns=0,latency=0.2"
    pair = (ParticipantSpec(name="a", agent=agent), ParticipantSpec(name="b", agent=agent))
    conductor = Conductor(log)
    made = [
        await session.create(
            conductor, topic=f"t{n}", participants=pair, stop=StopConfig(max_turns=turns),
            detached=True,
        )
        for n in range(count)
    ]  # fmt: skip
    return [state.conversation_id for state in made]


@pytest.mark.slow
@pytest.mark.timeout(300)
async def test_worker_processes_share_the_conversations_and_stop_together(
    tmp_path: Path, fleet: Fleet
) -> None:
    """Two child workers (one conversation at a time each) serve four conversations, each turn
    once, both taking some; SIGTERM to the parent stops both."""
    url = f"sqlite:///{tmp_path / 'runs.db'}"
    parent = fleet.spawn(
        "worker", "--log-url", url, "--processes", "2", "--concurrency", "1", "--instance-id", "w"
    )
    ids = {await announced(fleet, parent, r"worker (w-1) serving")}
    ids.add(await announced(fleet, parent, r"worker (w-2) serving"))
    async with open_log(url) as log:
        cids = await slow_detached(log, 4, 6)
        for cid in cids:
            await wait_for_state(log, cid, lambda s: s.is_ended, timeout=180)
        parent.send_signal(signal.SIGTERM)
        await fleet.wait(parent, timeout=60)
        claimed: set[str] = set()
        for cid in cids:
            await assert_exactly_once(log, cid, ["a", "b"], 6)
            events = await events_of(log, cid)
            claimed |= {e.instance_id for e in events if isinstance(e, TurnClaimed)}
    assert claimed == ids == {"w-1", "w-2"}
    assert "2 worker processes stopped (exit codes [0, 0])" in fleet.output(parent)


@pytest.mark.timeout(120)
def test_worker_processes_stopped_while_starting_exit_0(tmp_path: Path) -> None:
    """SIGTERM right after the children are spawned (a rollout, a Ctrl+C at once): a child the
    signal reaches before its handler dies by it having served nothing; that is a clean stop,
    not exit 1 (the parent said "exit codes [-15, -15]" and failed)."""
    db = str(tmp_path / "runs.db")
    parent = spawn_aic("worker", "--db", db, "--processes", "2")
    try:
        assert parent.stderr is not None
        assert parent.stderr.readline().startswith("starting 2 worker processes")
        parent.send_signal(signal.SIGTERM)  # the children are still importing
        assert parent.wait(timeout=60) == 0, parent.stderr.read()
    finally:
        reap(parent)


@pytest.mark.slow
@pytest.mark.timeout(300)
async def test_simulate_processes_split_the_run_and_finish_every_conversation_once(
    tmp_path: Path,
) -> None:
    """Two children each take half the matrix; every conversation is decided exactly once
    (one ConversationStarted, one OutcomeDecided); the parent's tally covers the whole run."""
    from aiconv.platform import codec
    from aiconv.platform.events import ConversationStarted, OutcomeDecided
    from aiconv.queues.log import ListQuery
    from tests.simulation.test_cli import write

    db = tmp_path / "runs.db"
    path = write(tmp_path, agent="mock:turns=2,latency=0.01", customer="mock:turns=0")
    done = run_aic(
        "simulate", str(path), "--db", str(db), "--run-id", "split-1", "--processes", "2",
        "--quiet", timeout=240,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "spread over 2 processes" in done.stderr
    # each child says its own share, not the whole run (both said "20 conversations")
    assert "run split-1: 10 of its 20 conversations (share 0/2)" in done.stderr
    assert "run split-1: 10 of its 20 conversations (share 1/2)" in done.stderr
    assert done.stderr.count("report: aic report split-1") == 1  # the parent's, not 3 times
    assert "split-1:" in done.stdout
    async with open_log(f"sqlite:///{db}") as log:
        entries = await log.list_conversations(ListQuery(run_id="split-1", limit=100))
        assert len(entries) == 20
        claimers: set[str] = set()
        for item in entries:
            events = [r.event for r in codec.decode_all(await log.read(item.conversation_id))]
            assert sum(isinstance(e, ConversationStarted) for e in events) == 1
            assert sum(isinstance(e, OutcomeDecided) for e in events) == 1
            claimers |= {e.instance_id for e in events if isinstance(e, TurnClaimed)}
    assert len(claimers) == 2  # one conductor per child; the parent found nothing left to do


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_simulate_processes_json_prints_one_document_for_the_whole_run(tmp_path: Path) -> None:
    """``--json`` is one JSON document on stdout with ``--processes`` too: the children's own
    tallies go to stderr, and the parent's covers every conversation of the run."""
    from tests.simulation.test_cli import write

    path = write(tmp_path, agent="mock:turns=2", customer="mock:turns=0")
    done = run_aic(
        "simulate", str(path), "--db", str(tmp_path / "runs.db"), "--run-id", "split-json",
        "--processes", "2", "--json", timeout=240,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)  # one document, nothing else on stdout
    assert document["run_id"] == "split-json"
    assert document["done"] == 20 and document["failed"] == 0
    # what --processes 1 says: none was finished before (it said 20, the children's work)
    assert document["skipped"] == 0
    assert done.stderr.count('"run_id": "split-json"') == 2  # each child's tally, on stderr
    again = run_aic(
        "simulate", str(path), "--db", str(tmp_path / "runs.db"), "--run-id", "split-json",
        "--processes", "2", "--json", timeout=240,
    )  # fmt: skip
    assert again.returncode == 0, again.stderr
    assert json.loads(again.stdout) == document | {"skipped": 20}  # as --processes 1 says


@pytest.mark.slow
@pytest.mark.timeout(300)
async def test_simulate_processes_interrupted_prints_the_tally_as_processes_1_does(
    tmp_path: Path,
) -> None:
    """Ctrl+C of ``aic simulate --processes 2 --json``: stdout holds one document of the run
    as it stands, marked interrupted, as with one process (it held nothing: the children's
    tallies go to stderr), and the exit code is 130."""
    from tests.simulation.test_cli import _decided

    db, process = _simulate_in_two_processes(tmp_path, "ci-1")
    try:
        await _until_decided(db, "ci-1", 4)
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    finally:
        reap(process)
    assert process.returncode == 130, stderr
    document = json.loads(stdout)
    decided = await _decided(db, "ci-1")
    assert document["interrupted"] is True and document["run_id"] == "ci-1"
    assert document["done"] == len(decided) < 20 and document["skipped"] == 0
    assert sum(document["outcomes"].values()) == len(decided)


@pytest.mark.slow
@pytest.mark.timeout(300)
async def test_simulate_processes_finish_the_work_of_a_child_that_was_killed(
    tmp_path: Path,
) -> None:
    """``kill -9`` of one child of ``aic simulate --processes 2`` (nobody interrupted the run):
    the parent said "interrupted; resume with …" and exited 130, leaving that child's
    conversations active. It now names the child that ended, finishes what it left, as the
    README says, and its tally covers every conversation."""
    from tests.simulation.test_cli import _decided

    db, process = _simulate_in_two_processes(tmp_path, "kill-1")
    try:
        await _until_decided(db, "kill-1", 2)
        children = await asyncio.to_thread(_children_of, process.pid)
        assert len(children) == 2
        os.kill(min(children), signal.SIGKILL)
        stdout, stderr = process.communicate(timeout=240)
    finally:
        reap(process)
    assert process.returncode == 0, stderr
    assert re.search(r"simulate process [12] of 2 ended \(killed by signal 9\)", stderr), stderr
    document = json.loads(stdout)
    assert document["interrupted"] is False and document["done"] == 20, document
    assert len(await _decided(db, "kill-1")) == 20


@pytest.mark.timeout(180)
async def test_worker_processes_warn_of_a_mistyped_variable_in_env_file_once(
    tmp_path: Path,
) -> None:
    """A misspelt ``AIC_*`` name in ``.env`` is a warning of the parent's: each child of
    ``--processes N`` loads the same ``.env`` and printed it again (N + 1 times); so did a
    deprecated name's notice."""
    (tmp_path / ".env").write_text("AIC_WORKER_CONCURENCY=2\nAIC_CONCURRENCY=1\n")
    err = tmp_path / "parent.err"
    argv = ["worker", "--db", "runs.db", "--processes", "2", "--instance-id", "w"]
    with err.open("wb") as stderr:
        parent = await asyncio.create_subprocess_exec(
            *aic_command(*argv), env=cli_env(home=tmp_path), cwd=tmp_path, stderr=stderr
        )
    try:
        async with asyncio.timeout(120):
            while not all(f"worker w-{k} serving" in err.read_text() for k in (1, 2)):
                assert parent.returncode is None, err.read_text()
                await asyncio.sleep(0.05)
        parent.send_signal(signal.SIGTERM)
        async with asyncio.timeout(60):
            assert await parent.wait() == 0, err.read_text()
    finally:
        if parent.returncode is None:
            parent.kill()
            await parent.wait()
    lines = err.read_text().splitlines()
    typo = "warning: AIC_WORKER_CONCURENCY in .env is not an aiconv setting"
    assert sum(line.startswith(typo) for line in lines) == 1, lines
    assert sum("AIC_CONCURRENCY is deprecated" in line for line in lines) == 1, lines


def _simulate_in_two_processes(tmp_path: Path, run_id: str) -> tuple[Path, subprocess.Popen[str]]:
    """``aic simulate --processes 2 --json`` of a 20-conversation suite, started; its log."""
    from tests.simulation.test_cli import write

    db = tmp_path / "runs.db"
    path = write(tmp_path, agent="mock:turns=3,latency=0.05", customer="mock:turns=0,latency=0.05")
    args = ("simulate", str(path), "--db", str(db), "--run-id", run_id, "--parallel", "2")
    return db, spawn_aic(*args, "--processes", "2", "--json", env=cli_env(home=tmp_path))


async def _until_decided(db: Path, run_id: str, count: int) -> None:
    """Until ``count`` conversations of ``run_id`` have an outcome."""
    from tests.simulation.test_cli import _decided

    async def some_decided() -> bool:
        return await asyncio.to_thread(db.exists) and len(await _decided(db, run_id)) >= count

    await eventually(some_decided, timeout=60, what=f"{count} finished conversations")
