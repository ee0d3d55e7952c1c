"""Shared builders for simulation tests: small scenario files written into ``tmp_path``, report
rows and folded conversations."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from aiconv.simulation.rows import Row

_RESOLVED_OR_ABANDONED = """\
[[outcomes]]
slug = "resolved"
success = true

[[outcomes]]
slug = "abandoned"

[evaluator]
default = "abandoned"

[[evaluator.rules]]
outcome = "resolved"
"""


def resolved_when(*rule: str) -> str:
    """The outcomes ``resolved`` (a success) and ``abandoned`` (the default) of a scenario, its
    conversations resolved when they meet the evaluator rule of the TOML lines ``rule``: append
    it to a scenario's intents."""
    return _RESOLVED_OR_ABANDONED + "".join(f"{line}\n" for line in rule)


#: Conversations succeed when the agent ends them (its end token), are abandoned otherwise.
END_TOKEN_OUTCOMES = resolved_when('end_reasons = ["end_token"]')
#: The rule of a refund the support agent says it made.
REFUNDED_BY_SUPPORT = ('keywords = ["refunded"]', 'sender = "support"')

MINIMAL = """\
name = "unit"
repeat = 1
personas = ["typical"]

[agent]
agent = "mock"

[[intents]]
name = "refund"
description = "Get a refund for a broken kettle"

""" + resolved_when('keywords = ["refunded"]')


def row(cell: str, rep: int, success: bool, **fields: object) -> Row:
    """One report row of cell ``persona/intent``, repetition ``rep``: id ``cell-rep``, agent
    ``a`` and suite ``h`` unless ``fields`` says otherwise."""
    persona, intent = cell.split("/")
    values: dict[str, object] = {
        "conversation_id": f"{cell}-{rep}",
        "agent": "a",
        "suite_hash": "h",
        **fields,
    }
    return Row(
        scenario="s",
        persona=persona,
        intent=intent,
        repetition=rep,
        outcome="ok" if success else "no",
        success=success,
        finished=True,
        **values,  # type: ignore[arg-type]
    )


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, str], Path]:
    """Write ``text`` to ``tmp_path/name`` and return the path."""

    def write_file(name: str, text: str) -> Path:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        return path

    return write_file


def state_of(
    *messages: tuple[str, str],
    ended: str | None = None,
    roles: dict[str, str] | None = None,
    metadata: dict[str, object] | None = None,
    seed: int = 1,
) -> Any:
    """A folded conversation of ``customer`` and ``support`` with these messages."""
    from aiconv.platform.codec import Recorded
    from aiconv.platform.conversation import fold
    from aiconv.platform.events import (
        ConversationEnded,
        ConversationStarted,
        Event,
        MessagePosted,
        ParticipantSpec,
    )

    roles = roles or {"customer": "customer", "support": "agent"}
    started = ConversationStarted(
        topic="t",
        participants=tuple(ParticipantSpec(name=n, agent="mock", role=r) for n, r in roles.items()),
        first_speaker=next(iter(roles)),
        turn_policy="scheduled",
        seed=seed,
        metadata=dict(metadata or {}),
    )
    events: list[Event] = [started]
    events += [MessagePosted(sender=s, content=c) for s, c in messages]
    if ended:
        events.append(ConversationEnded(reason=ended))
    return fold(
        "c1",
        [
            Recorded(conversation_id="c1", sequence=i, position=i, at=100.0 + i, event=e)
            for i, e in enumerate(events, 1)
        ],
    )
