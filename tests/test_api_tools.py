"""Tools through the public Python API: ``Participant(..., tools=[...])`` with a reference
(recorded with the conversation) and a ``ToolBox`` of the caller's (used, never recorded nor
closed); a bad reference fails before anything is written."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import aiconv
from aiconv.agents.tools.python import PythonTools

BANKING = str(Path(__file__).resolve().parents[1] / "examples" / "tools" / "banking.py")


class Desk(PythonTools):
    """The caller's own tool box: opens tickets and remembers whether it was closed."""

    def __init__(self) -> None:
        self.tickets: list[str] = []
        self.closed = False

        def open_ticket(summary: str) -> str:
            """Open a support ticket."""
            self.tickets.append(summary)
            return f"ticket T-{len(self.tickets)} opened"

        super().__init__([open_ticket])

    async def aclose(self) -> None:
        self.closed = True
        await super().aclose()


def _script(path: Path, lines: list[dict[str, object]]) -> str:
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    return f"script:{path}"


async def test_a_participant_calls_tools_from_a_file_and_from_its_own_box(tmp_path: Path) -> None:
    identity = {"customer_id": "cust-1001", "date_of_birth": "1984-03-12"}
    agent = _script(
        tmp_path / "agent.jsonl",
        [
            {"tool_calls": [{"name": "verify_identity", "arguments": identity}]},
            {"tool_calls": [{"name": "open_ticket", "arguments": {"summary": "lost card"}}]},
            {
                "tool_calls": [
                    {"name": "block_card", "arguments": {"card_id": "x", "reason": "lost"}}
                ]
            },
            {"content": "You are verified and ticket T-1 is open."},
        ],
    )
    customer = _script(tmp_path / "customer.jsonl", [{"content": "I lost my card."}])
    desk = Desk()
    async with aiconv.open_log(f"sqlite:///{tmp_path / 'runs.db'}") as log:
        result = await aiconv.run_conversation(
            log,
            participants=[
                aiconv.Participant("customer", customer),
                aiconv.Participant("support", agent, tools=[BANKING, desk]),
            ],
            topic="Lost card",
            max_turns=2,
        )
    document = result.document()
    assert [(c["tool"], c["outcome"], c["content"]) for c in document["tool_calls"]] == [
        ("verify_identity", "ok", json.dumps({"customer_id": "cust-1001", "verified": True})),
        ("open_ticket", "ok", "ticket T-1 opened"),
        ("block_card", "error", "no card x"),
    ]
    # Issue 13's words: ToolCalled has the participant, ToolReturned the result or the error.
    assert {c["participant"] for c in document["tool_calls"]} == {"support"}
    assert [(c["result"], c["error"]) for c in document["tool_calls"]][1:] == [
        ("ticket T-1 opened", None),
        (None, "no card x"),
    ]
    returned = [t.returned for t in result.state.tools if t.returned is not None]
    assert [(r.participant, r.result, r.error) for r in returned][1:] == [
        ("support", "ticket T-1 opened", None),
        ("support", None, "no card x"),
    ]
    assert {t.called.participant for t in result.state.tools} == {"support"}
    assert desk.tickets == ["lost card"]
    assert not desk.closed, "a ToolBox the caller passed in was closed by run_conversation"
    tools = {p["name"]: p["tools"] for p in document["participants"]}
    assert tools == {"customer": [], "support": [BANKING]}
    assert [m.content for m in result.state.messages][-1] == (
        "You are verified and ticket T-1 is open."
    )


async def test_a_bad_tool_reference_fails_before_anything_is_written(tmp_path: Path) -> None:
    async with aiconv.open_log(f"sqlite:///{tmp_path / 'runs.db'}") as log:
        with pytest.raises(aiconv.ConfigError, match=r"no_such_tools\.py"):
            await aiconv.run_conversation(
                log,
                participants=[
                    aiconv.Participant("customer", "mock"),
                    aiconv.Participant(
                        "support", "mock:tools=auto", tools=[str(tmp_path / "no_such_tools.py")]
                    ),
                ],
                topic="t",
            )
        assert await log.list_conversations() == []
