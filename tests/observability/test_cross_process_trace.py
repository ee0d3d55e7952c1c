"""Two ``aic join`` processes on one SQLite file export over real OTLP: every turn, whichever
process took it, joins the conversation's trace under its root span."""

from __future__ import annotations

import subprocess
from pathlib import Path

from aiconv.observability.tracing import conversation_span_id
from aiconv.testing.processes import cli_env, reap, run_aic, spawn_aic
from tests.observability.otlp_receiver import otlp_receiver

AGENT = "mock:turns=0,latency=0.02"


def test_turns_of_two_processes_join_one_trace_under_the_conversation_span(
    tmp_path: Path,
) -> None:
    db = tmp_path / "runs.db"
    created = run_aic(
        "start", "--detach", "--db", str(db), "--max-turns", "6",
        "--agent1", AGENT, "--agent2", AGENT,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    cid = created.stdout.strip()
    with otlp_receiver() as receiver:
        processes: list[subprocess.Popen[str]] = []
        try:
            for name in ("mock-1", "mock-2"):
                env = cli_env(
                    {
                        "OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint,
                        "OTEL_RESOURCE_ATTRIBUTES": f"aiconv.seat={name}",
                    }
                )
                processes.append(
                    spawn_aic("join", cid, "--as", name, "--db", str(db), "--quiet", env=env)
                )
            for process in processes:
                _, stderr = process.communicate(timeout=90)
                assert process.returncode == 0, stderr
        finally:
            for process in processes:
                reap(process)
        spans = list(receiver.spans)

    root_id = format(conversation_span_id(cid), "016x")
    assert {s.trace_id for s in spans} == {cid}
    [root] = [s for s in spans if s.name == "conversation"]
    assert root.span_id == root_id and root.parent_span_id == ""
    assert root.attributes["aiconv.turns"] == 6
    turns = [s for s in spans if s.name.startswith("invoke_agent")]
    by_seat = {s.resource["aiconv.seat"]: 0 for s in turns}
    for turn in turns:
        assert turn.parent_span_id == root_id
        assert turn.name == f"invoke_agent {turn.resource['aiconv.seat']}"
        by_seat[turn.resource["aiconv.seat"]] += 1
    assert by_seat == {"mock-1": 3, "mock-2": 3}
    turn_ids = {(s.resource["aiconv.seat"], s.span_id) for s in turns}
    calls = [s for s in spans if s.name.startswith("chat ")]
    assert len(calls) == 6
    assert all((c.resource["aiconv.seat"], c.parent_span_id) in turn_ids for c in calls)
