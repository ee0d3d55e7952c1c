"""Events of what participants *did* and how it was graded: tool calls and their results, the
environment a task starts from, each criterion's verdict (re-exported by ``events.py``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar


@dataclass(frozen=True, slots=True, kw_only=True)
class ToolCalled:
    """``speaker``'s model asked for tool ``tool`` in round ``round`` of its turn; recorded
    *before* the call runs, so a takeover knows which effects may have happened.

    The first call of a round also carries that model call's facts: the text the model wrote
    with its calls, the model, usage, cost and latency (zero on the other calls of the round).
    ``idempotent`` says whether the tool may be run again with the same ``call_id`` (its
    idempotency key) when its result was never recorded.
    """

    KIND: ClassVar[str] = "ToolCalled"
    SCHEMA_VERSION: ClassVar[int] = 1
    speaker: str
    call_id: str
    tool: str
    arguments: dict[str, Any] = field(default_factory=dict)
    round: int = 1
    idempotent: bool = False
    text: str = ""
    model: str = ""
    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float | None = None
    latency_s: float = 0.0
    #: The model call that asked for the round was served by the response cache: its
    #: ``cost_usd`` is 0 and ``saved_usd`` what the recorded call cost (first call only).
    cached: bool = False
    saved_usd: float | None = None
    #: Set when the model's arguments were not a JSON object: the call is answered with an
    #: error instead of being run.
    error: str | None = None
    #: The vendor's opaque token for the call (Gemini's thought signature), sent back with it.
    signature: str | None = None

    @property
    def participant(self) -> str:
        """The participant that called the tool (``speaker``, the name issue 13 gives it)."""
        return self.speaker


@dataclass(frozen=True, slots=True, kw_only=True)
class ToolReturned:
    """The call ``call_id`` ended: its result (``content``, JSON for structured results) or an
    error. ``outcome`` is ``ok``, ``error`` (the tool failed or its arguments were invalid;
    the model is told), ``timeout``, or ``unknown`` (the instance running it stopped before it
    returned and the tool is not idempotent, so it was not run again)."""

    KIND: ClassVar[str] = "ToolReturned"
    SCHEMA_VERSION: ClassVar[int] = 1
    speaker: str
    call_id: str
    tool: str
    content: str
    is_error: bool = False
    outcome: str = "ok"
    latency_s: float = 0.0
    #: The call was run again after a takeover (idempotent tools only, same call id).
    rerun: bool = False
    #: The result was longer than ``toolrounds.RESULT_LIMIT`` characters: ``content`` is its
    #: beginning and a note saying how long it was.
    truncated: bool = False

    @property
    def participant(self) -> str:
        """The participant whose call this answers (``speaker``)."""
        return self.speaker

    @property
    def result(self) -> str | None:
        """The tool's result (``content``), or None when the call failed."""
        return None if self.is_error else self.content

    @property
    def error(self) -> str | None:
        """The error the model was told (``content``), or None when the call returned."""
        return self.content if self.is_error else None


@dataclass(frozen=True, slots=True, kw_only=True)
class EnvironmentSnapshot:
    """The state of environment ``domain`` (its whole database, as JSON) at the start of the
    conversation. With the recorded tool calls it determines every later state, so any process
    rebuilds the environment and the end state can be audited and graded."""

    KIND: ClassVar[str] = "EnvironmentSnapshot"
    SCHEMA_VERSION: ClassVar[int] = 1
    domain: str
    state: dict[str, Any] = field(default_factory=dict)
    task_id: str | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class CriterionEvaluated:
    """One criterion of a task's evaluation and its evidence, so a report says why a
    conversation passed or failed. ``kind`` is ``end_state``, ``action``, ``communicate``,
    ``nl_assertion``, ``outcome``, ``ended`` (stopped by one side, not cut short) or
    ``rubric`` (a 1–5 ``score`` with a rationale); ``passed`` is None when the criterion
    could not be judged (e.g. no judge configured)."""

    KIND: ClassVar[str] = "CriterionEvaluated"
    SCHEMA_VERSION: ClassVar[int] = 1
    task_id: str
    criterion: str
    kind: str
    passed: bool | None = None
    score: float | None = None
    evidence: str = ""
    by: str = "grader"


@dataclass(frozen=True, slots=True, kw_only=True)
class TaskGraded:
    """The verdict of a task: every criterion of ``basis`` passed (``reward`` 1) or not (0)."""

    KIND: ClassVar[str] = "TaskGraded"
    SCHEMA_VERSION: ClassVar[int] = 1
    task_id: str
    passed: bool
    reward: float
    basis: tuple[str, ...] = ()
    by: str = "grader"
