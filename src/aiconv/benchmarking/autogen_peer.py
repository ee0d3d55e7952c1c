"""The peer workload: AutoGen AgentChat, two ``AssistantAgent``s in a ``RoundRobinGroupChat``.

Both agents run on a zero-latency ``ReplayChatCompletionClient``, in memory, nothing persisted:
the same shape as our two ``mock`` seats. It imports only the standard library and AutoGen so
that it can run in a separate interpreter that has AutoGen installed (see ``peers``); it reads
its parameters as JSON from argv and prints one JSON line: wall time per turn.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from importlib import metadata
from typing import Any


async def _one_run(turns: int) -> tuple[float, int]:
    # AutoGen lives in the peers interpreter only (see ``peers``), so mypy cannot see it.
    from autogen_agentchat.agents import AssistantAgent  # type: ignore[import-not-found]
    from autogen_agentchat.conditions import MaxMessageTermination  # type: ignore[import-not-found]
    from autogen_agentchat.teams import RoundRobinGroupChat  # type: ignore[import-not-found]
    from autogen_ext.models.replay import ReplayChatCompletionClient  # type: ignore[import-not-found]

    replies = [f"reply {i}: a hot dog is a sandwich, structurally speaking." for i in range(turns)]
    agents = [
        AssistantAgent(name, model_client=ReplayChatCompletionClient(replies))
        for name in ("alice", "bob")
    ]
    team = RoundRobinGroupChat(agents, termination_condition=MaxMessageTermination(turns + 1))
    began = time.perf_counter()
    result = await team.run(task="Is a hot dog a sandwich?")
    elapsed = time.perf_counter() - began
    return elapsed, len(result.messages) - 1  # the task message is not a turn


async def _measure(params: dict[str, Any]) -> dict[str, Any]:
    await _one_run(10)  # warm-up: imports, first-call caches
    per_turn = []
    for _ in range(params["repeats"]):
        elapsed, turns = await _one_run(params["turns"])
        per_turn.append(elapsed / turns)
    per_turn.sort()
    return {
        "ms_per_turn": round(per_turn[len(per_turn) // 2] * 1000, 4),
        "repeats_ms": [round(t * 1000, 4) for t in per_turn],
        "turns": params["turns"],
        "autogen_agentchat": metadata.version("autogen-agentchat"),
        "autogen_ext": metadata.version("autogen-ext"),
        "python": sys.version.split()[0],
    }


if __name__ == "__main__":
    print(json.dumps(asyncio.run(_measure(json.loads(sys.argv[1])))), flush=True)
