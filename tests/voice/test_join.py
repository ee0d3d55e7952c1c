"""A voice conversation whose participants run in two ``aic join`` processes: each process
hears the other's audio from the shared store and speaks its own, on one timeline."""

from __future__ import annotations

import asyncio
import itertools
import json
from pathlib import Path

import pytest

from aiconv.platform import codec
from aiconv.platform.events import MessagePosted, UtteranceHeard, UtteranceSpoken
from aiconv.queues.urls import open_log
from aiconv.testing.processes import cli_env, run_aic, spawn_aic

pytestmark = pytest.mark.slow

CUSTOMER = ["Hello, I lost my card.", "Yes, please block it."]
AGENT = ["Sorry to hear that.", "Done, it is blocked."]


def _script(path: Path, lines: list[str]) -> str:
    path.write_text("".join(json.dumps({"content": line}) + "\n" for line in lines))
    return f"script:{path}"


@pytest.mark.timeout(180)
async def test_two_join_processes_speak_and_hear_each_other(tmp_path: Path) -> None:
    db, env = tmp_path / "runs.db", cli_env(home=tmp_path)
    created = run_aic(
        "start", "--voice", "--detach", "--agent1", _script(tmp_path / "c.jsonl", CUSTOMER),
        "--name1", "customer", "--agent2", _script(tmp_path / "a.jsonl", AGENT), "--name2",
        "support", "--max-turns", "4", "--seed", "5", "--db", str(db), "--json",
        env=env, cwd=tmp_path,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    cid = json.loads(created.stdout)["conversation_id"]
    customer = spawn_aic(
        "join", cid, "--as", "customer", "--db", str(db), "--quiet", env=env, cwd=tmp_path
    )
    try:
        support = await asyncio.to_thread(
            run_aic, "join", cid, "--as", "support", "--db", str(db), "--json",
            env=env, cwd=tmp_path, timeout=120,
        )  # fmt: skip
        _, stderr = await asyncio.to_thread(customer.communicate, None, 60)
    finally:
        if customer.poll() is None:
            customer.kill()
            customer.communicate(timeout=10)
    assert support.returncode == 0, support.stderr
    assert customer.returncode == 0, stderr

    async with open_log(f"sqlite:///{db}", "read") as log:
        events = [r.event for r in codec.decode_all(await log.read(cid))]
    messages = [e.content for e in events if isinstance(e, MessagePosted)]
    assert messages == [CUSTOMER[0], AGENT[0], CUSTOMER[1], AGENT[1]]
    spoken = [e for e in events if isinstance(e, UtteranceSpoken)]
    assert [s.text for s in spoken] == messages
    heard = [(e.listener, e.message_sequence) for e in events if isinstance(e, UtteranceHeard)]
    expected = [("support" if s.speaker == "customer" else "customer", s.message_sequence)
                for s in spoken[:-1]]  # fmt: skip
    assert heard == expected
    assert json.loads(support.stdout)["voice"]["utterances"] == 4  # as aic-start --json has
    for before, after in itertools.pairwise(spoken):
        assert after.start_s >= before.start_s + before.duration_s  # nobody barges in here
