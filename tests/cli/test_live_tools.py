"""The live transcript of turns with tool rounds, as the README's first tools example shows it:
every call, every result and every message once. The streamed text of a tool-using turn used to
be printed before the results the log reader had not delivered yet, and then the whole message
again (and so did the next speaker's when the reader was behind the end of a turn). The turn now
says which event its text follows, and the transcript holds the text until it has shown it."""

from __future__ import annotations

import json
from pathlib import Path

from aiconv.testing.processes import cli_env, run_aic

ROOT = Path(__file__).resolve().parents[2]
BANKING = str(ROOT / "examples" / "tools" / "banking.py")


def test_a_tool_using_turn_is_shown_with_each_message_once(tmp_path: Path) -> None:
    db, env = str(tmp_path / "runs.db"), cli_env(home=tmp_path)
    done = run_aic(
        "start", "--agent1", "mock", "--agent2", "mock:tools=auto", "--tools2", BANKING,
        "--topic", "I lost my card", "--max-turns", "6", "--db", db, env=env, cwd=tmp_path,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    cid = done.stdout.split()[1]
    document = json.loads(run_aic("export", cid, "--format", "json", "--db", db, env=env).stdout)
    replies = [m["content"] for m in document["messages"] if m["sender"] == "mock-2"]
    assert len(replies) == 3 and all(document["tool_calls"])
    shown = done.stdout
    messages = [m["content"] for m in document["messages"]]
    for content in messages:  # each message once (its last line is its own words)
        assert shown.count(content.splitlines()[-1][:60]) == 1, shown
    assert shown.count("    → ") == len(document["tool_calls"])  # every result, once
    at, results = 0, 0
    for reply in replies:  # each turn's results, then the text that reports them
        results += reply.count("I checked") + reply.count("I tried")
        at = shown.index(reply.splitlines()[-1][:60], at)
        assert shown[:at].count("    → ") == results, shown
